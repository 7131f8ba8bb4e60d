"""The demo's richest logbook entry: the principal investigator's end-of-shift summary, with a
heading, bold and italics, a list, the online-processing plot between two paragraphs and a table,
as people write them in the editor (it shows what the page and the PDF export keep).

Built from the session's own datasets, without the demo's random generator: adding it changes
nothing else the generator makes."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from django.utils import timezone
from django.utils.html import escape

from catalogue.models import DatasetType, Investigation, Role


def shift_summary(
    inv: Investigation, datasets: list, *, image, when: datetime, base: dict
) -> dict | None:
    raws = [d for d in datasets if d.type == DatasetType.RAW]
    pi = next((m.user for m in inv.members.all() if m.role == Role.PRINCIPAL_INVESTIGATOR), None)
    if not raws or pi is None:
        return None
    samples = Counter(d.sample.name if d.sample else d.name for d in raws)
    processed = sum(1 for d in datasets if d.type == DatasetType.PROCESSED)
    items = "".join(
        f"<li><strong>{escape(name)}</strong>: {n} dataset{'s' if n > 1 else ''}</li>"
        for name, n in samples.most_common(5)
    )
    rows = "".join(
        f"<tr><td>{escape(d.name)}</td><td>{escape(d.sample.name if d.sample else '')}</td>"
        f"<td>{timezone.localtime(d.start_date):%d %b %H:%M}</td></tr>"
        for d in raws[:6]
    )
    html = (
        "<h3>Measured</h3>"
        f"<p>We measured <strong>{len(raws)} datasets</strong> on "
        f"<strong>{len(samples)} sample{'s' if len(samples) > 1 else ''}</strong>; online "
        f"processing ran on <em>{processed}</em> of them.</p>"
        f"<ul>{items}</ul>"
        "<h3>Online processing</h3>"
        f"<p>The online processing of <strong>{escape(image['dataset'])}</strong>:</p>"
        f'<p><img src="{image["url"]}" alt="{escape(image["dataset"])}"></p>'
        "<p>It looks as we hoped: <em>keep these settings</em> for the next shift.</p>"
        "<h3>First datasets</h3>"
        "<table><thead><tr><th>Dataset</th><th>Sample</th><th>Started</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )
    return {
        **base,
        "type": "annotation",
        "category": "comment",
        "creationDate": when,
        "username": pi.username,
        "title": "Shift summary",
        "tag": [],
        "content": [{"format": "html", "text": html}],
    }
