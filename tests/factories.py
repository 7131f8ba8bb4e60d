"""factory_boy factories for the catalogue and users, plus a ready-made team of every role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import factory
from django.utils import timezone

from catalogue.models import (
    Datafile,
    Dataset,
    Instrument,
    Investigation,
    InvestigationUser,
    ParameterType,
    Role,
    Sample,
    Technique,
)
from portal.models import User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    full_name = factory.Faker("name")
    password = factory.django.Password("password")


class TechniqueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Technique
        django_get_or_create = ("name",)

    name = "Macromolecular crystallography"


class InstrumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Instrument
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"ID{n:02d}")
    full_name = factory.LazyAttribute(lambda i: f"Beamline {i.name}")


class InvestigationFactory(factory.django.DjangoModelFactory):
    """Embargoed by default: the experiment ended last month."""

    class Meta:
        model = Investigation

    name = factory.Sequence(lambda n: f"MX-{2400 + n}")
    visit_id = factory.Sequence(lambda n: f"id{n:06d}")
    title = factory.Faker("sentence", nb_words=8)
    summary = factory.Faker("paragraph")
    instrument = factory.SubFactory(InstrumentFactory)
    start_date = factory.LazyFunction(lambda: timezone.now() - timedelta(days=33))
    end_date = factory.LazyFunction(lambda: timezone.now() - timedelta(days=30))

    class Params:
        # Under way now, as beamline software finds today's session.
        running = factory.Trait(
            start_date=factory.LazyFunction(lambda: timezone.now() - timedelta(hours=3)),
            end_date=factory.LazyFunction(lambda: timezone.now() + timedelta(hours=21)),
        )
        released = factory.Trait(
            start_date=factory.LazyFunction(lambda: timezone.now() - timedelta(days=4 * 365)),
            end_date=factory.LazyFunction(lambda: timezone.now() - timedelta(days=4 * 365 - 3)),
        )


class InvestigationUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InvestigationUser

    investigation = factory.SubFactory(InvestigationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.PARTICIPANT


class SampleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sample

    investigation = factory.SubFactory(InvestigationFactory)
    name = factory.Sequence(lambda n: f"sample{n}")


class DatasetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dataset

    investigation = factory.SubFactory(InvestigationFactory)
    sample = factory.SubFactory(
        SampleFactory, investigation=factory.SelfAttribute("..investigation")
    )
    name = factory.Sequence(lambda n: f"dataset_{n:04d}")
    start_date = factory.LazyFunction(timezone.now)
    end_date = factory.LazyFunction(timezone.now)


class DatafileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Datafile

    dataset = factory.SubFactory(DatasetFactory)
    name = factory.Sequence(lambda n: f"scan_{n:04d}.h5")
    location = factory.LazyAttribute(lambda f: f"{f.dataset.investigation.name}/{f.name}")
    size = 0


class ParameterTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ParameterType
        django_get_or_create = ("name", "units")

    name = "energy"
    units = "keV"


@dataclass
class Team:
    investigation: Investigation
    principal_investigator: User
    participant: User
    collaborator: User
    local_contact: User
    scientist: User  # instrument scientist of the investigation's beamline
    other_scientist: User  # instrument scientist of another beamline
    staff: User
    outsider: User


def make_team(investigation: Investigation | None = None) -> Team:
    investigation = investigation or InvestigationFactory()
    users = {}
    for role in (
        Role.PRINCIPAL_INVESTIGATOR,
        Role.PARTICIPANT,
        Role.COLLABORATOR,
        Role.LOCAL_CONTACT,
    ):
        user = UserFactory(username=f"{role.value}-{investigation.pk}")
        InvestigationUserFactory(investigation=investigation, user=user, role=role)
        users[role] = user
    scientist = UserFactory(username=f"scientist-{investigation.pk}")
    investigation.instrument.scientists.add(scientist)
    other_scientist = UserFactory(username=f"other-scientist-{investigation.pk}")
    InstrumentFactory(name=f"BM{investigation.pk:02d}").scientists.add(other_scientist)
    return Team(
        investigation=investigation,
        principal_investigator=users[Role.PRINCIPAL_INVESTIGATOR],
        participant=users[Role.PARTICIPANT],
        collaborator=users[Role.COLLABORATOR],
        local_contact=users[Role.LOCAL_CONTACT],
        scientist=scientist,
        other_scientist=other_scientist,
        staff=UserFactory(username=f"staff-{investigation.pk}", is_staff=True),
        outsider=UserFactory(username=f"outsider-{investigation.pk}"),
    )
