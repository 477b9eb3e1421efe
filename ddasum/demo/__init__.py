"""Demo data for `manage.py seed_demo`: the operator, consumers, vendors, products, campaigns,
orders and public procurement of a mall that has been running for years.

The demo sits above every app: its modules import any app's models and services, and no app
imports them (only the seed_demo command and the tests do). One module per app, run in the
order of STEPS, each step in its own transaction with its own random stream. Seeds are
idempotent: a second run creates nothing.
"""
import random
import time
from collections.abc import Callable, Iterable

from django.db import transaction

from . import (
    accounts,
    board,
    campaigns,
    catalog,
    channels,
    delivery_dates,
    exchanges,
    exits,
    integrations,
    late_shipping,
    notifications,
    orders,
    procurement,
    reviews,
    vendors,
)

SEED = 2026

# (app label, its seeds) in order: vendors rely on the users accounts made, the catalog on the
# vendors, and so on. The board's demo runs in the campaigns step and draws from its stream.
STEPS: tuple[tuple[str, tuple[Callable[..., None], ...]], ...] = (
    ("accounts", (accounts.seed,)),
    ("vendors", (vendors.seed,)),
    ("catalog", (catalog.seed, delivery_dates.seed)),
    ("campaigns", (campaigns.seed, board.seed)),
    ("orders", (orders.seed, exchanges.seed, late_shipping.seed, notifications.seed)),
    ("procurement", (procurement.seed, channels.seed)),
    # Vendor performance reads every record above, so it comes last; the vendors' API key and webhook
    # log after it (its deliveries name orders and quote requests, and no earlier seed sends to it).
    ("reviews", (reviews.seed, exits.seed, integrations.seed)),
)


def demo_steps(labels: Iterable[str] = ()) -> list[tuple[str, tuple[Callable[..., None], ...]]]:
    """The steps of `labels` (every step when empty), in their order."""
    wanted = set(labels)
    return [(label, seeds) for label, seeds in STEPS if not wanted or label in wanted]


def demo_seed(*, stdout, style, labels: Iterable[str] = ()) -> None:
    """Run the steps of `labels` (every step by default), printing a heading and the time of each.

    `stdout` and `style` are the management command's (an OutputWrapper and its colours).
    """
    steps = demo_steps(labels)
    if not steps:
        stdout.write("no app has a demo module")
        return
    started = time.perf_counter()
    for label, seeds in steps:
        # One stream per app, derived from the fixed seed: an app that draws more numbers
        # does not change the data of the apps after it.
        rng = random.Random(f"{SEED}:{label}")
        stdout.write(style.MIGRATE_HEADING(f"{label}"))
        step_started = time.perf_counter()
        with transaction.atomic():
            for seed in seeds:
                seed(stdout=stdout, rng=rng)
        stdout.write(f"  ({time.perf_counter() - step_started:.1f}s)")
    stdout.write(style.SUCCESS(f"demo data ready in {time.perf_counter() - started:.1f}s"))
