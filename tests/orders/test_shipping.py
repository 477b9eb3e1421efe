"""Shipping many vendor orders from a tracking-number file (orders.services.shipping): the preview, the rows it
refuses, all or nothing, the export of what waits to ship, and the admins' upload → preview → apply pages."""
import pytest

from orders.models import StatusEvent, VendorOrder, VendorOrderStatus
from orders.services import shipping
from orders.services.shipping import ShipCsvRefused, vendor_orders_ship_csv
from tests.factories import pdf_bytes, upload

from .helpers import admin_url, csv_bytes, paid_vendor_order, put

pytestmark = pytest.mark.django_db

V = VendorOrderStatus


@pytest.fixture
def three(variant, buyer):
    a, b, c = (paid_vendor_order(variant, buyer) for _ in range(3))
    put(b, V.PREPARING)
    return a, b, c


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp949"])
def test_csv_previews_then_ships_every_row(three, owner, vendor, encoding):
    a, b, c = three
    data = csv_bytes([
        (a.number, "CJ대한통운", "6012-3456-7890"),
        (b.order.number, "epost", "1234567890123"),  # the order's number works for the vendor's only part
        (c.number, "", ""),  # not filled in yet: skipped
    ], encoding=encoding)
    plan = vendor_orders_ship_csv(vendor_ids=[vendor.pk], data=data, actor=owner, dry_run=True)
    assert plan.ok, plan.errors
    assert [(r.vendor_order.pk, r.carrier, r.tracking_number) for r in plan.to_ship] == [
        (a.pk, "cj", "601234567890"), (b.pk, "epost", "1234567890123")]
    assert [r.vendor_order.pk for r in plan.skipped] == [c.pk]
    assert not VendorOrder.objects.filter(status=V.SHIPPED).exists()  # the preview changed nothing
    vendor_orders_ship_csv(vendor_ids=[vendor.pk], data=data, actor=owner)
    statuses = dict(VendorOrder.objects.values_list("pk", "status"))
    assert statuses == {a.pk: V.SHIPPED, b.pk: V.SHIPPED, c.pk: V.PAID}
    assert VendorOrder.objects.get(pk=a.pk).tracking_number == "601234567890"


def test_csv_with_bad_rows_lists_them_and_applies_nothing(three, owner, vendor, variant, buyer):
    a, b, c = three
    shipped = put(paid_vendor_order(variant, buyer), V.SHIPPED)
    d = paid_vendor_order(variant, buyer)
    data = csv_bytes([
        (a.number, "CJ대한통운", "601234567890"),  # fine on its own
        (b.number, "페덱스", "601234567890"),
        (c.number, "한진택배", "12"),
        ("20991231-99999-1", "cj", "601234567890"),
        (a.number, "cj", "601234567891"),
        (shipped.number, "cj", "601234567892"),
        ("", "cj", "601234567893"),
        (d.number, "로젠", "6.01235E+11"),
    ])
    plan = vendor_orders_ship_csv(vendor_ids=[vendor.pk], data=data, actor=owner, dry_run=True)
    errors = "\n".join(plan.errors)
    assert not plan.ok
    assert "3행: 택배사 '페덱스'을(를) 알 수 없습니다" in errors
    assert "4행: 송장번호는 숫자 8~20자리" in errors
    assert "5행: 주문번호 20991231-99999-1을(를) 찾을 수 없습니다." in errors
    assert "6행: 2행과 같은 주문입니다." in errors
    assert "7행: '배송 중' 상태라 발송 처리할 수 없습니다." in errors
    assert "8행: 주문번호가 비어 있습니다." in errors
    assert "9행: " in errors and "텍스트 서식" in errors
    with pytest.raises(ShipCsvRefused) as exc:
        vendor_orders_ship_csv(vendor_ids=[vendor.pk], data=data, actor=owner)
    assert "아무것도 반영하지 않았습니다" in exc.value.message and exc.value.plan.errors
    assert VendorOrder.objects.get(pk=a.pk).status == V.PAID
    assert not StatusEvent.objects.filter(to_status=V.SHIPPED).exclude(vendor_order=shipped).exists()


