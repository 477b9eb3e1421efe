"""Campaign core: state by the clock, the item state machine, notifications, the visit counter."""
import io
import threading
from datetime import datetime, timedelta

import pytest
from celery import Task
from django.core import mail
from django.db import connection
from django.utils import timezone
from PIL import Image

from accounts.models import Notification
from campaigns import tasks as campaigns_tasks
from campaigns.exceptions import InvalidTransition, NotAllowed
from campaigns.models import (
    Campaign,
    CampaignItem,
    CampaignItemEvent,
    CampaignState,
    CampaignVisit,
    Coupon,
    ItemStatus,
)
from campaigns.selectors.campaigns import PriceBook, campaign_schedule
from campaigns.selectors.pricing import campaign_prices
from campaigns.services import campaigns as services
from campaigns.tasks import item_event_notify_task
from ddasum.demo import campaigns as campaigns_demo
from tests.campaigns.factories import CampaignFactory, CampaignItemFactory
from tests.factories import MembershipFactory, OperatorFactory, ProductFactory, category

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(moment):
    return CampaignFactory(starts_at=moment + timedelta(days=1), ends_at=moment + timedelta(days=8))


@pytest.fixture
def product(vendor):
    return ProductFactory(vendor=vendor, variants=[{"name": "10kg", "price": 32000, "stock": 5}])


# --- state by the clock ---------------------------------------------------------------------


def test_state_follows_the_clock_with_exact_boundaries(campaign):
    start, end = campaign.starts_at, campaign.ends_at
    one = timedelta(microseconds=1)
    assert campaign.state_at(start - one) == CampaignState.SCHEDULED
    assert campaign.state_at(start) == CampaignState.LIVE  # live at the first instant
    assert campaign.state_at(end - one) == CampaignState.LIVE
    assert campaign.state_at(end) == CampaignState.ENDED  # ended at ends_at itself
    campaign.is_published = False
    assert campaign.state_at(start) == CampaignState.DRAFT


def test_querysets_agree_with_state_at(campaign):
    draft = CampaignFactory(is_published=False, starts_at=campaign.starts_at, ends_at=campaign.ends_at)
    for at, expected in [(campaign.starts_at - timedelta(seconds=1), "upcoming"), (campaign.starts_at, "live"),
                         (campaign.ends_at, "ended")]:
        for name in ("upcoming", "live", "ended"):
            ids = set(getattr(Campaign.objects, name)(at).values_list("pk", flat=True))
            assert (campaign.pk in ids) == (name == expected), (at, name)
            assert draft.pk not in ids


def test_prices_open_and_close_with_the_clock_without_any_job(campaign, product):
    CampaignItemFactory(campaign=campaign, product=product, percent_off=25)
    variant = product.variants.get()
    before = campaign_prices([variant], campaign.starts_at - timedelta(seconds=1))
    at_start = campaign_prices([variant], campaign.starts_at)
    at_end = campaign_prices([variant], campaign.ends_at)
    assert before == {} and at_end == {}
    assert at_start[variant.pk].price == 24000 and at_start[variant.pk].regular_price == 32000
    book = PriceBook(campaign.starts_at)
    card = book.for_product(product.pk)
    assert (card.price, card.regular_price, card.percent_off) == (24000, 32000, 25)
    assert PriceBook(campaign.ends_at).for_product(product.pk) is None


def test_schedule_splits_live_and_upcoming_and_orders_by_home_order(moment):
    second = CampaignFactory(home_order=2)
    first = CampaignFactory(home_order=1)
    coming = CampaignFactory(starts_at=moment + timedelta(days=3), ends_at=moment + timedelta(days=9))
    CampaignFactory(starts_at=moment - timedelta(days=9), ends_at=moment - timedelta(days=1))
    CampaignFactory(is_published=False)
    schedule = campaign_schedule(now=moment)
    assert schedule["live"] == [first, second]
    assert schedule["upcoming"] == [coming]


