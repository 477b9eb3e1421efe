from django.db import models


class Sequence(models.Model):
    """A counter per key (and day, for date-prefixed numbers), advanced under a row lock.

    Document numbers (orders, receipts, invoices, settlements) come from here, never from
    `last() + 1`: two documents made at once never share a number. See ddasum.numbering.
    """

    key = models.CharField(max_length=50)
    day = models.DateField(null=True, blank=True)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "day"], name="sequence_key_day_unique"),
            models.UniqueConstraint(fields=["key"], condition=models.Q(day__isnull=True), name="sequence_key_unique"),
        ]

    def __str__(self):
        return f"{self.key}:{self.day or '-'}={self.value}"
