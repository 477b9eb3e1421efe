"""Quote pages through the test client: basket, request forms, lists, the quote page, the vendor's answer,
and who may open what (everyone else gets 404; anonymous visitors go to the login page)."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import TaxType
from procurement.models import QuoteBasketLine, QuoteRequest, QuoteStatus, RequestStatus
from procurement.services.quotes import basket_line_set
from tests.factories import OperatorFactory, ProductFactory, UserFactory, VendorFactory, pdf_bytes, pdf_upload
from tests.otp import otp_login

from .factories import AgencyFactory, AgencyMembershipFactory
from .quotes_helpers import answer, buyer_of, eligible_product, request_for, vendor_owner

pytestmark = pytest.mark.django_db


def _day(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


@pytest.fixture
def products():
    rice = eligible_product(VendorFactory(name="홍성쌀협동조합"), price=22_000, tax_type=TaxType.EXEMPT,
                            name="유기농 쌀 10kg")
    soap = eligible_product(VendorFactory(name="비누마을기업"), price=5_500, name="천연 비누 세트")
    return rice.variants.get(), soap.variants.get()


@pytest.fixture
def answered(buyer, agency, products):
    """A request to two vendors; the rice vendor answered twice (v1 at catalog price, v2 with a discount)."""
    rice, soap = products
    request = request_for(buyer, agency, [(rice, 10), (soap, 20)], attachments=[pdf_upload("사양서.pdf")])
    quote = request.quotes.get(vendor=rice.product.vendor)
    owner = vendor_owner(rice.product.vendor)
    answer(quote, owner)
    answer(quote, owner, prices={0: 19_800},
           extra_lines=[{"name": "배송비", "quantity": 1, "unit_price": 33_000, "tax_type": TaxType.TAXABLE}])
    quote.refresh_from_db()
    return {"request": request, "quote": quote, "owner": owner,
            "soap_quote": request.quotes.get(vendor=soap.product.vendor),
            "soap_owner": vendor_owner(soap.product.vendor)}


# --- basket ----------------------------------------------------------------------------------


def test_basket_add_update_and_page(client, buyer, products):
    rice, soap = products
    client.force_login(buyer)
    response = client.post(reverse("procurement:basket_add"), {"variant_id": rice.pk, "quantity": 30})
    assert response.status_code == 302 and response["Location"] == reverse("procurement:basket")
    client.post(reverse("procurement:basket_add"), {"variant_id": soap.pk, "quantity": 5})
    page = client.get(reverse("procurement:basket")).content.decode()
    assert page.count('data-testid="basket-group"') == 2
    assert "660,000원" in page and "27,500원" in page  # 22,000 × 30, 5,500 × 5
    client.post(reverse("procurement:basket_update"), {"variant_id": soap.pk, "quantity": 0})
    assert list(QuoteBasketLine.objects.values_list("variant_id", "quantity")) == [(rice.pk, 30)]
    response = client.post(reverse("procurement:basket_update"), {"variant_id": rice.pk, "quantity": "abc"},
                           follow=True)
    assert "수량은 숫자로 입력해 주세요" in response.content.decode()


def test_basket_refuses_plain_products_with_a_message(client, buyer):
    plain = ProductFactory()
    client.force_login(buyer)
    response = client.post(reverse("procurement:basket_add"), {"variant_id": plain.variants.get().pk, "quantity": 1},
                           follow=True)
    assert "공공구매 견적을 받을 수 없는 상품" in response.content.decode()
    assert not QuoteBasketLine.objects.exists()


def test_unverified_buyer_is_shown_the_way(client, products):
    pending = AgencyMembershipFactory(status="pending").user
    client.force_login(pending)
    response = client.get(reverse("procurement:basket"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("procurement:agency_pending")
    assert "기관 구성원 확인이 끝나면 견적을 요청할 수 있습니다" in response.content.decode()
    response = client.post(reverse("procurement:basket_add"), {"variant_id": products[0].pk, "quantity": 1},
                           follow=True)
    assert "확인이 끝나면" in response.content.decode()
    client.force_login(UserFactory())
    response = client.get(reverse("procurement:request_new"))
    assert response["Location"] == reverse("procurement:agency_join")


# --- request forms ---------------------------------------------------------------------------


def _request_post(**overrides):
    data = {"form_key": "k1", "title": "상반기 구매", "delivery_place": "충남도청 본관", "reply_by": _day(7),
            "wanted_delivery_date": _day(20), "budget_note": "100만원", "message": "포장은 간단히"}
    data.update(overrides)
    return data


def test_request_from_basket_page(client, buyer, agency, products, django_capture_on_commit_callbacks):
    rice, soap = products
    basket_line_set(user=buyer, variant_id=rice.pk, quantity=10)
    basket_line_set(user=buyer, variant_id=soap.pk, quantity=20)
    client.force_login(buyer)
    page = client.get(reverse("procurement:request_new")).content.decode()
    assert "2개 기업에 나누어 요청합니다" in page and 'name="agency"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("procurement:request_new"),
                               {**_request_post(agency=agency.pk), "attachments": [pdf_upload("사양.pdf")]})
    request = QuoteRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == request.get_absolute_url()
    assert request.quotes.count() == 2 and request.attachments.count() == 1
    assert not QuoteBasketLine.objects.exists()
    # A double submit of the same form opens the first request instead of a second one.
    response = client.post(reverse("procurement:request_new"), _request_post(agency=agency.pk))
    assert response["Location"] == request.get_absolute_url()
    assert QuoteRequest.objects.count() == 1
    page = client.get(request.get_absolute_url(), follow=True).content.decode()
    assert "2개 기업에 견적을 요청했습니다" in page and "사양.pdf" in page


def test_request_form_errors_are_korean_and_keep_input(client, buyer, agency, products):
    basket_line_set(user=buyer, variant_id=products[0].pk, quantity=3)
    client.force_login(buyer)
    response = client.post(reverse("procurement:request_new"), _request_post(
        agency=agency.pk, reply_by=_day(0), wanted_delivery_date=_day(-2), delivery_place="",
        attachments=[pdf_upload() for _ in range(6)]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "회신 기한은 내일 이후의 날짜로 정해 주세요" in page
    assert "희망 납기일이 이미 지났습니다" in page
    assert "납품 장소를 입력해 주세요" in page
    assert "첨부 파일은 5개까지" in page
    assert 'value="상반기 구매"' in page and "포장은 간단히" in page
    assert not QuoteRequest.objects.exists()
    assert QuoteBasketLine.objects.count() == 1


def test_request_for_an_agency_not_mine_is_refused(client, buyer, products):
    basket_line_set(user=buyer, variant_id=products[0].pk, quantity=3)
    client.force_login(buyer)
    response = client.post(reverse("procurement:request_new"), _request_post(agency=AgencyFactory().pk))
    assert response.status_code == 200 and not QuoteRequest.objects.exists()


def test_custom_request_page(client, buyer, agency, django_capture_on_commit_callbacks):
    vendor = VendorFactory(name="행복도시락")
    owner = vendor_owner(vendor)
    url = reverse("procurement:request_custom_new") + f"?vendor={vendor.pk}"
    client.force_login(buyer)
    page = client.get(url).content.decode()
    assert "행복도시락" in page and "items-TOTAL_FORMS" in page
    empty_rows = {"items-TOTAL_FORMS": "5", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "0",
                  "items-MAX_NUM_FORMS": "30", **{f"items-{i}-unit": "개" for i in range(5)}}
    response = client.post(url, {**_request_post(agency=agency.pk), **empty_rows})
    assert "요청할 품목을 하나 이상 입력해 주세요" in response.content.decode()
    rows = {**empty_rows, "items-0-name": "행사 도시락", "items-0-spec": "한식", "items-0-quantity": "150",
            "items-1-name": "생수", "items-1-quantity": "", "items-1-unit": "병"}
    response = client.post(url, {**_request_post(agency=agency.pk), **rows})
    page = response.content.decode()
    assert "수량을 입력해 주세요" in page and 'value="행사 도시락"' in page
    rows["items-1-quantity"] = "150"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {**_request_post(agency=agency.pk), **rows})
    request = QuoteRequest.objects.get()
    assert response["Location"] == request.get_absolute_url()
    assert list(request.items.values_list("name", "unit", "quantity")) == [("행사 도시락", "개", 150), ("생수", "병", 150)]
    assert request.quotes.get().vendor == vendor
    assert owner.notifications.filter(key__startswith="quote-new:").count() == 1
    assert client.get(reverse("procurement:request_custom_new") + "?vendor=999999").status_code == 404


# --- lists and detail pages --------------------------------------------------------------


def test_request_list_and_detail(client, buyer, answered):
    client.force_login(buyer)
    page = client.get(reverse("procurement:request_list")).content.decode()
    assert answered["request"].number in page and "홍성쌀협동조합" in page and "견적 도착" in page
    page = client.get(reverse("procurement:request_list") + "?status=cancelled").content.decode()
    assert answered["request"].number not in page
    page = client.get(answered["request"].get_absolute_url()).content.decode()
    assert page.count('data-testid="request-quote"') == 2
    assert f'{answered["quote"].current_version.total:,}원' in page
    assert 'data-testid="request-cancel"' in page


def test_quote_page_for_the_agency(client, buyer, answered):
    quote = answered["quote"]
    client.force_login(buyer)
    page = client.get(quote.get_absolute_url()).content.decode()
    version = quote.current_version
    # 쌀 19,800 × 10 면세, 배송비 33,000 과세 (30,000 + 3,000)
    assert (version.exempt_amount, version.taxable_supply, version.taxable_vat, version.total) == (
        198_000, 30_000, 3_000, 231_000)
    assert "198,000원" in page and "30,000원" in page and "3,000원" in page and "231,000원" in page
    assert "금 이십삼만일천원정" in page
    assert "정가 대비 10% 할인" in page
    assert 'data-testid="accept-form"' in page and reverse("procurement:quote_accept", args=[quote.number]) in page
    assert page.count('data-testid="earlier-version"') == 1
    assert reverse("procurement:quote_pdf", args=[version.pk]) in page
    assert 'data-testid="answer-link"' not in page


def test_accept_from_the_quote_page(client, buyer, answered, django_capture_on_commit_callbacks):
    quote = answered["quote"]
    client.force_login(buyer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("procurement:quote_accept", args=[quote.number]))
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.ACCEPTED
    page = client.get(quote.get_absolute_url()).content.decode()
    assert 'data-testid="accept-form"' not in page and "채택" in page
    client.force_login(answered["owner"])
    page = client.get(quote.get_absolute_url()).content.decode()
    assert 'data-testid="answer-link"' not in page
    assert 'data-testid="not-answerable"' in client.get(
        reverse("procurement:quote_answer", args=[quote.number])).content.decode()


def test_quote_page_expired_offers_no_accept(client, buyer, answered):
    quote = answered["quote"]
    type(quote.current_version).objects.filter(pk=quote.current_version_id).update(
        valid_until=timezone.localdate() - timedelta(days=1))
    client.force_login(buyer)
    page = client.get(quote.get_absolute_url()).content.decode()
    assert 'data-testid="expired"' in page and 'data-testid="accept-form"' not in page


def test_quote_page_for_the_vendor_and_operator(client, answered):
    client.force_login(answered["owner"])
    page = client.get(answered["quote"].get_absolute_url()).content.decode()
    assert 'data-testid="answer-link"' in page and 'data-testid="accept-form"' not in page
    otp_login(client, OperatorFactory())
    page = client.get(answered["quote"].get_absolute_url()).content.decode()
    assert 'data-testid="message-form"' not in page and "231,000원" in page


def test_vendor_inbox_lists_only_its_quotes(client, answered):
    client.force_login(answered["soap_owner"])
    page = client.get(reverse("procurement:vendor_quote_list")).content.decode()
    assert answered["soap_quote"].number in page and answered["quote"].number not in page
    assert "답을 기다리는 견적요청이 1건" in page
    page = client.get(reverse("procurement:vendor_quote_list") + "?status=answered").content.decode()
    assert answered["soap_quote"].number not in page
    client.force_login(buyer_of())
    assert client.get(reverse("procurement:vendor_quote_list")).status_code == 403


# --- the answer page -------------------------------------------------------------------------


def _answer_post(page_rows, **overrides):
    data = {"lines-TOTAL_FORMS": str(len(page_rows)), "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "100", "valid_until": _day(30), "delivery_terms": "발주 후 7일", "notes": ""}
    for i, row in enumerate(page_rows):
        for key, value in row.items():
            data[f"lines-{i}-{key}"] = value
    data.update(overrides)
    return data


def test_answer_page_defaults_to_catalog_price_and_submits(client, answered, django_capture_on_commit_callbacks):
    quote, owner = answered["soap_quote"], answered["soap_owner"]
    item = quote.request.items.get(vendor=quote.vendor)
    url = reverse("procurement:quote_answer", args=[quote.number])
    client.force_login(owner)
    page = client.get(url).content.decode()
    assert 'value="5500"' in page and 'value="taxable" selected' in page and 'value="20"' in page
    assert f'value="{_day(30)}"' in page
    rows = [{"request_item_id": item.pk, "variant_id": item.variant_id, "name": item.name, "quantity": 20,
             "unit_price": 5000, "tax_type": "taxable"},
            {"name": "", "quantity": "", "unit_price": "", "tax_type": "taxable"}]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, _answer_post(rows))
    assert response.status_code == 302 and response["Location"] == quote.get_absolute_url()
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.ANSWERED and quote.current_version.total == 100_000
    line = quote.current_version.lines.get()
    assert (line.list_price, line.unit_price) == (5500, 5000)
    # The revision page starts from the current version.
    page = client.get(url).content.decode()
    assert 'value="5000"' in page and "정가 대비 9.1% 할인" in page and "발주 후 7일" in page


def test_answer_page_errors_keep_everything(client, answered):
    quote, owner = answered["soap_quote"], answered["soap_owner"]
    item = quote.request.items.get(vendor=quote.vendor)
    client.force_login(owner)
    rows = [{"request_item_id": item.pk, "name": item.name, "quantity": 20, "unit_price": "", "tax_type": "taxable"},
            {"name": "설치비", "quantity": "1", "unit_price": "-5", "tax_type": "taxable"}]
    response = client.post(reverse("procurement:quote_answer", args=[quote.number]),
                           _answer_post(rows, valid_until=_day(-1), delivery_terms="하차 포함"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "단가를 입력해 주세요" in page
    assert "단가는 0원 이상이어야 합니다" in page
    assert "유효기간은 오늘 이후의 날짜로 정해 주세요" in page
    assert 'value="설치비"' in page and "하차 포함" in page
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.REQUESTED


def test_answer_page_all_lines_excluded(client, answered):
    quote, owner = answered["soap_quote"], answered["soap_owner"]
    item = quote.request.items.get(vendor=quote.vendor)
    client.force_login(owner)
    rows = [{"request_item_id": item.pk, "name": item.name, "quantity": 20, "unit_price": 5000,
             "tax_type": "taxable", "DELETE": "on"}]
    response = client.post(reverse("procurement:quote_answer", args=[quote.number]), _answer_post(rows))
    assert "견적 품목을 하나 이상 남겨 주세요" in response.content.decode()


def test_decline_page(client, answered, django_capture_on_commit_callbacks):
    quote, owner = answered["soap_quote"], answered["soap_owner"]
    client.force_login(owner)
    url = reverse("procurement:quote_decline", args=[quote.number])
    response = client.post(url, {"reason": ""}, follow=True)
    assert "견적을 낼 수 없는 사유를 적어 주세요" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "재고 부족"})
    assert response["Location"] == quote.get_absolute_url()
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.DECLINED
    client.force_login(answered["request"].created_by)
    assert "재고 부족" in client.get(quote.get_absolute_url()).content.decode()


def test_closed_request_shows_no_answer_form(client, answered):
    from procurement.services.quotes import quote_request_cancel

    quote_request_cancel(request_id=answered["request"].pk, actor=answered["request"].created_by)
    client.force_login(answered["soap_owner"])
    url = reverse("procurement:quote_answer", args=[answered["soap_quote"].number])
    assert 'data-testid="not-answerable"' in client.get(url).content.decode()
    response = client.post(url, _answer_post([]), follow=True)
    assert "지금 고칠 수 없습니다" in response.content.decode()


def test_request_cancel_page(client, buyer, answered):
    client.force_login(buyer)
    response = client.post(reverse("procurement:request_cancel", args=[answered["request"].number]), follow=True)
    assert "견적요청을 취소했습니다" in response.content.decode()
    answered["request"].refresh_from_db()
    assert answered["request"].status == RequestStatus.CANCELLED


# --- who may open what -----------------------------------------------------------------------


def _urls(answered):
    quote, request = answered["quote"], answered["request"]
    from procurement.services.quotes import quote_message_post

    message = quote_message_post(quote_id=quote.pk, actor=answered["owner"], body="첨부", attachment=pdf_upload())
    attachment = request.attachments.get()
    gets = [quote.get_absolute_url(), reverse("procurement:quote_answer", args=[quote.number]),
            request.get_absolute_url(), reverse("procurement:message_attachment", args=[message.pk]),
            reverse("procurement:request_attachment", args=[attachment.pk])]
    posts = [(reverse("procurement:quote_message_post", args=[quote.number]), {"body": "끼어들기"}),
             (reverse("procurement:quote_answer", args=[quote.number]), _answer_post([])),
             (reverse("procurement:quote_decline", args=[quote.number]), {"reason": "x"}),
             (reverse("procurement:request_cancel", args=[request.number]), {})]
    return gets, posts


@pytest.mark.parametrize("who", ["other_agency", "other_vendor"])
def test_outsiders_get_404_everywhere(client, answered, who):
    gets, posts = _urls(answered)
    outsider = buyer_of() if who == "other_agency" else vendor_owner(VendorFactory())
    client.force_login(outsider)
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    answered["quote"].refresh_from_db()
    answered["request"].refresh_from_db()
    assert answered["quote"].messages.count() == 1 and answered["quote"].current_version.version == 2
    assert answered["request"].status == RequestStatus.OPEN


def test_each_side_only_where_it_belongs(client, answered):
    """The agency cannot answer; the vendor cannot read the whole request nor cancel it; the other vendor
    of the same request cannot read this vendor's quote."""
    quote, request = answered["quote"], answered["request"]
    client.force_login(request.created_by)
    assert client.get(reverse("procurement:quote_answer", args=[quote.number])).status_code == 404
    client.force_login(answered["owner"])
    assert client.get(request.get_absolute_url()).status_code == 404
    assert client.post(reverse("procurement:request_cancel", args=[request.number])).status_code == 404
    attachment = request.attachments.get()
    response = client.get(reverse("procurement:request_attachment", args=[attachment.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == pdf_bytes()
    client.force_login(answered["soap_owner"])
    assert client.get(quote.get_absolute_url()).status_code == 404


def test_anonymous_goes_to_login(client, answered):
    gets, posts = _urls(answered)
    login = reverse("accounts:login")
    for url in gets + [reverse(n) for n in ("procurement:basket", "procurement:request_list",
                                            "procurement:request_new", "procurement:vendor_quote_list")]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(login), url
    for url, data in posts + [(reverse("procurement:basket_add"), {"variant_id": 1, "quantity": 1})]:
        response = client.post(url, data)
        assert response.status_code == 302 and response["Location"].startswith(login), url


def test_partner_admin_lists_only_its_quotes(client, answered):
    client.force_login(answered["owner"])
    page = client.get(reverse("partner:procurement_vendorquote_changelist")).content.decode()
    assert answered["quote"].number in page and answered["soap_quote"].number not in page
    assert reverse("procurement:quote_answer", args=[answered["quote"].number]) in page
    other = client.get(reverse("partner:procurement_vendorquote_change", args=[answered["soap_quote"].pk]))
    assert other.status_code == 404
    otp_login(client, OperatorFactory())
    response = client.get(reverse("admin:procurement_vendorquote_change", args=[answered["quote"].pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert answered["quote"].number in page and "견적서" in page  # with its versions inline
    assert client.get(reverse("admin:procurement_quoterequest_changelist")).status_code == 200


# --- a fixed number of queries -----------------------------------------------------------


@pytest.mark.parametrize("name", ["procurement:request_list", "procurement:vendor_quote_list"])
def test_lists_run_a_fixed_number_of_queries(client, buyer, agency, name, django_assert_max_num_queries):
    products = [eligible_product(VendorFactory()) for _ in range(3)]
    owner = vendor_owner(products[0].vendor)
    for product in products[1:]:
        vendor_owner(product.vendor)
    viewer = buyer if name == "procurement:request_list" else owner
    client.force_login(viewer)
    client.get(reverse(name))  # the session's first save is not the page's cost

    def count(n_more):
        for _ in range(n_more):
            request = request_for(buyer, agency, [(p.variants.get(), 3) for p in products])
            answer(request.quotes.get(vendor=products[0].vendor), owner)
        with django_assert_max_num_queries(20) as captured:
            assert client.get(reverse(name)).status_code == 200
        return len(captured)

    few = count(2)
    many = count(10)
    assert few == many


def test_basket_page_queries_do_not_grow(client, buyer, django_assert_max_num_queries):
    client.force_login(buyer)
    client.get(reverse("procurement:basket"))

    def count(n_more):
        for _ in range(n_more):
            basket_line_set(user=buyer, variant_id=eligible_product().variants.get().pk, quantity=2)
        with django_assert_max_num_queries(15) as captured:
            assert client.get(reverse("procurement:basket")).status_code == 200
        return len(captured)

    assert count(2) == count(10)


def test_home_links_to_the_other_parts(client, buyer):
    client.force_login(buyer)
    page = client.get(reverse("procurement:home")).content.decode()
    assert reverse("procurement:request_list") in page
    assert reverse_or_blank("procurement:need_list") in page


def reverse_or_blank(name):
    from django.urls import NoReverseMatch

    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def test_request_list_needs_a_verified_membership(client):
    client.force_login(AgencyMembershipFactory(status="pending").user)
    assert client.get(reverse("procurement:request_list"))["Location"] == reverse("procurement:agency_pending")
