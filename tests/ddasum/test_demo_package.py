"""`ddasum.demo`: above every app (no app imports it), its steps in order, one random stream a step."""
import ast
import io
import random
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import OutputWrapper
from django.core.management.color import no_style
from django.utils import translation

import ddasum.demo
from ddasum.demo import STEPS, board, campaigns, demo_seed, demo_steps
from ddasum.demo.drawing import has_korean_font, korean_font
from ddasum.demo.vendors import VENDOR1_EMAIL, demo_vendor1, region_short, vendor_owners
from tests.factories import MembershipFactory
from vendors.models import MembershipRole, Region

REPO = Path(settings.BASE_DIR)
APP_PACKAGES = ("accounts", "vendors", "catalog", "campaigns", "orders", "procurement", "ddasum")
# The only module outside the demo that may import it: the command that runs it.
DEMO_USERS = {REPO / "ddasum" / "management" / "commands" / "seed_demo.py"}


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports (relative imports resolved), with `module.name` for each from-import."""
    package = path.relative_to(REPO).with_suffix("").parts[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = list(package[: len(package) - node.level + 1]) if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return found


def app_modules():
    demo_dir = REPO / "ddasum" / "demo"
    for name in APP_PACKAGES:
        for path in sorted((REPO / name).rglob("*.py")):
            if demo_dir not in path.parents and path not in DEMO_USERS:
                yield path


def test_no_app_module_imports_the_demo():
    offenders = {
        str(path.relative_to(REPO)): sorted(m for m in imported_modules(path) if m.startswith("ddasum.demo"))
        for path in app_modules()
    }
    assert {path: found for path, found in offenders.items() if found} == {}


def test_the_checker_sees_absolute_and_relative_imports():
    assert "ddasum.demo.demo_seed" in imported_modules(REPO / "ddasum" / "management" / "commands" / "seed_demo.py")
    assert "ddasum.demo.accounts.OPERATOR_EMAIL" in imported_modules(REPO / "ddasum" / "demo" / "campaigns.py")
    assert "procurement.models.PurchaseOrder" in imported_modules(REPO / "procurement" / "services" / "purchases.py")


def test_steps_follow_the_apps_order_and_name_installed_apps():
    labels = [label for label, _seeds in STEPS]
    assert labels == ["accounts", "vendors", "catalog", "campaigns", "orders", "procurement", "reviews"]
    installed = [config.label for config in apps.get_app_configs()]
    assert labels == [label for label in installed if label in labels]
    # The board's demo draws from the campaigns' stream, after the campaigns.
    assert dict(STEPS)["campaigns"] == (campaigns.seed, board.seed)


def test_labels_choose_steps_in_the_steps_order():
    assert [label for label, _ in demo_steps(["procurement", "accounts"])] == ["accounts", "procurement"]
    assert demo_steps(["ddasum"]) == []
    assert demo_steps() == list(STEPS)


@pytest.mark.django_db
def test_each_step_has_its_own_seeded_stream(monkeypatch):
    drawn: dict[str, list[float]] = {}

    def recorder(name):
        def seed(*, stdout, rng):
            drawn.setdefault(name, []).append(rng.random())
            stdout.write(f"  {name}")
        return seed

    monkeypatch.setattr(ddasum.demo, "STEPS", (("accounts", (recorder("a"),)), ("campaigns", (recorder("c"), recorder("b")))))
    out = io.StringIO()
    demo_seed(stdout=OutputWrapper(out), style=no_style(), labels=())

    stream = random.Random("2026:campaigns")
    assert drawn == {"a": [random.Random("2026:accounts").random()], "c": [stream.random()], "b": [stream.random()]}
    lines = out.getvalue().splitlines()
    assert lines[:2] == ["accounts", "  a"] and lines[3:6] == ["campaigns", "  c", "  b"]
    assert lines[-1].startswith("demo data ready in ")


def test_an_app_without_demo_data_seeds_nothing():
    out = io.StringIO()
    call_command("seed_demo", "ddasum", stdout=out)
    assert out.getvalue() == "no app has a demo module\n"


# --- what the later steps share -------------------------------------------------------------------


def test_region_short_is_the_korean_name_without_si_or_gun_in_any_language():
    with translation.override("en"):
        assert region_short(Region.CHEONAN) == "천안"
        assert region_short(Region.GEUMSAN) == "금산"
    assert {region_short(r) for r in Region.values} >= {"홍성", "계룡", "태안"}


@pytest.mark.django_db
def test_vendor1_and_the_owners():
    assert demo_vendor1() is None and vendor_owners() == {}
    mine = MembershipFactory(user__email=VENDOR1_EMAIL)
    MembershipFactory(user=mine.user, role=MembershipRole.STAFF)  # vendor1 also works for another enterprise
    other = MembershipFactory()

    assert demo_vendor1() == mine.vendor
    assert vendor_owners() == {mine.vendor_id: mine.user, other.vendor_id: other.user}


def test_pictures_are_drawn_in_the_bundled_nanum_gothic():
    assert has_korean_font()
    assert korean_font(24).getname() == ("NanumGothic", "Regular")
    assert korean_font(24, bold=True).getname() == ("NanumGothic", "Bold")
    assert korean_font(30) is korean_font(30)  # loaded once
