"""The procurement part of vendor performance: how fast a vendor answers quote requests."""
from datetime import datetime

from django.db.models import Min, Q

from vendors.performance import average_hours

from ..models import QuoteStatus, VendorQuote

# A quote request is answered by a quote or by saying it cannot be quoted.
ANSWERS = (QuoteStatus.ANSWERED, QuoteStatus.DECLINED)


def vendor_quote_metrics(*, vendor_ids: list[int], start: datetime, end: datetime) -> dict[int, dict]:
    """Per vendor: quote requests asked in [start, end) and answered, and the mean hours to the first answer."""
    quotes = (
        VendorQuote.objects.filter(vendor_id__in=vendor_ids, created_at__gte=start, created_at__lt=end)
        .annotate(first_answer=Min("events__created_at", filter=Q(events__to_status__in=ANSWERS)))
        .filter(first_answer__isnull=False).values_list("vendor_id", "created_at", "first_answer").order_by()
    )
    durations: dict[int, list] = {}
    for vendor_id, asked, answered in quotes:
        durations.setdefault(vendor_id, []).append(answered - asked)
    return {vendor_id: {"quotes_answered": len(d), "quote_answer_hours": average_hours(d)}
            for vendor_id, d in durations.items()}

