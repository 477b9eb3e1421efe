"""The application pages, the public profile and the private document view, through the test client."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    MembershipFactory,
    OperatorFactory,
    UserFactory,
    VendorFactory,
    image_bytes,
    pdf_bytes,
    pdf_upload,
    upload,
)
from vendors.models import REQUIRED_DOCUMENTS, DocumentKind, MembershipRole, Vendor, VendorDocument, VendorStatus
from vendors.services import vendor_document_add

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "name": "서천한산모시협동조합",
        "business_number": "1248100998",
        "representative": "박모시",
        "enterprise_type": "social",
        "cert_number": "2019-77",
        "cert_valid_until": (timezone.localdate() + timedelta(days=365)).isoformat(),
        "region": "seocheon",
        "postal_code": "33643",
        "address": "충청남도 서천군 한산면 충절로 1089",
        "address_detail": "모시관 2층",
        "phone": "0419512345",
        "email": "mosi@example.kr",
        "business_type": "제조업",
        "business_item": "모시 생활용품",
        "mission": "한산모시 짜기를 잇는 어르신 일자리",
        "bank_name": "하나은행",
        "bank_account_number": "123-456789-01",
        "bank_account_holder": "서천한산모시협동조합",
    }
    data.update(overrides)
    return data


def document_files(vendor):
    files = {}
    for kind in REQUIRED_DOCUMENTS[vendor.enterprise_type]:
        if kind == DocumentKind.SEAL:
            files[kind] = upload("도장.png", image_bytes("PNG"), "image/png")
        else:
            files[kind] = upload(f"{kind}.pdf", pdf_bytes(), "application/pdf")
    return files


def test_application_pages_need_login(client):
    response = client.get(reverse("vendors:apply"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_full_application_through_the_pages(user_client):
    response = user_client.post(reverse("vendors:apply"), form_data())
    vendor = Vendor.objects.get()
    assert response["Location"] == reverse("vendors:application_documents", args=[vendor.pk])
    assert vendor.business_number == "124-81-00998" and vendor.phone == "041-951-2345"
    assert vendor.status == VendorStatus.DRAFT

    # Save a draft with one document, come back later.
    user_client.post(reverse("vendors:application_documents", args=[vendor.pk]),
                     {"application_form": upload("신청서.pdf", pdf_bytes(), "application/pdf"), "save": "1"})
    assert vendor.documents.count() == 1
    page = user_client.get(reverse("vendors:apply"))  # returns to the draft
    assert page["Location"] == reverse("vendors:application_edit", args=[vendor.pk])

    # Submitting with documents missing is refused with their names; the file sent along is kept.
    response = user_client.post(
        reverse("vendors:application_documents", args=[vendor.pk]),
        {"bank_book": upload("통장.pdf", pdf_bytes(), "application/pdf"), "submit": "1"}, follow=True,
    )
    html = response.content.decode()
    assert "제출할 수 없습니다" in html and "사회적기업 인증서" in html and "사업자등록증" in html
    vendor.refresh_from_db()
    assert vendor.status == VendorStatus.DRAFT
    assert set(vendor.documents.values_list("kind", flat=True)) == {"application_form", "bank_book"}

    response = user_client.post(
        reverse("vendors:application_documents", args=[vendor.pk]), {**document_files(vendor), "submit": "1"}
    )
    assert response["Location"] == reverse("vendors:application", args=[vendor.pk])
    vendor.refresh_from_db()
    assert vendor.status == VendorStatus.SUBMITTED
    detail = user_client.get(reverse("vendors:application", args=[vendor.pk])).content.decode()
    assert "신청 완료" in detail and "작성 중 → 신청 완료" in detail


def test_bad_details_show_korean_errors_and_save_nothing(user_client):
    response = user_client.post(
        reverse("vendors:apply"),
        form_data(business_number="124-81-00999", phone="12", cert_number="", postal_code="1234"),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "사업자등록번호가 올바르지 않습니다" in errors["business_number"][0]
    assert "전화번호" in errors["phone"][0]
    assert "인증(지정) 번호" in errors["cert_number"][0]
    assert "우편번호" in errors["postal_code"][0]
    assert not Vendor.objects.exists()


def test_expired_certificate_cannot_apply(user_client):
    response = user_client.post(reverse("vendors:apply"), form_data(cert_valid_until="2020-01-01"))
    assert "유효기간이 지난 인증" in response.context["form"].errors["cert_valid_until"][0]


def test_one_bad_file_saves_none_of_the_batch(user_client):
    user_client.post(reverse("vendors:apply"), form_data())
    vendor = Vendor.objects.get()
    files = document_files(vendor)
    files[DocumentKind.BANK_BOOK] = upload("통장.pdf", b"MZ not a pdf", "application/pdf")
    response = user_client.post(reverse("vendors:application_documents", args=[vendor.pk]), {**files, "submit": "1"})
    assert response.status_code == 200
    assert "PDF, JPEG, PNG 파일만" in response.context["form"].errors[DocumentKind.BANK_BOOK][0]
    assert vendor.documents.count() == 0
    vendor.refresh_from_db()
    assert vendor.status == VendorStatus.DRAFT


def test_other_users_cannot_see_or_edit_an_application(client, user):
    vendor = VendorFactory(status=VendorStatus.DRAFT)
    MembershipFactory(vendor=vendor)
    client.force_login(user)
    for name in ("vendors:application", "vendors:application_edit", "vendors:application_documents", "vendors:renewal"):
        assert client.get(reverse(name, args=[vendor.pk])).status_code == 404
    response = client.post(reverse("vendors:application_action", args=[vendor.pk, "withdraw"]))
    assert response.status_code == 404
    vendor.refresh_from_db()
    assert vendor.status == VendorStatus.DRAFT


def test_staff_member_sees_but_cannot_edit(client):
    vendor = VendorFactory(status=VendorStatus.DRAFT)
    staff = MembershipFactory(vendor=vendor, role=MembershipRole.STAFF).user
    client.force_login(staff)
    assert client.get(reverse("vendors:application", args=[vendor.pk])).status_code == 200
    assert client.get(reverse("vendors:application_edit", args=[vendor.pk])).status_code == 404


def test_owner_withdraws_from_the_status_page(client):
    vendor = VendorFactory(status=VendorStatus.CHANGES_REQUESTED)
    owner = MembershipFactory(vendor=vendor).user
    client.force_login(owner)
    client.post(reverse("vendors:application_action", args=[vendor.pk, "withdraw"]))
    vendor.refresh_from_db()
    assert vendor.status == VendorStatus.WITHDRAWN


def test_public_profile_only_for_approved_vendors(client):
    approved = VendorFactory(mission="어르신 일자리를 만듭니다")
    pending = VendorFactory(status=VendorStatus.SUBMITTED)
    html = client.get(reverse("catalog:vendor", args=[approved.pk])).content.decode()
    assert approved.name in html and "어르신 일자리" in html
    assert "301-1234" not in html  # the bank account is never public
    assert client.get(reverse("catalog:vendor", args=[pending.pk])).status_code == 404


def test_renewal_page_sends_a_new_certificate(client):
    vendor = VendorFactory(enterprise_type="social", cert_number="2019-1",
                           cert_valid_until=timezone.localdate() - timedelta(days=1), cert_expired=True)
    owner = MembershipFactory(vendor=vendor).user
    client.force_login(owner)
    until = (timezone.localdate() + timedelta(days=900)).isoformat()
    bad = client.post(reverse("vendors:renewal", args=[vendor.pk]),
                      {"cert_number": "2019-1", "valid_until": "2020-01-01", "certificate": pdf_upload()})
    assert "오늘 이후" in bad.context["form"].errors["valid_until"][0]
    ok = client.post(reverse("vendors:renewal", args=[vendor.pk]),
                     {"cert_number": "2019-1", "valid_until": until, "certificate": pdf_upload()})
    assert ok.status_code == 302
    assert vendor.renewals.get().status == "pending"


# --- private documents --------------------------------------------------------------


@pytest.fixture
def documents(vendor, owner):
    docs = []
    for kind in (DocumentKind.BUSINESS_REGISTRATION, DocumentKind.BANK_BOOK, DocumentKind.SEAL, DocumentKind.ENTERPRISE_PROOF):
        data = upload("seal.png", image_bytes("PNG"), "image/png") if kind == DocumentKind.SEAL else pdf_upload()
        vendor.status = VendorStatus.DRAFT
        vendor.save()
        docs.append(vendor_document_add(vendor_id=vendor.pk, kind=kind, upload=data, user=owner))
    vendor.status = VendorStatus.APPROVED
    vendor.save()
    return docs


def test_documents_are_streamed_to_members_and_operators(client, documents, owner):
    staff = MembershipFactory(vendor=documents[0].vendor, role=MembershipRole.STAFF).user
    for who in (owner, staff, OperatorFactory()):
        client.force_login(who)
        for doc in documents:
            response = client.get(reverse("vendors:document", args=[doc.pk]))
            assert response.status_code == 200
            assert response["Content-Type"] == doc.content_type
            assert "no-store" in response["Cache-Control"]
            assert b"".join(response.streaming_content)[:4] in (b"%PDF", b"\x89PNG")


@pytest.mark.parametrize("who", ["anonymous", "consumer", "other_vendor_member", "inactive_owner"])
def test_documents_are_hidden_from_everyone_else(client, documents, owner, other_owner, who):
    if who == "consumer":
        client.force_login(UserFactory())
    elif who == "other_vendor_member":
        client.force_login(other_owner)
    elif who == "inactive_owner":
        owner.is_active = False
        owner.save()
        client.force_login(owner)
    for doc in documents:
        response = client.get(reverse("vendors:document", args=[doc.pk]))
        assert response.status_code in (403, 404), (who, doc.kind)


def test_no_document_is_reachable_under_media_url(client, documents, settings):
    for doc in documents:
        assert client.get(settings.MEDIA_URL + doc.file.name).status_code == 404
    assert VendorDocument.objects.count() == 4


@pytest.mark.local_files  # reads the files on disk
def test_failed_batch_leaves_no_file_behind(user, settings, tmp_path):
    from ddasum.exceptions import DomainError
    from ddasum.uploads import upload_clean
    from vendors.views import _documents_save

    vendor = VendorFactory(status=VendorStatus.DRAFT)
    owner = MembershipFactory(vendor=vendor).user
    uploads = {"business_registration": upload_clean(pdf_upload()), "seal": upload_clean(pdf_upload())}
    with pytest.raises(DomainError):
        _documents_save(vendor=vendor, user=owner, uploads=uploads)
    assert not VendorDocument.objects.exists()
    assert [p for p in (tmp_path / "private").rglob("*") if p.is_file()] == []


@pytest.mark.parametrize("kind", ["village", "coop", "social_coop", "self_sufficiency"])
def test_renewal_is_only_for_certified_types(client, kind):
    vendor = VendorFactory(enterprise_type=kind, cert_number="", cert_valid_until=None)
    owner = MembershipFactory(vendor=vendor).user
    client.force_login(owner)
    url = reverse("vendors:renewal", args=[vendor.pk])
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 404
    assert "인증 유효기간이 없는 기업 유형" in html and "사회적기업과 예비사회적기업만" in html
    assert 'name="certificate"' not in html
    refused = client.post(url, {"cert_number": "2019-1", "certificate": pdf_upload(),
                                "valid_until": (timezone.localdate() + timedelta(days=900)).isoformat()})
    assert refused.status_code == 404 and not vendor.renewals.exists()
    partner = client.get(reverse("partner:index")).content.decode()
    assert url not in partner


def test_renewal_link_and_form_for_a_certified_type(client):
    vendor = VendorFactory(enterprise_type="pre_social", cert_number="2020-3",
                           cert_valid_until=timezone.localdate() + timedelta(days=20))
    client.force_login(MembershipFactory(vendor=vendor).user)
    url = reverse("vendors:renewal", args=[vendor.pk])
    assert url in client.get(reverse("partner:index")).content.decode()
    assert 'name="certificate"' in client.get(url).content.decode()
