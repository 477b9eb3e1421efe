"""Delivery dates a buyer chooses (김장용 절임배추 arrives on the day the kimchi is made).

A product with `delivery_date_required` offers DeliverySlots: a date and how many units can
go out that day. The capacity is taken like stock: at checkout, by a conditional UPDATE
(`taken + n <= capacity`) per slot in primary-key order, inside the order's transaction and
after the stock; a cancelled or expired order gives it back. Buyers may choose a date from
DELIVERY_DATE_LEAD_DAYS days ahead (the vendor needs time to brine and pack).
"""
from collections.abc import Iterable
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .exceptions import DeliveryDateFull
from .models import DeliverySlot, Product


def earliest_date(today: date | None = None) -> date:
    return (today or timezone.localdate()) + timedelta(days=settings.DELIVERY_DATE_LEAD_DAYS)


def delivery_slots_open(product: Product, *, today: date | None = None) -> list[DeliverySlot]:
    """The dates a buyer may choose now (full ones included, to show them as 마감)."""
    return list(product.delivery_slots.filter(date__gte=earliest_date(today)).order_by("date"))


def date_label(day: date) -> str:
    return date_format(day, "Y-m-d (D)")


def delivery_problem(product: Product, slot: DeliverySlot | None, quantity: int, *, today: date | None = None) -> str:
    """Why this line's delivery date does not do, or '' (products without dates always do)."""
    if not product.delivery_date_required:
        return ""
    if slot is None or slot.product_id != product.pk:
        return _("배송일을 골라 주세요.")
    if slot.date < earliest_date(today):
        return _("고른 배송일(%(date)s)은 이제 고를 수 없습니다. 다른 날을 골라 주세요.") % {"date": date_label(slot.date)}
    if slot.remaining < quantity:
        return _("%(date)s 배송은 %(left)s개 남았습니다. 다른 날을 고르거나 수량을 줄여 주세요.") % {
            "date": date_label(slot.date), "left": slot.remaining}
    return ""


def delivery_slot_take(*, slot_id: int, quantity: int) -> bool:
    """Take capacity if there is enough; False if not (never over capacity)."""
    return bool(DeliverySlot.objects.filter(pk=slot_id, taken__lte=F("capacity") - quantity)
                .update(taken=F("taken") + quantity))


@transaction.atomic
def delivery_slots_take_many(*, items: Iterable[tuple[int, int]]) -> None:
    """Take each (slot id, quantity) in primary-key order, all or nothing: DeliveryDateFull names the first full one."""
    per_slot: dict[int, int] = {}
    for slot_id, quantity in items:
        per_slot[slot_id] = per_slot.get(slot_id, 0) + quantity
    for slot_id in sorted(per_slot):
        if not delivery_slot_take(slot_id=slot_id, quantity=per_slot[slot_id]):
            raise DeliveryDateFull(slot_id)


def delivery_slots_return_many(*, items: Iterable[tuple[int, int]]) -> None:
    """Give capacity back, in primary-key order (never below zero)."""
    per_slot: dict[int, int] = {}
    for slot_id, quantity in items:
        per_slot[slot_id] = per_slot.get(slot_id, 0) + quantity
    for slot_id in sorted(per_slot):
        DeliverySlot.objects.filter(pk=slot_id, taken__gte=per_slot[slot_id]).update(
            taken=F("taken") - per_slot[slot_id])


@transaction.atomic
def delivery_slot_save(*, slot: DeliverySlot) -> DeliverySlot:
    """Save a vendor's date and capacity without touching what orders took (the capacity never under it)."""
    if slot.pk is None:
        slot.taken = 0
        slot.save()
        return slot
    updated = DeliverySlot.objects.filter(pk=slot.pk, taken__lte=slot.capacity).update(
        date=slot.date, capacity=slot.capacity)
    if not updated:
        raise ValidationError(_("하루 수량은 이미 주문된 수량보다 작을 수 없습니다."))
    slot.refresh_from_db()
    return slot
