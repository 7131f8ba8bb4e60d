"""The collection editor, "My DOIs" and the pick button: permissions, forms, HTMX fragments."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from doi import services
from doi.models import CollectionState, DataCollection
from tests import factories
from tests.doi.conftest import editor_data as _form_data
from tests.doi.conftest import filled_collection


@pytest.fixture
def collection(two_teams) -> DataCollection:
    first, second = two_teams
    return filled_collection(
        first.participant,
        [first.investigation.datasets.first(), second.investigation.datasets.first()],
    )


@pytest.mark.parametrize(
    "who, status", [("creator", 200), ("staff", 200), ("other_member", 404), ("outsider", 404)]
)
def test_collection_page_permission_matrix(client, collection, two_teams, who, status) -> None:
    first, _ = two_teams
    user = {
        "creator": first.participant,
        "staff": first.staff,
        "other_member": first.principal_investigator,
        "outsider": first.outsider,
    }[who]
    client.force_login(user)
    assert client.get(collection.get_absolute_url()).status_code == status


def test_collection_page_sends_anonymous_visitors_to_log_in(client, collection) -> None:
    response = client.get(collection.get_absolute_url())
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_collection_wrong_method_is_405(client, collection) -> None:
    client.force_login(collection.created_by)
    assert client.delete(collection.get_absolute_url()).status_code == 405
    assert client.get(reverse("doi:pick", args=[1])).status_code == 405


def test_editor_lists_datasets_and_prefilled_authors(client, collection) -> None:
    client.force_login(collection.created_by)
    page = client.get(collection.get_absolute_url()).content.decode()
    for dataset in collection.datasets.all():
        assert dataset.name in page
    for author in collection.authors.all():
        assert escape(author.family_name) in page


def test_reserve_with_missing_metadata_shows_field_errors_and_sends_nothing(
    client, collection, django_capture_on_commit_callbacks
) -> None:
    client.force_login(collection.created_by)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            collection.get_absolute_url(), _form_data(collection, title="", action="reserve")
        )
    assert response.status_code == 400
    assert "A title is required." in response.content.decode()
    assert callbacks == []
    collection.refresh_from_db()
    assert collection.state == CollectionState.DRAFT and collection.doi is None


def test_invalid_orcid_is_refused(client, collection) -> None:
    client.force_login(collection.created_by)
    response = client.post(
        collection.get_absolute_url(),
        _form_data(
            collection,
            **{
                "authors-0-orcid": "0000-0002-1825-0098",
                "action": "save",
            },
        ),
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Not a valid ORCID" in body


def test_reserve_enqueues_the_task_on_commit_and_shows_pending(
    client, collection, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    enqueued = []
    monkeypatch.setattr("doi.tasks.reserve_collection.delay", enqueued.append)
    client.force_login(collection.created_by)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            collection.get_absolute_url(), _form_data(collection, action="reserve"), follow=True
        )
    assert enqueued == [collection.pk]
    body = response.content.decode()
    assert "Pending:" in body and 'hx-trigger="every 2s"' in body


def test_mint_without_confirmation_is_refused(client, collection) -> None:
    client.force_login(collection.created_by)
    response = client.post(collection.get_absolute_url(), _form_data(collection, action="mint"))
    assert response.status_code == 400
    assert "Confirm that minting makes these datasets public now." in response.content.decode()


def test_mint_records_who_confirmed(
    client, collection, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    monkeypatch.setattr("doi.tasks.mint_collection.delay", lambda pk: None)
    client.force_login(collection.created_by)
    client.post(collection.get_absolute_url(), _form_data(collection, action="mint", confirm="on"))
    collection.refresh_from_db()
    assert collection.state == CollectionState.MINTING
    assert collection.mint_confirmed_by == collection.created_by


def test_moving_an_author_up_keeps_the_other_edits(client, collection) -> None:
    first, second = list(collection.authors.all())[:2]
    client.force_login(collection.created_by)
    client.post(
        collection.get_absolute_url(),
        _form_data(collection, title="New title", move="authors-1:up"),
    )
    collection.refresh_from_db()
    assert collection.title == "New title"
    assert list(collection.authors.all())[:2] == [second, first]


def test_status_poll_returns_a_fragment_while_pending_then_refreshes(client, collection) -> None:
    DataCollection.objects.filter(pk=collection.pk).update(state=CollectionState.RESERVING)
    client.force_login(collection.created_by)
    url = reverse("doi:collection-status", args=[collection.pk])

    pending = client.get(url, headers={"HX-Request": "true"})
    assert pending.status_code == 200 and b"<html" not in pending.content
    assert b"Pending:" in pending.content

    DataCollection.objects.filter(pk=collection.pk).update(state=CollectionState.RESERVED)
    done = client.get(url, headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"


def test_picker_lists_only_the_users_mintable_datasets_as_a_fragment(client, two_teams) -> None:
    first, _ = two_teams
    foreign = factories.DatasetFactory(name="foreign_dataset")
    collection = services.collection_create(by=first.participant)
    client.force_login(first.participant)

    response = client.get(
        collection.get_absolute_url(),
        {"q": "dataset"},
        headers={"HX-Request": "true", "HX-Target": "picker"},
    )

    body = response.content.decode()
    assert "<html" not in body and 'id="picker"' in body
    assert foreign.name not in body
    assert body.count('name="dataset"') == 4


def test_adding_a_foreign_dataset_id_is_404_and_changes_nothing(client, two_teams) -> None:
    first, _ = two_teams
    foreign = factories.DatasetFactory()
    collection = services.collection_create(by=first.participant)
    client.force_login(first.participant)

    response = client.post(
        reverse("doi:collection-add", args=[collection.pk]), {"dataset": [str(foreign.pk)]}
    )

    assert response.status_code == 404 and collection.datasets.count() == 0


def test_pick_button_adds_to_the_current_draft_and_answers_htmx_with_a_fragment(
    client, two_teams
) -> None:
    first, second = two_teams
    client.force_login(first.participant)
    a = first.investigation.datasets.first()
    b = second.investigation.datasets.first()

    client.post(reverse("doi:pick", args=[a.pk]))
    response = client.post(reverse("doi:pick", args=[b.pk]), headers={"HX-Request": "true"})

    assert b"<html" not in response.content and b"Added to" in response.content
    (collection,) = DataCollection.objects.filter(created_by=first.participant)
    assert set(collection.datasets.all()) == {a, b}


def test_pick_button_is_shown_to_members_only(client, two_teams) -> None:
    first, _ = two_teams
    dataset = first.investigation.datasets.first()
    url = reverse("catalogue:dataset-detail", args=[dataset.pk])
    client.force_login(first.participant)
    assert b"Add to DOI draft" in client.get(url).content
    client.force_login(first.scientist)  # sees the dataset, is not in the team
    assert b"Add to DOI draft" not in client.get(url).content
    assert client.post(reverse("doi:pick", args=[dataset.pk])).status_code == 404


def test_my_dois_lists_own_collections_without_n_plus_one(
    client, two_teams, django_assert_max_num_queries
) -> None:
    first, _ = two_teams
    for n in range(5):
        services.collection_create(by=first.participant, title=f"Collection {n}")
    services.collection_create(by=first.principal_investigator, title="Someone else's")
    client.force_login(first.participant)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("doi:mine"))

    body = response.content.decode()
    assert "Collection 4" in body and "Someone else" not in body
    assert "private" in response["Cache-Control"]
    collection_page = client.get(first.participant.doi_collections.first().get_absolute_url())
    assert "private" in collection_page["Cache-Control"]


def test_a_refused_correction_of_a_minted_doi_changes_nothing(
    client, collection, local_provider, django_capture_on_commit_callbacks
) -> None:
    services.collection_mint(collection=collection, by=collection.created_by, confirmed=True)
    services.collection_publish(collection_id=collection.pk, provider=local_provider)
    client.force_login(collection.created_by)

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            collection.get_absolute_url(), _form_data(collection, title="", action="save")
        )

    assert response.status_code == 400 and "A title is required." in response.content.decode()
    assert callbacks == []
    collection.refresh_from_db()
    assert collection.title == "Lysozyme at room temperature"
    assert collection.state == CollectionState.FINDABLE


def test_saving_a_minted_doi_sends_the_corrections(
    client, collection, local_provider, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    enqueued = []
    monkeypatch.setattr("doi.tasks.update_collection.delay", enqueued.append)
    services.collection_mint(collection=collection, by=collection.created_by, confirmed=True)
    services.collection_publish(collection_id=collection.pk, provider=local_provider)
    client.force_login(collection.created_by)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(collection.get_absolute_url(), _form_data(collection, title="Corrected"))

    collection.refresh_from_db()
    assert collection.title == "Corrected" and collection.state == CollectionState.UPDATING
    assert enqueued == [collection.pk]


def test_a_refusal_is_shown_to_the_user_with_datacites_reason(client, collection) -> None:
    DataCollection.objects.filter(pk=collection.pk).update(
        state=CollectionState.FAILED,
        failure="DataCite refused the request (422): url: Can't be blank",
    )
    client.force_login(collection.created_by)

    body = client.get(collection.get_absolute_url()).content.decode()

    assert "The DOI could not be registered." in body
    assert "url: Can&#x27;t be blank" in body and "Nothing was made public." in body


@pytest.mark.parametrize("model", ["doi", "datacollection", "localregistration"])
def test_admin_lists_dois_for_staff(admin_client, collection, local_provider, model) -> None:
    services.collection_mint(collection=collection, by=collection.created_by, confirmed=True)
    services.collection_publish(collection_id=collection.pk, provider=local_provider)
    response = admin_client.get(reverse(f"admin:doi_{model}_changelist"))
    assert response.status_code == 200
    assert DataCollection.objects.get(pk=collection.pk).doi.identifier.encode() in response.content


def test_pick_buttons_for_many_datasets_ask_the_database_once(
    rf, two_teams, django_assert_max_num_queries
) -> None:
    from django.template import Context, Template

    first, _ = two_teams
    datasets = list(first.investigation.datasets.select_related("investigation"))
    request = rf.get("/")
    request.user = first.participant
    template = Template(
        '{% for dataset in datasets %}{% include "doi/_pick_dataset.html" %}{% endfor %}'
    )

    with django_assert_max_num_queries(1):
        html = template.render(
            Context(
                {
                    "datasets": datasets,
                    "user": first.participant,
                    "request": request,
                    "csrf_token": "x",
                }
            )
        )

    assert html.count("Add to DOI draft") == len(datasets)


def test_a_stale_edit_gets_409_naming_who_changed_it_and_loses_nothing(
    client, collection, two_teams
) -> None:
    staff = two_teams[0].staff
    staff.full_name = "Sam Staff"
    staff.save()
    started = _form_data(collection, version=str(collection.version))
    client.force_login(staff)
    assert (
        client.post(collection.get_absolute_url(), started | {"title": "Staff's title"}).status_code
        == 302
    )
    client.force_login(collection.created_by)

    response = client.post(collection.get_absolute_url(), started | {"title": "Maker's title"})

    body = response.content.decode()
    assert response.status_code == 409
    assert "changed by Sam Staff at" in body and "Reload" in body
    assert "Maker&#x27;s title" in body  # the stale edit is shown again, to copy from
    collection.refresh_from_db()
    assert collection.title == "Staff's title" and collection.version == 1
    fresh = _form_data(collection, version=str(collection.version), title="Maker's title")
    assert client.post(collection.get_absolute_url(), fresh).status_code == 302
    collection.refresh_from_db()
    assert collection.title == "Maker's title" and collection.version == 2


def test_the_editor_names_the_version_it_started_from(client, collection) -> None:
    client.force_login(collection.created_by)
    body = client.get(collection.get_absolute_url()).content.decode()
    assert f'name="version" value="{collection.version}"' in body


@pytest.mark.parametrize("dataset_id", ["99999999999999999999", "²"])
def test_adding_an_id_no_dataset_can_have_is_404(client, two_teams, dataset_id) -> None:
    first, _ = two_teams
    collection = services.collection_create(by=first.participant)
    client.force_login(first.participant)

    response = client.post(
        reverse("doi:collection-add", args=[collection.pk]), {"dataset": [dataset_id]}
    )

    assert response.status_code == 404 and collection.datasets.count() == 0
