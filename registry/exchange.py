"""Export and CSV import of every entity, in the API's own terms.

``ENTITIES`` names each exchangeable entity by its API resource path and says once
where its behaviour comes from: the API viewset (its serializer, the services it
writes through, the queryset it lists) and the natural key that finds an existing row.
The registry core imports no entity app at module import time, so the table names
viewsets and the few entity-specific pieces by dotted path, resolved on first use.
The table is in dependency order: an empty registry imports the files in this order
(assets before chains, because a chain names its native asset).

**Export** rows are exactly the API serializer's output for each object the API lists,
by primary key. In a CSV the header is the field names and a cell holds the value as
text: nested values (metadata, lists, nested objects) as compact JSON, None as an
empty cell, booleans as ``true``/``false``.

**Import** reads such a CSV back. The header must name fields of the serializer (read-
only ones such as ``created_at`` or ``version`` are allowed and ignored) and hold the
natural key's columns, or nothing is imported. Each row is validated by the API
serializer (partially, for an existing row) and written through the services the
viewset names, with only the fields that differ: a row that matches the registry
writes nothing. An empty cell means null where the field takes null, an empty string
where it takes one, and otherwise "not given" (a new row gets the default, an existing
row keeps its value). A row that creates an object whose primary key is a UUID keeps
the id it carries (other rows refer to assets by id, and the natural key of assets and
flags is their id); integer ids are the database's to hand out.

``read_xlsx`` reads the first sheet of an XLSX workbook into the same rows as
``read_csv`` (the admin imports both).
"""

import contextlib
import copy
import csv
import datetime
import io
import json
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.module_loading import import_string
from rest_framework import serializers
from rest_framework.exceptions import ValidationError as SerializerValidationError
from rest_framework.utils.encoders import JSONEncoder

from registry.actors import current_actor
from registry.api.viewsets import UpdateMixin
from registry.exceptions import RegistryError
from registry.importing import (
    MAX_SOURCE_BYTES,
    ImportReport,
    ItemRejected,
    Progress,
    SourceError,
    apply_in_batches,
    batched,
    error_text,
)
from registry.rehearsal import rehearsal
from registry.services import Writes
from registry.text import symbol_key

EXPORT_FORMATS = ("csv", "json", "jsonl")
DEFAULT_CHUNK_SIZE = 1000

CREATE, UPDATE = "create", "update"
CREATED, UPDATED, UNCHANGED, REJECTED = "created", "updated", "unchanged", "rejected"

# Serializer fields whose CSV cell is JSON text.
JSON_FIELDS = (
    serializers.JSONField,
    serializers.ListField,
    serializers.DictField,
    serializers.BaseSerializer,
)


@dataclass
class Row:
    line: int  # the CSV line the record starts on (XLSX: its row); the header is line 1
    cells: dict[str, str]


# The header, the rows and the records of the wrong width (line, reason) of a file.
Table = tuple[list[str], list[Row], list[tuple[int, str]]]


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
    # create duplicates instead (--allow-duplicates).
    duplicates_choice = False

    def __init__(
        self,
        name: str,
        viewset: str,
        key: tuple[str, ...],
        *,
        serializer: str | None = None,
        writes: str | None = None,
    ) -> None:
        self.name = name
        self.viewset_path = viewset
        self.key = key
        self._paths = {"serializer": serializer, "writes": writes}

    def __repr__(self) -> str:
        return f"<Entity {self.name}>"

    @cached_property
    def viewset(self) -> type:
        return import_string(self.viewset_path)

    def _resolve(self, name: str) -> Any:
        path = self._paths[name]
        if path is None:
            return None
        found = import_string(path)
        return found() if name == "serializer" and not isinstance(found, type) else found

    @cached_property
    def serializer_class(self) -> type[serializers.ModelSerializer]:
        return self._resolve("serializer") or self.viewset.serializer_class

    @property
    def model(self) -> type[models.Model]:
        return self.serializer_class.Meta.model

    @cached_property
    def writes(self) -> Writes | None:
        return self._resolve("writes") or self.viewset.writes

    @cached_property
    def create_service(self) -> Callable | None:
        return self.writes.create if self.writes else None

    @cached_property
    def update_service(self) -> Callable | None:
        offered = self._paths["writes"] or issubclass(self.viewset, UpdateMixin)
        return self.writes.update if self.writes and offered else None

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
        changed = self.update_service(
            **{self.instance_name: planned.instance}, changes=planned.data
        )
        return UPDATED if changed else UNCHANGED


