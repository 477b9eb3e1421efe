from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ddasum.storage import get_private_storage
from ddasum.validators import (
    validate_business_number,
    validate_mail_order_number,
    validate_phone,
    validate_postal_code,
)


class EnterpriseType(models.TextChoices):
    SOCIAL = "social", _("사회적기업")
    PRE_SOCIAL = "pre_social", _("예비사회적기업")
    VILLAGE = "village", _("마을기업")
    COOPERATIVE = "coop", _("협동조합")
    SOCIAL_COOPERATIVE = "social_coop", _("사회적협동조합")
    SELF_SUFFICIENCY = "self_sufficiency", _("자활기업")


# Types whose status is a certification with a number and a period; when it lapses their
# products leave the shop until it is renewed.
CERTIFIED_TYPES = frozenset({EnterpriseType.SOCIAL, EnterpriseType.PRE_SOCIAL})


class Region(models.TextChoices):
    """Chungnam's 15 cities and counties."""

    CHEONAN = "cheonan", _("천안시")
    GONGJU = "gongju", _("공주시")
    BORYEONG = "boryeong", _("보령시")
    ASAN = "asan", _("아산시")
    SEOSAN = "seosan", _("서산시")
    NONSAN = "nonsan", _("논산시")
    GYERYONG = "gyeryong", _("계룡시")
    DANGJIN = "dangjin", _("당진시")
    GEUMSAN = "geumsan", _("금산군")
    BUYEO = "buyeo", _("부여군")
    SEOCHEON = "seocheon", _("서천군")
    CHEONGYANG = "cheongyang", _("청양군")
    HONGSEONG = "hongseong", _("홍성군")
    YESAN = "yesan", _("예산군")
    TAEAN = "taean", _("태안군")


class VendorStatus(models.TextChoices):
    DRAFT = "draft", _("작성 중")
    SUBMITTED = "submitted", _("신청 완료")
    UNDER_REVIEW = "under_review", _("심사 중")
    CHANGES_REQUESTED = "changes_requested", _("보완 요청")
    REJECTED = "rejected", _("반려")
    APPROVED = "approved", _("입점 승인")
    SUSPENDED = "suspended", _("판매 정지")
    WITHDRAWN = "withdrawn", _("탈퇴")
    # Ended by the operator (an exit rule): members keep reading and finishing their orders.
    TERMINATED = "terminated", _("퇴점")


# The applicant may edit the application only in these states.
EDITABLE_STATUSES = frozenset({VendorStatus.DRAFT, VendorStatus.CHANGES_REQUESTED})
# Members of vendors in these states may use the partner admin.
PARTNER_STATUSES = frozenset({VendorStatus.APPROVED, VendorStatus.SUSPENDED})
# A terminated vendor's members still see its partner admin, to read and to finish its orders only.
PARTNER_READ_STATUSES = PARTNER_STATUSES | {VendorStatus.TERMINATED}


def certification_valid_q(prefix: str = "", today=None) -> Q:
    """Type without a certification, or a certification that has not ended (by the clock)."""
    today = today or timezone.localdate()
    return ~Q(**{f"{prefix}enterprise_type__in": CERTIFIED_TYPES}) | Q(**{f"{prefix}cert_valid_until__gte": today})


def selling_q(prefix: str = "", today=None) -> Q:
    """The one rule for vendors whose products the shop shows; `prefix` joins from another model.

    catalog calls it as selling_q("vendor__") for Product.objects.on_sale().
    """
    # 전자상거래법 §12: a vendor sells only once its 통신판매업 신고번호 is on file.
    return (Q(**{f"{prefix}status": VendorStatus.APPROVED}) & certification_valid_q(prefix, today)
            & ~Q(**{f"{prefix}mail_order_number": ""}))


# The vendor columns selling_q reads, and so vendor_selling's arguments.
SELLING_FIELDS = ("status", "enterprise_type", "cert_valid_until", "mail_order_number")


def vendor_selling(*, status: str, enterprise_type: str, cert_valid_until, mail_order_number: str, today=None) -> bool:
    """selling_q for one vendor's SELLING_FIELDS values already read (no query); tests/vendors/test_rules.py
    checks they agree."""
    today = today or timezone.localdate()
    certified_ok = enterprise_type not in CERTIFIED_TYPES or (cert_valid_until is not None and cert_valid_until >= today)
    return status == VendorStatus.APPROVED and certified_ok and mail_order_number != ""


