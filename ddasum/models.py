from django.db import models
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _

_CHOICE_LABELS: dict = {}


class ChoiceLabels:
    """A model mixin: get_FOO_display() that reads a table built once per field.

    Django's own rebuilds a dict of every choice on each call, and hashing a lazy label runs
    gettext, so a list of 20 orders paid several hundred translations for its status words. The
    labels stay lazy here: each call still answers in the active language.
    """

    def _get_FIELD_display(self, field):
        labels = _CHOICE_LABELS.get(field)
        if labels is None:
            labels = _CHOICE_LABELS[field] = {make_hashable(value): label for value, label in field.flatchoices}
        value = getattr(self, field.attname)
        return force_str(labels.get(make_hashable(value), value), strings_only=True)


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


class OutboxTask(models.Model):
    """A task a transaction queued (`ddasum.jobs.after_commit`), kept until a worker has run it.

    The row is written in the caller's transaction, so a committed change always has its
    follow-up on record even if the process dies before the task reaches the broker. The task
    is sent after the commit with an id naming the row; its success marks the row done, and
    `ddasum.jobs.outbox_sweep` sends again what is still not done after a while, giving up
    (for the operator to see in the admin) after OUTBOX_MAX_ATTEMPTS.
    """

    name = models.CharField(_("작업"), max_length=150)
    kwargs = models.JSONField(_("인자"), default=dict, blank=True)
    created_at = models.DateTimeField(_("기록 시각"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("마지막 보낸 시각"), null=True, blank=True)
    done_at = models.DateTimeField(_("완료 시각"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("보낸 횟수"), default=0)
    gave_up_at = models.DateTimeField(_("포기한 시각"), null=True, blank=True)
    last_error = models.TextField(_("마지막 오류"), blank=True)

    class Meta:
        verbose_name = _("작업 기록(아웃박스)")
        verbose_name_plural = _("작업 기록(아웃박스)")
        indexes = [
            # What the sweeper reads every minute: the rows neither done nor given up.
            models.Index(fields=["created_at"], name="outbox_pending_idx",
                         condition=models.Q(done_at__isnull=True, gave_up_at__isnull=True)),
            models.Index(fields=["done_at"], name="outbox_done_idx", condition=models.Q(done_at__isnull=False)),
        ]

    def __str__(self):
        return f"{self.name} #{self.pk}"

    @property
    def state(self) -> str:
        if self.done_at:
            return "done"
        if self.gave_up_at:
            return "gave_up"
        return "pending"
