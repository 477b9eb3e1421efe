"""배송지 관리: the member's own address book; another member's entries are out of reach."""
import pytest
from django.urls import reverse

from orders.models import Address
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def entry(user, **extra):
    data = {"recipient": "김받음", "phone": "010-1111-2222", "postal_code": "32244", "address": "홍성읍 아문길 27"}
    data.update(extra)
    return Address.objects.create(user=user, **data)


def test_member_adds_makes_default_and_deletes_addresses(client):
    member = UserFactory()
    client.force_login(member)
    url = reverse("orders:addresses")
    response = client.post(url, {"label": "집", "recipient": "김받음", "phone": "01011112222", "postal_code": "32244",
                                 "address": "홍성읍 아문길 27", "address_detail": "2층"})
    assert response.status_code == 302
    home = Address.objects.get(user=member)
    assert home.is_default and home.phone == "010-1111-2222"
    client.post(url, {"label": "회사", "recipient": "김받음", "phone": "010-3333-4444", "postal_code": "32200",
                      "address": "홍북읍 충남대로 21", "make_default": "on"})
    office = Address.objects.get(user=member, label="회사")
    home.refresh_from_db()
    assert office.is_default and not home.is_default
    client.post(reverse("orders:address_delete"), {"id": office.pk})
    home.refresh_from_db()
    assert not Address.objects.filter(pk=office.pk).exists() and home.is_default
    page = client.get(url).content.decode()
    assert "홍성읍 아문길 27" in page and 'data-testid="address"' in page


def test_errors_are_korean_next_to_the_field(client):
    client.force_login(UserFactory())
    page = client.post(reverse("orders:addresses"), {"recipient": "", "phone": "12", "postal_code": "1",
                                                     "address": "x"}).content.decode()
    assert 'data-field="recipient"' in page and "has-error" in page
    assert not Address.objects.exists()


def test_another_members_address_cannot_be_deleted_or_made_default(client):
    owner, other = UserFactory(), UserFactory()
    theirs = entry(owner, is_default=False)
    client.force_login(other)
    client.post(reverse("orders:address_delete"), {"id": theirs.pk})
    client.post(reverse("orders:address_default"), {"id": theirs.pk})
    theirs.refresh_from_db()
    assert not theirs.is_default
    assert "홍성읍 아문길 27" not in client.get(reverse("orders:addresses")).content.decode()


def test_address_pages_need_sign_in(client):
    response = client.get(reverse("orders:addresses"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert client.get(reverse("orders:address_delete")).status_code in (302, 405)
