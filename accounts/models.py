from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ddasum.validators import validate_phone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an email address.

    Every signed-up user is a consumer. Vendor and agency roles come from explicit
    memberships (vendors.VendorMembership, later procurement's); operators are staff.
    """

    email = models.EmailField(_("이메일"), unique=True)
    name = models.CharField(_("이름"), max_length=50)
    phone = models.CharField(_("휴대전화"), max_length=13, blank=True, validators=[validate_phone])
    is_active = models.BooleanField(_("활성"), default=True)
    is_staff = models.BooleanField(
        _("운영자"), default=False, help_text=_("운영자 관리자 화면에 들어갈 수 있습니다.")
    )
    date_joined = models.DateTimeField(_("가입일"), default=timezone.now)
    terms_agreed_at = models.DateTimeField(_("약관 동의 시각"), null=True, blank=True)
    terms_version = models.ForeignKey("accounts.PolicyVersion", verbose_name=_("동의한 이용약관"), null=True,
                                      blank=True, on_delete=models.PROTECT, related_name="+")
    privacy_version = models.ForeignKey("accounts.PolicyVersion", verbose_name=_("동의한 개인정보처리방침"), null=True,
                                        blank=True, on_delete=models.PROTECT, related_name="+")
    age_confirmed_at = models.DateTimeField(_("만 14세 이상 확인 시각"), null=True, blank=True)
    marketing_agreed_at = models.DateTimeField(
        _("마케팅 정보 수신 동의 시각"), null=True, blank=True, help_text=_("비어 있으면 동의하지 않은 것입니다 (선택 항목).")
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("회원")
        verbose_name_plural = _("회원")
        ordering = ["-date_joined"]

    def __str__(self):
        return f"{self.name} <{self.email}>"

    def get_full_name(self):
        return self.name

    def get_short_name(self):
        return self.name

    @property
    def is_operator(self) -> bool:
        return self.is_active and self.is_staff


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """An in-app notice shown in the header; `key` makes a retried task create it once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(_("제목"), max_length=200)
    body = models.TextField(_("내용"), blank=True)
    url = models.CharField(_("링크"), max_length=300, blank=True)
    key = models.CharField(max_length=150, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("생성 시각"), default=timezone.now)
    read_at = models.DateTimeField(_("읽은 시각"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("알림")
        verbose_name_plural = _("알림")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="notif_user_unread_idx")]

    def __str__(self):
        return self.title


class LoginEvent(models.Model):
    """One sign-in of an operator (staff): password or second factor, success or failure.

    Written by accounts.security (signals and the OTP page), shown read-only in the operator's
    admin; never changed.
    """

    class Kind(models.TextChoices):
        PASSWORD = "password", _("비밀번호")
        OTP = "otp", _("2단계 인증")

    user = models.ForeignKey(User, verbose_name=_("회원"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="login_events")
    username = models.CharField(_("입력한 이메일"), max_length=254, blank=True)
    at = models.DateTimeField(_("시각"), default=timezone.now, db_index=True)
    ip = models.GenericIPAddressField(_("IP 주소"), null=True, blank=True)
    user_agent = models.CharField(_("브라우저"), max_length=300, blank=True)
    kind = models.CharField(_("단계"), max_length=10, choices=Kind.choices)
    success = models.BooleanField(_("성공"))
    otp_used = models.BooleanField(_("2단계 인증 통과"), default=False)

    class Meta:
        verbose_name = _("로그인 기록")
        verbose_name_plural = _("로그인 기록")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "-at"], name="login_event_user_idx")]

    def __str__(self):
        return f"{self.username} {self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"


class PolicyVersion(models.Model):
    """One version of a policy (이용약관, 개인정보처리방침) the operator writes in the admin.

    The version in effect is the latest whose `effective_at` has come; a version dated later is
    announced on the policy page until it takes effect. Members record the versions they agreed to.
    """

    class Kind(models.TextChoices):
        TERMS = "terms", _("이용약관")
        PRIVACY = "privacy", _("개인정보처리방침")

    kind = models.CharField(_("종류"), max_length=10, choices=Kind.choices)
    version = models.CharField(_("버전"), max_length=20, help_text=_("예: 1.0, 2026-03"))
    effective_at = models.DateTimeField(_("시행 일시"))
    summary = models.CharField(_("개정 요지"), max_length=300, blank=True)
    body = models.TextField(_("본문"), help_text=_("빈 줄로 문단을 나눕니다. '제1조'처럼 시작하는 줄은 제목이 됩니다."))
    created_at = models.DateTimeField(_("작성 시각"), default=timezone.now)

    class Meta:
        verbose_name = _("약관·방침 버전")
        verbose_name_plural = _("약관·방침 버전")
        ordering = ["kind", "-effective_at"]
        constraints = [models.UniqueConstraint(fields=["kind", "version"], name="policy_kind_version_uniq")]
        indexes = [models.Index(fields=["kind", "-effective_at"], name="policy_kind_effective_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.version}"

    def blocks(self) -> list[tuple[str, str]]:
        """The body as ("h", heading) / ("p", paragraph) pairs for the page."""
        out = []
        for chunk in self.body.replace("\r\n", "\n").split("\n\n"):
            chunk = chunk.strip()
            if not chunk:
                continue
            first, _sep, rest = chunk.partition("\n")
            if first.startswith("제") and "조" in first[:6]:
                out.append(("h", first))
                if rest.strip():
                    out.append(("p", rest.strip()))
            else:
                out.append(("p", chunk))
        return out
