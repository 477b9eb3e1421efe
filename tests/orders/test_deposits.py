"""Bank deposits matched from the bank's CSV (orders.services.deposits): the preview with a reason for each row
left out, the apply all or nothing and only as previewed, in the operator's admin."""
import pytest
from django.urls import reverse
from django.utils.html import escape

from orders.exceptions import PaymentError
from orders.models import Order, OrderStatus, PaymentEvent
from orders.services import deposits
from orders.services.confirmations import payment_deposit_confirm
from tests.factories import ProductFactory, VendorFactory, place_order, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting_orders(db):
    vendor = VendorFactory()

    def variant(price):
        return ProductFactory(vendor=vendor, variants=[{"name": "1개", "price": price, "stock": 20}]).variants.get()

    v1, v2, v3 = variant(25000), variant(31000), variant(18000)
    return {
        "by_number": place_order(items=[(v1, 1)], orderer_name="김구매"),
        "by_name": place_order(items=[(v2, 1)], orderer_name="이몽룡"),
        "twin1": place_order(items=[(v3, 1)], orderer_name="성춘향"),
        "twin2": place_order(items=[(v3, 1)], orderer_name="성춘향"),
        "paid": place_order(items=[(v1, 1)], orderer_name="변학도", paid=True),
    }


def deposits_csv(orders, *, encoding="utf-8-sig") -> bytes:
    o = orders
    rows = [
        "입금일시,입금자명,금액,주문번호",
        f"2026-11-22 09:10,김구매,\"{o['by_number'].total:,}\",{o['by_number'].number}",
        f"2026.11.22 10:00:00,이 몽룡,{o['by_name'].total}원,",
        f"2026-11-22 11:00,성춘향,{o['twin1'].total},",
        f"2026-11-22 12:00,변학도,{o['paid'].total},{o['paid'].number}",
        "2026-11-22 13:00,홍길동,9900,",
        "2026-11-22 13:30,임꺽정,12000,20991231-99999",
        "어제,박문수,10000,",
    ]
    return ("\n".join(rows) + "\n").encode(encoding)


def test_deposits_csv_preview_lists_matches_and_reasons_then_applies_in_one_go(operator_client, operator, waiting_orders):
    o = waiting_orders
    url = reverse("admin:orders_order_deposits")
    assert operator_client.get(url).status_code == 200
    preview = operator_client.post(url, {"file": upload("deposits.csv", deposits_csv(o), "text/csv")})
    html = preview.content.decode()
    plan = preview.context["plan"]
    assert [(r.line, r.order.pk, r.matched_by) for r in plan.matched] == [
        (2, o["by_number"].pk, deposits.BY_NUMBER), (3, o["by_name"].pk, deposits.BY_NAME)]
    reasons = {r.line: r.problem for r in plan.problems}
    assert "2건" in reasons[4] and "정할 수 없습니다" in reasons[4]
    assert "이미 결제 확인된 주문" in reasons[5]
    assert "맞는 입금 대기 주문이 없습니다" in reasons[6]
    assert "주문이 없습니다" in reasons[7]
    assert "입금일시를 읽을 수 없습니다" in reasons[8]
    for reason in reasons.values():
        assert escape(reason) in html
    # The preview writes nothing.
    assert Order.objects.filter(status=OrderStatus.PAID).count() == 1 and not PaymentEvent.objects.exists()

    response = operator_client.post(reverse("admin:orders_order_deposits_apply"), {"token": preview.context["token"]})
    assert response.status_code == 302
    paid = set(Order.objects.filter(status=OrderStatus.PAID).values_list("pk", flat=True))
    assert paid == {o["by_number"].pk, o["by_name"].pk, o["paid"].pk}
    event = PaymentEvent.objects.get(kind="deposit", payment__order=o["by_name"])
    assert event.request["source"] == "csv" and event.request["depositor"] == "이 몽룡"
    assert event.request["deposited_at"].startswith("2026-11-22T10:00:00+09:00")
    assert event.request["by_id"] == operator.pk
    # The token is used up.
    operator_client.post(reverse("admin:orders_order_deposits_apply"), {"token": preview.context["token"]})
    assert PaymentEvent.objects.filter(kind="deposit").count() == 2


def test_deposits_csv_changed_since_the_preview_applies_nothing(operator_client, operator, waiting_orders):
    o = waiting_orders
    preview = operator_client.post(reverse("admin:orders_order_deposits"),
                                   {"file": upload("deposits.csv", deposits_csv(o, encoding="cp949"), "text/csv")})
    assert len(preview.context["plan"].matched) == 2  # the bank's own encoding reads too
    payment_deposit_confirm(order_id=o["by_name"].pk, actor=operator)  # paid by hand meanwhile
    response = operator_client.post(reverse("admin:orders_order_deposits_apply"), {"token": preview.context["token"]})
    assert "아무것도 반영하지 않았습니다" in response.content.decode()
    assert response.context["changed"]
    o["by_number"].refresh_from_db()
    assert o["by_number"].status == OrderStatus.PENDING_PAYMENT


def test_deposits_apply_is_all_or_nothing(waiting_orders, operator, monkeypatch):
    o = waiting_orders
    data = deposits_csv(o)
    plan = deposits.deposits_plan(data)
    real, calls = deposits.payment_deposit_confirm, []

    def failing_second(**kwargs):
        calls.append(kwargs["order_id"])
        if len(calls) == 2:
            raise PaymentError("중간 실패")
        return real(**kwargs)

    monkeypatch.setattr(deposits, "payment_deposit_confirm", failing_second)
    with pytest.raises(PaymentError):
        deposits.deposits_apply(data=data, expected=plan.signature(), actor=operator)
    assert len(calls) == 2
    assert not Order.objects.filter(pk=o["by_number"].pk, status=OrderStatus.PAID).exists()
    assert not PaymentEvent.objects.filter(kind="deposit").exists()


def test_deposits_csv_header_errors_are_explained(operator_client):
    response = operator_client.post(reverse("admin:orders_order_deposits"),
                                    {"file": upload("d.csv", "날짜,이름\n2026-11-22,김구매\n".encode(), "text/csv")})
    assert "첫 행에 필요한 열이 없습니다: 입금일시, 입금자명, 금액" in response.content.decode()
