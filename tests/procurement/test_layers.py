"""procurement's modules import downward only, without cycles and without imports inside functions.

models/exceptions/amounts ← selectors ← services ← tasks, forms ← views, admin, api, urls, templatetags.
"""
import ast
from pathlib import Path

from django.conf import settings

APP = Path(settings.BASE_DIR) / "procurement"
LAYERS = {
    "models": 0, "exceptions": 0, "amounts": 0,
    "selectors": 1,
    "services": 2,
    "tasks": 3, "forms": 3,
    "views": 4, "admin": 4, "api": 4, "urls": 4, "templatetags": 4, "apps": 4,
}
# apps.ready() registers the agency's document rule with vendors: models cannot load while apps.py does.
FUNCTION_IMPORTS_ALLOWED = {"procurement.apps"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(APP.rglob("*.py")):
        parts = path.relative_to(APP.parent).with_suffix("").parts
        if "migrations" in parts:
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(name: str, path: Path) -> list[tuple[str, ast.AST]]:
    """(imported procurement module, node) for every import of the module, relative ones resolved."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found += [(target, node) for target in targets if target == "procurement" or target.startswith("procurement.")]
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: {target for target, _node in _imports(name, path) if target in modules and target != name}
            for name, path in modules.items()}


def _layer(name: str) -> int:
    parts = name.split(".")
    return LAYERS[parts[1]] if len(parts) > 1 else 0


def test_no_import_inside_a_function():
    offenders = []
    for name, path in _modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                offenders += [f"{name}:{node.lineno}" for node in ast.walk(function)
                              if isinstance(node, (ast.Import, ast.ImportFrom)) and name not in FUNCTION_IMPORTS_ALLOWED]
    assert offenders == []


def test_every_module_has_a_layer():
    assert [name for name in _modules() if name.count(".") and name.split(".")[1] not in LAYERS] == []


def test_modules_import_downward_only():
    upward = sorted(f"{name} -> {target}" for name, targets in _graph().items() for target in targets
                    if _layer(target) > _layer(name))
    assert upward == []


def test_services_never_import_the_tasks():
    assert sorted(name for name, targets in _graph().items()
                  if name.startswith("procurement.services") and "procurement.tasks" in targets) == []


def test_no_import_cycle():
    graph, state, cycles = _graph(), {}, []

    def visit(name, stack):
        state[name] = "open"
        for target in sorted(graph[name]):
            if state.get(target) == "open":
                cycles.append(" -> ".join(stack[stack.index(target):] + [target]))
            elif target not in state:
                visit(target, stack + [target])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_the_checker_resolves_relative_imports():
    graph = _graph()
    assert "procurement.services.quotes" in graph["procurement.services.purchases"]
    assert "procurement.selectors.access" in graph["procurement.services.bundle"]
    assert "procurement.views.common" in graph["procurement.views.needs"]
