"""The demo's exchanges: one in progress and one completed, made through the services, once."""
import io
import random

import pytest
from django.core.management import call_command

from ddasum.demo import exchanges
from orders.models import Claim, ClaimKind, ClaimStatus, ExchangeFeeStatus

pytestmark = [pytest.mark.django_db, pytest.mark.local_files]


def test_the_demo_has_an_exchange_in_progress_and_a_completed_one(client):
    call_command("seed_demo", "accounts", "vendors", "catalog", stdout=io.StringIO())
    out = io.StringIO()
    exchanges.seed(stdout=out, rng=random.Random(1))
    assert "교환 2건" in out.getvalue()
    progress = Claim.objects.get(kind=ClaimKind.EXCHANGE, status=ClaimStatus.ACCEPTED)
    assert progress.fee_status == ExchangeFeeStatus.DUE and progress.refund_amount > 0
    assert progress.pickup_tracking_number and progress.lines.get().stock_reserved
    done = Claim.objects.get(kind=ClaimKind.EXCHANGE, status=ClaimStatus.COMPLETED)
    assert done.reship_tracking_number and done.return_fee == 0
    exchanges.seed(stdout=io.StringIO(), rng=random.Random(1))
    assert Claim.objects.filter(kind=ClaimKind.EXCHANGE).count() == 2
    client.force_login(progress.order.buyer)
    page = client.get(progress.order.get_absolute_url()).content.decode()
    assert progress.number in page and "회수 상자에 동봉해 주세요" in page
