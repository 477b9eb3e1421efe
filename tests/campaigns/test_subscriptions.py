"""Consent to campaign mail, unsubscribing by the link, and the campaign mails sent once each."""
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from campaigns import tasks
from campaigns.models import Campaign, CampaignMailSent, Subscription
from campaigns.services import subscriptions
from campaigns.services.subscriptions import CONSENT_TEXT, campaign_mails_send, subscription_subscribe
from ddasum.celery import app as celery_app
from tests.campaigns.factories import CampaignFactory

pytestmark = pytest.mark.django_db

Kind = CampaignMailSent.Kind


def subscribe(email, **kwargs) -> Subscription:
    return subscription_subscribe(email=email, consent_text=str(CONSENT_TEXT), **kwargs).subscription


# --- consent -----------------------------------------------------------------------------------


def test_subscribe_records_consent_time_and_text(client):
    before = timezone.now()
    response = client.post(reverse("campaigns:subscribe"), {"email": "Fan@Example.kr", "consent": "on"})
    assert response.status_code == 302
    s = Subscription.objects.get()
    assert s.email == "fan@example.kr"
    assert s.consent_text == str(CONSENT_TEXT) and "이메일" in s.consent_text
    assert before <= s.consented_at <= timezone.now()
    assert s.unsubscribed_at is None and s.user is None and len(s.token) >= 24
    page = client.get(reverse("campaigns:subscribe")).content.decode()
    assert str(CONSENT_TEXT) in page  # the sentence shown is the sentence stored


def test_consent_box_must_be_ticked(client):
    response = client.post(reverse("campaigns:subscribe"), {"email": "fan@example.kr"})
    assert response.status_code == 400
    assert "수신 동의에 체크해 주세요" in response.content.decode()
    assert not Subscription.objects.exists()
    response = client.post(reverse("campaigns:subscribe"), {"email": "이메일아님", "consent": "on"})
    assert response.status_code == 400 and not Subscription.objects.exists()


def test_signed_in_member_is_prefilled_and_linked(client, user):
    client.force_login(user)
    page = client.get(reverse("campaigns:subscribe")).content.decode()
    assert f'value="{user.email}"' in page
    client.post(reverse("campaigns:subscribe"), {"email": user.email, "consent": "on", "next": "/board/"})
    s = Subscription.objects.get()
    assert s.user == user
    # someone else's address typed by a member is not linked to the member
    client.post(reverse("campaigns:subscribe"), {"email": "friend@example.kr", "consent": "on"})
    assert Subscription.objects.get(email="friend@example.kr").user is None


def test_subscribe_returns_to_the_page_it_came_from_but_not_elsewhere(client):
    response = client.post(reverse("campaigns:subscribe"), {"email": "a@example.kr", "consent": "on", "next": "/board/"})
    assert response["Location"] == "/board/"
    response = client.post(reverse("campaigns:subscribe"),
                           {"email": "b@example.kr", "consent": "on", "next": "https://evil.example/"})
    assert response["Location"] == reverse("campaigns:subscribe")


def test_subscribe_box_on_the_board(client, user):
    html = client.get(reverse("campaigns:board")).content.decode()
    assert 'data-testid="subscribe-box"' in html and str(CONSENT_TEXT) in html
    assert f'action="{reverse("campaigns:subscribe")}"' in html
    client.force_login(user)
    subscribe(user.email, user=user)
    assert 'data-testid="subscribed"' in client.get(reverse("campaigns:board")).content.decode()


def test_unsubscribe_by_token_without_login(client):
    s = subscribe("fan@example.kr")
    url = reverse("campaigns:unsubscribe", args=[s.token])
    page = client.get(url)
    assert page.status_code == 200 and "fan@example.kr" in page.content.decode()
    s.refresh_from_db()
    assert s.unsubscribed_at is None  # a GET (a mail scanner following links) changes nothing
    response = client.post(url)
    assert response.status_code == 302
    s.refresh_from_db()
    assert s.unsubscribed_at is not None
    assert 'data-testid="unsubscribed"' in client.get(url).content.decode()
    client.post(url)  # again: still unsubscribed, same moment
    stamp = s.unsubscribed_at
    s.refresh_from_db()
    assert s.unsubscribed_at == stamp


def test_unknown_token_is_404(client):
    assert client.get(reverse("campaigns:unsubscribe", args=["no-such-token"])).status_code == 404
    assert client.post(reverse("campaigns:unsubscribe", args=["no-such-token"])).status_code == 404


def test_subscribing_again_records_a_new_consent(client):
    s = subscribe("fan@example.kr", now=timezone.now() - timedelta(days=100))
    first = s.consented_at
    client.post(reverse("campaigns:unsubscribe", args=[s.token]))
    response = client.post(reverse("campaigns:subscribe"), {"email": "fan@example.kr", "consent": "on"})
    assert response.status_code == 302
    s.refresh_from_db()
    assert s.unsubscribed_at is None and s.consented_at > first
    assert Subscription.objects.count() == 1
    # while subscribed, asking again keeps the original consent
    again = subscription_subscribe(email="fan@example.kr", consent_text="다른 문구")
    assert again.outcome == "already" and again.subscription.consented_at == s.consented_at


# --- campaign mails ------------------------------------------------------------------------------


@pytest.fixture
def people():
    active = [subscribe(f"fan{i}@example.kr") for i in range(3)]
    gone = subscribe("gone@example.kr")
    gone.unsubscribed_at = timezone.now()
    gone.save()
    return active, gone


def mails_to(address):
    return [m for m in mail.outbox if address in m.to]


