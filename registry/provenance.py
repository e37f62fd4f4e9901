"""Where each fact came from, whether an import may change it, and conflicts between sources.

Every service write of a tracked row records, per field it set, the source of the write
and the value it set (``FieldSource``): ``manual`` for a person (API, admin, shell) or
the importer's source (``import:tokenlist:Uniswap Labs Default@22.21.0``). Each app
says which fields of its models are tracked (``track``, from its ``provenance``
module's ``register()``).

Precedence. An import changes a field only when the field's current source is no
stronger than the import's, by ``IMPORT_SOURCE_PRECEDENCE`` (strongest first; by
default a person beats every import, and a CSV a steward prepared beats the published
lists). ``--overwrite`` lifts the rule.

Conflicts. When an import brings a value that differs from the stored one and the
stored one came from another source (``decide``), the two sources disagree on a fact:
the value kept is the one precedence picks, and the disagreement is reported
(``report_conflicts``) to the handlers an upper app registered
(``register_conflict_handler``; quality raises a DATA_CONFLICT flag). Nothing here
clears a conflict: a steward does, by resolving what the handler raised.
"""

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.db.models.signals import post_delete
from django.utils import timezone

from registry.actors import current_actor, current_source
from registry.models import FieldSource

# model label -> the names of its tracked fields
_TRACKED: dict[str, tuple[str, ...]] = {}
_CONFLICT_HANDLERS: list[Callable[[list["Conflict"]], list["Conflict"]]] = []


def entity_label(model: type[models.Model] | models.Model) -> str:
    """The label sources are kept under: a proxy's rows are its concrete model's."""
    return model._meta.concrete_model._meta.label_lower


def track(model: type[models.Model], fields: Iterable[str]) -> None:
    """Record the source of these fields of ``model`` on every service write. Called
    once per model, from the app's ``provenance.register()``."""
    label = entity_label(model)
    _TRACKED[label] = tuple(fields)
    post_delete.connect(_forget_sources, sender=model, dispatch_uid=f"provenance.{label}")


def tracked_fields(model: type[models.Model] | models.Model) -> tuple[str, ...]:
    return _TRACKED.get(entity_label(model), ())


def _forget_sources(sender, instance, **kwargs) -> None:
    """A row deleted for good takes its sources with it."""
    FieldSource.objects.of(instance).delete()


def write_source() -> str:
    """The source a write made now is recorded as."""
    source = current_source()
    return source if source.startswith("import:") else "manual"


def stored_value(row: models.Model, name: str) -> Any:
    """The field's value as JSON keeps it (a foreign key as its primary key)."""
    value = row._meta.get_field(name).value_from_object(row)
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def record_sources(fields_by_row: Mapping[models.Model, Iterable[str]]) -> None:
    """Note the current write's source, and the values set, for these fields of these
    rows (any tracked models; one upsert for all of them). A JSON document's value is
    not copied (null): the row holds it, its history the earlier ones."""
    entities, keys, names, values = [], [], [], []
    for row, fields in fields_by_row.items():
        tracked = tracked_fields(row)
        for name in fields:
            if name in tracked:
                entities.append(entity_label(row))
                keys.append(str(row.pk))
                names.append(name)
                model_field = row._meta.get_field(name)
                if isinstance(model_field, models.JSONField):
                    values.append(None)  # a document: the row and its history hold it
                    continue
                value = model_field.value_from_object(row)
                values.append(json.dumps(value, cls=DjangoJSONEncoder))
    if not names:
        return
    # One statement for any number of fields (an import sets tens of thousands).
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {FieldSource._meta.db_table}
                (entity, object_key, field, source, actor, set_at, value)
            SELECT row.entity, row.object_key, row.field, %s, %s, %s, row.value::jsonb
            FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[])
                AS row(entity, object_key, field, value)
            ON CONFLICT (entity, object_key, field) DO UPDATE
            SET source = EXCLUDED.source, actor = EXCLUDED.actor, set_at = EXCLUDED.set_at,
                value = EXCLUDED.value
            """,
            [write_source(), current_actor(), timezone.now(), entities, keys, names, values],
        )


@dataclass(frozen=True)
class Recorded:
    """What the sources table says of one field: who set it, when, to what."""

    source: str
    actor: str
    set_at: datetime
    value: Any


def recorded_of(model: type[models.Model], keys: Iterable) -> dict[Any, dict[str, Recorded]]:
    """{key: {field: Recorded}} for these rows of ``model`` (one query)."""
    by_text = {str(key): key for key in keys}
    found: dict[Any, dict[str, Recorded]] = {}
    if not by_text:
        return found
    rows = FieldSource.objects.filter(
        entity=entity_label(model), object_key__in=list(by_text)
    ).values_list("object_key", "field", "source", "actor", "set_at", "value")
    for object_key, name, source, actor, set_at, value in rows:
        found.setdefault(by_text[object_key], {})[name] = Recorded(source, actor, set_at, value)
    return found


def sources_of(model: type[models.Model], keys: Iterable) -> dict[Any, dict[str, str]]:
    """{key: {field: source}} for these rows of ``model`` (one query)."""
    return {
        key: {name: recorded.source for name, recorded in fields.items()}
        for key, fields in recorded_of(model, keys).items()
    }


def _rank(source: str) -> int:
    """Position in IMPORT_SOURCE_PRECEDENCE of the longest prefix that matches."""
    best, length = len(settings.IMPORT_SOURCE_PRECEDENCE), -1
    for index, prefix in enumerate(settings.IMPORT_SOURCE_PRECEDENCE):
        if (source == prefix or source.startswith(prefix + ":")) and len(prefix) > length:
            best, length = index, len(prefix)
    return best


def may_change(current: str | None, incoming: str, *, overwrite: bool = False) -> bool:
    """May a write from ``incoming`` replace a field last set by ``current``?"""
    if overwrite or current is None or current == incoming:
        return True
    return _rank(incoming) <= _rank(current)


def same_source(one: str, other: str) -> bool:
    """One source, whatever its version: a list's next release restating (or changing)
    its own fact is not two sources disagreeing."""
    return one.rsplit("@", 1)[0] == other.rsplit("@", 1)[0]


@dataclass(frozen=True)
class Claim:
    """One source's word on a fact."""

    value: Any
    source: str
    set_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "source": self.source,
            "set_at": self.set_at.isoformat() if self.set_at else None,
        }


