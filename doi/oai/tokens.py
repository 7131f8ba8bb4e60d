"""Resumption tokens: stateless and signed, naming the request and the last record sent.

The next page starts after that record's id (keyset), so records added or changed meanwhile
neither shift the pages nor repeat. A token past its expiry date is refused.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing

SALT = "doi.oai.resumption"


class BadToken(Exception):
    pass


@dataclass(frozen=True)
class Resume:
    verb: str
    prefix: str
    set_spec: str
    since: str  # the request's `from` and `until`, as sent
    until: str
    after: int  # id of the last record sent
    cursor: int  # records sent before the next page


def issue(resume: Resume, *, now: datetime | None = None) -> tuple[str, datetime]:
    """The token and its expiry date."""
    now = now or datetime.now(UTC)
    expires = (now + timedelta(seconds=settings.OAI_TOKEN_LIFETIME)).replace(microsecond=0)
    token = signing.dumps({**asdict(resume), "expires": expires.timestamp()}, salt=SALT)
    return token, expires


def read(token: str, *, verb: str) -> Resume:
    try:
        data = signing.loads(token, salt=SALT)
        expires = datetime.fromtimestamp(data.pop("expires"), UTC)
        resume = Resume(**data)
    except (signing.BadSignature, TypeError, KeyError, ValueError) as exc:
        raise BadToken("The resumption token is not one this repository issued.") from exc
    if expires < datetime.now(UTC):
        raise BadToken("The resumption token has expired: start the list again.")
    if resume.verb != verb:
        raise BadToken(f"The resumption token continues {resume.verb}, not {verb}.")
    return resume
