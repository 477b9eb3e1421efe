"""The daily reconciliation (거래 대사): the PG's record of a day's payments and cancels against ours.

`GET /v1/transactions?startDate=…&endDate=…` (Basic auth, paged with `startingAfter` and `limit`) lists
every approval and cancel of the day. Each is compared with our Payment of that paymentKey (status,
amount, cancelled amount), and each of our PG payments approved that day must be on the PG's list.
Differences become PaymentMismatch rows the operator reads in the admin (one per transaction and
problem, so a second run adds nothing). Days are reconciled in order from the last one done
(ReconciledDay), so a day the beat or the PG missed is made up by the next run.
"""
import logging
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Payment, PaymentMismatch, PaymentStatus, ReconciledDay
from .payments import PG_METHODS, gateway_get

logger = logging.getLogger(__name__)

S = PaymentStatus
PAGE = 5000
FIRST_RUN_DAYS = 7  # with nothing reconciled yet, the last week is
APPROVED = (S.DONE, S.PARTIAL_CANCELLED, S.CANCELLED)


class PgUnanswered(Exception):
    """The PG's transaction list could not be read; the day is left for the next run."""


def pg_transactions(day: date) -> list[dict]:
    """The PG's transactions of one day (KST), every page."""
    found: list[dict] = []
    after = ""
    while True:
        params = {"startDate": f"{day.isoformat()}T00:00:00", "endDate": f"{day.isoformat()}T23:59:59",
                  "limit": PAGE}
        if after:
            params["startingAfter"] = after
        reply = gateway_get("/v1/transactions", params)
        if reply.http_status != 200:
            raise PgUnanswered(f"{day}: HTTP {reply.http_status} {reply.as_record()}")
        page = reply.data.get("items", [])
        found += [t for t in page if isinstance(t, dict)]
        if len(page) < PAGE:
            return found
        after = str(page[-1].get("transactionKey") or "")


def _ours(payment: Payment | None) -> dict:
    if payment is None:
        return {}
    return {"order": payment.order.number, "status": payment.status, "amount": payment.amount,
            "cancelled_amount": payment.cancelled_amount, "method": payment.method}


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def _compare(day: date, transactions: list[dict]) -> list[dict]:
    keys = {str(t.get("paymentKey") or "") for t in transactions}
    payments = {p.provider_key: p for p in Payment.objects.filter(provider_key__in=keys).select_related("order")}
    problems = []
    cancels: dict[str, int] = {}
    approved_keys = set()
    for tx in transactions:
        key, status, amount = str(tx.get("paymentKey") or ""), tx.get("status"), abs(int(tx.get("amount") or 0))
        payment = payments.get(key)
        row = {"transaction_key": str(tx.get("transactionKey") or key), "payment": payment, "payment_key": key,
               "order_number": str(tx.get("orderId") or ""), "theirs": tx}
        if payment is None:
            problems.append({**row, "problem": _("PG에는 있고 우리 기록에는 없는 결제")})
            continue
        if status == "DONE":
            approved_keys.add(key)
            if payment.status not in APPROVED:
                problems.append({**row, "problem": _("PG는 승인했지만 우리 기록은 '%(status)s'")
                                 % {"status": payment.get_status_display()}})
            elif amount != payment.amount:
                problems.append({**row, "problem": _("승인 금액이 다릅니다")})
        elif status in ("CANCELED", "PARTIAL_CANCELED"):
            cancels[key] = cancels.get(key, 0) + amount
    for key, cancelled in cancels.items():
        payment = payments[key]
        if payment.cancelled_amount < cancelled:
            problems.append({"transaction_key": f"cancel:{key}:{day.isoformat()}", "payment": payment, "payment_key": key,
                             "order_number": payment.order.number, "theirs": {"cancelled_that_day": cancelled},
                             "problem": _("PG의 취소 금액이 우리 기록보다 큽니다")})
    start, end = _day_bounds(day)
    for payment in (Payment.objects.filter(method__in=PG_METHODS, approved_at__gte=start, approved_at__lt=end,
                                           status__in=APPROVED).exclude(provider_key="").select_related("order")):
        if payment.provider_key not in approved_keys:
            problems.append({"transaction_key": f"ours:{payment.pk}", "payment": payment,
                             "payment_key": payment.provider_key, "order_number": payment.order.number, "theirs": {},
                             "problem": _("우리 기록에는 결제 완료인데 PG 거래 내역에 없습니다")})
    return problems


@transaction.atomic
def _record(day: date, transactions: list[dict], problems: list[dict]) -> ReconciledDay:
    made = 0
    for p in problems:
        _row, created = PaymentMismatch.objects.get_or_create(
            transaction_key=p["transaction_key"][:200], problem=str(p["problem"])[:300],
            defaults={"day": day, "order_number": p["order_number"][:64], "payment_key": p["payment_key"][:200],
                      "ours": _ours(p["payment"]), "theirs": p["theirs"]},
        )
        made += created
    done, _created = ReconciledDay.objects.update_or_create(
        day=day, defaults={"transactions": len(transactions), "mismatches": len(problems)})
    if made:
        logger.warning("reconciliation %s: %s new mismatch(es)", day, made)
    return done


def payments_reconcile_day(*, day: date) -> ReconciledDay:
    """Compare one day (the PG is asked outside any transaction). Safe to repeat."""
    transactions = pg_transactions(day)
    return _record(day, transactions, _compare(day, transactions))


def payments_reconcile_due(*, today: date | None = None) -> list[ReconciledDay]:
    """Every day not reconciled yet, up to yesterday, in order; stops at the first the PG cannot answer for."""
    today = today or timezone.localdate()
    last = ReconciledDay.objects.order_by("-day").values_list("day", flat=True).first()
    day = (last + timedelta(days=1)) if last else today - timedelta(days=FIRST_RUN_DAYS)
    done = []
    while day < today:
        try:
            done.append(payments_reconcile_day(day=day))
        except PgUnanswered as exc:
            logger.warning("reconciliation stopped: %s", exc)
            break
        day += timedelta(days=1)
    return done
