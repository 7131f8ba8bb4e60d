"""Sign-in at an OpenID Connect provider, and linking an ORCID iD (portal/sso.py does the work).

Which provider an answer belongs to is remembered in the session when the sign-in starts, so
the callback address registered at every provider is the same one.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from . import sso

SESSION_PENDING = "sso_pending"
SESSION_NEXT = "sso_next"


def refused(request: HttpRequest, message: str, *, status: int = 400) -> HttpResponse:
    return render(request, "portal/sso_refused.html", {"message": message}, status=status)


@require_GET
def sso_login(request: HttpRequest) -> HttpResponse:
    provider = sso.providers().get(request.GET.get("provider", ""))
    if provider is None:
        return refused(request, "There is no sign-in provider of that name.")
    next_url = request.GET.get("next", "")
    safe = url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure())
    request.session[SESSION_NEXT] = next_url if safe else ""
    request.session[SESSION_PENDING] = provider.name
    try:
        return sso.start(request, provider, "portal:sso-callback")
    except sso.Refused as error:
        return refused(request, str(error), status=502)


@require_GET
def sso_callback(request: HttpRequest) -> HttpResponse:
    provider = sso.providers().get(request.session.pop(SESSION_PENDING, ""))
    if provider is None:
        return refused(
            request, "No sign-in was started in this browser, or it has already been completed."
        )
    try:
        claims, token = sso.complete(request, provider)
        user = sso.sso_user(provider=provider, claims=claims)
    except sso.Refused as error:
        return refused(request, str(error))
    next_url = request.session.pop(SESSION_NEXT, "")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[sso.SESSION_PROVIDER] = provider.name
    request.session[sso.SESSION_ID_TOKEN] = token.get("id_token", "")
    return redirect(next_url or settings.LOGIN_REDIRECT_URL)


@login_required
@require_GET
def orcid_link(request: HttpRequest) -> HttpResponse:
    provider = sso.orcid_provider()
    if provider is None:
        return refused(request, "Linking an ORCID iD is not set up on this portal.")
    try:
        return sso.start(request, provider, "portal:orcid-callback")
    except sso.Refused as error:
        return refused(request, str(error), status=502)


@login_required
@require_GET
def orcid_callback(request: HttpRequest) -> HttpResponse:
    provider = sso.orcid_provider()
    if provider is None:
        return refused(request, "Linking an ORCID iD is not set up on this portal.")
    try:
        claims, token = sso.complete(request, provider)
    except sso.Refused as error:
        return refused(request, str(error))
    # ORCID names the iD in its token answer and as the ID token's subject.
    orcid = str(token.get("orcid") or claims["sub"]).rsplit("/", 1)[-1]
    if not sso.ORCID_ID.match(orcid):
        return refused(request, f"ORCID answered {orcid!r}, which is not an ORCID iD.")
    request.user.orcid = orcid
    request.user.save(update_fields=["orcid"])
    messages.success(request, f"Your ORCID iD {orcid} is linked: new DOIs name you by it.")
    return redirect("portal:profile")


@login_required
@require_POST
def orcid_unlink(request: HttpRequest) -> HttpResponse:
    request.user.orcid = ""
    request.user.save(update_fields=["orcid"])
    messages.success(request, "Your ORCID iD is no longer linked.")
    return redirect("portal:profile")
