"""The one way the portal sends e-mail: render a template now, deliver from a Celery task later.

`mail_send` renders templates/email/<template>.txt (first line: the subject; the rest: the text)
and, when it exists, templates/email/<template>.html, then hands the message to the
`portal.tasks.mail_deliver` task once the current transaction commits. No request waits on the
SMTP server, a rolled-back change sends nothing, and a server that is down or refuses the message
gets it again later (retries with exponential backoff) instead of losing it.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string


def mail_render(*, template: str, context: dict[str, Any]) -> dict[str, str]:
    """Subject, text and HTML (empty when the template has no .html) of one message."""
    context = {**context, "FACILITY_NAME": settings.FACILITY_NAME, "SITE_URL": settings.SITE_URL}
    subject, _, text = render_to_string(f"email/{template}.txt", context).partition("\n")
    try:
        html = render_to_string(f"email/{template}.html", context)
    except TemplateDoesNotExist:
        html = ""
    return {"subject": " ".join(subject.split()), "text": text.strip() + "\n", "html": html}


def mail_send(*, to: Iterable[str], template: str, context: dict[str, Any]) -> None:
    """One message to the given addresses (blank ones skipped), delivered after the commit."""
    recipients = sorted({address for address in to if address})
    if not recipients:
        return
    message = {"to": recipients, **mail_render(template=template, context=context)}
    # robust: a broker that cannot take the message must not turn a committed change into a 500.
    transaction.on_commit(partial(_deliver_later, message), robust=True)


def _deliver_later(message: dict[str, Any]) -> None:
    from .tasks import mail_deliver

    mail_deliver.delay(**message)
