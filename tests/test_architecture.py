"""The shape rules the code promises, checked on its source (tests and
migrations aside): apps import only from the floors below them, no import
circle, no module past 400 lines, pages only in the face apps, error codes from
enums, one writer for every status, and settings that do nothing when imported."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Lowest first (docs/contributing.md "How the code is laid out"). An app
# imports only from floors below its own; apps on one floor do not import
# each other.
FLOORS = [
    ["core"],
    ["accounts"],
    ["events"],
    ["wallets", "catalog"],
    ["orders"],
    ["payments"],
    ["storefront", "dashboard"],
    ["demo"],
    ["config"],
]
FLOOR = {app: level for level, apps in enumerate(FLOORS) for app in apps}
PACKAGES = sorted(FLOOR)
DOMAIN = ["accounts", "events", "wallets", "catalog", "orders", "payments"]
STATE_MACHINES = ["orders", "payments", "events"]
MAX_MODULE_LINES = 400


def _modules(packages=PACKAGES) -> dict[str, ast.Module]:
    modules = {}
    for package in packages:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "tests" in parts or "migrations" in parts:
                continue
            name = ".".join(parts).removesuffix(".__init__")
            modules[name] = ast.parse(path.read_text(), filename=str(path))
    return modules


def _imported(node: ast.AST, known: dict) -> list[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        names = [
            f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in known else node.module
            for alias in node.names
        ]
    else:
        return []
    return [name for name in names if name in known]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, done, path = [], set(), []

    def visit(module):
        path.append(module)
        for target in sorted(graph[module]):
            if target in path:
                found.append([*path[path.index(target) :], target])
            elif target not in done:
                visit(target)
        path.pop()
        done.add(module)

    for module in sorted(graph):
        if module not in done:
            visit(module)
    return found


def test_project_modules_import_each_other_without_a_circle():
    modules = _modules()
    graph = {
        name: {target for node in ast.walk(tree) for target in _imported(node, modules)}
        for name, tree in modules.items()
    }

    assert _cycles(graph) == []


def _app_imports(packages=PACKAGES):
    """(module, line, imported app) for every import of another project app."""
    for name, tree in _modules(packages).items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module]
            else:
                continue
            for target in targets:
                app = target.split(".")[0]
                if app in FLOOR and app != name.split(".")[0]:
                    yield name, node.lineno, app


def test_apps_import_only_from_the_floors_below_them():
    upward = [
        f"{module}:{line} imports {app}"
        for module, line, app in _app_imports()
        if FLOOR[app] >= FLOOR[module.split(".")[0]]
    ]

    assert upward == []


def test_no_module_of_app_code_is_longer_than_the_threshold():
    long = {
        str(path.relative_to(ROOT)): lines
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if not {"tests", "migrations"} & set(path.relative_to(ROOT).parts)
        and (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }

    assert long == {}


def _page_templates(tree: ast.Module) -> list[str]:
    """Template names a module names: pages, not the admin's screens or emails."""
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.endswith(".html")
        and not node.value.startswith(("admin/", "emails/"))
    ]


def test_no_domain_app_renders_a_page():
    """Pages belong to storefront/ and dashboard/; a domain app renders none."""
    pages = {
        name: names
        for name, tree in _modules(DOMAIN).items()
        if (names := _page_templates(tree))
        or any(
            isinstance(node, ast.ImportFrom)
            and node.module == "django.shortcuts"
            and any(alias.name == "render" for alias in node.names)
            for node in ast.walk(tree)
        )
    }

    assert pages == {}


def test_importing_the_settings_makes_no_folder_writes_no_environment_and_starts_nothing():
    probe = """
import os, pathlib, sys
made = []
pathlib.Path.mkdir = lambda self, *a, **k: made.append(str(self))
before = dict(os.environ)
import config.settings.base
import sentry_sdk
changed = sorted(k for k in set(before) | set(os.environ) if before.get(k) != os.environ.get(k))
print(made, changed, sentry_sdk.get_client().is_active(), "prometheus_client" in sys.modules)
"""
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "SENTRY_DSN": "https://public@sentry.invalid/1",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed probe
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True
    )

    assert result.stdout.strip() == "[] [] False False", result.stderr


def test_no_project_import_hides_inside_a_function():
    """A function-local import is how a circle hides; AppConfig.ready is the one
    place one belongs (registering the Celery tasks)."""
    modules = _modules()
    hidden = [
        f"{name}.{function.name} imports {target}"
        for name, tree in modules.items()
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        and not (name.endswith(".apps") and function.name == "ready")
        for node in ast.walk(function)
        for target in _imported(node, modules)
    ]

    assert hidden == []


def test_error_codes_are_enum_members_not_string_literals():
    literals = [
        f"{name}:{node.lineno} code={node.value.value!r}"
        for name, tree in _modules().items()
        for node in ast.walk(tree)
        if isinstance(node, ast.keyword)
        and node.arg == "code"
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    ]

    assert literals == []


def _writes_status(node: ast.AST) -> bool:
    if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return any(isinstance(t, ast.Attribute) and t.attr == "status" for t in targets)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in {"update", "bulk_update"} and any(
            keyword.arg == "status" for keyword in node.keywords
        )
    return False


def test_statuses_are_written_only_by_the_state_modules():
    writers = [
        f"{name}:{node.lineno}"
        for name, tree in _modules(STATE_MACHINES).items()
        if not name.endswith(".state")
        for node in ast.walk(tree)
        if _writes_status(node)
    ]

    assert writers == []
