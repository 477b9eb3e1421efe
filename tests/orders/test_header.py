"""The header's personal bits for a signed-in user (orders.context_processors): the bell's unread
count, the partner admin link and the cart count, read in one statement and shown right."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Notification
from orders.context_processors import _header_counts
from orders.models import CartLine
from tests.factories import MembershipFactory, OperatorFactory, ProductFactory, UserFactory, VendorFactory
from vendors.models import PARTNER_READ_STATUSES, VendorMembership, VendorStatus

from .helpers import add, html

pytestmark = pytest.mark.django_db


class _Request:
    def __init__(self, user):
        self.user = user


def _orm_counts(user) -> dict:
    """The same three, each by its own ORM rule."""
    return {"unread": user.notifications.unread().count(), "partner": VendorMembership.objects.filter(
                user=user, vendor__status__in=PARTNER_READ_STATUSES).exists(),
            "cart": CartLine.objects.filter(cart__user=user).count()}


@pytest.mark.parametrize("vendor_status", [VendorStatus.APPROVED, VendorStatus.SUSPENDED, VendorStatus.TERMINATED,
                                           VendorStatus.SUBMITTED, VendorStatus.WITHDRAWN, None])
def test_the_one_statement_agrees_with_the_orm_rules(client, vendor_status):
    user, other = UserFactory(), UserFactory()
    for who in (user, other):
        Notification.objects.create(user=who, title="새 알림")
    Notification.objects.create(user=user, title="두 번째")
    Notification.objects.create(user=user, title="읽음", read_at=timezone.now())
    if vendor_status is not None:
        MembershipFactory(user=user, vendor=VendorFactory(status=vendor_status))
    MembershipFactory(user=other)
    client.force_login(user)
    for product in (ProductFactory(), ProductFactory()):
        add(client, product.variants.first())
    other_client = client.__class__()
    other_client.force_login(other)
    add(other_client, ProductFactory().variants.first())
    with CaptureQueriesContext(connection) as queries:
        counts = _header_counts(_Request(user))
    assert len(queries) == 1
    assert counts == _orm_counts(user)
    assert counts["unread"] == 2 and counts["cart"] == 2
    assert counts["partner"] is (vendor_status in (VendorStatus.APPROVED, VendorStatus.SUSPENDED,
                                                   VendorStatus.TERMINATED))


def test_a_storefront_page_shows_the_three_and_reads_them_in_one_statement(client):
    user = UserFactory()
    Notification.objects.create(user=user, title="새 알림")
    MembershipFactory(user=user)
    client.force_login(user)
    add(client, ProductFactory().variants.first())
    client.get("/terms/")
    with CaptureQueriesContext(connection) as queries:
        page = html(client.get("/terms/"))
    header = page.split('class="user-nav"')[1].split("</nav>")[0]
    assert '<span class="badge">1</span>' in header.split('data-testid="notifications"')[1].split("</a>")[0]
    assert "입점기업 관리자" in header
    assert '<span class="badge" data-testid="cart-count">1</span>' in header
    header_reads = [q["sql"] for q in queries.captured_queries if "read_at IS NULL" in q["sql"]]
    assert len(header_reads) == 1


def test_a_shopper_without_any_sees_no_badges_and_no_partner_link_and_an_operator_sees_the_link(client):
    client.force_login(UserFactory())
    header = html(client.get("/terms/")).split('class="user-nav"')[1].split("</nav>")[0]
    assert "badge" not in header and "입점기업 관리자" not in header
    client.force_login(OperatorFactory())
    header = html(client.get("/terms/")).split('class="user-nav"')[1].split("</nav>")[0]
    assert "입점기업 관리자" in header
