"""Readable document numbers from locked counters: 20261122-00042, ST-202611-0007."""
from datetime import date

from django.db import IntegrityError, transaction

from .models import Sequence


@transaction.atomic
def sequence_next(key: str, *, day: date | None = None) -> int:
    """The next value of the counter `key` (per `day` when given), safe under concurrency."""
    for _attempt in range(3):
        row = Sequence.objects.select_for_update().filter(key=key, day=day).first()
        if row is None:
            try:
                with transaction.atomic():
                    Sequence.objects.create(key=key, day=day, value=0)
            except IntegrityError:
                pass  # another transaction made it first; lock it on the next pass
            continue
        row.value += 1
        row.save(update_fields=["value"])
        return row.value
    raise RuntimeError(f"could not advance sequence {key}")


def daily_number(key: str, day: date, *, width: int = 5, prefix: str = "") -> str:
    """`prefix` + YYYYMMDD-NNNNN, counted per day."""
    return f"{prefix}{day:%Y%m%d}-{sequence_next(key, day=day):0{width}d}"
