"""An accepted quote gets its purchase-order PDF and the vendor's notice once, even when the process
died between the commit and the queueing (issue 11, item 9)."""
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Notification
from ddasum import jobs
from ddasum.models import OutboxTask
from procurement.services.purchases import quote_accept
from tests.factories import MembershipFactory
from tests.procurement.factories import answered_quote

pytestmark = pytest.mark.django_db

LINES = [{"name": "면 수건", "quantity": 10, "unit_price": 3_300, "tax_type": "taxable"}]


def test_an_accepted_quote_whose_follow_ups_were_lost_gets_its_order_pdf_and_notice_once(
        agency, vendor, buyer, django_capture_on_commit_callbacks):
    owner = MembershipFactory(vendor=vendor).user
    quote = answered_quote(agency=agency, vendor=vendor, buyer=buyer, lines=LINES)
    with django_capture_on_commit_callbacks(execute=False) as lost:
        po = quote_accept(quote_id=quote.pk, actor=buyer)
    assert len(lost) == 2 and not po.pdf
    assert quote_accept(quote_id=quote.pk, actor=buyer).pk == po.pk  # accepting again queues nothing new
    with django_capture_on_commit_callbacks(execute=True):
        jobs.outbox_sweep(now=timezone.now() + timedelta(hours=2))
        jobs.outbox_sweep(now=timezone.now() + timedelta(hours=5))
    po.refresh_from_db()
    assert po.pdf and po.pdf.read().startswith(b"%PDF")
    assert Notification.objects.filter(key=f"po-issued:{po.pk}:u{owner.pk}").count() == 1
    assert not OutboxTask.objects.filter(done_at__isnull=True).exists()