def test_a_page_knowing_nothing_is_live_asks_no_price_query(django_assert_num_queries, product):
    book = PriceBook(live_campaign_ids=[])
    with django_assert_num_queries(0):
        assert book.for_product(product.pk) is None


# --- applications --------------------------------------------------------------------------------


def apply(actor, vendor, campaign, product, **terms):
    terms.setdefault("percent_off", 10)
    return services.item_apply(actor=actor, vendor_id=vendor.pk, campaign_id=campaign.pk, product_id=product.pk,
                               **terms)


def test_vendor_applies_its_own_product_and_an_event_is_written(owner, vendor, campaign, product):
    item = apply(owner, vendor, campaign, product, campaign_price=27000, percent_off=None, stock_cap=50,
                 per_customer_limit=2)
    assert item.status == ItemStatus.APPLIED and item.applied_by == owner and item.vendor == vendor
    assert (item.campaign_price, item.stock_cap, item.per_customer_limit) == (27000, 50, 2)
    event = item.events.get()
    assert (event.from_status, event.to_status, event.actor) == ("", ItemStatus.APPLIED, owner)


@pytest.mark.parametrize("terms, field, message", [
    ({"campaign_price": 32000, "percent_off": None}, "campaign_price", "정상가(32,000원)보다 낮아야"),
    ({"campaign_price": None, "percent_off": None}, "campaign_price", "하나를 입력해"),
    ({"campaign_price": 20000, "percent_off": 10}, "percent_off", "하나만"),
    ({"percent_off": 91}, "percent_off", "1~90%"),
    ({"percent_off": 0}, "percent_off", "1~90%"),
    ({"stock_cap": 0}, "stock_cap", "1개 이상"),
    ({"per_customer_limit": 0}, "per_customer_limit", "1개 이상"),
])
def test_terms_are_checked_with_a_korean_reason(owner, vendor, campaign, product, terms, field, message):
    with pytest.raises(services.ApplicationRefused) as exc:
        apply(owner, vendor, campaign, product, **terms)
    assert exc.value.field == field and message in exc.value.message


def test_another_vendors_product_or_a_stranger_is_refused(owner, vendor, other_vendor, other_owner, campaign, user):
    theirs = ProductFactory(vendor=other_vendor)
    with pytest.raises(services.ApplicationRefused, match="다른 기업의 상품"):
        apply(owner, vendor, campaign, theirs)
    with pytest.raises(NotAllowed):
        apply(owner, other_vendor, campaign, theirs)  # not a member of that vendor
    with pytest.raises(NotAllowed):
        apply(user, other_vendor, campaign, theirs)


def test_campaign_must_be_published_open_and_not_ended(owner, vendor, product, moment):
    draft = CampaignFactory(is_published=False)
    closed = CampaignFactory(accepts_applications=False)
    ended = CampaignFactory(starts_at=moment - timedelta(days=5), ends_at=moment - timedelta(seconds=1))
    for campaign, message in [(draft, "공개된 기획전"), (closed, "참여 신청을 받지 않습니다"), (ended, "이미 끝난")]:
        with pytest.raises(services.ApplicationRefused, match=message):
            apply(owner, vendor, campaign, product)


def test_only_products_on_sale(owner, vendor, campaign):
    hidden = ProductFactory(vendor=vendor, status="hidden")
    with pytest.raises(services.ApplicationRefused, match="판매 중인 상품만"):
        apply(owner, vendor, campaign, hidden)


def test_duplicates_are_refused_but_other_options_may_apply(owner, vendor, campaign):
    product = ProductFactory(vendor=vendor, variants=[{"name": "10kg", "price": 32000, "stock": 5},
                                                      {"name": "20kg", "price": 59000, "stock": 5}])
    small, large = product.variants.order_by("price")
    apply(owner, vendor, campaign, product, variant_id=small.pk)
    with pytest.raises(services.ApplicationRefused, match="이미 이 기획전에 들어 있습니다") as exc:
        apply(owner, vendor, campaign, product, variant_id=small.pk)
    assert "10kg" in exc.value.message and "참여 신청" in exc.value.message
    apply(owner, vendor, campaign, product, variant_id=large.pk)  # another option is fine
    with pytest.raises(services.ApplicationRefused, match="이미 이 기획전에"):
        apply(owner, vendor, campaign, product)  # the whole product clashes with its options