def assets_text(assets: list, shown: int = 3) -> str:
    """Some assets by id, for a message: the first ``shown`` and how many more."""
    text = ", ".join(str(asset.pk) for asset in assets[:shown])
    return text + (f" and {len(assets) - shown} more" if len(assets) > shown else "")


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


class AssetEntity(Entity):
    """Assets: found by asset_id among live and deleted ones; a field a person set is
    kept unless --overwrite (assets.provenance).

    A row without asset_id is the live asset with the same symbol and name (each in its
    stored form, in any letter case), so that importing a file again finds what the first
    import created. Where the row's ``deployments`` cell lists deployments (an export
    does), it is narrowed to the assets whose every deployment the cell lists: an asset
    made by an earlier import of the row has none yet, since deployments are imported
    on their own. Two such assets are ambiguous, and the row is refused, naming them.
    None, while live assets share the symbol and name (with other deployments), is
    refused too unless duplicates are allowed (``--allow-duplicates``): a choice the
    steward makes, not the importer. A row without asset_id that has the symbol and name
    of another row of the file is refused (the two would be one asset, or two the next
    import cannot tell apart).
    """

    duplicates_choice = True

    def serializer_context(self, objects):
        from assets.models import Asset

        return {"collision_sets": Asset.objects.collision_sets(a.symbol_key for a in objects)}

    def lookup_queryset(self):
        from assets.models import Asset

        return Asset.all_objects.all()

    def identity(self, cells: dict[str, str]) -> tuple[str, str] | None:
        """(symbol, name) as a row without asset_id is matched; None unless both are valid
        (the serializer then says what is wrong)."""
        try:
            symbol = self.model.normalizers["symbol"](cells.get("symbol", ""))
            name = self.model.normalizers["name"](cells.get("name", ""))
        except ValidationError:
            return None
        return symbol_key(symbol), name.casefold()

    def file_context(self, rows, run):
        identities: dict[tuple, list[tuple[int, bool]]] = defaultdict(list)
        lines_by_id = {}
        for row in rows:
            text = row.cells.get("asset_id", "").strip()
            if text:
                with contextlib.suppress(ValidationError):
                    lines_by_id.setdefault(self.model._meta.pk.to_python(text), row.line)
            identity = self.identity(row.cells)
            if identity is not None:
                identities[identity].append((row.line, bool(text)))
        return {"identities": identities, "lines_by_id": lines_by_id}

    def chunk_context(self, unkeyed, instances, run):
        from assets.provenance import sources_of

        symbols = {}  # identity: the row's symbol, in stored form
        for row in unkeyed:
            identity = self.identity(row.cells)
            if identity is not None:
                symbols[identity] = self.model.normalizers["symbol"](row.cells["symbol"])
        candidates = defaultdict(list)
        if symbols:
            # The database compares symbols as lookups do (Asset.with_symbols); the identity
            # then sorts the candidates by name, and by symbol where two of the chunk meet.
            queryset = self.model.objects.with_symbols(set(symbols.values()))
            for asset in queryset.with_deployments():
                identity = self.identity({"symbol": asset.symbol, "name": asset.name})
                if identity in symbols:
                    candidates[identity].append(asset)
        found = [*instances, *(asset for assets in candidates.values() for asset in assets)]
        return {"sources": sources_of(obj.pk for obj in found), "candidates": candidates}

    def plan_row(self, row, instance, run):
        if instance is None and not row.cells.get("asset_id", "").strip():
            instance = self.match(row, run)
        if instance is not None and instance.deleted_at is not None:
            raise ItemRejected(f"asset_id: asset {instance.pk} is deleted; restore it first.")
        return super().plan_row(row, instance, run)

    def match(self, row: Row, run: "CsvImport") -> models.Model | None:
        """The live asset a row without asset_id is (see the class), or None for a new one."""
        identity = self.identity(row.cells)
        if identity is None:
            return None
        clash = next(
            (
                line
                for line, keyed in run.file["identities"][identity]
                if line != row.line and (keyed or line < row.line)
            ),
            None,
        )
        if clash is not None:
            raise ItemRejected(
                f"symbol, name: the same as line {clash}. A row without asset_id is found by "
                "its symbol and name, so this one needs its asset_id."
            )
        listed = self.listed_deployments(row)
        candidates = run.chunk["candidates"].get(identity, [])
        matching = [
            asset for asset in candidates if listed is None or self.deployments_of(asset) <= listed
        ]
        if len(matching) > 1:
            raise ItemRejected(
                f"symbol, name: {len(matching)} live assets have them ({assets_text(matching)}); "
                "put the one this row means in asset_id."
            )
        if matching:
            (asset,) = matching
            named_by = run.file["lines_by_id"].get(asset.pk)
            if named_by is not None:
                raise ItemRejected(
                    f"symbol, name: they are those of asset {asset.pk}, which line {named_by} "
                    "names by its asset_id."
                )
            return asset
        if candidates and not run.allow_duplicates:
            run.duplicate_choices.append(row.line)
            raise ItemRejected(
                f"deployments: live assets with this symbol and name ({assets_text(candidates)}) "
                "have deployments the row does not list. Put the asset_id of the one it means "
                "in the row, or allow duplicates to create another asset."
            )
        if candidates:
            run.report.warnings.append(
                f"line {row.line}: a new asset, though {assets_text(candidates)} share its "
                "symbol and name (duplicates allowed)."
            )
        return None

    @staticmethod
    def listed_deployments(row: Row) -> set[tuple[str, str]] | None:
        """The (chain, address) pairs the row's deployments cell lists; None if none."""
        from assets.lookups import address_lookup_form

        text = row.cells.get("deployments", "").strip()
        if not text:
            return None
        with contextlib.suppress(json.JSONDecodeError):
            listed = json.loads(text)
            if isinstance(listed, list) and all(
                isinstance(item, dict)
                and isinstance(item.get("chain"), str)
                and isinstance(item.get("address"), str)
                for item in listed
            ):
                return {(d["chain"], address_lookup_form(d["address"])) for d in listed} or None
        raise ItemRejected(
            'deployments: not a list of deployments as the export writes it ([{"chain": …, '
            '"address": …}, …]).'
        )

    @staticmethod
    def deployments_of(asset) -> set[tuple[str, str]]:
        from assets.lookups import address_lookup_form

        return {(d.chain_id, address_lookup_form(d.address)) for d in asset.deployments.all()}

    def changes(self, instance, validated, run):
        from assets.provenance import TRACKED_FIELDS, may_change

        changes = differing(instance, validated)
        sources = run.chunk["sources"].get(instance.pk, {})
        for name in list(changes):
            if name in TRACKED_FIELDS and not may_change(
                sources.get(name), run.source, overwrite=run.overwrite
            ):
                del changes[name]
                run.report.kept[name] += 1
        return changes


