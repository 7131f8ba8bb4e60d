"""Demo logbooks: thousands of command lines with their results, team comments, errors, plots of
the sessions' datasets, tags, a beamline logbook and a broadcast. Bulk inserts keep it fast."""

from __future__ import annotations

import io
import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from catalogue.models import Instrument, Investigation

from .models import ApiKey, Tag, hash_key
from .services import TAG_PALETTE, image_store
from .store import get_store

DEMO_API_KEY = "demo-beamline-key"  # documented in the README; never use in production
COMMANDS = {
    "MX": [
        "mv phi {a}",
        "collect(osc={o}, n={n}, exp=0.02)",
        "characterise(wedge=4)",
        "mesh_scan(20, 20)",
        "centre_crystal()",
        "set_energy({e})",
        "set_resolution({r})",
    ],
    "SAXS": [
        "ct 1",
        "load_sample(plate=1, well={n})",
        "flow_cell.flush()",
        "sc3000 measure {n}",
        "set_energy({e})",
        "buffer_subtract()",
    ],
    "default": [
        "ascan samy -{a} {a} 40 0.1",
        "dscan sz -0.5 0.5 50 0.2",
        "mv samx {a}",
        "ct 0.5",
        "set_energy({e})",
        "fluo_map(60, 60, 0.05)",
        "tomo_scan(3600, 0.01)",
    ],
}
RESULTS = [
    "Scan finished: {n} points, max counts {c}",
    "Indexed in P212121, resolution {r} Å",
    "Rg = {a} Å, I(0) = {c}",
    "Edge found at {e} keV",
    "{n} frames written",
    "Mean intensity {c} cts/s",
]
ERRORS = [
    "Motor samy did not reach position (limit switch)",
    "Detector timeout after 30 s",
    "Beam lost: ring current 0 mA",
    "Cryostream temperature out of range (112 K)",
    "Flow cell blocked: pressure 3.2 bar",
]
COMMENTS = [
    "Crystal looks good, moving on to full collection.",
    "Switched to the smaller beam for this sample.",
    "Ice rings visible, will anneal and retry.",
    "Buffer measured before and after each sample.",
    "Radiation damage after 200 frames; reduce exposure.",
    "Sample {n} is the best so far.",
    "Alignment done with the on-axis camera.",
    "Good signal up to high q; concentration series next.",
]
TAGS = ["best sample", "to reprocess", "alignment", "calibration", "radiation damage"]


