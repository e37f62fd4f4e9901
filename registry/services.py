"""The write machinery every app's ``services.py`` builds on.

``validated_create`` and ``validated_update`` run the model's normalization and
validation, refuse references to soft-deleted rows, turn a broken uniqueness rule into
a conflict error (a 409 later) and other invalid values into ``ValidationError`` (a
400), and write in a savepoint so a failed write leaves the caller's transaction
usable and the database unchanged.
"""

import copy
from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, FieldError, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import (
    BooleanField,
    CheckConstraint,
    F,
    ProtectedError,
    Q,
    RestrictedError,
    UniqueConstraint,
    Value,
)
from django.db.models.constants import LOOKUP_SEP
from django.db.models.functions import Coalesce
from django.db.models.sql import Query
from django.db.models.sql.constants import SINGLE

from registry.events.outbox import record
from registry.exceptions import ConflictError, NotFoundError
from registry.history import attach_context
from registry.models import RegistryModel, SoftDeleteModel, stale_version_error

ModelT = TypeVar("ModelT", bound=RegistryModel)
ConflictErrors = Mapping[str, type[ConflictError]]

# PostgreSQL SQLSTATE of a unique violation.
_UNIQUE_VIOLATION = "23505"


@dataclass(frozen=True)
class Writes:
    """The services an entity is written through, declared once in its app's
    ``services.py`` and read by its viewset, its admin and inlines, and the exchange.

    ``create(**fields)`` returns the new object; ``update(<instance_name>=…, changes=…,
    expected_version=…)`` returns the changed field names; ``delete(<instance_name>=…)``.
    ``instance_name`` is the keyword the update and delete services take the object as.
    A service that is None is a write the entity does not offer.
    """

    instance_name: str
    create: Callable[..., Any] | None = None
    update: Callable[..., Any] | None = None
    delete: Callable[..., Any] | None = None

    def update_of(self, instance, **arguments) -> Any:
        return self.update(**{self.instance_name: instance}, **arguments)

    def delete_of(self, instance, **arguments) -> Any:
        return self.delete(**{self.instance_name: instance}, **arguments)


def validated_create(instance: ModelT, *, conflict_errors: ConflictErrors | None = None) -> ModelT:
    """Validate ``instance`` and INSERT it. Returns it, saved.

    ``conflict_errors`` maps a unique constraint's name to the error its violation
    raises (default ConflictError).
    """
    check_create(instance, conflict_errors=conflict_errors)
    with transaction.atomic(), _database_errors(instance, conflict_errors or {}):
        instance.save(force_insert=True)
    return instance


def validated_update(
    instance: ModelT,
    changes: Mapping[str, Any],
    *,
    expected_version: int | None = None,
    conflict_errors: ConflictErrors | None = None,
    event: str | None = None,
) -> list[str]:
    """Apply ``changes`` to ``instance``, validate, and write the fields that changed,
    recording ``event`` about it (as it is now, with the changed fields) if any did.

    The write is one ``UPDATE ... WHERE version = expected_version`` (default: the
    version ``instance`` was read at); StaleVersionError if someone wrote in between.
    Returns the names of the changed fields, those normalization changed included: an
    empty list means nothing was written, no event recorded and the version did not move.
    """
    if expected_version is not None and expected_version != instance.version:
        raise stale_version_error(instance, expected_version)
    editable = [field for field in instance._meta.concrete_fields if field.editable]
    unknown = set(changes) - {field.name for field in editable}
    if unknown:
        raise ValueError(f"Not editable on {instance._meta.label}: {', '.join(sorted(unknown))}")
    before = {field.attname: getattr(instance, field.attname) for field in editable}
    for name, value in changes.items():
        setattr(instance, name, value)
    changed_references = [field for field in _foreign_keys(instance) if field.name in changes]
    _validate(instance, conflict_errors or {}, references=changed_references)
    changed = [
        field.name
        for field in editable
        if getattr(instance, field.attname) != before[field.attname]
    ]
    if changed:
        with transaction.atomic():
            with _database_errors(instance, conflict_errors or {}):
                instance.save_changes(changed)
            if event is not None:
                record(event, instance, changed_fields=changed)
    return changed


