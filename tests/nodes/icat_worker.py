"""The Celery app of the many-nodes test's `sync` workers: the project's app, whose ICAT is the
recorded-entities stand-in of the ICAT sync tests (not ICAT), read slowly enough to kill a worker
between two batches. Started as `celery -A tests.nodes.icat_worker worker -Q sync`."""

from __future__ import annotations

import os
import time
from pathlib import Path

from celery import signals

from portal.celery import app  # noqa: F401 - the app `celery -A` finds here

RECORDING = Path(__file__).parent.parent / "catalogue" / "icat_fixtures" / "initial.json"


@signals.worker_init.connect
def _recorded_icat(**kwargs) -> None:
    from catalogue.icat import sync
    from catalogue.icat.recorded import RecordedGateway

    pause = float(os.environ.get("PORTAL_TEST_ICAT_BATCH_SECONDS", "0.5"))

    class SlowRecordedGateway(RecordedGateway):
        def read_batch(self, *args, **kwargs):
            time.sleep(pause)  # a remote ICAT's latency
            return super().read_batch(*args, **kwargs)

    sync.default_gateway = lambda: SlowRecordedGateway.from_json(RECORDING)
