"""The project's settings as a fresh process reads them from a given environment.

Settings are computed once, at import: checking how an environment variable is read needs a new
interpreter. `code` prints one JSON line last; variables whose names start with `drop_prefix` are
removed from this process's environment first, so the machine's own configuration cannot leak in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent


def settings_in_fresh_process(code: str, *, drop_prefix: str, **env: str) -> Any:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(drop_prefix)}
    environment.update(SECRET_KEY="x", **env)
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])
