from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from catalogue.access import public_investigations
from catalogue.models import Instrument

LOGIN_ATTEMPTS_PER_WINDOW = 10
LOGIN_WINDOW_SECONDS = 300


def home(request: HttpRequest) -> HttpResponse:
    recently_released = (
        public_investigations().select_related("instrument").order_by("-release_date", "-id")[:8]
    )
    beamlines = Instrument.objects.prefetch_related("techniques").order_by("name")
    return render(
        request,
        "portal/home.html",
        {"recently_released": recently_released, "beamlines": beamlines},
    )


class PortalLoginView(auth_views.LoginView):
    """Login with a rate limit per client address, so passwords cannot be guessed at speed."""

    template_name = "portal/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        key = f"login-attempts:{request.META.get('REMOTE_ADDR', '')}"
        attempts = cache.get(key, 0)
        if attempts >= LOGIN_ATTEMPTS_PER_WINDOW:
            form = self.get_form()
            form.add_error(None, "Too many login attempts. Wait a few minutes and try again.")
            return self.render_to_response(self.get_context_data(form=form), status=429)
        response = super().post(request, *args, **kwargs)
        if not request.user.is_authenticated:
            cache.set(key, attempts + 1, LOGIN_WINDOW_SECONDS)
        return response


class PortalLogoutView(auth_views.LogoutView):
    pass


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    token = Token.objects.filter(user=request.user).first()
    return render(request, "portal/profile.html", {"token": token})


@login_required
@require_POST
def regenerate_token(request: HttpRequest) -> HttpResponse:
    Token.objects.filter(user=request.user).delete()
    Token.objects.create(user=request.user)
    messages.success(request, "A new API token was created; the old one no longer works.")
    return redirect("portal:profile")
