from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.decorators.http import require_http_methods
from drf_spectacular.views import (
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from home import views as home_views
from shipments.admin import safety_site

from . import health, sso_views, views
from .api_schema import SchemaView

site_patterns = [
    path("", home_views.home, name="home"),
    # Method check first: LoginView sends a signed-in user away before it looks at the method.
    path(
        "login/",
        require_http_methods(["GET", "POST"])(views.PortalLoginView.as_view()),
        name="login",
    ),
    path("logout/", views.PortalLogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("profile/token/", views.regenerate_token, name="regenerate-token"),
    # Single sign-on (?provider=NAME) and ORCID linking: portal/sso_views.py.
    path("login/sso/", sso_views.sso_login, name="sso-login"),
    path("login/sso/callback/", sso_views.sso_callback, name="sso-callback"),
    path("profile/orcid/", sso_views.orcid_link, name="orcid-link"),
    path("profile/orcid/callback/", sso_views.orcid_callback, name="orcid-callback"),
    path("profile/orcid/remove/", sso_views.orcid_unlink, name="orcid-unlink"),
    path("nav/badges/", home_views.nav_badges, name="nav-badges"),
    # No trailing slash: what load balancers and Kubernetes probes conventionally ask for.
    path("healthz", health.healthz, name="healthz"),
    path("healthz/deep", health.healthz_deep, name="healthz-deep"),
]

handler404 = "portal.views.not_found"

urlpatterns = [
    path("", include((site_patterns, "portal"))),
    path("", include("catalogue.urls")),
    path("", include("logbook.urls")),
    path("", include("shipments.urls")),
    path("", include("doi.urls")),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    # Both pages without inline scripts, for the Content-Security-Policy: Swagger UI loads its
    # set-up script from /api/docs/?script=, Redoc reads its <redoc> element.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(url_name="api-schema", template_name="portal/redoc.html"),
        name="api-redoc",
    ),
    path("api/", include("portal.api_urls")),
    path("admin/", admin.site.urls),
    path("icatplus/", include("logbook.icatplus_urls")),
    path("icatplus/", include("catalogue.icatplus.session_urls")),
    path("icatplus/", include("catalogue.icatplus_ids_urls")),
    path("icatplus/", include("catalogue.icatplus.urls")),
    path("icatplus/", include("catalogue.icatplus.sample_metadata_urls")),
    path("icatplus/", include("shipments.icatplus_urls")),
    path("icatplus/", include("doi.icatplus_urls")),
    # The safety team's admin site (shipments/admin.py): Django admin without being staff.
    path("safety/", safety_site.urls),
    path("panosc/", include("catalogue.panosc.urls")),
]
