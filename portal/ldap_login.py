"""Sign-in against the facility's LDAP directory (django-auth-ldap), on when LDAP_SERVER_URI is set.

The directory checks the password; the portal user is the one the ICAT sync and the demo already
know, found the way ICAT users are (ICAT_USER_MATCH), so a first LDAP login never duplicates a
person. Facility roles follow the directory's groups at every login (portal/roles.py).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.dispatch import receiver
from django_auth_ldap.backend import LDAPBackend, ldap_error

from portal.roles import apply_facility_roles

DIRECTORY_UNREACHABLE = (
    "The facility directory (LDAP) cannot be reached just now, so your password could not be "
    "checked. Please try again in a few minutes."
)


def _first(ldap_user, attribute: str) -> str:
    values = (ldap_user.attrs or {}).get(attribute) or [""]
    return values[0].strip()


class FacilityLDAPBackend(LDAPBackend):
    def get_or_build_user(self, username: str, ldap_user) -> tuple[Any, bool]:
        """The portal user this directory entry is, tried as ICAT users are matched; then by ICAT
        name and username, which are unique, so a new user never clashes with an existing one."""
        # Read here, inside django-auth-ldap's error handling: a directory that fails now refuses
        # the login (and says why) rather than taking the person's roles away.
        ldap_user.facility_groups = (
            ldap_user.group_names if self.settings.GROUP_SEARCH is not None else set()
        )
        username = _first(ldap_user, settings.LDAP_USERNAME_ATTRIBUTE) or username
        template = settings.LDAP_ICAT_NAME
        keys = {
            "name": template.format(username=username) if template else "",
            "email": _first(ldap_user, self.settings.USER_ATTR_MAP.get("email", "")).lower(),
            "subject": username,
        }
        columns = {"name": "icat_name", "email": "email_lower", "subject": "username__iexact"}
        users = get_user_model().objects.annotate(email_lower=Lower("email"))
        for way in dict.fromkeys([*settings.ICAT_USER_MATCH, "name", "subject"]):
            if way not in columns or not keys[way]:
                continue
            found = list(users.filter(**{columns[way]: keys[way]})[:2])
            if len(found) == 1:  # two people sharing an e-mail address identify nobody
                return found[0], False
        user = get_user_model()(username=username, icat_name=keys["name"] or None)
        return user, True

    def authenticate_ldap_user(self, ldap_user, password: str):
        user = super().authenticate_ldap_user(ldap_user, password)
        if user is not None:
            apply_facility_roles(user, ldap_user.facility_groups)
        return user


@receiver(ldap_error)
def _directory_unreachable(sender, request=None, exception=None, **kwargs) -> None:
    """django-auth-ldap reports a failed bind or search here (a wrong password is not one):
    the login form then says the directory is down rather than that the password is wrong."""
    if request is not None:
        request.ldap_unreachable = True


class LoginForm(AuthenticationForm):
    def get_invalid_login_error(self) -> ValidationError:
        if getattr(self.request, "ldap_unreachable", False):
            return ValidationError(DIRECTORY_UNREACHABLE, code="directory_unreachable")
        return super().get_invalid_login_error()