def test_a_withdrawn_or_declined_application_can_be_sent_again(owner, operator, vendor, campaign, product):
    first = apply(owner, vendor, campaign, product)
    services.item_withdraw(item_id=first.pk, actor=owner)
    second = apply(owner, vendor, campaign, product)
    services.item_decide(item_id=second.pk, actor=operator, approve=False, reason="가격을 다시 정해 주세요")
    third = apply(owner, vendor, campaign, product, percent_off=20)
    assert third.status == ItemStatus.APPLIED


def test_whole_product_fixed_price_must_undercut_the_cheapest_option(owner, vendor, campaign):
    product = ProductFactory(vendor=vendor, variants=[{"name": "10kg", "price": 32000, "stock": 5},
                                                      {"name": "20kg", "price": 59000, "stock": 5}])
    with pytest.raises(services.ApplicationRefused, match="옵션을 고르거나 할인율로"):
        apply(owner, vendor, campaign, product, campaign_price=50000, percent_off=None)


# --- decisions and the transition table ------------------------------------------------------------


def test_approve_notifies_the_vendor_once(owner, operator, vendor, campaign, product,
                                          django_capture_on_commit_callbacks):
    item = apply(owner, vendor, campaign, product)
    with django_capture_on_commit_callbacks(execute=True):
        services.item_decide(item_id=item.pk, actor=operator, approve=True)
    item.refresh_from_db()
    assert item.status == ItemStatus.APPROVED and item.decided_by == operator and item.decided_at
    notes = Notification.objects.filter(user=owner)
    assert notes.count() == 1 and "승인" in notes.get().title
    assert len(mail.outbox) == 1 and campaign.title in mail.outbox[0].body
    event = item.events.get(to_status=ItemStatus.APPROVED)
    assert event.notified_at is not None
    # The task running again (a retry) tells no one twice.
    assert item_event_notify_task.delay(event_id=event.pk).get() == 0
    assert Notification.objects.filter(user=owner).count() == 1 and len(mail.outbox) == 1