def test_csv_with_another_vendors_order_is_not_found_and_nothing_applies(three, owner, vendor, other_variant, buyer):
    a, _b, _c = three
    theirs = paid_vendor_order(other_variant, buyer)
    data = csv_bytes([(a.number, "cj", "601234567890"), (theirs.number, "cj", "601234567891"),
                      (theirs.order.number, "cj", "601234567892")])
    with pytest.raises(ShipCsvRefused) as exc:
        vendor_orders_ship_csv(vendor_ids=[vendor.pk], data=data, actor=owner)
    errors = exc.value.plan.errors
    assert errors == [f"3행: 주문번호 {theirs.number}을(를) 찾을 수 없습니다.",
                      f"4행: 주문번호 {theirs.order.number}을(를) 찾을 수 없습니다."]
    assert set(VendorOrder.objects.values_list("status", flat=True)) == {V.PAID, V.PREPARING}
    # Even with the other vendor in vendor_ids, the actor is not its member.
    with pytest.raises(ShipCsvRefused):
        vendor_orders_ship_csv(vendor_ids=None, data=data, actor=owner)
    assert VendorOrder.objects.get(pk=theirs.pk).status == V.PAID


@pytest.mark.parametrize(("data", "message"), [
    (b"", "빈 파일입니다"),
    ("주문번호,송장번호\n1,2\n".encode(), "택배사 열이 있어야"),
    ("주문번호,택배사,송장번호\n".encode(), "반영할 행이 없습니다"),
    (pdf_bytes(), "CSV 파일이 아닙니다"),
    (b"\xff\xfe\xfa\x80 broken", "글자를 읽을 수 없습니다"),
])
def test_csv_file_errors(owner, vendor, data, message):
    plan = vendor_orders_ship_csv(vendor_ids=[vendor.pk], data=data, actor=owner, dry_run=True)
    assert not plan.ok and message in plan.errors[0]


def test_csv_reads_korean_carrier_names_whatever_the_language(three, owner, vendor):
    from django.utils import translation

    a, b, _c = three
    data = csv_bytes([(a.number, "CJ 대한통운", "601234567890"), (b.number, "우체국", "1234567890123")])
    with translation.override("en"):
        plan = vendor_orders_ship_csv(vendor_ids=[vendor.pk], data=data, actor=owner, dry_run=True)
    assert plan.ok and [r.carrier for r in plan.to_ship] == ["cj", "epost"]
def test_csv_export_lists_what_waits_to_ship(three, vendor, other_variant, buyer):
    a, b, c = three
    put(c, V.SHIPPED)
    theirs = paid_vendor_order(other_variant, buyer)
    text = shipping.ship_csv_export(vendor_ids=[vendor.pk]).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("주문번호,택배사,송장번호,받는 분")
    assert a.number in text and b.number in text
    assert c.number not in text and theirs.number not in text


# --- the admins' pages -----------------------------------------------------------------------


def test_partner_ships_by_csv_preview_then_apply(partner_client, vendor, three, theirs):
    a, b, _c = three
    upload_url = admin_url("partner", "ship_csv")
    assert "발송할 주문 CSV 받기" in partner_client.get(upload_url).content.decode()
    export = partner_client.get(admin_url("partner", "ship_csv_export"))
    assert a.number in export.content.decode("utf-8-sig") and theirs.number not in export.content.decode("utf-8-sig")
    bad = csv_bytes([(a.number, "cj", "601234567890"), (theirs.number, "cj", "601234567891")])
    response = partner_client.post(upload_url, {"file": upload("ship.csv", bad, "text/csv")})
    html = response.content.decode()
    assert "3행: 주문번호" in html and 'name="token"' not in html
    good = csv_bytes([(a.number, "CJ대한통운", "601234567890"), (b.number, "우체국택배", "1234567890123")])
    response = partner_client.post(upload_url, {"file": upload("ship.csv", good, "text/csv")})
    token = response.context["token"]
    assert token and VendorOrder.objects.filter(status=V.SHIPPED).count() == 0
    response = partner_client.post(admin_url("partner", "ship_csv_confirm"), {"token": token})
    assert response.status_code == 302
    assert set(VendorOrder.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) == {V.SHIPPED}
    # The token is spent.
    response = partner_client.post(admin_url("partner", "ship_csv_confirm"), {"token": token})
    assert response.status_code == 302 and response.url == upload_url


def test_operator_ship_csv_covers_every_vendor(operator_client, vo, theirs):
    data = csv_bytes([(vo.number, "cj", "601234567890"), (theirs.number, "로젠택배", "12345678901")])
    response = operator_client.post(admin_url("admin", "ship_csv"), {"file": upload("ship.csv", data, "text/csv")})
    operator_client.post(admin_url("admin", "ship_csv_confirm"), {"token": response.context["token"]})
    assert set(VendorOrder.objects.values_list("status", flat=True)) == {V.SHIPPED}
