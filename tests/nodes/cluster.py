"""A small production-like deployment for the many-nodes test, all on this machine: a private
Redis (never the machine's shared one), gunicorn web nodes, Celery workers per queue and beats,
sharing the test database and folders. Stall detection is shortened by environment variables
(seconds here; the production defaults are in portal/settings.py)."""

from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path

import requests
from django.db import connection
from kombu import Connection

from tests.workers import CeleryWorker, ChildProcess, wait_for

# Seconds in the test; production: DOWNLOAD_STALE_SECONDS=60, DOI_STALE_SECONDS=180,
# SWEEP_INTERVAL_SECONDS=60.
STALE_SECONDS = 3
SWEEP_SECONDS = 3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Process(ChildProcess):
    stop_timeout = 20


class Redis(Process):
    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        super().__init__(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(folder),
            ],
            env=dict(os.environ),
            log_path=folder / "redis.log",
        )

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> Redis:
        super().start()
        wait_for(self._answers, timeout=20, message=f"redis to start; log:\n{self.log()}")
        return self

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def restart(self) -> None:
        """As a crash of a Redis that keeps nothing on disk: every queued message is gone."""
        self.kill()
        self.start()


class WebNode(Process):
    def __init__(self, folder: Path, name: str, env: dict[str, str]) -> None:
        self.port = free_port()
        super().__init__(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--threads",
                "4",
                "--timeout",
                "60",
            ],
            env=env,
            log_path=folder / f"web-{name}.log",
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, wait: bool = True) -> WebNode:
        super().start()
        if wait:
            self.wait()
        return self

    def wait(self) -> None:
        wait_for(self._answers, timeout=90, message=f"{self.url} to answer; log:\n{self.log()}")

    def _answers(self) -> bool:
        try:
            return requests.get(self.url + "/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False


class Cluster:
    """Two web nodes, a `zip` worker, a `doi,default` worker, one beat, a private Redis; and a
    `sync` worker when given the Celery app for it (`sync_app`)."""

    def __init__(
        self,
        folder: Path,
        *,
        roots: dict[str, Path],
        extra_env: dict[str, str],
        sync_app: str = "",
        sync_env: dict[str, str] | None = None,
    ) -> None:
        self.folder = folder
        self.sync_app, self.sync_env = sync_app, sync_env or {}
        self.redis = Redis(folder)
        self.roots = roots
        self.extra_env = extra_env
        self.webs: list[WebNode] = []
        self.workers: dict[str, CeleryWorker] = {}
        self.beats: list[Process] = []

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="tests.settings",
            PORTAL_TEST_DB_NAME=str(connection.settings_dict["NAME"]),
            PORTAL_TEST_SHARED_CACHE="1",
            REDIS_URL=self.redis.url,
            DEBUG="0",
            # Plain HTTP on 127.0.0.1: the cookies cannot be Secure here.
            SESSION_COOKIE_SECURE="0",
            CSRF_COOKIE_SECURE="0",
            DOWNLOAD_STALE_SECONDS=str(STALE_SECONDS),
            DOI_STALE_SECONDS=str(STALE_SECONDS),
            SWEEP_INTERVAL_SECONDS=str(SWEEP_SECONDS),
            DOI_REGISTER_SESSIONS="0",
            **{name: str(path) for name, path in self.roots.items()},
        )
        env.update(self.extra_env)
        env.update(extra)
        return env

    def start(self) -> Cluster:
        self.redis.start()
        self.webs = [WebNode(self.folder, name, self.env()) for name in ("a", "b")]
        for node in self.webs:  # all at once: each takes seconds to import the project
            node.start(wait=False)
        self.start_worker("zip", queues="zip")
        self.start_worker("doi", queues="doi,default")
        if self.sync_app:
            self.start_sync_worker()
        self.start_beat()
        for node in self.webs:
            node.wait()
        return self

    def start_worker(
        self, name: str, *, queues: str, app: str = "portal", **extra: str
    ) -> CeleryWorker:
        worker = CeleryWorker(
            self.folder / f"worker-{name}-{time.monotonic_ns()}.log",
            extra_env=self.env(**extra),
            queues=queues,
            name=name,
            app=app,
        )
        self.workers[name] = worker.start()
        return worker

    def start_sync_worker(self) -> CeleryWorker:
        return self.start_worker("sync", queues="sync", app=self.sync_app, **self.sync_env)

    def start_beat(self) -> Process:
        n = len(self.beats)
        beat = Process(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(self.folder / f"beat-{n}.db"),
            ],
            env=self.env(),
            log_path=self.folder / f"beat-{n}.log",
        ).start()
        self.beats.append(beat)
        return beat

    def send(self, task, *args) -> None:
        """Enqueue on the cluster's broker (this process's Celery app uses the test broker)."""
        with Connection(self.redis.url) as conn:
            task.apply_async(args=args, connection=conn)

    def stop(self) -> None:
        # Killed, not stopped: nothing is left to finish, and a warm shutdown costs seconds each.
        for process in [*self.beats, *self.workers.values(), *self.webs, self.redis]:
            process.kill()

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.log_path.name}\n{p.log()[-3000:]}"
            for p in [*self.webs, *self.workers.values(), *self.beats]
        )