class DeploymentEntity(Entity):
    """Deployments: (chain, address), the address in any letter case on an EVM chain."""

    def export_queryset(self):
        return super().export_queryset().select_related("chain", "asset")

    def existing(self, keys):
        from django.db.models.functions import Lower

        from chains.choices import ChainType

        wanted = set(keys)
        if not wanted:
            return {}
        candidates = (
            self.lookup_queryset()
            .alias(address_key=Lower("address"))
            .filter(
                chain_id__in={chain for chain, _ in wanted},
                address_key__in={address.lower() for _, address in wanted},
            )
        )
        by_folded = {(obj.chain_id, obj.address.lower()): obj for obj in candidates}
        found = {}
        for chain, address in wanted:
            obj = by_folded.get((chain, address.lower()))
            if obj is not None and (
                obj.address == address or obj.chain.chain_type == ChainType.EVM
            ):
                found[(chain, address)] = obj
        return found


def group_member_row_serializer() -> type:
    """A group member as the members endpoint shows it, with the group its URL names."""
    from assets.api.serializers import AssetGroupMemberSerializer
    from assets.models import AssetGroup
    from registry.api.serializers import RegistryPrimaryKeyRelatedField

    class GroupMemberRowSerializer(AssetGroupMemberSerializer):
        group = RegistryPrimaryKeyRelatedField(queryset=AssetGroup.objects.all())

        class Meta(AssetGroupMemberSerializer.Meta):
            fields = ("group", *AssetGroupMemberSerializer.Meta.fields)
            create_only_fields = ("group", "asset")

    return GroupMemberRowSerializer


class GroupMemberEntity(Entity):
    """Group members: the members of every group, as /groups/{id}/members/ lists them."""

    def export_queryset(self):
        return self.model.objects.filter(asset__deleted_at__isnull=True).order_by("pk")


