"""E-mails about a parcel: the team and the local contact hear when it is refused, received at
stores, or sent back. Called after the status change commits (see `workflow.move`)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from catalogue.models import InvestigationUser

from .models import ParcelStatus

logger = logging.getLogger(__name__)


def parcel_recipients(parcel) -> list[str]:
    members = InvestigationUser.objects.filter(investigation_id=parcel.shipment.investigation_id)
    emails = members.exclude(user__email="").values_list("user__email", flat=True)
    return sorted(set(emails))


def parcel_status_notify(*, status_id: int) -> int:
    """Send the e-mail for one status change; answers how many people it went to."""
    entry = ParcelStatus.objects.select_related(
        "parcel__shipment__investigation__instrument", "created_by"
    ).get(pk=status_id)
    parcel = entry.parcel
    recipients = parcel_recipients(parcel)
    if not recipients:
        return 0
    investigation = parcel.shipment.investigation
    context = {
        "entry": entry,
        "parcel": parcel,
        "investigation": investigation,
        "url": settings.SITE_URL + parcel.get_absolute_url(),
        "facility": settings.FACILITY_NAME,
    }
    subject = (
        f"[{investigation.name}] Parcel {parcel.code} “{parcel.name}”: {entry.get_status_display()}"
    )
    body = render_to_string("shipments/email/parcel_status.txt", context)
    send_mail(subject, body, None, recipients)
    logger.info("parcel %s: %s e-mailed to %d people", parcel.code, entry.status, len(recipients))
    return len(recipients)
