"""The exchangeable entities: the base class that says how an entity's rows are exported
and imported, and the registry of entities each app fills in ``AppConfig.ready()``.

An entity is named by its API resource path and defined by its API viewset (its
serializer, the services it writes through, the queryset it lists) and the natural key
that finds an existing row. The rules of one entity (how a row without its key is
matched, what a row does beyond its fields) live in its app's ``exchange.py``, as a
subclass of ``Entity``.
"""

import contextlib
import copy
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from rest_framework import serializers

from registry.api.viewsets import UpdateMixin
from registry.exchange.formats import DEFAULT_CHUNK_SIZE, Row
from registry.importing import ItemRejected
from registry.services import Writes

if TYPE_CHECKING:
    from registry.exchange.run import CsvImport

CREATE, UPDATE = "create", "update"
CREATED, UPDATED, UNCHANGED, REJECTED = "created", "updated", "unchanged", "rejected"


@dataclass
class PlannedRow:
    line: int
    action: str  # CREATE or UPDATE
    instance: Any = None
    data: dict = field(default_factory=dict)  # validated fields (create) or changes (update)
    extra: dict = field(default_factory=dict)  # follow-ups: resolve a flag, delist a ticker


class Entity:
    """One exchangeable entity, defined by its API viewset and its natural key.

    ``serializer`` and ``writes`` override what the viewset says, for an entity the API
    writes through an action of another viewset (group members). A row may change what
    the API may change: an entity whose viewset has no update is created, never changed.
    """

    # Rows without a natural key are matched to stored rows, and a steward may choose to
    # create duplicates instead (--allow-duplicates). The entity words the choice:
    # ``duplicates_rule`` (what allowing does), ``duplicates_help`` (the command's option)
    # and ``duplicates_refusal`` (the preview's sentence on the rows refused for want of it).
    duplicates_choice = False
    duplicates_rule = ""
    duplicates_help = ""

    def duplicates_refusal(self, lines: list[int]) -> str:
        return ""

    def __init__(
        self,
        name: str,
        viewset: type,
        key: tuple[str, ...],
        *,
        serializer: type[serializers.ModelSerializer] | None = None,
        writes: Writes | None = None,
    ) -> None:
        self.name = name
        self.viewset = viewset
        self.key = key
        self.serializer_class = serializer or viewset.serializer_class
        self.writes = writes or viewset.writes
        # An update the viewset does not offer, an explicit declaration does.
        self.offers_update = writes is not None or issubclass(viewset, UpdateMixin)

    def __repr__(self) -> str:
        return f"<Entity {self.name}>"

    @property
    def model(self) -> type[models.Model]:
        return self.serializer_class.Meta.model

    @property
    def create_service(self) -> Callable | None:
        return self.writes.create if self.writes else None

    @property
    def update_service(self) -> Callable | None:
        return self.writes.update if self.writes and self.offers_update else None

    @property
    def instance_name(self) -> str:
        return self.writes.instance_name

    # ---- export -------------------------------------------------------------------

    def columns(self) -> list[str]:
        return list(self.serializer_class().fields)

    def export_queryset(self) -> models.QuerySet:
        """What the API lists, by primary key."""
        return self.viewset.queryset.all().order_by("pk")

    def serializer_context(self, objects: list) -> dict:
        """Context that lets the serializer render a chunk without a query per object."""
        return {}

    def export_rows(
        self, chunk_size: int = DEFAULT_CHUNK_SIZE, pks: Iterable | None = None
    ) -> Iterator[dict]:
        """Every exported row, or those of the primary keys ``pks`` (a list or a query)."""
        queryset = self.export_queryset()
        if pks is not None:
            queryset = queryset.filter(pk__in=pks)
        chunk: list = []
        for obj in queryset.iterator(chunk_size=chunk_size):
            chunk.append(obj)
            if len(chunk) == chunk_size:
                yield from self._serialize(chunk)
                chunk = []
        if chunk:
            yield from self._serialize(chunk)

    def _serialize(self, objects: list) -> list[dict]:
        context = self.serializer_context(objects)
        return self.serializer_class(objects, many=True, context=context).data

    # ---- import: finding the existing row -----------------------------------------

    def required_columns(self) -> tuple[str, ...]:
        """The natural key's columns; a read-only id may be left out (every row is new)."""
        pk = self.model._meta.pk.name
        if self.key == (pk,) and self.serializer_class().fields[pk].read_only:
            return ()
        return self.key

    def key_of(self, cells: dict[str, str]) -> tuple | None:
        """The row's natural key, comparable with ``key_of_instance``; None when the row
        names none (a new row). ValidationError for a key cell that cannot be one."""
        parts = []
        for name in self.key:
            value = self.key_value(name, cells.get(name, ""))
            if value is None:
                return None
            parts.append(value)
        return tuple(parts)

    def key_value(self, name: str, text: str) -> Any:
        model_field = self.model._meta.get_field(name)
        text = text.strip()
        if model_field.is_relation:
            model_field = model_field.target_field
            if not text:
                return None
        elif not text and model_field.primary_key:
            return None
        try:
            value = model_field.to_python(text)
            normalizer = self.model.normalizers.get(name)
            if normalizer is not None and isinstance(value, str) and value:
                value = normalizer(value)
        except ValidationError as error:
            raise ValidationError({name: error.messages}) from None
        return value

    def key_of_instance(self, obj: models.Model) -> tuple:
        return tuple(getattr(obj, self.model._meta.get_field(name).attname) for name in self.key)

    def lookup_queryset(self) -> models.QuerySet:
        """Every stored row (whatever the API lists), with the references a row compares."""
        related = [
            model_field.name
            for model_field in self.model._meta.concrete_fields
            if model_field.is_relation and model_field.name in self.serializer_class().fields
        ]
        return self.model._base_manager.select_related(*related)

    def existing(self, keys: Iterable[tuple]) -> dict[tuple, models.Model]:
        """The stored rows with these natural keys, in one query."""
        wanted = set(keys)
        if not wanted:
            return {}
        filters = {
            f"{self.model._meta.get_field(name).attname}__in": {key[index] for key in wanted}
            for index, name in enumerate(self.key)
        }
        found = {}
        for obj in self.lookup_queryset().filter(**filters):
            key = self.key_of_instance(obj)
            if key in wanted:
                found[key] = obj
        return found

    # ---- import: planning a row -------------------------------------------------

    def file_context(self, rows: list[Row], run: "CsvImport") -> dict:
        """What planning a row needs to know of the file's other rows."""
        return {}

    def chunk_context(
        self, unkeyed: list[Row], instances: list[models.Model], run: "CsvImport"
    ) -> dict:
        """What planning a chunk of rows needs beyond the rows (looked up once): for the
        rows that name no natural key (``unkeyed``) and the stored rows found by key."""
        return {}

    def plan_row(self, row: Row, instance: models.Model | None, run: "CsvImport"):
        """A PlannedRow, or None when the row matches the registry. ItemRejected if not valid."""
        data = run.decode(row)
        if instance is None:
            validated = run.validate(data)
            return PlannedRow(row.line, CREATE, data=self.create_data(validated, row))
        changes = self.changes(instance, run.validate(data, instance), run)
        if not changes:
            return None
        if self.update_service is None:
            raise ItemRejected(
                f"{', '.join(sorted(changes))}: {self.model._meta.verbose_name_plural} cannot be "
                "changed once created (the API has no update for them)."
            )
        return PlannedRow(row.line, UPDATE, instance=instance, data=changes)

    def create_data(self, validated: dict, row: Row) -> dict:
        """The create service's arguments; a UUID id the row carries is kept."""
        pk = self.model._meta.pk
        text = row.cells.get(pk.name, "").strip()
        if pk.name in validated or not text or not isinstance(pk, models.UUIDField):
            return dict(validated)
        try:
            return {**validated, pk.name: pk.to_python(text)}
        except ValidationError as error:
            raise ItemRejected(f"{pk.name}: {' '.join(error.messages)}") from None

    def changes(self, instance: models.Model, validated: dict, run: "CsvImport") -> dict:
        return differing(instance, validated)

    def follow_up_values(self, planned: PlannedRow) -> dict:
        """The fields the row's follow-ups (``planned.extra``) set, with their values after:
        what the row does beyond ``planned.data``, for a preview."""
        return {}

    # ---- import: writing a row --------------------------------------------------

    def create(self, planned: PlannedRow) -> str:
        self.create_service(**planned.data)
        return CREATED

    def update(self, planned: PlannedRow) -> str:
        changed = self.writes.update_of(planned.instance, changes=planned.data)
        return UPDATED if changed else UNCHANGED


