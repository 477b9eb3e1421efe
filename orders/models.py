from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, CampaignItem, Coupon
from catalog.models import DeliverySlot, ProductVariant, TaxType
from ddasum.models import ChoiceLabels
from ddasum.storage import get_private_storage
from ddasum.validators import validate_phone, validate_postal_code
from vendors.models import Vendor

# --- cart -------------------------------------------------------------------------------


class Cart(models.Model):
    """A signed-in user's cart, or an anonymous visitor's (by session key); merged on login."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="cart")
    session_key = models.CharField(max_length=40, null=True, blank=True, unique=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("장바구니")
        verbose_name_plural = _("장바구니")
        indexes = [models.Index(fields=["updated_at"], name="cart_updated_idx")]  # the abandoned-cart purge

    def __str__(self):
        return f"cart {self.pk}"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(ProductVariant, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(default=1)
    added_at = models.DateTimeField(default=timezone.now)
    # The unit price the buyer saw when adding (campaign price included), to say when it changed.
    added_unit_price = models.PositiveIntegerField(null=True, blank=True)
    # The delivery date chosen, for a product that needs one (catalog.delivery_dates).
    delivery_slot = models.ForeignKey(DeliverySlot, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["cart", "variant"], name="cart_line_unique")]

    def __str__(self):
        return f"{self.variant_id} × {self.quantity}"


class Address(models.Model):
    """A signed-in user's address book entry."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(_("이름"), max_length=30, blank=True, help_text=_("예: 집, 회사"))
    recipient = models.CharField(_("받는 분"), max_length=50)
    phone = models.CharField(_("연락처"), max_length=13, validators=[validate_phone])
    postal_code = models.CharField(_("우편번호"), max_length=5, validators=[validate_postal_code])
    address = models.CharField(_("주소"), max_length=200)
    address_detail = models.CharField(_("상세 주소"), max_length=100, blank=True)
    is_default = models.BooleanField(_("기본 배송지"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("배송지")
        verbose_name_plural = _("배송지")
        ordering = ["-is_default", "-created_at"]

    def __str__(self):
        return f"{self.label or self.recipient} ({self.postal_code})"


# --- orders -----------------------------------------------------------------------------


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("무통장입금")
    CARD = "card", _("카드·간편결제")
    VIRTUAL_ACCOUNT = "virtual_account", _("가상계좌")


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("결제 대기")
    PAID = "paid", _("결제 완료")
    EXPIRED = "expired", _("입금 기한 만료")
    CANCELLED = "cancelled", _("주문 취소")


class Order(ChoiceLabels, models.Model):
    """One checkout: what the buyer pays once; each vendor fulfils its VendorOrder."""

    number = models.CharField(_("주문번호"), max_length=20, unique=True)
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="orders", verbose_name=_("회원"))
    email = models.EmailField(_("주문자 이메일"))
    # A guest opens the order with a link carrying an HMAC of this random value
    # (orders/services/guest_access.py); a new value ends every earlier link. "" for members.
    guest_access_nonce = models.CharField(max_length=32, blank=True, editable=False)
    orderer_name = models.CharField(_("주문자"), max_length=50)
    orderer_phone = models.CharField(_("주문자 연락처"), max_length=13)
    recipient_name = models.CharField(_("받는 분"), max_length=50)
    recipient_phone = models.CharField(_("받는 분 연락처"), max_length=13)
    postal_code = models.CharField(_("우편번호"), max_length=5)
    address = models.CharField(_("주소"), max_length=200)
    address_detail = models.CharField(_("상세 주소"), max_length=100, blank=True)
    memo = models.CharField(_("배송 메모"), max_length=200, blank=True)
    payment_method = models.CharField(_("결제 수단"), max_length=20, choices=PaymentMethod.choices)
    status = models.CharField(_("상태"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING_PAYMENT)
    items_total = models.PositiveIntegerField(_("상품 금액"))
    shipping_total = models.PositiveIntegerField(_("배송비"))
    discount_total = models.PositiveIntegerField(_("할인"), default=0)
    total = models.PositiveIntegerField(_("결제 금액"))
    # Goods by tax type after the coupon discount (shipping not included): taxable + exempt + shipping = total.
    taxable_total = models.PositiveIntegerField(_("과세 금액"), default=0)
    exempt_total = models.PositiveIntegerField(_("면세 금액"), default=0)
    coupon = models.ForeignKey(Coupon, on_delete=models.SET_NULL, null=True, blank=True, related_name="orders",
                               verbose_name=_("쿠폰"))
    coupon_code = models.CharField(_("쿠폰 코드"), max_length=30, blank=True)
    # Set once the coupon use was given back (the order expired or was cancelled as a whole).
    coupon_released = models.BooleanField(default=False)
    # A business buyer asks for 세금계산서/계산서 with its registration number.
    business_number = models.CharField(_("사업자등록번호"), max_length=12, blank=True)
    business_name = models.CharField(_("상호"), max_length=100, blank=True)
    # 구매안전서비스 (escrow) asked for at checkout, for cash payments through the PG.
    use_escrow = models.BooleanField(_("구매안전서비스"), default=False)
    idempotency_key = models.CharField(max_length=64, unique=True)
    placed_at = models.DateTimeField(_("주문 시각"), default=timezone.now)
    expires_at = models.DateTimeField(_("입금 기한"), null=True, blank=True)
    paid_at = models.DateTimeField(_("결제 시각"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("취소 시각"), null=True, blank=True)

    class Meta:
        verbose_name = _("주문")
        verbose_name_plural = _("주문")
        ordering = ["-placed_at", "-id"]
        indexes = [
            models.Index(fields=["buyer", "-placed_at"], name="order_buyer_idx"),
            models.Index(fields=["status", "expires_at"], name="order_status_expiry_idx"),
            models.Index(fields=["-placed_at"], name="order_placed_idx"),
            models.Index(fields=["paid_at"], name="order_paid_idx"),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("orders:detail", args=[self.number])


class VendorOrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("결제 대기")
    PAID = "paid", _("결제 완료")
    PREPARING = "preparing", _("상품 준비 중")
    SHIPPED = "shipped", _("배송 중")
    DELIVERED = "delivered", _("배송 완료")
    COMPLETED = "completed", _("구매 확정")
    CANCELLED = "cancelled", _("주문 취소")
    RETURN_REQUESTED = "return_requested", _("반품 요청")
    RETURNED = "returned", _("반품 완료")
    REFUNDED = "refunded", _("환불 완료")


class Carrier(models.TextChoices):
    CJ = "cj", _("CJ대한통운")
    POST = "epost", _("우체국택배")
    LOTTE = "lotte", _("롯데택배")
    HANJIN = "hanjin", _("한진택배")
    LOGEN = "logen", _("로젠택배")
    DIRECT = "direct", _("직접 배송")


# The carriers' public tracking pages (the tracking number is appended).
CARRIER_TRACKING_URLS = {
    Carrier.CJ: "https://trace.cjlogistics.com/next/tracking.html?wblNo=",
    Carrier.POST: "https://service.epost.go.kr/trace.RetrieveDomRigiTraceList.comm?sid1=",
    Carrier.LOTTE: "https://www.lotteglogis.com/home/reservation/tracking/linkView?InvNo=",
    Carrier.HANJIN: "https://www.hanjin.com/kor/CMS/DeliveryMgr/WaybillResult.do?mCode=MN038&wblnum=",
    Carrier.LOGEN: "https://www.ilogen.com/web/personal/trace/",
}


def carrier_tracking_url(carrier: str, number: str) -> str:
    """The carrier's public tracking page for a number ("" for direct delivery or no number)."""
    base = CARRIER_TRACKING_URLS.get(carrier)
    return f"{base}{number}" if base and number else ""


class VendorOrder(ChoiceLabels, models.Model):
    """What one vendor fulfils of an order, and is settled on."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="vendor_orders", verbose_name=_("주문"))
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="vendor_orders", verbose_name=_("입점기업"))
    number = models.CharField(_("기업 주문번호"), max_length=24, unique=True)
    status = models.CharField(_("상태"), max_length=20, choices=VendorOrderStatus.choices,
                              default=VendorOrderStatus.PENDING_PAYMENT)
    items_total = models.PositiveIntegerField(_("상품 금액"))
    shipping_fee = models.PositiveIntegerField(_("배송비"))
    total = models.PositiveIntegerField(_("합계"))  # items + shipping, before the coupon discount
    # This vendor order's share of the order's coupon discount, and the part of it the vendor funds.
    discount = models.PositiveIntegerField(_("쿠폰 할인"), default=0)
    vendor_discount = models.PositiveIntegerField(_("입점기업 부담 할인"), default=0)
    refunded_amount = models.PositiveIntegerField(_("환불 금액"), default=0)
    # The goods of lines cancelled or returned one by one (line totals less the vendor-funded coupon
    # part): not sold, so no commission is charged on them.
    refunded_items = models.PositiveIntegerField(_("취소·반품 상품 금액"), default=0)
    # The operator-funded part of the coupon shares of lines cancelled or returned one by one: the buyer
    # was refunded those lines less their coupon share, and the operator no longer owes the vendor that part.
    refunded_subsidy = models.PositiveIntegerField(_("취소·반품 상품의 운영자 부담 할인"), default=0)
    commission_rate = models.DecimalField(_("수수료율(%)"), max_digits=5, decimal_places=2)
    carrier = models.CharField(_("택배사"), max_length=10, choices=Carrier.choices, blank=True)
    tracking_number = models.CharField(_("송장번호"), max_length=30, blank=True)
    vendor_note = models.TextField(_("구매자에게 남기는 말"), blank=True)
    return_reason = models.TextField(_("반품 사유"), blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(_("발송 시각"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("배송 완료 시각"), null=True, blank=True)
    # Confirmed (구매 확정), or refunded in full: when the vendor order was finished, and settled by.
    completed_at = models.DateTimeField(_("구매 확정·환불 완료 시각"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("취소 시각"), null=True, blank=True)
    # The earliest delivery date its lines were ordered for (products with chosen dates), to filter and sort by.
    delivery_date = models.DateField(_("배송일"), null=True, blank=True)
    # Moves with every status change (StateMachine saves auto_now fields) and tracking fix: the
    # orders API's cursor (orders.api.partner) reads what changed after (updated_at, id).
    updated_at = models.DateTimeField(_("변경 시각"), auto_now=True)
    # The shipping promise, fixed when paid (orders.services.late_shipping), and the escalation's
    # steps, each stamped once: the vendor reminded, the operators alerted, the buyer told.
    ship_by = models.DateField(_("발송 기한"), null=True, blank=True)
    late_reminded_at = models.DateTimeField(_("발송 지연 안내(입점기업)"), null=True, blank=True)
    late_escalated_at = models.DateTimeField(_("발송 지연 알림(운영자)"), null=True, blank=True)
    late_expected_on = models.DateField(_("새 발송 예정일"), null=True, blank=True)
    late_buyer_told_at = models.DateTimeField(_("발송 지연 안내(구매자)"), null=True, blank=True)

    class Meta:
        verbose_name = _("기업별 주문")
        verbose_name_plural = _("기업별 주문")
        ordering = ["-order__placed_at", "-id"]
        indexes = [
            models.Index(fields=["vendor", "status"], name="vorder_vendor_status_idx"),
            models.Index(fields=["vendor", "completed_at"], name="vorder_vendor_completed_idx"),
            models.Index(fields=["status", "delivered_at"], name="vorder_status_delivered_idx"),
            models.Index(fields=["vendor", "delivery_date"], name="vorder_vendor_delivery_idx"),
            models.Index(fields=["vendor", "updated_at", "id"], name="vorder_vendor_updated_idx"),
            models.Index(fields=["status", "ship_by"], name="vorder_status_ship_by_idx"),
            models.Index(fields=["vendor", "status", "ship_by"], name="vorder_vendor_ship_by_idx"),
        ]

    def __str__(self):
        return self.number

    @property
    def paid_total(self) -> int:
        """What the buyer paid for this vendor order: its total less its share of the coupon discount."""
        return self.total - self.discount

    @property
    def tracking_url(self) -> str:
        base = CARRIER_TRACKING_URLS.get(self.carrier)
        return f"{base}{self.tracking_number}" if base and self.tracking_number else ""


class OrderLineState(models.TextChoices):
    ORDERED = "ordered", _("주문")
    CANCELLED = "cancelled", _("취소")
    RETURNED = "returned", _("반품")


class OrderLine(models.Model):
    """A line as it was sold: name, option, price, tax type and vendor are copied at that moment."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    vendor_order = models.ForeignKey(VendorOrder, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(ProductVariant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    product_id_snapshot = models.PositiveBigIntegerField(null=True, blank=True)
    product_name = models.CharField(_("상품명"), max_length=120)
    variant_name = models.CharField(_("옵션"), max_length=80)
    sku = models.CharField(max_length=60, blank=True)
    unit_price = models.PositiveIntegerField(_("단가"))
    quantity = models.PositiveIntegerField(_("수량"))
    line_total = models.PositiveIntegerField(_("금액"))
    # The variant's own price at that moment; with a campaign price, the item and campaign that set it.
    regular_price = models.PositiveIntegerField(_("정상가"), null=True, blank=True)
    campaign_item = models.ForeignKey(CampaignItem, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="order_lines", verbose_name=_("기획전 상품"))
    campaign = models.ForeignKey(Campaign, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="order_lines", verbose_name=_("기획전"))
    # Set once the campaign quantity and per-customer use were given back (expiry, cancellation).
    campaign_released = models.BooleanField(default=False)
    discount = models.PositiveIntegerField(_("쿠폰 할인"), default=0)  # this line's share of the coupon discount
    tax_type = models.CharField(_("과세 구분"), max_length=10, choices=TaxType.choices)
    vendor_name = models.CharField(_("판매기업"), max_length=100)
    delivery_date = models.DateField(_("배송일"), null=True, blank=True)
    # The capacity this line took, given back when it is cancelled or expires.
    delivery_slot = models.ForeignKey(DeliverySlot, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # After-sales: a line cancelled or returned is gone from the order (its money went back through a Claim);
    # `open_claim` is the one claim in progress on it, set by a conditional update so two claims never race.
    state = models.CharField(_("상품 상태"), max_length=12, choices=OrderLineState.choices,
                             default=OrderLineState.ORDERED)
    open_claim = models.ForeignKey("Claim", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                   verbose_name=_("진행 중인 취소·반품·교환"))

    class Meta:
        verbose_name = _("주문 상품")
        verbose_name_plural = _("주문 상품")
        ordering = ["id"]

    def __str__(self):
        return f"{self.product_name} {self.variant_name} × {self.quantity}"


class StatusEvent(models.Model):
    """One row per transition of an order or a vendor order: who, when, from, to, why."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    vendor_order = models.ForeignKey(VendorOrder, on_delete=models.CASCADE, null=True, blank=True,
                                     related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["order", "created_at"], name="order_event_idx")]

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"


# --- after-sales: per-line cancels, returns and exchanges --------------------------------


class ClaimKind(models.TextChoices):
    CANCEL = "cancel", _("취소")
    RETURN = "return", _("반품")
    EXCHANGE = "exchange", _("교환")


class ClaimReason(models.TextChoices):
    CHANGE_OF_MIND = "change_of_mind", _("단순 변심")
    OPTION_CHANGE = "option_change", _("옵션(색상·크기) 변경")
    DEFECT = "defect", _("상품 불량·파손")
    WRONG_ITEM = "wrong_item", _("주문과 다른 상품 배송")
    LATE_DELIVERY = "late_delivery", _("배송 지연")
    OUT_OF_STOCK = "out_of_stock", _("재고 부족")  # the vendor cancels what it cannot send
    OTHER = "other", _("기타")


# Reasons the buyer answers for: the return or exchange shipping fee is theirs (전자상거래법 §18 ⑨).
BUYER_FAULT_REASONS = frozenset({ClaimReason.CHANGE_OF_MIND, ClaimReason.OPTION_CHANGE, ClaimReason.OTHER})


class ClaimStatus(models.TextChoices):
    REQUESTED = "requested", _("요청")
    ACCEPTED = "accepted", _("승인·회수 중")
    COLLECTED = "collected", _("회수 완료")
    RESHIPPED = "reshipped", _("교환 상품 발송")
    COMPLETED = "completed", _("완료")
    REJECTED = "rejected", _("거절")
    WITHDRAWN = "withdrawn", _("요청 철회")


CLAIM_OPEN_STATUSES = frozenset({ClaimStatus.REQUESTED, ClaimStatus.ACCEPTED, ClaimStatus.COLLECTED,
                                 ClaimStatus.RESHIPPED})


class RefundStatus(models.TextChoices):
    NONE = "none", _("환불 없음")
    PENDING = "pending", _("환불 처리 중")
    DONE = "done", _("환불 완료")
    MANUAL = "manual", _("수동 환불 대기")  # bank transfer: the operator sends it and marks it done
    FAILED = "failed", _("환불 실패")


class ExchangeFeePayment(models.TextChoices):
    ENCLOSED = "enclosed", _("회수 상자에 동봉")
    TRANSFER = "transfer", _("판매기업 계좌로 송금")


class ExchangeFeeStatus(models.TextChoices):
    NONE = "none", _("없음")
    DUE = "due", _("받을 배송비")
    RECEIVED = "received", _("받음")
    WAIVED = "waived", _("면제")


class Claim(models.Model):
    """One after-sales request on some lines of one vendor order: a cancel, a return or an exchange.

    Its money is fixed when it is requested (shown to the buyer before they confirm) and may be
    changed by the vendor only where the rules allow (waiving a fee). The refund leaves through
    `refund_status`: set to pending in the claim's transaction, sent to the PG by a task outside
    any row lock with the claim's own idempotency key, and swept again if a worker dies.
    """

    number = models.CharField(_("접수번호"), max_length=32, unique=True)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="claims", verbose_name=_("주문"))
    vendor_order = models.ForeignKey(VendorOrder, on_delete=models.CASCADE, related_name="claims",
                                     verbose_name=_("기업별 주문"))
    kind = models.CharField(_("종류"), max_length=10, choices=ClaimKind.choices)
    status = models.CharField(_("상태"), max_length=12, choices=ClaimStatus.choices, default=ClaimStatus.REQUESTED)
    reason = models.CharField(_("사유"), max_length=20, choices=ClaimReason.choices)
    reason_detail = models.TextField(_("자세한 사유"), blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("요청한 사람"))
    # Money, in won, fixed when requested (vendor may waive the fee when a buyer-fault reason proves a defect).
    items_amount = models.PositiveIntegerField(_("상품 금액"), default=0)
    coupon_amount = models.PositiveIntegerField(_("쿠폰 할인 몫"), default=0)
    shipping_refund = models.PositiveIntegerField(_("돌려주는 배송비"), default=0)
    shipping_charge = models.PositiveIntegerField(_("추가 배송비"), default=0)  # fell under the free-shipping line
    return_fee = models.PositiveIntegerField(_("반품·교환 배송비"), default=0)
    exchange_difference = models.IntegerField(_("교환 옵션 차액"), default=0)  # new option price − old (per claim)
    refund_amount = models.PositiveIntegerField(_("환불 금액"), default=0)
    tax_free_amount = models.PositiveIntegerField(_("환불 중 면세 금액"), default=0)
    refund_status = models.CharField(_("환불 상태"), max_length=10, choices=RefundStatus.choices,
                                     default=RefundStatus.NONE)
    refund_error = models.CharField(_("환불 오류"), max_length=300, blank=True)
    refunded_at = models.DateTimeField(_("환불 시각"), null=True, blank=True)
    # Returns and exchanges: the pick-up, then (exchanges) the replacement's own shipment.
    pickup_carrier = models.CharField(_("회수 택배사"), max_length=10, choices=Carrier.choices, blank=True)
    pickup_tracking_number = models.CharField(_("회수 송장번호"), max_length=30, blank=True)
    reship_carrier = models.CharField(_("교환 발송 택배사"), max_length=10, choices=Carrier.choices, blank=True)
    reship_tracking_number = models.CharField(_("교환 발송 송장번호"), max_length=30, blank=True)
    vendor_note = models.TextField(_("처리 메모"), blank=True)
    # Exchanges: how the buyer pays a buyer-fault exchange fee (no money moves through the PG for it),
    # and whether the vendor has it. The replacement ships once it is received or waived.
    fee_payment = models.CharField(_("교환 배송비 결제 방법"), max_length=10, choices=ExchangeFeePayment.choices,
                                   blank=True)
    fee_status = models.CharField(_("교환 배송비 상태"), max_length=10, choices=ExchangeFeeStatus.choices,
                                  default=ExchangeFeeStatus.NONE)
    fee_settled_at = models.DateTimeField(_("교환 배송비 확인 시각"), null=True, blank=True)
    created_at = models.DateTimeField(_("요청 시각"), default=timezone.now)
    accepted_at = models.DateTimeField(_("승인 시각"), null=True, blank=True)
    collected_at = models.DateTimeField(_("회수 시각"), null=True, blank=True)
    reshipped_at = models.DateTimeField(_("교환 발송 시각"), null=True, blank=True)
    completed_at = models.DateTimeField(_("완료 시각"), null=True, blank=True)
    closed_at = models.DateTimeField(_("종료 시각"), null=True, blank=True)  # completed, rejected or withdrawn

    class Meta:
        verbose_name = _("취소·반품·교환")
        verbose_name_plural = _("취소·반품·교환")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["vendor_order", "status"], name="claim_vorder_status_idx"),
            models.Index(fields=["status", "kind", "created_at"], name="claim_status_kind_idx"),
            models.Index(fields=["refund_status", "created_at"], name="claim_refund_idx"),
        ]

    def __str__(self):
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in CLAIM_OPEN_STATUSES

    @property
    def buyer_pays_fee(self) -> bool:
        return self.reason in BUYER_FAULT_REASONS


class ClaimLine(models.Model):
    """A whole order line in a claim; for an exchange, the option it is exchanged for."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="claim_lines")
    quantity = models.PositiveIntegerField(_("수량"))
    amount = models.PositiveIntegerField(_("금액"), default=0)  # line_total − its coupon share, as refunded
    new_variant = models.ForeignKey(ProductVariant, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("교환할 옵션"))
    new_variant_name = models.CharField(_("교환할 옵션"), max_length=80, blank=True)
    new_unit_price = models.PositiveIntegerField(_("교환 옵션 단가"), null=True, blank=True)
    # The option the line was bought as: a completed exchange makes the line read the new one.
    original_variant = models.ForeignKey(ProductVariant, on_delete=models.SET_NULL, null=True, blank=True,
                                         related_name="+", verbose_name=_("원래 옵션"))
    original_variant_name = models.CharField(_("원래 옵션"), max_length=80, blank=True)
    original_sku = models.CharField(max_length=60, blank=True)
    # The new option's stock is held from the request until the claim closes: set when taken,
    # cleared when given back (rejected or withdrawn) or when the replacement has gone out.
    stock_reserved = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["claim", "line"], name="claim_line_unique")]
        # The sweeper that gives back the stock of closed exchanges reads only the held rows.
        indexes = [models.Index(fields=["claim"], condition=Q(stock_reserved=True), name="claim_line_reserved_idx")]

    def __str__(self):
        return f"{self.claim} · {self.line}"


class ClaimEvent(models.Model):
    """One row per status change of a claim: who, when, from, to, why."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("처리자"))
    from_status = models.CharField(_("이전 상태"), max_length=12, blank=True)
    to_status = models.CharField(_("변경 상태"), max_length=12)
    reason = models.TextField(_("사유"), blank=True)
    created_at = models.DateTimeField(_("시각"), default=timezone.now)

    class Meta:
        verbose_name = _("취소·반품·교환 이력")
        verbose_name_plural = _("취소·반품·교환 이력")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["claim", "created_at"], name="claim_event_idx")]

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"

    @property
    def to_label(self):
        return ClaimStatus(self.to_status).label if self.to_status in ClaimStatus.values else self.to_status


# --- payments ---------------------------------------------------------------------------


class PaymentStatus(models.TextChoices):
    READY = "ready", _("결제 대기")
    WAITING_FOR_DEPOSIT = "waiting_for_deposit", _("입금 대기")
    DONE = "done", _("결제 완료")
    FAILED = "failed", _("결제 실패")
    EXPIRED = "expired", _("입금 기한 만료")
    CANCELLED = "cancelled", _("결제 취소")
    PARTIAL_CANCELLED = "partial_cancelled", _("부분 취소")


class Payment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    status = models.CharField(max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.READY)
    amount = models.PositiveIntegerField()
    cancelled_amount = models.PositiveIntegerField(default=0)
    provider_key = models.CharField(max_length=200, blank=True)  # the gateway's paymentKey
    idempotency_key = models.CharField(max_length=64, unique=True)
    # Kept from the gateway's answer for receipts and invoices.
    supplied_amount = models.PositiveIntegerField(null=True, blank=True)
    vat = models.PositiveIntegerField(null=True, blank=True)
    tax_free_amount = models.PositiveIntegerField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    # The PG's own status word (READY, IN_PROGRESS, WAITING_FOR_DEPOSIT, DONE, CANCELED, …) as last heard.
    provider_status = models.CharField(_("PG 상태"), max_length=30, blank=True)
    # A virtual account (가상계좌): where the buyer sends the money, by when, and the per-payment
    # secret the PG repeats in its deposit webhook (compared, never shown).
    va_bank_code = models.CharField(_("가상계좌 은행"), max_length=4, blank=True)
    va_account_number = models.CharField(_("가상계좌 번호"), max_length=30, blank=True)
    va_holder = models.CharField(_("예금주"), max_length=60, blank=True)
    va_due_at = models.DateTimeField(_("입금 기한"), null=True, blank=True)
    va_secret = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("결제")
        verbose_name_plural = _("결제")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.order} {self.method} {self.amount}"


class PaymentEvent(models.Model):
    """Everything said with a payment provider, kept to trace a dispute."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30)  # confirm, cancel, deposit, mismatch, expire, webhook …
    request = models.JSONField(default=dict, blank=True)
    response = models.JSONField(default=dict, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    ok = models.BooleanField(default=False)
    # A webhook's fingerprint: the same notice delivered again is recognised and changes nothing.
    dedupe_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.kind} {'ok' if self.ok else 'failed'}"


class RefundAccount(models.Model):
    """Where a virtual-account payment is refunded to; deleted once the PG reports the refund done."""

    payment = models.OneToOneField(Payment, on_delete=models.CASCADE, related_name="refund_account")
    bank_code = models.CharField(_("은행"), max_length=4)
    account_number = models.CharField(_("계좌번호"), max_length=20)
    holder_name = models.CharField(_("예금주"), max_length=60)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("환불 계좌")
        verbose_name_plural = _("환불 계좌")

    def __str__(self):
        return f"{self.bank_code} ****{self.account_number[-4:]}"


class CashReceiptType(models.TextChoices):
    INCOME = "소득공제", _("소득공제 (휴대폰 번호)")
    EXPENSE = "지출증빙", _("지출증빙 (사업자등록번호)")


class CashReceiptStatus(models.TextChoices):
    REQUESTED = "requested", _("발급 대기")
    ISSUED = "issued", _("발급 완료")
    FAILED = "failed", _("발급 실패")
    CANCELLED = "cancelled", _("발급 취소")


class CashReceipt(models.Model):
    """현금영수증 of a bank-transfer or virtual-account order, issued through the PG once it is paid."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="cash_receipt", verbose_name=_("주문"))
    type = models.CharField(_("용도"), max_length=10, choices=CashReceiptType.choices)
    identity_number = models.CharField(_("발급 번호"), max_length=13)  # digits: phone or business number
    status = models.CharField(_("상태"), max_length=12, choices=CashReceiptStatus.choices,
                              default=CashReceiptStatus.REQUESTED)
    amount = models.PositiveIntegerField(_("발급 금액"), default=0)
    cancelled_amount = models.PositiveIntegerField(_("취소 금액"), default=0)
    receipt_key = models.CharField(max_length=200, blank=True)
    issue_number = models.CharField(_("승인번호"), max_length=40, blank=True)
    receipt_url = models.URLField(_("영수증 주소"), max_length=500, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    issued_at = models.DateTimeField(_("발급 시각"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("현금영수증")
        verbose_name_plural = _("현금영수증")

    def __str__(self):
        return f"{self.order} {self.type}"

    @property
    def identity_masked(self) -> str:
        n = self.identity_number
        return n[:3] + "*" * max(len(n) - 7, 0) + n[-4:] if len(n) > 7 else n


class PaymentMismatch(models.Model):
    """A difference the daily reconciliation found between our payments and the PG's record of them."""

    day = models.DateField(_("거래일"))
    order_number = models.CharField(_("주문번호"), max_length=64, blank=True)
    payment_key = models.CharField(max_length=200, blank=True)
    transaction_key = models.CharField(max_length=200)
    problem = models.CharField(_("내용"), max_length=300)
    ours = models.JSONField(_("우리 기록"), default=dict, blank=True)
    theirs = models.JSONField(_("PG 기록"), default=dict, blank=True)
    resolved = models.BooleanField(_("확인 완료"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("결제 대사 불일치")
        verbose_name_plural = _("결제 대사 불일치")
        ordering = ["resolved", "-day", "pk"]
        constraints = [models.UniqueConstraint(fields=["transaction_key", "problem"], name="payment_mismatch_unique")]

    def __str__(self):
        return f"{self.day} {self.order_number} {self.problem}"


class ReconciledDay(models.Model):
    """A day whose payments were compared with the PG's; the next run starts after the last one."""

    day = models.DateField(unique=True)
    transactions = models.PositiveIntegerField(default=0)
    mismatches = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day"]

    def __str__(self):
        return str(self.day)


# --- documents, tax invoices, settlements ------------------------------------------------


class DocumentKind(models.TextChoices):
    RECEIPT = "receipt", _("영수증")
    STATEMENT = "statement", _("거래명세서")
    PACKING_SLIP = "packing_slip", _("포장 명세서")
    SETTLEMENT = "settlement", _("정산서")


class Document(models.Model):
    """A generated PDF, kept privately and streamed to whoever may read it."""

    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    number = models.CharField(max_length=30, unique=True)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, null=True, blank=True, related_name="documents")
    vendor_order = models.ForeignKey(VendorOrder, on_delete=models.CASCADE, null=True, blank=True,
                                     related_name="documents")
    settlement = models.ForeignKey("Settlement", on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="documents")
    file = models.FileField(storage=get_private_storage, upload_to="documents/%Y/%m/", max_length=200, blank=True)
    # What the document was made from; a different fingerprint means it must be made again.
    fingerprint = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        # One document per (kind, target): the document service looks it up under a lock
        # on its target row before making it (nulls in a unique constraint differ per database).
        indexes = [models.Index(fields=["kind", "order", "vendor_order"], name="document_target_idx")]

    def __str__(self):
        return self.number


class InvoiceKind(models.TextChoices):
    TAX_INVOICE = "tax_invoice", _("세금계산서")
    INVOICE = "invoice", _("계산서")


class TaxInvoiceRequest(models.Model):
    """A business buyer's request for a 세금계산서 (taxable lines) or 계산서 (exempt lines)."""

    vendor_order = models.ForeignKey(VendorOrder, on_delete=models.CASCADE, related_name="invoice_requests")
    kind = models.CharField(_("종류"), max_length=15, choices=InvoiceKind.choices)
    business_number = models.CharField(_("사업자등록번호"), max_length=12)
    business_name = models.CharField(_("상호"), max_length=100)
    email = models.EmailField(_("받을 이메일"))
    supply_amount = models.PositiveIntegerField(_("공급가액"))
    vat_amount = models.PositiveIntegerField(_("세액"))
    issued = models.BooleanField(_("발행"), default=False)
    approval_number = models.CharField(_("승인번호"), max_length=40, blank=True)
    issued_at = models.DateTimeField(_("발행 시각"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("계산서 발행 요청")
        verbose_name_plural = _("계산서 발행 요청")
        constraints = [models.UniqueConstraint(fields=["vendor_order", "kind"], name="invoice_request_unique")]
        indexes = [models.Index(fields=["issued", "created_at"], name="invoice_pending_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.vendor_order}"


class SettlementStatus(models.TextChoices):
    DRAFT = "draft", _("정산 확정 전")
    CONFIRMED = "confirmed", _("지급 대기")
    PAID = "paid", _("지급 완료")


class Settlement(models.Model):
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="settlements", verbose_name=_("입점기업"))
    number = models.CharField(_("정산번호"), max_length=24, unique=True)
    period_start = models.DateField(_("기간 시작"))
    period_end = models.DateField(_("기간 끝"))
    order_count = models.PositiveIntegerField(_("주문 수"), default=0)
    items_total = models.BigIntegerField(_("상품 판매액"), default=0)
    shipping_total = models.BigIntegerField(_("배송비"), default=0)
    refund_total = models.BigIntegerField(_("환불"), default=0)
    commission_total = models.BigIntegerField(_("수수료"), default=0)
    discount_total = models.BigIntegerField(_("입점기업 부담 할인"), default=0)
    payout = models.BigIntegerField(_("지급액"), default=0)
    status = models.CharField(_("상태"), max_length=10, choices=SettlementStatus.choices, default=SettlementStatus.CONFIRMED)
    paid_at = models.DateTimeField(_("지급 시각"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("정산")
        verbose_name_plural = _("정산")
        ordering = ["-period_start", "vendor"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "period_start", "period_end"], name="settlement_period_unique"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="settlement_period_order"),
        ]

    def __str__(self):
        return self.number


class SettlementEvent(models.Model):
    """One row per status change of a settlement (built, paid): who, when, from, to, why."""

    settlement = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("처리자"))
    from_status = models.CharField(_("이전 상태"), max_length=10, choices=SettlementStatus.choices, blank=True)
    to_status = models.CharField(_("변경 상태"), max_length=10, choices=SettlementStatus.choices)
    reason = models.TextField(_("사유"), blank=True)
    created_at = models.DateTimeField(_("시각"), default=timezone.now)

    class Meta:
        verbose_name = _("정산 상태 이력")
        verbose_name_plural = _("정산 상태 이력")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["settlement", "created_at"], name="settlement_event_idx")]

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"


class SettlementLine(models.Model):
    settlement = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="lines")
    vendor_order = models.OneToOneField(VendorOrder, on_delete=models.PROTECT, related_name="settlement_line")
    items_total = models.PositiveIntegerField()
    shipping_fee = models.PositiveIntegerField()
    refunded_amount = models.PositiveIntegerField()
    commission = models.PositiveIntegerField()
    vendor_discount = models.PositiveIntegerField(default=0)
    payout = models.IntegerField()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.settlement} · {self.vendor_order}"
