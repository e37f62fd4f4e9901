"""Change history: every insert, update and delete of the registry's entities, with who,
when, how, and the fields before and after.

django-pghistory records the changes with PostgreSQL triggers, so the history holds what
no Django signal sees: the importers' COPY and bulk writes, ``QuerySet.update()``, the
shell and raw SQL. The outbox is not the history: it is pruned once published, and it
holds only what the services wrote.

Who and how come from the change context (registry.actors). ``history_context()`` opens
pghistory's context wherever a change context starts (the middleware, ``acting_as``,
``manage.py``); the actor and source are resolved when each statement runs, so a request
whose user DRF authenticates inside the view is attributed to that user. The context is
copied into each event row, so one request or command that acts as two actors records
each change with its own; pghistory also keeps one row per context in
``pghistory_context`` (one per request or command, not per change), which nothing here
reads. Celery tasks act as the default service account (config/celery.py). pghistory's
context is per thread: a thread started inside a context records its writes
unattributed unless it opens its own.
"""

import contextlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pghistory
import pgtrigger
from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

# Fields every event row repeats but no reader needs: the database computes it.
UNTRACKED_FIELDS = ("symbol_key",)
# Bookkeeping fields a diff leaves out: every update changes them.
BOOKKEEPING_FIELDS = ("updated_at", "version")


class _Resolved:
    """A context value read when the statement runs, not when the context opens."""

    def __init__(self, name: str) -> None:
        self.name = name

    def value(self) -> str:
        from registry import actors

        return actors.current_actor() if self.name == "actor" else actors.current_source()


CURRENT_ACTOR, CURRENT_SOURCE = _Resolved("actor"), _Resolved("source")


class HistoryContextEncoder(DjangoJSONEncoder):
    """pghistory's metadata encoder (PGHISTORY_JSON_ENCODER): resolves actor and source."""

    def default(self, o):
        if isinstance(o, _Resolved):
            return o.value()
        return super().default(o)


def tracked(**options):
    """The class decorator of a model whose changes are history.

    Inserts, updates (of any tracked field) and deletes, with the context in the row;
    append-only, so the app cannot rewrite history. Statement-level triggers (transition
    tables): an import's COPY of 13,000 rows runs one trigger, not 13,000.
    """
    return pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        context_field=pghistory.ContextJSONField(),
        append_only=True,
        level=pgtrigger.Statement,
        **options,
    )


@contextmanager
def history_context() -> Iterator[None]:
    """Attribute the changes made in the block to the change context's actor and source."""
    with pghistory.context(actor=CURRENT_ACTOR, source=CURRENT_SOURCE):
        yield


def attach_context(cursor) -> None:
    """Make the open history context the transaction's before a COPY.

    pghistory sets its context with each statement that passes through Django's cursor;
    psycopg's COPY does not, so a no-op statement passes through first.
    """
    cursor.execute("DO $$BEGIN END$$")


# ---- reading ---------------------------------------------------------------------------

VERBS = {"insert": "created", "update": "changed", "delete": "deleted"}


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


def field_changes(event) -> list[FieldChange]:
    """What ``event`` (a registry.models.ChangeEvent) did to each field: before and after
    for an update, the values set for an insert, the values removed for a delete."""
    if event.pgh_label == "update":
        diff = event.pgh_diff or {}
        return [
            FieldChange(name, before, after)
            for name, (before, after) in sorted(diff.items())
            if name not in BOOKKEEPING_FIELDS
        ]
    data = {
        name: value
        for name, value in sorted((event.pgh_data or {}).items())
        if name not in BOOKKEEPING_FIELDS
        and name != "created_at"
        and value not in (None, "", {}, [])
    }
    if event.pgh_label == "delete":
        return [FieldChange(name, value, None) for name, value in data.items()]
    return [FieldChange(name, None, value) for name, value in data.items()]


# Longer values (a big metadata document) are cut; the event row keeps them whole.
SHOWN_MAX_LENGTH = 300


def shown(value: Any) -> str:
    """A field value as the history shows it: text as is, anything else as compact JSON."""
    if value is None or value == "":
        return "—"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= SHOWN_MAX_LENGTH else text[: SHOWN_MAX_LENGTH - 1] + "…"


# ---- naming and searching (the admin's history pages) -----------------------------------


def recorded_row(event) -> models.Model:
    """The row ``event`` recorded (as it was after an insert or update, before a delete),
    as an unsaved instance of its model: what its ``__str__`` names."""
    model = apps.get_model(event.pgh_obj_model)
    data = event.pgh_data or {}
    return model(
        **{
            field.attname: data[field.attname]
            for field in model._meta.concrete_fields
            if field.attname in data and not field.generated
        }
    )


def _foreign_keys(model: type[models.Model]) -> list[models.ForeignKey]:
    return [field for field in model._meta.concrete_fields if field.many_to_one]


