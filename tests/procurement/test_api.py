"""The procurement API: tokens, agency requests, vendor answers, bundles, scoping and the schema."""
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from pypdf import PdfReader
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from procurement.models import BundleStatus, QuoteBundle, QuoteRequest, QuoteStatus, RequestStatus, VendorQuote
from tests.factories import PASSWORD, ProductFactory, UserFactory, VendorFactory
from tests.procurement.factories import AgencyFactory, AgencyMembershipFactory

pytestmark = pytest.mark.django_db

BASE = "/api/procurement"


def client_for(user) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def agency():
    return AgencyFactory(name="홍성군청")


@pytest.fixture
def other_buyer():
    return AgencyMembershipFactory(agency=AgencyFactory(name="천안시청")).user


def tomorrow(days=1):
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def request_body(vendor, other_vendor, variant):
    return {
        "title": "하반기 행사 물품", "delivery_place": "홍성군청 본관 1층", "reply_by": tomorrow(5),
        "budget_note": "300만원 이내", "message": "11월 둘째 주 납품 희망",
        "items": [
            {"variant_id": variant.pk, "quantity": 30},
            {"vendor_id": other_vendor.pk, "name": "행사 도시락", "spec": "한식 1인분", "unit": "개", "quantity": 120},
        ],
    }


@pytest.fixture
def variant(vendor):
    product = ProductFactory(vendor=vendor, procurement_eligible=True, name="홍성 유기농 쌀",
                             variants=[{"name": "10kg", "price": 39_000, "stock": 100}])
    return product.variants.get()


def create_request(buyer, vendor, other_vendor, variant) -> dict:
    response = client_for(buyer).post(f"{BASE}/requests/", request_body(vendor, other_vendor, variant), format="json")
    assert response.status_code == 201, response.content
    return response.json()


def submit(owner, number, **overrides):
    quote = VendorQuote.objects.get(number=number)
    item = quote.request.items.get(vendor=quote.vendor)
    body = {"valid_until": tomorrow(30), "delivery_terms": "납품 장소 도착도", "notes": "부가세 포함",
            "lines": [{"request_item_id": item.pk, "quantity": item.quantity, "unit_price": 36_000}], **overrides}
    return client_for(owner).post(f"{BASE}/vendor/quotes/{number}/submit/", body, format="json")


def test_tokens_for_agency_and_vendor_members_only(buyer, owner):
    api = APIClient()
    for person in (buyer, owner):
        response = api.post(f"{BASE}/auth/token/", {"email": person.email, "password": PASSWORD}, format="json")
        assert response.status_code == 200 and response.json()["token"]
    consumer = UserFactory()
    response = api.post(f"{BASE}/auth/token/", {"email": consumer.email, "password": PASSWORD}, format="json")
    assert response.status_code == 403 and not Token.objects.filter(user=consumer).exists()
    assert "공공기관 또는 승인된 입점기업" in response.json()["detail"]


def test_authentication_and_membership_are_required(buyer, owner):
    assert APIClient().get(f"{BASE}/requests/").status_code == 401
    assert APIClient().get(f"{BASE}/vendor/quotes/").status_code == 401
    assert client_for(UserFactory()).get(f"{BASE}/requests/").status_code == 403
    # A vendor member is not an agency, and an agency buyer is not a vendor.
    assert client_for(owner).get(f"{BASE}/requests/").status_code == 403
    denied = client_for(buyer).get(f"{BASE}/vendor/quotes/")
    assert denied.status_code == 403 and "입점기업의 구성원만" in denied.json()["detail"]


def test_request_is_split_per_vendor_and_each_vendor_sees_only_its_part(buyer, owner, other_owner, vendor,
                                                                        other_vendor, variant):
    data = create_request(buyer, vendor, other_vendor, variant)
    assert data["status"] == RequestStatus.OPEN and data["agency"]["name"] == "홍성군청"
    assert {q["vendor"]["id"] for q in data["quotes"]} == {vendor.pk, other_vendor.pk}
    assert all(q["status"] == QuoteStatus.REQUESTED and q["total"] is None for q in data["quotes"])
    assert len(data["items"]) == 2
    request = QuoteRequest.objects.get(number=data["number"])
    assert request.created_by == buyer and request.quotes.count() == 2

    inbox = client_for(owner).get(f"{BASE}/vendor/quotes/").json()
    assert inbox["count"] == 1
    [mine] = inbox["results"]
    assert mine["vendor"]["id"] == vendor.pk and mine["request"]["title"] == "하반기 행사 물품"
    assert [i["name"] for i in mine["items"]] == ["홍성 유기농 쌀"]  # not the other vendor's 도시락
    other_inbox = client_for(other_owner).get(f"{BASE}/vendor/quotes/").json()["results"]
    assert [i["name"] for i in other_inbox[0]["items"]] == ["행사 도시락"]

    listing = client_for(buyer).get(f"{BASE}/requests/").json()
    assert listing["count"] == 1 and listing["results"][0]["quote_count"] == 2
    assert listing["results"][0]["answered_count"] == 0


