"""Abstract base models. Each adds one feature; entity models stack them.

- ``RegistryModel``: timestamps, an optimistic-locking ``version``, and a ``normalize()``
  hook that runs before field validation. Use it for every entity.
- ``SoftDeleteModel``: ``deleted_at`` with managers that hide deleted rows by default.
  Use it for entities that must stay restorable (assets).

And the core's own bookkeeping: pending cache invalidations, cache leases, the outbox,
the change history and the admin's import jobs.
"""

import secrets
import uuid
from collections.abc import Callable, Iterable
from pathlib import PurePath
from typing import ClassVar

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.functional import cached_property
from pghistory import ProxyField
from pghistory.models import Events

from registry.exceptions import StaleVersionError
from registry.text import FREE_TEXT_MAX_LENGTH, refuse_invisible, refuse_unstorable
from registry.validators import validate_metadata


class RegistryQuerySet(models.QuerySet):
    """QuerySet of a RegistryModel: ``update()`` also bumps ``version`` and ``updated_at``.

    Bulk writes (importers, ``bulk_update``) go through ``update()`` and skip ``save()``;
    doing the bump here keeps "version increments on every update" true for them too.
    """

    def update(self, **kwargs):
        kwargs.setdefault("version", F("version") + 1)
        kwargs.setdefault("updated_at", timezone.now())
        return super().update(**kwargs)

    def of_live(self, *relations: str):
        """Rows whose ``relations`` (foreign keys to a ``SoftDeleteModel``) are all live.

        Foreign keys still reach a soft-deleted row, so what hangs off one (its
        deployments, identifiers, tickers, flags) is hidden here, by the reader that
        lists it: ``VenueSymbol.objects.of_live("asset")``.
        """
        return self.filter(**{f"{relation}__deleted_at__isnull": True for relation in relations})


def stale_version_error(instance: models.Model, expected: int) -> StaleVersionError:
    """The error for a write that expected ``expected``, naming the version actually stored."""
    current = (
        type(instance)
        ._base_manager.filter(pk=instance.pk)
        .values_list("version", flat=True)
        .first()
    )
    return StaleVersionError(
        f"{instance._meta.verbose_name} {instance.pk} is at version {current}, not {expected}: "
        "someone else changed it; reload it and apply your change again.",
        expected_version=expected,
        current_version=current,
    )


class RegistryModel(models.Model):
    """Timestamps, a version for optimistic locking, and normalization before validation.

    ``version`` starts at 1 and grows by one on every update, whichever path makes it:
    ``save()``, ``save_changes()`` or ``QuerySet.update()``. Services write updates with
    ``save_changes()``, one ``UPDATE ... WHERE version = <expected>`` that refuses to
    overwrite a change the caller has not seen.
    """

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    # Field name -> function returning the stored form or raising ValidationError.
    normalizers: ClassVar[dict[str, Callable[[str], str]]] = {}

    objects = RegistryQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            self.version += 1
            self.updated_at = timezone.now()
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "version", "updated_at"}
        super().save(*args, **kwargs)

    def save_changes(self, fields: Iterable[str], *, expected_version: int | None = None) -> None:
        """Write ``fields`` if the row is still at ``expected_version`` (default: the loaded one).

        Raises StaleVersionError when another write came first; nothing is written then.
        """
        expected = self.version if expected_version is None else expected_version
        now = timezone.now()
        values = {self._meta.get_field(name).attname: getattr(self, name) for name in fields}
        updated = (
            type(self)
            ._base_manager.filter(pk=self.pk, version=expected)
            .update(**values, version=expected + 1, updated_at=now)
        )
        if not updated:
            raise stale_version_error(self, expected)
        self.version = expected + 1
        self.updated_at = now
        generated = [f.attname for f in self._meta.concrete_fields if f.generated]
        if generated:
            self.refresh_from_db(fields=generated)

    def normalize(self) -> None:
        """Put fields in their stored form; raise ValidationError({field: [reasons]}).

        The rules every path shares (registry.text, registry.validators):

        - every text and JSON field: nothing PostgreSQL or UTF-8 cannot store (NUL,
          lone surrogates);
        - ``normalizers`` give non-empty strings their stored form (symbols, names, codes);
        - every other CharField (ids, addresses, slugs, URLs, labels) refuses invisible
          characters, the rule the normalizers apply too;
        - every TextField is free text of at most its ``max_length`` (default
          FREE_TEXT_MAX_LENGTH) characters;
        - every JSONField is bounded in size, depth and numbers (``validate_metadata``).

        Override to add rules that need other fields (an address needs its chain's
        type); call super().
        """
        errors = {}
        fields = [
            field
            for field in self._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField | models.JSONField)
        ]
        for field in fields:
            value = getattr(self, field.attname)
            try:
                if isinstance(field, models.JSONField):
                    validate_metadata(value, encoder=field.encoder)
                elif isinstance(value, str):
                    refuse_unstorable(value, _label(field))
            except ValidationError as error:
                errors[field.name] = error.error_list
        for name, normalizer in self.normalizers.items():
            if name in errors:
                continue
            value = getattr(self, name)
            if not isinstance(value, str) or (value == "" and self._meta.get_field(name).blank):
                continue
            try:
                setattr(self, name, normalizer(value))
            except ValidationError as error:
                errors[name] = error.error_list
        for field in fields:
            value = getattr(self, field.attname)
            if field.name in errors or field.name in self.normalizers or not isinstance(value, str):
                continue
            try:
                if isinstance(field, models.TextField):
                    _refuse_long_text(value, field)
                else:
                    refuse_invisible(value, _label(field))
            except ValidationError as error:
                errors[field.name] = error.error_list
        if errors:
            raise ValidationError(errors)

    def clean_fields(self, exclude=None):
        # Normalize first, so length and choice checks see the stored form, and report
        # normalization errors beside the field errors in one ValidationError.
        errors: dict = {}
        try:
            self.normalize()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        try:
            super().clean_fields(exclude={*(exclude or ()), *errors})
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