class QualityFlagEntity(Entity):
    """Quality flags: raised by the import's actor, as the API raises them; an existing
    flag changes only by being resolved (its resolution columns say so)."""

    def plan_row(self, row, instance, run):
        resolved = bool(row.cells.get("resolved_at", "").strip())
        notes = row.cells.get("resolution_notes", "").strip()
        if resolved and not notes:
            raise ItemRejected("resolution_notes: a resolved flag needs the notes that say why.")
        if instance is None:
            planned = super().plan_row(row, None, run)
            if resolved:
                # The importer raises it, so the importer may not resolve a CRITICAL one.
                self._check_second_person(self.model(raised_by=current_actor(), **planned.data))
                planned.extra["resolve"] = notes
            return planned
        super().plan_row(row, instance, run)  # refuses changes to a raised flag
        if resolved and instance.resolved_at is None:
            self._check_second_person(instance)
            return PlannedRow(row.line, UPDATE, instance=instance, extra={"resolve": notes})
        if not resolved and instance.resolved_at is not None:
            run.report.warnings.append(
                f"line {row.line}: flag {instance.pk} is resolved in the registry and stays so."
            )
        return None

    def follow_up_values(self, planned):
        if "resolve" not in planned.extra:
            return {}
        return {"is_active": False, "resolution_notes": planned.extra["resolve"]}

    def create(self, planned):
        from quality.services import flag_raise

        flag = flag_raise(actor=current_actor(), **planned.data)
        if "resolve" in planned.extra:
            self._resolve_flag(flag, planned.extra["resolve"])
        return CREATED

    def update(self, planned):
        self._resolve_flag(planned.instance, planned.extra["resolve"])
        return UPDATED

    @staticmethod
    def _check_second_person(flag) -> None:
        """The plan refuses what flag_resolve would (four eyes), so a preview holds no row
        the write then rejects."""
        from quality.services import check_second_person

        try:
            check_second_person(flag=flag, actor=current_actor())
        except RegistryError as error:
            raise ItemRejected(f"resolved_at: {error.message}") from None

    @staticmethod
    def _resolve_flag(flag, notes: str) -> None:
        from quality.services import flag_resolve

        flag_resolve(flag=flag, actor=current_actor(), notes=notes)


class VenueSymbolEntity(Entity):
    """Venue tickers: a current mapping by (venue, market_type, symbol); a delisted one by
    its id, or by its key and delisting time where the ids differ (another registry).

    A row delisted in the file delists the current mapping it names (by id); a row
    current in the file whose mapping has been delisted since leaves it delisted (a
    delisting is history, and the ticker is mapped anew by a row without that id).
    """

    def key_of(self, cells):
        base = super().key_of(cells)
        if base is None:
            return None
        delisted_at = self.delisted_at(cells)
        same = (
            self.key_value("id", cells.get("id", "")),
            self.key_value("asset", cells.get("asset", "")),
        )
        if delisted_at is None:
            return ("current", *base, *same)
        return ("delisted", *base, *same, delisted_at)

    @staticmethod
    def delisted_at(cells):
        text = cells.get("delisted_at", "").strip()
        if not text:
            return None
        try:
            return serializers.DateTimeField().to_internal_value(text)
        except SerializerValidationError as error:
            raise ValidationError({"delisted_at": [str(m) for m in error.detail]}) from None

    def existing(self, keys):
        from django.db.models import Q

        wanted = set(keys)
        if not wanted:
            return {}
        ids = {key[4] for key in wanted} - {None}
        candidates = self.lookup_queryset().filter(
            Q(venue_id__in={key[1] for key in wanted}, symbol__in={key[3] for key in wanted})
            | Q(pk__in=ids)
        )
        current, by_id, delisted = {}, {}, {}
        for obj in candidates:
            base = (obj.venue_id, obj.market_type, obj.symbol)
            by_id[obj.pk] = obj
            if obj.delisted_at is None:
                current[base] = obj
            else:
                delisted[(*base, obj.delisted_at)] = obj
        found = {}
        for key in wanted:
            kind, base, (pk, asset_id) = key[0], key[1:4], key[4:6]
            same = by_id.get(pk)
            if same is not None and (
                (same.venue_id, same.market_type, same.symbol) != base or same.asset_id != asset_id
            ):
                same = None
            if kind == "current":
                obj = current.get(base) or same
            else:
                obj = same or delisted.get((*base, key[6]))
            if obj is not None:
                found[key] = obj
        return found

    def plan_row(self, row, instance, run):
        delisted_at = self.delisted_at(row.cells)
        if instance is not None and instance.delisted_at is not None and delisted_at is None:
            run.report.warnings.append(
                f"line {row.line}: ticker mapping {instance.pk} was delisted since; it stays "
                "as it is (a new mapping of the ticker is a row without its id)."
            )
            return None
        planned = super().plan_row(row, instance, run)
        if instance is not None and instance.delisted_at is not None:
            if delisted_at != instance.delisted_at:
                raise ItemRejected(
                    f"delisted_at: the mapping was delisted at "
                    f"{instance.delisted_at.isoformat()}; a delisting is set once."
                )
            return planned
        if delisted_at is not None:
            # Delisting deactivates; the row's is_active is the state after it.
            active = run.validate(run.decode(row), instance).get("is_active", False)
            planned = planned or PlannedRow(row.line, UPDATE, instance=instance)
            planned.data.pop("is_active", None)
            planned.extra.update(delist=delisted_at, active=active)
        return planned

    def follow_up_values(self, planned):
        extra = planned.extra
        if "delist" not in extra:
            return {}
        return {"delisted_at": extra["delist"], "is_active": extra["active"]}

    def create(self, planned):
        venue_symbol = self.create_service(**planned.data)
        self._delist(venue_symbol, planned.extra)
        return CREATED

    def update(self, planned):
        changed = []
        if planned.data:
            changed = self.update_service(venue_symbol=planned.instance, changes=planned.data)
        if "delist" in planned.extra:
            self._delist(planned.instance, planned.extra)
            return UPDATED
        return UPDATED if changed else UNCHANGED

    def _delist(self, venue_symbol, extra: dict) -> None:
        from venues.services import venue_symbol_delist

        if "delist" not in extra:
            return
        venue_symbol_delist(venue_symbol=venue_symbol, at=extra["delist"])
        if extra["active"]:
            self.update_service(venue_symbol=venue_symbol, changes={"is_active": True})


