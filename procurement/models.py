"""Public procurement (B2G): agencies, quote requests and quotes, bundles, purchase orders,
purchase records (공공구매 실적) and the needs board.

Money is integer won. Unit prices on quotes and purchase orders are VAT-inclusive like the
catalog's; 공급가액 and 세액 are split per tax type on totals (ddasum.money.vat_split).
"""
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Category, Product, ProductVariant, TaxType
from ddasum.storage import get_private_storage
from ddasum.validators import validate_business_number, validate_phone, validate_postal_code
from vendors.models import EnterpriseType, Region, Vendor

# --- agencies ---------------------------------------------------------------------------


class AgencyKind(models.TextChoices):
    NATIONAL = "national", _("국가기관")
    LOCAL_GOVERNMENT = "local_gov", _("지방자치단체")
    PUBLIC_INSTITUTION = "public_inst", _("공기업·공공기관")
    EDUCATION = "education", _("교육청·교육기관")
    OTHER = "other", _("기타 공공기관")


# Agencies sit in one of Chungnam's cities and counties, at the province level, or elsewhere.
AGENCY_REGION_CHOICES = [("province", _("충청남도(도 단위)")), *Region.choices, ("other", _("도 외 지역"))]


class AgencyStatus(models.TextChoices):
    PENDING = "pending", _("확인 대기")
    VERIFIED = "verified", _("확인 완료")
    REJECTED = "rejected", _("반려")


class PublicAgency(models.Model):
    name = models.CharField(_("기관명"), max_length=100)
    kind = models.CharField(_("기관 유형"), max_length=20, choices=AgencyKind.choices)
    registration_number = models.CharField(
        _("고유번호(사업자등록번호)"), max_length=12, validators=[validate_business_number],
        help_text=_("123-45-67890 형식"),
    )
    region = models.CharField(_("지역"), max_length=20, choices=AGENCY_REGION_CHOICES)
    postal_code = models.CharField(_("우편번호"), max_length=5, validators=[validate_postal_code])
    address = models.CharField(_("주소"), max_length=200)
    address_detail = models.CharField(_("상세 주소"), max_length=100, blank=True)
    phone = models.CharField(_("대표 전화"), max_length=13, validators=[validate_phone], blank=True)
    # The agency's official mail domain (e.g. chungnam.go.kr): a buyer whose address is on it
    # is accepted without waiting for the operator (see procurement.services).
    email_domain = models.CharField(_("공식 이메일 도메인"), max_length=100, blank=True,
                                    help_text=_("예: chungnam.go.kr"))
    status = models.CharField(_("상태"), max_length=10, choices=AgencyStatus.choices, default=AgencyStatus.PENDING)
    verified_at = models.DateTimeField(_("확인 시각"), null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("확인한 운영자"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("등록 요청자"))
    created_at = models.DateTimeField(_("등록 시각"), default=timezone.now)

    class Meta:
        verbose_name = _("공공기관")
        verbose_name_plural = _("공공기관")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["registration_number"], condition=~Q(status="rejected"),
                                    name="agency_registration_live_unique",
                                    violation_error_message=_("이미 등록된 고유번호입니다.")),
        ]
        indexes = [
            models.Index(fields=["status", "name"], name="agency_status_idx"),
            models.Index(fields=["kind"], name="agency_kind_idx"),
            models.Index(fields=["region"], name="agency_region_idx"),
        ]

    def __str__(self):
        return self.name

    @property
    def full_address(self) -> str:
        return f"({self.postal_code}) {self.address} {self.address_detail}".strip()


class TargetKind(models.TextChoices):
    AMOUNT = "amount", _("금액")
    SHARE = "share", _("총구매액 대비 비율")