def check_create(
    instance: RegistryModel,
    *,
    conflict_errors: ConflictErrors | None = None,
    fresh: Collection[Any] = (),
) -> None:
    """Everything ``validated_create`` checks before it writes, without writing: raises the
    error it would. An import plan calls it, so a dry run refuses what the write would.

    ``fresh``: primary keys of rows the plan creates first; references to them are not
    looked up (they do not exist yet) but count as live.
    """
    planned = [
        field for field in _foreign_keys(instance) if getattr(instance, field.attname) in fresh
    ]
    _validate(
        instance,
        conflict_errors or {},
        references=[field for field in _foreign_keys(instance) if field not in planned],
        exclude=[field.name for field in planned],
    )


def check_update(
    instance: RegistryModel,
    changes: Mapping[str, Any],
    *,
    conflict_errors: ConflictErrors | None = None,
    fresh: Collection[Any] = (),
) -> None:
    """Everything ``validated_update`` checks before it writes ``changes``, on a copy of
    ``instance`` (which is left as it is): raises the error the update would.
    ``fresh`` as in ``check_create``."""
    probe = copy.copy(instance)  # Django copies its state and related-object cache too
    for name, value in changes.items():
        setattr(probe, name, value)
    planned = [field for field in _foreign_keys(probe) if getattr(probe, field.attname) in fresh]
    changed_references = [
        field for field in _foreign_keys(probe) if field.name in changes and field not in planned
    ]
    _validate(
        probe,
        conflict_errors or {},
        references=changed_references,
        exclude=[field.name for field in planned],
    )


def lock_and_reload(instance: models.Model, *, expected_version: int | None = None) -> None:
    """Lock the row and reload it, before a write that depends on its state (a removal,
    a resolution, a delisting, a soft delete). Its checks then see the last committed
    state, so a client that loses a race is answered as a repeat of the winner's write
    would be (already resolved, already delisted, 404), and a removal's event shows that
    state and is recorded after the events of every write that came before it.

    NotFoundError when the row is gone (removed by a concurrent writer); with
    ``expected_version``, StaleVersionError unless the locked row is at that version."""
    model = type(instance)
    fresh = model._base_manager.select_for_update().filter(pk=instance.pk).first()
    if fresh is None:
        raise NotFoundError(f"{model._meta.verbose_name.capitalize()} {instance.pk} is gone.")
    if expected_version is not None and fresh.version != expected_version:
        raise stale_version_error(instance, expected_version)
    for field in instance._meta.concrete_fields:
        setattr(instance, field.attname, getattr(fresh, field.attname))


def validated_delete(
    instance: models.Model, *, event: str | None = None, expected_version: int | None = None
) -> None:
    """Delete ``instance``, recording ``event`` about it (as it was) first.

    StaleVersionError when ``expected_version`` is given and the row is at another one
    (someone changed it since it was read). A ConflictError naming what still refers to
    it if anything does; the event is then rolled back with the savepoint.
    """
    try:
        with transaction.atomic():
            if event is not None or expected_version is not None:
                lock_and_reload(instance, expected_version=expected_version)
            if event is not None:
                record(event, instance)
            instance.delete()
    except (ProtectedError, RestrictedError) as error:
        blocking = (
            error.protected_objects
            if isinstance(error, ProtectedError)
            else error.restricted_objects
        )
        referrers = sorted({str(obj._meta.verbose_name_plural) for obj in blocking})
        raise ConflictError(
            f"{instance._meta.verbose_name.capitalize()} {instance.pk} is still referred to by "
            f"{', '.join(referrers)}; remove those first.",
            referrers=referrers,
        ) from None


def _copy_insert(model: type[models.Model], instances: list[models.Model]) -> None:
    """INSERT with COPY, for models whose ids are made in Python (UUIDs): far cheaper
    than bulk_create's statement for thousands of rows. Values are prepared by each
    field, as bulk_create would; generated columns are left to the database."""
    fields = [f for f in model._meta.concrete_fields if not f.generated]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    # psycopg's own cursor (Django's wrapper has no copy()), with Django's error
    # translation, so a violated constraint is an IntegrityError like any other.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        attach_context(cursor)  # the rows' history events name who wrote them
        raw = cursor.cursor
        with raw.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
            for instance in instances:
                copy.write_row(
                    [f.get_db_prep_save(f.pre_save(instance, add=True), connection) for f in fields]
                )