ENTITIES: dict[str, Entity] = {
    entity.name: entity
    for entity in (
        AssetEntity("assets", "assets.api.views.AssetViewSet", ("asset_id",)),
        Entity("chains", "chains.api.views.ChainViewSet", ("chain_id",)),
        DeploymentEntity(
            "deployments", "assets.api.views.AssetDeploymentViewSet", ("chain", "address")
        ),
        Entity("identifiers", "assets.api.views.AssetIdentifierViewSet", ("source", "external_id")),
        Entity(
            "relationships",
            "assets.api.views.AssetRelationshipViewSet",
            ("parent_asset", "child_asset", "relationship_type"),
        ),
        Entity("groups", "assets.api.views.AssetGroupViewSet", ("group_id",)),
        GroupMemberEntity(
            "group-members",
            "assets.api.views.AssetGroupViewSet",
            ("group", "asset"),
            serializer="registry.exchange.group_member_row_serializer",
            writes="assets.services.GROUP_MEMBER_WRITES",
        ),
        Entity("venues", "venues.api.views.VenueViewSet", ("venue_id",)),
        Entity(
            "venue-assets", "venues.api.views.VenueAssetViewSet", ("venue", "venue_asset_symbol")
        ),
        VenueSymbolEntity(
            "venue-symbols",
            "venues.api.views.VenueSymbolViewSet",
            ("venue", "market_type", "symbol"),
        ),
        QualityFlagEntity(
            "quality-flags", "quality.api.views.AssetQualityFlagViewSet", ("flag_id",)
        ),
    )
}


# ---- export ---------------------------------------------------------------------------


def cell(value: Any) -> str:
    """A value of a serializer's output as CSV text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, cls=JSONEncoder, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def export(
    entity: Entity,
    fmt: str,
    write: Callable[[str], None],
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    pks: Iterable | None = None,
) -> int:
    """Write every row of ``entity`` (or those of ``pks``, as ``export_rows`` takes them)
    in ``fmt`` through ``write``; returns the row count."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"Unknown format {fmt}: use one of {', '.join(EXPORT_FORMATS)}.")
    count = 0
    rows = entity.export_rows(chunk_size, pks)
    if fmt == "csv":
        columns = entity.columns()
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for count, row in enumerate(rows, start=1):
            writer.writerow([cell(row[name]) for name in columns])
            if count % chunk_size == 0:
                write(buffer.getvalue())
                buffer.seek(0)
                buffer.truncate()
        write(buffer.getvalue())
        return count
    for count, row in enumerate(rows, start=1):
        text = json.dumps(row, cls=JSONEncoder, ensure_ascii=False)
        if fmt == "jsonl":
            write(text + "\n")
        else:
            write(("[\n" if count == 1 else ",\n") + text)
    if fmt == "json":
        write("\n]\n" if count else "[]\n")
    return count


# ---- import ---------------------------------------------------------------------------


