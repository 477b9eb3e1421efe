"""Vendor applications in the partner admin and their review in the operators' admin, by URL."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from campaigns.models import Campaign, CampaignItem, CampaignSection, ItemStatus
from campaigns.services import campaigns as services
from tests.campaigns.factories import CampaignFactory, CampaignItemFactory
from tests.factories import ProductFactory, image_bytes, upload
from tests.otp import otp_login

pytestmark = pytest.mark.django_db

LIST = "partner:campaigns_campaignapplication_changelist"
ADD = "partner:campaigns_campaignapplication_add"
CHANGE = "partner:campaigns_campaignapplication_change"
WITHDRAW = "partner:campaigns_campaignapplication_withdraw"


@pytest.fixture
def campaign():
    now = timezone.now()
    return CampaignFactory(title="추석 판매전", starts_at=now + timedelta(days=2), ends_at=now + timedelta(days=10))


@pytest.fixture
def mine(vendor):
    return ProductFactory(vendor=vendor, name="우리 햅쌀", variants=[{"name": "10kg", "price": 39000, "stock": 9}])


@pytest.fixture
def theirs(other_vendor):
    return ProductFactory(vendor=other_vendor, name="남의 햅쌀")


def form(campaign, product, **extra):
    data = {"campaign": campaign.pk, "product": product.pk, "variant": "", "section": "", "campaign_price": "",
            "percent_off": "15", "stock_cap": "", "per_customer_limit": ""}
    data.update({k: str(v) for k, v in extra.items()})
    return data


# --- the partner admin ---------------------------------------------------------------------------


def test_vendor_sees_open_campaigns_and_only_its_own_applications(partner_client, vendor, other_vendor, campaign,
                                                                  mine, theirs):
    closed = CampaignFactory(title="신청 마감 기획전", accepts_applications=False)
    CampaignItemFactory(campaign=campaign, product=mine, status=ItemStatus.APPLIED)
    CampaignItemFactory(campaign=campaign, product=theirs, status=ItemStatus.APPLIED)
    html = partner_client.get(reverse(LIST)).content.decode()
    open_part, own_part = html.split('data-testid="open-campaigns"')[1].split("우리 기업의 신청")
    assert "추석 판매전" in open_part and closed.title not in open_part
    assert f"?campaign={campaign.pk}" in open_part
    assert "우리 햅쌀" in own_part and "남의 햅쌀" not in own_part


def test_another_vendors_application_is_404(partner_client, campaign, theirs):
    item = CampaignItemFactory(campaign=campaign, product=theirs, status=ItemStatus.APPLIED)
    assert partner_client.get(reverse(CHANGE, args=[item.pk])).status_code == 404
    assert partner_client.post(reverse(WITHDRAW, args=[item.pk])).status_code == 404
    item.refresh_from_db()
    assert item.status == ItemStatus.APPLIED


def test_apply_form_offers_only_own_products_on_sale(partner_client, vendor, campaign, mine, theirs):
    ProductFactory(vendor=vendor, name="숨긴 우리 상품", status="hidden")
    html = partner_client.get(reverse(ADD), {"campaign": campaign.pk}).content.decode()
    assert "우리 햅쌀" in html and "남의 햅쌀" not in html and "숨긴 우리 상품" not in html
    assert f'<option value="{campaign.pk}" selected>' in html


def test_vendor_applies_with_a_price_cap_and_limit(partner_client, owner, vendor, campaign, mine):
    section = CampaignSection.objects.create(campaign=campaign, title="선물세트")
    variant = mine.variants.get()
    response = partner_client.post(reverse(ADD), form(campaign, mine, variant=variant.pk, section=section.pk,
                                                      percent_off="", campaign_price=33000, stock_cap=30,
                                                      per_customer_limit=2))
    assert response.status_code == 302
    item = CampaignItem.objects.get()
    assert (item.vendor, item.product, item.variant, item.section) == (vendor, mine, variant, section)
    assert (item.campaign_price, item.percent_off, item.stock_cap, item.per_customer_limit) == (33000, None, 30, 2)
    assert item.status == ItemStatus.APPLIED and item.applied_by == owner
    html = partner_client.get(reverse(LIST)).content.decode()
    assert "33,000원" in html and "참여 신청" in html


def test_another_vendors_product_posted_anyway_is_refused(partner_client, campaign, theirs):
    response = partner_client.post(reverse(ADD), form(campaign, theirs))
    assert response.status_code == 200 and not CampaignItem.objects.exists()
    assert response.context["form"].errors["product"]


@pytest.mark.parametrize("extra, field, message", [
    ({"percent_off": "", "campaign_price": "39000"}, "campaign_price", "정상가(39,000원)보다 낮아야"),
    ({"percent_off": "", "campaign_price": ""}, "campaign_price", "하나를 입력해"),
    ({"percent_off": "10", "campaign_price": "30000"}, "percent_off", "하나만"),
    ({"percent_off": "95"}, "percent_off", "90"),
])
def test_form_errors_are_korean_and_next_to_the_field(partner_client, campaign, mine, extra, field, message):
    response = partner_client.post(reverse(ADD), form(campaign, mine, **extra))
    assert response.status_code == 200 and not CampaignItem.objects.exists()
    errors = response.context["form"].errors[field]
    assert any(message in e for e in errors), errors
    assert message in response.content.decode()


def test_duplicate_application_is_refused_in_the_form(partner_client, campaign, mine):
    assert partner_client.post(reverse(ADD), form(campaign, mine)).status_code == 302
    response = partner_client.post(reverse(ADD), form(campaign, mine, percent_off=20))
    assert response.status_code == 200 and CampaignItem.objects.count() == 1
    assert "이미 이 기획전에 들어 있습니다" in " ".join(response.context["form"].errors["product"])


def test_vendor_sees_the_decline_reason_and_withdraws_a_pending_one(partner_client, owner, operator, campaign, mine,
                                                                    django_capture_on_commit_callbacks):
    item = services.item_apply(actor=owner, vendor_id=mine.vendor_id, campaign_id=campaign.pk, product_id=mine.pk,
                               percent_off=5)
    with django_capture_on_commit_callbacks(execute=True):
        services.item_decide(item_id=item.pk, actor=operator, approve=False, reason="할인율 10% 이상만 받습니다")
    html = partner_client.get(reverse(LIST)).content.decode()
    assert "반려" in html and "할인율 10% 이상만 받습니다" in html
    page = partner_client.get(reverse(CHANGE, args=[item.pk])).content.decode()
    assert "할인율 10% 이상만 받습니다" in page and 'data-testid="withdraw"' not in page
    assert Notification.objects.filter(user=owner, title__contains="반려").count() == 1

    second = services.item_apply(actor=owner, vendor_id=mine.vendor_id, campaign_id=campaign.pk, product_id=mine.pk,
                                 percent_off=12)
    page = partner_client.get(reverse(CHANGE, args=[second.pk])).content.decode()
    assert 'data-testid="withdraw"' in page
    response = partner_client.post(reverse(WITHDRAW, args=[second.pk]))
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == ItemStatus.WITHDRAWN


def test_vendor_cannot_withdraw_an_approved_item(partner_client, campaign, mine):
    item = CampaignItemFactory(campaign=campaign, product=mine)
    page = partner_client.get(reverse(CHANGE, args=[item.pk])).content.decode()
    assert 'data-testid="withdraw"' not in page
    partner_client.post(reverse(WITHDRAW, args=[item.pk]))
    item.refresh_from_db()
    assert item.status == ItemStatus.APPROVED


def test_applications_cannot_be_edited_or_deleted_by_the_vendor(partner_client, campaign, mine):
    item = CampaignItemFactory(campaign=campaign, product=mine, status=ItemStatus.APPLIED, percent_off=10)
    partner_client.post(reverse(CHANGE, args=[item.pk]), {"percent_off": "80"})
    item.refresh_from_db()
    assert item.percent_off == 10
    assert partner_client.post(reverse("partner:campaigns_campaignapplication_delete", args=[item.pk]),
                               {"post": "yes"}).status_code == 403
    assert CampaignItem.objects.filter(pk=item.pk).exists()


# --- the operators' admin ------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, operator):
    otp_login(client, operator)
    return client


def test_state_column_and_filter_follow_the_clock(admin_client):
    now = timezone.now()
    CampaignFactory(title="진행 중 A")
    CampaignFactory(title="예정 B", starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=2))
    CampaignFactory(title="종료 C", starts_at=now - timedelta(days=3), ends_at=now - timedelta(days=1))
    CampaignFactory(title="작성 중 D", is_published=False)
    url = reverse("admin:campaigns_campaign_changelist")
    for state, title in [("live", "진행 중 A"), ("scheduled", "예정 B"), ("ended", "종료 C"), ("draft", "작성 중 D")]:
        html = admin_client.get(url, {"state": state}).content.decode()
        shown = [t for t in ("진행 중 A", "예정 B", "종료 C", "작성 중 D") if t in html]
        assert shown == [title], (state, shown)
    html = admin_client.get(url).content.decode()
    assert "진행 중" in html and "예정" in html and "종료" in html and "작성 중" in html
    assert 'href="/campaigns/' in html


def campaign_post(**overrides):
    now = timezone.localtime()
    data = {
        "title": "가정의 달 기획전", "slug": "family-2027", "kind": "family_month",
        "starts_at_0": (now + timedelta(days=3)).strftime("%Y-%m-%d"), "starts_at_1": "00:00:00",
        "ends_at_0": (now + timedelta(days=30)).strftime("%Y-%m-%d"), "ends_at_1": "23:59:59",
        "is_published": "on", "home_order": "1", "accepts_applications": "on", "intro": "감사의 마음",
        "theme_color": "#d6336c",
        "sections-TOTAL_FORMS": "1", "sections-INITIAL_FORMS": "0", "sections-MIN_NUM_FORMS": "0",
        "sections-MAX_NUM_FORMS": "1000", "sections-0-title": "선물세트", "sections-0-sort_order": "1",
    }
    data.update(overrides)
    return data


def test_operator_creates_a_campaign_with_checked_banners(admin_client):
    response = admin_client.post(reverse("admin:campaigns_campaign_add"), {
        **campaign_post(),
        "banner_desktop": upload("wide.png", image_bytes("PNG", size=(1200, 360)), "image/png"),
        "banner_mobile": upload("tall.png", image_bytes("PNG", size=(750, 500)), "image/png"),
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    campaign = Campaign.objects.get()
    assert campaign.sections.get().title == "선물세트"
    assert campaign.banner_desktop.name.startswith("campaigns/family-2027/")


def test_banner_that_is_not_an_image_is_refused(admin_client):
    response = admin_client.post(reverse("admin:campaigns_campaign_add"), {
        **campaign_post(), "banner_desktop": upload("evil.png", b"<script>alert(1)</script>", "image/png"),
    })
    assert response.status_code == 200 and not Campaign.objects.exists()
    assert "banner_desktop" in response.context["adminform"].form.errors


def test_reserved_slug_is_refused(admin_client):
    response = admin_client.post(reverse("admin:campaigns_campaign_add"), campaign_post(slug="archive"))
    assert response.status_code == 200 and not Campaign.objects.exists()


def test_operator_puts_items_in_directly_approved(admin_client, campaign, mine):
    items = {"items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "0",
             "items-MAX_NUM_FORMS": "1000", "items-0-product": str(mine.pk), "items-0-percent_off": "20",
             "items-0-sort_order": "0"}
    start, end = timezone.localtime(campaign.starts_at), timezone.localtime(campaign.ends_at)
    data = campaign_post(title=campaign.title, slug=campaign.slug,
                         starts_at_0=f"{start:%Y-%m-%d}", starts_at_1=f"{start:%H:%M:%S}",
                         ends_at_0=f"{end:%Y-%m-%d}", ends_at_1=f"{end:%H:%M:%S}", **items)
    response = admin_client.post(reverse("admin:campaigns_campaign_change", args=[campaign.pk]), data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][1].formset.errors
    item = CampaignItem.objects.get()
    assert item.status == ItemStatus.APPROVED and item.vendor_id == mine.vendor_id and item.percent_off == 20


def test_operator_item_with_bad_terms_shows_the_error_inline(admin_client, campaign, mine):
    items = {"items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "0",
             "items-MAX_NUM_FORMS": "1000", "items-0-product": str(mine.pk), "items-0-campaign_price": "45000",
             "items-0-sort_order": "0"}
    start, end = timezone.localtime(campaign.starts_at), timezone.localtime(campaign.ends_at)
    data = campaign_post(title=campaign.title, slug=campaign.slug,
                         starts_at_0=f"{start:%Y-%m-%d}", starts_at_1=f"{start:%H:%M:%S}",
                         ends_at_0=f"{end:%Y-%m-%d}", ends_at_1=f"{end:%H:%M:%S}", **items)
    response = admin_client.post(reverse("admin:campaigns_campaign_change", args=[campaign.pk]), data)
    assert response.status_code == 200 and not CampaignItem.objects.exists()
    assert "정상가(39,000원)보다 낮아야" in response.content.decode()


def test_approve_and_decline_actions(admin_client, owner, campaign, mine, vendor,
                                     django_capture_on_commit_callbacks):
    first = services.item_apply(actor=owner, vendor_id=vendor.pk, campaign_id=campaign.pk, product_id=mine.pk,
                                percent_off=10)
    other = ProductFactory(vendor=vendor, name="우리 찹쌀")
    second = services.item_apply(actor=owner, vendor_id=vendor.pk, campaign_id=campaign.pk, product_id=other.pk,
                                 percent_off=3)
    url = reverse("admin:campaigns_campaignitem_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, {"action": "approve_selected", "_selected_action": [first.pk]})
    first.refresh_from_db()
    assert first.status == ItemStatus.APPROVED

    # Declining asks for the reason first.
    page = admin_client.post(url, {"action": "decline_selected", "_selected_action": [second.pk]})
    assert page.status_code == 200 and "우리 찹쌀" in page.content.decode()
    page = admin_client.post(url, {"action": "decline_selected", "_selected_action": [second.pk], "apply": "1",
                                   "reason": ""})
    second.refresh_from_db()
    assert second.status == ItemStatus.APPLIED and "사유를 입력해 주세요" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, {"action": "decline_selected", "_selected_action": [second.pk], "apply": "1",
                                "reason": "할인 폭이 작습니다"})
    second.refresh_from_db()
    assert second.status == ItemStatus.DECLINED and second.decline_reason == "할인 폭이 작습니다"
    titles = sorted(Notification.objects.filter(user=owner).values_list("title", flat=True))
    assert len(titles) == 2 and any("승인" in t for t in titles) and any("반려" in t for t in titles)
    # The item page shows its history.
    html = admin_client.get(reverse("admin:campaigns_campaignitem_change", args=[second.pk])).content.decode()
    assert "참여 신청 → 반려" in html


def test_campaign_page_in_the_admin_reads_campaign_and_sections_once_whatever_the_items(admin_client, campaign):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    CampaignSection.objects.create(campaign=campaign, title="선물세트")
    url = reverse("admin:campaigns_campaign_change", args=[campaign.pk])

    def tables_read(n_items):
        while campaign.items.count() < n_items:
            CampaignItemFactory(campaign=campaign)
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get(url).status_code == 200
        sqls = [q["sql"] for q in ctx.captured_queries]
        return (sum('FROM "campaigns_campaignsection"' in s for s in sqls),
                sum('FROM "campaigns_campaign" ' in s for s in sqls))

    assert tables_read(2) == tables_read(8)
