"""The house's rules on imports, read from the source (docs/architecture.md).

The graph has one node per module of the project (every .py file outside .venv, migrations
and tests included) and an edge for every import, at module level or inside a function: a
function-level import is still a dependency, only a later one. `from package import name`
counts as an import of `package.name` when that is a module, else of the package itself.
Imports under `if TYPE_CHECKING:` never run and do not count.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {".venv", "node_modules", "static", "templates", "locale"}

DOMAIN_APPS = ("dialogues", "stockholmstinget")
PAGES = ("portal.urls", "portal.views")

# (importer, imported): modules under the first never import modules under the second. The
# direction is pages -> domain apps -> registration core -> accounts, outbox -> portal core.
FORBIDDEN = [
    ("dialogues", "stockholmstinget"),
    ("stockholmstinget", "dialogues"),
    *(
        (low, app)
        for low in ("portal.registrations", "accounts", "portal.outbox")
        for app in DOMAIN_APPS
    ),
    ("accounts", "portal.registrations"),
    ("portal.outbox", "portal.registrations"),
    *(
        (low, page)
        for low in (*DOMAIN_APPS, "portal.registrations", "accounts", "portal.outbox")
        for page in PAGES
    ),
]
# The outbox knows of accounts only their extension point (its erasers register there).
OUTBOX_MAY_IMPORT_FROM_ACCOUNTS = {"accounts.registry"}
# Each counts as one unit in the check for cycles between apps; accounts.registry, which the
# others import to plug into Mina sidor, export and erasure, is a unit of its own.
UNITS = ["accounts.registry", "portal.registrations", "portal.outbox", "accounts", *DOMAIN_APPS]


# A Django module's name with a suffix or prefix says "this room is really two rooms"
# (`views_summaries.py`, `reach_admin.py`): the second room is a package instead.
ROOM_NAMES = ("admin", "forms", "models", "services", "tasks", "urls", "views", "demo")
# `admin_site` is the admin site itself, as Django calls it; `test_settings` are settings.
NAMED_ON_PURPOSE = {"accounts.admin_site", "portal.test_settings"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(BASE_DIR).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@functools.cache
def _sources() -> dict[str, Path]:
    sources = {}
    for path in BASE_DIR.rglob("*.py"):
        relative = path.relative_to(BASE_DIR).parts
        if any(part in SKIPPED_DIRS or part.startswith(".") for part in relative[:-1]):
            continue
        sources[_module_name(path)] = path
    return sources


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST):
    """Every Import and ImportFrom node, also in functions and classes, not under TYPE_CHECKING."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _known(name: str, modules: dict[str, Path]) -> str | None:
    """The longest prefix of a dotted name that is a module of the project."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


@functools.cache
def import_graph() -> dict[str, set[str]]:
    modules = _sources()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                if node.level:
                    base = package.split(".") if package else []
                    base = base[: len(base) - (node.level - 1)]
                    stem = ".".join([*base, node.module] if node.module else base)
                else:
                    stem = node.module or ""
                targets = [
                    f"{stem}.{alias.name}" if f"{stem}.{alias.name}" in modules else stem
                    for alias in node.names
                ]
            for target in targets:
                known = _known(target, modules)
                if known is not None and known != name:
                    graph[name].add(known)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iteratively)."""
    tarjan = _Tarjan(graph)
    for root in sorted(graph):
        if root not in tarjan.index:
            tarjan.walk(root)
    return tarjan.components


class _Tarjan:
    """Tarjan's strongly connected components, with an explicit stack instead of recursion."""

    def __init__(self, graph: dict[str, set[str]]) -> None:
        self.graph = graph
        self.index: dict[str, int] = {}
        self.low: dict[str, int] = {}
        self.on_stack: set[str] = set()
        self.stack: list[str] = []
        self.components: list[list[str]] = []

    def walk(self, root: str) -> None:
        self._enter(root)
        work = [(root, iter(sorted(self.graph[root])))]
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                self._leave(node, parent=work[-1][0] if work else None)
            elif child not in self.index:
                self._enter(child)
                work.append((child, iter(sorted(self.graph[child]))))
            elif child in self.on_stack:
                self.low[node] = min(self.low[node], self.index[child])

    def _enter(self, node: str) -> None:
        self.index[node] = self.low[node] = len(self.index)
        self.stack.append(node)
        self.on_stack.add(node)

    def _leave(self, node: str, *, parent: str | None) -> None:
        if parent is not None:
            self.low[parent] = min(self.low[parent], self.low[node])
        if self.low[node] != self.index[node]:
            return
        component = []
        while True:
            member = self.stack.pop()
            self.on_stack.discard(member)
            component.append(member)
            if member == node:
                break
        if len(component) > 1:
            self.components.append(sorted(component))


def _under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def test_the_graph_sees_module_and_function_level_imports():
    graph = import_graph()
    # Module level: meetings name the registration core's statuses.
    assert "portal.registrations.models" in graph["dialogues.models"]
    # Under TYPE_CHECKING: not an import at run time.
    assert "accounts.models" not in graph["portal.registrations.models"]
    # Function level: the home page reads meetings and summaries inside its view.
    assert "dialogues.models" in graph["portal.views"]
    # `from package import module` is an import of the module.
    assert "portal.outbox.tasks" in graph["portal.apps"]


def test_no_module_imports_itself_through_others():
    cycles = _cycles(import_graph())
    assert cycles == [], "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_no_app_imports_itself_through_others():
    """Apps, the registration core and the outbox taken whole: no cycle between them either."""

    def unit(module: str) -> str | None:
        return next((u for u in UNITS if _under(module, u)), None)

    units: dict[str, set[str]] = {u: set() for u in UNITS}
    for module, targets in import_graph().items():
        if unit(module) is None or ".migrations." in module:
            continue
        units[unit(module)] |= {unit(t) for t in targets if unit(t) not in (None, unit(module))}
    cycles = _cycles(units)
    assert cycles == [], "cycles between apps: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_imports_go_one_way_between_the_apps():
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in import_graph().items()
        for target in targets
        for low, high in FORBIDDEN
        if _under(module, low) and _under(target, high)
    )
    assert wrong == []


def test_the_outbox_knows_of_accounts_only_their_registry():
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in import_graph().items()
        if _under(module, "portal.outbox")
        for target in targets
        if _under(target, "accounts") and target not in OUTBOX_MAY_IMPORT_FROM_ACCOUNTS
    )
    assert wrong == []


def test_no_module_is_a_room_named_by_a_suffix():
    wrong = sorted(
        name
        for name in _sources()
        if not _under(name, "tests")
        and ".migrations." not in name
        and ".management.commands." not in name  # named by the command they run
        and name not in NAMED_ON_PURPOSE
        and any(
            leaf.startswith(f"{room}_") or leaf.endswith(f"_{room}")
            for leaf in [name.rpartition(".")[2]]
            for room in ROOM_NAMES
        )
    )
    assert wrong == []
