"""What waits for the vendor in the orders app, one rule each (the partner dashboard and the order list's to-do filter)."""
from django.db.models import Q

from ..models import ClaimKind, ClaimStatus


def claims_waiting_q(prefix: str = "") -> Q:
    """Claims the vendor must act on: any new request, and returned goods to close or replace."""
    return (Q(**{f"{prefix}status": ClaimStatus.REQUESTED})
            | Q(**{f"{prefix}status": ClaimStatus.COLLECTED, f"{prefix}kind__in": (ClaimKind.RETURN, ClaimKind.EXCHANGE)}))
