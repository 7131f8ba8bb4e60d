"""`seed_demo --if-empty` after a run cut short finishes the demo instead of keeping half of it.

`make run` generates the demo in the background while the site serves, so Ctrl-C may land in the
middle; the steps are stand-ins here (the real ones take a minute, see test_seed_demo)."""

from __future__ import annotations

import io
import sys
import types

import pytest
from django.core.management import call_command

from home.management.commands import seed_demo
from tests import factories

STEPS = ["demo_stand_in.catalogue", "demo_stand_in.logbook", "demo_stand_in.doi"]


@pytest.fixture
def steps(monkeypatch) -> list[str]:
    ran: list[str] = []
    for name in STEPS:
        module = types.ModuleType(name)

        def seed(*, out, name=name) -> None:
            interrupted = name.endswith("logbook") and name not in ran
            ran.append(name)
            if interrupted:
                raise KeyboardInterrupt  # Ctrl-C in the middle of the second step
            if name.endswith("catalogue"):
                factories.InvestigationFactory()

        module.seed = seed
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setattr(seed_demo, "DEMO_STEPS", STEPS)
    return ran


def test_an_interrupted_demo_is_finished_by_the_next_run(db, steps, settings) -> None:
    with pytest.raises(KeyboardInterrupt):
        call_command("seed_demo", "--if-empty", stdout=io.StringIO())
    assert steps == STEPS[:2]
    assert (settings.DATA_ROOT / ".demo-unfinished").read_text().split() == STEPS[:1]

    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert steps == STEPS[:2] + STEPS[1:]  # the catalogue is not made twice
    assert "Finishing the demo facility" in out.getvalue() and "ready" in out.getvalue()
    assert not (settings.DATA_ROOT / ".demo-unfinished").exists()

    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "already has a facility" in out.getvalue() and len(steps) == 4