def _plot(rng: random.Random, title: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    x = np.linspace(0.01, 0.5, 200)
    rg = rng.uniform(15, 40)
    y = np.exp(-((x * rg) ** 2) / 3) + rng.uniform(0.001, 0.01) * np.random.default_rng(
        rng.randint(0, 99)
    ).random(200)
    fig, ax = plt.subplots(figsize=(5, 3.2), dpi=90)
    ax.semilogy(x, y, color="#0b5ed7")
    ax.set(title=title, xlabel="q (1/Å)", ylabel="I(q)")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def _fill(rng: random.Random, text: str) -> str:
    return text.format(
        a=rng.randint(1, 90),
        o=rng.choice([0.05, 0.1, 0.2]),
        n=rng.randint(10, 3600),
        e=round(rng.uniform(7, 17), 3),
        r=round(rng.uniform(1.2, 3.0), 2),
        c=rng.randint(1000, 99999),
    )


def seed(*, out) -> None:
    rng = random.Random(5)
    store = get_store()
    users = get_user_model().objects
    staff = users.filter(is_staff=True).order_by("pk").first()
    docs: list[dict] = []
    images = 0
    investigations = list(
        Investigation.objects.select_related("instrument")
        .prefetch_related("members__user", "datasets")
        .order_by("-start_date")[:80]
    )
    for inv in investigations:
        kind = (
            "MX"
            if inv.name.startswith("MX")
            else ("SAXS" if inv.instrument.name == "BM29" else "default")
        )
        team = [m.user.username for m in inv.members.all()] or ["pnovak"]
        tags = rng.sample(TAGS, 3)
        for i, name in enumerate(tags):
            Tag.objects.get_or_create(
                investigation=inv,
                name=name,
                defaults={"colour": TAG_PALETTE[i], "instrument": inv.instrument},
            )
        span = max((inv.end_date - inv.start_date).total_seconds(), 3600)
        base = {
            "investigationId": inv.pk,
            "investigationName": inv.name,
            "instrumentName": inv.instrument.name,
            "removed": False,
        }
        datasets = list(inv.datasets.all())
        for n in range(rng.randint(80, 140)):
            when = inv.start_date + timedelta(seconds=span * n / 140 + rng.randint(0, 60))
            dataset = rng.choice(datasets) if datasets else None
            ds = {"datasetId": dataset.pk, "datasetName": dataset.name} if dataset else {}
            docs.append(
                {
                    **base,
                    **ds,
                    "type": "notification",
                    "category": "commandline",
                    "creationDate": when,
                    "content": [
                        {"format": "plainText", "text": _fill(rng, rng.choice(COMMANDS[kind]))}
                    ],
                    "software": "MXCuBE" if kind == "MX" else "BLISS",
                    "machine": f"{inv.instrument.name.lower()}ctrl",
                    "tag": [],
                    "username": "",
                }
            )
            roll = rng.random()
            if roll < 0.35:
                docs.append(
                    {
                        **base,
                        **ds,
                        "type": "notification",
                        "category": "info",
                        "creationDate": when + timedelta(seconds=20),
                        "content": [
                            {"format": "plainText", "text": _fill(rng, rng.choice(RESULTS))}
                        ],
                        "software": "BLISS",
                        "tag": [],
                        "username": "",
                    }
                )
            elif roll < 0.38:
                docs.append(
                    {
                        **base,
                        "type": "notification",
                        "category": "error",
                        "creationDate": when + timedelta(seconds=5),
                        "content": [{"format": "plainText", "text": rng.choice(ERRORS)}],
                        "software": "BLISS",
                        "tag": [],
                        "username": "",
                    }
                )
            elif roll < 0.45:
                docs.append(
                    {
                        **base,
                        "type": "annotation",
                        "category": "comment",
                        "creationDate": when + timedelta(seconds=90),
                        "username": rng.choice(team),
                        "title": "",
                        "tag": [rng.choice(tags)] if rng.random() < 0.5 else [],
                        "content": [
                            {"format": "html", "text": f"<p>{_fill(rng, rng.choice(COMMENTS))}</p>"}
                        ],
                    }
                )
        for dataset in datasets[:2]:
            if images >= 24:
                break
            attachment = image_store(
                data=_plot(rng, dataset.name),
                filename=f"{dataset.name}.png",
                investigation=inv,
                instrument_name=inv.instrument.name,
                by="",
            )
            images += 1
            docs.append(
                {
                    **base,
                    "type": "attachment",
                    "category": "file",
                    "username": "",
                    "creationDate": (dataset.end_date or inv.start_date) + timedelta(minutes=2),
                    "datasetId": dataset.pk,
                    "datasetName": dataset.name,
                    "tag": [],
                    "title": f"Online processing: {dataset.name}",
                    "software": "EDNA",
                    "filename": attachment.filename,
                    "contentType": attachment.content_type,
                    "fileSize": attachment.size,
                    "file": [str(attachment.uuid)],
                    "content": [
                        {
                            "format": "html",
                            "text": f'<p><img src="{attachment.get_absolute_url()}" '
                            f'alt="{attachment.filename}"></p>',
                        }
                    ],
                }
            )
    now = timezone.now()
    for instrument in Instrument.objects.filter(name__in=["ID23-1", "BM29"]):
        for day in range(30, 0, -3):
            docs.append(
                {
                    "type": "annotation",
                    "category": "comment",
                    "instrumentName": instrument.name,
                    "investigationId": None,
                    "creationDate": now - timedelta(days=day, hours=rng.randint(0, 12)),
                    "username": "pnovak" if instrument.name == "ID23-1" else "emartin",
                    "tag": [],
                    "removed": False,
                    "title": rng.choice(
                        [
                            "Weekly alignment",
                            "Detector calibration",
                            "Beamline maintenance",
                            "Cryo refill",
                        ]
                    ),
                    "content": [
                        {
                            "format": "html",
                            "text": "<p>Beam position checked; energy calibrated "
                            f"at {_fill(rng, '{e}')} keV.</p>",
                        }
                    ],
                }
            )
    if investigations:
        inv = investigations[0]  # the newest session
        docs.append(
            {
                "type": "broadcast",
                "category": "info",
                "investigationId": None,
                "instrumentName": None,
                "creationDate": inv.start_date + (inv.end_date - inv.start_date) / 2,
                "username": staff.username if staff else "admin",
                "tag": [],
                "removed": False,
                "title": "Beam loss",
                "content": [
                    {
                        "format": "html",
                        "text": "<p>Beam lost at 14:02 after an "
                        "RF trip; refill expected within the hour.</p>",
                    }
                ],
            }
        )
    count = store.insert_many(docs)
    if not ApiKey.objects.filter(key_hash=hash_key(DEMO_API_KEY)).exists():
        ApiKey.objects.create(
            name="Demo beamline software (every beamline)",
            prefix=DEMO_API_KEY[:8],
            key_hash=hash_key(DEMO_API_KEY),
        )
    out.write(
        f"Logbook: {count} events in {len(investigations)} investigations, {images} plots; "
        f"acquisition API key '{DEMO_API_KEY}'."
    )
