"""Storefront of campaigns: the pages at each moment, prices on cards and product pages, query counts."""
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.models import CampaignSection, CampaignVisit, ItemStatus, Post
from campaigns.templatetags.campaign_tags import days_until
from campaigns.views import campaigns as views_campaigns
from tests.campaigns.factories import CampaignFactory, CampaignItemFactory
from tests.factories import OperatorFactory, ProductFactory, category

pytestmark = pytest.mark.django_db


def html_of(response) -> str:
    return response.content.decode()


@pytest.fixture
def clock(monkeypatch):
    """Set the time every page reads (timezone.now), like a frozen clock."""
    class Clock:
        def set(self, moment):
            monkeypatch.setattr(timezone, "now", lambda: moment)

    return Clock()


@pytest.fixture
def kimchi(moment):
    """A campaign from tomorrow for a week, with a section and a 20%-off cabbage."""
    campaign = CampaignFactory(title="김장 절임배추 판매전", slug="kimjang", starts_at=moment + timedelta(days=1),
                               ends_at=moment + timedelta(days=8), intro="해풍 맞은 배추를 절였습니다.",
                               theme_color="#2f7d32")
    section = CampaignSection.objects.create(campaign=campaign, title="절임배추", sort_order=1)
    product = ProductFactory(name="홍성 절임배추", category=category("fruit-vegetables"),
                             variants=[{"name": "10kg", "price": 32000, "stock": 5},
                                       {"name": "20kg", "price": 59000, "stock": 5}])
    CampaignItemFactory(campaign=campaign, section=section, product=product, percent_off=20)
    return campaign, product


def item_prices(html) -> list[str]:
    return re.findall(r'data-testid="item-price">(.*?)</p>', html, re.S)


# --- the campaign page at each moment ------------------------------------------------------------


def test_scheduled_page_is_a_teaser_without_prices(client, clock, kimchi):
    campaign, product = kimchi
    clock.set(campaign.starts_at - timedelta(hours=2))
    response = client.get(f"/campaigns/{campaign.slug}/")
    html = html_of(response)
    assert response.status_code == 200 and response.context["state"] == "scheduled"
    assert 'data-testid="teaser"' in html and campaign.starts_at.astimezone(
        timezone.get_current_timezone()).strftime("%Y.%m.%d %H:%M") in html
    assert "02:00:00" in html  # the server-rendered countdown to the start
    assert "홍성 절임배추" in html and not item_prices(html) and "25,600원" not in html


def test_live_page_shows_campaign_prices_struck_regular_and_countdown(client, clock, kimchi):
    campaign, product = kimchi
    clock.set(campaign.starts_at)
    html = html_of(client.get(f"/campaigns/{campaign.slug}/"))
    assert 'data-state="live"' in html
    [price] = item_prices(html)
    assert "20%" in price and "<strong>25,600원</strong>" in price and "<del>" in price and "32,000원" in price
    assert 'data-testid="countdown"' in html and "7일 00:00:00" in html
    assert 'data-seconds="604800"' in html  # the script counts down from the server's measure
    assert "js/campaigns.js" in html and 'data-theme="#2f7d32"' in html
    assert "절임배추</h2>" in html  # the section


def test_ended_page_says_so_and_shows_regular_prices(client, clock, kimchi):
    campaign, product = kimchi
    clock.set(campaign.ends_at)
    html = html_of(client.get(f"/campaigns/{campaign.slug}/"))
    assert 'data-testid="ended"' in html and "정상가로 판매합니다" in html
    [price] = item_prices(html)
    assert "<strong>32,000원</strong>" in price and "<del>" not in price


def test_draft_is_404_to_the_public_and_a_preview_for_operators(client, clock, kimchi):
    campaign, product = kimchi
    campaign.is_published = False
    campaign.save()
    clock.set(campaign.starts_at + timedelta(hours=1))
    assert client.get(f"/campaigns/{campaign.slug}/").status_code == 404
    client.force_login(OperatorFactory())
    response = client.get(f"/campaigns/{campaign.slug}/")
    html = html_of(response)
    assert response.status_code == 200 and 'data-testid="preview-note"' in html
    assert "<strong>25,600원</strong>" in item_prices(html)[0]  # what it will sell at
    assert 'name="robots" content="noindex' in html
    assert not CampaignVisit.objects.exists()


