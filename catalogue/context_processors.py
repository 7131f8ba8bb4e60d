from __future__ import annotations

from django.http import HttpRequest

from .basket import SESSION_KEY


def basket(request: HttpRequest) -> dict:
    """The navbar's basket counter, without touching the session store when there is no basket."""
    session = getattr(request, "session", None)
    raw = session.get(SESSION_KEY) if session is not None else None
    count = len(raw.get("datasets", [])) + len(raw.get("datafiles", [])) if raw else 0
    return {"basket_count": count}
