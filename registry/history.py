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

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pghistory
import pgtrigger
from django.core.serializers.json import DjangoJSONEncoder

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