def test_unknown_campaign_is_404(client):
    assert client.get("/campaigns/no-such-thing/").status_code == 404


def test_opengraph_uses_the_banner(client, kimchi):
    campaign, _product = kimchi
    campaign.banner_desktop = "campaigns/kimjang/desktop.png"
    campaign.save()
    html = html_of(client.get(f"/campaigns/{campaign.slug}/"))
    assert '<meta property="og:image" content="http://testserver/media/campaigns/kimjang/desktop.png">' in html
    assert f'<meta property="og:title" content="{campaign.title}">' in html
    assert 'og:description" content="해풍 맞은 배추를 절였습니다."' in html


def test_banner_picture_has_mobile_and_desktop_images(client, kimchi):
    campaign, _product = kimchi
    campaign.banner_desktop = "campaigns/kimjang/desktop.png"
    campaign.banner_mobile = "campaigns/kimjang/mobile.png"
    campaign.save()
    html = html_of(client.get(f"/campaigns/{campaign.slug}/"))
    assert re.search(r'<picture class="campaign-picture">\s*<source media="\(max-width: 640px\)" '
                     r'srcset="/media/campaigns/kimjang/mobile.png"', html)
    assert 'src="/media/campaigns/kimjang/desktop.png"' in html


def test_sold_out_when_the_cap_is_reached_or_stock_is_gone(client, clock, kimchi, moment):
    campaign, product = kimchi
    clock.set(campaign.starts_at)
    capped = ProductFactory(name="한정 김치", variants=[{"name": "3kg", "price": 29000, "stock": 9}])
    CampaignItemFactory(campaign=campaign, product=capped, percent_off=10, stock_cap=5, sold_count=5)
    empty = ProductFactory(name="다 팔린 고추장", variants=[{"name": "1kg", "price": 22000, "stock": 0}])
    CampaignItemFactory(campaign=campaign, product=empty, percent_off=10)
    html = html_of(client.get(f"/campaigns/{campaign.slug}/"))
    cards = dict(re.findall(r'data-product="(\d+)".*?(</li>)', html, re.S))
    assert len(cards) == 3
    capped_card = html.split(f'data-product="{capped.pk}"')[1].split("</li>")[0]
    empty_card = html.split(f'data-product="{empty.pk}"')[1].split("</li>")[0]
    cabbage_card = html.split(f'data-product="{product.pk}"')[1].split("</li>")[0]
    assert "한정수량 소진" in capped_card and "26,100원" in capped_card
    assert "품절" in empty_card
    assert 'data-testid="sold-out"' not in cabbage_card


def test_items_not_approved_or_off_sale_stay_off_the_page(client, kimchi):
    campaign, _product = kimchi
    CampaignItemFactory(campaign=campaign, product=ProductFactory(name="신청 중 상품"), status=ItemStatus.APPLIED)
    CampaignItemFactory(campaign=campaign, product=ProductFactory(name="숨긴 상품", status="hidden"))
    html = html_of(client.get(f"/campaigns/{campaign.slug}/"))
    assert "신청 중 상품" not in html and "숨긴 상품" not in html


def test_visits_are_counted_for_people_not_bots_or_operators(client, kimchi):
    campaign, _product = kimchi
    client.get(f"/campaigns/{campaign.slug}/")
    client.get(f"/campaigns/{campaign.slug}/")
    client.get(f"/campaigns/{campaign.slug}/", HTTP_USER_AGENT="Googlebot/2.1")
    client.force_login(OperatorFactory())
    client.get(f"/campaigns/{campaign.slug}/")
    assert CampaignVisit.objects.get(campaign=campaign, day=timezone.localdate()).count == 2


# --- list, calendar, archive -------------------------------------------------------------------------


