"""Outgoing webhooks against a local HTTP server: signature, retries with backoff after a 500, the log,
the sweeper's catch-up, replay from the partner admin, events from orders and quotes, private addresses."""
import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.services.actions import vendor_order_cancel, vendor_order_return_request
from tests.factories import MembershipFactory, ProductFactory, UserFactory, place_order
from tests.orders.helpers import put
from tests.procurement.factories import AgencyFactory
from tests.procurement.quotes_helpers import buyer_of, eligible_product, request_for
from vendors.api_keys import api_key_create
from vendors.exceptions import NotAllowed, VendorError
from vendors.models import DeliveryStatus, MembershipRole, WebhookAttempt, WebhookDelivery, WebhookEvent
from vendors.webhooks import (
    webhook_deliver,
    webhook_deliveries_due,
    webhook_delivery_replay,
    webhook_endpoint_create,
    webhook_event,
    webhook_url_check,
)

pytestmark = pytest.mark.django_db

ALL_EVENTS = list(WebhookEvent.values)


class Receiver:
    """A local endpoint: records each request, answers with the next of `answers` (then 200)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[tuple[int, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body, "path": self.path})
                code, text = receiver.answers.pop(0) if receiver.answers else (200, "ok")
                self.send_response(code)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(text.encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/ddasum"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 5
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def endpoint(receiver, vendor, owner):
    return webhook_endpoint_create(vendor_id=vendor.pk, url=receiver.url, events=ALL_EVENTS, actor=owner)


@pytest.fixture
def variant(vendor):
    return ProductFactory(vendor=vendor, variants=[{"name": "5kg", "price": 25000, "stock": 100}]).variants.get()


def verify(secret: str, request: dict) -> dict:
    """What a receiver does: recompute the signature over "<t>." + body and compare in constant time."""
    parts = dict(p.split("=", 1) for p in request["headers"]["Ddasum-Signature"].split(","))
    timestamp = int(parts["t"])
    assert abs(time.time() - timestamp) < 60
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + request["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, parts["v1"])
    return json.loads(request["body"])


def test_a_paid_order_is_sent_signed_and_logged(receiver, endpoint, variant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(items=[(variant, 2)], buyer=UserFactory(), paid=True)
    vendor_order = order.vendor_orders.get()
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    body = verify(endpoint.secret, request)
    assert body["event"] == "order.paid" and request["headers"]["Ddasum-Event"] == "order.paid"
    assert body["data"]["vendor_order"] == vendor_order.number and body["data"]["order"] == order.number
    assert body["data"]["paid_total"] == vendor_order.paid_total
    assert "recipient" not in json.dumps(body) and "김구매" not in request["body"].decode()
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert str(delivery.pk) == request["headers"]["Ddasum-Delivery"] == str(body["id"])
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.SUCCEEDED, 1, 200)
    attempt = delivery.attempt_log.get()
    assert (attempt.status_code, attempt.response_excerpt, attempt.error) == (200, "ok", "")
    # A wrong secret does not verify.
    with pytest.raises(AssertionError):
        verify("whsec_wrong", request)


def test_a_500_is_retried_with_growing_waits_and_every_try_is_logged(receiver, endpoint, variant, settings,
                                                                     django_capture_on_commit_callbacks):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 60
    receiver.answers = [(500, "boom: database down"), (503, "still down")]
    with django_capture_on_commit_callbacks(execute=True):
        place_order(items=[(variant, 1)], buyer=UserFactory(), paid=True)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.PENDING, 1, 500)
    wait = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=55) < wait <= timedelta(seconds=60)
    assert webhook_deliveries_due() == 0  # not due yet
    assert len(receiver.requests) == 1

    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert webhook_deliveries_due() == 1
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status_code) == (2, 503)
    assert timedelta(seconds=115) < delivery.next_attempt_at - timezone.now() <= timedelta(seconds=120)

    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    webhook_deliveries_due()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (DeliveryStatus.SUCCEEDED, 3, None)
    log = list(delivery.attempt_log.order_by("pk").values_list("status_code", "response_excerpt"))
    assert log == [(500, "boom: database down"), (503, "still down"), (200, "ok")]
    # The same body every time (a receiver may dedupe on it), a fresh signature each time.
    bodies = {r["body"] for r in receiver.requests}
    assert len(bodies) == 1 and len(receiver.requests) == 3
    for request in receiver.requests:
        verify(endpoint.secret, request)


def test_it_gives_up_after_the_last_attempt_and_an_unreachable_endpoint_is_logged(receiver, endpoint, vendor,
                                                                                  settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    receiver.answers = [(500, "no")] * 5
    [delivery] = webhook_event(vendor_id=vendor.pk, event=WebhookEvent.ORDER_PAID, subject="vendor_order:1",
                               data={"n": 1})
    webhook_deliver(delivery_id=delivery.pk)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    webhook_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (DeliveryStatus.FAILED, 2, None)
    assert webhook_deliver(delivery_id=delivery.pk) is None

    endpoint.url = "http://127.0.0.1:9/closed"
    endpoint.save(update_fields=["url"])
    [other] = webhook_event(vendor_id=vendor.pk, event=WebhookEvent.ORDER_PAID, subject="vendor_order:2", data={})
    attempt = webhook_deliver(delivery_id=other.pk)
    assert attempt.status_code is None and attempt.error


def test_the_sweep_sends_what_the_queue_lost_and_retries_when_due(receiver, endpoint, vendor):
    """Beat catch-up: a delivery committed but never sent (the worker died) goes out on the next run, once."""
    [lost] = webhook_event(vendor_id=vendor.pk, event=WebhookEvent.ORDER_CANCELLED, subject="vendor_order:7",
                           data={"vendor_order": "x"})
    assert receiver.requests == []
    assert webhook_deliveries_due() == 1
    assert webhook_deliveries_due() == 0
    assert len(receiver.requests) == 1
    lost.refresh_from_db()
    assert lost.status == DeliveryStatus.SUCCEEDED
    # A claimed delivery (another worker is sending it) is left alone.
    [held] = webhook_event(vendor_id=vendor.pk, event=WebhookEvent.ORDER_CANCELLED, subject="vendor_order:8",
                           data={})
    WebhookDelivery.objects.filter(pk=held.pk).update(next_attempt_at=timezone.now() + timedelta(seconds=100))
    assert webhook_deliveries_due() == 0


def test_each_event_is_queued_once_per_endpoint_and_only_for_endpoints_that_want_it(receiver, vendor, owner,
                                                                                      other_vendor):
    paid_only = webhook_endpoint_create(vendor_id=vendor.pk, url=receiver.url, events=[WebhookEvent.ORDER_PAID],
                                        actor=owner)
    assert len(webhook_event(vendor_id=vendor.pk, event=WebhookEvent.ORDER_PAID, subject="vendor_order:1",
                             data={})) == 1
    assert webhook_event(vendor_id=vendor.pk, event=WebhookEvent.ORDER_PAID, subject="vendor_order:1", data={}) == []
    assert webhook_event(vendor_id=vendor.pk, event=WebhookEvent.ORDER_CANCELLED, subject="vendor_order:1",
                         data={}) == []
    assert webhook_event(vendor_id=other_vendor.pk, event=WebhookEvent.ORDER_PAID, subject="vendor_order:1",
                         data={}) == []
    paid_only.is_active = False
    paid_only.save(update_fields=["is_active"])
    assert webhook_event(vendor_id=vendor.pk, event=WebhookEvent.ORDER_PAID, subject="vendor_order:2", data={}) == []


def test_cancellations_returns_and_quote_requests_reach_the_endpoint(receiver, endpoint, vendor, owner, variant,
                                                                     monkeypatch):
    monkeypatch.setattr("orders.services.actions.payment_refund", lambda **kw: None)
    order = place_order(items=[(variant, 1)], buyer=UserFactory(), paid=True)
    vendor_order = order.vendor_orders.get()
    vendor_order_cancel(vendor_order_id=vendor_order.pk, actor=owner, reason="품절")
    buyer = UserFactory()
    returning = place_order(items=[(variant, 1)], buyer=buyer, paid=True).vendor_orders.get()
    put(returning, "delivered", delivered_at=timezone.now())
    vendor_order_return_request(vendor_order_id=returning.pk, actor=buyer, reason="포장이 찢어져 왔습니다")
    agency = AgencyFactory()
    request = request_for(buyer_of(agency), agency, [(eligible_product(vendor).variants.get(), 3)])
    events = set(WebhookDelivery.objects.filter(endpoint=endpoint).values_list("subject", "event"))
    assert events >= {
        (f"vendor_order:{vendor_order.pk}", WebhookEvent.ORDER_PAID),
        (f"vendor_order:{vendor_order.pk}", WebhookEvent.ORDER_CANCELLED),
        (f"vendor_order:{returning.pk}", WebhookEvent.RETURN_REQUESTED),
    }
    quote = request.quotes.get(vendor=vendor)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint, event=WebhookEvent.QUOTE_REQUESTED)
    assert delivery.subject == f"quote:{quote.pk}"
    assert delivery.payload["quote"] == quote.number and delivery.payload["reply_by"] == str(request.reply_by)
    returned = WebhookDelivery.objects.get(endpoint=endpoint, event=WebhookEvent.RETURN_REQUESTED)
    assert returned.payload["return_reason"] == "포장이 찢어져 왔습니다"


# --- addresses -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/hook", "https://localhost/hook", "https://10.1.2.3/hook", "https://192.168.0.10/",
    "https://169.254.169.254/latest/meta-data", "https://[::1]/hook", "https://0.0.0.0/",
    "http://203.0.113.9/hook", "ftp://example.com/", "https://user:pw@example.com/",
])
def test_private_addresses_and_plain_http_are_refused_in_production_mode(url, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(VendorError):
        webhook_url_check(url)


def test_a_public_address_is_accepted(settings, monkeypatch):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    monkeypatch.setattr("socket.getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("93.184.215.14", 0))])
    assert webhook_url_check("https://hooks.example.com/ddasum") == "https://hooks.example.com/ddasum"


def test_a_name_that_later_resolves_to_a_private_address_is_not_sent_to(receiver, endpoint, vendor, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    [delivery] = webhook_event(vendor_id=vendor.pk, event=WebhookEvent.ORDER_PAID, subject="vendor_order:3", data={})
    attempt = webhook_deliver(delivery_id=delivery.pk)
    assert receiver.requests == []
    assert attempt.status_code is None and "공개되지 않은 주소" in attempt.error


# --- the partner admin -------------------------------------------------------------------------


def test_an_owner_registers_an_endpoint_and_a_private_one_is_refused(client, vendor, owner, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    client.force_login(owner)
    url = reverse("partner:vendors_webhookendpoint_add")
    refused = client.post(url, {"vendor": vendor.pk, "url": "https://127.0.0.1/x", "events": [WebhookEvent.ORDER_PAID],
                                "is_active": "on"})
    assert refused.status_code == 200
    assert "내부망, 루프백 등 공개되지 않은 주소로는 보낼 수 없습니다." in refused.content.decode()
    settings.WEBHOOK_ALLOW_PRIVATE = True
    made = client.post(url, {"vendor": vendor.pk, "url": "http://127.0.0.1:8999/x",
                             "events": [WebhookEvent.ORDER_PAID], "is_active": "on"})
    assert made.status_code == 302
    endpoint = vendor.webhook_endpoints.get()
    assert endpoint.secret.startswith("whsec_") and endpoint.created_by == owner
    page = client.get(reverse("partner:vendors_webhookendpoint_change", args=[endpoint.pk])).content.decode()
    assert endpoint.secret in page
    # Members who are not owners read the endpoint, not its secret.
    client.force_login(MembershipFactory(vendor=vendor, role=MembershipRole.STAFF).user)
    page = client.get(reverse("partner:vendors_webhookendpoint_change", args=[endpoint.pk]))
    assert page.status_code == 200 and endpoint.url in page.content.decode()
    assert endpoint.secret not in page.content.decode()


def test_the_log_is_read_and_a_delivery_replayed_from_the_partner_admin(client, receiver, endpoint, vendor,
                                                                        other_vendor, other_owner,
                                                                        django_capture_on_commit_callbacks):
    [delivery] = webhook_event(vendor_id=vendor.pk, event=WebhookEvent.ORDER_PAID, subject="vendor_order:5",
                               data={"vendor_order": "V-5"})
    webhook_deliver(delivery_id=delivery.pk)
    theirs_endpoint = webhook_endpoint_create(vendor_id=other_vendor.pk, url=receiver.url, events=ALL_EVENTS,
                                              actor=other_owner)
    [theirs] = webhook_event(vendor_id=other_vendor.pk, event=WebhookEvent.ORDER_PAID, subject="vendor_order:6",
                             data={})
    staff = MembershipFactory(vendor=vendor, role=MembershipRole.STAFF).user
    client.force_login(staff)
    listing = client.get(reverse("partner:vendors_webhookdelivery_changelist"))
    assert "vendor_order:5" in listing.content.decode() and "vendor_order:6" not in listing.content.decode()
    assert client.get(reverse("partner:vendors_webhookdelivery_change", args=[theirs.pk])).status_code == 404
    detail = client.get(reverse("partner:vendors_webhookdelivery_change", args=[delivery.pk])).content.decode()
    assert "ok" in detail and "200" in detail
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("partner:vendors_webhookdelivery_changelist"),
                    {"action": "replay_selected", "_selected_action": [delivery.pk, theirs.pk]})
    assert len(receiver.requests) == 2
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 2
    assert WebhookAttempt.objects.filter(delivery__endpoint=theirs_endpoint).count() == 0
    with pytest.raises(NotAllowed):
        webhook_delivery_replay(delivery_id=theirs.pk, actor=staff)


def test_the_partner_admin_lists_run_a_fixed_number_of_queries(client, endpoint, vendor, owner,
                                                               django_assert_max_num_queries):
    def add(n, start):
        for i in range(start, start + n):
            webhook_event(vendor_id=vendor.pk, event=WebhookEvent.ORDER_PAID,
                                       subject=f"vendor_order:{i}", data={})
            api_key_create(vendor_id=vendor.pk, name=f"키 {i}", scopes=["orders"], actor=owner)

    client.force_login(owner)
    add(2, 0)
    counts = {}
    for name in ("vendors_webhookdelivery_changelist", "vendors_vendorapikey_changelist",
                 "vendors_webhookendpoint_changelist"):
        with django_assert_max_num_queries(40) as few:
            assert client.get(reverse(f"partner:{name}")).status_code == 200
        counts[name] = len(few.captured_queries)
    add(10, 2)
    for name, count in counts.items():
        with django_assert_max_num_queries(count):
            assert client.get(reverse(f"partner:{name}")).status_code == 200
