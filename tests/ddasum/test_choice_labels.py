"""ddasum.models.ChoiceLabels: get_FOO_display() from a table built once, still in the active language."""
from django.utils import translation

from orders.models import Order, OrderStatus, PaymentMethod, VendorOrder, VendorOrderStatus


def test_labels_follow_the_active_language_on_every_call():
    order = Order(status=OrderStatus.PAID, payment_method=PaymentMethod.BANK_TRANSFER)
    with translation.override("ko"):
        assert order.get_status_display() == "결제 완료"
    with translation.override("en"):
        assert order.get_status_display() == "Paid"
    with translation.override("ko"):
        assert order.get_status_display() == "결제 완료"
        assert order.get_payment_method_display() == str(PaymentMethod.BANK_TRANSFER.label)


def test_every_choice_reads_its_own_label_and_an_unknown_value_reads_as_itself():
    with translation.override("ko"):
        for status in VendorOrderStatus:
            assert VendorOrder(status=status).get_status_display() == str(status.label)
        assert VendorOrder(status="no_such_state").get_status_display() == "no_such_state"
