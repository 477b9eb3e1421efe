import re

import pytest
from celery import Task
from django.core import mail
from django.urls import reverse

from accounts import tasks as accounts_tasks
from accounts.models import Notification, User
from accounts.services import notification_create
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def signup_data(**overrides):
    data = {
        "email": "Newbie@Example.kr",
        "name": "김새싹",
        "phone": "01012345678",
        "password1": "Warm-Market-2026",
        "password2": "Warm-Market-2026",
        "agree_terms": "on",
        "agree_privacy": "on",
        "agree_age": "on",
    }
    data.update(overrides)
    return data


def test_signup_creates_consumer_and_logs_in(client):
    response = client.post(reverse("accounts:signup"), signup_data())
    assert response.status_code == 302
    user = User.objects.get()
    assert user.email == "newbie@example.kr"
    assert user.phone == "010-1234-5678"
    assert user.terms_agreed_at is not None
    assert not user.is_staff
    page = client.get(reverse("accounts:mypage"))
    assert "김새싹" in page.content.decode()


def test_signup_errors_are_korean_and_next_to_the_field(client):
    UserFactory(email="taken@example.kr")
    response = client.post(
        reverse("accounts:signup"),
        signup_data(email="taken@example.kr", password2="different", agree_terms="", phone="12"),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "이미 가입된 이메일" in form.errors["email"][0]
    assert "비밀번호가 서로 다릅니다" in form.errors["password2"][0]
    assert "이용약관에 동의" in form.errors["agree_terms"][0]
    assert "전화번호" in form.errors["phone"][0]
    assert User.objects.filter(email="taken@example.kr").count() == 1
    html = response.content.decode()
    assert 'data-field="email"' in html and "has-error" in html


def test_login_with_email_and_logout(client, user):
    response = client.post(reverse("accounts:login"), {"username": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    client.post(reverse("accounts:logout"))
    assert "_auth_user_id" not in client.session


def test_wrong_password_shows_korean_error(client, user):
    response = client.post(reverse("accounts:login"), {"username": user.email, "password": "nope"})
    assert response.status_code == 200
    assert "이메일 또는 비밀번호가 맞지 않습니다" in response.content.decode()


def test_login_is_locked_after_five_failures_with_a_clear_message(client, user):
    for _ in range(5):
        client.post(reverse("accounts:login"), {"username": user.email, "password": "wrong"})
    # Even the right password is refused while locked.
    response = client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "로그인이 15분 동안 제한" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_account_not_global(client, user):
    other = UserFactory()
    for _ in range(5):
        client.post(reverse("accounts:login"), {"username": user.email, "password": "wrong"})
    response = client.post(reverse("accounts:login"), {"username": other.email, "password": PASSWORD})
    assert response.status_code == 302


def test_password_change(user_client, user):
    response = user_client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Another-Pass-77", "new_password2": "Another-Pass-77"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Another-Pass-77")


def test_password_reset_mail_goes_through_celery_and_link_works(client, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("accounts:password_reset"), {"email": user.email})
    assert response.status_code == 302
    assert len(callbacks) == 1  # the mail is queued after commit, not sent in the request
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "비밀번호 재설정" in message.subject
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", message.body).group(1)
    page = client.get(link, follow=True)
    assert page.status_code == 200
    response = client.post(
        page.redirect_chain[-1][0], {"new_password1": "Reset-Pass-2026", "new_password2": "Reset-Pass-2026"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Reset-Pass-2026")


def test_password_reset_for_unknown_email_sends_nothing_and_reveals_nothing(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": "ghost@example.kr"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_notifications_are_personal(user_client, user):
    other = UserFactory()
    mine = notification_create(user=user, title="내 알림", url="/accounts/me/")
    notification_create(user=other, title="남의 알림")
    page = user_client.get(reverse("accounts:notifications")).content.decode()
    assert "내 알림" in page and "남의 알림" not in page
    assert 'class="badge">1<' in user_client.get("/").content.decode()
    response = user_client.post(reverse("accounts:notifications_read"), {"id": mine.pk})
    assert response["Location"] == "/accounts/me/"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_cannot_mark_someone_elses_notification(user_client, user):
    other = UserFactory()
    theirs = notification_create(user=other, title="남의 알림")
    user_client.post(reverse("accounts:notifications_read"), {"id": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_notification_key_makes_creation_idempotent(user):
    first = notification_create(user=user, title="한 번", key="k:1")
    second = notification_create(user=user, title="한 번", key="k:1")
    assert first.pk == second.pk
    assert Notification.objects.count() == 1


def test_pages_need_login(client):
    for name in ("accounts:mypage", "accounts:notifications", "accounts:password_change"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]


def test_every_task_is_registered_as_app_dot_function_name():
    """Services queue tasks by these names (ddasum.jobs); a worker finds them under the same ones."""
    named = {name: task.name for name, task in vars(accounts_tasks).items() if isinstance(task, Task)}
    assert named == {"email_send_task": "accounts.email_send_task"}
