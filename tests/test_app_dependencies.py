"""Dependencies point one way: portal <- catalogue <- (logbook, shipments, doi) <- home.

- portal is the base: it imports no other app. Only the project's wiring inside it (the root
  URLconf, which mounts every app) names the others.
- catalogue imports portal only; it (the access policy included) reaches the later apps' models
  by name (`apps.get_model`), never by import, and tells them of its events by signals.
- logbook, shipments and doi import portal and catalogue; doi also reads the logbook (ICAT+'s DOI
  routes list a session's logbook), and no other pair of them imports each other.
- home (home page, dashboard, navbar counts, demo generator) may import every app; none imports it.

The test walks every import, at module level or inside functions (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("portal", "catalogue", "logbook", "shipments", "doi", "home")
ALLOWED = {
    "portal": set(),
    "catalogue": {"portal"},
    "logbook": {"portal", "catalogue"},
    "shipments": {"portal", "catalogue"},
    "doi": {"portal", "catalogue", "logbook"},
    "home": {"portal", "catalogue", "logbook", "shipments", "doi"},
}
# The project's wiring, which lives in the base app's package as Django's layout has it.
WIRING = {"portal/urls.py"}


def imported_apps(source: str) -> set[str]:
    """Top-level packages among APPS that the source imports, wherever the import is."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & set(APPS)


def _sources(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        relative = str(path.relative_to(ROOT))
        if "/migrations/" not in relative and relative not in WIRING:
            yield relative, path.read_text()


def _graph() -> dict[str, dict[str, set[str]]]:
    """app -> other app -> the files of the first that import the second."""
    graph: dict[str, dict[str, set[str]]] = {app: {} for app in APPS}
    for app in APPS:
        for relative, source in _sources(app):
            for other in imported_apps(source) - {app}:
                graph[app].setdefault(other, set()).add(relative)
    return graph


def test_each_app_imports_only_the_apps_below_it() -> None:
    offenders = {
        f"{app} -> {other}": sorted(files)
        for app, edges in _graph().items()
        for other, files in edges.items()
        if other not in ALLOWED[app]
    }
    assert offenders == {}


def test_no_import_cycle_between_apps() -> None:
    graph = {app: set(edges) for app, edges in _graph().items()}
    done: set[str] = set()

    def walk(app: str, path: tuple[str, ...]) -> None:
        assert app not in path, " -> ".join((*path, app))
        if app not in done:
            for other in graph[app]:
                walk(other, (*path, app))
            done.add(app)

    for app in APPS:
        walk(app, ())


def test_the_guard_sees_imports_inside_functions() -> None:
    assert imported_apps("def f():\n    from shipments.models import Parcel\n") == {"shipments"}
    assert imported_apps("import doi.models as m\n") == {"doi"}
    assert imported_apps("from .models import Dataset\nfrom portal import mail\n") == {"portal"}
