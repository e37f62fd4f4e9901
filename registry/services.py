"""The write machinery every app's ``services.py`` builds on.

``validated_create`` and ``validated_update`` run the model's normalization and
validation, turn a broken uniqueness rule into the app's conflict error (a 409 later)
and other invalid values into ``ValidationError`` (a 400), and write in a savepoint so
a failed write leaves the caller's transaction usable and the database unchanged.
"""

from collections.abc import Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import UniqueConstraint

from registry.exceptions import ConflictError, NotFoundError, StaleVersionError
from registry.models import RegistryModel

ModelT = TypeVar("ModelT", bound=RegistryModel)

# PostgreSQL SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html)
_UNIQUE_VIOLATION = "23505"
_FOREIGN_KEY_VIOLATION = "23503"


def validated_create(
    instance: ModelT, *, conflict_error: type[ConflictError] = ConflictError
) -> ModelT:
    """Validate ``instance`` and INSERT it. Returns it, saved."""
    _validate(instance, conflict_error)
    with transaction.atomic(), _database_errors(instance, conflict_error):
        instance.save(force_insert=True)
    return instance


def validated_update(
    instance: ModelT,
    changes: Mapping[str, Any],
    *,
    expected_version: int | None = None,
    conflict_error: type[ConflictError] = ConflictError,
) -> list[str]:
    """Apply ``changes`` to ``instance``, validate, and write the changed fields.

    The write is one ``UPDATE ... WHERE version = expected_version`` (default: the
    version ``instance`` was read at); StaleVersionError if someone wrote in between.
    Returns the names of the fields that changed: an empty list means nothing was
    written and the version did not move.
    """
    if expected_version is not None and expected_version != instance.version:
        raise StaleVersionError(
            f"{instance._meta.verbose_name} {instance.pk} is at version {instance.version}, "
            f"not {expected_version}; reload it and apply your change again.",
            expected_version=expected_version,
            current_version=instance.version,
        )
    editable = {field.name for field in instance._meta.concrete_fields if field.editable}
    unknown = set(changes) - editable
    if unknown:
        raise ValueError(f"Not editable on {instance._meta.label}: {', '.join(sorted(unknown))}")
    before = {name: getattr(instance, name) for name in changes}
    for name, value in changes.items():
        setattr(instance, name, value)
    _validate(instance, conflict_error)
    # Compare after normalization: sending the same address in other letter case is no change.
    changed = [name for name in changes if getattr(instance, name) != before[name]]
    if changed:
        with transaction.atomic(), _database_errors(instance, conflict_error):
            instance.save_changes(changed)
    return changed


def _validate(instance: RegistryModel, conflict_error: type[ConflictError]) -> None:
    instance.full_clean(validate_unique=False, validate_constraints=False)
    # Uniqueness is a conflict with existing data (409), not a malformed value (400).
    errors: list[ValidationError] = []
    for model_class, constraints in instance.get_constraints():
        for constraint in constraints:
            try:
                constraint.validate(model_class, instance)
            except ValidationError as error:
                if isinstance(constraint, UniqueConstraint):
                    raise conflict_error(error.messages[0], constraint=constraint.name) from None
                errors.append(error)
    if errors:
        raise ValidationError({NON_FIELD_ERRORS: errors})


@contextmanager
def _database_errors(instance: RegistryModel, conflict_error: type[ConflictError]):
    """Translate an IntegrityError that slipped past validation (a concurrent write)."""
    try:
        yield
    except IntegrityError as error:
        cause = error.__cause__
        constraint = getattr(getattr(cause, "diag", None), "constraint_name", None)
        sqlstate = getattr(cause, "sqlstate", None)
        label = instance._meta.verbose_name
        if sqlstate == _UNIQUE_VIOLATION:
            raise conflict_error(
                f"Another {label} was written with the same key ({constraint}).",
                constraint=constraint,
            ) from error
        if sqlstate == _FOREIGN_KEY_VIOLATION:
            raise NotFoundError(
                f"The {label} refers to an object that does not exist ({constraint}).",
                constraint=constraint,
            ) from error
        raise ValidationError(f"The {label} breaks the database rule {constraint}.") from error
