"""ICAT users -> portal users, the people of an investigation, and ICAT's link entities
(mirrored as many-to-many rows or type names, remembered in IcatLink for the reconciliation).
Same contract as mapping.py: a batch in, an `Applied` out, bad records skipped and logged."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.functions import Lower

from catalogue.icat.mapping import (
    Applied,
    Malformed,
    _build,
    _links,
    _mirrored,
    _parent,
    _pks,
    _refs,
    _text,
    _upsert,
)
from catalogue.icat.records import Record, parse_time
from catalogue.models import (
    Dataset,
    IcatLink,
    IcatUser,
    Instrument,
    Investigation,
    InvestigationUser,
    Role,
    Sample,
    Technique,
)
from portal.models import MATCH_COLUMNS

log = logging.getLogger(__name__)


# --- users and the people of an investigation ------------------------------------------------


def _match_key(way: str, fields: dict[str, Any]) -> str:
    name = fields.get("name") or ""
    if way == "name":
        return name
    if way == "email":
        return (fields.get("email") or "").lower()
    # "subject": SSO logins name portal users after their subject; ICAT says "<plugin>/<subject>".
    return name.rsplit("/", 1)[-1]


def _match_users(records: list[Record]) -> dict[int, int]:
    """ICAT user id -> portal user pk, trying each way of ICAT_USER_MATCH in turn."""
    users = get_user_model().objects.annotate(email_lower=Lower("email"))
    found: dict[int, int] = {}
    for way in settings.ICAT_USER_MATCH:
        pending = {r.id: _match_key(way, r.fields) for r in records if r.id not in found}
        values = set(pending.values()) - {""}
        if way not in MATCH_COLUMNS or not values:
            continue
        column = MATCH_COLUMNS[way]
        by_key = dict(users.filter(**{f"{column}__in": values}).values_list(column, "pk"))
        found.update({icat_id: by_key[key] for icat_id, key in pending.items() if key in by_key})
    return found


def _new_portal_user(fields: dict[str, Any]) -> Any:
    User = get_user_model()
    name = fields["name"]
    # Matching by name may be switched off, but icat_name stays unique: reuse, never clash.
    existing = User.objects.filter(icat_name=name).values_list("pk", flat=True).first()
    if existing is not None:
        return existing
    base = re.sub(r"[^\w.@+-]", "_", name.rsplit("/", 1)[-1])[:140] or "icat"
    username, n = base, 1
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}-{n}"
    user = User(
        username=username,
        icat_name=name,
        email=fields.get("email") or "",
        full_name=fields.get("fullName") or "",
        affiliation=(fields.get("affiliation") or "")[:255],
        orcid=(fields.get("orcidId") or "")[:19],
    )
    user.set_unusable_password()  # they log in through the facility's SSO / LDAP
    user.save()
    return user.pk


def apply_User(records: list[Record], done: Applied) -> None:
    existing = {
        u.icat_id: u.user_id for u in IcatUser.objects.filter(icat_id__in=[r.id for r in records])
    }
    valid = []
    for r in records:
        try:
            _text(r.fields, "name", required=True)
            valid.append(r)
        except Malformed as error:
            done.skip(r, str(error))
    matched = _match_users(valid)

    def make(r: Record) -> IcatUser:
        user_id = existing.get(r.id) or matched.get(r.id)
        if user_id is None and settings.ICAT_CREATE_USERS:
            with transaction.atomic():
                user_id = _new_portal_user(r.fields)
        return IcatUser(
            **_mirrored(r),
            name=r.fields["name"],
            full_name=_text(r.fields, "fullName")[:255],
            email=_text(r.fields, "email")[:255],
            user_id=user_id,
        )

    _upsert(
        IcatUser,
        _build(valid, done, make),
        ["mod_time", "name", "full_name", "email", "user"],
        done,
    )


ROLES = {
    "principal_investigator": Role.PRINCIPAL_INVESTIGATOR,
    "pi": Role.PRINCIPAL_INVESTIGATOR,
    "principalinvestigator": Role.PRINCIPAL_INVESTIGATOR,
    "main_proposer": Role.PRINCIPAL_INVESTIGATOR,
    "local_contact": Role.LOCAL_CONTACT,
    "localcontact": Role.LOCAL_CONTACT,
    "collaborator": Role.COLLABORATOR,
    "participant": Role.PARTICIPANT,
    "team_member": Role.PARTICIPANT,
    "proposer": Role.PRINCIPAL_INVESTIGATOR,
}
# ICAT may give one person several roles in a proposal; the portal keeps one, the strongest.
STRONGEST_FIRST = [
    Role.PRINCIPAL_INVESTIGATOR,
    Role.LOCAL_CONTACT,
    Role.COLLABORATOR,
    Role.PARTICIPANT,
]


def portal_role(icat_role: str) -> str:
    return ROLES.get(re.sub(r"[\s-]+", "_", icat_role.strip().lower()), Role.PARTICIPANT)


def _portal_users(records: list[Record]) -> dict[int, int]:
    ids = {i for i in _refs(records, "user") if i is not None}
    return dict(
        IcatUser.objects.filter(icat_id__in=ids, user__isnull=False).values_list(
            "icat_id", "user_id"
        )
    )


def apply_InvestigationUser(records: list[Record], done: Applied) -> None:
    investigations = _pks(Investigation, _refs(records, "investigation"))
    users = _portal_users(records)

    def make(r: Record) -> InvestigationUser:
        return InvestigationUser(
            **_mirrored(r),
            investigation_id=_parent(investigations, r, "investigation"),
            user_id=_parent(users, r, "user"),
            role=portal_role(_text(r.fields, "role")),
            added_at=parse_time(r.fields.get("createTime")) or r.mod_time,
        )

    _upsert(
        InvestigationUser,
        _one_role_each(_build(records, done, make), done),
        ["mod_time", "investigation", "user", "role"],
        done,
    )


def _one_role_each(
    rows: list[tuple[Record, InvestigationUser]], done: Applied
) -> list[tuple[Record, InvestigationUser]]:
    """Merge a second ICAT role of a member into the membership they already have."""
    strength = STRONGEST_FIRST.index
    best: dict[tuple[int, int], tuple[Record, InvestigationUser]] = {}
    for record, member in rows:
        key = (member.investigation_id, member.user_id)
        if key not in best or strength(member.role) < strength(best[key][1].role):
            best[key] = (record, member)
    done.applied += len(rows) - len(best)
    existing = InvestigationUser.objects.filter(
        investigation_id__in={k[0] for k in best}, user_id__in={k[1] for k in best}
    ).exclude(icat_id__in=[record.id for record, _ in best.values()])
    for other in existing:
        pair = best.get((other.investigation_id, other.user_id))
        if pair is None:
            continue
        if strength(pair[1].role) < strength(other.role):
            InvestigationUser.objects.filter(pk=other.pk).update(role=pair[1].role)
        del best[(other.investigation_id, other.user_id)]
        done.applied += 1
    return list(best.values())


# --- link entities: many-to-many rows and type names, remembered in IcatLink --------------------


def _apply_links(
    records: list[Record],
    done: Applied,
    *,
    entity: str,
    ends: tuple[tuple[str, Any], tuple[str, Any]],
    through: Any,
    columns: tuple[str, str],
) -> None:
    (left_rel, left_pks), (right_rel, right_pks) = ends
    previous = _links(entity, [r.id for r in records])
    links, rows = [], []
    for r in records:
        try:
            left, right = _parent(left_pks, r, left_rel), _parent(right_pks, r, right_rel)
        except (KeyError, TypeError, ValueError) as error:
            done.skip(r, str(error))
            continue
        old = previous.get(r.id)
        if old and (old.source, old.target) != (left, right):
            through.objects.filter(**{columns[0]: old.source, columns[1]: old.target}).delete()
        links.append(
            IcatLink(entity=entity, icat_id=r.id, source=left, target=right, mod_time=r.mod_time)
        )
        rows.append(through(**{columns[0]: left, columns[1]: right}))
    through.objects.bulk_create(rows, ignore_conflicts=True)
    IcatLink.objects.bulk_create(
        links,
        update_conflicts=True,
        unique_fields=["entity", "icat_id"],
        update_fields=["source", "target", "mod_time"],
    )
    done.applied += len(links)


def apply_InstrumentScientist(records: list[Record], done: Applied) -> None:
    _apply_links(
        records,
        done,
        entity="InstrumentScientist",
        ends=(
            ("instrument", _pks(Instrument, _refs(records, "instrument"))),
            ("user", _portal_users(records)),
        ),
        through=Instrument.scientists.through,
        columns=("instrument_id", "user_id"),
    )


def apply_DatasetTechnique(records: list[Record], done: Applied) -> None:
    _apply_links(
        records,
        done,
        entity="DatasetTechnique",
        ends=(
            ("dataset", _pks(Dataset, _refs(records, "dataset"))),
            ("technique", _pks(Technique, _refs(records, "technique"))),
        ),
        through=Dataset.techniques.through,
        columns=("dataset_id", "technique_id"),
    )


def apply_InvestigationInstrument(records: list[Record], done: Applied) -> None:
    investigations = _pks(Investigation, _refs(records, "investigation"))
    instruments = _pks(Instrument, _refs(records, "instrument"))
    links = []
    for r in records:
        try:
            investigation, instrument = (
                _parent(investigations, r, "investigation"),
                _parent(instruments, r, "instrument"),
            )
        except (KeyError, TypeError, ValueError) as error:
            done.skip(r, str(error))
            continue
        Investigation.objects.filter(pk=investigation).update(instrument_id=instrument)
        links.append(
            IcatLink(
                entity="InvestigationInstrument",
                icat_id=r.id,
                source=investigation,
                target=instrument,
                mod_time=r.mod_time,
            )
        )
    IcatLink.objects.bulk_create(
        links,
        update_conflicts=True,
        unique_fields=["entity", "icat_id"],
        update_fields=["source", "target", "mod_time"],
    )
    done.applied += len(links)


def _apply_type_names(entity: str, records: list[Record], done: Applied) -> None:
    previous = _links(entity, [r.id for r in records])
    links = []
    for r in records:
        try:
            name = _text(r.fields, "name", required=True)
        except Malformed as error:
            done.skip(r, str(error))
            continue
        old = previous.get(r.id)
        if entity == "SampleType" and old and old.name != name:
            Sample.objects.filter(type=old.name).update(type=name)  # a renamed sample type
        links.append(IcatLink(entity=entity, icat_id=r.id, name=name[:255], mod_time=r.mod_time))
    IcatLink.objects.bulk_create(
        links,
        update_conflicts=True,
        unique_fields=["entity", "icat_id"],
        update_fields=["name", "mod_time"],
    )
    done.applied += len(links)


def apply_SampleType(records: list[Record], done: Applied) -> None:
    _apply_type_names("SampleType", records, done)


def apply_DatasetType(records: list[Record], done: Applied) -> None:
    _apply_type_names("DatasetType", records, done)


APPLY: dict[str, Callable[[list[Record], Applied], None]] = {
    name[len("apply_") :]: fn for name, fn in globals().items() if name.startswith("apply_")
}