def read_csv(data: bytes, what: str) -> Table:
    """The header, the rows and the records of the wrong width (line, reason) of a CSV
    file (UTF-8, with or without a byte order mark). SourceError if it is not one."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SourceError(f"{what} is not UTF-8 text: {error}") from None
    if "\x00" in text:
        raise SourceError(f"{what} holds NUL bytes: it is not a CSV file.")
    # A cell may be as long as the file (a long description); the module's limit is global.
    csv.field_size_limit(max(csv.field_size_limit(), len(text)))
    # strict: a stray quote is an error, not a cell that silently swallows the lines after.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows, malformed = [], []
    start = 1  # the line the record being read starts on
    try:
        header = next(reader, None)
        if header is None:
            raise SourceError(f"{what} is empty: a CSV file starts with its header line.")
        header = [name.strip() for name in header]
        start = reader.line_num + 1
        for record in reader:
            line, start = start, reader.line_num + 1
            if not record:
                continue
            if len(record) != len(header):
                malformed.append(
                    (line, f"{len(record)} cells, but the header names {len(header)} columns.")
                )
                continue
            rows.append(Row(line, dict(zip(header, record, strict=True))))
    except csv.Error as error:
        raise SourceError(f"{what} is not CSV: {quote_error_text(error, start, reader)}") from None
    return header, rows, malformed


def quote_error_text(error: csv.Error, start: int, reader) -> str:
    """What the csv module's complaint means, at the line a person should look at."""
    if "unexpected end of data" in str(error):
        return (
            f"line {start}: a quoted cell opens on this line and is never closed (a missing "
            'closing quote "), so the rest of the file would be one cell.'
        )
    if "expected after" in str(error):
        return (
            f"line {reader.line_num}: text follows the closing quote of a quoted cell (a quote "
            'inside a quoted cell is written twice: "say ""hi""").'
        )
    return f"line {reader.line_num}: {error}."


def xlsx_cell(value: Any) -> str:
    """A spreadsheet cell's value as the text a CSV export holds for it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 18, not 18.0: a sheet may store a whole number as 18.0
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def read_xlsx(data: bytes, what: str, max_unpacked: int = MAX_SOURCE_BYTES) -> Table:
    """What ``read_csv`` returns, from the first sheet of an XLSX workbook: row 1 is the
    header, a row's line is its row number and each cell is read as ``xlsx_cell``.
    Trailing empty cells are not stored in a sheet, so a short row is padded."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile:
        raise SourceError(f"{what} is not an XLSX workbook (not a zip archive).") from None
    if unpacked > max_unpacked:  # a small file can unpack to gigabytes
        raise SourceError(f"{what} unpacks to more than {max_unpacked} bytes.")
    from openpyxl import load_workbook  # a tenth of a second to import; only XLSX needs it

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            records = [
                [xlsx_cell(value) for value in record]
                for record in workbook.worksheets[0].iter_rows(values_only=True)
            ]
        finally:
            workbook.close()
    except Exception as error:  # openpyxl reports a damaged workbook with what its parser raises
        raise SourceError(f"{what} is not an XLSX workbook: {error}") from None

    def trimmed(cells: list[str]) -> list[str]:
        while cells and cells[-1] == "":
            cells = cells[:-1]
        return cells

    header = trimmed([name.strip() for name in records[0]]) if records else []
    if not header:
        raise SourceError(f"{what} is empty: the first row of its first sheet is the header.")
    rows, malformed = [], []
    for line, record in enumerate(records[1:], start=2):
        cells = trimmed(record)
        if not cells:
            continue
        if len(cells) > len(header):
            malformed.append(
                (line, f"{len(cells)} cells, but the header names {len(header)} columns.")
            )
            continue
        cells += [""] * (len(header) - len(cells))
        rows.append(Row(line, dict(zip(header, cells, strict=True))))
    return header, rows, malformed


def serializer_errors_text(errors: dict) -> str:
    """One line for a serializer's errors: each field and its reasons."""
    return "; ".join(f"{name}: {_messages(reasons)}" for name, reasons in errors.items())


def _messages(reasons: Any) -> str:
    if isinstance(reasons, dict):
        return serializer_errors_text(reasons)
    if isinstance(reasons, list):
        return " ".join(_messages(reason) for reason in reasons)
    return str(reasons)


