"""ICAT+'s `session` group: log in, read, refresh and end a session (`/icatplus/session...`).

A session is one of the portal's users, logged in with username and password through Django's
`authenticate`, so django-axes limits wrong passwords here as on the login page. Shapes follow
`icat-plus-client`'s `Session` and `SessionSessionIdGet200Response`.
"""

from __future__ import annotations

from django.contrib.auth import authenticate, user_logged_in
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from catalogue import access
from portal.icatplus import IcatPlusView
from portal.ldap_login import DIRECTORY_UNREACHABLE
from portal.models import IcatPlusSession


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    # ICAT's authenticator ("db", "ldap", "esrf") and a suffix some add to the username: the
    # portal has one set of users, found by its own authentication backends, so both are read
    # only to be well-formed.
    plugin = serializers.CharField(max_length=64, required=False, allow_blank=True)
    usernameSuffix = serializers.CharField(max_length=64, required=False, allow_blank=True)


class SessionSerializer(serializers.Serializer):
    """ICAT+'s session info of an `IcatPlusSession`; the raw id comes in the context, as only
    its hash is stored."""

    sessionId = serializers.SerializerMethodField()
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="user.username")
    fullName = serializers.CharField(source="user.display_name")
    lifeTimeMinutes = serializers.FloatField(source="remaining_minutes")
    expirationTime = serializers.DateTimeField(source="expires_at")
    isAdministrator = serializers.SerializerMethodField()
    isInstrumentScientist = serializers.SerializerMethodField()
    isMinter = serializers.SerializerMethodField()
    isBetaTester = serializers.SerializerMethodField()
    usersByPrefix = serializers.SerializerMethodField()

    def get_sessionId(self, session: IcatPlusSession) -> str:
        return self.context["session_id"]

    def get_isAdministrator(self, session: IcatPlusSession) -> bool:
        return access.is_administrator(session.user)

    def get_isInstrumentScientist(self, session: IcatPlusSession) -> bool:
        return access.is_instrument_scientist(session.user)

    def get_isMinter(self, session: IcatPlusSession) -> bool:
        return access.is_minter(session.user)

    def get_isBetaTester(self, session: IcatPlusSession) -> bool:
        return False

    def get_usersByPrefix(self, session: IcatPlusSession) -> list:
        # ICAT+ lists the user's other ICAT accounts (one per authenticator); a portal user has one.
        return []


class SessionInfoSerializer(serializers.Serializer):
    """`GET /session/{sessionId}`: ICAT's session information, with ICAT+'s session info as
    `user`."""

    remainingMinutes = serializers.FloatField(source="remaining_minutes")
    userName = serializers.CharField(source="user.username")
    fullName = serializers.CharField(source="user.display_name")
    email = serializers.EmailField(source="user.email")
    affiliation = serializers.CharField(source="user.affiliation")
    user = SessionSerializer(source="*")


class DirectoryUnreachable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = DIRECTORY_UNREACHABLE


class SessionLogin(IcatPlusView):
    """`POST /session`: 200 with the session info, 403 for wrong credentials, 429 once
    django-axes has paused this username at this address, 503 while the LDAP directory that
    would check the password is down."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]

    def post(self, request: Request) -> Response:
        credentials = CredentialsSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        # The Django request: django-axes marks a lock-out on it for its middleware to answer.
        django_request = request._request
        user = authenticate(
            django_request,
            username=credentials.validated_data["username"],
            password=credentials.validated_data["password"],
        )
        if user is None and getattr(django_request, "ldap_unreachable", False):
            raise DirectoryUnreachable()
        if user is None:
            raise exceptions.PermissionDenied("Authentication failed: wrong username or password")
        # As a login on the site: last_login, and django-axes clears the failures it counted.
        user_logged_in.send(sender=user.__class__, request=django_request, user=user)
        session, raw = IcatPlusSession.objects.open(user=user)
        return Response(SessionSerializer(session, context={"session_id": raw}).data)


class SessionDetail(IcatPlusView):
    """`GET` (information), `PUT` (refresh, 204) and `DELETE` (log out) `/session/{sessionId}`."""

    def get(self, request: Request, session_id: str) -> Response:
        context = {"session_id": session_id}
        return Response(SessionInfoSerializer(request.auth, context=context).data)

    def put(self, request: Request, session_id: str) -> Response:
        request.auth.refresh()
        return Response(status=status.HTTP_204_NO_CONTENT)

    def delete(self, request: Request, session_id: str) -> Response:
        request.auth.delete()
        return Response(status=status.HTTP_200_OK)