def _foreign_keys(instance: models.Model) -> list[models.ForeignKey]:
    return [
        field for field in instance._meta.concrete_fields if isinstance(field, models.ForeignKey)
    ]


def _refuse_deleted_references(instance: models.Model, references) -> dict:
    """A new link to a soft-deleted row (a deployment of a deleted asset) is refused.

    Django validates foreign keys with the base manager, which sees deleted rows, so
    the check is made here, against the database rather than an in-memory copy.
    """
    errors = {}
    for field in references:
        target = field.related_model
        value = getattr(instance, field.attname)
        if value is None or not issubclass(target, SoftDeleteModel):
            continue
        if target._base_manager.filter(pk=value, deleted_at__isnull=False).exists():
            errors[field.name] = [
                f"{target._meta.verbose_name.capitalize()} {value} is deleted; restore it first."
            ]
    return errors


def _validate(
    instance: RegistryModel, conflict_errors: ConflictErrors, *, references, exclude=()
) -> None:
    errors: dict = {}
    try:
        instance.full_clean(
            exclude=list(exclude) or None, validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    errors.update(_refuse_deleted_references(instance, references))
    if errors:
        raise ValidationError(errors)
    # Uniqueness is a conflict with existing data (409), not a malformed value (400).
    broken: dict[str, list[ValidationError]] = {}
    for model_class, constraints in instance.get_constraints():
        checks = [c for c in constraints if isinstance(c, CheckConstraint)]
        for constraint in constraints:
            if isinstance(constraint, CheckConstraint):
                continue
            try:
                constraint.validate(model_class, instance)
            except ValidationError as error:
                if isinstance(constraint, UniqueConstraint):
                    conflict = conflict_errors.get(constraint.name, ConflictError)
                    raise conflict(error.messages[0], constraint=constraint.name) from None
                broken.setdefault(_blamed_field(constraint), []).append(error)
        for constraint in _broken_checks(model_class, instance, checks):
            error = ValidationError(
                constraint.get_violation_error_message(), code=constraint.violation_error_code
            )
            broken.setdefault(_blamed_field(constraint), []).append(error)
    if broken:
        raise ValidationError(broken)


def _broken_checks(model_class, instance, checks: list[CheckConstraint]) -> list[CheckConstraint]:
    """The check constraints ``instance`` breaks, asked of PostgreSQL in one statement
    (Django asks one SELECT, in a savepoint of its own, per constraint: an import of a
    market with nine checks paid 27 round trips). A NULL condition passes, as in
    PostgreSQL; a condition naming a field the instance lacks is skipped, as Django does."""
    if not checks:
        return []
    referenced = set().union(*(_condition_fields(c.condition) for c in checks))
    query = Query(None)
    for name, value in instance._get_field_expression_map(meta=model_class._meta).items():
        if name not in referenced:
            continue  # annotating every field cost more than the statement
        expression = value if hasattr(value, "resolve_expression") else Value(value)
        query.add_annotation(expression, name, select=False)
    asked = []
    for index, constraint in enumerate(checks):
        condition = Coalesce(Q(constraint.condition), True, output_field=BooleanField())
        try:
            query.add_annotation(condition, f"_check_{index}")
        except FieldError:
            continue
        asked.append(constraint)
    if not asked:
        return []
    with transaction.atomic():
        row = query.get_compiler(using=instance._state.db or "default").execute_sql(SINGLE)
    return [constraint for constraint, passed in zip(asked, row, strict=True) if not passed]


def _condition_fields(condition) -> set[str]:
    """The fields a check constraint's condition names (``tick_size__gt`` is tick_size;
    ``F("quote_asset")`` is quote_asset)."""
    names = set()
    pending = [condition]
    while pending:
        node = pending.pop()
        if isinstance(node, Q):
            pending.extend(node.children)
        elif isinstance(node, tuple):
            names.add(node[0].split(LOOKUP_SEP)[0])
            if isinstance(node[1], F):
                names.add(node[1].name)
    return names


def _blamed_field(constraint) -> str:
    """The one field a check constraint is about, or NON_FIELD_ERRORS if it spans several.
    A constraint over several fields names the one to blame as its
    ``violation_error_code`` (a market's maximum order below its minimum: max_order_size)."""
    names = _condition_fields(getattr(constraint, "condition", None))
    if getattr(constraint, "violation_error_code", None) in names:
        return constraint.violation_error_code
    return names.pop() if len(names) == 1 else NON_FIELD_ERRORS


@contextmanager
def _database_errors(instance: RegistryModel, conflict_errors: ConflictErrors):
    """Translate an IntegrityError that slipped past validation (a concurrent write)."""
    try:
        yield
    except IntegrityError as error:
        cause = error.__cause__
        constraint = getattr(getattr(cause, "diag", None), "constraint_name", None)
        label = instance._meta.verbose_name
        if getattr(cause, "sqlstate", None) == _UNIQUE_VIOLATION:
            conflict = conflict_errors.get(constraint, ConflictError)
            if constraint == f"{instance._meta.db_table}_pkey":  # an id chosen by the caller
                message = f"A {label} with the id {instance.pk} already exists."
            else:  # validation found none: one was written concurrently
                message = f"Another {label} already has the same key ({constraint})."
            raise conflict(message, constraint=constraint) from error
        raise ValidationError(f"The {label} breaks the database rule {constraint}.") from error


def bulk_create_errors(
    instances: Sequence[models.Model], *, fresh: Collection[Any] = ()
) -> dict[int, ValidationError]:
    """What ``validated_bulk_create`` checks before it writes, without writing: the
    refused instances' errors by index.

    ``fresh``: primary keys of rows that will exist by the time these are written (an
    import plan creates them first); references to them count as live.
    """
    errors: dict[int, ValidationError] = {}
    fresh = set(fresh)
    references = _foreign_keys(instances[0]) if instances else []
    # Django checks each foreign key with a query per instance; here they are checked
    # for the whole list below, one query per foreign key.
    for index, instance in enumerate(instances):
        try:
            instance.full_clean(
                exclude=[field.name for field in references],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            errors[index] = error
    for field in references:
        target = field.related_model
        values = {getattr(i, field.attname) for i in instances} - {None} - fresh
        soft = issubclass(target, SoftDeleteModel)
        rows = target._base_manager.filter(pk__in=values).values_list(
            "pk", "deleted_at" if soft else "pk"
        )
        live = {pk for pk, deleted in rows if not soft or deleted is None} | fresh
        known = {pk for pk, _ in rows} | fresh
        for index, instance in enumerate(instances):
            value = getattr(instance, field.attname)
            if index in errors:
                continue
            if value is None and not field.null:
                reason = "This field cannot be null."
            elif value is not None and value not in known:
                reason = f"{target._meta.verbose_name.capitalize()} {value} does not exist."
            elif value is not None and value not in live:
                reason = (
                    f"{target._meta.verbose_name.capitalize()} {value} is deleted; restore it "
                    "first."
                )
            else:
                continue
            errors[index] = ValidationError({field.name: [reason]})
    return errors


def validated_bulk_create(
    instances: list[ModelT], *, conflict_errors: ConflictErrors | None = None
) -> tuple[list[ModelT], dict[int, ValidationError]]:
    """Validate each instance and INSERT the valid ones with one statement per batch.

    For bulk imports: per-instance field rules and deleted-reference checks as in
    ``validated_create`` (the reference check is one query per foreign key for the
    whole list: ``bulk_create_errors``), but uniqueness is left to the caller, which
    looks up natural keys in bulk, and to the database, whose violation fails the whole
    call as a ConflictError. Returns the created instances and the refused ones' errors
    by index.
    """
    errors = bulk_create_errors(instances)
    valid = [instance for index, instance in enumerate(instances) if index not in errors]
    if valid:
        model = type(valid[0])
        with transaction.atomic(), _database_errors(valid[0], conflict_errors or {}):
            if model._meta.pk.get_default() is not None:
                _copy_insert(model, valid)
            else:  # database-made ids: INSERT … RETURNING hands them back
                model.objects.bulk_create(valid)
            for instance in valid:
                instance._state.adding = False
        generated = [f.attname for f in model._meta.concrete_fields if f.generated]
        if generated:  # bulk_create does not read generated columns back
            stored = model._base_manager.filter(pk__in=[i.pk for i in valid]).values_list(
                "pk", *generated
            )
            by_pk = {row[0]: row[1:] for row in stored}
            for instance in valid:
                for name, value in zip(generated, by_pk[instance.pk], strict=True):
                    setattr(instance, name, value)
    return valid, errors
