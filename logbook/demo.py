"""Demo logbooks: what each beamline's control software logged while the sessions' datasets were
measured (commands and results in that technique's words, from the datasets' own parameters), team
comments, a few errors, online-processing plots, tags, a beamline logbook per beamline and a
broadcast. Events are timed inside their session, next to the dataset they name, never after now.
In the latest sessions, a note written after the fact (with the time it refers to) that the team
then edited, so its history has something to show. Bulk inserts keep it fast."""

from __future__ import annotations

import io
import random
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.html import escape

from catalogue.models import (
    Datafile,
    Dataset,
    DatasetParameter,
    DatasetType,
    Instrument,
    Investigation,
)

from .demo_beamline import beamline_notes
from .demo_script import SCRIPTS
from .demo_summary import shift_summary
from .models import ApiKey, Tag, hash_key
from .services import TAG_PALETTE, event_create, event_update, image_store
from .store import get_store

DEMO_API_KEY = "demo-beamline-key"  # documented in the README; never use in production
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


def _kinds() -> dict[str, str]:
    from catalogue.demo.content import BEAMLINES

    return {b.name: b.kind for b in BEAMLINES}


def _kind_of(investigation: Investigation, kinds: dict[str, str]) -> str:
    name = investigation.instrument.name
    return kinds.get(name) or ("mx" if investigation.name.startswith("MX") else "nanodiff")


def _spread(lines: list, start: datetime, end: datetime) -> list[tuple[datetime, str, str]]:
    """The lines one after the other between start and end, as a console prints them."""
    step = (end - start) / max(len(lines), 1)
    return [(start + step * i, category, text) for i, (category, text) in enumerate(lines)]


def _previews(investigations: list[Investigation]) -> dict[int, Path]:
    """Each processed dataset's PNG preview on disk, attached as its online-processing plot."""
    previews: dict[int, Path] = {}
    rows = Datafile.objects.filter(
        dataset__investigation__in=investigations,
        dataset__type=DatasetType.PROCESSED,
        name__endswith=".png",
    ).values_list("dataset_id", "location")
    for dataset_id, location in rows.order_by("name"):
        previews.setdefault(dataset_id, Path(settings.DATA_ROOT) / location)
    return previews