class CsvImport:
    """One run of ``import_csv``: plan every row, then write the plan; a dry run writes it
    in a rehearsal (registry.rehearsal), so it reports what the write does, row by row.

    ``verdicts`` has each line's outcome: created, updated, unchanged or rejected.
    ``duplicate_choices`` has the lines refused because live assets share their symbol
    and name (a choice to make: name the asset, or allow duplicates).
    """

    def __init__(
        self,
        entity: Entity,
        report: ImportReport,
        *,
        source: str,
        overwrite: bool = False,
        allow_duplicates: bool = False,
        dry_run: bool = False,
        strict: bool = False,
        batch_size: int = 1000,
        progress: Progress | None = None,
    ) -> None:
        self.entity = entity
        self.report = report
        self.source = source
        self.overwrite = overwrite
        self.allow_duplicates = allow_duplicates
        self.dry_run = dry_run
        self.strict = strict
        self.batch_size = batch_size
        self.progress = progress or Progress(enabled=False)
        self.fields = entity.serializer_class().fields
        self.file: dict = {}
        self.chunk: dict = {}
        self.verdicts: dict[int, str] = {}
        self.duplicate_choices: list[int] = []
        # One serializer validates every row, as DRF's ListSerializer does: the row's
        # instance and data are set on it per row (building a serializer's fields costs
        # more than validating a row). The updating one is partial.
        self._creating = entity.serializer_class(many=True).child
        self._updating = entity.serializer_class(many=True, partial=True).child
        self._references: dict[str, dict[str, models.Model]] = {}
        for serializer in (self._creating, self._updating):
            for name, reference in serializer.fields.items():
                if (
                    isinstance(reference, serializers.PrimaryKeyRelatedField)
                    and not reference.read_only
                ):
                    self._references[name] = {}
                    reference.to_internal_value = self._prefetched(name, reference)

    def run(self, data: bytes, what: str) -> None:
        """Plan every row of a CSV file, then write the plan."""
        self.write(self.plan_source(data, what))

    def plan_source(
        self, data: bytes, what: str, read: Callable[[bytes, str], Table] = read_csv
    ) -> list[PlannedRow]:
        """The rows to write, as ``read`` (``read_csv``, ``read_xlsx``) reads ``data``;
        the report has the rejections and unchanged rows so far. Nothing is written."""
        header, rows, malformed = read(data, what)
        self.check_header(header, what)
        self.report.items = len(rows) + len(malformed)
        for line, reason in malformed:
            self.reject(line, reason)
        plans = self.plan(rows)
        self._sort_rejections()
        return plans

    def write(self, plans: list[PlannedRow]) -> None:
        """Write the planned rows through the services; in a dry run, in a rehearsal."""
        with rehearsal() if self.dry_run else contextlib.nullcontext():
            self.progress.start(len(plans), f"write {self.entity.name}")
            apply_in_batches(
                plans,
                self.apply,
                batch_size=self.batch_size,
                strict=self.strict,
                progress=self.progress,
            )
        self._sort_rejections()

    def reject(self, line: int, reason: str) -> None:
        self.report.reject(f"line {line}", reason)
        self.verdicts[line] = REJECTED

    def _sort_rejections(self) -> None:
        # Every rejection is "line N"; found while reading, planning or writing, told in order.
        self.report.rejected.sort(key=lambda rejection: int(rejection.item.split()[-1]))

    def check_header(self, header: list[str], what: str) -> None:
        problems = []
        unknown = [name for name in header if name not in self.fields]
        if unknown:
            problems.append(f"unknown columns {', '.join(unknown) or '(empty name)'}")
        missing = [name for name in self.entity.required_columns() if name not in header]
        if missing:
            problems.append(f"missing columns {', '.join(missing)}")
        repeated = sorted({name for name in header if header.count(name) > 1})
        if repeated:
            problems.append(f"repeated columns {', '.join(repeated)}")
        if problems:
            raise SourceError(
                f"{what} is not a CSV of {self.entity.name}: {'; '.join(problems)}. Its "
                f"columns are the API's fields: {', '.join(self.fields)}."
            )

    def plan(self, rows: list[Row]) -> list[PlannedRow]:
        """Decide per row: create, update, unchanged or rejected (one lookup per chunk)."""
        self.progress.start(len(rows), f"check {self.entity.name}")
        plans: list[PlannedRow] = []
        seen: dict[tuple, int] = {}
        self.file = self.entity.file_context(rows, self)
        for chunk in batched(rows, self.batch_size):
            keyed = []
            for row in chunk:
                try:
                    key = self.entity.key_of(row.cells)
                except ValidationError as error:
                    self.reject(row.line, error_text(error))
                    continue
                if key is not None and key in seen:
                    self.reject(
                        row.line, f"{', '.join(self.entity.key)}: the same as line {seen[key]}."
                    )
                    continue
                if key is not None:
                    seen[key] = row.line
                keyed.append((row, key))
            found = self.entity.existing(key for _, key in keyed if key is not None)
            self.prefetch_references(row for row, _ in keyed)
            unkeyed = [row for row, key in keyed if key is None]
            self.chunk = self.entity.chunk_context(unkeyed, list(found.values()), self)
            planned_chunk = []
            for row, key in keyed:
                try:
                    planned = self.entity.plan_row(row, found.get(key), self)
                except ItemRejected as rejection:
                    self.reject(row.line, str(rejection))
                    continue
                if planned is None:
                    self.report.unchanged[self.entity.name] += 1
                    self.verdicts[row.line] = UNCHANGED
                else:
                    planned_chunk.append(planned)
            plans += self._refuse_taken_ids(planned_chunk)
            self.progress(len(chunk))
        return plans

    def _refuse_taken_ids(self, plans: list[PlannedRow]) -> list[PlannedRow]:
        """A new row whose id already names another object (found by another key) is refused."""
        pk = self.entity.model._meta.pk.name
        ids = {p.data[pk] for p in plans if p.action == CREATE and pk in p.data}
        if not ids or self.entity.key == (pk,):
            return plans
        taken = set(self.entity.model._base_manager.filter(pk__in=ids).values_list("pk", flat=True))
        kept = []
        for planned in plans:
            if planned.action == CREATE and planned.data.get(pk) in taken:
                self.reject(
                    planned.line,
                    f"{pk}: {planned.data[pk]} is the id of another "
                    f"{self.entity.model._meta.verbose_name}, whose "
                    f"{', '.join(self.entity.key)} differ from this row's.",
                )
            else:
                kept.append(planned)
        return kept

    def decode(self, row: Row) -> dict:
        """The row's writable cells as the serializer's input (JSON cells decoded)."""
        data, errors = {}, []
        for name, text in row.cells.items():
            serializer_field = self.fields[name]
            if serializer_field.read_only:
                continue
            if text == "":
                if serializer_field.allow_null:
                    data[name] = None
                elif getattr(serializer_field, "allow_blank", False):
                    data[name] = ""
                continue
            if isinstance(serializer_field, JSON_FIELDS):
                try:
                    data[name] = json.loads(text)
                except json.JSONDecodeError as error:
                    errors.append(f"{name}: not JSON ({error}).")
            else:
                data[name] = text
        if errors:
            raise ItemRejected("; ".join(errors))
        return data

    def validate(self, data: dict, instance: models.Model | None = None) -> dict:
        """The API serializer's validated data (partial for an existing row)."""
        serializer = self._creating if instance is None else self._updating
        serializer.instance, serializer.initial_data = instance, data
        try:
            return dict(serializer.run_validation(data))
        except SerializerValidationError as error:
            raise ItemRejected(serializer_errors_text(error.detail)) from None

    def _prefetched(self, name: str, reference: serializers.PrimaryKeyRelatedField):
        """The field's own lookup, answered from the chunk's prefetched objects when the
        value names one (a value that does not falls through, and the field says why)."""
        lookup = reference.to_internal_value

        def to_internal_value(data):
            found = self._references[name].get(data) if isinstance(data, str) else None
            return found if found is not None else lookup(data)

        return to_internal_value

    def prefetch_references(self, rows: Iterable[Row]) -> None:
        """Fetch what the rows refer to, one query per reference field (not one per row)."""
        rows = list(rows)
        for name in self._references:
            queryset = self._creating.fields[name].get_queryset()
            pk = queryset.model._meta.pk
            pks = {}
            for value in {row.cells.get(name, "") for row in rows} - {""}:
                with contextlib.suppress(ValidationError):
                    pks[value] = pk.to_python(value)
            objects = queryset.in_bulk(set(pks.values()))
            self._references[name] = {
                value: objects[key] for value, key in pks.items() if key in objects
            }

    def apply(self, batch: Iterable[PlannedRow]) -> None:
        for planned in batch:
            write = self.entity.create if planned.action == CREATE else self.entity.update
            try:
                with transaction.atomic():
                    outcome = write(planned)
            except (ValidationError, RegistryError) as error:
                self.reject(planned.line, error_text(error))
                continue
            counter = {
                CREATED: self.report.created,
                UPDATED: self.report.updated,
                UNCHANGED: self.report.unchanged,
            }[outcome]
            counter[self.entity.name] += 1
            self.verdicts[planned.line] = outcome
