"""One import of a file of an entity's rows (``CsvImport``), as ``manage.py import_csv``
and the admin's import page run it.

The header must name fields of the serializer (read-only ones such as ``created_at`` or
``version`` are allowed and ignored) and hold the natural key's columns, or nothing is
imported. Each row is validated by the API serializer (partially, for an existing row)
and written through the services the entity names, with only the fields that differ: a
row that matches the registry writes nothing. An empty cell means null where the field
takes null, an empty string where it takes one, and otherwise "not given" (a new row
gets the default, an existing row keeps its value). A row that creates an object whose
primary key is a UUID keeps the id it carries (other rows refer to assets by id, and
the natural key of assets and flags is their id); integer ids are the database's to
hand out.
"""

import contextlib
import json
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from rest_framework import serializers
from rest_framework.exceptions import ValidationError as SerializerValidationError

from registry.exceptions import RegistryError
from registry.exchange.entities import (
    CREATE,
    CREATED,
    REJECTED,
    UNCHANGED,
    UPDATED,
    Entity,
    PlannedRow,
)
from registry.exchange.formats import Row, Table, read_csv
from registry.importing import (
    ImportReport,
    ItemRejected,
    Progress,
    SourceError,
    apply_in_batches,
    batched,
    error_text,
)
from registry.rehearsal import rehearsal

# Serializer fields whose CSV cell is JSON text.
JSON_FIELDS = (
    serializers.JSONField,
    serializers.ListField,
    serializers.DictField,
    serializers.BaseSerializer,
)


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
    ``duplicate_choices`` has the lines without a natural key refused because stored rows
    look the same (live assets that share their symbol and name): a choice to make, name
    the one the row means or allow duplicates (``Entity.duplicates_choice``).
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
            # Progress is told per row (``apply``): a batch of new rows takes seconds.
            apply_in_batches(plans, self.apply, batch_size=self.batch_size, strict=self.strict)
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
            finally:
                self.progress(1)
            counter = {
                CREATED: self.report.created,
                UPDATED: self.report.updated,
                UNCHANGED: self.report.unchanged,
            }[outcome]
            counter[self.entity.name] += 1
            self.verdicts[planned.line] = outcome
