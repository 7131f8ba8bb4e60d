"""Signals the catalogue sends for the apps built on it, which it never imports."""

from __future__ import annotations

from django.dispatch import Signal

# An embargo's end was moved (ICAT+'s `POST /catalogue/investigations/{id}/release-date`).
# Sent once the change is saved, with `investigation`, `by` (the user), `previous` and `message`
# (the caller's words, maybe empty); the logbook records it in the investigation's logbook.
release_date_changed = Signal()
