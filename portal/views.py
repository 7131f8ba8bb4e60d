from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import defaults
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.authtoken.models import Token

from . import sso
from .ldap_login import LoginForm
from .middleware import wants_json
from .sso_views import refused
from .throttles import too_many_requests


class PortalLoginView(auth_views.LoginView):
    """Failed logins are counted by django-axes (settings: "Sign-in limits"), like the admin's."""

    template_name = "portal/login.html"
    authentication_form = LoginForm  # says when the LDAP directory is down
    redirect_authenticated_user = True
    http_method_names = ["get", "post", "head", "options"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sso_providers"] = list(sso.providers().values())
        context["local_login_enabled"] = settings.LOCAL_LOGIN_ENABLED
        return context

    def post(self, request, *args, **kwargs):
        if not settings.LOCAL_LOGIN_ENABLED:
            message = "Signing in with a password is switched off here: use single sign-on."
            return refused(request, message, status=403)
        return super().post(request, *args, **kwargs)


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """What any login form answers once django-axes has locked a username at this address.

    Every further failed try restarts the cool-off (axes' default), so "now + cool-off" is when a
    login can succeed again.
    """
    cool_off = settings.AXES_COOLOFF_TIME
    if wants_json(request):  # ICAT+'s POST /session: the client reads JSON and Retry-After
        return too_many_requests(cool_off.total_seconds())
    response = render(
        request,
        "portal/locked_out.html",
        {
            "retry_at": timezone.localtime() + cool_off,
            "cool_off_minutes": int(cool_off.total_seconds() // 60),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
        },
        status=429,
    )
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response


class PortalLogoutView(auth_views.LogoutView):
    """Ends the portal's session, then the provider's one a single sign-on opened (otherwise the
    next "Sign in with ..." would pass straight through, as the same person)."""

    def post(self, request, *args, **kwargs):
        provider = request.session.get(sso.SESSION_PROVIDER, "")
        id_token = request.session.get(sso.SESSION_ID_TOKEN, "")
        response = super().post(request, *args, **kwargs)
        end_session = sso.end_session_url(provider, id_token) if provider else None
        return redirect(end_session) if end_session else response


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    token = Token.objects.filter(user=request.user).first()
    return render(
        request,
        "portal/profile.html",
        {"token": token, "orcid_enabled": sso.orcid_provider() is not None},
    )


@login_required
@require_POST
def regenerate_token(request: HttpRequest) -> HttpResponse:
    Token.objects.filter(user=request.user).delete()
    Token.objects.create(user=request.user)
    messages.success(request, "A new API token was created; the old one no longer works.")
    return redirect("portal:profile")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A path no pattern matches (e.g. /api/datasets/abc/): machine clients get the API's JSON
    404, the same as for an id that does not exist; people get the site's page."""
    if wants_json(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
