"""The shape rules the code promises, checked on its source (tests and
migrations aside): no import circle, error codes from enums, and one writer for
every status."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["accounts", "catalog", "config", "core", "orders", "payments", "wallets"]
STATE_MACHINES = ["orders", "payments"]


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
