"""The vendors' orders API (/api/partner/): the cursor feed, confirm, bulk ship, returns, other vendors' 404."""
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from orders.models import Carrier, StatusEvent, VendorOrder, VendorOrderStatus
from orders.services.actions import vendor_order_ship, vendor_orders_prepare
from tests.factories import UserFactory, place_order
from vendors.api_keys import api_key_create
from vendors.models import ApiScope

from .helpers import paid_vendor_order, put

pytestmark = pytest.mark.django_db

V = VendorOrderStatus


@pytest.fixture(autouse=True)
def no_settle(settings):
    settings.ORDERS_API_CURSOR_SETTLE_SECONDS = 0


@pytest.fixture
def api(vendor, owner):
    _key, raw = api_key_create(vendor_id=vendor.pk, name="연동", scopes=[ApiScope.ORDERS], actor=owner)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def feed(api, cursor="", **params):
    response = api.get("/api/partner/orders/", {**({"cursor": cursor} if cursor else {}), **params})
    assert response.status_code == 200, response.content
    return response.json()


def test_the_feed_gives_each_paid_order_once_then_what_changed(api, variant, theirs, owner):
    first, second = paid_vendor_order(variant, UserFactory()), paid_vendor_order(variant, UserFactory())
    place_order(items=[(variant, 1)])  # unpaid: not the vendor's business yet
    page = feed(api, page_size=1)
    assert [r["number"] for r in page["results"]] == [first.number] and page["has_more"]
    row = page["results"][0]
    assert row["order_number"] == first.order.number and row["status"] == V.PAID
    assert row["recipient"]["name"] and row["lines"][0]["quantity"] == 1
    page = feed(api, page["next_cursor"], page_size=1)
    assert [r["number"] for r in page["results"]] == [second.number]
    cursor = page["next_cursor"]
    empty = feed(api, cursor)
    assert empty == {"results": [], "next_cursor": cursor, "has_more": False}

    vendor_order_ship(vendor_order_id=first.pk, carrier=Carrier.CJ, tracking_number="1234-5678-9012", actor=owner)
    changed = feed(api, cursor)
    assert [(r["number"], r["status"], r["tracking_number"]) for r in changed["results"]] == [
        (first.number, V.SHIPPED, "123456789012")]
    assert feed(api, changed["next_cursor"])["results"] == []


def test_rows_changed_within_the_settle_window_wait_for_the_next_call(api, variant, settings):
    settings.ORDERS_API_CURSOR_SETTLE_SECONDS = 60
    vo = paid_vendor_order(variant, UserFactory())
    assert feed(api)["results"] == []
    VendorOrder.objects.filter(pk=vo.pk).update(updated_at=timezone.now() - timedelta(minutes=2))
    assert [r["number"] for r in feed(api)["results"]] == [vo.number]


def test_a_bad_cursor_or_page_size_is_a_korean_field_error(api):
    assert api.get("/api/partner/orders/", {"cursor": "garbage!"}).json() == {
        "cursor": ["올바르지 않은 cursor입니다. 받은 next_cursor를 그대로 보내 주세요."]}
    assert api.get("/api/partner/orders/", {"page_size": "0"}).status_code == 400
    assert api.get("/api/partner/orders/", {"status": "paid"}).status_code == 400


def test_the_feed_runs_a_fixed_number_of_queries(api, variant, django_assert_max_num_queries):
    for _ in range(2):
        paid_vendor_order(variant, UserFactory())
    with django_assert_max_num_queries(6) as small:
        feed(api)
    for _ in range(6):
        paid_vendor_order(variant, UserFactory(), qty=2)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(feed(api)["results"]) == 8


def test_another_vendors_order_is_a_404_everywhere(api, theirs):
    assert api.get(f"/api/partner/orders/{theirs.number}/").status_code == 404
    put(theirs, V.RETURN_REQUESTED)
    assert api.post(f"/api/partner/orders/{theirs.number}/return/accept/").status_code == 404
    assert api.post(f"/api/partner/orders/{theirs.number}/return/refuse/", {"reason": "x"}).status_code == 404
    assert feed(api)["results"] == []
    confirm = api.post("/api/partner/orders/confirm/", {"orders": [theirs.number]}, format="json")
    assert confirm.status_code == 400 and theirs.number in confirm.json()["orders"][0]
    ship = api.post("/api/partner/orders/ship/", {"shipments": [
        {"number": theirs.number, "carrier": "cj", "tracking_number": "123456789012"}]}, format="json")
    assert ship.status_code == 400
    assert VendorOrder.objects.get(pk=theirs.pk).status == V.RETURN_REQUESTED