@dataclass(frozen=True)
class Conflict:
    """Two sources disagreeing on one fact of the registry.

    ``kind`` names the fact ("decimals", "field", "external_id", "bridged_decimals");
    ``asset_id`` the asset it concerns (the flag goes there); ``entity``, ``object_key``
    and ``field`` the row and field; ``kept`` the value the registry holds after the
    write and ``other`` the one it does not.
    """

    kind: str
    asset_id: Any
    entity: str
    object_key: str
    field: str
    kept: Claim
    other: Claim
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def key(self) -> str:
        """Names the conflict, the same each time it is met again (at most 100 characters)."""
        text = f"conflict:{self.entity.split('.')[-1]}:{self.object_key}:{self.field}"
        if len(text) > 100:
            text = f"conflict:{hashlib.sha256(text.encode()).hexdigest()[:64]}"
        return text

    def evidence(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "entity": self.entity,
            "object_key": self.object_key,
            "field": self.field,
            "kept": self.kept.as_dict(),
            "other": self.other.as_dict(),
            **self.extra,
        }


def decide(
    row: models.Model,
    name: str,
    incoming_value: Any,
    incoming_source: str,
    recorded: Recorded | None,
    *,
    overwrite: bool = False,
    asset_id: Any = None,
    kind: str = "field",
) -> tuple[bool, Conflict | None]:
    """May ``incoming_source`` set ``name`` of ``row`` to ``incoming_value``, and do the
    two sources disagree? A conflict is two different values from two different
    sources (a value whose source is unknown, set before sources were recorded, is
    no source's word); the value kept is the one precedence picks."""
    current = recorded.source if recorded is not None else None
    allowed = may_change(current, incoming_source, overwrite=overwrite)
    stored = stored_value(row, name)
    incoming = json.loads(json.dumps(incoming_value, cls=DjangoJSONEncoder))
    if recorded is None or stored == incoming or same_source(recorded.source, incoming_source):
        return allowed, None
    theirs = Claim(stored, recorded.source, recorded.set_at)
    ours = Claim(incoming, incoming_source, timezone.now())
    kept, other = (ours, theirs) if allowed else (theirs, ours)
    conflict = Conflict(
        kind=kind,
        asset_id=asset_id if asset_id is not None else row.pk,
        entity=entity_label(row),
        object_key=str(row.pk),
        field=name,
        kept=kept,
        other=other,
    )
    return allowed, conflict


def register_conflict_handler(handler: Callable[[list[Conflict]], list[Conflict]]) -> None:
    """An upper app's way to hear of conflicts (quality raises flags). The handler
    returns the conflicts it newly recorded (one met again, still open, is not new)."""
    if handler not in _CONFLICT_HANDLERS:
        _CONFLICT_HANDLERS.append(handler)


def report_conflicts(conflicts: Iterable[Conflict], counter: Counter | None = None) -> list:
    """Hand these conflicts to the registered handlers, in the caller's transaction;
    returns the ones newly recorded, counted by kind in ``counter`` (an import report's)."""
    conflicts = list(conflicts)
    recorded: dict[str, Conflict] = {}
    for handler in _CONFLICT_HANDLERS if conflicts else ():
        for conflict in handler(conflicts):
            recorded[f"{conflict.asset_id}:{conflict.key}"] = conflict
    if counter is not None:
        counter.update(conflict.kind for conflict in recorded.values())
    return list(recorded.values())


def _stated(model_field: models.Field, value: Any) -> bool:
    """Does a new row's value say something (not empty, not the field's default)?"""
    return value is not None and value != "" and value != {} and value != model_field.get_default()


def record_created(rows: Iterable[models.Model]) -> None:
    """Note the current write's source for the tracked fields a new row states: a value,
    other than the field's default (a deployment that is not native says nothing)."""
    fields_by_row = {}
    for row in rows:
        fields = [row._meta.get_field(name) for name in tracked_fields(row)]
        fields_by_row[row] = [f.name for f in fields if _stated(f, f.value_from_object(row))]
    record_sources(fields_by_row)
