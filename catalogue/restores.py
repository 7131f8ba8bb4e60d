"""Asking for a dataset back from tape, for anyone who may download it (the copying itself is
`downloads.dataset_restore`, run by a worker).

One restore per dataset at a time: a second request joins the running one, and its requester is
told by e-mail when it ends, as the first one is. Signed-in users ask directly; an anonymous
visitor gives an e-mail address and the restore starts when they open the signed link sent there
(so nobody can have restores mailed to someone else's address). Requests are counted per user, or
per client address and per e-mail address, at the "restore" rate of the project's throttles.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from rest_framework.request import Request

from portal.mail import mail_send
from portal.throttles import KeyedRateThrottle

from . import downloads
from .models import Dataset, DatasetRestore, DownloadJobStatus

TOKEN_SALT = "catalogue.restores.email"
THROTTLE_SCOPE = "restore"


@dataclass(frozen=True)
class RestoreAsked:
    restore: DatasetRestore | None  # None: the dataset is online, there is nothing to restore
    started: bool  # False with a restore: the request joined the one already running


def dataset_restore_ask(*, dataset: Dataset, by=None, email: str = "") -> RestoreAsked:
    """Start the dataset's restore, or join the running one: `email` (default: the user's) is
    told when it ends."""
    address = email or (by.email if by is not None else "")
    started = downloads.dataset_restore_request(dataset=dataset, by=by, email=address)
    if started is not None:
        return RestoreAsked(started, True)
    with transaction.atomic():
        running = (
            DatasetRestore.objects.select_for_update()
            .filter(
                dataset=dataset,
                status__in=[DownloadJobStatus.PENDING, DownloadJobStatus.RUNNING],
            )
            .first()
        )
        if running is not None and address and address not in running.notify:
            running.notify = [*running.notify, address]
            running.save(update_fields=["notify"])
    return RestoreAsked(running, False)


# An anonymous visitor's e-mail address, verified by a signed link --------------------------------


def restore_link_send(*, dataset: Dataset, email: str, next_url: str) -> None:
    """E-mail the link that starts the restore; `next_url` is where its page leads back to."""
    token = signing.dumps({"d": dataset.pk, "e": email, "n": next_url}, salt=TOKEN_SALT)
    mail_send(
        to=[email],
        template="dataset_restore_confirm",
        context={
            "dataset": dataset,
            "hours": settings.RESTORE_LINK_HOURS,
            "path": reverse("catalogue:dataset-restore-confirm", args=[dataset.pk])
            + "?"
            + urlencode({"token": token}),
        },
    )


@dataclass(frozen=True)
class RestoreLink:
    email: str
    next_url: str


def restore_link_read(token: str, *, dataset: Dataset) -> RestoreLink | None:
    """The address and return page a link was sent for, or None when it is forged, expired or
    made for another dataset."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=settings.RESTORE_LINK_HOURS * 3600)
    except signing.BadSignature:  # SignatureExpired included
        return None
    if not isinstance(data, dict) or data.get("d") != dataset.pk or not data.get("e"):
        return None
    return RestoreLink(email=str(data["e"]), next_url=str(data.get("n") or ""))


# Rate limit ------------------------------------------------------------------------------------


def restore_wait(request: HttpRequest | Request, *, email: str = "") -> float | None:
    """Count one restore request; None when it may go on, else the seconds to wait. Signed-in
    users are counted as themselves, visitors by client address and by the address they give.
    (A DRF request for ICAT+, whose caller is the session's user, not the cookie's.)"""
    if request.user.is_authenticated:
        idents = [f"user:{request.user.pk}"]
    else:
        address = KeyedRateThrottle(scope=THROTTLE_SCOPE, ident="-").get_ident(request)
        idents = [f"ip:{address}", f"email:{email.strip().lower()}"]
    waits = []
    for ident in idents:
        throttle = KeyedRateThrottle(scope=THROTTLE_SCOPE, ident=ident)
        if not throttle.allow_request(request, None):
            waits.append(throttle.wait() or 1.0)
    return max(waits) if waits else None
