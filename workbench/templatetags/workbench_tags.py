"""The partner dashboard's to-do block; the partner admin's index (a vendors template) loads it."""
from django import template
from django.utils import timezone

from vendors.selectors import partner_vendor_ids

from ..selectors import todo_counts, todo_rows

register = template.Library()


@register.inclusion_tag("workbench/_partner_todo.html", takes_context=True)
def partner_todo(context):
    """What needs doing today for the member's vendors (every vendor for an operator): a fixed number of queries."""
    user = context["request"].user
    ids = None if (user.is_active and user.is_staff) else partner_vendor_ids(user)
    now = timezone.now()
    counts = todo_counts(vendor_ids=ids, now=now)
    today = timezone.localdate(now)
    for vendor_order in counts.oldest_orders:
        vendor_order.age_days = (today - timezone.localdate(vendor_order.paid_at)).days
        vendor_order.is_late = bool(vendor_order.ship_by and vendor_order.ship_by < today)
    return {"rows": todo_rows(counts, now=now), "oldest_orders": counts.oldest_orders,
            "many_vendors": ids is None or len(ids) > 1}
