"""Developer tool, not collected by pytest: prints what every cell answers today, to write or
review the declared table. Run: .venv/bin/python -m pytest tests/access_matrix/survey.py -p no:randomly -s -o python_files=survey.py"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

from .kinds import STATES_OF, fill
from .table import KIND
from .walk import METHODS, classify, clients, expand, nonexistent, send, url_patterns
from .world import ROLES


def test_survey(in_world) -> None:
    world = in_world
    by_role = clients(world)
    lines = []
    for pattern in url_patterns():
        kind = KIND.get(pattern.name)
        if kind is None:
            continue
        for method in METHODS:
            for state in STATES_OF[kind]:
                kwargs = fill(kind, world, state)
                if "api_key" in pattern.route:
                    kwargs["api_key"] = world.api_keys["beamline"]
                if "fmt" in pattern.route and "fmt" not in kwargs:
                    kwargs["fmt"] = "bib"
                path = expand(pattern.route, kwargs)
                missing = expand(pattern.route, nonexistent(kwargs))
                row = []
                for role in ROLES:
                    json = pattern.name.startswith(("api", "icat"))
                    try:
                        got = classify(send(by_role[role], method, path, hx=False, json=json))
                    except Exception as exc:  # noqa: BLE001
                        got = f"EXC {type(exc).__name__}"
                    try:
                        nx = classify(send(by_role[role], method, missing, hx=False, json=json))
                    except Exception as exc:  # noqa: BLE001
                        nx = f"EXC {type(exc).__name__}"
                    row.append(got if got == nx or kind == "none" else f"{got}/{nx}")
                lines.append(
                    f"{pattern.name} {method} {state}: "
                    + " ".join(f"{r[:4]}={v}" for r, v in zip(ROLES, row))
                )
    with open("/tmp/survey.txt", "w") as out:
        out.write("\n".join(lines))
    assert lines
