"""Factories for shipments (kept beside their tests so the shared factories file stays small)."""

from __future__ import annotations

import factory

from shipments.groups import ensure_groups
from shipments.models import Address, Item, ItemKind, Parcel, ParcelStatus, Shipment
from tests import factories


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    owner = factory.SubFactory(factories.UserFactory)
    name = factory.Faker("name")
    company = "Institut de Biologie Structurale"
    street = "71 avenue des Martyrs"
    city = "Grenoble"
    postal_code = "38000"
    country = "France"
    email = factory.LazyAttribute(lambda a: a.owner.email)
    phone = "+33 4 76 00 00 00"


class ShipmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shipment

    investigation = factory.SubFactory(factories.InvestigationFactory)
    name = factory.Sequence(lambda n: f"Shipment {n}")


class ParcelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Parcel
        skip_postgeneration_save = True

    shipment = factory.SubFactory(ShipmentFactory)
    name = factory.Sequence(lambda n: f"Dewar {n}")

    @factory.post_generation
    def history(parcel, create, extracted, **kwargs):
        if create:
            ParcelStatus.objects.create(parcel=parcel, status=parcel.status)


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    parcel = factory.SubFactory(ParcelFactory)
    kind = ItemKind.SAMPLE
    name = factory.Sequence(lambda n: f"crystal{n}")


def safety_officer(username: str = "safety"):
    user = factories.UserFactory(username=username)
    user.groups.add(ensure_groups()["Safety"])
    return user


def stores_user(username: str = "stores"):
    user = factories.UserFactory(username=username)
    user.groups.add(ensure_groups()["Stores"])
    return user
