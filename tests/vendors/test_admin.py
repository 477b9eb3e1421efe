"""The operators' review in the admin, and the partner admin's scoping, by URL."""
import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from tests.factories import MembershipFactory, UserFactory, VendorFactory, pdf_upload
from tests.otp import otp_login
from vendors.models import MembershipRole, Vendor, VendorMembership, VendorStatus
from vendors.services import vendor_document_add

pytestmark = pytest.mark.django_db


# --- operator review ------------------------------------------------------------------


def test_review_queue_lists_waiting_applications(client, operator):
    waiting = VendorFactory(status=VendorStatus.SUBMITTED, name="대기기업")
    VendorFactory(status=VendorStatus.APPROVED, name="승인기업")
    otp_login(client, operator)
    html = client.get(reverse("admin:vendors_vendorapplication_changelist")).content.decode()
    assert "대기기업" in html and "승인기업" not in html
    response = client.get(reverse("admin:vendors_vendorapplication_change", args=[waiting.pk]))
    assert response["Location"] == reverse("admin:vendors_vendor_change", args=[waiting.pk])


def test_operator_reviews_with_documents_and_actions(client, operator, django_capture_on_commit_callbacks):
    vendor = VendorFactory(status=VendorStatus.DRAFT)
    owner = MembershipFactory(vendor=vendor).user
    doc = vendor_document_add(vendor_id=vendor.pk, kind="business_registration", upload=pdf_upload(), user=owner)
    Vendor.objects.filter(pk=vendor.pk).update(status=VendorStatus.SUBMITTED)
    otp_login(client, operator)

    page = client.get(reverse("admin:vendors_vendor_change", args=[vendor.pk])).content.decode()
    assert reverse("vendors:document", args=[doc.pk]) in page  # preview of the private document
    assert "빠진 항목" in page and "통장 사본" in page
    start_url = reverse("admin:vendors_vendor_action", args=[vendor.pk, "start_review"])
    assert start_url in page
    assert reverse("admin:vendors_vendor_action", args=[vendor.pk, "approve"]) not in page

    client.post(start_url, {"reason": ""})
    # A reason is required to ask for changes.
    response = client.post(reverse("admin:vendors_vendor_action", args=[vendor.pk, "request_changes"]), {"reason": ""})
    assert response.status_code == 200 and "사유를 입력해 주세요" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:vendors_vendor_action", args=[vendor.pk, "reject"]),
                               {"reason": "충남 소재 기업이 아닙니다."})
    assert response["Location"] == reverse("admin:vendors_vendor_change", args=[vendor.pk])
    vendor.refresh_from_db()
    assert vendor.status == VendorStatus.REJECTED
    assert owner.notifications.filter(title="입점 신청이 반려되었습니다").exists()
    # The applicant sees the reason on the status page.
    client.force_login(owner)
    assert "충남 소재 기업이 아닙니다." in client.get(reverse("vendors:application", args=[vendor.pk])).content.decode()


def test_review_actions_are_for_operators_only(client):
    vendor = VendorFactory(status=VendorStatus.UNDER_REVIEW)
    owner = MembershipFactory(vendor=vendor).user
    client.force_login(owner)
    response = client.post(reverse("admin:vendors_vendor_action", args=[vendor.pk, "approve"]), {"reason": ""})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    vendor.refresh_from_db()
    assert vendor.status == VendorStatus.UNDER_REVIEW


def test_operator_cannot_delete_vendors(client, operator, vendor):
    otp_login(client, operator)
    assert client.get(reverse("admin:vendors_vendor_delete", args=[vendor.pk])).status_code == 403


# --- partner admin scoping ---------------------------------------------------------------


