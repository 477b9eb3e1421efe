"""axe-core (axe-playwright-python) on the main pages: no serious or critical violation (WCAG 2 A/AA)."""
import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from accounts.models import PolicyVersion
from accounts.selectors import policy_default_body
from catalog.services import product_image_add
from tests.campaigns.factories import CampaignFactory, CampaignItemFactory
from tests.factories import PASSWORD, ProductFactory, UserFactory, category, image_bytes, upload
from tests.procurement.factories import AgencyFactory, AgencyMembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Axe()
OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def serious(page) -> list[str]:
    """The serious and critical violations axe finds on the page, as readable lines."""
    results = AXE.run(page, options=OPTIONS)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = "; ".join(", ".join(node["target"]) for node in violation["nodes"][:5])
            found.append(f"{page.url} {violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
    return found


def log_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/?next=/mypage/")
    page.get_by_label("이메일").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(f"{live_server.url}/mypage/")


def test_main_pages_have_no_serious_or_critical_accessibility_violation(live_server, new_page):
    for kind in ("terms", "privacy"):
        PolicyVersion.objects.create(kind=kind, version="1.0", effective_at=timezone.now(), body=policy_default_body(kind))
    product = ProductFactory(name="홍성 유기농 현미", category=category("rice-grains"))
    product_image_add(product_id=product.pk, upload=upload("p.png", image_bytes("PNG", (300, 300))))
    buyer = UserFactory(email="a11y@example.kr", name="김접근")
    page = new_page({"width": 1280, "height": 900})
    problems = []
    guest_pages = ["/", "/categories/rice-grains/", "/search/?q=현미", product.get_absolute_url(), "/orders/cart/",
                   "/accounts/login/", "/accounts/signup/", "/terms/", "/privacy/", "/campaigns/", "/board/",
                   "/orders/lookup/"]
    for path in guest_pages:
        page.goto(f"{live_server.url}{path}")
        problems += serious(page)
    log_in(page, live_server, buyer.email)
    for path in ("/mypage/", "/orders/", "/orders/addresses/", "/mypage/leave/", "/mypage/export/", "/accounts/me/"):
        page.goto(f"{live_server.url}{path}")
        problems += serious(page)
    assert not problems, "\n".join(problems)


FOCUSED = """() => { const e = document.activeElement; return e ? {id: e.id || '', tag: e.tagName, type: e.type || '',
  name: e.name || '', value: e.value || '', checked: !!e.checked, testid: e.dataset ? (e.dataset.testid || '') : ''} : {}; }"""


def test_checkout_by_keyboard_alone_and_its_pages_pass_axe(live_server, new_page):
    product = ProductFactory(name="홍성 유기농 현미", category=category("rice-grains"))
    buyer = UserFactory(email="keys@example.kr", name="김키보드")
    page = new_page({"width": 1280, "height": 900})
    log_in(page, live_server, buyer.email)
    page.goto(f"{live_server.url}{product.get_absolute_url()}")
    page.get_by_role("button", name="장바구니 담기").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/orders/cart/")
    page.get_by_test_id("checkout-link").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/orders/checkout/")
    problems = serious(page)

    values = {"id_orderer_name": buyer.name, "id_orderer_phone": "010-2222-3333", "id_email": buyer.email,
              "id_recipient_name": buyer.name, "id_recipient_phone": "010-2222-3333", "id_postal_code": "32244",
              "id_address": "충청남도 홍성군 홍성읍 아문길 27"}
    submitted = False
    for _ in range(150):
        page.keyboard.press("Tab")
        el = page.evaluate(FOCUSED)
        if el.get("id") in values and not el.get("value"):
            page.keyboard.type(values[el["id"]])
        elif el.get("type") == "radio" and el.get("name") == "payment_method":
            for _step in range(5):
                if page.evaluate(FOCUSED).get("value") == "bank_transfer":
                    break
                page.keyboard.press("ArrowDown")
            if not page.evaluate(FOCUSED).get("checked"):
                page.keyboard.press("Space")
        elif el.get("type") == "checkbox" and el.get("name", "").startswith("agree") and not el.get("checked"):
            page.keyboard.press("Space")
        elif el.get("testid") == "place-order":
            page.keyboard.press("Enter")
            submitted = True
            break
    assert submitted, "the place-order button was never reached with Tab"
    page.get_by_test_id("order-placed").wait_for()
    problems += serious(page)
    assert not problems, "\n".join(problems)


def test_campaign_page_quote_basket_and_agency_dashboard_pass_axe(live_server, new_page):
    campaign = CampaignFactory(title="추석 판매전", slug="a11y-chuseok")
    CampaignItemFactory(campaign=campaign, product=ProductFactory(name="구기자 한과", category=category("rice-grains")))
    agency = AgencyFactory(name="충청남도 홍성군청")
    buyer = UserFactory(email="buyer@hongseong.go.kr", name="박주무관")
    AgencyMembershipFactory(user=buyer, agency=agency)
    page = new_page({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/campaigns/{campaign.slug}/")
    problems = serious(page)
    log_in(page, live_server, buyer.email)
    for path in ("/procurement/basket/", "/procurement/dashboard/"):
        page.goto(f"{live_server.url}{path}")
        problems += serious(page)
    assert not problems, "\n".join(problems)
