from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from catalogue import access
from catalogue.models import Role

KEY_PARAMETERS = 12


@require_GET
def investigation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    investigation = access.get_investigation_or_404(request.user, pk)
    members = list(
        investigation.members.select_related("user").order_by(
            "role", "user__full_name", "user__username"
        )
    )
    role_order = list(Role.values)
    members.sort(key=lambda m: role_order.index(m.role))
    return render(
        request,
        "catalogue/investigation_detail.html",
        {
            "investigation": investigation,
            "techniques": list(investigation.techniques.all()),
            "parameters": list(
                investigation.parameters.select_related("type").order_by("type__name")[
                    :KEY_PARAMETERS
                ]
            ),
            "members": members,
            "sample_count": investigation.samples.count(),
            "can_manage_team": access.can_manage_team(request.user, investigation),
            "in_team": access.is_in_team(request.user, investigation),
            "usage": access.usage_total_for(request.user, investigation),
        },
    )
