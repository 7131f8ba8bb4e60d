from __future__ import annotations

import os
import socket

from celery import Celery
from celery.signals import beat_init, worker_ready, worker_shutdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_filesystem_queue_folders(sender: Celery, **kwargs) -> None:
    # kombu's filesystem transport expects its folders to exist before the first message.
    from django.conf import settings

    if settings.CELERY_BROKER_URL.startswith("filesystem"):
        for key in ("data_folder_in", "data_folder_out", "control_folder"):
            os.makedirs(settings.CELERY_BROKER_TRANSPORT_OPTIONS[key], exist_ok=True)
        os.makedirs(settings.CELERY_DIR / "results", exist_ok=True)


@worker_ready.connect
def _worker_heartbeat(sender, **kwargs) -> None:
    from portal.heartbeat import heartbeat_start

    queues = ",".join(sorted(sender.app.amqp.queues.consume_from or sender.app.amqp.queues))
    heartbeat_start(kind="worker", name=sender.hostname, queues=queues)


@beat_init.connect
def _beat_heartbeat(sender, **kwargs) -> None:
    from portal.heartbeat import heartbeat_start

    heartbeat_start(kind="beat", name=f"beat@{socket.gethostname()}")


@worker_shutdown.connect
def _stop_heartbeat(**kwargs) -> None:
    from portal.heartbeat import heartbeat_stop

    heartbeat_stop()
