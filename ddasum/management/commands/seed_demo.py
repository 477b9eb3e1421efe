"""Fill the database with demo data: operator, consumers, vendors and what later apps add.

The data and the order of the steps live in `ddasum.demo`; this command checks its
arguments and runs it. Seeds are idempotent: a second run creates nothing.
"""
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ddasum.demo import demo_seed


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
        demo_seed(stdout=self.stdout, style=self.style, labels=app_labels)