def test_list_shows_live_then_a_calendar_by_month(client, clock, moment):
    clock.set(moment)
    live = CampaignFactory(title="지금 하는 기획전")
    soon = CampaignFactory(title="크리스마스 이벤트", starts_at=moment + timedelta(days=3), ends_at=moment + timedelta(days=9))
    later = CampaignFactory(title="설맞이 판매전", starts_at=moment + timedelta(days=60), ends_at=moment + timedelta(days=80))
    CampaignFactory(title="몰래 준비 중", is_published=False, starts_at=moment + timedelta(days=3),
                    ends_at=moment + timedelta(days=9))
    html = html_of(client.get("/campaigns/"))
    live_part, calendar = html.split('data-testid="calendar"')
    assert live.title in live_part and soon.title not in live_part
    assert soon.title in calendar and later.title in calendar and "몰래 준비 중" not in html
    local = timezone.localtime
    assert f"<h3>{local(later.starts_at):%Y.%m}</h3>" in calendar
    assert calendar.index(soon.title) < calendar.index(later.title)
    assert 'data-testid="campaigns-link"' in html  # the menu link


def test_archive_lists_ended_campaigns_latest_first_with_pages(client, monkeypatch, moment):
    monkeypatch.setattr(views_campaigns, "ARCHIVE_PAGE_SIZE", 2)
    for i in range(3):
        CampaignFactory(title=f"지난 판매전 {i}", starts_at=moment - timedelta(days=30 + i),
                        ends_at=moment - timedelta(days=20 + i))
    CampaignFactory(title="진행 중")
    html = html_of(client.get("/campaigns/archive/"))
    assert html.index("지난 판매전 0") < html.index("지난 판매전 1") and "지난 판매전 2" not in html
    assert "진행 중" not in html
    assert "지난 판매전 2" in html_of(client.get("/campaigns/archive/", {"page": 2}))


# --- home, cards and the product page ----------------------------------------------------------------


def test_home_shows_live_banners_by_home_order_and_upcoming_teasers(client, moment):
    b = CampaignFactory(title="두 번째 배너", home_order=2)
    a = CampaignFactory(title="첫 번째 배너", home_order=1, banner_mobile="campaigns/a/m.png",
                        banner_desktop="campaigns/a/d.png")
    coming = CampaignFactory(title="곧 열릴 판매전", starts_at=moment + timedelta(days=3),
                             ends_at=moment + timedelta(days=9))
    html = html_of(client.get("/"))
    banners = html.split('data-testid="home-campaigns"')[1].split("</ul>")[0]
    assert banners.index(a.title) < banners.index(b.title)
    assert 'srcset="/media/campaigns/a/m.png"' in banners and 'src="/media/campaigns/a/d.png"' in banners
    teasers = html.split('data-testid="home-upcoming"')[1]
    assert coming.title in teasers and "D-3" in teasers


def test_teaser_d_day_counts_korean_calendar_days_not_24_hour_periods():
    """23:04 KST to 00:04 KST is D-1 although only an hour passes; 00:04 to 23:04 the same day is D-0."""
    seoul = ZoneInfo("Asia/Seoul")
    late = datetime(2026, 12, 6, 23, 4, tzinfo=seoul)
    assert days_until(late + timedelta(hours=1), late) == 1
    assert days_until(late + timedelta(days=3, hours=1), late) == 4
    early = datetime(2026, 12, 6, 0, 4, tzinfo=seoul)
    assert days_until(early + timedelta(hours=23), early) == 0


def test_home_without_campaigns_shows_no_campaign_block(client):
    assert 'id="home-campaigns"' not in html_of(client.get("/"))


def test_cards_show_the_campaign_price_while_live(client, clock, kimchi):
    campaign, product = kimchi
    clock.set(campaign.starts_at - timedelta(seconds=1))
    card = html_of(client.get("/categories/fruit-vegetables/")).split(f'data-product="{product.pk}"')[1].split("</li>")[0]
    assert "campaign-badge" not in card and "<strong>32,000원</strong>" in card
    clock.set(campaign.starts_at)
    card = html_of(client.get("/categories/fruit-vegetables/")).split(f'data-product="{product.pk}"')[1].split("</li>")[0]
    assert 'data-testid="campaign-badge"' in card and campaign.title in card
    assert "<strong>25,600원</strong>" in card and "32,000원</del>" in card and "20%" in card
    home_card = html_of(client.get("/")).split(f'data-product="{product.pk}"')[1].split("</li>")[0]
    assert "<strong>25,600원</strong>" in home_card