def test_confirm_moves_paid_orders_to_preparing_and_skips_the_others(api, variant, owner):
    paid, shipped = paid_vendor_order(variant, UserFactory()), paid_vendor_order(variant, UserFactory())
    vendor_orders_prepare(vendor_order_ids=[shipped.pk], actor=owner)
    vendor_order_ship(vendor_order_id=shipped.pk, carrier=Carrier.CJ, tracking_number="123456789012", actor=owner)
    response = api.post("/api/partner/orders/confirm/", {"orders": [paid.number, shipped.number]}, format="json")
    assert response.status_code == 200
    assert response.json() == {"confirmed": [paid.number], "skipped": [shipped.number]}
    paid.refresh_from_db()
    assert paid.status == V.PREPARING
    # The event row says who: the key's maker.
    assert StatusEvent.objects.filter(vendor_order=paid, to_status=V.PREPARING, actor=owner).exists()


def test_bulk_ship_is_all_or_nothing_with_errors_per_item(api, variant):
    a, b, c = (paid_vendor_order(variant, UserFactory()) for _ in range(3))
    put(c, V.CANCELLED)
    response = api.post("/api/partner/orders/ship/", {"shipments": [
        {"number": a.number, "carrier": "cj", "tracking_number": "1234-5678-9012"},
        {"number": b.number, "carrier": "비둘기", "tracking_number": "123456789012"},
        {"number": c.number, "carrier": "우체국", "tracking_number": "12"},
        {"number": "20991231-00001-1", "carrier": "hanjin", "tracking_number": "123456789012"},
    ]}, format="json")
    assert response.status_code == 400
    errors = response.json()["shipments"]
    assert errors[0] == {}
    assert list(errors[1]) == ["carrier"] and "비둘기" in errors[1]["carrier"][0]
    assert errors[2]["tracking_number"] == ["송장번호는 숫자 8~20자리로 입력해 주세요 (하이픈은 넣어도 됩니다)."]
    assert errors[2]["number"] == ["'주문 취소' 상태라 발송 처리할 수 없습니다."]
    assert errors[3]["number"] == ["주문번호 20991231-00001-1을(를) 찾을 수 없습니다."]
    assert VendorOrder.objects.get(pk=a.pk).status == V.PAID

    ok = api.post("/api/partner/orders/ship/", {"shipments": [
        {"number": a.number, "carrier": "cj", "tracking_number": "1234-5678-9012"},
        {"number": b.number, "carrier": "우체국", "tracking_number": "9876543210"},
    ]}, format="json")
    assert ok.status_code == 200 and ok.json() == {"shipped": [a.number, b.number]}
    b.refresh_from_db()
    assert (b.status, b.carrier, b.tracking_number) == (V.SHIPPED, Carrier.POST, "9876543210")


def test_bulk_ship_refuses_the_same_order_twice_and_an_empty_list(api, variant):
    a = paid_vendor_order(variant, UserFactory())
    twice = api.post("/api/partner/orders/ship/", {"shipments": [
        {"number": a.number, "carrier": "cj", "tracking_number": "123456789012"},
        {"number": a.number, "carrier": "cj", "tracking_number": "123456789013"}]}, format="json")
    assert twice.status_code == 400 and twice.json()["shipments"][1]["number"] == ["같은 주문이 두 번 들어 있습니다."]
    empty = api.post("/api/partner/orders/ship/", {"shipments": []}, format="json")
    assert empty.status_code == 400 and "shipments" in empty.json()


def test_returns_are_accepted_or_refused_with_a_reason(api, variant, refunds):
    asked, other = (put(paid_vendor_order(variant, UserFactory()), V.RETURN_REQUESTED) for _ in range(2))
    accepted = api.post(f"/api/partner/orders/{asked.number}/return/accept/")
    assert accepted.status_code == 200 and accepted.json()["status"] == V.RETURNED
    no_reason = api.post(f"/api/partner/orders/{other.number}/return/refuse/", {}, format="json")
    assert no_reason.status_code == 400 and list(no_reason.json()) == ["reason"]
    refused = api.post(f"/api/partner/orders/{other.number}/return/refuse/", {"reason": "사용 흔적이 있습니다."},
                       format="json")
    assert refused.status_code == 200 and refused.json()["status"] == V.DELIVERED
    again = api.post(f"/api/partner/orders/{asked.number}/return/accept/")
    assert again.status_code == 409 and again.json()["detail"] == "반품 요청 상태의 주문만 승인할 수 있습니다."


def test_a_member_token_and_session_work_too_and_anonymous_is_401(client, variant, owner):
    vo = paid_vendor_order(variant, UserFactory())
    assert APIClient().get("/api/partner/orders/").status_code in (401, 403)
    client.force_login(owner)
    assert client.get(f"/api/partner/orders/{vo.number}/").status_code == 200
    consumer = APIClient()
    consumer.force_authenticate(UserFactory())
    assert consumer.get("/api/partner/orders/").status_code == 403


def test_the_endpoints_are_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/partner/orders/", "/api/partner/orders/ship/", "/api/partner/orders/confirm/",
                 "/api/partner/orders/{number}/return/accept/"):
        assert path in schema["paths"], path
    assert "vendorApiKey" in schema["components"]["securitySchemes"]