def test_decline_needs_a_reason_which_reaches_the_vendor(owner, operator, vendor, campaign, product,
                                                         django_capture_on_commit_callbacks):
    item = apply(owner, vendor, campaign, product)
    with pytest.raises(services.ApplicationRefused, match="반려 사유"):
        services.item_decide(item_id=item.pk, actor=operator, approve=False, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        services.item_decide(item_id=item.pk, actor=operator, approve=False, reason="할인율이 너무 낮습니다")
    item.refresh_from_db()
    assert item.status == ItemStatus.DECLINED and item.decline_reason == "할인율이 너무 낮습니다"
    note = Notification.objects.get(user=owner)
    assert "반려" in note.title and "할인율이 너무 낮습니다" in note.body


def test_only_operators_decide(owner, vendor, campaign, product):
    item = apply(owner, vendor, campaign, product)
    with pytest.raises(NotAllowed):
        services.item_decide(item_id=item.pk, actor=owner, approve=True)


@pytest.mark.parametrize("start, step, allowed", [
    (ItemStatus.APPROVED, "approve", False),
    (ItemStatus.APPROVED, "decline", False),
    (ItemStatus.DECLINED, "approve", False),
    (ItemStatus.DECLINED, "withdraw", False),
    (ItemStatus.WITHDRAWN, "approve", False),
    (ItemStatus.WITHDRAWN, "withdraw", False),
    (ItemStatus.APPLIED, "approve", True),
    (ItemStatus.APPLIED, "decline", True),
    (ItemStatus.APPLIED, "withdraw", True),
    (ItemStatus.APPROVED, "withdraw", True),
])
def test_operator_transition_table(operator, campaign, product, start, step, allowed):
    item = CampaignItemFactory(campaign=campaign, product=product, status=start)
    call = {
        "approve": lambda: services.item_decide(item_id=item.pk, actor=operator, approve=True),
        "decline": lambda: services.item_decide(item_id=item.pk, actor=operator, approve=False, reason="사유"),
        "withdraw": lambda: services.item_withdraw(item_id=item.pk, actor=operator, reason="품질 문제"),
    }[step]
    if allowed:
        call()
        assert CampaignItemEvent.objects.filter(item=item, from_status=start).exists()
    else:
        with pytest.raises(InvalidTransition):
            call()
        item.refresh_from_db()
        assert item.status == start


def test_vendor_withdraws_before_approval_but_not_after(owner, operator, vendor, campaign, product,
                                                        django_capture_on_commit_callbacks):
    item = apply(owner, vendor, campaign, product)
    with django_capture_on_commit_callbacks(execute=True):
        services.item_withdraw(item_id=item.pk, actor=owner)
    item.refresh_from_db()
    assert item.status == ItemStatus.WITHDRAWN
    assert not Notification.objects.exists()  # the vendor did it itself: nothing to tell
    again = apply(owner, vendor, campaign, product)
    services.item_decide(item_id=again.pk, actor=operator, approve=True)
    with pytest.raises(NotAllowed, match="운영자에게 철회를 요청"):
        services.item_withdraw(item_id=again.pk, actor=owner)


def test_another_vendors_member_cannot_withdraw(owner, other_owner, vendor, campaign, product):
    item = apply(owner, vendor, campaign, product)
    with pytest.raises(NotAllowed):
        services.item_withdraw(item_id=item.pk, actor=other_owner)


def test_operator_adds_items_approved_at_once_even_to_a_draft(operator, product, moment):
    draft = CampaignFactory(is_published=False, starts_at=moment + timedelta(days=2), ends_at=moment + timedelta(days=4))
    item = services.item_add(actor=operator, campaign_id=draft.pk, product_id=product.pk, percent_off=15)
    assert item.status == ItemStatus.APPROVED and item.vendor_id == product.vendor_id
    with pytest.raises(NotAllowed):
        services.item_add(actor=OperatorFactory(is_staff=False, is_superuser=False), campaign_id=draft.pk,
                          product_id=product.pk, percent_off=15)


def test_ended_campaign_application_cannot_be_approved(owner, operator, vendor, product, moment):
    campaign = CampaignFactory(starts_at=moment - timedelta(days=1), ends_at=moment + timedelta(days=1))
    item = apply(owner, vendor, campaign, product)
    Campaign.objects.filter(pk=campaign.pk).update(ends_at=moment - timedelta(seconds=1))
    with pytest.raises(services.CampaignError, match="끝난 기획전"):
        services.item_decide(item_id=item.pk, actor=operator, approve=True)


# --- visits --------------------------------------------------------------------------------------


def test_visits_count_per_day(campaign):
    today = timezone.localdate()
    for _ in range(3):
        services.campaign_visit_record(campaign_id=campaign.pk, day=today)
    services.campaign_visit_record(campaign_id=campaign.pk, day=today - timedelta(days=1))
    assert CampaignVisit.objects.get(campaign=campaign, day=today).count == 3
    assert CampaignVisit.objects.filter(campaign=campaign).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_visits_of_a_day_are_all_counted():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no race to test")
    campaign = CampaignFactory()
    day = timezone.localdate()
    barrier = threading.Barrier(8)
    errors = []

    def visit():
        try:
            barrier.wait()
            services.campaign_visit_record(campaign_id=campaign.pk, day=day)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=visit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert CampaignVisit.objects.get(campaign=campaign, day=day).count == 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_applications_make_one_item():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks under real concurrency)")
    membership = MembershipFactory()
    product = ProductFactory(vendor=membership.vendor)
    campaign = CampaignFactory()
    barrier = threading.Barrier(6)
    results = []

    def send():
        try:
            barrier.wait()
            apply(membership.user, membership.vendor, campaign, product)
            results.append("ok")
        except services.ApplicationRefused as exc:
            results.append(exc.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1 and len(results) == 6
    assert CampaignItem.objects.filter(campaign=campaign, product=product).count() == 1


# --- the demo calendar ------------------------------------------------------------------------------


@pytest.mark.parametrize("today", ["2026-11-22", "2026-07-15", "2026-12-28", "2027-03-01"])
def test_demo_calendar_has_exactly_one_live_campaign_whatever_the_date(monkeypatch, today, vendor, owner):
    moment = timezone.make_aware(datetime.fromisoformat(f"{today}T10:00:00"))
    monkeypatch.setattr(timezone, "now", lambda: moment)
    for name, slug in [("홍성 절임배추", "fruit-vegetables"), ("홍성 포기김치", "side-dishes-sauces"),
                       ("홍성 햅쌀 선물세트", "rice-grains"), ("홍성 도자기 머그", "household"),
                       ("홍성 아로니아즙", "health-food")]:
        ProductFactory(vendor=vendor, name=name, category=category(slug),
                       variants=[{"name": "기본", "price": 15000, "stock": 20}, {"name": "큰 것", "price": 30000, "stock": 20}])

    campaigns_demo.seed(stdout=io.StringIO(), rng=__import__("random").Random(1))
    live = list(Campaign.objects.live(moment))
    assert len(live) == 1, [(c.slug, c.starts_at, c.ends_at) for c in live]
    year = moment.year
    slugs = set(Campaign.objects.values_list("slug", flat=True))
    for kind in ("seol", "family", "health", "chuseok", "kimjang", "christmas"):
        assert {f"{kind}-{year - 1}", f"{kind}-{year}"} <= slugs
    assert Campaign.objects.filter(is_published=False).count() == 1  # next year's draft
    assert CampaignItem.objects.filter(campaign=live[0], status=ItemStatus.APPLIED).exists()
    assert Coupon.objects.filter(code="WELCOME3000").exists()
    assert Coupon.objects.filter(campaign=live[0], percent=10, max_discount=5000).exists()
    assert Coupon.objects.filter(code__isnull=True, funded_by="vendor", vendor=vendor).exists()
    desktop = Image.open(live[0].banner_desktop.open("rb"))
    mobile = Image.open(live[0].banner_mobile.open("rb"))
    assert desktop.size == (1200, 360) and mobile.size == (750, 500)
    if today == "2026-11-22":
        assert live[0].slug == "kimjang-2026"  # the kimchi season's own campaign, not a shifted one
        cabbage = CampaignItem.objects.get(campaign=live[0], product__name="홍성 절임배추")
        assert cabbage.stock_cap and cabbage.per_customer_limit == 3

    counts = (Campaign.objects.count(), CampaignItem.objects.count(), Coupon.objects.count())
    campaigns_demo.seed(stdout=io.StringIO(), rng=__import__("random").Random(1))
    assert (Campaign.objects.count(), CampaignItem.objects.count(), Coupon.objects.count()) == counts
    assert len(Campaign.objects.live(moment)) == 1


def test_every_task_is_registered_as_app_dot_function_name():
    """Services queue tasks by these names (ddasum.jobs); a worker finds them under the same ones."""
    named = {name: task.name for name, task in vars(campaigns_tasks).items() if isinstance(task, Task)}
    expected = (
        "item_event_notify_task",
        "campaign_mails_send_task",
        "campaign_mail_batch_task",
        "wish_campaign_notices_send_task",
        "naver_feed_generate_task",
    )
    assert named == {name: f"campaigns.{name}" for name in expected}