def _label(field: models.Field) -> str:
    return str(field.verbose_name).capitalize()


def _refuse_long_text(value: str, field: models.TextField) -> None:
    limit = field.max_length or FREE_TEXT_MAX_LENGTH
    if len(value) > limit:
        raise ValidationError(
            f"{_label(field)} is {len(value):,} characters long; the limit is {limit:,}.",
            code="max_length",
        )


class SoftDeleteQuerySet(RegistryQuerySet):
    def live(self):
        return self.filter(deleted_at__isnull=True)

    def deleted(self):
        return self.filter(deleted_at__isnull=False)


class LiveManager(models.Manager.from_queryset(SoftDeleteQuerySet)):
    """Default manager of a soft-deletable model: deleted rows are not there."""

    def get_queryset(self):
        return super().get_queryset().live()


class SoftDeleteModel(models.Model):
    """Soft delete: ``deleted_at`` set means hidden from ``objects``, still in ``all_objects``.

    Foreign keys still reach a deleted row (Django follows them with the base manager),
    so history and restore keep working; rows that hang off it (deployments, venue
    symbols) are read through ``RegistryQuerySet.of_live()``.
    """

    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = LiveManager()
    all_objects = models.Manager.from_queryset(SoftDeleteQuerySet)()

    class Meta:
        abstract = True

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class PendingCacheInvalidation(models.Model):
    """A hot-cache key a committed write could not invalidate because Redis was away.

    Written in the write's own transaction, which holds this table's ROW EXCLUSIVE lock
    until it ends (the fence, ``registry.cache._fence``). Every process deletes these
    keys from Redis before it serves from Redis again (``_Redis._renew_lease``), then
    the rows go.
    """

    key = models.CharField(max_length=500, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.key


class CacheLease(models.Model):
    """A process that may hold a lease on serving answers from Redis, until ``expires_at``
    (later than any lease it holds; rewritten every ``LEASE_ROW_SECONDS``).

    A write that cannot reach Redis waits until the leases granted before its fence have
    run out: CACHE_LEASE_SECONDS at most, no longer than the latest row of another
    process (``registry.cache._fence``). A process deletes its row when Redis fails.
    """

    holder = models.CharField(max_length=200, primary_key=True, help_text="host:pid:nonce")
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.holder


class OutboxEvent(models.Model):
    """A change, recorded in the transaction that made it, until it is on the bus.

    ``id`` orders rows by insertion, which is not commit order: a transaction that
    began first may commit last. ``sequence`` is the commit order: it is handed out,
    under a lock, only to rows already committed (``registry.events.outbox``), so a
    reader that has seen sequence N will never later find a row below N. The feed and
    the publisher both go by it.
    """

    class Status(models.TextChoices):
        PENDING = "PENDING", "pending"
        PUBLISHED = "PUBLISHED", "published"
        # Still in line and retried; alarms in /metrics.
        FAILED = "FAILED", "failing"
        # Refused by the bus as it is (too large): out of line until requeued; alarms.
        REJECTED = "REJECTED", "rejected"

    id = models.BigAutoField(primary_key=True)
    event_id = models.UUIDField(unique=True, editable=False)
    event_type = models.CharField(max_length=64)
    message_type = models.CharField(max_length=128, help_text="Full protobuf message name.")
    entity_id = models.CharField(max_length=200, help_text="Primary key of the changed row.")
    asset_ids = ArrayField(models.UUIDField(), default=list, blank=True)
    actor_id = models.CharField(max_length=200)
    request_id = models.CharField(
        max_length=128,
        blank=True,
        default="",
        help_text="The X-Request-ID of the request that made the change, as its log lines "
        "carry it; empty when no request did (a command, the shell).",
    )
    # The message as protobuf bytes, encoded once when recorded; ``payload`` is its proto3
    # JSON mapping, derived when read (feed, JSON encoding), not paid for by every write.
    body = models.BinaryField()
    occurred_at = models.DateTimeField()
    sequence = models.BigIntegerField(null=True, blank=True, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # The database's clock, like every comparison with it: web and worker hosts may
    # disagree about the time.
    next_attempt_at = models.DateTimeField(db_default=Now())
    last_error = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    stream_sequence = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = "outbox event"
        indexes = [
            # The sequencer's work list.
            models.Index(
                fields=["id"], name="outbox_unsequenced", condition=Q(sequence__isnull=True)
            ),
            # The publisher's work list.
            models.Index(
                fields=["sequence"],
                name="outbox_unpublished",
                condition=Q(status__in=["PENDING", "FAILED"], sequence__isnull=False),
            ),
            # Status counts and the oldest unpublished event, for /metrics.
            models.Index(
                fields=["status", "occurred_at"],
                name="outbox_not_published",
                condition=~Q(status="PUBLISHED"),
            ),
            models.Index(fields=["event_type", "sequence"], name="outbox_type_sequence"),
            GinIndex(fields=["asset_ids"], name="outbox_asset_ids"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="PUBLISHED", published_at__isnull=False)
                | (~Q(status="PUBLISHED") & Q(published_at__isnull=True)),
                name="outbox_published_when_published_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"

    @cached_property
    def payload(self) -> dict:
        """The message in the proto3 JSON mapping, with the .proto field names. Decoded
        as the message the row was recorded as, whatever its event type sends today."""
        from registry.events.encoding import to_json
        from registry.events.types import message_class

        return to_json(message_class(self.message_type).FromString(bytes(self.body)))

    @property
    def subject(self) -> str:
        """Where the row goes on the bus: the family of the message it was recorded as."""
        from registry.events.types import subject

        return subject(self.event_type, self.message_type)


# By a module-level name, for the OpenAPI document's enum names (config/settings.py).
OutboxStatus = OutboxEvent.Status


class ChangeEvent(Events):
    """One change of any tracked entity (registry/history.py), with who made it and how.

    A view over every entity's event table (pghistory's aggregate), with the actor and
    source of the change context as columns.
    """

    actor = ProxyField("pgh_context__actor", models.TextField(null=True))
    source = ProxyField("pgh_context__source", models.TextField(null=True))

    class Meta:
        proxy = True
        verbose_name = "change"
        verbose_name_plural = "change history"

    def __str__(self) -> str:
        """ "Asset deployment created: USDC (USD Coin) on ethereum at 0xA0b8…", not the
        event table's row id (the admin's title and breadcrumbs show it)."""
        from django.apps import apps
        from django.utils.text import capfirst

        from registry.history import VERBS, EventNames

        names = getattr(self, "names", None) or EventNames([self])
        entity = capfirst(apps.get_model(self.pgh_obj_model)._meta.verbose_name)
        return f"{entity} {VERBS.get(self.pgh_label, self.pgh_label)}: {names.row(self)}"


def import_file_name(job: "ImportJob", filename: str) -> str:
    """Where an uploaded file waits: a random name (the name a person gave it is the
    job's ``file_name``), with the upload's suffix, which says how to read it."""
    return f"imports/{secrets.token_urlsafe(24)}{PurePath(filename).suffix.lower()}"


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ImportJobQuerySet":
        """The jobs a user may see and confirm: their own; a superuser, anyone's."""
        return self if user.is_superuser else self.filter(uploaded_by=user)

    def unfinished(self) -> "ImportJobQuerySet":
        return self.filter(status__in=ImportJob.ACTIVE)


class ImportJob(models.Model):
    """A file uploaded to the admin's import page, previewed and then imported by a Celery
    worker (registry.exchange.jobs), never inside the request.

    The file waits in Django's default storage (``file``, under a random name) until the
    job is done, fails or expires (``expires_at``); a finished job names no file. ``done``
    of ``total`` rows is the progress of the step being run (``phase`` says which part of
    it); ``summary`` is what the preview showed or what the import did (JSON), and
    ``plan_digest`` the preview's digest, which the import must reproduce to commit.
    """

    class Status(models.TextChoices):
        QUEUED = "QUEUED", "queued"
        RUNNING = "RUNNING", "running"
        PREVIEWED = "PREVIEWED", "previewed"
        DONE = "DONE", "done"
        FAILED = "FAILED", "failed"
        EXPIRED = "EXPIRED", "expired"

    class Step(models.TextChoices):
        PREVIEW = "PREVIEW", "preview"
        IMPORT = "IMPORT", "import"

    # The states in which the job still needs its file.
    ACTIVE = (Status.QUEUED, Status.RUNNING, Status.PREVIEWED)
    FINISHED = (Status.DONE, Status.FAILED, Status.EXPIRED)

    # A UUID: the job's address is not guessable, nor its count readable from it.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entity = models.CharField(max_length=64, help_text="The entity imported (its API path).")
    file_name = models.CharField(max_length=255, help_text="The name of the uploaded file.")
    file = models.FileField(upload_to=import_file_name, max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # Whose the step's writes are: the person who asked for it (the uploader, or a
    # superuser confirming for them).
    actor = models.CharField(max_length=200)
    overwrite = models.BooleanField(default=False)
    allow_duplicates = models.BooleanField(default=False)
    step = models.CharField(max_length=16, choices=Step.choices, default=Step.PREVIEW)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField(max_length=100, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    plan_digest = models.CharField(max_length=64, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = "import job"
        indexes = [
            # The sweep's work list.
            models.Index(
                fields=["expires_at"],
                name="import_job_unfinished",
                condition=Q(status__in=["QUEUED", "RUNNING", "PREVIEWED"]),
            ),
            # A user's jobs of an entity, on its upload page.
            models.Index(fields=["uploaded_by", "entity", "status"], name="import_job_owner"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(step__in=["PREVIEW", "IMPORT"]), name="import_job_step_known"
            ),
            models.CheckConstraint(
                condition=Q(done__lte=F("total")), name="import_job_done_of_total"
            ),
            # The file waits exactly as long as the job can still use it (and a state
            # not listed has no rule: it is refused).
            models.CheckConstraint(
                condition=(Q(status__in=["QUEUED", "RUNNING", "PREVIEWED"]) & ~Q(file=""))
                | (Q(status__in=["DONE", "FAILED", "EXPIRED"]) & Q(file="")),
                name="import_job_file_while_unfinished",
            ),
            # What the import must reproduce is known once previewed.
            models.CheckConstraint(
                condition=~Q(status="PREVIEWED") | ~Q(plan_digest=""),
                name="import_job_previewed_has_plan",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="import_job_expires_after_upload"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        """Queued or running: the page follows its progress."""
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class FieldSourceQuerySet(models.QuerySet):
    def of(self, row: models.Model) -> "FieldSourceQuerySet":
        """The sources of one row's fields (any tracked model)."""
        return self.filter(
            entity=row._meta.concrete_model._meta.label_lower, object_key=str(row.pk)
        )


class FieldSource(models.Model):
    """Which source last set a field of a row, and the value it set: a person
    ("manual") or an import ("import:tokenlist:Uniswap Labs Default@22.21.0").

    One table for every entity whose fields are tracked (assets, deployments, chains,
    markets …; each app registers its fields with ``registry.provenance.track``), keyed
    by the model's label, the row's primary key as text and the field. Imports consult
    it so that a value a steward fixed by hand is not overwritten by the next run of a
    list, and so that two sources disagreeing on one fact are noticed
    (registry.provenance). Kept beside the rows, not in them, so recording a source
    neither bumps a version nor announces a change."""

    entity = models.CharField(max_length=100, help_text="The model's label (app.model).")
    object_key = models.CharField(max_length=100, help_text="The row's primary key, as text.")
    field = models.CharField(max_length=64)
    source = models.CharField(max_length=300)
    actor = models.CharField(max_length=200)
    set_at = models.DateTimeField(default=timezone.now)
    value = models.JSONField(null=True, blank=True, help_text="The value as the source set it.")

    objects = FieldSourceQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "object_key", "field"], name="field_source_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.field} of {self.target_label} set by {self.source}"

    @cached_property
    def target(self) -> models.Model | None:
        """The row whose field this is (None when it is gone)."""
        from django.apps import apps

        try:
            model = apps.get_model(self.entity)
        except LookupError:
            return None
        manager = getattr(model, "all_objects", model._default_manager)
        return manager.filter(pk=self.object_key).first()

    @property
    def target_label(self) -> str:
        target = self.target
        return str(target) if target is not None else f"{self.entity} {self.object_key}"
