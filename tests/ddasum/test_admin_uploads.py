"""ddasum.admin_uploads: the stash of a previewed upload and the confirm step every upload screen shares."""
import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.cache import SessionStore
from django.http import HttpResponse
from django.test import RequestFactory

from ddasum.admin_uploads import UploadPreviewMixin
from ddasum.exceptions import DomainError
from orders.models import TaxInvoiceRequest
from tests.factories import OperatorFactory, UserFactory
from vendors.admin_site import partner_admin_site

pytestmark = pytest.mark.django_db


class Refused(DomainError):
    pass


@pytest.fixture
def operator_admin():
    model_admin = admin.site._registry[TaxInvoiceRequest]
    assert isinstance(model_admin, UploadPreviewMixin)
    return model_admin


def make_request(user, method="post", data=None):
    request = getattr(RequestFactory(), method)("/", data or {})
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def texts(request) -> list[str]:
    return [str(m) for m in get_messages(request)]


def test_the_stash_is_the_users_and_is_taken_once(operator_admin):
    operator, other = OperatorFactory(), OperatorFactory()
    token = operator_admin.upload_stash(make_request(operator), data=b"a,b", name="x.csv")
    assert operator_admin.upload_take(make_request(other, data={"token": token})) is None
    assert operator_admin.upload_take(make_request(operator, data={"token": "forged"})) is None
    assert operator_admin.upload_take(make_request(operator, data={"token": token})) == {"data": b"a,b", "name": "x.csv"}
    assert operator_admin.upload_take(make_request(operator, data={"token": token})) is None


def test_the_stash_belongs_to_one_admin_site(operator_admin):
    user = UserFactory(is_staff=True)
    token = operator_admin.upload_stash(make_request(user), data=b"x")
    partner_admin = partner_admin_site._registry[TaxInvoiceRequest]
    assert partner_admin.upload_take(make_request(user, data={"token": token})) is None
    assert operator_admin.upload_take(make_request(user, data={"token": token})) == {"data": b"x"}


def test_context_has_the_three_urls(operator_admin):
    context = operator_admin.upload_context(make_request(OperatorFactory(), "get"), title="t")
    assert context["upload_url"] == "/admin/orders/taxinvoicerequest/approvals/"
    assert context["confirm_url"] == "/admin/orders/taxinvoicerequest/approvals/confirm/"
    assert context["changelist_url"] == "/admin/orders/taxinvoicerequest/" and context["title"] == "t"


def confirm(model_admin, request, apply):
    return model_admin.upload_confirm(request, apply=apply, refused=Refused,
                                      on_refused=lambda exc, stored: HttpResponse(f"refused {stored['name']}"))


def test_confirm_applies_the_stashed_upload_once(operator_admin):
    operator = OperatorFactory()
    token = operator_admin.upload_stash(make_request(operator), data=b"rows", name="x.csv")
    applied = []

    def apply(stored):
        applied.append(stored["data"])
        return HttpResponse("done")

    assert confirm(operator_admin, make_request(operator, data={"token": token}), apply).content == b"done"
    again = make_request(operator, data={"token": token})
    response = confirm(operator_admin, again, apply)
    assert response.status_code == 302 and response["Location"] == "/admin/orders/taxinvoicerequest/approvals/"
    assert texts(again) == ["미리보기가 만료되었습니다. 파일을 다시 올려 주세요."]
    assert applied == [b"rows"]


def test_confirm_by_get_goes_back_to_the_upload_page(operator_admin):
    response = confirm(operator_admin, make_request(OperatorFactory(), "get"), lambda stored: HttpResponse())
    assert response.status_code == 302 and response["Location"].endswith("/approvals/")


def test_confirm_maps_refusals_and_domain_errors(operator_admin):
    operator = OperatorFactory()

    def refused(stored):
        raise Refused("rows changed")

    def failing(stored):
        raise DomainError("권한이 없습니다.")

    token = operator_admin.upload_stash(make_request(operator), data=b"", name="x.csv")
    assert confirm(operator_admin, make_request(operator, data={"token": token}), refused).content == b"refused x.csv"
    token = operator_admin.upload_stash(make_request(operator), data=b"", name="x.csv")
    request = make_request(operator, data={"token": token})
    response = confirm(operator_admin, request, failing)
    assert response.status_code == 302 and texts(request) == ["권한이 없습니다."]
    assert operator_admin.upload_take(make_request(operator, data={"token": token})) is None
