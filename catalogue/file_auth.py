"""The one "session or token" authentication of the views that serve files (a datafile, a zip,
a job's archive, h5grove, the metalink/aria2 lists): a browser sends its session cookie, while
aria2c, wget or a notebook send `Authorization: Token <key>` (the API's tokens). Every such view
is decorated here, so a URL the download API hands out works for the client that asked for it."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


def user_or_token(request: HttpRequest):
    """The session's user, or the owner of a valid API token; a bad token counts as no token
    (the view then answers as to an anonymous caller: a hidden file's 404, not a 401)."""
    if request.user.is_authenticated or "HTTP_AUTHORIZATION" not in request.META:
        return request.user
    try:
        found = TokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return request.user
    return found[0] if found else request.user


def session_or_token(view):
    """The view sees the token's owner as `request.user`, like a session's user."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        request.user = user_or_token(request)
        return view(request, *args, **kwargs)

    return wrapped


def session_or_token_required(view):
    """`session_or_token`, and an anonymous caller goes to the login page (login_required)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        request.user = user_or_token(request)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped
