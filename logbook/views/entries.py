"""Writing a logbook: annotations (with pasted or uploaded images), comments, edits with history,
soft delete and restore, tags."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ..dates import local
from ..forms import EntryForm, TagForm
from ..history import versions
from ..models import Tag
from ..presenters import present, tag_colours
from ..scopes import Scope, beamline_scope, event_scope, investigation_scope
from ..services import (
    KEEP,
    EventInvalid,
    event_create,
    event_update,
    image_store,
    reply_parent,
    stale_edit_message,
)
from ..store import StaleEdit, get_store, version_of
from ..text import content_html
from .pages import _timeline

# Errors a service names by a field the entry form has; any other shows on the text.
FORM_FIELDS = ("image", "parent", "tags", "refers_to")


def _require_writer(scope: Scope) -> None:
    # Readers of a released logbook who are not in the team see it but may not write: 403 is
    # right here, the logbook itself is public.
    if not scope.can_write:
        raise PermissionDenied("Only the team and staff write in this logbook.")


def _image_html(form: EntryForm, scope: Scope, username: str, *, broadcast: bool = False) -> str:
    upload = form.cleaned_data.get("image")
    if not upload:
        return ""
    attachment = image_store(
        data=upload.read(),
        filename=upload.name,
        investigation=None if broadcast else scope.investigation,
        instrument_name=scope.instrument.name if scope.instrument and not broadcast else "",
        by=username,
        broadcast=broadcast,
    )
    return f'<p><img src="{attachment.get_absolute_url()}" alt="{attachment.filename}"></p>'


def _create(request: HttpRequest, scope: Scope) -> HttpResponse:
    _require_writer(scope)
    form = EntryForm(request.POST, request.FILES)
    if form.is_valid():
        broadcast = form.cleaned_data["broadcast"] and scope.can_broadcast
        try:
            parent = reply_parent(
                user=request.user,
                parent_id=form.cleaned_data["parent"],
                investigation=None if broadcast else scope.investigation,
                instrument=None if broadcast else scope.instrument,
            )
            with transaction.atomic():
                html = (form.cleaned_data["content"] or "") + _image_html(
                    form, scope, request.user.username, broadcast=broadcast
                )
                event_create(
                    investigation=None if broadcast else scope.investigation,
                    instrument=None if broadcast else scope.instrument,
                    type="broadcast" if broadcast else "annotation",
                    category="info" if broadcast else "comment",
                    by=request.user.username,
                    title=form.cleaned_data["title"],
                    html=html,
                    tags=[] if broadcast else form.tag_names(),
                    parent_event_id=parent,
                    refers_to=form.cleaned_data["refers_to"],
                )
        except EventInvalid as error:
            field = error.field if error.field in FORM_FIELDS else "content"
            form.add_error(field, error.message)
        else:
            messages.success(
                request, "Broadcast sent." if broadcast else "Entry added to the logbook."
            )
            return redirect(scope.url(""))
    response = _timeline(request, scope, entry_form=form)
    response.status_code = 400  # the form again, with its errors; nothing was stored
    return response


@login_required
@require_POST
def investigation_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _create(request, investigation_scope(request.user, pk))


@login_required
@require_POST
def beamline_create(request: HttpRequest, name: str) -> HttpResponse:
    return _create(request, beamline_scope(request.user, name))


def _event_or_404(request: HttpRequest, event_id: str) -> tuple[dict, Scope]:
    doc = get_store().get(event_id)
    if doc is None:
        raise Http404("No such event")
    return doc, event_scope(request.user, doc)


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, event_id: str) -> HttpResponse:
    doc, scope = _event_or_404(request, event_id)
    _require_writer(scope)
    if doc.get("type") not in ("annotation", "broadcast"):
        # What the beamline software recorded stays as recorded; comment on it instead.
        raise PermissionDenied("Only annotations and broadcasts can be edited.")
    status = 200
    # Only a note by a person says when what it tells happened; a broadcast is of its moment.
    annotation = doc.get("type") == "annotation"
    if request.method == "POST":
        form = EntryForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                with transaction.atomic():
                    html = (form.cleaned_data["content"] or "") + _image_html(
                        form, scope, request.user.username
                    )
                    event_update(
                        event=doc,
                        by=request.user.username,
                        title=form.cleaned_data["title"],
                        html=html,
                        tags=form.tag_names(),
                        investigation=scope.investigation,
                        instrument=scope.instrument,
                        version=form.cleaned_data["version"] or None,
                        refers_to=form.cleaned_data["refers_to"] if annotation else KEEP,
                    )
            except EventInvalid as error:
                field = error.field if error.field in FORM_FIELDS else "content"
                form.add_error(field, error.message)
            except StaleEdit as stale:
                # The form comes back as typed, so the writer's words are not lost.
                form.add_error(None, stale_edit_message(stale.current))
                status = 409
            else:
                messages.success(request, "Entry updated; the previous version is in its history.")
                return redirect(f"{scope.url('')}#event-{doc['_id']}")
    else:
        form = EntryForm(
            initial={
                "title": doc.get("title"),
                "content": content_html(doc),
                "tags": ", ".join(doc.get("tag") or []),
                "version": version_of(doc),
                "refers_to": local(doc["refersTo"]) if doc.get("refersTo") else None,
            }
        )
    return render(
        request,
        "logbook/event_edit.html",
        {
            "form": form,
            "event": doc,
            "when": f"{local(doc['creationDate']):%d %b %Y %H:%M}",
            "event_id": doc["_id"],
            "annotation": annotation,
            "scope": scope,
            "investigation": scope.investigation,
            "tags": tag_colours(request.user, scope.tag_filter()) if scope.instrument else {},
        },
        status=status,
    )


@require_http_methods(["GET"])
def event_history(request: HttpRequest, event_id: str) -> HttpResponse:
    doc, scope = _event_or_404(request, event_id)
    docs = get_store().history(doc["_id"])
    colours = tag_colours(request.user, scope.tag_filter()) if scope.instrument else {}
    template = "logbook/event_history.html"
    if request.htmx:  # opened under the event, in its timeline
        template += "#inline"
    return render(
        request,
        template,
        {
            "event": doc,
            "versions": versions(present(docs, user=request.user, colours=colours)),
            "scope": scope,
            "investigation": scope.investigation,
        },
    )


def _set_removed(request: HttpRequest, event_id: str, removed: bool) -> HttpResponse:
    doc, scope = _event_or_404(request, event_id)
    _require_writer(scope)
    get_store().set_removed(doc["_id"], removed)
    messages.success(
        request,
        "Entry removed; tick “Removed events” to restore it." if removed else "Entry restored.",
    )
    return redirect(scope.url("") + ("?removed=1" if not removed else ""))


@login_required
@require_POST
def event_remove(request: HttpRequest, event_id: str) -> HttpResponse:
    return _set_removed(request, event_id, True)


@login_required
@require_POST
def event_restore(request: HttpRequest, event_id: str) -> HttpResponse:
    return _set_removed(request, event_id, False)


def _tag_create(request: HttpRequest, scope: Scope) -> HttpResponse:
    _require_writer(scope)
    form = TagForm(
        request.POST, instance=Tag(investigation=scope.investigation, instrument=scope.instrument)
    )
    if form.is_valid():
        try:
            with transaction.atomic():
                tag = form.save()
        except IntegrityError:  # created by someone else since the form was checked
            messages.info(request, f"Tag “{form.cleaned_data['name']}” already exists.")
        else:
            messages.success(request, f"Tag “{tag.name}” created.")
    else:
        errors = "; ".join(e for errs in form.errors.values() for e in errs)
        messages.error(request, f"Tag not created: {errors}")
    return redirect(scope.url(""))


@login_required
@require_POST
def investigation_tag_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _tag_create(request, investigation_scope(request.user, pk))


@login_required
@require_POST
def beamline_tag_create(request: HttpRequest, name: str) -> HttpResponse:
    return _tag_create(request, beamline_scope(request.user, name))