class EventNames:
    """How the history names the rows of a page of events: each changed row as its model's
    ``str()`` names it (a deployment is "USDC (USD Coin) on ethereum at 0xA0b8…", not two
    UUIDs), and each foreign key by the row it points to. The rows the page's foreign keys
    point to are read with one query per related model for the whole page; a row since
    deleted is named from the event itself."""

    def __init__(self, events) -> None:
        self._rows = {event.pgh_slug: recorded_row(event) for event in events}
        wanted: dict[type[models.Model], set] = {}
        for row in self._rows.values():
            for field in _foreign_keys(type(row)):
                value = getattr(row, field.attname)
                if value is not None:
                    wanted.setdefault(field.related_model, set()).add(
                        field.target_field.to_python(value)
                    )
        self._related = {model: model._base_manager.in_bulk(ids) for model, ids in wanted.items()}
        for row in self._rows.values():
            for field in _foreign_keys(type(row)):
                related = self._related_row(field, getattr(row, field.attname))
                if related is not None:
                    field.set_cached_value(row, related)

    def _related_row(self, field, value) -> models.Model | None:
        if value is None:
            return None
        try:
            key = field.target_field.to_python(value)
        except ValidationError:
            return None
        return self._related.get(field.related_model, {}).get(key)

    def row(self, event) -> str:
        """The changed row's name."""
        row = self._rows.get(event.pgh_slug) or recorded_row(event)
        try:
            return str(row)
        except ObjectDoesNotExist:  # it names a row that no longer exists
            return f"{row._meta.verbose_name} {event.pgh_obj_id}"

    def change(self, event, change: FieldChange) -> FieldChange | None:
        """``change`` as the history shows it: a foreign key under its field's name with
        the name of the row it points to, a choice by its label (Critical, not 5); None
        for the row's own id, which the row's name already says."""
        model = apps.get_model(event.pgh_obj_model)
        field = next((f for f in model._meta.concrete_fields if f.attname == change.field), None)
        if field is None:
            return change
        if field.primary_key:
            return None
        if field.many_to_one:
            return FieldChange(
                field.name,
                self._related_name(field, change.before),
                self._related_name(field, change.after),
            )
        if field.choices:
            labels = dict(field.flatchoices)
            return FieldChange(
                field.name,
                labels.get(change.before, change.before),
                labels.get(change.after, change.after),
            )
        return change

    def _related_name(self, field, value):
        related = self._related_row(field, value)
        return value if related is None else str(related)


# What the history search compares with each recorded row's fields: the symbol in any
# case, a part of the name, the address in any case.
SEARCHED_FIELDS = {"symbol": "iexact", "name": "icontains", "address": "iexact"}


# Ids a search lists in its query; more are left to the database as a subquery (slower:
# each of the page's queries reads the event tables again).
SEARCH_LISTED_IDS = 5000


def _listed(queryset):
    """``queryset`` (one column) as a list when it is short, else as a subquery."""
    values = list(queryset[: SEARCH_LISTED_IDS + 1])
    return queryset if len(values) > SEARCH_LISTED_IDS else values


def history_search(term: str) -> Q:
    """The condition on registry.models.ChangeEvent of the changes of the rows whose
    recorded symbol, name or address matches ``term`` in any of their versions (so a row
    since renamed or deleted is found) or whose id is ``term``, and of the rows that refer
    to them: what each one's History page lists.

    Each entity's own event table is searched (its columns, never the JSON of every change
    of every table), and the condition names the matching events by (table, event id),
    listed when they are few, so the page's queries do not search again.
    """
    from pghistory.core import event_models

    from registry.text import lookup_form

    term = term.strip()
    matched = {}  # tracked model -> the ids of its matching rows
    for event_model in event_models():
        tracked = event_model.pgh_tracked_model
        condition = Q()
        with contextlib.suppress(ValidationError):  # not an id of this model (a UUID …)
            condition |= Q(pgh_obj_id=tracked._meta.pk.to_python(term))
        names = {field.name for field in event_model._meta.concrete_fields}
        for name, lookup in SEARCHED_FIELDS.items():
            if name in names:
                value = lookup_form(term) if name == "symbol" else term
                condition |= Q(**{f"{name}__{lookup}": value})
        if condition:  # an empty Q() would match every row
            ids = _listed(
                event_model.objects.filter(condition)
                .values_list("pgh_obj_id", flat=True)
                .distinct()
            )
            if ids:
                matched[tracked] = ids
    changes = Q(pk__in=[])
    for event_model in event_models():
        refers = Q()
        for field in _foreign_keys(event_model):
            if field.related_model in matched:  # pgh_obj: the row itself
                refers |= Q(**{f"{field.attname}__in": matched[field.related_model]})
        if refers:
            event_ids = _listed(event_model.objects.filter(refers).values_list("pgh_id", flat=True))
            if event_ids:
                changes |= Q(pgh_model=event_model._meta.label, pgh_id__in=event_ids)
    return changes
