"""`manage.py seed_demo`: demo data that covers the product and can be loaded twice."""
import hashlib
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from accounts.models import PolicyVersion, User
from accounts.selectors import policy_current
from campaigns.services.naver_feed import COLUMNS as FEED_COLUMNS
from campaigns.services.naver_feed import FEED_NAME
from catalog.models import Category, Product, ProductImage, ProductStatus, ProductVariant
from ddasum.demo.accounts import DEMO_PASSWORD
from ddasum.demo.vendors import demo_vendor1
from ddasum.storage import private_storage
from orders.models import (
    CashReceipt,
    CashReceiptStatus,
    Claim,
    ClaimStatus,
    InvoiceKind,
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
    RefundAccount,
    RefundStatus,
)
from orders.services.tax_invoices import invoice_requests_pending
from procurement.models import (
    AgencyMembership,
    Need,
    NeedProposal,
    PublicAgency,
    PurchaseOrder,
    PurchaseRecord,
    QuoteBundle,
    QuoteRequest,
    QuoteVersion,
    VendorQuote,
)
from procurement.selectors.vendor_sales import vendor_sales_report
from tests.procurement.test_demo import check_procurement_demo
from vendors.models import (
    REQUIRED_DOCUMENTS,
    CertificationRenewal,
    DocumentRead,
    EnterpriseType,
    ExitSuggestion,
    MembershipRole,
    Region,
    Vendor,
    VendorApiKey,
    VendorDocument,
    VendorMembership,
    VendorPerformance,
    VendorSanction,
    VendorStatus,
    VendorStatusEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from vendors.services import ALLOWED_TRANSITIONS

# The seed is checked against the files it leaves on disk.
pytestmark = [pytest.mark.django_db, pytest.mark.local_files]

MODELS = (User, Vendor, VendorMembership, VendorStatusEvent, VendorDocument, Product, ProductVariant, ProductImage,
          PublicAgency, AgencyMembership, QuoteRequest, VendorQuote, QuoteVersion, PurchaseOrder, PurchaseRecord,
          QuoteBundle, Need, NeedProposal, DocumentRead, CertificationRenewal, Order, Payment, CashReceipt,
          VendorApiKey, WebhookEndpoint, WebhookDelivery, WebhookAttempt, VendorPerformance, VendorSanction,
          ExitSuggestion)


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def files_under(root) -> set[str]:
    root = Path(root)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def snapshot():
    return (
        {model.__name__: model.objects.count() for model in MODELS},
        files_under(settings.MEDIA_ROOT),
        files_under(private_storage.location),
        sorted(User.objects.values_list("email", "password")),
    )


def test_second_run_creates_nothing_and_remakes_lost_files():
    first_output = seed()
    first = snapshot()
    second_output = seed()

    assert snapshot() == first
    assert "새로 55곳" in first_output
    assert "새로 0곳" in second_output and "새로 0명" in second_output

    # A wiped media folder: the next run re-makes the files, not the rows.
    vendor = Vendor.objects.filter(status=VendorStatus.APPROVED).first()
    document = vendor.documents.first()
    vendor.logo.storage.delete(vendor.logo.name)
    private_storage.delete(document.file.name)

    third_output = seed()

    vendor.refresh_from_db()
    document.refresh_from_db()
    assert vendor.logo.storage.exists(vendor.logo.name)
    assert private_storage.exists(document.file.name)
    assert "사라진 파일 2개" in third_output
    assert snapshot()[0] == first[0]


def test_app_labels_limit_the_seed():
    call_command("seed_demo", "accounts", stdout=io.StringIO())

    assert User.objects.count() == 6 and not Vendor.objects.exists()
    with pytest.raises(CommandError):
        call_command("seed_demo", "nosuchapp", stdout=io.StringIO())


def test_refuses_production_unless_told(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("seed_demo", "accounts", stdout=io.StringIO())
    call_command("seed_demo", "accounts", "--allow-production", stdout=io.StringIO())
    assert User.objects.filter(email="admin@ddasum.kr").exists()


def test_demo_data_covers_the_product():
    """One seed, several checks: seeding is the slow part (about 6 s of image making)."""
    output = seed()
    check_integrations(output)
    check_vendors()
    check_histories()
    check_accounts_and_memberships()
    check_approved_vendors_complete()
    check_documents_stored_like_uploads()
    check_procurement_demo()
    check_pg_payments()
    check_claims()
    check_policies()
    check_sales_report_and_channels()
    check_exit_rules()
    check_late_shipping()
    check_guest_order(output)


def check_guest_order(output):
    """A guest's order without a password: seed_demo prints the link its mail carries, and it opens the order."""
    from django.test import Client

    from orders.services.guest_access import guest_access_path

    order = Order.objects.get(idempotency_key="demo-guest-order")
    assert order.buyer is None and order.guest_access_nonce
    link = guest_access_path(order)
    assert link in output
    client = Client()
    assert client.get(order.get_absolute_url()).status_code == 404
    assert client.get(link)["Location"] == order.get_absolute_url()
    assert client.get(order.get_absolute_url()).status_code == 200


def check_sales_report_and_channels():
    """vendor1's sales report has shop sales this year and in 2017, procurement, several provinces; the
    네이버 feed is written; a 세금계산서 waits for the 홈택스 export."""
    vendor = demo_vendor1()
    this_year = timezone.localdate().year
    now = vendor_sales_report(vendor=vendor, year=this_year)
    assert now.year_total.b2c > 0 and len([r for r in now.by_region if r.b2c]) >= 3
    assert vendor_sales_report(vendor=vendor, year=2017).year_total.b2c > 0
    assert any(vendor_sales_report(vendor=vendor, year=y).year_total.b2g for y in (this_year, this_year - 1))
    with default_storage.open(FEED_NAME, "rb") as feed:
        lines = feed.read().decode("utf-8").splitlines()
    assert lines[0].split("\t") == list(FEED_COLUMNS) and len(lines) > 50
    assert invoice_requests_pending([vendor.pk]).filter(kind=InvoiceKind.TAX_INVOICE).exists()


def check_exit_rules():
    """Every vendor in the shop has its numbers; the demo vendor was warned and a suspension is suggested."""
    from ddasum.demo.vendors import demo_vendor1
    from vendors.models import PARTNER_READ_STATUSES, SanctionKind

    shown = Vendor.objects.filter(status__in=PARTNER_READ_STATUSES)
    assert VendorPerformance.objects.filter(window_days=90).count() == shown.count()
    assert VendorPerformance.objects.filter(paid_orders__gt=0).exists()
    vendor = demo_vendor1()
    warning = VendorSanction.objects.get(kind=SanctionKind.WARNING)
    assert warning.vendor == vendor and warning.reason and warning.actor.is_staff
    row = VendorPerformance.objects.get(vendor=vendor, window_days=90)
    assert row.on_time_rate is not None and row.on_time_rate < 80
    suggestion = ExitSuggestion.objects.get(closed_at__isnull=True, metric="on_time_rate")
    assert (suggestion.vendor, suggestion.suggested_kind) == (vendor, SanctionKind.SUSPENSION)


def check_integrations(output: str):
    """vendor1's enterprise has an API key (only its prefix printed) and a webhook endpoint with a delivery log."""
    owner = User.objects.get(email="vendor1@ddasum.kr")
    vendor = VendorMembership.objects.get(user=owner, role=MembershipRole.OWNER).vendor
    key = VendorApiKey.objects.get(vendor=vendor)
    assert key.is_usable() and key.created_by == owner and f"{key.prefix}…" in output
    assert "ddk_" not in output.replace(key.prefix, "")
    endpoint = WebhookEndpoint.objects.get(vendor=vendor)
    assert endpoint.url.endswith(".example/ddasum/webhooks") and endpoint.secret not in output
    deliveries = endpoint.deliveries.all()
    assert {d.event for d in deliveries} == {"order.paid", "quote.requested"}
    assert {d.status for d in deliveries} == {"succeeded", "failed"}
    assert WebhookAttempt.objects.filter(delivery__endpoint=endpoint, status_code=500).exists()
    # Nothing waits to be sent: a worker started on the demo sends nothing by itself.
    assert not WebhookDelivery.objects.filter(status="pending").exists()


def check_late_shipping():
    from ddasum.demo.vendors import demo_vendor1
    from notifications.models import Message
    from orders.models import VendorOrder
    from workbench.selectors import todo_counts

    assert VendorOrder.objects.filter(order__idempotency_key__startswith="demo-late-",
                                      ship_by__lt=timezone.localdate(), status="paid").count() == 3
    just_late, reminded, escalated = (VendorOrder.objects.get(order__idempotency_key=f"demo-late-{n}") for n in (1, 2, 3))
    assert just_late.late_reminded_at is None
    assert reminded.late_reminded_at and reminded.late_escalated_at is None
    assert escalated.late_escalated_at and escalated.late_buyer_told_at and escalated.late_expected_on
    assert Message.objects.filter(kind="order_late_shipping").exists()
    assert Message.objects.filter(kind="operator_late_shipping").exists()
    assert todo_counts(vendor_ids=[demo_vendor1().pk]).overdue >= 3


def check_policies():
    """이용약관 and 개인정보처리방침 in effect; every demo consumer agreed to the current versions."""
    terms, privacy = policy_current(PolicyVersion.Kind.TERMS), policy_current(PolicyVersion.Kind.PRIVACY)
    assert terms and privacy and privacy.version == "1.1"
    consumers = User.objects.filter(email__startswith="consumer")
    assert consumers.exists()
    assert not consumers.exclude(terms_version=terms).exists()
    assert not consumers.exclude(privacy_version=privacy).exists()
    assert consumers.filter(marketing_agreed_at__isnull=False).exists()
    assert consumers.filter(marketing_agreed_at__isnull=True).exists()


def check_claims():
    """A line cancelled and refunded, a return in progress, a return completed with its fee deducted."""
    cancel = Claim.objects.get(order__idempotency_key="demo-live-claim-partial-cancel")
    assert (cancel.kind, cancel.status, cancel.refund_status) == ("cancel", ClaimStatus.COMPLETED, RefundStatus.DONE)
    assert cancel.vendor_order.refunded_amount == cancel.refund_amount > 0
    open_return = Claim.objects.get(order__idempotency_key="demo-live-claim-return-open")
    assert open_return.status == ClaimStatus.ACCEPTED and open_return.pickup_tracking_number
    assert RefundAccount.objects.filter(payment__order=open_return.order).exists()  # kept until it is refunded
    done = Claim.objects.get(order__idempotency_key="demo-live-claim-return-done")
    assert (done.status, done.refund_status) == (ClaimStatus.COMPLETED, RefundStatus.DONE)
    assert done.return_fee > 0 and done.refund_amount == done.items_amount - done.coupon_amount - done.return_fee
    assert not RefundAccount.objects.filter(payment__order=done.order).exists()


def check_pg_payments():
    """A virtual account waiting for its deposit, a card order paid through the PG, a 현금영수증 issued."""
    va = Payment.objects.get(order__idempotency_key="demo-live-pg-virtual_account")
    assert va.status == PaymentStatus.WAITING_FOR_DEPOSIT and va.va_account_number and va.va_due_at
    assert va.order.status == OrderStatus.PENDING_PAYMENT and va.order.expires_at == va.va_due_at
    card = Order.objects.get(idempotency_key="demo-live-pg-card")
    assert card.status == OrderStatus.PAID and card.payments.get().status == PaymentStatus.DONE
    receipt = CashReceipt.objects.get(order__idempotency_key="demo-live-pg-cash_receipt")
    assert receipt.status == CashReceiptStatus.ISSUED and receipt.issue_number and receipt.order.status == OrderStatus.PAID


def check_vendors():
    vendors = list(Vendor.objects.all())
    today = timezone.localdate()

    assert len(vendors) >= 50
    assert {v.region for v in vendors} == set(Region.values)
    assert {v.enterprise_type for v in vendors} == set(EnterpriseType.values)
    assert Vendor.objects.review_queue().exists()
    assert Vendor.objects.filter(status=VendorStatus.CHANGES_REQUESTED).count() == 1
    assert Vendor.objects.filter(status=VendorStatus.REJECTED).count() == 1
    assert Vendor.objects.filter(status=VendorStatus.SUSPENDED).count() == 1
    assert Vendor.objects.filter(status=VendorStatus.APPROVED).count() >= 40

    expired = Vendor.objects.get(cert_expired=True)
    assert expired.status == VendorStatus.APPROVED and expired.cert_valid_until < today
    assert expired not in Vendor.objects.selling()
    soon = (today + timezone.timedelta(days=14), today + timezone.timedelta(days=30))
    assert Vendor.objects.filter(status=VendorStatus.APPROVED, cert_valid_until__range=soon).exists()

    changes = Vendor.objects.get(status=VendorStatus.CHANGES_REQUESTED)
    assert changes.events.order_by("-created_at").first().reason.startswith("통장 사본이 흐려서")

    numbers = [v.business_number for v in vendors]
    assert len(set(numbers)) == len(numbers)
    for vendor in vendors:
        vendor.full_clean()  # check digit, phone, postal code, unique live business number
        assert 31000 <= int(vendor.postal_code) <= 33699
        if vendor.is_certified_type:
            assert vendor.cert_number and vendor.cert_valid_until


def check_histories():
    now = timezone.now()
    for vendor in Vendor.objects.prefetch_related("events", "documents"):
        events = sorted(vendor.events.all(), key=lambda e: e.created_at)
        assert events[0].from_status == "" and events[0].to_status == VendorStatus.DRAFT
        for before, after in zip(events, events[1:], strict=False):
            assert after.from_status == before.to_status
            assert after.to_status in ALLOWED_TRANSITIONS[before.to_status], vendor.name
            assert before.created_at < after.created_at
        assert events[-1].to_status == vendor.status
        assert events[-1].created_at < now
        assert all(e.notified_at for e in events)  # history: the notify task must not send it now
        if vendor.status == VendorStatus.APPROVED:
            assert vendor.submitted_at < vendor.approved_at
        for document in vendor.documents.all():
            assert document.uploaded_at < now


def check_accounts_and_memberships():
    admin = User.objects.get(email="admin@ddasum.kr")
    assert admin.is_staff and admin.is_superuser and admin.name == "따숨 운영자"
    # axes wants the request authenticate() is given.
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username="admin@ddasum.kr", password=DEMO_PASSWORD) == admin
    for n in range(1, 6):
        assert User.objects.get(email=f"consumer{n}@ddasum.kr").check_password(DEMO_PASSWORD)

    vendor1 = User.objects.get(email="vendor1@ddasum.kr")
    assert vendor1.check_password(DEMO_PASSWORD)
    roles = dict(vendor1.vendor_memberships.values_list("role", "vendor__status"))
    assert set(roles) == {MembershipRole.OWNER, MembershipRole.STAFF}
    assert set(roles.values()) == {VendorStatus.APPROVED}


def check_approved_vendors_complete():
    approved = Vendor.objects.filter(status=VendorStatus.APPROVED).prefetch_related("documents", "memberships")
    for vendor in approved:
        kinds = {d.kind for d in vendor.documents.all()}
        assert set(REQUIRED_DOCUMENTS[vendor.enterprise_type]) <= kinds, vendor.name
        assert any(m.role == MembershipRole.OWNER for m in vendor.memberships.all()), vendor.name
    for vendor in Vendor.objects.all():
        with vendor.logo.open("rb") as f, Image.open(f) as img:
            assert img.size == (256, 256)


def check_documents_stored_like_uploads():
    documents = VendorDocument.objects.select_related("vendor")
    assert documents.count() > 250
    assert not documents.filter(kind="seal").exclude(content_type__startswith="image/").exists()
    for document in documents.filter(vendor__name__in=["광덕호두마을", "아산청년커피사회적협동조합"]):
        with private_storage.open(document.file.name) as f:
            data = f.read()
        assert len(data) == document.size
        assert hashlib.sha256(data).hexdigest() == document.sha256
        if document.content_type == "application/pdf":
            assert len(PdfReader(io.BytesIO(data)).pages) == 1
        else:
            assert document.content_type in ("image/png", "image/jpeg")
            Image.open(io.BytesIO(data)).verify()


def test_demo_catalog_fills_every_category(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # thumbnails are queued after commit
        call_command("seed_demo", "accounts", "vendors", "catalog", stdout=io.StringIO())
    assert Product.objects.count() >= 180
    on_sale = Product.objects.on_sale()
    assert set(on_sale.values_list("category__slug", flat=True)) == set(
        Category.objects.filter(parent=None).values_list("slug", flat=True)
    )
    assert on_sale.filter(in_stock=False).exists()  # some sold out
    assert Product.objects.filter(status=ProductStatus.PENDING).exists()
    assert not ProductImage.objects.filter(thumbs={}).exists()
    food = on_sale.filter(category__is_food=True)
    assert not food.filter(origin="").exists()
    assert ProductVariant.objects.filter(product__in=on_sale).values("product").distinct().count() == on_sale.count()
