"""Reads about users: the policy versions in effect."""
from pathlib import Path

from django.utils import timezone

from .models import PolicyVersion


def policy_current(kind: str, *, at=None) -> PolicyVersion | None:
    """The version of `kind` in effect at `at` (now): the latest whose effective date has come."""
    at = at or timezone.now()
    return PolicyVersion.objects.filter(kind=kind, effective_at__lte=at).order_by("-effective_at", "-pk").first()


def policy_upcoming(kind: str, *, at=None) -> PolicyVersion | None:
    """The next version of `kind` announced but not yet in effect."""
    at = at or timezone.now()
    return PolicyVersion.objects.filter(kind=kind, effective_at__gt=at).order_by("effective_at", "pk").first()


def policy_history(kind: str, *, at=None) -> list[PolicyVersion]:
    at = at or timezone.now()
    return list(PolicyVersion.objects.filter(kind=kind, effective_at__lte=at).order_by("-effective_at", "-pk")
                .only("pk", "kind", "version", "effective_at"))


POLICY_TEXTS = Path(__file__).resolve().parent / "policy_texts"


def policy_default_body(kind: str) -> str:
    """The project's starting text of a policy (accounts/policy_texts/<kind>.txt), for the demo
    and a first install; the operator edits it in the admin as a new version."""
    return (POLICY_TEXTS / f"{kind}.txt").read_text(encoding="utf-8")
