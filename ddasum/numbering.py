"""Readable document numbers from locked counters: 20261122-00042, ST-202611-0007."""
from datetime import date

from django.db import IntegrityError, connection, transaction

from .models import Sequence


@transaction.atomic
def sequence_next(key: str, *, day: date | None = None) -> int:
    """The next value of the counter `key` (per `day` when given), safe under concurrency."""
    for _attempt in range(3):
        value = _sequence_bump(key, day)
        if value is None:
            try:
                with transaction.atomic():
                    Sequence.objects.create(key=key, day=day, value=0)
            except IntegrityError:
                pass  # another transaction made it first; bump it on the next pass
            continue
        return value
    raise RuntimeError(f"could not advance sequence {key}")


def _sequence_bump(key: str, day: date | None) -> int | None:
    """Add one and read it back in one statement (the UPDATE holds the row lock); None if no row yet."""
    quote = connection.ops.quote_name
    table = quote(Sequence._meta.db_table)
    where, params = (f"{quote('day')} IS NULL", [key]) if day is None else (
        f"{quote('day')} = %s", [key, connection.ops.adapt_datefield_value(day)])
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {quote('value')} = {quote('value')} + 1 "
                       f"WHERE {quote('key')} = %s AND {where} RETURNING {quote('value')}", params)
        row = cursor.fetchone()
    return row[0] if row else None


def daily_number(key: str, day: date, *, width: int = 5, prefix: str = "") -> str:
    """`prefix` + YYYYMMDD-NNNNN, counted per day."""
    return f"{prefix}{day:%Y%m%d}-{sequence_next(key, day=day):0{width}d}"
