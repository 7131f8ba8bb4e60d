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


class ChildProcess:
    """A child process in its own session (so a kill takes its children too), logging to a file."""

    stop_timeout = 30  # seconds a polite SIGTERM gets before SIGKILL

    def __init__(self, args: list[str], *, env: dict[str, str], log_path: Path) -> None:
        self.args, self.env, self.log_path = args, env, log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> ChildProcess:
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            self.args,
            cwd=BASE_DIR,
            env=self.env,
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
                self.process.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class CeleryWorker(ChildProcess):
    def __init__(
        self,
        log_path: Path,
        extra_env: dict[str, str] | None = None,
        *,
        queues: str = "",
        name: str = "",
        app: str = "portal",
    ) -> None:
        self.extra_env = extra_env or {}
        self.queues = queues  # e.g. "zip" or "doi,default"; empty: every queue
        self.name = name
        self.app = app  # the Celery app module (`celery -A`)
        super().__init__([], env={}, log_path=log_path)

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
        # Built at start: the environment names the test database, known only once it exists.
        self.args = [
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
        ]
        self.env = self.environment()
        super().start()
        return self


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
