"""Exit rules (issue 14): warning, sales suspension and lifting it, termination (퇴점), and suggestions.

Each action is the operator's, with a reason, recorded; its effect on the shop, checkout, the
vendor's orders in progress and the partner admin is checked here.
"""
from datetime import date, datetime, timedelta

import pytest
from django.core import mail
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from orders.exceptions import OrderError
from orders.models import Cart, Settlement, VendorOrder, VendorOrderStatus
from orders.services.actions import vendor_order_ship
from orders.services.cart import cart_line_set
from orders.services.checkout import order_place
from orders.services.settlements import vendor_owed_settle
from tests.factories import MembershipFactory, ProductFactory, UserFactory, checkout_data
from tests.orders.helpers import admin_url, paid_vendor_order, vendor_order_completed
from tests.otp import otp_login
from vendors import services
from vendors.exceptions import ApplicationIncomplete, InvalidTransition, NotAllowed
from vendors.models import (
    ExitSuggestion,
    SanctionKind,
    Vendor,
    VendorPerformance,
    VendorSanction,
    VendorStatus,
    VendorStatusEvent,
)
from vendors.performance import vendor_performance_refresh

pytestmark = pytest.mark.django_db
S, V = VendorStatus, VendorOrderStatus


@pytest.fixture
def product(vendor):
    return ProductFactory(vendor=vendor, name="홍성 현미", variants=[{"name": "5kg", "price": 25000, "stock": 100}])


@pytest.fixture
def variant(product):
    return product.variants.get()


@pytest.fixture
def cart(variant):
    """A shopper's cart holding the vendor's rice before anything happens to the vendor."""
    cart = Cart.objects.create(session_key="exit-rules-cart")
    cart_line_set(cart=cart, variant_id=variant.pk, quantity=1)
    return cart


def apply(vendor, kind, operator, reason="반복된 배송 지연", **kwargs):
    return services.vendor_sanction_apply(vendor_id=vendor.pk, kind=kind, actor=operator, reason=reason, **kwargs)


def checkout(cart):
    return order_place(cart=cart, buyer=None, checkout=checkout_data(), idempotency_key=f"exit-{cart.pk}")


# --- warning ---------------------------------------------------------------------------------