def test_partner_admin_needs_an_approved_vendor(client):
    pending = VendorFactory(status=VendorStatus.SUBMITTED)
    member = MembershipFactory(vendor=pending).user
    client.force_login(member)
    response = client.get(reverse("partner:index"), follow=True)
    assert response.status_code == 403
    assert "입점이 승인된 기업의 구성원만" in response.content.decode()
    client.force_login(UserFactory())
    assert client.get(reverse("partner:index"), follow=True).status_code == 403
    client.logout()
    response = client.get(reverse("partner:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))


def test_partner_sees_only_own_vendor_in_lists(partner_client, vendor, other_vendor, other_owner):
    html = partner_client.get(reverse("partner:vendors_vendor_changelist")).content.decode()
    assert vendor.name in html and other_vendor.name not in html
    html = partner_client.get(reverse("partner:vendors_vendormembership_changelist")).content.decode()
    assert other_owner.email not in html


@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_other_vendors_objects_give_404(partner_client, other_vendor, other_owner, view):
    membership = VendorMembership.objects.get(user=other_owner)
    for model, obj in (("vendor", other_vendor), ("vendormembership", membership)):
        response = partner_client.get(reverse(f"partner:vendors_{model}_{view}", args=[obj.pk]))
        assert response.status_code in (403, 404), (model, view, response.status_code)


def test_other_vendor_cannot_be_changed_by_post(partner_client, other_vendor):
    response = partner_client.post(reverse("partner:vendors_vendor_change", args=[other_vendor.pk]), {"mission": "hacked"})
    assert response.status_code == 404
    other_vendor.refresh_from_db()
    assert other_vendor.mission != "hacked"


def test_autocomplete_offers_only_own_vendors(partner_client, vendor, other_vendor):
    response = partner_client.get(
        reverse("partner:autocomplete"),
        {"app_label": "vendors", "model_name": "vendormembership", "field_name": "vendor", "term": ""},
    )
    assert response.status_code == 200
    ids = {int(r["id"]) for r in response.json()["results"]}
    assert ids == {vendor.pk}


def test_partner_edits_own_profile_but_not_operator_fields(partner_client, vendor):
    url = reverse("partner:vendors_vendor_change", args=[vendor.pk])
    page = partner_client.get(url)
    assert page.status_code == 200
    data = {
        "logo": "", "mission": "새 이야기", "website": "", "phone": "041-000-1111", "email": vendor.email,
        "postal_code": "32244", "address": vendor.address, "address_detail": "", "bank_name": "하나은행",
        "bank_account_number": "111-222", "bank_account_holder": vendor.name,
        "commission_rate": "0", "status": "approved", "name": "바뀐 이름",
        "photos-TOTAL_FORMS": "0", "photos-INITIAL_FORMS": "0", "photos-MIN_NUM_FORMS": "0", "photos-MAX_NUM_FORMS": "1000",
    }
    response = partner_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    vendor.refresh_from_db()
    assert vendor.mission == "새 이야기" and vendor.bank_name == "하나은행"
    assert vendor.name != "바뀐 이름" and vendor.commission_rate != 0
    assert LogEntry.objects.filter(object_id=str(vendor.pk)).exists()


def test_staff_member_does_not_see_the_bank_account(client, vendor):
    staff = MembershipFactory(vendor=vendor, role=MembershipRole.STAFF).user
    client.force_login(staff)
    html = client.get(reverse("partner:vendors_vendor_change", args=[vendor.pk])).content.decode()
    assert vendor.bank_account_number not in html
    assert client.get(reverse("partner:vendors_vendormembership_add")).status_code == 403


def test_owner_adds_a_staff_member_by_email(partner_client, vendor, other_vendor):
    newcomer = UserFactory(email="staff@example.kr")
    url = reverse("partner:vendors_vendormembership_add")
    response = partner_client.post(url, {"vendor": vendor.pk, "email": "staff@example.kr", "role": "staff"})
    assert response.status_code == 302
    assert VendorMembership.objects.filter(user=newcomer, vendor=vendor, role="staff").exists()
    # Not into another vendor, and not an unknown email.
    response = partner_client.post(url, {"vendor": other_vendor.pk, "email": "staff@example.kr", "role": "owner"})
    assert response.status_code == 200
    assert not VendorMembership.objects.filter(user=newcomer, vendor=other_vendor).exists()
    response = partner_client.post(url, {"vendor": vendor.pk, "email": "nobody@example.kr", "role": "staff"})
    assert "가입한 회원이 없습니다" in response.content.decode()


def test_member_of_two_vendors_sees_both(client, vendor, other_vendor):
    user = MembershipFactory(vendor=vendor).user
    MembershipFactory(vendor=other_vendor, user=user, role=MembershipRole.STAFF)
    third = VendorFactory(name="세번째기업")
    client.force_login(user)
    html = client.get(reverse("partner:vendors_vendor_changelist")).content.decode()
    assert vendor.name in html and other_vendor.name in html and third.name not in html


def test_operator_sees_everything_in_partner_admin(client, operator, vendor, other_vendor):
    otp_login(client, operator)
    html = client.get(reverse("partner:vendors_vendor_changelist")).content.decode()
    assert vendor.name in html and other_vendor.name in html


def test_logo_upload_is_checked_and_reencoded(partner_client, vendor):
    from PIL import Image

    from tests.factories import image_bytes, upload

    url = reverse("partner:vendors_vendor_change", args=[vendor.pk])
    base = {
        "mission": "", "website": "", "phone": vendor.phone, "email": vendor.email, "postal_code": vendor.postal_code,
        "address": vendor.address, "address_detail": "", "bank_name": vendor.bank_name,
        "bank_account_number": vendor.bank_account_number, "bank_account_holder": vendor.bank_account_holder,
        "photos-TOTAL_FORMS": "0", "photos-INITIAL_FORMS": "0", "photos-MIN_NUM_FORMS": "0", "photos-MAX_NUM_FORMS": "1000",
    }
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    response = partner_client.post(url, {**base, "logo": upload("logo.jpg", image_bytes("JPEG", exif=exif.tobytes()))})
    assert response.status_code == 302
    vendor.refresh_from_db()
    with vendor.logo.open("rb") as fh, Image.open(fh) as img:
        assert not img.getexif()
    response = partner_client.post(url, {**base, "logo": upload("logo.png", b"GIF89a not allowed")})
    assert response.status_code == 200
