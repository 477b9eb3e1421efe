"""selectors.access.agency_list and the page helpers of views.common that the purchase and needs pages share."""
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404
from django.test import RequestFactory

from procurement.models import AgencyStatus, MembershipStatus
from procurement.selectors.access import agency_ids_for_user, agency_list
from procurement.views.common import chosen_agency, no_agency_response, private_file_response
from tests.factories import UserFactory, pdf_bytes

from .factories import AgencyFactory, AgencyMembershipFactory

pytestmark = pytest.mark.django_db


def test_agency_list_is_the_verified_agencies_of_active_memberships_by_name():
    user = UserFactory()
    b = AgencyMembershipFactory(user=user, agency=AgencyFactory(name="나 기관")).agency
    a = AgencyMembershipFactory(user=user, agency=AgencyFactory(name="가 기관")).agency
    AgencyMembershipFactory(user=user, agency=AgencyFactory(name="다 기관"), status=MembershipStatus.PENDING)
    AgencyMembershipFactory(user=user, agency=AgencyFactory(name="라 기관", status=AgencyStatus.PENDING))
    AgencyMembershipFactory(agency=AgencyFactory(name="마 기관"))  # someone else's
    assert agency_list(user=user) == [a, b]
    assert {x.pk for x in agency_list(user=user)} == agency_ids_for_user(user)


def test_agency_list_of_nobody_is_empty():
    assert agency_list(user=UserFactory()) == []
    assert agency_list(user=AnonymousUser()) == []
    assert agency_list(user=None) == []


def test_chosen_agency_is_the_asked_one_among_the_users_else_the_first():
    first, second = AgencyFactory(), AgencyFactory()
    rf = RequestFactory()
    assert chosen_agency(rf.get("/", {"agency": second.pk}), [first, second]) == second
    assert chosen_agency(rf.post("/", {"agency": second.pk}), [first, second]) == second
    assert chosen_agency(rf.get("/", {"agency": AgencyFactory().pk}), [first, second]) == first
    assert chosen_agency(rf.get("/"), [first, second]) == first
    assert chosen_agency(rf.get("/"), []) is None


def test_no_agency_response_is_403_with_the_join_link():
    request = RequestFactory().get("/procurement/po/")
    request.user = UserFactory()
    response = no_agency_response(request)
    assert response.status_code == 403
    assert "/procurement/agency/join/" in response.content.decode()


def test_private_file_response_takes_the_type_from_the_stored_name():
    # Issue 11: a PDF is handed on only once checked free of active content, so the stored file is a
    # real (clean) PDF here, passed on byte for byte; one that cannot be read is not handed on at all.
    data = pdf_bytes()
    name = default_storage.save("private-test/evidence.pdf", ContentFile(data))
    response = private_file_response(RequestFactory().get("/"), default_storage.open(name), "계약서.exe")
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store" and response["X-Content-Type-Options"] == "nosniff"
    assert "inline" in response["Content-Disposition"] and "pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == data
    response.close()
    unreadable = default_storage.save("private-test/broken.pdf", ContentFile(b"%PDF-1.4 test"))
    with pytest.raises(Http404):
        private_file_response(RequestFactory().get("/"), default_storage.open(unreadable), "계약서.pdf")

    download = private_file_response(RequestFactory().get("/", {"download": "1"}), default_storage.open(name), "")
    assert download["Content-Disposition"].startswith("attachment")
    download.close()
