"""Demo accounts for `manage.py seed_demo`: the operator and a few consumers.

Every demo account signs in with DEMO_PASSWORD. The other demo modules create their own
people (vendor owners, agency buyers) through `demo_users_ensure` so they share it.
"""
import base64
import random
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.hashers import check_password, get_hasher, make_password
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import PolicyVersion, User
from accounts.selectors import policy_default_body
from accounts.services import consents_record, policy_version_ensure

DEMO_PASSWORD = "ddasum1234!"
OPERATOR_EMAIL = "admin@ddasum.kr"
# The demo operator's second factor (/admin/ asks for it): a fixed TOTP secret, printed by
# seed_demo and in the README, to add to any authenticator app. Demo data only (seed_demo
# refuses to run in production).
DEMO_OTP_SECRET = "DDASUMDEMOOPERATORTOTPKEY2345677"
DEMO_OTP_DEVICE = "데모 인증 앱"

CONSUMERS = (
    ("consumer1@ddasum.kr", "김민지"),
    ("consumer2@ddasum.kr", "이서준"),
    ("consumer3@ddasum.kr", "박지영"),
    ("consumer4@ddasum.kr", "최현우"),
    ("consumer5@ddasum.kr", "정수아"),
)


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    phone: str = ""
    is_staff: bool = False
    is_superuser: bool = False
    date_joined: datetime | None = field(default=None, compare=False)


# One hash of DEMO_PASSWORD per hasher, shared by every demo account: hashing is slow on
# purpose, and sixty slow hashes would be most of the seed's time. A shared salt does not
# matter for accounts whose password is published.
_hash_cache: dict[str, str] = {}


def demo_password_hash() -> str:
    algorithm = get_hasher().algorithm
    if algorithm not in _hash_cache:
        _hash_cache[algorithm] = make_password(DEMO_PASSWORD)
    return _hash_cache[algorithm]


def demo_users_ensure(specs: list[DemoUser]) -> tuple[dict[str, User], int]:
    """Create or update the users of `specs`, all with DEMO_PASSWORD.

    Returns the users by email and how many were created. An existing user keeps its
    password if it already is DEMO_PASSWORD (each distinct hash is checked once), so a
    second run writes nothing.
    """
    emails = [spec.email.lower() for spec in specs]
    existing = {user.email: user for user in User.objects.filter(email__in=emails)}
    hash_ok: dict[str, bool] = {}
    users: dict[str, User] = {}
    created = 0
    for spec in specs:
        email = spec.email.lower()
        user = existing.get(email)
        wanted = {
            "name": spec.name,
            "phone": spec.phone,
            "is_staff": spec.is_staff,
            "is_superuser": spec.is_superuser,
            "is_active": True,
        }
        if user is None:
            user = User(email=email, password=demo_password_hash(), **wanted)
            if spec.date_joined:
                user.date_joined = spec.date_joined
                user.terms_agreed_at = spec.date_joined
            user.save()
            created += 1
        else:
            changed = [name for name, value in wanted.items() if getattr(user, name) != value]
            for name in changed:
                setattr(user, name, wanted[name])
            if user.password not in hash_ok:
                hash_ok[user.password] = check_password(DEMO_PASSWORD, user.password)
            if not hash_ok[user.password]:
                user.password = demo_password_hash()
                changed.append("password")
            if changed:
                user.save(update_fields=changed)
        users[email] = user
    return users, created


def seed(*, stdout, rng: random.Random) -> None:
    """The operator (admin@ddasum.kr) and five consumers."""
    now = timezone.now()
    specs = [
        DemoUser(
            OPERATOR_EMAIL, "따숨 운영자", is_staff=True, is_superuser=True,
            date_joined=now - timezone.timedelta(days=1200),
        )
    ]
    for email, name in CONSUMERS:
        specs.append(
            DemoUser(
                # 010-0000-…: a middle number not issued to subscribers, so no demo text reaches a stranger.
                email, name, phone=f"010-0000-{rng.randint(1000, 9999)}",
                date_joined=now - timezone.timedelta(days=rng.randint(10, 600), minutes=rng.randint(0, 1439)),
            )
        )
    users, created = demo_users_ensure(specs)
    policies = _policies_ensure(now)
    for n, (email, _name) in enumerate(CONSUMERS):
        user = users[email]
        if user.terms_version_id is None:
            consents_record(user=user, at=max(user.date_joined, now - timezone.timedelta(days=90)), marketing=n % 2 == 0)
    device = demo_otp_device_ensure(users[OPERATOR_EMAIL])
    stdout.write(
        f"  회원 {len(users)}명 (새로 {created}명): 운영자 {OPERATOR_EMAIL}, 소비자 consumer1~{len(CONSUMERS)}@ddasum.kr; "
        f"비밀번호 {DEMO_PASSWORD}"
    )
    stdout.write(f"  약관·방침 {policies}개 버전: /terms/, /privacy/")
    stdout.write(
        f"  운영자 2단계 인증 / operator's second factor: 인증 앱에 비밀 키 {DEMO_OTP_SECRET} 추가 "
        f"(add this secret to an authenticator app), {device.config_url}"
    )


def _policies_ensure(now: datetime) -> int:
    """이용약관 1.0 and 개인정보처리방침 1.0 (long in effect) and 1.1 (in effect for 90 days)."""
    since = now - timezone.timedelta(days=1200)
    recent = (now - timezone.timedelta(days=90)).replace(hour=0, minute=0, second=0, microsecond=0)
    terms = policy_default_body(PolicyVersion.Kind.TERMS)
    privacy = policy_default_body(PolicyVersion.Kind.PRIVACY)
    specs = (
        (PolicyVersion.Kind.TERMS, "1.0", since, terms, ""),
        (PolicyVersion.Kind.PRIVACY, "1.0", since, privacy.replace("- 이메일 발송 업체: 주문·배송 안내 메일 발송\n", ""), ""),
        (PolicyVersion.Kind.PRIVACY, "1.1", recent, privacy, "이메일 발송 업체를 위탁 목록에 더했습니다."),
    )
    for kind, version, at, body, summary in specs:
        policy_version_ensure(kind=kind, version=version, effective_at=at, body=body, summary=summary)
    return len(specs)


def demo_otp_device_ensure(user: User) -> TOTPDevice:
    """The operator's confirmed TOTP device with the demo secret (the same on every run)."""
    key = base64.b32decode(DEMO_OTP_SECRET).hex()
    device, _created = TOTPDevice.objects.update_or_create(
        user=user, name=DEMO_OTP_DEVICE, defaults={"key": key, "confirmed": True},
    )
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    return device