def differing(instance: models.Model, values: dict) -> dict:
    """The ``values`` that differ from ``instance``'s, compared in stored form: the row's
    values are normalized as the model would (a checksummed address, a trimmed name)."""
    candidate = copy.copy(instance)
    for name, value in values.items():
        setattr(candidate, name, value)
    with contextlib.suppress(ValidationError):  # the service reports it
        candidate.normalize()
    changes = {}
    for name, value in values.items():
        attname = instance._meta.get_field(name).attname
        if getattr(candidate, attname) != getattr(instance, attname):
            changes[name] = value
    return changes


class EntityRegistry(Mapping[str, Entity]):
    """The exchangeable entities by name, each app registering its own in
    ``AppConfig.ready()``.

    Iterated in dependency order, the order an empty registry imports files in: each
    entity after the entities its model's foreign keys point to (a chain after the asset
    that is its native asset), otherwise in the order they were registered (INSTALLED_APPS).
    """

    def __init__(self) -> None:
        self._entities: dict[str, Entity] = {}
        self._ordered: tuple[Entity, ...] | None = None

    def register(self, entity: Entity) -> None:
        self._entities[entity.name] = entity
        self._ordered = None

    def __getitem__(self, name: str) -> Entity:
        return self._entities[name]

    def __iter__(self) -> Iterator[str]:
        return (entity.name for entity in self.in_order())

    def __len__(self) -> int:
        return len(self._entities)

    def of_model(self, model: type[models.Model]) -> Entity | None:
        """The entity whose rows are ``model``'s, if one is registered."""
        return next((entity for entity in self.in_order() if entity.model is model), None)

    def in_order(self) -> tuple[Entity, ...]:
        if self._ordered is None:
            self._ordered = self._dependency_order()
        return self._ordered

    def _dependency_order(self) -> tuple[Entity, ...]:
        registered = list(self._entities.values())
        by_model: dict[type[models.Model], list[Entity]] = {}
        for entity in registered:
            by_model.setdefault(entity.model, []).append(entity)
        needs = {
            entity.name: {
                other.name
                for model_field in entity.model._meta.concrete_fields
                if model_field.is_relation
                for other in by_model.get(model_field.related_model, ())
                if other is not entity
            }
            for entity in registered
        }
        ordered: dict[str, Entity] = {}
        while len(ordered) < len(registered):
            entity = next(
                (
                    e
                    for e in registered
                    if e.name not in ordered and needs[e.name] <= ordered.keys()
                ),
                None,
            )
            if entity is None:
                cycle = sorted(name for name in needs if name not in ordered)
                raise ImproperlyConfigured(
                    f"Exchange entities refer to each other in a cycle: {', '.join(cycle)}."
                )
            ordered[entity.name] = entity
        return tuple(ordered.values())


ENTITIES = EntityRegistry()


def register_entity(entity: Entity) -> None:
    """Register ``entity`` for export and import under its name (the API resource path)."""
    ENTITIES.register(entity)