def test_a_warning_is_recorded_with_its_reason_and_told_to_the_owner_once(vendor, owner, operator, product,
                                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sanction = apply(vendor, SanctionKind.WARNING, operator, reason="발송 기한을 지키지 않은 주문이 많습니다.")
    vendor.refresh_from_db()
    assert vendor.status == S.APPROVED and sanction.status_event is None
    assert (sanction.kind, sanction.actor, sanction.reason) == (SanctionKind.WARNING, operator,
                                                               "발송 기한을 지키지 않은 주문이 많습니다.")
    assert Vendor.objects.selling().filter(pk=vendor.pk).exists()  # the shop goes on
    told = [m for m in mail.outbox if owner.email in m.to]
    assert len(told) == 1 and "발송 기한을 지키지 않은" in told[0].body
    from vendors.tasks import vendor_warning_notify_task

    assert vendor_warning_notify_task(sanction_id=sanction.pk) == 0


def test_every_action_needs_a_reason_and_an_operator(vendor, owner, operator):
    with pytest.raises(ApplicationIncomplete):
        apply(vendor, SanctionKind.WARNING, operator, reason="  ")
    for actor in (owner, UserFactory()):
        for kind in SanctionKind.values:
            with pytest.raises(NotAllowed):
                apply(vendor, kind, actor)
    assert not VendorSanction.objects.exists()
    vendor.refresh_from_db()
    assert vendor.status == S.APPROVED


@pytest.mark.parametrize("start, kind", [
    (S.APPROVED, SanctionKind.LIFT),
    (S.SUSPENDED, SanctionKind.SUSPENSION),
    (S.TERMINATED, SanctionKind.WARNING),
    (S.TERMINATED, SanctionKind.LIFT),
    (S.TERMINATED, SanctionKind.TERMINATION),
    (S.UNDER_REVIEW, SanctionKind.SUSPENSION),
    (S.WITHDRAWN, SanctionKind.TERMINATION),
])
def test_actions_out_of_order_are_refused(start, kind, operator):
    from tests.factories import VendorFactory

    vendor = VendorFactory(status=start)
    with pytest.raises(InvalidTransition):
        apply(vendor, kind, operator)
    vendor.refresh_from_db()
    assert vendor.status == start and not VendorSanction.objects.exists()


# --- suspension and lifting it -----------------------------------------------------------------


def test_suspension_hides_the_products_refuses_checkout_and_orders_in_progress_still_finish(
        client, vendor, owner, operator, product, variant, cart):
    in_progress = paid_vendor_order(variant)
    sanction = apply(vendor, SanctionKind.SUSPENSION, operator, reason="위생 민원 조사 중")
    vendor.refresh_from_db()
    assert vendor.status == S.SUSPENDED
    event = VendorStatusEvent.objects.get(vendor=vendor, to_status=S.SUSPENDED)
    assert sanction.status_event == event and (event.actor, event.reason) == (operator, "위생 민원 조사 중")

    assert client.get(product.get_absolute_url()).status_code == 404
    assert product.pk not in [p.pk for p in client.get("/products/").context["page_obj"]]
    search = client.get("/search/", {"q": "홍성 현미"})
    assert search.status_code == 200 and product.get_absolute_url() not in search.content.decode()
    with pytest.raises(OrderError):
        checkout(cart)

    vendor_order_ship(vendor_order_id=in_progress.pk, carrier="cj", tracking_number="601234567890", actor=owner)
    assert VendorOrder.objects.get(pk=in_progress.pk).status == V.SHIPPED

    lifted = apply(vendor, SanctionKind.LIFT, operator, reason="조사 결과 문제없음")
    vendor.refresh_from_db()
    assert vendor.status == S.APPROVED and lifted.status_event.to_status == S.APPROVED
    assert client.get(product.get_absolute_url()).status_code == 200
    assert checkout(cart).vendor_orders.get().vendor == vendor


def test_the_review_suspend_action_is_recorded_as_an_exit_action_too(vendor, operator):
    services.vendor_action(vendor_id=vendor.pk, action="suspend", actor=operator, reason="민원")
    services.vendor_action(vendor_id=vendor.pk, action="reinstate", actor=operator)
    assert list(VendorSanction.objects.order_by("pk").values_list("kind", flat=True)) == [
        SanctionKind.SUSPENSION, SanctionKind.LIFT]


# --- termination -------------------------------------------------------------------------------


def last_month_day(today: date) -> datetime:
    day = today.replace(day=1) - timedelta(days=5)
    return timezone.make_aware(datetime.combine(day, datetime.min.time().replace(hour=12)))


def test_termination_hides_the_products_builds_the_settlement_and_leaves_orders_to_finish(
        client, vendor, owner, operator, product, variant, cart):
    completed = vendor_order_completed(paid_vendor_order(variant), at=last_month_day(timezone.localdate()))
    to_ship = paid_vendor_order(variant)
    apply(vendor, SanctionKind.TERMINATION, operator, reason="품질 기준 반복 위반")
    vendor.refresh_from_db()
    assert vendor.status == S.TERMINATED
    assert client.get(product.get_absolute_url()).status_code == 404
    with pytest.raises(OrderError):
        checkout(cart)
    # What is owed is settled at once.
    settlement = Settlement.objects.get(vendor=vendor)
    assert list(settlement.lines.values_list("vendor_order_id", flat=True)) == [completed.pk]
    assert settlement.payout > 0
    # The order in progress is still the vendor's to ship.
    vendor_order_ship(vendor_order_id=to_ship.pk, carrier="cj", tracking_number="601234567890", actor=owner)
    assert VendorOrder.objects.get(pk=to_ship.pk).status == V.SHIPPED


def test_what_is_owed_covers_ended_months_and_this_month_up_to_yesterday(vendor, variant):
    # "Today" is the 20th of a month well past, so both periods have ended by the real clock.
    today = (timezone.localdate().replace(day=1) - timedelta(days=40)).replace(day=20)
    month = today.replace(day=1)
    before = (month - timedelta(days=1)).replace(day=1)
    zone = timezone.get_default_timezone()

    def at(day: date, hour: int) -> datetime:
        return datetime(day.year, day.month, day.day, hour, tzinfo=zone)

    earlier = vendor_order_completed(paid_vendor_order(variant), at=at(before.replace(day=3), 12))
    this_month = vendor_order_completed(paid_vendor_order(variant), at=at(month.replace(day=10), 12))
    today_s = vendor_order_completed(paid_vendor_order(variant), at=at(today, 9))
    built = vendor_owed_settle(vendor_id=vendor.pk, today=today)
    assert [(s.period_start, s.period_end) for s in built] == [
        (before, month - timedelta(days=1)), (month, today - timedelta(days=1))]
    settled = set(Settlement.objects.filter(vendor=vendor).values_list("lines__vendor_order_id", flat=True))
    assert settled == {earlier.pk, this_month.pk} and today_s.pk not in settled
    # Run again, there is nothing left to settle.
    assert vendor_owed_settle(vendor_id=vendor.pk, today=today) == []
    assert Settlement.objects.filter(vendor=vendor).count() == 2


def test_terminated_members_read_and_finish_orders_in_the_partner_admin_but_change_nothing_else(
        client, vendor, owner, operator, product, variant):
    vo = paid_vendor_order(variant)
    apply(vendor, SanctionKind.TERMINATION, operator)
    client.force_login(owner)
    product_url = reverse("partner:catalog_product_change", args=[product.pk])
    assert client.get(reverse("partner:index")).status_code == 200
    assert client.get(product_url).status_code == 200  # read
    response = client.post(product_url, {"name": "바꾼 이름"})
    assert response.status_code == 403
    assert client.get(reverse("partner:catalog_product_add")).status_code == 403
    assert client.post(reverse("partner:vendors_vendor_change", args=[vendor.pk]), {"phone": "041-000-0000"}
                       ).status_code == 403
    # Orders: the vendor ships what was paid before the termination.
    url = admin_url("partner", "action", vo.pk, "ship")
    assert client.post(url, {"carrier": "cj", "tracking_number": "6012-3456-7890"}).status_code == 302
    assert VendorOrder.objects.get(pk=vo.pk).status == V.SHIPPED


def test_a_member_of_a_terminated_and_a_live_vendor_changes_only_the_live_ones(
        client, vendor, owner, operator, product, other_vendor):
    MembershipFactory(vendor=other_vendor, user=owner)
    theirs = ProductFactory(vendor=other_vendor, variants=[{"name": "1kg", "price": 9000, "stock": 5}])
    apply(vendor, SanctionKind.TERMINATION, operator)
    client.force_login(owner)
    terminated_url = reverse("partner:catalog_product_change", args=[product.pk])
    assert client.get(terminated_url).status_code == 200
    assert client.post(terminated_url, {"name": "바꾼 이름"}).status_code == 403
    html = client.get(reverse("partner:catalog_product_change", args=[theirs.pk])).content.decode()
    assert 'name="_save"' in html


# --- the operator's pages and the vendor's -------------------------------------------------------


def test_the_operator_applies_an_action_from_the_vendor_page(client, vendor, operator):
    otp_login(client, operator)
    page = client.get(reverse("admin:vendors_vendor_change", args=[vendor.pk])).content.decode()
    url = reverse("admin:vendors_vendor_sanction", args=[vendor.pk, SanctionKind.WARNING])
    assert url in page
    assert reverse("admin:vendors_vendor_sanction", args=[vendor.pk, SanctionKind.LIFT]) not in page
    assert client.post(url, {"reason": ""}).status_code == 200  # the reason is asked for
    assert not VendorSanction.objects.exists()
    assert client.post(url, {"reason": "고객 응대 불량"}).status_code == 302
    assert VendorSanction.objects.get().reason == "고객 응대 불량"


def test_only_operators_reach_the_exit_actions(client, vendor, owner):
    url = reverse("admin:vendors_vendor_sanction", args=[vendor.pk, SanctionKind.SUSPENSION])
    client.force_login(owner)
    response = client.post(url, {"reason": "스스로"})
    assert response.status_code == 302 and "login" in response["Location"]
    with pytest.raises(NoReverseMatch):  # the partner admin has no such page
        reverse("partner:vendors_vendor_sanction", args=[vendor.pk, SanctionKind.SUSPENSION])
    vendor.refresh_from_db()
    assert vendor.status == S.APPROVED and not VendorSanction.objects.exists()


def test_a_suggestion_acted_on_is_closed_with_the_action_and_another_is_dismissed(client, vendor, other_vendor,
                                                                                  operator):
    first = ExitSuggestion.objects.create(vendor=vendor, metric="on_time_rate", value=40, threshold=80,
                                          suggested_kind=SanctionKind.WARNING)
    second = ExitSuggestion.objects.create(vendor=other_vendor, metric="return_rate", value=30, threshold=15,
                                           suggested_kind=SanctionKind.WARNING)
    otp_login(client, operator)
    listing = client.get(reverse("admin:vendors_exitsuggestion_changelist"), {"open": "1"}).content.decode()
    assert vendor.name in listing and other_vendor.name in listing
    url = reverse("admin:vendors_vendor_sanction", args=[vendor.pk, SanctionKind.WARNING])
    assert f"{url}?suggestion={first.pk}" in listing.replace("&amp;", "&")
    assert "기한 내 발송률 40" in client.get(f"{url}?suggestion={first.pk}").content.decode()
    assert client.post(f"{url}?suggestion={first.pk}", {"reason": "발송 지연"}).status_code == 302
    first.refresh_from_db()
    assert first.closed_by == operator and first.sanction.kind == SanctionKind.WARNING
    dismiss = reverse("admin:vendors_exitsuggestion_dismiss", args=[second.pk])
    assert client.get(dismiss).status_code == 200
    assert client.post(dismiss, {"reason": "성수기 일시 현상"}).status_code == 302
    second.refresh_from_db()
    assert second.closed_at and second.sanction is None and second.dismiss_reason == "성수기 일시 현상"
    other_vendor.refresh_from_db()
    assert other_vendor.status == S.APPROVED


def test_the_operator_sorts_vendors_by_each_metric_in_a_fixed_number_of_queries(
        client, operator, django_assert_max_num_queries):
    from tests.factories import VendorFactory

    for _ in range(6):
        VendorFactory()
    vendor_performance_refresh()
    otp_login(client, operator)
    url = reverse("admin:vendors_vendorperformance_changelist")
    for column in range(1, 12):
        with django_assert_max_num_queries(12):
            response = client.get(url, {"o": str(column)})
        assert response.status_code == 200


def test_the_vendor_sees_its_own_numbers_and_warnings_only(partner_client, vendor, other_vendor, operator):
    vendor_performance_refresh()
    apply(vendor, SanctionKind.WARNING, operator, reason="문의 답변이 늦습니다")
    apply(other_vendor, SanctionKind.WARNING, operator, reason="남의 경고")
    listing = partner_client.get(reverse("partner:vendors_vendorperformance_changelist"))
    assert listing.status_code == 200
    assert [row.vendor_id for row in listing.context["cl"].result_list] == [vendor.pk]
    theirs = VendorPerformance.objects.get(vendor=other_vendor)
    assert partner_client.get(reverse("partner:vendors_vendorperformance_change", args=[theirs.pk])
                              ).status_code == 404
    warnings = partner_client.get(reverse("partner:vendors_vendorsanction_changelist")).content.decode()
    assert "문의 답변이 늦습니다" in warnings and "남의 경고" not in warnings