class _Session:
    """The events of one investigation, timed inside it and next to the datasets they name."""

    def __init__(self, inv: Investigation, kind: str, rng: random.Random, now: datetime) -> None:
        self.inv, self.rng, self.script = inv, rng, SCRIPTS[kind]
        self.last = min(inv.end_date, now)  # an ongoing session has nothing after now
        self.team = [m.user.username for m in inv.members.all()] or ["pnovak"]
        self.tags = rng.sample(TAGS, 3)
        self.docs: list[dict] = []
        self.base = {
            "investigationId": inv.pk,
            "investigationName": inv.name,
            "instrumentName": inv.instrument.name,
            "removed": False,
        }

    def _clamp(self, when: datetime) -> datetime:
        return min(max(when, self.inv.start_date), self.last)

    def notify(self, when: datetime, category: str, text: str, dataset=None) -> None:
        if category == "comment":
            self.docs.append(
                {
                    **self.base,
                    "type": "annotation",
                    "category": "comment",
                    "creationDate": self._clamp(when),
                    "username": self.rng.choice(self.team),
                    "title": "",
                    "tag": [self.rng.choice(self.tags)] if self.rng.random() < 0.4 else [],
                    "content": [{"format": "html", "text": f"<p>{escape(text)}</p>"}],
                    **self._dataset(dataset),
                }
            )
            return
        self.docs.append(
            {
                **self.base,
                "type": "notification",
                "category": category,
                "creationDate": self._clamp(when),
                "content": [{"format": "plainText", "text": text}],
                "software": self.script.software,
                "machine": f"{self.inv.instrument.name.lower().replace('-', '')}ctrl",
                "tag": [],
                "username": "",
                **self._dataset(dataset),
            }
        )

    @staticmethod
    def _dataset(dataset) -> dict:
        return {"datasetId": dataset.pk, "datasetName": dataset.name} if dataset else {}

    def play(self, datasets: list, params: dict[int, dict]) -> None:
        g, inv = self.rng, self.inv
        measured = [d for d in datasets if d.start_date and d.start_date <= self.last]
        raws = [d for d in measured if d.type == DatasetType.RAW]
        first = raws[0].start_date if raws else inv.start_date + timedelta(hours=1)
        setup = self.script.setup(g, params.get(raws[0].pk, {}) if raws else {})
        for when, category, text in _spread(setup, inv.start_date + timedelta(minutes=5), first):
            self.notify(when, category, text)
        for dataset in measured:
            values = params.get(dataset.pk, {})
            sample = dataset.sample.name if dataset.sample else dataset.name
            end = dataset.end_date or dataset.start_date
            if dataset.type == DatasetType.RAW:
                lines = self.script.raw(g, dataset.name, sample, values)
                if self.script.errors and g.random() < 0.1:
                    lines.insert(len(lines) // 2, ("error", g.choice(self.script.errors)))
                begin = dataset.start_date - timedelta(minutes=3)
                for when, category, text in _spread(lines, begin, end):
                    self.notify(when, category, text, dataset)
                continue
            lines = self.script.processed(g, dataset.name, sample, values)
            for when, category, text in _spread(lines, end, end + timedelta(minutes=2)):
                self.notify(when, category, text, dataset)
            if self.script.comments and g.random() < 0.5:
                comment = g.choice(self.script.comments).format(sample=sample)
                self.notify(end + timedelta(minutes=g.randint(3, 15)), "comment", comment, dataset)

    def attach(self, dataset, data: bytes) -> dict:
        attachment = image_store(
            data=data,
            filename=f"{dataset.name}.png",
            investigation=self.inv,
            instrument_name=self.inv.instrument.name,
            by="",
        )
        self.docs.append(
            {
                **self.base,
                "type": "attachment",
                "category": "file",
                "username": "",
                "creationDate": self._clamp(
                    (dataset.end_date or dataset.start_date) + timedelta(minutes=1)
                ),  # fmt: skip
                "datasetId": dataset.pk,
                "datasetName": dataset.name,
                "tag": [],
                "title": f"Online processing: {dataset.name}",
                "software": self.script.software,
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
        return {"url": attachment.get_absolute_url(), "dataset": dataset.name}

    def summarise(self, datasets: list, image: dict) -> None:
        measured = [d for d in datasets if d.start_date and d.start_date <= self.last]
        ends = [d.end_date or d.start_date for d in measured]
        when = self._clamp(max(ends) + timedelta(minutes=30)) if ends else self.last
        doc = shift_summary(self.inv, measured, image=image, when=when, base=self.base)
        if doc:
            self.docs.append(doc)


def _parameters(investigations: list[Investigation]) -> dict[int, dict]:
    params: dict[int, dict] = defaultdict(dict)
    rows = DatasetParameter.objects.filter(dataset__investigation__in=investigations).values_list(
        "dataset_id", "type__name", "numeric_value", "string_value"
    )
    for dataset_id, name, number, string in rows:
        params[dataset_id][name] = number if number is not None else string
    return params


def _beamline_docs(rng: random.Random, now: datetime, kinds: dict[str, str]) -> list[dict]:
    """Every few days a note by one of the beamline's scientists, in working hours, all past."""
    docs = []
    for instrument in Instrument.objects.prefetch_related("scientists").order_by("name"):
        scientists = [u.username for u in instrument.scientists.order_by("pk")] or ["admin"]
        days = list(range(60, 0, -rng.randint(3, 5)))
        notes = beamline_notes(rng, kinds.get(instrument.name, "mx"), len(days))
        for day, (title, text) in zip(days, notes, strict=True):
            local = timezone.localtime(now - timedelta(days=day))
            when = local.replace(hour=rng.randint(8, 17), minute=rng.randint(0, 59))
            docs.append(
                {
                    "type": "annotation",
                    "category": "comment",
                    "instrumentName": instrument.name,
                    "investigationId": None,
                    "creationDate": when,
                    "username": scientists[0] if rng.random() < 0.75 else rng.choice(scientists),
                    "tag": [],
                    "removed": False,
                    "title": title,
                    "content": [{"format": "html", "text": f"<p>{escape(text)}</p>"}],
                }
            )
    return docs


def _broadcast(investigations: list[Investigation], now: datetime, staff) -> list[dict]:
    """A beam loss during the newest session that has begun, a few hours ago at most."""
    begun = [i for i in investigations if i.start_date < now - timedelta(hours=3)]
    if not begun:
        return []
    inv = begun[0]
    when = min(inv.start_date + (inv.end_date - inv.start_date) / 2, now - timedelta(hours=3))
    local = timezone.localtime(when)
    return [
        {
            "type": "broadcast",
            "category": "info",
            "investigationId": None,
            "instrumentName": None,
            "creationDate": when,
            "username": staff.username if staff else "admin",
            "tag": [],
            "removed": False,
            "title": "Beam loss",
            "content": [
                {
                    "format": "html",
                    "text": f"<p>Beam lost at {local:%H:%M} after an RF trip; "
                    "refill expected within the hour.</p>",
                }
            ],
        }
    ]


# A note written later about what happened earlier, then corrected (twice) by the team.
LATE_NOTES = [
    (
        "Beam dump during sweep 2",
        "Sweep 2 lost its last 40 degrees to the beam dump; the crystal was not recentred.",
        "Sweep 2 lost its last 35 degrees to the beam dump; the crystal was recentred and the "
        "sweep recollected.",
    ),
    (
        "Cryostream ice",
        "Ice ring visible on the first images, from the cryostream; annealed once.",
        "Ice rings on the first 20 images, from a humid cryostream; annealed twice, clean since.",
    ),
    (
        "Sample changer jam",
        "Puck 3 position 7 jammed the gripper; mounted by hand.",
        "Puck 3 position 7 jammed the gripper (bent pin); mounted by hand, puck set aside.",
    ),
]


def _late_notes(investigations: list[Investigation], now: datetime) -> int:
    """The first note of each of the latest sessions that have a team, through the services (so
    the "refers to" time is checked as on the page)."""
    written = 0
    for inv, (title, first, second) in zip(
        [inv for inv in investigations if inv.members.all()], LATE_NOTES, strict=False
    ):
        team = [m.user.username for m in inv.members.all()]
        when = min(inv.end_date, now) - timedelta(minutes=20)
        where = {"investigation": inv, "instrument": inv.instrument}
        doc = event_create(
            **where,
            type="annotation",
            category="comment",
            by=team[0],
            title=title,
            html=f"<p>{escape(first)}</p>",
            when=when,
            refers_to=max(when - timedelta(hours=3), inv.start_date),
        )
        doc = event_update(
            event=doc, by=team[-1], title=title, html=f"<p>{escape(second)}</p>", tags=[], **where
        )
        event_update(
            event=doc,
            by=team[0],
            title=title,
            html=f"<p>{escape(second)}</p>",
            tags=["radiation damage" if "dump" in title else "to reprocess"],
            **where,
        )
        written += 1
    return written


def seed(*, out) -> None:
    if ApiKey.objects.filter(key_hash=hash_key(DEMO_API_KEY)).exists():  # made with the logbooks
        out.write("Logbook: the demo logbooks are there already.\n")
        return
    rng = random.Random(5)
    store = get_store()
    now = timezone.now()
    kinds = _kinds()
    staff = get_user_model().objects.filter(is_staff=True).order_by("pk").first()
    investigations = list(
        Investigation.objects.filter(start_date__lte=now)
        .select_related("instrument")
        .prefetch_related("members__user")
        .order_by("-start_date")[:80]
    )
    params = _parameters(investigations)
    previews = _previews(investigations)
    datasets: dict[int, list] = defaultdict(list)
    for dataset in (
        Dataset.objects.filter(investigation__in=investigations)
        .select_related("sample")
        .order_by("start_date", "name")
    ):
        datasets[dataset.investigation_id].append(dataset)
    docs: list[dict] = []
    images = 0
    for inv in investigations:
        session = _Session(inv, _kind_of(inv, kinds), rng, now)
        for i, name in enumerate(session.tags):
            Tag.objects.get_or_create(
                investigation=inv,
                name=name,
                defaults={"colour": TAG_PALETTE[i], "instrument": inv.instrument},
            )
        session.play(datasets[inv.pk], params)
        processed = [d for d in datasets[inv.pk] if d.type == DatasetType.PROCESSED]
        plots = []
        for dataset in processed[:2]:
            if images >= 24 or dataset.start_date > session.last:
                break
            preview = previews.get(dataset.pk)
            data = preview.read_bytes() if preview and preview.is_file() else None
            plots.append(session.attach(dataset, data or _plot(rng, dataset.name)))
            images += 1
        if plots:
            session.summarise(datasets[inv.pk], plots[0])
        docs += session.docs
    docs += _beamline_docs(rng, now, kinds)
    docs += _broadcast(investigations, now, staff)
    count = store.insert_many(docs) + _late_notes(investigations, now)
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
