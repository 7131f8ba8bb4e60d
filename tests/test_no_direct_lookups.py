"""Views, APIs and ICAT+ routes find objects only through the access policy.

A `Model.objects.get(pk=...)` or `get_object_or_404(Model, ...)` on a request value answers
whoever asks, team or not; `catalogue/access.py` (its `get_*_or_404` and `visible_*` helpers, or
a manager's `for_user`, which intersects with them) is the one place that decides. This test
reads the source, so a new view that skips the policy fails here before any matrix runs."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = [
    "catalogue/views/*.py",
    "catalogue/api*.py",
    "catalogue/icatplus/*.py",
    "catalogue/panosc/*.py",
    "logbook/views/*.py",
    "logbook/api.py",
    "logbook/icatplus*.py",
    "shipments/views/*.py",
    "shipments/api.py",
    "doi/views.py",
    "doi/api.py",
    "doi/icatplus.py",
    "portal/views.py",
    "home/views.py",
    "doi/oai/*.py",
    "doi/collection_views.py",
]
# Lookups that take no id from the request: (module, enclosing function) -> why it is safe.
ALLOWED = {
    ("logbook/icatplus_apikey.py", "authenticate"): (
        "the raw API key is the caller's credential, not an object id: authentication"
    ),
    ("portal/views.py", "profile"): "the signed-in user's own API token, chosen by no parameter",
}
# Query methods that fetch one object (or the first of a query).
SINGLE_OBJECT = {"get", "first", "last", "earliest", "latest"}
SHORTCUTS = {"get_object_or_404", "get_list_or_404"}


def _chain(node: ast.AST) -> list[ast.AST]:
    """The nodes of a call chain such as `Model.objects.filter(...).first`, outermost first."""
    nodes = []
    while isinstance(node, ast.Call | ast.Attribute):
        nodes.append(node)
        node = node.func if isinstance(node, ast.Call) else node.value
    return [*nodes, node]


def _through_policy(node: ast.AST) -> bool:
    """The chain starts from the access policy: `access.<helper>(...)` or `.for_user(...)`."""
    for link in _chain(node):
        if isinstance(link, ast.Attribute) and link.attr == "for_user":
            return True
        if isinstance(link, ast.Attribute) and isinstance(link.value, ast.Name):
            if link.value.id == "access":
                return True
    return False


def _on_manager(node: ast.AST) -> bool:
    """The chain starts from a model's default manager (`Model.objects...`)."""
    return any(isinstance(link, ast.Attribute) and link.attr == "objects" for link in _chain(node))


def _direct_lookup(call: ast.Call) -> bool:
    func = call.func
    if (
        isinstance(func, ast.Name | ast.Attribute)
        and getattr(func, "id", getattr(func, "attr", None)) in SHORTCUTS
    ):
        # The first argument is a model or a queryset; only one from the policy is fine.
        return not (call.args and _through_policy(call.args[0]))
    if isinstance(func, ast.Attribute) and func.attr in SINGLE_OBJECT:
        return _on_manager(func.value) and not _through_policy(func.value)
    return False


def _functions(tree: ast.AST) -> dict[ast.AST, str]:
    """Each node's innermost enclosing function name ("" at module level)."""
    owner: dict[ast.AST, str] = {}

    def visit(node: ast.AST, name: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = (
                child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else name
            )
            owner[child] = inner
            visit(child, inner)

    visit(tree, "")
    return owner


def direct_lookups(source: str, path: str) -> list[str]:
    tree = ast.parse(source)
    owner = _functions(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _direct_lookup(node):
            if (path, owner[node]) not in ALLOWED:
                found.append(f"{path}:{node.lineno} in {owner[node]}(): {ast.unparse(node)[:100]}")
    return found


def _module_paths() -> list[Path]:
    return sorted({path for pattern in MODULES for path in ROOT.glob(pattern)})


def test_views_and_apis_look_objects_up_only_through_the_access_policy() -> None:
    found = [
        hit
        for path in _module_paths()
        for hit in direct_lookups(path.read_text(), str(path.relative_to(ROOT)))
    ]
    assert found == [], "look these up with a catalogue/access.py helper:\n" + "\n".join(found)


def test_every_allowed_lookup_still_exists() -> None:
    """An allow-list entry whose lookup is gone would silently allow a new one."""
    used = set()
    for path in _module_paths():
        relative = str(path.relative_to(ROOT))
        tree = ast.parse(path.read_text())
        owner = _functions(tree)
        used |= {
            (relative, owner[node])
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and _direct_lookup(node)
        }
    assert set(ALLOWED) <= used


def test_the_guard_recognises_direct_lookups() -> None:
    """The patterns it must catch, and the policy routes it must let through."""
    caught = [
        "Parcel.objects.get(pk=pk)",
        "get_object_or_404(Parcel, pk=pk)",
        "get_object_or_404(Parcel.objects.select_related('shipment'), pk=pk)",
        "Dataset.objects.filter(pk=pk).first()",
        "Dataset.objects.select_related('sample').filter(pk=pk).values_list('name').first()",
    ]
    passed = [
        "access.get_parcel_or_404(request.user, pk)",
        "access.visible_datasets(request.user).filter(pk=pk).first()",
        "Parcel.objects.for_user(request.user).filter(pk=pk).first()",
        "get_object_or_404(Parcel.objects.for_user(request.user), pk=pk)",
        "investigation.datasets.filter(pk=pk).first()",
        "request.GET.get('q')",
    ]
    for code in caught:
        assert direct_lookups(f"def view():\n    {code}\n", "x.py"), code
    for code in passed:
        assert not direct_lookups(f"def view():\n    {code}\n", "x.py"), code


def test_every_for_user_intersects_with_the_access_policy() -> None:
    """`for_user` counts as the policy above only because each one is `self & access.visible_*`."""
    checked = 0
    for path in ROOT.glob("*/models.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name == "for_user":
                checked += 1
                assert any(
                    isinstance(n, ast.Attribute)
                    and isinstance(n.value, ast.Name)
                    and n.value.id == "access"
                    and n.attr.startswith("visible_")
                    for n in ast.walk(node)
                ), f"{path}: for_user must come from catalogue.access"
    assert checked
