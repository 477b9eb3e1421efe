"""Factories shared by the campaign tests (add yours at the end; keep them small)."""
from datetime import timedelta

import factory
from django.utils import timezone

from campaigns.models import Campaign, CampaignItem, CampaignKind, ItemStatus
from tests.factories import ProductFactory


class CampaignFactory(factory.django.DjangoModelFactory):
    """A published campaign live now (started a day ago, ends in a week)."""

    class Meta:
        model = Campaign

    title = factory.Sequence(lambda n: f"추석 판매전 {n}")
    slug = factory.Sequence(lambda n: f"chuseok-{n}")
    kind = CampaignKind.CHUSEOK
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    is_published = True


class CampaignItemFactory(factory.django.DjangoModelFactory):
    """An approved item at 20% off."""

    class Meta:
        model = CampaignItem

    campaign = factory.SubFactory(CampaignFactory)
    product = factory.SubFactory(ProductFactory)
    vendor = factory.SelfAttribute("product.vendor")
    percent_off = 20
    status = ItemStatus.APPROVED


class CouponFactory(factory.django.DjangoModelFactory):
    """[CHECKOUT] A code coupon of 3,000원 off, running now, once per customer, operator-funded."""

    class Meta:
        model = "campaigns.Coupon"

    name = factory.Sequence(lambda n: f"할인 쿠폰 {n}")
    code = factory.Sequence(lambda n: f"SAVE{n}")
    discount_kind = "fixed"
    amount = 3000
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