def test_vendor_submits_and_the_agency_reads_the_quote(buyer, other_buyer, owner, other_owner, vendor, other_vendor,
                                                       variant):
    data = create_request(buyer, vendor, other_vendor, variant)
    number = next(q["number"] for q in data["quotes"] if q["vendor"]["id"] == vendor.pk)

    response = submit(owner, number)
    assert response.status_code == 201, response.content
    quote = response.json()
    assert quote["status"] == QuoteStatus.ANSWERED
    version = quote["current_version"]
    assert version["version"] == 1 and version["total"] == 30 * 36_000
    assert version["lines"][0]["unit_price"] == 36_000 and version["lines"][0]["list_price"] == 39_000
    # Rice is 면세 in the catalog: the whole amount is exempt.
    assert version["exempt_amount"] + version["taxable_supply"] + version["taxable_vat"] == version["total"]

    again = submit(owner, number, lines=[{"request_item_id": quote["items"][0]["id"], "quantity": 30,
                                          "unit_price": 35_000}])
    assert again.status_code == 201
    assert again.json()["current_version"]["version"] == 2 and len(again.json()["versions"]) == 2

    seen = client_for(buyer).get(f"{BASE}/quotes/{number}/")
    assert seen.status_code == 200
    assert seen.json()["current_version"]["total"] == 30 * 35_000
    detail = client_for(buyer).get(f"{BASE}/requests/{data['number']}/").json()
    answered = next(q for q in detail["quotes"] if q["number"] == number)
    assert answered["status"] == QuoteStatus.ANSWERED and answered["total"] == 30 * 35_000
    assert detail["answered_count"] == 1

    # Scoping: another agency, another vendor: 404 (nothing says the quote exists).
    assert client_for(other_buyer).get(f"{BASE}/quotes/{number}/").status_code == 404
    assert client_for(other_buyer).get(f"{BASE}/requests/{data['number']}/").status_code == 404
    assert client_for(other_owner).get(f"{BASE}/quotes/{number}/").status_code == 404
    assert submit(other_owner, number).status_code == 404
    assert client_for(other_owner).post(f"{BASE}/vendor/quotes/{number}/decline/", {"reason": "x"},
                                        format="json").status_code == 404
    assert client_for(buyer).post(f"{BASE}/vendor/quotes/{number}/decline/", {"reason": "x"},
                                  format="json").status_code == 403


def test_vendor_declines_with_a_reason(buyer, owner, other_owner, vendor, other_vendor, variant):
    data = create_request(buyer, vendor, other_vendor, variant)
    number = next(q["number"] for q in data["quotes"] if q["vendor"]["id"] == other_vendor.pk)
    url = f"{BASE}/vendor/quotes/{number}/decline/"
    missing = client_for(other_owner).post(url, {}, format="json")
    assert missing.status_code == 400 and missing.json()["reason"] == ["이 필드는 필수 항목입니다."]
    response = client_for(other_owner).post(url, {"reason": "그 주에는 도시락 120개를 만들 수 없습니다."}, format="json")
    assert response.status_code == 200 and response.json()["status"] == QuoteStatus.DECLINED
    detail = client_for(buyer).get(f"{BASE}/requests/{data['number']}/").json()
    declined = next(q for q in detail["quotes"] if q["number"] == number)
    assert declined["decline_reason"].startswith("그 주에는")


