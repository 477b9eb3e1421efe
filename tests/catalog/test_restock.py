"""재입고 알림 and 찜 notices (back in stock, campaign price): each sent once per event, opt-out respected."""
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from campaigns.services.wish_notices import wish_campaign_notices_send
from catalog.exceptions import NotAllowed
from catalog.models import RestockAlert
from catalog.restock import restock_alert_request, restock_alerts_send, wish_in_stock_notices_send, wish_notices_set
from catalog.stock import variant_stock_set
from catalog.wishes import wish_set
from tests.campaigns.factories import CampaignFactory, CampaignItemFactory
from tests.factories import OperatorFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sold_out():
    return ProductFactory(variants=[{"name": "10kg", "price": 30000, "stock": 0}, {"name": "5kg", "price": 18000,
                                                                                  "stock": 0}])


def restock(product, n=5):
    variant = product.variants.first()
    variant_stock_set(variant_id=variant.pk, stock=n, actor=OperatorFactory())
    product.refresh_from_db()
    return variant


def test_alert_for_a_guest_and_a_member_sent_once_when_stock_returns_and_a_missed_run_is_made_up(sold_out, user):
    variant = sold_out.variants.first()
    restock_alert_request(variant_id=variant.pk, email="Guest@Example.kr")
    restock_alert_request(variant_id=variant.pk, email="guest@example.kr")  # the same pending alert
    restock_alert_request(variant_id=variant.pk, user=user)
    assert RestockAlert.objects.count() == 2
    assert restock_alerts_send() == 0  # still sold out
    restock(sold_out)
    assert restock_alerts_send() == 2
    assert restock_alerts_send() == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(["guest@example.kr", user.email])
    assert Notification.objects.filter(user=user, key__startswith="restock:").count() == 1


def test_an_alert_for_an_option_in_stock_is_refused(user):
    product = ProductFactory()
    with pytest.raises(NotAllowed):
        restock_alert_request(variant_id=product.variants.first().pk, user=user)


def test_restock_form_on_the_product_page_for_guests(client, sold_out):
    html = client.get(sold_out.get_absolute_url()).content.decode()
    assert 'data-testid="restock"' in html
    variant = sold_out.variants.first()
    response = client.post(reverse("catalog:restock_alert", args=[sold_out.pk]),
                           {"option": variant.pk, "email": "guest@example.kr"})
    assert response.status_code == 302
    assert RestockAlert.objects.get().email == "guest@example.kr"
    client.post(reverse("catalog:restock_alert", args=[sold_out.pk]), {"option": variant.pk, "email": ""})
    assert RestockAlert.objects.count() == 1


def test_wished_product_back_in_stock_tells_once_per_return(sold_out, user):
    wish_set(user=user, product_id=sold_out.pk, wished=True)
    assert wish_in_stock_notices_send() == 0
    variant = restock(sold_out)
    assert wish_in_stock_notices_send() == 1
    assert wish_in_stock_notices_send() == 0
    variant_stock_set(variant_id=variant.pk, stock=0, actor=OperatorFactory())
    assert wish_in_stock_notices_send() == 0  # sold out again: marked unseen
    variant_stock_set(variant_id=variant.pk, stock=3, actor=OperatorFactory())
    assert wish_in_stock_notices_send() == 1  # a new event


def test_wish_notices_opt_out(sold_out, user, client):
    wish_set(user=user, product_id=sold_out.pk, wished=True)
    client.force_login(user)
    assert client.post(reverse("catalog:wish_notices"), {"enabled": "0"}).status_code == 302
    restock(sold_out)
    assert wish_in_stock_notices_send() == 0
    assert not mail.outbox
    wish_notices_set(user=user, enabled=True)


def test_wished_product_on_a_live_campaign_price_tells_once_per_campaign(user):
    product = ProductFactory()
    wish_set(user=user, product_id=product.pk, wished=True)
    assert wish_campaign_notices_send() == 0
    CampaignItemFactory(product=product, campaign=CampaignFactory(starts_at=timezone.now() + timedelta(days=1)))
    assert wish_campaign_notices_send() == 0  # not live yet
    CampaignItemFactory(product=product)
    assert wish_campaign_notices_send() == 1
    assert wish_campaign_notices_send() == 0
    assert Notification.objects.filter(user=user, key__startswith="wish-campaign:").count() == 1
