"""JSON API for data collections and DOIs. The same services as the pages; access from
catalogue.access (a collection belongs to its maker and staff; others get 404)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.decorators import method_decorator
from django.views.decorators.cache import cache_control
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, permissions, serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalogue import access

from . import publications, services
from .models import Author, DataCollection, Doi
from .serializers import CollectionSerializer, DoiDetailSerializer, DoiSerializer


def _as_drf(exc: DjangoValidationError) -> ValidationError:
    return ValidationError(
        exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
    )


def _collections(request: Request) -> QuerySet[DataCollection]:
    return (
        access.visible_doi_collections(request.user)
        .select_related("doi")
        .prefetch_related("authors", "datasets", "linked_publications")
    )


# Every answer here depends on who asks (drafts, the caller's collections): no shared caching.
_private = method_decorator(cache_control(private=True), name="dispatch")


def _apply(collection: DataCollection, data: dict, request: Request) -> None:
    """Write validated fields; datasets and authors are replaced when given."""
    for name in ("title", "abstract", "licence"):
        if name in data:
            setattr(collection, name, data[name])
    if "keywords" in data:
        collection.keywords = ", ".join(
            dict.fromkeys(k.strip() for k in data["keywords"] if k.strip())
        )
    collection.save()
    if "related_publications" in data:
        publications.publications_replace(
            collection=collection, dois=data["related_publications"], by=request.user
        )
    if "datasets" in data:
        wanted = set(data["datasets"])
        datasets = list(access.mintable_datasets(request.user).filter(pk__in=wanted))
        if len(datasets) != len(wanted):  # unknown and forbidden look the same
            missing = sorted(wanted - {d.pk for d in datasets})
            raise ValidationError({"datasets": f"No such dataset: {missing}"})
        current = set(collection.datasets.values_list("pk", flat=True))
        try:
            for dataset in collection.datasets.exclude(pk__in=wanted):
                services.collection_remove_dataset(
                    collection=collection, dataset=dataset, by=request.user
                )
            services.collection_add_datasets(
                collection=collection,
                datasets=[d for d in datasets if d.pk not in current],
                by=request.user,
            )
        except DjangoValidationError as exc:
            raise _as_drf(exc) from exc
    if "authors" in data:
        collection.authors.all().delete()
        for position, author in enumerate(data["authors"]):
            Author.objects.create(collection=collection, position=position, **author)


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Changed by someone else since; reload."
    default_code = "conflict"


@_private
class CollectionList(generics.ListCreateAPIView):
    """The caller's data collections (staff: all), newest first; POST creates a draft."""

    serializer_class = CollectionSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self) -> QuerySet[DataCollection]:
        return _collections(self.request)

    def perform_create(self, serializer: CollectionSerializer) -> None:
        with transaction.atomic():
            collection = DataCollection.objects.create(created_by=self.request.user)
            _apply(collection, serializer.validated_data, self.request)
        serializer.instance = collection


@_private
@extend_schema_view(
    patch=extend_schema(
        responses={
            200: CollectionSerializer,
            400: OpenApiResponse(description="A value is refused: the body names the field."),
            404: OpenApiResponse(description="No such collection (or not the caller's)."),
            409: OpenApiResponse(
                description="`version` is older than the collection's: someone else saved "
                "since. Nothing was changed; GET it again."
            ),
        }
    )
)
class CollectionDetail(generics.RetrieveUpdateAPIView):
    serializer_class = CollectionSerializer
    permission_classes = [permissions.IsAuthenticated]
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[DataCollection]:
        return _collections(self.request)

    def perform_update(self, serializer: CollectionSerializer) -> None:
        collection = serializer.instance
        if collection.is_pending:
            raise ValidationError({"state": "The collection is being registered; try again later."})
        if collection.is_minted and "datasets" in serializer.validated_data:
            raise ValidationError({"datasets": "The datasets of a minted DOI cannot change."})
        data = dict(serializer.validated_data)
        with transaction.atomic():
            try:
                services.collection_claim_edit(
                    collection=collection,
                    base_version=data.pop("version", None),
                    by=self.request.user,
                )
            except services.EditConflict as exc:
                raise Conflict(str(exc)) from exc
            _apply(collection, data, self.request)
            if collection.is_minted:
                try:
                    services.collection_send_corrections(
                        collection=collection, by=self.request.user
                    )
                except DjangoValidationError as exc:
                    raise _as_drf(exc) from exc
        serializer.instance = _collections(self.request).get(pk=collection.pk)


class MintRequestSerializer(serializers.Serializer):
    confirm = serializers.BooleanField(
        help_text="Must be true: minting makes the datasets public at once."
    )


@_private
class _CollectionAction(APIView):
    permission_classes = [permissions.IsAuthenticated]

    def act(self, collection: DataCollection, request: Request) -> None:
        raise NotImplementedError

    def post(self, request: Request, pk: int) -> Response:
        collection = _collections(request).filter(pk=pk).first()
        if collection is None:
            raise Http404
        try:
            self.act(collection, request)
        except DjangoValidationError as exc:
            raise _as_drf(exc) from exc
        collection = _collections(request).get(pk=pk)
        return Response(CollectionSerializer(collection).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(request=None, responses={202: CollectionSerializer})
class CollectionReserve(_CollectionAction):
    """Allocate the DOI as a DataCite draft (202: a task does it; poll the collection)."""

    def act(self, collection: DataCollection, request: Request) -> None:
        services.collection_reserve(collection=collection, by=request.user)


@extend_schema(request=MintRequestSerializer, responses={202: CollectionSerializer})
class CollectionMint(_CollectionAction):
    """Make the DOI findable and the datasets public. Requires {"confirm": true}."""

    def act(self, collection: DataCollection, request: Request) -> None:
        # The body may be any JSON (a list, a number): only {"confirm": true} confirms.
        confirmed = isinstance(request.data, dict) and request.data.get("confirm") is True
        services.collection_mint(collection=collection, by=request.user, confirmed=confirmed)


@_private
class DoiList(generics.ListAPIView):
    """DOIs the caller may open, newest first: every findable DOI (sessions and minted
    collections), and the caller's reserved ones (staff: all reserved ones)."""

    serializer_class = DoiSerializer

    def get_queryset(self) -> QuerySet[Doi]:
        return access.visible_dois(self.request.user)


@_private
class DoiDetail(generics.RetrieveAPIView):
    """One DOI with its DataCite record; the same 404 as the landing page for what the caller may
    not see (a reserved DOI outside its owners and staff, a withdrawn one, an unknown one)."""

    serializer_class = DoiDetailSerializer

    def get_object(self) -> Doi:
        return access.get_doi_or_404(
            self.request.user, f"{self.kwargs['prefix']}/{self.kwargs['suffix']}"
        )