class VendorQuerySet(models.QuerySet):
    def certification_valid(self, today=None):
        return self.filter(certification_valid_q(today=today))

    def selling(self, today=None):
        """Vendors whose products the shop shows: approved and, if certified, in period."""
        return self.filter(selling_q(today=today))

    def review_queue(self):
        return self.filter(status__in=[VendorStatus.SUBMITTED, VendorStatus.UNDER_REVIEW])


def vendor_logo_path(instance, filename):
    return f"vendors/logos/{filename}"


def vendor_photo_path(instance, filename):
    return f"vendors/photos/{filename}"


class Vendor(models.Model):
    """A social-economy enterprise: an applicant until approved, then a vendor of the mall."""

    name = models.CharField(_("상호"), max_length=100)
    business_number = models.CharField(
        _("사업자등록번호"), max_length=12, validators=[validate_business_number],
        help_text=_("123-45-67890 형식"),
    )
    representative = models.CharField(_("대표자"), max_length=50)
    enterprise_type = models.CharField(_("기업 유형"), max_length=20, choices=EnterpriseType.choices)
    cert_number = models.CharField(_("인증(지정) 번호"), max_length=50, blank=True)
    mail_order_number = models.CharField(
        _("통신판매업 신고번호"), max_length=30, blank=True, validators=[validate_mail_order_number],
        help_text=_("예: 2026-충남홍성-0123. 신고번호가 있어야 상품이 판매됩니다."),
    )
    cert_valid_until = models.DateField(_("인증 유효기간 만료일"), null=True, blank=True)
    cert_expired = models.BooleanField(
        _("인증 만료"), default=False,
        help_text=_("매일 확인 작업이 만료일이 지난 인증에 표시합니다. 갱신이 확인되면 해제됩니다."),
    )
    region = models.CharField(_("시군"), max_length=20, choices=Region.choices)
    postal_code = models.CharField(_("우편번호"), max_length=5, validators=[validate_postal_code])
    address = models.CharField(_("도로명 주소"), max_length=200)
    address_detail = models.CharField(_("상세 주소"), max_length=100, blank=True)
    phone = models.CharField(_("전화번호"), max_length=13, validators=[validate_phone])
    email = models.EmailField(_("이메일"))
    business_type = models.CharField(_("업태"), max_length=50)
    business_item = models.CharField(_("종목"), max_length=100)
    logo = models.ImageField(_("로고"), upload_to=vendor_logo_path, blank=True)
    mission = models.TextField(_("사회적 가치 이야기"), blank=True)
    website = models.URLField(_("홈페이지"), blank=True)
    commission_rate = models.DecimalField(
        _("판매수수료율(%)"), max_digits=5, decimal_places=2, default=Decimal("10.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    bank_name = models.CharField(_("은행"), max_length=30, blank=True)
    bank_account_number = models.CharField(_("계좌번호"), max_length=30, blank=True)
    bank_account_holder = models.CharField(_("예금주"), max_length=50, blank=True)
    status = models.CharField(
        _("상태"), max_length=20, choices=VendorStatus.choices, default=VendorStatus.DRAFT
    )
    status_changed_at = models.DateTimeField(_("상태 변경 시각"), default=timezone.now)
    submitted_at = models.DateTimeField(_("신청 시각"), null=True, blank=True)
    approved_at = models.DateTimeField(_("승인 시각"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("신청자"),
    )
    created_at = models.DateTimeField(_("생성 시각"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정 시각"), auto_now=True)

    objects = VendorQuerySet.as_manager()

    class Meta:
        verbose_name = _("입점기업")
        verbose_name_plural = _("입점기업")
        ordering = ["name"]
        constraints = [
            # One live record per business: a rejected or withdrawn one may apply again.
            models.UniqueConstraint(
                fields=["business_number"],
                condition=~Q(status__in=["rejected", "withdrawn"]),
                name="vendor_business_number_live_unique",
                violation_error_message=_("이미 등록되었거나 신청 중인 사업자등록번호입니다."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-status_changed_at"], name="vendor_status_idx"),
            models.Index(fields=["region"], name="vendor_region_idx"),
            models.Index(fields=["enterprise_type"], name="vendor_type_idx"),
            models.Index(fields=["cert_valid_until"], name="vendor_cert_until_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("catalog:vendor", args=[self.pk])

    @property
    def is_certified_type(self) -> bool:
        return self.enterprise_type in CERTIFIED_TYPES

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    def certification_days_left(self, today=None) -> int | None:
        if not (self.is_certified_type and self.cert_valid_until):
            return None
        return (self.cert_valid_until - (today or timezone.localdate())).days

    @property
    def full_address(self) -> str:
        return f"({self.postal_code}) {self.address} {self.address_detail}".strip()


class MembershipRole(models.TextChoices):
    OWNER = "owner", _("대표 관리자")
    STAFF = "staff", _("직원")


class VendorMembership(models.Model):
    """A user's role in a vendor; one user may belong to several vendors."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="vendor_memberships",
        verbose_name=_("회원"),
    )
    vendor = models.ForeignKey(
        Vendor, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("입점기업")
    )
    role = models.CharField(_("역할"), max_length=10, choices=MembershipRole.choices, default=MembershipRole.STAFF)
    created_at = models.DateTimeField(_("등록 시각"), auto_now_add=True)

    class Meta:
        verbose_name = _("입점기업 구성원")
        verbose_name_plural = _("입점기업 구성원")
        constraints = [models.UniqueConstraint(fields=["user", "vendor"], name="vendor_membership_unique")]

    def __str__(self):
        return f"{self.vendor} · {self.user} ({self.get_role_display()})"


class VendorStatusEvent(models.Model):
    """One row per status transition: who, when, from, to, why."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("처리자"),
    )
    from_status = models.CharField(_("이전 상태"), max_length=20, choices=VendorStatus.choices, blank=True)
    to_status = models.CharField(_("변경 상태"), max_length=20, choices=VendorStatus.choices)
    reason = models.TextField(_("사유"), blank=True)
    created_at = models.DateTimeField(_("시각"), default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("상태 이력")
        verbose_name_plural = _("상태 이력")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["vendor", "-created_at"], name="vendor_event_idx")]

    def __str__(self):
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class DocumentKind(models.TextChoices):
    APPLICATION_FORM = "application_form", _("입점 신청서")
    BUSINESS_REGISTRATION = "business_registration", _("사업자등록증")
    BANK_BOOK = "bank_book", _("통장 사본")
    SEAL = "seal", _("사용인감(도장) 이미지")
    ENTERPRISE_PROOF = "enterprise_proof", _("기업 유형 증빙")


# What proves each enterprise type (the label of its ENTERPRISE_PROOF document).
ENTERPRISE_PROOF_LABELS = {
    EnterpriseType.SOCIAL: _("사회적기업 인증서"),
    EnterpriseType.PRE_SOCIAL: _("예비사회적기업 지정서"),
    EnterpriseType.VILLAGE: _("마을기업 지정서"),
    EnterpriseType.COOPERATIVE: _("협동조합 설립신고필증"),
    EnterpriseType.SOCIAL_COOPERATIVE: _("사회적협동조합 설립인가증"),
    EnterpriseType.SELF_SUFFICIENCY: _("자활기업 인정서"),
}

# Which documents an application must carry before it can be submitted. Every type brings
# the same four plus the proof of its own type (ENTERPRISE_PROOF_LABELS names it).
REQUIRED_DOCUMENTS = {
    enterprise_type: (
        DocumentKind.APPLICATION_FORM,
        DocumentKind.BUSINESS_REGISTRATION,
        DocumentKind.BANK_BOOK,
        DocumentKind.SEAL,
        DocumentKind.ENTERPRISE_PROOF,
    )
    for enterprise_type in EnterpriseType
}
# The seal is printed on generated quotes, so it must be an image.
IMAGE_ONLY_DOCUMENTS = frozenset({DocumentKind.SEAL})


def document_label(kind: str, enterprise_type: str | None = None):
    if kind == DocumentKind.ENTERPRISE_PROOF and enterprise_type in ENTERPRISE_PROOF_LABELS:
        return ENTERPRISE_PROOF_LABELS[enterprise_type]
    return DocumentKind(kind).label


class VendorDocumentQuerySet(models.QuerySet):
    def current(self):
        """The latest upload of each kind per vendor (what the vendor and the operator review)."""
        latest = (
            VendorDocument.objects.filter(vendor=models.OuterRef("vendor"), kind=models.OuterRef("kind"))
            .order_by("-uploaded_at", "-id")
            .values("id")[:1]
        )
        return self.filter(id=models.Subquery(latest))

    def confirmed(self):
        """Documents the operator stands behind: all but the certificate of a renewal not (or not yet) confirmed."""
        unconfirmed = CertificationRenewal.objects.exclude(status=RenewalStatus.CONFIRMED).values("document_id")
        return self.exclude(pk__in=unconfirmed)

    def shareable(self):
        """The latest confirmed document of each kind per vendor: the one passed on to anyone else.

        A pending renewal's certificate never replaces the confirmed one (vendors.selectors
        `vendor_documents_shareable` is the one reader of this for every path).
        """
        latest = (
            VendorDocument.objects.confirmed()
            .filter(vendor=models.OuterRef("vendor"), kind=models.OuterRef("kind"))
            .order_by("-uploaded_at", "-id")
            .values("id")[:1]
        )
        return self.filter(id=models.Subquery(latest))


def vendor_document_path(instance, filename):
    return f"vendor-documents/{instance.vendor_id}/{filename}"


class VendorDocument(models.Model):
    """A private document of a vendor, kept outside the public media and streamed by a view."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("서류 종류"), max_length=30, choices=DocumentKind.choices)
    file = models.FileField(_("파일"), storage=get_private_storage, upload_to=vendor_document_path, max_length=200)
    original_name = models.CharField(_("원래 파일명"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField(_("크기"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("올린 사람"),
    )
    uploaded_at = models.DateTimeField(_("올린 시각"), default=timezone.now)

    objects = VendorDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("입점 서류")
        verbose_name_plural = _("입점 서류")
        ordering = ["vendor", "kind", "-uploaded_at"]
        indexes = [models.Index(fields=["vendor", "kind", "-uploaded_at"], name="vendor_doc_idx")]

    def __str__(self):
        return f"{self.vendor} · {self.label}"

    def get_absolute_url(self):
        return reverse("vendors:document", args=[self.pk])

    @property
    def label(self):
        return document_label(self.kind, self.vendor.enterprise_type)

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class VendorPhoto(models.Model):
    """A photo on the vendor's public profile."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("사진"), upload_to=vendor_photo_path)
    caption = models.CharField(_("설명"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(_("순서"), default=0)

    class Meta:
        verbose_name = _("기업 사진")
        verbose_name_plural = _("기업 사진")
        ordering = ["position", "id"]

    def __str__(self):
        return self.caption or str(self.pk)


class RenewalStatus(models.TextChoices):
    PENDING = "pending", _("확인 대기")
    CONFIRMED = "confirmed", _("확인 완료")
    REJECTED = "rejected", _("반려")


class CertificationRenewal(models.Model):
    """A vendor's renewed certificate, waiting for the operator to confirm it."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="renewals", verbose_name=_("입점기업"))
    document = models.ForeignKey(VendorDocument, on_delete=models.PROTECT, related_name="+", verbose_name=_("새 인증서"))
    cert_number = models.CharField(_("인증(지정) 번호"), max_length=50)
    valid_until = models.DateField(_("새 유효기간 만료일"))
    status = models.CharField(_("상태"), max_length=10, choices=RenewalStatus.choices, default=RenewalStatus.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("신청자")
    )
    requested_at = models.DateTimeField(_("신청 시각"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("처리자"),
    )
    decided_at = models.DateTimeField(_("처리 시각"), null=True, blank=True)
    reason = models.TextField(_("반려 사유"), blank=True)

    class Meta:
        verbose_name = _("인증 갱신")
        verbose_name_plural = _("인증 갱신")
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["status", "-requested_at"], name="renewal_status_idx")]

    def __str__(self):
        return f"{self.vendor} · {self.valid_until}"


class DocumentReadChannel(models.TextChoices):
    """Through what a private document was read."""

    PAGE = "page", _("서류 보기")
    DOWNLOAD = "download", _("서류 내려받기")
    BUNDLE_PDF = "bundle_pdf", _("서류 묶음 PDF")
    BUNDLE_ZIP = "bundle_zip", _("서류 묶음 ZIP")
    API_BUNDLE_PDF = "api_bundle_pdf", _("API 서류 묶음 PDF")


class ReaderRole(models.TextChoices):
    OPERATOR = "operator", _("운영자")
    VENDOR = "vendor", _("입점기업 구성원")
    AGENCY = "agency", _("공공기관 구성원")


class AppendOnlyError(RuntimeError):
    """A row of an append-only log was to be changed or deleted."""


class DocumentReadQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("document reads are never changed")

    def delete(self):
        raise AppendOnlyError("document reads are never deleted")


class DocumentRead(models.Model):
    """One read of a vendor's private document: who, which, when, through what, for which agency or vendor.

    Append-only: rows are added by vendors.services.document_reads_record and never changed or
    deleted (the model, its queryset and both admins refuse). What was read is copied (kind,
    hash, file name), so the row keeps its meaning if the document row goes.
    """

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="document_reads",
                               verbose_name=_("입점기업"))
    document = models.ForeignKey(VendorDocument, on_delete=models.SET_NULL, null=True, blank=True, related_name="reads",
                                 verbose_name=_("서류"))
    kind = models.CharField(_("서류 종류"), max_length=30, choices=DocumentKind.choices)
    document_name = models.CharField(_("파일명"), max_length=200, blank=True)
    document_sha256 = models.CharField(_("파일 해시"), max_length=64, blank=True)
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+", verbose_name=_("열람한 사람"))
    reader_name = models.CharField(_("이름(기록 당시)"), max_length=50, blank=True)
    reader_email = models.EmailField(_("이메일(기록 당시)"), blank=True)
    role = models.CharField(_("열람 자격"), max_length=10, choices=ReaderRole.choices)
    context = models.CharField(_("기관·기업"), max_length=200, blank=True,
                               help_text=_("공공기관 구성원이면 그 기관, 입점기업 구성원이면 그 기업"))
    channel = models.CharField(_("경로"), max_length=20, choices=DocumentReadChannel.choices)
    reference = models.CharField(_("근거"), max_length=100, blank=True, help_text=_("견적번호나 발주번호"))
    page = models.CharField(_("열람한 화면"), max_length=200, blank=True,
                            help_text=_("서류를 연 이 사이트의 화면 주소(있을 때)"))
    ip_address = models.GenericIPAddressField(_("IP 주소"), null=True, blank=True)
    read_at = models.DateTimeField(_("열람 시각"), default=timezone.now)

    objects = DocumentReadQuerySet.as_manager()

    class Meta:
        verbose_name = _("서류 열람 기록")
        verbose_name_plural = _("서류 열람 기록")
        ordering = ["-read_at", "-id"]
        indexes = [
            models.Index(fields=["vendor", "-read_at"], name="doc_read_vendor_idx"),
            models.Index(fields=["-read_at"], name="doc_read_at_idx"),
            models.Index(fields=["document", "-read_at"], name="doc_read_document_idx"),
        ]

    def __str__(self):
        return f"{self.vendor} · {self.get_kind_display()} · {self.reader_name or self.reader_email}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("document reads are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("document reads are never deleted")


class SocialFactKind(models.TextChoices):
    VULNERABLE_EMPLOYMENT = "vulnerable_employment", _("취약계층 고용")
    LOCAL_SOURCING = "local_sourcing", _("지역 원재료 사용")
    ECO_PACKAGING = "eco_packaging", _("친환경·플라스틱 줄인 포장")
    COMMUNITY_REINVESTMENT = "community_reinvestment", _("지역사회 재투자")
    ELDERLY_JOBS = "elderly_jobs", _("어르신 일자리")


class VendorSocialFactQuerySet(models.QuerySet):
    def verified(self):
        return self.filter(verified_at__isnull=False)


class VendorSocialFact(models.Model):
    """A social-value fact of a vendor; shown to consumers once the operator has verified it."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="social_facts", verbose_name=_("입점기업"))
    kind = models.CharField(_("항목"), max_length=30, choices=SocialFactKind.choices)
    value = models.CharField(_("내용"), max_length=100, help_text=_("예: 직원의 62%, 원재료의 90% 충남산"))
    evidence = models.TextField(_("근거"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("확인한 운영자"),
    )
    verified_at = models.DateTimeField(_("확인 시각"), null=True, blank=True)

    objects = VendorSocialFactQuerySet.as_manager()

    class Meta:
        verbose_name = _("사회적 가치 정보")
        verbose_name_plural = _("사회적 가치 정보")
        constraints = [models.UniqueConstraint(fields=["vendor", "kind"], name="vendor_social_fact_unique")]
        indexes = [models.Index(fields=["kind", "verified_at"], name="social_fact_kind_idx")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.value}"


class CommissionRateChange(models.Model):
    """One row each time the operator sets a vendor's commission rate: the history the rate lacks.

    Orders copy the rate in force when they are placed (VendorOrder.commission_rate), so a
    change never alters what was already sold; this table says who changed it and when.
    """

    vendor = models.ForeignKey(
        Vendor, on_delete=models.CASCADE, related_name="commission_changes", verbose_name=_("입점기업")
    )
    rate = models.DecimalField(_("판매수수료율(%)"), max_digits=5, decimal_places=2)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("변경한 운영자"),
    )
    changed_at = models.DateTimeField(_("변경 시각"), default=timezone.now)

    class Meta:
        verbose_name = _("수수료율 변경 이력")
        verbose_name_plural = _("수수료율 변경 이력")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["vendor", "-changed_at"], name="vendor_commission_idx")]

    def __str__(self):
        return f"{self.vendor} · {self.rate}%"


class VendorApplication(Vendor):
    """The operator's review queue: vendors whose application waits for a decision."""

    class Meta:
        proxy = True
        verbose_name = _("입점 신청 심사")
        verbose_name_plural = _("입점 신청 심사 대기")


# --- API keys and outgoing webhooks (the vendor's own integrations) ---------------------------


class ApiScope(models.TextChoices):
    PRODUCTS_READ = "products_read", _("상품 읽기")
    PRODUCTS_WRITE = "products_write", _("상품 쓰기")
    STOCK = "stock", _("재고")
    ORDERS = "orders", _("주문")
    QUOTES = "quotes", _("견적")


class VendorApiKeyQuerySet(models.QuerySet):
    def usable(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


class VendorApiKey(models.Model):
    """A vendor's API key: the vendor's, not a person's; only its keyed hash is stored (vendors.api_keys)."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="api_keys", verbose_name=_("입점기업"))
    name = models.CharField(_("이름"), max_length=80, help_text=_("어디에 쓰는 키인지, 예: 우체국쇼핑 연동"))
    scopes = models.JSONField(_("권한"), default=list)
    # The first characters of the key, to tell keys apart in lists; never enough to use it.
    prefix = models.CharField(_("키 앞부분"), max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("만료 시각"), null=True, blank=True,
                                      help_text=_("비워 두면 폐기할 때까지 쓸 수 있습니다."))
    revoked_at = models.DateTimeField(_("폐기 시각"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False, verbose_name=_("폐기한 사람"))
    last_used_at = models.DateTimeField(_("마지막 사용"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   editable=False, verbose_name=_("만든 사람"))
    created_at = models.DateTimeField(_("만든 시각"), auto_now_add=True)

    objects = VendorApiKeyQuerySet.as_manager()

    # Throttled per key, not as the member who made it (ddasum.api.UserThrottle reads this).
    counted_per_key = True

    class Meta:
        verbose_name = _("API 키")
        verbose_name_plural = _("API 키")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["vendor", "-created_at"], name="vendor_api_key_idx")]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class WebhookEvent(models.TextChoices):
    ORDER_PAID = "order.paid", _("주문 결제 완료")
    ORDER_CANCELLED = "order.cancelled", _("주문 취소")
    RETURN_REQUESTED = "order.return_requested", _("반품 요청")
    QUOTE_REQUESTED = "quote.requested", _("견적 요청")


class WebhookEndpoint(models.Model):
    """Where a vendor wants to hear about its events; each delivery is signed with `secret`."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="webhook_endpoints",
                               verbose_name=_("입점기업"))
    url = models.URLField(_("받을 주소"), max_length=500)
    events = models.JSONField(_("이벤트"), default=list)
    secret = models.CharField(_("서명 비밀값"), max_length=64, editable=False)
    is_active = models.BooleanField(_("사용"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False, verbose_name=_("만든 사람"))
    created_at = models.DateTimeField(_("만든 시각"), auto_now_add=True)

    class Meta:
        verbose_name = _("웹훅 주소")
        verbose_name_plural = _("웹훅 주소")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["vendor", "is_active"], name="webhook_endpoint_vendor_idx")]

    def __str__(self):
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("보내는 중")
    SUCCEEDED = "succeeded", _("전달됨")
    FAILED = "failed", _("실패(포기)")


class WebhookDelivery(models.Model):
    """One event for one endpoint (the outbox row): sent, retried with backoff, replayable."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries",
                                 verbose_name=_("웹훅 주소"))
    event = models.CharField(_("이벤트"), max_length=40, choices=WebhookEvent.choices)
    # What happened to what ("vendor_order:42"): one delivery per endpoint, event and subject.
    subject = models.CharField(_("대상"), max_length=80)
    payload = models.JSONField(_("내용"))
    status = models.CharField(_("상태"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("시도 횟수"), default=0)
    next_attempt_at = models.DateTimeField(_("다음 시도"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("마지막 응답 코드"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("전달 시각"), null=True, blank=True)
    created_at = models.DateTimeField(_("만든 시각"), default=timezone.now)

    class Meta:
        verbose_name = _("웹훅 전송")
        verbose_name_plural = _("웹훅 전송")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["endpoint", "event", "subject"],
                                               name="webhook_delivery_once")]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx"),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_endpoint_idx"),
        ]

    def __str__(self):
        return f"{self.get_event_display()} · {self.subject}"


class WebhookAttempt(models.Model):
    """One try of a delivery: what the endpoint answered (the log the vendor reads)."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log",
                                 verbose_name=_("웹훅 전송"))
    attempted_at = models.DateTimeField(_("시도 시각"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("응답 코드"), null=True, blank=True)
    response_excerpt = models.CharField(_("응답 앞부분"), max_length=500, blank=True)
    error = models.CharField(_("오류"), max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(_("걸린 시간(ms)"), default=0)

    class Meta:
        verbose_name = _("웹훅 시도")
        verbose_name_plural = _("웹훅 시도")
        ordering = ["-attempted_at", "-id"]
        indexes = [models.Index(fields=["delivery", "-attempted_at"], name="webhook_attempt_delivery_idx")]

    def __str__(self):
        return f"{self.attempted_at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error}"

# --- performance and exit rules (issue 14) -------------------------------------------------


class VendorPerformance(models.Model):
    """A vendor's numbers over the last `window_days` days, computed nightly (vendors.performance).

    One row per vendor and window, rewritten by each run; counts are kept beside the rates so
    a rate can be read against how many records it stands on. Empty rates mean no records.
    """

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="performance",
                               verbose_name=_("입점기업"))
    window_days = models.PositiveSmallIntegerField(_("기간(일)"))
    as_of = models.DateField(_("기준일"))
    computed_at = models.DateTimeField(_("계산 시각"), default=timezone.now)
    paid_orders = models.PositiveIntegerField(_("결제된 주문"), default=0)
    ship_due_orders = models.PositiveIntegerField(_("발송 기한이 된 주문"), default=0)
    shipped_on_time = models.PositiveIntegerField(_("기한 안 발송"), default=0)
    on_time_rate = models.DecimalField(_("기한 내 발송률(%)"), max_digits=5, decimal_places=1, null=True, blank=True)
    vendor_cancels = models.PositiveIntegerField(_("판매자 취소"), default=0)
    vendor_cancel_rate = models.DecimalField(_("판매자 취소율(%)"), max_digits=5, decimal_places=1, null=True,
                                             blank=True)
    delivered_orders = models.PositiveIntegerField(_("배송 완료 주문"), default=0)
    returns = models.PositiveIntegerField(_("반품 요청"), default=0)
    return_rate = models.DecimalField(_("반품률(%)"), max_digits=5, decimal_places=1, null=True, blank=True)
    questions_answered = models.PositiveIntegerField(_("답변한 문의"), default=0)
    question_answer_hours = models.DecimalField(_("문의 평균 답변 시간(시간)"), max_digits=7, decimal_places=1,
                                                null=True, blank=True)
    quotes_answered = models.PositiveIntegerField(_("회신한 견적 요청"), default=0)
    quote_answer_hours = models.DecimalField(_("견적 평균 회신 시간(시간)"), max_digits=7, decimal_places=1,
                                             null=True, blank=True)
    review_count = models.PositiveIntegerField(_("후기 수"), default=0)
    review_avg = models.DecimalField(_("평균 평점"), max_digits=3, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("입점기업 성과")
        verbose_name_plural = _("입점기업 성과")
        ordering = ["vendor__name", "window_days"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "window_days"], name="vendor_performance_unique"),
        ]
        # The operator's list sorts by each of these.
        indexes = [
            models.Index(fields=["window_days", "on_time_rate"], name="vperf_on_time_idx"),
            models.Index(fields=["window_days", "vendor_cancel_rate"], name="vperf_cancel_idx"),
            models.Index(fields=["window_days", "return_rate"], name="vperf_return_idx"),
            models.Index(fields=["window_days", "question_answer_hours"], name="vperf_question_idx"),
            models.Index(fields=["window_days", "quote_answer_hours"], name="vperf_quote_idx"),
            models.Index(fields=["window_days", "review_avg"], name="vperf_review_idx"),
            models.Index(fields=["window_days", "paid_orders"], name="vperf_orders_idx"),
        ]

    def __str__(self):
        return f"{self.vendor} · {self.window_days}d · {self.as_of}"


class SanctionKind(models.TextChoices):
    WARNING = "warning", _("경고")
    SUSPENSION = "suspension", _("판매 정지")
    LIFT = "lift", _("판매 정지 해제")
    TERMINATION = "termination", _("퇴점")


class VendorSanction(models.Model):
    """One exit-rule action the operator took on a vendor, with its reason; never changed afterwards.

    Suspension, its lifting and termination move the vendor's status (their VendorStatusEvent is
    linked); a warning leaves the status as it is and this row is its record.
    """

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="sanctions", verbose_name=_("입점기업"))
    kind = models.CharField(_("조치"), max_length=12, choices=SanctionKind.choices)
    reason = models.TextField(_("사유"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("처리한 운영자"))
    status_event = models.OneToOneField(VendorStatusEvent, on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="sanction", verbose_name=_("상태 이력"))
    created_at = models.DateTimeField(_("시각"), default=timezone.now)

    class Meta:
        verbose_name = _("퇴점 규칙 조치")
        verbose_name_plural = _("퇴점 규칙 조치")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["vendor", "-created_at"], name="sanction_vendor_idx"),
            models.Index(fields=["kind", "-created_at"], name="sanction_kind_idx"),
        ]

    def __str__(self):
        return f"{self.vendor} · {self.get_kind_display()}"


class ExitSuggestion(models.Model):
    """A metric past its threshold (settings.VENDOR_EXIT_THRESHOLDS): a suggestion to the operator, never an action.

    One open suggestion per vendor and metric; it closes when the operator acts on it (the
    sanction is linked) or dismisses it, and a later run may open a new one.
    """

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="exit_suggestions",
                               verbose_name=_("입점기업"))
    metric = models.CharField(_("지표"), max_length=30)
    value = models.DecimalField(_("값"), max_digits=7, decimal_places=2)
    threshold = models.DecimalField(_("기준"), max_digits=7, decimal_places=2)
    suggested_kind = models.CharField(_("제안 조치"), max_length=12, choices=SanctionKind.choices)
    created_at = models.DateTimeField(_("제안 시각"), default=timezone.now)
    closed_at = models.DateTimeField(_("처리 시각"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("처리한 운영자"))
    sanction = models.ForeignKey(VendorSanction, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="suggestions", verbose_name=_("취한 조치"))
    dismiss_reason = models.TextField(_("넘긴 사유"), blank=True)

    class Meta:
        verbose_name = _("퇴점 규칙 제안")
        verbose_name_plural = _("퇴점 규칙 제안")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "metric"], condition=Q(closed_at__isnull=True),
                                    name="exit_suggestion_open_unique"),
        ]
        indexes = [models.Index(fields=["closed_at", "-created_at"], name="exit_suggestion_open_idx")]

    def __str__(self):
        return f"{self.vendor} · {self.metric}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
