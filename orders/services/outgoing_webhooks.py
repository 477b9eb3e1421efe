"""What a vendor's webhook endpoints hear about its orders (vendors.webhooks sends and signs them).

Called inside the transaction that makes the change, so the delivery rows commit with it. The
event is thin: numbers, status and amounts; the receiver reads addresses and lines through the
orders API (orders.api.partner), with its key.
"""
from vendors.models import WebhookEvent
from vendors.webhooks import webhook_event

from ..models import VendorOrder


def vendor_order_webhook(vendor_order: VendorOrder, event: str) -> None:
    """Queue `event` (a WebhookEvent) about this vendor order for its vendor's endpoints."""
    webhook_event(
        vendor_id=vendor_order.vendor_id, event=event, subject=f"vendor_order:{vendor_order.pk}",
        data={
            "vendor_order": vendor_order.number,
            "order": vendor_order.order.number,
            "status": vendor_order.status,
            "total": vendor_order.total,
            "paid_total": vendor_order.paid_total,
            "return_reason": vendor_order.return_reason if event == WebhookEvent.RETURN_REQUESTED else "",
        },
    )
