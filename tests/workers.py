"""Real Celery worker processes for tests, on the same broker and test database as the test."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection

from portal.celery import app

BASE_DIR = Path(__file__).resolve().parent.parent


def purge_queues() -> None:
    """Drop messages left by earlier tests, so a worker only runs this test's tasks."""
    with app.connection_for_write() as conn:
        channel = conn.default_channel
        for queue in settings.CELERY_TASK_QUEUES:
            try:
                channel.queue_purge(queue.name)
            except Exception:  # noqa: BLE001 - a queue that was never declared has nothing to purge
                pass


class CeleryWorker:
    def __init__(
        self,
        log_path: Path,
        extra_env: dict[str, str] | None = None,
        *,
        queues: str = "",
        name: str = "",
        app: str = "portal",
    ) -> None:
        self.log_path = log_path
        self.extra_env = extra_env or {}
        self.queues = queues  # e.g. "zip" or "doi,default"; empty: every queue
        self.name = name
        self.app = app  # the Celery app module (`celery -A`)
        self.process: subprocess.Popen | None = None

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="tests.settings",
            PORTAL_TEST_DB_NAME=str(connection.settings_dict["NAME"]),
            DATA_ROOT=str(settings.DATA_ROOT),
            DOWNLOAD_ROOT=str(settings.DOWNLOAD_ROOT),
            MEDIA_ROOT=str(settings.MEDIA_ROOT),
        )
        env.update(self.extra_env)
        return env

    def start(self) -> CeleryWorker:
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                self.app,
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                *(["--queues", self.queues] if self.queues else []),
                *(["--hostname", f"{self.name}@%h"] if self.name else []),
            ],
            cwd=BASE_DIR,
            env=self.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def kill(self) -> None:
        """SIGKILL, as when a machine dies: no warm shutdown, nothing acknowledged."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def wait_for(
    condition: Callable[[], object],
    *,
    timeout: float = 60,
    interval: float = 0.2,
    message: str = "condition",
) -> object:
    """Poll until `condition()` is truthy, failing with `message` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)
