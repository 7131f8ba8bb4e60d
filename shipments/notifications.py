"""E-mails about a parcel: the team and the local contact hear when it is refused, received at
stores, or sent back. Queued through portal.mail when the status changes (see `workflow.move`) and
sent once the change commits."""

from __future__ import annotations

from django.conf import settings

from catalogue.models import InvestigationUser
from portal.mail import mail_send

from .models import ParcelStatus


def parcel_recipients(parcel) -> list[str]:
    members = InvestigationUser.objects.filter(investigation_id=parcel.shipment.investigation_id)
    emails = members.exclude(user__email="").values_list("user__email", flat=True)
    return sorted(set(emails))


def parcel_status_notify(*, status_id: int) -> int:
    """E-mail one status change after the transaction commits; answers how many people it goes
    to."""
    entry = ParcelStatus.objects.select_related(
        "parcel__shipment__investigation__instrument", "created_by"
    ).get(pk=status_id)
    parcel = entry.parcel
    recipients = parcel_recipients(parcel)
    mail_send(
        to=recipients,
        template="parcel_status",
        context={
            "entry": entry,
            "parcel": parcel,
            "investigation": parcel.shipment.investigation,
            "url": settings.SITE_URL + parcel.get_absolute_url(),
        },
    )
    return len(recipients)
