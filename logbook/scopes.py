"""Which logbook a request is about (an investigation's or a beamline's), and who may do what there.

Every rule comes from `catalogue.access`; this module only turns a URL or an event into a scope and
answers 404 to anyone who may not read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.http import Http404
from django.urls import reverse

from catalogue import access
from catalogue.models import Instrument, Investigation

from .store import EventQuery


@dataclass
class Scope:
    investigation: Investigation | None
    instrument: Instrument | None
    can_write: bool
    can_broadcast: bool
    across: bool = False  # beamline logbook: the events of all its investigations too

    @property
    def title(self) -> str:
        if self.investigation:
            return f"{self.investigation.name} logbook"
        return f"{self.instrument.name} beamline logbook"

    def base_query(self) -> EventQuery:
        if self.investigation is not None:
            inv = self.investigation
            # Broadcasts of the session's period (a day of margin either side for set-up).
            period = (inv.start_date - timedelta(days=1), inv.end_date + timedelta(days=1))
            return EventQuery(investigation_id=inv.pk, broadcasts_between=period)
        return EventQuery(
            instrument_name=self.instrument.name, beamline_only=not self.across, all_broadcasts=True
        )

    def url(self, name: str) -> str:
        if self.investigation is not None:
            return reverse(f"logbook:investigation{name}", args=[self.investigation.pk])
        if self.instrument is not None:
            return reverse(f"logbook:beamline{name}", args=[self.instrument.name])
        return reverse("portal:home")  # a facility-wide broadcast belongs to no logbook page

    @property
    def home_url(self) -> str:
        return self.url("")

    @property
    def create_url(self) -> str:
        return self.url("-create")

    @property
    def tags_url(self) -> str:
        return self.url("-tags")

    @property
    def pdf_url(self) -> str:
        return self.url("-pdf")

    @property
    def live_url(self) -> str:
        return self.url("-live")

    def tag_filter(self) -> dict:
        if self.investigation is not None:
            return {"investigation": self.investigation}
        return {"investigation": None, "instrument": self.instrument}


def investigation_scope(user, pk: int) -> Scope:
    investigation = access.get_investigation_or_404(user, pk)
    return Scope(
        investigation=investigation,
        instrument=investigation.instrument,
        can_write=access.can_write_logbook(user, investigation),
        can_broadcast=False,
    )


def beamline_scope(user, name: str, *, across: bool = False) -> Scope:
    instrument = Instrument.objects.filter(name=name).first()
    # A beamline the user may not read answers exactly as one that does not exist.
    if instrument is None or not access.can_view_beamline(user, instrument):
        raise Http404("No such beamline logbook")
    return Scope(
        investigation=None,
        instrument=instrument,
        can_write=True,
        can_broadcast=access.can_broadcast(user),
        across=across,
    )


def event_scope(user, doc: dict) -> Scope:
    """The logbook an event belongs to; 404 if the user may not read it. Broadcasts are readable
    by everyone and written by those who may broadcast."""
    if not access.can_read_event(user, doc):
        raise Http404("No such event")
    if doc.get("investigationId"):
        return investigation_scope(user, doc["investigationId"])
    if doc.get("instrumentName"):
        return beamline_scope(user, doc["instrumentName"])
    if doc.get("type") == "broadcast":
        return Scope(
            investigation=None,
            instrument=None,
            can_write=access.can_broadcast(user),
            can_broadcast=access.can_broadcast(user),
        )
    raise Http404("No such event")