class AgencyTarget(models.Model):
    """An agency's yearly priority-purchase target: an amount, or a share of its planned purchases."""

    agency = models.ForeignKey(PublicAgency, on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveSmallIntegerField(_("연도"))
    kind = models.CharField(_("목표 방식"), max_length=10, choices=TargetKind.choices, default=TargetKind.AMOUNT)
    amount = models.PositiveBigIntegerField(_("목표 금액(원)"), null=True, blank=True)
    share_percent = models.DecimalField(
        _("목표 비율(%)"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    total_purchase_plan = models.PositiveBigIntegerField(_("총구매액 계획(원)"), null=True, blank=True)

    class Meta:
        verbose_name = _("우선구매 목표")
        verbose_name_plural = _("우선구매 목표")
        ordering = ["agency", "-year"]
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="agency_target_year_unique")]

    def __str__(self):
        return f"{self.agency} {self.year}"

    @property
    def target_amount(self) -> int:
        """The target in won: the amount, or the share of the planned total purchases (rounded down)."""
        if self.kind == TargetKind.AMOUNT:
            return int(self.amount or 0)
        if self.share_percent is None or not self.total_purchase_plan:
            return 0
        return int(Decimal(self.total_purchase_plan) * self.share_percent // Decimal(100))


class AgencyRole(models.TextChoices):
    BUYER = "buyer", _("구매 담당")
    APPROVER = "approver", _("결재권자")


class MembershipStatus(models.TextChoices):
    PENDING = "pending", _("확인 대기")
    ACTIVE = "active", _("확인 완료")
    REJECTED = "rejected", _("반려")


class AgencyMembership(models.Model):
    """A user's role in an agency; only an active membership of a verified agency may ask for quotes."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agency_memberships",
                             verbose_name=_("회원"))
    agency = models.ForeignKey(PublicAgency, on_delete=models.CASCADE, related_name="memberships",
                               verbose_name=_("기관"))
    role = models.CharField(_("역할"), max_length=10, choices=AgencyRole.choices, default=AgencyRole.BUYER)
    status = models.CharField(_("상태"), max_length=10, choices=MembershipStatus.choices,
                              default=MembershipStatus.PENDING)
    department = models.CharField(_("부서"), max_length=50, blank=True)
    request_note = models.TextField(_("요청 메모"), blank=True)
    # "domain" when accepted by the official mail domain, "operator" when an operator checked it.
    verified_via = models.CharField(_("확인 방법"), max_length=10, blank=True)
    verified_at = models.DateTimeField(_("확인 시각"), null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    reject_reason = models.TextField(_("반려 사유"), blank=True)
    created_at = models.DateTimeField(_("요청 시각"), default=timezone.now)

    class Meta:
        verbose_name = _("기관 구성원")
        verbose_name_plural = _("기관 구성원")
        ordering = ["agency", "-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "agency"], name="agency_membership_unique")]
        indexes = [models.Index(fields=["status", "created_at"], name="agency_member_status_idx")]

    def __str__(self):
        return f"{self.agency} · {self.user} ({self.get_role_display()})"


class StatusEventBase(models.Model):
    """The shape of a status history row (who, when, from, to, why); each machine's row names its object."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("처리자"))
    reason = models.TextField(_("사유"), blank=True)
    created_at = models.DateTimeField(_("시각"), default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"


class AgencyEvent(StatusEventBase):
    """One row per status change of an agency."""

    agency = models.ForeignKey(PublicAgency, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("이전 상태"), max_length=10, choices=AgencyStatus.choices, blank=True)
    to_status = models.CharField(_("변경 상태"), max_length=10, choices=AgencyStatus.choices)

    class Meta(StatusEventBase.Meta):
        verbose_name = _("기관 상태 이력")
        verbose_name_plural = _("기관 상태 이력")
        indexes = [models.Index(fields=["agency", "created_at"], name="agency_event_idx")]


class AgencyMembershipEvent(StatusEventBase):
    """One row per status change of an agency membership."""

    membership = models.ForeignKey(AgencyMembership, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("이전 상태"), max_length=10, choices=MembershipStatus.choices, blank=True)
    to_status = models.CharField(_("변경 상태"), max_length=10, choices=MembershipStatus.choices)

    class Meta(StatusEventBase.Meta):
        verbose_name = _("기관 구성원 상태 이력")
        verbose_name_plural = _("기관 구성원 상태 이력")
        indexes = [models.Index(fields=["membership", "created_at"], name="agency_member_event_idx")]


class DirectPurchaseRule(models.Model):
    """The operator's rule: agencies of this kind may buy directly (바로구매) up to `limit` won per order."""

    kind = models.CharField(_("기관 유형"), max_length=20, choices=AgencyKind.choices, unique=True)
    limit = models.PositiveIntegerField(_("바로구매 한도(원)"), help_text=_("0이면 바로구매를 허용하지 않습니다."))

    class Meta:
        verbose_name = _("바로구매 기준")
        verbose_name_plural = _("바로구매 기준")
        ordering = ["kind"]

    def __str__(self):
        return f"{self.get_kind_display()} ≤ {self.limit:,}"


# --- quote basket, requests, quotes -----------------------------------------------------------


class QuoteBasketLine(models.Model):
    """A buyer's quote basket (견적 바구니): procurement-eligible variants from any vendor."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quote_basket")
    variant = models.ForeignKey(ProductVariant, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(_("수량"), default=1)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "variant"], name="quote_basket_line_unique")]

    def __str__(self):
        return f"{self.variant_id} × {self.quantity}"


class RequestKind(models.TextChoices):
    BASKET = "basket", _("상품 견적")
    CUSTOM = "custom", _("맞춤 견적")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("견적 진행 중")
    ACCEPTED = "accepted", _("견적 채택")
    CLOSED = "closed", _("마감")
    CANCELLED = "cancelled", _("요청 취소")


class QuoteRequest(models.Model):
    """An agency's request for quotes (견적요청), split per vendor into VendorQuotes."""

    number = models.CharField(_("요청번호"), max_length=24, unique=True)
    agency = models.ForeignKey(PublicAgency, on_delete=models.PROTECT, related_name="quote_requests",
                               verbose_name=_("기관"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("요청자"))
    kind = models.CharField(_("종류"), max_length=10, choices=RequestKind.choices, default=RequestKind.BASKET)
    title = models.CharField(_("제목"), max_length=120)
    delivery_place = models.CharField(_("납품 장소"), max_length=200)
    wanted_delivery_date = models.DateField(_("희망 납기일"), null=True, blank=True)
    budget_note = models.CharField(_("예산 메모"), max_length=200, blank=True)
    reply_by = models.DateField(_("회신 기한"))
    message = models.TextField(_("요청 내용"), blank=True)
    status = models.CharField(_("상태"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    # Set when the request was made from a needs-board proposal.
    need = models.ForeignKey("Need", on_delete=models.SET_NULL, null=True, blank=True, related_name="quote_requests")
    created_at = models.DateTimeField(_("요청 시각"), default=timezone.now)

    class Meta:
        verbose_name = _("견적요청")
        verbose_name_plural = _("견적요청")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["agency", "-created_at"], name="qrequest_agency_idx"),
            models.Index(fields=["status", "reply_by"], name="qrequest_status_idx"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        return reverse("procurement:request_detail", args=[self.number])


class QuoteRequestEvent(StatusEventBase):
    """One row per status change of a quote request."""

    request = models.ForeignKey(QuoteRequest, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("이전 상태"), max_length=10, choices=RequestStatus.choices, blank=True)
    to_status = models.CharField(_("변경 상태"), max_length=10, choices=RequestStatus.choices)

    class Meta(StatusEventBase.Meta):
        verbose_name = _("견적요청 상태 이력")
        verbose_name_plural = _("견적요청 상태 이력")
        indexes = [models.Index(fields=["request", "created_at"], name="qrequest_event_idx")]


class QuoteRequestItem(models.Model):
    """What is asked of one vendor: a catalog variant, or a free-text item (custom quote)."""

    request = models.ForeignKey(QuoteRequest, on_delete=models.CASCADE, related_name="items")
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="+")
    variant = models.ForeignKey(ProductVariant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    name = models.CharField(_("품명"), max_length=200)
    spec = models.CharField(_("규격"), max_length=200, blank=True)
    unit = models.CharField(_("단위"), max_length=20, default="개")
    quantity = models.PositiveIntegerField(_("수량"))
    note = models.CharField(_("비고"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["request", "vendor"], name="qrequest_item_idx")]

    def __str__(self):
        return f"{self.name} × {self.quantity}"


def procurement_file_path(instance, filename):
    return f"procurement/{instance.__class__.__name__.lower()}/{timezone.now():%Y/%m}/{filename}"


class PrivateAttachment(models.Model):
    """Fields shared by the private attachments (streamed by a view that checks who asks)."""

    file = models.FileField(_("파일"), storage=get_private_storage, upload_to=procurement_file_path, max_length=200)
    original_name = models.CharField(_("파일명"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField(_("크기"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name


class QuoteRequestAttachment(PrivateAttachment):
    request = models.ForeignKey(QuoteRequest, on_delete=models.CASCADE, related_name="attachments")


class QuoteStatus(models.TextChoices):
    REQUESTED = "requested", _("견적 대기")
    ANSWERED = "answered", _("견적 도착")
    DECLINED = "declined", _("견적 불가")
    ACCEPTED = "accepted", _("채택")
    NOT_SELECTED = "not_selected", _("미채택")
    CANCELLED = "cancelled", _("요청 취소")


class VendorQuote(models.Model):
    """One vendor's part of a request and its answer (견적서); revisions are QuoteVersions."""

    request = models.ForeignKey(QuoteRequest, on_delete=models.CASCADE, related_name="quotes",
                                verbose_name=_("견적요청"))
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="quotes", verbose_name=_("입점기업"))
    number = models.CharField(_("견적번호"), max_length=24, unique=True)
    status = models.CharField(_("상태"), max_length=15, choices=QuoteStatus.choices, default=QuoteStatus.REQUESTED)
    current_version = models.ForeignKey("QuoteVersion", on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="+", verbose_name=_("현재 견적서"))
    decline_reason = models.TextField(_("견적 불가 사유"), blank=True)
    answered_at = models.DateTimeField(_("회신 시각"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("채택 시각"), null=True, blank=True)
    # The unanswered-request reminder is sent once.
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("견적")
        verbose_name_plural = _("견적")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["request", "vendor"], name="vendor_quote_unique")]
        indexes = [
            models.Index(fields=["vendor", "status", "-created_at"], name="vquote_vendor_idx"),
            models.Index(fields=["status", "created_at"], name="vquote_status_idx"),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("procurement:quote_detail", args=[self.number])


class QuoteEvent(models.Model):
    """One row per status change of a vendor quote: who, when, from, to, why."""

    quote = models.ForeignKey(VendorQuote, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("처리자"))
    from_status = models.CharField(_("이전 상태"), max_length=15, choices=QuoteStatus.choices, blank=True)
    to_status = models.CharField(_("변경 상태"), max_length=15, choices=QuoteStatus.choices)
    reason = models.TextField(_("사유"), blank=True)
    created_at = models.DateTimeField(_("시각"), default=timezone.now)

    class Meta:
        verbose_name = _("견적 상태 이력")
        verbose_name_plural = _("견적 상태 이력")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["quote", "created_at"], name="quote_event_idx")]

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"


class QuoteVersion(models.Model):
    """One issue of a vendor's quote; a revision adds a version, earlier ones (and their PDFs) stay."""

    quote = models.ForeignKey(VendorQuote, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveSmallIntegerField(_("차수"))
    issued_on = models.DateField(_("견적일"), default=timezone.localdate)
    valid_until = models.DateField(_("유효기간"))
    delivery_terms = models.CharField(_("납품 조건"), max_length=200, blank=True)
    notes = models.TextField(_("비고"), blank=True)
    taxable_supply = models.PositiveBigIntegerField(_("과세 공급가액"), default=0)
    taxable_vat = models.PositiveBigIntegerField(_("세액"), default=0)
    exempt_amount = models.PositiveBigIntegerField(_("면세 금액"), default=0)
    total = models.PositiveBigIntegerField(_("합계"), default=0)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    pdf = models.FileField(storage=get_private_storage, upload_to="procurement/quotes/%Y/%m/", max_length=200,
                           blank=True)
    pdf_fingerprint = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("견적서")
        verbose_name_plural = _("견적서")
        ordering = ["quote", "-version"]
        constraints = [models.UniqueConstraint(fields=["quote", "version"], name="quote_version_unique")]

    def __str__(self):
        return f"{self.quote.number} v{self.version}"

    def is_valid_on(self, day) -> bool:
        return day <= self.valid_until


class QuoteLine(models.Model):
    version = models.ForeignKey(QuoteVersion, on_delete=models.CASCADE, related_name="lines")
    request_item = models.ForeignKey(QuoteRequestItem, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    variant = models.ForeignKey(ProductVariant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    name = models.CharField(_("품명"), max_length=200)
    spec = models.CharField(_("규격"), max_length=200, blank=True)
    unit = models.CharField(_("단위"), max_length=20, default="개")
    quantity = models.PositiveIntegerField(_("수량"))
    list_price = models.PositiveIntegerField(_("정가"), null=True, blank=True)  # the catalog price, VAT included
    unit_price = models.PositiveIntegerField(_("단가(부가세 포함)"))
    amount = models.PositiveBigIntegerField(_("금액"))  # unit_price × quantity
    tax_type = models.CharField(_("과세 구분"), max_length=10, choices=TaxType.choices)
    category = models.ForeignKey(Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.name} × {self.quantity}"


class QuoteMessage(models.Model):
    """The 1:1 thread of a vendor quote between the agency and the vendor."""

    class Side(models.TextChoices):
        AGENCY = "agency", _("기관")
        VENDOR = "vendor", _("기업")

    quote = models.ForeignKey(VendorQuote, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    side = models.CharField(max_length=10, choices=Side.choices)
    body = models.TextField(_("내용"))
    attachment = models.FileField(_("첨부"), storage=get_private_storage, upload_to="procurement/messages/%Y/%m/",
                                  max_length=200, blank=True)
    attachment_name = models.CharField(max_length=200, blank=True)
    read_at = models.DateTimeField(_("읽은 시각"), null=True, blank=True)  # by the other side
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["quote", "side", "read_at"], name="qmessage_unread_idx")]

    def __str__(self):
        return f"{self.quote} {self.side} {self.created_at:%Y-%m-%d %H:%M}"


class BundleStatus(models.TextChoices):
    PENDING = "pending", _("준비 중")
    READY = "ready", _("완료")
    FAILED = "failed", _("실패")


class QuoteBundle(models.Model):
    """The one-click document bundle of a quote: one PDF and a ZIP, remade when its inputs change."""

    quote = models.OneToOneField(VendorQuote, on_delete=models.CASCADE, related_name="bundle")
    status = models.CharField(max_length=10, choices=BundleStatus.choices, default=BundleStatus.PENDING)
    fingerprint = models.CharField(max_length=64, blank=True)  # of what the files were made from
    pdf = models.FileField(storage=get_private_storage, upload_to="procurement/bundles/%Y/%m/", max_length=200,
                           blank=True)
    zip = models.FileField(storage=get_private_storage, upload_to="procurement/bundles/%Y/%m/", max_length=200,
                           blank=True)
    page_count = models.PositiveSmallIntegerField(default=0)
    contents = models.JSONField(default=list, blank=True)  # labels of what the bundle holds, in order
    missing = models.JSONField(default=list, blank=True)  # labels of what is missing or expired
    # The vendor documents the files hold (their ids): each download logs a read of every one.
    document_ids = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    built_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("서류 묶음")
        verbose_name_plural = _("서류 묶음")

    def __str__(self):
        return f"bundle {self.quote}"


# --- purchase orders and records ---------------------------------------------------------


class PurchaseSource(models.TextChoices):
    QUOTE = "quote", _("견적 채택")
    DIRECT = "direct", _("바로구매")
    OUTSIDE = "outside", _("플랫폼 외 구매")


class POStatus(models.TextChoices):
    ISSUED = "issued", _("발주")
    CONFIRMED = "confirmed", _("발주 확인")
    DELIVERED = "delivered", _("납품 완료")
    INSPECTED = "inspected", _("검수 완료")
    CANCELLED = "cancelled", _("발주 취소")


class ProcurementPaymentMethod(models.TextChoices):
    INVOICE = "invoice", _("청구서 후 계좌이체")
    BANK_TRANSFER = "bank_transfer", _("계좌이체")
    PURCHASE_CARD = "purchase_card", _("구매카드")
    OTHER = "other", _("기타")


class PurchaseOrder(models.Model):
    """A purchase order (발주) to one vendor, from an accepted quote or a direct purchase."""

    number = models.CharField(_("발주번호"), max_length=24, unique=True)
    source = models.CharField(_("구매 경로"), max_length=10, choices=PurchaseSource.choices)
    agency = models.ForeignKey(PublicAgency, on_delete=models.PROTECT, related_name="purchase_orders",
                               verbose_name=_("기관"))
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="purchase_orders",
                               verbose_name=_("입점기업"))
    quote = models.OneToOneField(VendorQuote, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="purchase_order")
    quote_version = models.ForeignKey(QuoteVersion, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("발주자"))
    status = models.CharField(_("상태"), max_length=10, choices=POStatus.choices, default=POStatus.ISSUED)
    delivery_place = models.CharField(_("납품 장소"), max_length=200)
    wanted_delivery_date = models.DateField(_("희망 납기일"), null=True, blank=True)
    memo = models.TextField(_("메모"), blank=True)
    taxable_supply = models.PositiveBigIntegerField(_("과세 공급가액"), default=0)
    taxable_vat = models.PositiveBigIntegerField(_("세액"), default=0)
    exempt_amount = models.PositiveBigIntegerField(_("면세 금액"), default=0)
    total = models.PositiveBigIntegerField(_("합계"), default=0)
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    issued_at = models.DateTimeField(_("발주 시각"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("발주 확인 시각"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("납품 시각"), null=True, blank=True)
    inspected_at = models.DateTimeField(_("검수 시각"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("취소 시각"), null=True, blank=True)
    delivery_note = models.TextField(_("납품 메모"), blank=True)
    # Payment by invoice after delivery: recorded when the agency has paid.
    payment_method = models.CharField(_("결제 방법"), max_length=15, choices=ProcurementPaymentMethod.choices,
                                      default=ProcurementPaymentMethod.INVOICE)
    paid_on = models.DateField(_("지급일"), null=True, blank=True)
    payment_note = models.CharField(_("지급 메모"), max_length=200, blank=True)
    # 세금계산서/계산서: requested by the agency, issued by the vendor with an approval number.
    invoice_requested_at = models.DateTimeField(_("계산서 요청 시각"), null=True, blank=True)
    invoice_email = models.EmailField(_("계산서 받을 이메일"), blank=True)
    invoice_approval_number = models.CharField(_("계산서 승인번호"), max_length=40, blank=True)
    invoice_issued_at = models.DateTimeField(_("계산서 발행 시각"), null=True, blank=True)
    pdf = models.FileField(storage=get_private_storage, upload_to="procurement/po/%Y/%m/", max_length=200,
                           blank=True)
    pdf_fingerprint = models.CharField(max_length=64, blank=True)
    delivery_note_pdf = models.FileField(storage=get_private_storage, upload_to="procurement/po/%Y/%m/",
                                         max_length=200, blank=True)
    delivery_note_fingerprint = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("발주")
        verbose_name_plural = _("발주")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["agency", "-issued_at"], name="po_agency_idx"),
            models.Index(fields=["vendor", "status", "-issued_at"], name="po_vendor_idx"),
            models.Index(fields=["status", "-issued_at"], name="po_status_idx"),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("procurement:po_detail", args=[self.number])


class PurchaseOrderLine(models.Model):
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(ProductVariant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    name = models.CharField(_("품명"), max_length=200)
    spec = models.CharField(_("규격"), max_length=200, blank=True)
    unit = models.CharField(_("단위"), max_length=20, default="개")
    quantity = models.PositiveIntegerField(_("수량"))
    unit_price = models.PositiveIntegerField(_("단가(부가세 포함)"))
    amount = models.PositiveBigIntegerField(_("금액"))
    tax_type = models.CharField(_("과세 구분"), max_length=10, choices=TaxType.choices)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.name} × {self.quantity}"


class PurchaseOrderEvent(models.Model):
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"


class RecordStatus(models.TextChoices):
    VERIFIED = "verified", _("확인")
    PENDING = "pending", _("확인 대기")
    REJECTED = "rejected", _("반려")


class PurchaseRecord(models.Model):
    """A public purchase record (공공구매 실적): one per purchase order and category, or an outside purchase."""

    agency = models.ForeignKey(PublicAgency, on_delete=models.PROTECT, related_name="purchase_records",
                               verbose_name=_("기관"))
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="purchase_records",
                               verbose_name=_("입점기업"))
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="records")
    source = models.CharField(_("구매 경로"), max_length=10, choices=PurchaseSource.choices)
    enterprise_type = models.CharField(_("기업 유형"), max_length=20, choices=EnterpriseType.choices)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("분류"))
    purchased_on = models.DateField(_("구매일"))
    description = models.CharField(_("내용"), max_length=200, blank=True)
    taxable_amount = models.PositiveBigIntegerField(_("과세 금액(부가세 포함)"), default=0)
    exempt_amount = models.PositiveBigIntegerField(_("면세 금액"), default=0)
    total = models.PositiveBigIntegerField(_("합계"))
    status = models.CharField(_("확인 상태"), max_length=10, choices=RecordStatus.choices,
                              default=RecordStatus.VERIFIED)
    evidence = models.FileField(_("증빙"), storage=get_private_storage, upload_to="procurement/evidence/%Y/%m/",
                                max_length=200, blank=True)
    evidence_name = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    verified_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.TextField(_("반려 사유"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("공공구매 실적")
        verbose_name_plural = _("공공구매 실적")
        ordering = ["-purchased_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["purchase_order", "category"], name="record_po_category_unique"),
            models.CheckConstraint(condition=Q(total=models.F("taxable_amount") + models.F("exempt_amount")),
                                   name="record_total_sum"),
        ]
        indexes = [
            models.Index(fields=["agency", "purchased_on"], name="record_agency_date_idx"),
            models.Index(fields=["vendor", "purchased_on"], name="record_vendor_date_idx"),
            models.Index(fields=["purchased_on"], name="record_date_idx"),
            models.Index(fields=["status", "created_at"], name="record_status_idx"),
        ]

    def __str__(self):
        return f"{self.agency} · {self.vendor} · {self.total:,}"


# --- needs board ---------------------------------------------------------------------------


class NeedStatus(models.TextChoices):
    OPEN = "open", _("제안 받는 중")
    FULFILLED = "fulfilled", _("구매 연결")
    CLOSED = "closed", _("마감")
    CANCELLED = "cancelled", _("취소")


class Need(models.Model):
    """A post on the needs board (우리 이런 제품 필요해요)."""

    agency = models.ForeignKey(PublicAgency, on_delete=models.PROTECT, related_name="needs", verbose_name=_("기관"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+", verbose_name=_("분류"))
    title = models.CharField(_("제목"), max_length=120)
    description = models.TextField(_("설명"))
    quantity = models.CharField(_("수량"), max_length=50, help_text=_("예: 200개, 30박스"))
    budget = models.PositiveBigIntegerField(_("예산(원)"), null=True, blank=True)
    deadline = models.DateField(_("제안 마감일"))
    status = models.CharField(_("상태"), max_length=10, choices=NeedStatus.choices, default=NeedStatus.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("필요 제품 게시글")
        verbose_name_plural = _("필요 제품 게시판")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "deadline"], name="need_status_idx"),
            models.Index(fields=["category", "-created_at"], name="need_category_idx"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("procurement:need_detail", args=[self.pk])


class NeedEvent(StatusEventBase):
    """One row per status change of a need."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("이전 상태"), max_length=10, choices=NeedStatus.choices, blank=True)
    to_status = models.CharField(_("변경 상태"), max_length=10, choices=NeedStatus.choices)

    class Meta(StatusEventBase.Meta):
        verbose_name = _("필요 제품 게시글 상태 이력")
        verbose_name_plural = _("필요 제품 게시글 상태 이력")
        indexes = [models.Index(fields=["need", "created_at"], name="need_event_idx")]


class NeedAttachment(PrivateAttachment):
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="attachments")


class NeedProposal(models.Model):
    """A vendor's answer to a need: products and a price idea; the buyer can turn it into a request."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="proposals")
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="need_proposals")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    message = models.TextField(_("제안 내용"))
    price_idea = models.PositiveBigIntegerField(_("예상 금액(원)"), null=True, blank=True)
    products = models.ManyToManyField(Product, blank=True, related_name="+", verbose_name=_("제안 상품"))
    quote_request = models.ForeignKey(QuoteRequest, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("제안")
        verbose_name_plural = _("제안")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["need", "vendor"], name="need_proposal_unique")]

    def __str__(self):
        return f"{self.need} · {self.vendor}"
