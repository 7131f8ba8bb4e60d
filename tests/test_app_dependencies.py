"""Dependencies point one way: portal <- catalogue <- (logbook, shipments, doi). catalogue (the
access policy included) reaches the other apps' models by name, never by import."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LATER_APPS = {"logbook", "shipments", "doi"}


def imported_apps(source: str) -> set[str]:
    """Top-level packages among LATER_APPS that the source imports, wherever the import is."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & LATER_APPS


def test_catalogue_imports_none_of_the_apps_built_on_it() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(apps)
        for path in sorted((ROOT / "catalogue").rglob("*.py"))
        if (apps := imported_apps(path.read_text()))
    }
    assert offenders == {}


def test_the_guard_sees_imports_inside_functions() -> None:
    assert imported_apps("def f():\n    from shipments.models import Parcel\n") == {"shipments"}
    assert imported_apps("import doi.models as m\n") == {"doi"}
    assert imported_apps("from .models import Dataset\nfrom portal import mail\n") == set()