def test_start_and_ends_tomorrow_mails_go_once_each(people):
    active, gone = people
    now = timezone.now()
    campaign = CampaignFactory(title="추석 판매전", starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=3))

    campaign_mails_send(now=now)
    assert len(mail.outbox) == 3
    assert not mails_to(gone.email)
    assert CampaignMailSent.objects.filter(kind=Kind.STARTS).count() == 3
    campaign.refresh_from_db()
    assert campaign.start_notified_at == now

    campaign_mails_send(now=now)  # the next hour: nothing new
    campaign_mails_send(now=now + timedelta(hours=1))
    assert len(mail.outbox) == 3

    # a day before the end: the second notice, once
    later = campaign.ends_at - timedelta(hours=20)
    campaign_mails_send(now=later)
    campaign_mails_send(now=later + timedelta(hours=1))
    assert len(mail.outbox) == 6
    for s in active:
        kinds = sorted(m.subject for m in mails_to(s.email))
        assert len(kinds) == 2
        assert any("시작" in k for k in kinds) and any("마감" in k for k in kinds)
    assert CampaignMailSent.objects.count() == 6
    # after the end, nothing
    campaign_mails_send(now=campaign.ends_at + timedelta(minutes=1))
    assert len(mail.outbox) == 6


def test_every_mail_carries_its_own_unsubscribe_link(people):
    active, _gone = people
    now = timezone.now()
    CampaignFactory(starts_at=now - timedelta(hours=2), ends_at=now + timedelta(hours=10))  # both notices due
    campaign_mails_send(now=now)
    assert len(mail.outbox) == 6
    for message in mail.outbox:
        s = Subscription.objects.get(email=message.to[0])
        link = settings.SITE_URL.rstrip("/") + reverse("campaigns:unsubscribe", args=[s.token])
        assert link in message.body
        html = message.alternatives[0][0]
        assert link in html
    # and the link works
    s = active[0]
    path = reverse("campaigns:unsubscribe", args=[s.token])
    from django.test import Client

    Client().post(path)
    s.refresh_from_db()
    assert not s.is_active


def test_published_after_its_start_still_gets_the_start_notice(people):
    now = timezone.now()
    campaign = CampaignFactory(starts_at=now - timedelta(days=3), ends_at=now + timedelta(days=5), is_published=False)
    campaign_mails_send(now=now)
    assert mail.outbox == []
    Campaign.objects.filter(pk=campaign.pk).update(is_published=True)
    campaign_mails_send(now=now + timedelta(hours=1))
    assert len(mail.outbox) == 3


def test_upcoming_and_ended_campaigns_send_nothing(people):
    now = timezone.now()
    CampaignFactory(starts_at=now + timedelta(hours=2), ends_at=now + timedelta(days=5))
    CampaignFactory(starts_at=now - timedelta(days=9), ends_at=now - timedelta(days=1))
    assert campaign_mails_send(now=now) == 0
    assert mail.outbox == []


def test_a_row_already_taken_by_another_worker_is_not_sent_again(people):
    active, _gone = people
    now = timezone.now()
    campaign = CampaignFactory(starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=3))
    CampaignMailSent.objects.create(campaign=campaign, subscription=active[0], kind=Kind.STARTS)
    sent = subscriptions.campaign_mail_batch_send(campaign_id=campaign.pk, kind=Kind.STARTS, now=now)
    assert sent == 2 and not mails_to(active[0].email)
    # a retry of the same batch sends nothing
    assert subscriptions.campaign_mail_batch_send(campaign_id=campaign.pk, kind=Kind.STARTS, now=now) == 0
    assert len(mail.outbox) == 2


def test_a_failed_send_is_tried_again_on_the_next_run(people, monkeypatch):
    active, _gone = people
    now = timezone.now()
    campaign = CampaignFactory(starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=3))
    real_send = subscriptions.email_send

    def flaky(*, to, **kwargs):
        if to == [active[1].email]:
            raise OSError("mail server unavailable")
        real_send(to=to, **kwargs)

    monkeypatch.setattr(subscriptions, "email_send", flaky)
    campaign_mails_send(now=now)
    assert len(mail.outbox) == 2
    assert not CampaignMailSent.objects.filter(subscription=active[1]).exists()
    campaign.refresh_from_db()
    assert campaign.start_notified_at is None  # not done yet

    monkeypatch.setattr(subscriptions, "email_send", real_send)
    campaign_mails_send(now=now + timedelta(hours=1))
    assert len(mail.outbox) == 3 and len(mails_to(active[1].email)) == 1
    campaign.refresh_from_db()
    assert campaign.start_notified_at is not None


def test_the_beat_runs_the_task_hourly():
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values()
                 if e["task"] == "campaigns.campaign_mails_send_task")
    assert entry["schedule"].minute == {5}
    # The worker imports the app's tasks module (campaigns.tasks, imported above) and finds both by name.
    assert "campaigns.campaign_mails_send_task" in celery_app.tasks
    assert "campaigns.campaign_mail_batch_task" in celery_app.tasks


def test_the_task_itself_sends(people):
    now = timezone.now()
    CampaignFactory(starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(days=2))
    tasks.campaign_mails_send_task.delay()
    assert len(mail.outbox) == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_mail_once():
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (two workers inserting the same once-row)")
    for i in range(15):
        subscribe(f"fan{i}@example.kr")
    now = timezone.now()
    campaign = CampaignFactory(starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=3))
    barrier, sent = threading.Barrier(3), []

    def worker():
        try:
            barrier.wait()
            sent.append(subscriptions.campaign_mail_batch_send(campaign_id=campaign.pk, kind=Kind.STARTS, now=now))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(sent) == 15
    assert len(mail.outbox) == 15 and len({m.to[0] for m in mail.outbox}) == 15
    assert CampaignMailSent.objects.count() == 15
