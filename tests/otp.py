"""Signing operators in with their second factor (django-otp TOTP), for request and browser tests.

    from tests.otp import otp_login
    otp_login(client, operator)        # instead of client.force_login(operator) before /admin/

    from tests.otp import browser_operator_log_in
    browser_operator_log_in(page, live_server.url, operator, PASSWORD)
"""
import base64
import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def otp_device(user) -> TOTPDevice:
    """The user's confirmed TOTP device, made if there is none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def otp_login(client, user) -> TOTPDevice:
    """Log `user` in on the test client with a session that passed its second factor."""
    device = otp_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def totp_code(device: TOTPDevice, *, at: float | None = None) -> str:
    """The code an authenticator app shows now for `device`, one the device has not accepted yet."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    if totp.t() <= device.last_t:  # this window's code was used: the next one is within tolerance
        totp.time += device.step * (device.last_t - totp.t() + 1)
    return f"{totp.token():0{device.digits}d}"


def totp_code_for_secret(secret: str, *, offset_steps: int = 0) -> str:
    """The code for a base32 secret read off the enrolment page (what the phone app computes)."""
    key = base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    totp = TOTP(key, 30, 0, 6, 0)
    totp.time = time.time() + 30 * offset_steps
    return f"{totp.token():06d}"


def browser_operator_log_in(page, live_server_url: str, user, password: str, *, next_url: str = "/admin/") -> None:
    """Sign an operator in through the pages: password, then enrol (QR page) or the code."""
    page.goto(f"{live_server_url}/accounts/login/?next={next_url}")
    page.get_by_label("이메일").fill(user.email)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url("**/accounts/otp/**")
    secret = page.locator("[data-testid=otp-secret]")
    if secret.count():  # first time: the enrolment page, as a phone app would read the QR
        code = totp_code_for_secret(secret.inner_text())
    else:
        code = totp_code(TOTPDevice.objects.get(user=user, confirmed=True))
    page.locator("input[name=code]").fill(code)
    page.locator("form:has(input[name=code]) button[type=submit]").click()
    page.wait_for_url(f"**{next_url}")
