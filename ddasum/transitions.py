"""One state-transition helper for every state machine: the table, the stamps, the save, the event row.

Each app builds one `StateMachine` per machine, next to its transition table, and its private
`_transition()` calls `move()`; what only that app knows (who may take a step, which extra
fields change with it, which notice to queue after commit) stays in the app:

    ORDER = StateMachine(
        transitions=ORDER_TRANSITIONS, choices=OrderStatus, error=InvalidTransition,
        refusal=gettext_lazy("'%(from)s' 상태의 주문은 '%(to)s'(으)로 바꿀 수 없습니다."),
        stamps={OrderStatus.PAID: "paid_at"}, event_model=StatusEvent, event_fk="order",
    )
    event = ORDER.move(order, OrderStatus.PAID, actor=user, reason="…")

`move()` runs inside the caller's transaction (the caller has locked the row): it never
commits and never queues a task.
"""
from collections.abc import Callable, Iterable, Mapping

from django.db import models
from django.utils import timezone

from .exceptions import InvalidTransition


class StateMachine:
    """A transition table with how a move is refused, stamped, saved and recorded."""

    def __init__(
        self,
        *,
        transitions: Mapping[str, frozenset],
        choices: type[models.TextChoices],
        refusal,
        event_model: type[models.Model],
        event_fk: str,
        error: type[Exception] = InvalidTransition,
        field: str = "status",
        stamps: Mapping[str, str] | None = None,
        stamp_every: Iterable[str] = (),
        keep_first: Iterable[str] = (),
        event_fields: Callable[[models.Model], dict] | None = None,
    ):
        """
        transitions  {from: frozenset(to, …)}, the one table of the machine
        choices      the TextChoices whose labels name the states in the refusal
        refusal      a (lazy) message with %(from)s and %(to)s, raised as `error`
        event_model  the history row (actor, from_status, to_status, reason, created_at) and
        event_fk     the name of its foreign key to the object; `event_fields(obj)` adds others
        stamps       {to: field}: a timestamp set on entering that state
        stamp_every  timestamps set on every move; `keep_first` ones are set only while empty
        """
        self.transitions = {str(k): frozenset(v) for k, v in transitions.items()}
        self.choices = choices
        self.refusal = refusal
        self.event_model = event_model
        self.event_fk = event_fk
        self.error = error
        self.field = field
        self.stamps = {str(k): v for k, v in (stamps or {}).items()}
        self.stamp_every = tuple(stamp_every)
        self.keep_first = frozenset(keep_first)
        self.event_fields = event_fields
        self._auto_now: dict[type, tuple[str, ...]] = {}

    # --- reading the table -------------------------------------------------------------------

    def targets(self, from_status: str) -> frozenset:
        """The states reachable in one step from `from_status`."""
        return self.transitions.get(str(from_status), frozenset())

    def allows(self, from_status: str, to: str) -> bool:
        return to in self.targets(from_status)

    def label(self, value: str):
        """The state's label (as the choices name it); an unknown value reads as itself."""
        return self.choices(value).label if value in self.choices.values else value

    def check(self, obj, to: str) -> None:
        """Raise `error` with the refusal if the object may not move to `to` now."""
        before = getattr(obj, self.field)
        if not self.allows(before, to):
            raise self.error(str(self.refusal) % {"from": self.label(before), "to": self.label(to)})

    # --- moving ---------------------------------------------------------------------------------

    def move(self, obj, to: str, *, actor=None, reason: str = "", fields: Iterable[str] = ()):
        """Check the table, set the status and its stamps, save them with `update_fields`, write the event.

        `fields` are other fields the caller changed on `obj` for this step (saved with it);
        fields with auto_now (updated_at) are saved too. Returns the event row.
        """
        self.check(obj, to)
        now = timezone.now()
        before = getattr(obj, self.field)
        setattr(obj, self.field, to)
        update = [self.field, *fields]
        for name in self._stamp_fields(to):
            if name in self.keep_first and getattr(obj, name) is not None:
                continue
            setattr(obj, name, now)
            update.append(name)
        update += self._auto_now_fields(type(obj))
        obj.save(update_fields=list(dict.fromkeys(update)))
        event = self._event(obj, before, to, actor=actor, reason=reason, when=now)
        event.save()
        return event

    def record_created(self, objs: Iterable, *, actor=None, reason: str = "") -> list:
        """Write the first event ("" → its status) of objects just created, with one bulk insert."""
        now = timezone.now()
        events = [self._event(obj, "", getattr(obj, self.field), actor=actor, reason=reason, when=now) for obj in objs]
        return self.event_model.objects.bulk_create(events)

    # --- inside -----------------------------------------------------------------------------------

    def _stamp_fields(self, to: str) -> list[str]:
        names = list(self.stamp_every)
        if str(to) in self.stamps:
            names.append(self.stamps[str(to)])
        return names

    def _auto_now_fields(self, model: type) -> tuple[str, ...]:
        if model not in self._auto_now:
            self._auto_now[model] = tuple(
                f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False)
            )
        return self._auto_now[model]

    def _event(self, obj, before: str, to: str, *, actor, reason: str, when):
        # Only a signed-in user is recorded: an anonymous request or a task acts for no one.
        values = {
            self.event_fk: obj,
            "actor": actor if getattr(actor, "is_authenticated", False) else None,
            "from_status": before,
            "to_status": to,
            "reason": reason,
            "created_at": when,
        }
        if self.event_fields is not None:
            values.update(self.event_fields(obj))
        return self.event_model(**values)