def test_card_shows_the_cheaper_regular_option_with_the_badge_only(client, kimchi):
    campaign, _product = kimchi
    product = ProductFactory(name="두 가지 무", variants=[{"name": "소", "price": 10000, "stock": 3},
                                                          {"name": "대", "price": 30000, "stock": 3}])
    CampaignItemFactory(campaign=CampaignFactory(), product=product, variant=product.variants.get(name="대"),
                        percent_off=None, campaign_price=25000)
    card = html_of(client.get("/products/")).split(f'data-product="{product.pk}"')[1].split("</li>")[0]
    assert 'data-testid="campaign-badge"' in card and "<strong>10,000원</strong>" in card
    assert 'data-testid="campaign-price"' not in card


def test_product_page_shows_badge_campaign_price_and_option_prices(client, clock, kimchi):
    campaign, product = kimchi
    clock.set(campaign.starts_at)
    html = html_of(client.get(product.get_absolute_url()))
    assert 'data-testid="campaign-badge"' in html and f'href="/campaigns/{campaign.slug}/"' in html
    price = html.split('data-testid="campaign-price"')[1].split("</p>")[0]
    assert "25,600원" in price and "32,000원" in price
    options = re.findall(r'data-testid="variant-campaign-price">(.*?)</span>\s', html, re.S)
    assert len(options) == 2 and "47,200원" in html  # 59,000 × 0.8
    clock.set(campaign.ends_at)
    html = html_of(client.get(product.get_absolute_url()))
    assert "campaign-badge" not in html and "25,600원" not in html


# --- query counts ------------------------------------------------------------------------------------


def queries_for(client, url) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def live_products(campaign, n, start=0):
    products = [ProductFactory(name=f"김장 상품 {start + i}", category=category("fruit-vegetables"),
                               variants=[{"name": "a", "price": 10000 + i, "stock": 3},
                                         {"name": "b", "price": 20000 + i, "stock": 3}]) for i in range(n)]
    for i, product in enumerate(products):
        CampaignItemFactory(campaign=campaign, product=product, percent_off=10 + i % 5)
    return products


@pytest.mark.parametrize("url, limit", [
    ("/", 11),
    ("/categories/fruit-vegetables/", 9),
    ("/campaigns/kimjang/", 9),  # one for the page cache: the next campaign boundary (issue 15)
])
def test_query_count_is_fixed_whatever_the_number_of_cards(client, clock, kimchi, url, limit,
                                                           django_assert_max_num_queries):
    campaign, _product = kimchi
    clock.set(campaign.starts_at + timedelta(hours=1))
    CampaignFactory(title="다른 진행 중")  # a second live campaign and its banner
    CampaignFactory(title="예정", starts_at=campaign.ends_at, ends_at=campaign.ends_at + timedelta(days=3))
    live_products(campaign, 3)
    client.get(url)  # the day's first visit inserts the counter row; later ones update it
    small = queries_for(client, url)
    live_products(campaign, 20, start=3)
    with django_assert_max_num_queries(limit):
        client.get(url)
    large = queries_for(client, url)
    assert small == large
    html = html_of(client.get(url))
    assert html.count("campaign-price") + html.count("item-price") >= 8  # cards did get their prices


def test_a_listing_with_nothing_live_asks_for_prices_once(client):
    """Nothing live: one lookup (no options are in a live campaign), whatever is coming later."""
    ProductFactory.create_batch(3)
    nothing = queries_for(client, "/categories/rice-grains/")
    CampaignFactory(starts_at=timezone.now() + timedelta(days=1), ends_at=timezone.now() + timedelta(days=2))
    assert queries_for(client, "/categories/rice-grains/") == nothing
    CampaignItemFactory(campaign=CampaignFactory(), product=ProductFactory(category=category("rice-grains")))
    assert queries_for(client, "/categories/rice-grains/") == nothing + 1  # the price rule, once for the page


def test_sitemap_lists_published_campaigns_and_posts_not_drafts(client, db):
    live = CampaignFactory(slug="kimchi-live")
    CampaignFactory(slug="draft-one", is_published=False)
    post = Post.objects.create(title="설 배송 안내", body="내용")
    xml = client.get("/sitemap.xml").content.decode()
    assert f"/campaigns/{live.slug}/" in xml
    assert "/campaigns/draft-one/" not in xml
    assert f"/board/{post.pk}/" in xml
    assert "/campaigns/archive/" in xml
