"""Fill the database with demo data: operator, consumers, vendors and what later apps add.

ddasum is the lowest layer and imports no app. Each app that has demo data exposes
`<app>/demo.py` with `seed(*, stdout, rng)`; this command finds those modules, in
INSTALLED_APPS order (so vendors can rely on the users accounts made), and runs each in
its own transaction. Seeds are idempotent: a second run creates nothing.
"""
import random
import time
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import module_has_submodule

SEED = 2026
MODULE = "demo"


def demo_seeders(labels=()):
    """(app label, seed function) for every installed app with a `demo.seed`, in order."""
    found = []
    for app_config in apps.get_app_configs():
        if labels and app_config.label not in labels:
            continue
        if not module_has_submodule(app_config.module, MODULE):
            continue
        seed = getattr(import_module(f"{app_config.name}.{MODULE}"), "seed", None)
        if callable(seed):
            found.append((app_config.label, seed))
    return found


class Command(BaseCommand):
    help = "데모 데이터(운영자, 소비자, 입점기업 …)를 만듭니다. 여러 번 실행해도 한 번만 만들어집니다."

    def add_arguments(self, parser):
        parser.add_argument("app_labels", nargs="*", help="these apps only (default: every app with a demo module)")
        parser.add_argument(
            "--allow-production", action="store_true",
            help="run even with DJANGO_ENV=production (the demo accounts share a published password)",
        )

    def handle(self, *args, app_labels=(), allow_production=False, **options):
        if getattr(settings, "PRODUCTION", False) and not allow_production:
            raise CommandError(
                "DJANGO_ENV=production: demo accounts have a published password. "
                "Pass --allow-production if this really is a demo server."
            )
        unknown = set(app_labels) - {config.label for config in apps.get_app_configs()}
        if unknown:
            raise CommandError(f"unknown app label(s): {', '.join(sorted(unknown))}")
        seeders = demo_seeders(app_labels)
        if not seeders:
            self.stdout.write("no app has a demo module")
            return
        started = time.perf_counter()
        for label, seed in seeders:
            # One stream per app, derived from the fixed seed: an app that draws more numbers
            # does not change the data of the apps after it.
            rng = random.Random(f"{SEED}:{label}")
            self.stdout.write(self.style.MIGRATE_HEADING(f"{label}"))
            app_started = time.perf_counter()
            with transaction.atomic():
                seed(stdout=self.stdout, rng=rng)
            self.stdout.write(f"  ({time.perf_counter() - app_started:.1f}s)")
        self.stdout.write(self.style.SUCCESS(f"demo data ready in {time.perf_counter() - started:.1f}s"))