def test_bad_input_gives_field_errors_in_korean(buyer, owner, vendor, other_vendor, variant):
    api = client_for(buyer)
    response = api.post(f"{BASE}/requests/", {"items": []}, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert errors["title"] == ["이 필드는 필수 항목입니다."]
    assert errors["delivery_place"] == ["이 필드는 필수 항목입니다."]
    assert errors["reply_by"] == ["이 필드는 필수 항목입니다."]
    assert "items" in errors

    body = request_body(vendor, other_vendor, variant)
    body["reply_by"] = timezone.localdate().isoformat()
    body["items"][0]["quantity"] = 0
    body["items"][1].pop("name")
    errors = api.post(f"{BASE}/requests/", body, format="json").json()
    assert errors["reply_by"] == ["회신 기한은 내일 이후의 날짜로 정해 주세요."]
    # Each bad item is named by its position in the list.
    assert errors["items"]["0"]["quantity"] == ["이 값이 1보다 크거나 같은지 확인하세요."]
    assert errors["items"]["1"]["name"] == ["맞춤 견적 품목에는 품명이 있어야 합니다."]

    # The service's refusal is a 400 with its message: a vendor that is not selling.
    stopped = VendorFactory(status="suspended")
    body = request_body(vendor, stopped, variant)
    refused = api.post(f"{BASE}/requests/", body, format="json")
    assert refused.status_code == 400 and "견적을 요청할 수 없는 기업" in refused.json()["detail"]
    assert not QuoteRequest.objects.exists()

    # Another agency's id is not one to choose.
    body = request_body(vendor, other_vendor, variant) | {"agency": AgencyFactory().pk}
    errors = api.post(f"{BASE}/requests/", body, format="json").json()
    assert errors["agency"][0].startswith("고를 수 없는 기관입니다")

    data = create_request(buyer, vendor, other_vendor, variant)
    number = next(q["number"] for q in data["quotes"] if q["vendor"]["id"] == vendor.pk)
    response = submit(owner, number, valid_until="2020-01-01", lines=[{"quantity": 1}])
    errors = response.json()
    assert response.status_code == 400
    assert errors["valid_until"] == ["유효기간은 오늘 이후의 날짜로 정해 주세요."]
    assert errors["lines"]["0"]["unit_price"] == ["이 필드는 필수 항목입니다."]
    assert client_for(buyer).get(f"{BASE}/requests/", {"status": "nope"}).status_code == 400
    assert client_for(buyer).get(f"{BASE}/requests/", {"colour": "red"}).status_code == 400


def test_bundle_is_requested_then_downloaded(buyer, other_buyer, owner, vendor, other_vendor, variant,
                                             django_capture_on_commit_callbacks):
    from tests.procurement.docs_helpers import vendor_documents

    vendor_documents(vendor)
    data = create_request(buyer, vendor, other_vendor, variant)
    number = next(q["number"] for q in data["quotes"] if q["vendor"]["id"] == vendor.pk)
    api = client_for(buyer)

    not_asked = api.get(f"{BASE}/quotes/{number}/bundle.pdf")
    assert not_asked.status_code == 404 and "묶음을 아직 요청하지 않았습니다" in not_asked.json()["detail"]
    no_quote_yet = api.post(f"{BASE}/quotes/{number}/bundle/")
    assert no_quote_yet.status_code == 400 and "견적서가 도착하지 않아" in no_quote_yet.json()["detail"]

    with django_capture_on_commit_callbacks(execute=True):
        assert submit(owner, number).status_code == 201
    quote = VendorQuote.objects.get(number=number)
    QuoteBundle.objects.create(quote=quote, status=BundleStatus.PENDING)
    pending = api.get(f"{BASE}/quotes/{number}/bundle.pdf")
    assert pending.status_code == 409 and "만드는 중" in pending.json()["detail"]
    QuoteBundle.objects.filter(quote=quote).delete()

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{BASE}/quotes/{number}/bundle/")
    assert response.status_code == 202, response.content
    state = api.get(f"{BASE}/quotes/{number}/bundle/").json()
    assert state["status"] == BundleStatus.READY and state["current"] is True
    assert state["page_count"] >= 4 and state["pdf_url"].endswith(f"/quotes/{number}/bundle.pdf")

    download = api.get(f"{BASE}/quotes/{number}/bundle.pdf")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(b"".join(download.streaming_content)))
    assert len(pdf.pages) == state["page_count"]

    assert client_for(other_buyer).get(f"{BASE}/quotes/{number}/bundle.pdf").status_code == 404
    assert client_for(other_buyer).post(f"{BASE}/quotes/{number}/bundle/").status_code == 404

    # The vendor revises the quote: the stored bundle is no longer current.
    with django_capture_on_commit_callbacks(execute=True):
        assert submit(owner, number, notes="단가 조정").status_code == 201
    stale = api.get(f"{BASE}/quotes/{number}/bundle.pdf")
    assert stale.status_code == 409 and "다시 요청해 주세요" in stale.json()["detail"]


@pytest.mark.parametrize("size", [2, 30])
def test_lists_run_a_fixed_number_of_queries(buyer, agency, owner, vendor, variant, size,
                                             django_assert_max_num_queries):
    other = VendorFactory()
    for _ in range(size):
        create_request(buyer, vendor, other, variant)
    api, vendor_api = client_for(buyer), client_for(owner)
    # token, memberships, count, page
    with django_assert_max_num_queries(5):
        response = api.get(f"{BASE}/requests/", {"page_size": 100})
    assert response.json()["count"] == size
    # token, memberships (agency + vendor), count, page, items
    with django_assert_max_num_queries(6):
        response = vendor_api.get(f"{BASE}/vendor/quotes/", {"page_size": 100})
    assert response.json()["count"] == size
    assert len(api.get(f"{BASE}/requests/", {"page_size": 1}).json()["results"]) == 1


def test_schema_lists_the_procurement_endpoints(tmp_path):
    schema = APIClient().get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    for path in ("/api/procurement/auth/token/", "/api/procurement/requests/", "/api/procurement/requests/{number}/",
                 "/api/procurement/quotes/{number}/", "/api/procurement/quotes/{number}/bundle/",
                 "/api/procurement/quotes/{number}/bundle.pdf", "/api/procurement/vendor/quotes/",
                 "/api/procurement/vendor/quotes/{number}/submit/", "/api/procurement/vendor/quotes/{number}/decline/"):
        assert path in text, path
    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
