"""DOIs: one per experiment session, and user-made data collections (hand-picked datasets).

A `DataCollection`'s `state` is the source of truth for its registration: the Celery tasks read it
to decide what is left to do, so a retried or re-delivered task never does the work twice. A `Doi`
row is written *before* any call to the provider: its identifier is the idempotency key (the task
looks the identifier up at the provider before creating it).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from catalogue.models import Dataset, Investigation


class Licence(models.TextChoices):
    CC_BY_4 = "CC-BY-4.0", "Creative Commons Attribution 4.0 (CC BY 4.0)"
    CC0 = "CC0-1.0", "Creative Commons Zero 1.0 (public domain dedication)"
    CC_BY_SA_4 = "CC-BY-SA-4.0", "Creative Commons Attribution-ShareAlike 4.0"
    CC_BY_NC_4 = "CC-BY-NC-4.0", "Creative Commons Attribution-NonCommercial 4.0"


LICENCE_URLS = {
    Licence.CC_BY_4: "https://creativecommons.org/licenses/by/4.0/legalcode",
    Licence.CC0: "https://creativecommons.org/publicdomain/zero/1.0/legalcode",
    Licence.CC_BY_SA_4: "https://creativecommons.org/licenses/by-sa/4.0/legalcode",
    Licence.CC_BY_NC_4: "https://creativecommons.org/licenses/by-nc/4.0/legalcode",
}


class DoiKind(models.TextChoices):
    SESSION = "session", "Experiment session"
    COLLECTION = "collection", "Data collection"


class DoiState(models.TextChoices):
    PENDING = "pending", "Pending registration"  # identifier chosen, provider not yet confirmed
    DRAFT = "draft", "Reserved (draft)"
    FINDABLE = "findable", "Findable"
    # A DataCite DOI is never deleted: a withdrawn one resolves to a tombstone naming nothing.
    WITHDRAWN = "withdrawn", "Withdrawn"


class Doi(models.Model):
    identifier = models.CharField(
        max_length=255, unique=True, help_text="prefix/suffix, upper case"
    )
    kind = models.CharField(max_length=16, choices=DoiKind.choices)
    state = models.CharField(max_length=16, choices=DoiState.choices, default=DoiState.PENDING)
    investigation = models.OneToOneField(
        Investigation, on_delete=models.CASCADE, null=True, blank=True, related_name="session_doi"
    )
    metadata = models.JSONField(default=dict, blank=True, help_text="DataCite JSON last sent")
    provider = models.CharField(max_length=32, blank=True)
    error = models.TextField(blank=True, help_text="Why the last registration attempt failed")
    created_at = models.DateTimeField(default=timezone.now)
    registered_at = models.DateTimeField(null=True, blank=True)
    minted_at = models.DateTimeField(null=True, blank=True)
    minted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # OAI-PMH datestamps: harvesters ask for what changed since their last visit.
    updated_at = models.DateTimeField(auto_now=True)
    # The hourly check of session DOIs compares this with the ICAT modification times of the
    # investigation and its team: changes synced from ICAT send no signal.
    checked_at = models.DateTimeField(
        null=True, blank=True, help_text="When the record was last built and sent if it changed"
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=DoiKind.COLLECTION) | Q(investigation__isnull=False),
                name="session_doi_has_investigation",
            ),
        ]

    def __str__(self) -> str:
        return self.identifier

    def get_absolute_url(self) -> str:
        return reverse("doi:landing", kwargs={"prefix": self.prefix, "suffix": self.suffix})

    @property
    def prefix(self) -> str:
        return self.identifier.split("/", 1)[0]

    @property
    def suffix(self) -> str:
        return self.identifier.split("/", 1)[1]

    @property
    def landing_url(self) -> str:
        return settings.SITE_URL + self.get_absolute_url()


class CollectionState(models.TextChoices):
    DRAFT = "draft", "Draft"
    RESERVING = "reserving", "Reserving…"
    RESERVED = "reserved", "Reserved"
    MINTING = "minting", "Minting…"
    FINDABLE = "findable", "Minted (findable)"
    UPDATING = "updating", "Sending corrections…"
    FAILED = "failed", "Failed"
    DELETING = "deleting", "Deleting…"  # its draft DOI is being deleted at the provider


# States in which a task is (or will be) talking to the provider: the page polls for news.
PENDING_STATES = {
    CollectionState.RESERVING,
    CollectionState.MINTING,
    CollectionState.UPDATING,
    CollectionState.DELETING,
}
# States in which the datasets and everything else may still change.
EDITABLE_STATES = {CollectionState.DRAFT, CollectionState.RESERVED, CollectionState.FAILED}


class DataCollection(models.Model):
    """Datasets picked by a team member, possibly from several investigations, to cite by DOI."""

    title = models.CharField(max_length=500, blank=True)
    abstract = models.TextField(blank=True)
    keywords = models.CharField(max_length=1000, blank=True, help_text="comma-separated")
    licence = models.CharField(max_length=32, choices=Licence.choices, default=Licence.CC_BY_4)
    datasets = models.ManyToManyField(Dataset, blank=True, related_name="doi_collections")
    state = models.CharField(
        max_length=16, choices=CollectionState.choices, default=CollectionState.DRAFT
    )
    failure = models.TextField(blank=True, help_text="The provider's answer when a step failed")
    doi = models.OneToOneField(
        Doi, on_delete=models.PROTECT, null=True, blank=True, related_name="collection"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="doi_collections"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic concurrency of metadata edits: an edit names the version it started from.
    version = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    mint_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    mint_confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["created_by", "id"])]

    def __str__(self) -> str:
        return self.title or f"Untitled data collection #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("doi:collection", args=[self.pk])

    @property
    def is_pending(self) -> bool:
        return self.state in PENDING_STATES

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    @property
    def is_minted(self) -> bool:
        return self.state in {CollectionState.FINDABLE, CollectionState.UPDATING}

    @property
    def is_reserved(self) -> bool:
        """A DOI string exists at the provider (draft), so it can be cited already."""
        return self.doi is not None and self.doi.state == DoiState.DRAFT

    @property
    def deletion_refused(self) -> str:
        """Why the collection cannot be deleted now ("" when it can): only what nobody can cite
        yet goes, a draft or a reserved DOI; a findable DOI is permanent."""
        if (
            self.is_minted
            or self.state == CollectionState.MINTING
            or (self.doi is not None and self.doi.state == DoiState.FINDABLE)
        ):
            return (
                "A minted DOI is permanent: it may be cited already, so its collection cannot "
                "be deleted. You may still correct its description."
            )
        if self.is_pending:
            return (
                "The registration agency is being asked about this collection: wait until it "
                "is done, then delete it."
            )
        return ""

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.split(",") if k.strip()]

    @property
    def publication_list(self) -> list[str]:
        """DOIs of the linked papers (see LinkedPublication), for citations and the API."""
        links = self.linked_publications.all()
        return [p.identifier for p in links if p.scheme == PublicationScheme.DOI]

    @property
    def licence_url(self) -> str:
        return LICENCE_URLS.get(self.licence, "")


class Person(models.Model):
    """A person named in a collection's record, in the order given."""

    position = models.PositiveIntegerField(default=0)
    given_name = models.CharField(max_length=255, blank=True)
    family_name = models.CharField(max_length=255)
    orcid = models.CharField(
        "ORCID", max_length=19, blank=True, help_text="e.g. 0000-0002-1825-0097"
    )
    affiliation = models.CharField(max_length=255, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True
        ordering = ["collection", "position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return f"{self.family_name}, {self.given_name}" if self.given_name else self.family_name

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


class Author(Person):
    """A creator of the collection, in citation order."""

    collection = models.ForeignKey(DataCollection, on_delete=models.CASCADE, related_name="authors")

    class Meta(Person.Meta):
        pass


class Contributor(Person):
    """Someone who took part without authoring: the local contacts who collected the data with
    the team, sent to DataCite as `DataCollector` contributors (as for session DOIs)."""

    collection = models.ForeignKey(
        DataCollection, on_delete=models.CASCADE, related_name="contributors"
    )

    class Meta(Person.Meta):
        pass


class LocalRegistration(models.Model):
    """What the local provider would have sent to DataCite: the embedded default's registry."""

    identifier = models.CharField(max_length=255, unique=True)
    state = models.CharField(max_length=16, default="draft")
    url = models.URLField(max_length=500, blank=True)
    attributes = models.JSONField(default=dict)
    requests = models.JSONField(default=list, help_text="every request body, in order")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.identifier} ({self.state})"


class PublicationScheme(models.TextChoices):
    DOI = "DOI", "DOI"
    PMID = "PMID", "PubMed"


class LinkedPublication(models.Model):
    """A paper that uses the data of a session or of a data collection, named by its DOI or
    PubMed id. The portal fetches nothing about the paper: the identifier is what users see and
    what DataCite gets as a related identifier."""

    scheme = models.CharField(max_length=8, choices=PublicationScheme.choices)
    identifier = models.CharField(max_length=255)
    investigation = models.ForeignKey(
        Investigation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="linked_publications",
    )
    collection = models.ForeignKey(
        DataCollection,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="linked_publications",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(investigation__isnull=False, collection__isnull=True)
                | Q(investigation__isnull=True, collection__isnull=False),
                name="publication_links_one_thing",
            ),
            # DOIs are case-insensitive: 10.1107/ABC and 10.1107/abc are the same paper.
            models.UniqueConstraint(
                Lower("identifier"),
                "scheme",
                "investigation",
                condition=Q(investigation__isnull=False),
                name="publication_once_per_investigation",
            ),
            models.UniqueConstraint(
                Lower("identifier"),
                "scheme",
                "collection",
                condition=Q(collection__isnull=False),
                name="publication_once_per_collection",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_scheme_display()} {self.identifier}"

    def clean(self) -> None:
        from .publications import parse_identifier  # it builds on this module

        try:
            scheme, identifier = parse_identifier(self.identifier)
        except ValidationError as error:
            raise ValidationError({"identifier": error.messages}) from None
        if scheme != self.scheme:
            raise ValidationError({"identifier": f"Not a {self.get_scheme_display()} id."})
        self.identifier = identifier

    @property
    def url(self) -> str:
        if self.scheme == PublicationScheme.PMID:
            return f"https://pubmed.ncbi.nlm.nih.gov/{self.identifier}/"
        return f"https://doi.org/{self.identifier}"
