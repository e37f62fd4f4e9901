"""The admin's imports as jobs: a file uploaded, previewed and imported by a Celery worker.

A rehearsed preview writes every row and rolls it back, so it takes as long as the
import itself (about 110 new rows a second: a 2 MB file is more than a minute), longer
than a web worker may hold a request. Both steps therefore run as a task
(``registry.tasks.run_import_job``), one at a time per job, and the page follows the
job's progress:

1. ``import_job_create``: the upload goes to Django's default storage under a random
   name, with an ``ImportJob`` row (its owner, the options, when it expires), and the
   preview is queued.
2. The preview (``import_job_run``, step PREVIEW): the import written and rolled back
   (registry.rehearsal). What it did is stored with the job (``ImportSummary``, JSON),
   with a digest of everything it would write, reject and keep.
3. ``import_job_confirm`` (the preview's page, with the digest it showed) queues the
   import (step IMPORT): the same run in one transaction, committed only if its digest
   is the preview's. If the registry changed in between, it rolls back and the job is
   previewed again with what the file would do now, to be confirmed again.
4. The file is deleted when the job is done or fails, and by the sweep
   (``import_jobs_sweep``, Celery beat and ``manage.py sweep_import_jobs``) once it has
   waited ``IMPORT_JOB_TTL_HOURS``: an expired job cannot be confirmed.

Writes are the person's who asked for the step (``ImportJob.actor``), with the source
``import:csv:<file name>``, so field provenance ranks them as ``import_csv``'s. Only
the uploader, or a superuser, sees and confirms a job (``ImportJob.objects.visible_to``).
Without a broker (``CELERY_TASK_ALWAYS_EAGER``) the task runs inside the request that
queues it, as before, and the page finds the job finished.

Progress: ``CsvImport`` reports rows as it checks and writes them; ``JobProgress``
writes ``done`` of ``total`` to the job's row every ``IMPORT_JOB_PROGRESS_ROWS`` rows,
through a database connection of its own, because the import's transaction is seen by
nobody until it ends.
"""

import functools
import hashlib
import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import PurePath
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.utils import timezone

from registry.actors import acting_as, actor_id
from registry.exceptions import RegistryError
from registry.exchange.entities import CREATED, ENTITIES, UPDATED, Entity, PlannedRow
from registry.exchange.formats import cell, read_csv, read_xlsx
from registry.exchange.run import CsvImport
from registry.importing import ImportReport, Rejection, SourceError, error_text
from registry.models import ImportJob

logger = logging.getLogger(__name__)

Status, Step = ImportJob.Status, ImportJob.Step

# Curated files, not the published lists (import_tokenlist is for those): at about 110
# new rows a second, 2 MB is a minute or two of a worker, and the preview as long again.
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
PREVIEW_ROWS = 500  # rows the preview details (and stores); the counts cover them all
# A sheet is parsed in memory: its XML may be ten times the upload, no more.
READERS = {
    ".csv": read_csv,
    ".xlsx": functools.partial(read_xlsx, max_unpacked=10 * MAX_UPLOAD_BYTES),
}


class JobRefused(Exception):
    """The step asked of a job cannot be taken (the message says why); nothing changed."""


# ---- what a preview shows --------------------------------------------------------------


@dataclass
class PreviewRow:
    line: int
    action: str  # CREATE or UPDATE
    label: str  # the object updated; empty for a new one
    changes: list[tuple[str, str, str]]  # (column, before, after); before is "" on create


def described_rows(entity: Entity, plans: list[PlannedRow]) -> list[PreviewRow]:
    """Each planned row's fields, before → after, as cells. Read before the write, which
    changes the instances it updates."""
    fields = entity.serializer_class().fields

    def text(name: str, value) -> str:
        return "" if value is None else cell(fields[name].to_representation(value))

    rows = []
    for planned in plans:
        after = {**planned.data, **entity.follow_up_values(planned)}
        instance = planned.instance
        if instance is None:  # a new row: its values, the empty ones left out
            label = ""
            changes = [(name, "", text(name, value)) for name, value in after.items()]
            changes = [change for change in changes if change[2]]
        else:
            label = str(instance)
            changes = [
                (name, text(name, getattr(instance, name)), text(name, value))
                for name, value in after.items()
            ]
        rows.append(PreviewRow(planned.line, planned.action, label, changes))
    return rows


@dataclass
class ImportSummary:
    """What a job's preview showed, or what its import did, as the job stores it (JSON)
    and its page shows it. ``rows`` are the first ``PREVIEW_ROWS`` rows written, of
    ``rows_count``; ``plan_changed``: a confirmed import found the registry changed and
    this is the new preview."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    kept: list[tuple[str, int]] = field(default_factory=list)  # (field, rows keeping it)
    warnings: list[str] = field(default_factory=list)
    rows: list[PreviewRow] = field(default_factory=list)
    rows_count: int = 0
    duplicate_choices: list[int] = field(default_factory=list)  # lines refused as duplicates
    duplicates_refusal: str = ""  # what the page says of them
    plan_changed: bool = False

    @classmethod
    def of_report(cls, report: ImportReport, entity_name: str, **more: Any) -> "ImportSummary":
        return cls(
            created=report.created[entity_name],
            updated=report.updated[entity_name],
            unchanged=report.unchanged[entity_name],
            rejected=[Rejection(r.item, r.reason, r.count) for r in report.rejected],
            kept=sorted(report.kept.items()),
            warnings=list(report.warnings),
            **more,
        )

    @classmethod
    def from_json(cls, data: dict) -> "ImportSummary":
        if not data:
            return cls()
        return cls(
            **{
                **data,
                "rejected": [Rejection(**rejection) for rejection in data["rejected"]],
                "kept": [tuple(kept) for kept in data["kept"]],
                "rows": [
                    PreviewRow(**{**row, "changes": [tuple(change) for change in row["changes"]]})
                    for row in data["rows"]
                ],
            }
        )

    def as_json(self) -> dict:
        return asdict(self)

    @property
    def hidden_rows(self) -> int:
        return max(self.rows_count - len(self.rows), 0)

    @property
    def text(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.rejected)} rejected"
        )


@dataclass
class Preview:
    """What a run of the file did, row by row: the rows written (described before the
    write) and the run's report."""

    rows: list[PreviewRow]
    run: CsvImport

    @classmethod
    def of(cls, run: CsvImport, described: list[PreviewRow]) -> "Preview":
        written = [row for row in described if run.verdicts.get(row.line) in (CREATED, UPDATED)]
        return cls(written, run)

    @property
    def digest(self) -> str:
        """Equal for two runs that write the same, reject the same and keep the same."""
        report = self.run.report
        plan = [
            [(row.line, row.action, row.changes) for row in self.rows],
            report.unchanged[self.run.entity.name],
            [(rejection.item, rejection.reason) for rejection in report.rejected],
            sorted(report.kept.items()),
            report.warnings,
        ]
        return hashlib.sha256(json.dumps(plan).encode()).hexdigest()

    def summary(self, **more: Any) -> ImportSummary:
        run = self.run
        choices = run.duplicate_choices
        return ImportSummary.of_report(
            run.report,
            run.entity.name,
            rows=self.rows[:PREVIEW_ROWS],
            rows_count=len(self.rows),
            duplicate_choices=choices,
            duplicates_refusal=run.entity.duplicates_refusal(choices) if choices else "",
            **more,
        )


class PlanChanged(Exception):
    """The confirmed import did not do what its preview showed: roll it back."""

    def __init__(self, preview: Preview) -> None:
        self.preview = preview


# ---- progress --------------------------------------------------------------------------


class JobProgress:
    """``CsvImport``'s progress, written to the job's row every ``every`` rows (and at the
    end of each phase), on a database connection of its own: the import's transaction
    is invisible to the page until it ends, the progress must not be."""

    def __init__(self, job_id, every: int) -> None:
        self.job_id = job_id
        self.every = max(every, 1)
        self.phase, self.done, self.total, self.written = "", 0, 0, 0
        self.writes = 0  # how many times the row was written
        self._connection = None

    def start(self, total: int, description: str) -> None:
        self.phase, self.done, self.total = description, 0, total
        self._write()

    def __call__(self, count: int) -> None:
        self.done = min(self.done + count, self.total)
        if self.done - self.written >= self.every or self.done == self.total:
            self._write()

    def _write(self) -> None:
        if self._connection is None:
            self._connection = connections.create_connection(DEFAULT_DB_ALIAS)
        with self._connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportJob._meta.db_table} SET phase = %s, done = %s, total = %s, "
                "updated_at = %s WHERE id = %s AND status = %s",
                [self.phase, self.done, self.total, timezone.now(), self.job_id, Status.RUNNING],
            )
        self.written = self.done
        self.writes += 1

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


# ---- the steps a person takes ----------------------------------------------------------


def import_job_create(
    *, entity: Entity, upload: File, user, overwrite: bool = False, allow_duplicates: bool = False
) -> ImportJob:
    """Store the uploaded file and queue its preview (after commit). The file's type and
    size are the form's to check; what is in it, the preview's."""
    now = timezone.now()
    job = ImportJob(
        entity=entity.name,
        file_name=PurePath(upload.name).name,
        uploaded_by=user,
        actor=actor_id(user),
        overwrite=overwrite,
        allow_duplicates=allow_duplicates and entity.duplicates_choice,
        created_at=now,
        updated_at=now,
        expires_at=now + timedelta(hours=settings.IMPORT_JOB_TTL_HOURS),
    )
    job.file.save(upload.name, upload, save=False)
    try:
        job.save(force_insert=True)
    except BaseException:
        job.file.storage.delete(job.file.name)
        raise
    _run_after_commit(job)
    return job


def import_job_preview_again(*, job: ImportJob, user) -> None:
    """Preview the job's file again, allowing duplicates (``Entity.duplicates_choice``)."""
    _queue(job, Step.PREVIEW, user, allow_duplicates=True)


def import_job_confirm(*, job: ImportJob, user, plan_digest: str) -> None:
    """Queue the import of a previewed job. ``plan_digest`` is that of the preview the
    person saw: a job previewed again since (in another tab) is not imported."""
    _queue(job, Step.IMPORT, user, expected_digest=plan_digest)


def import_job_discard(*, job: ImportJob) -> None:
    """Forget a job that is not running, and delete its file."""
    deleted, _ = ImportJob.objects.filter(pk=job.pk).exclude(status=Status.RUNNING).delete()
    if not deleted:
        raise JobRefused("The job is running; wait for it to finish.")
    if job.file.name:
        _delete_file(job.file.name)


def _queue(
    job: ImportJob, step: str, user, *, expected_digest: str | None = None, **options
) -> None:
    """PREVIEWED → QUEUED for ``step``, by ``user``; JobRefused if the job is not (or no
    longer) previewed, has expired, or was previewed otherwise than ``expected_digest``."""
    now = timezone.now()
    previewed = ImportJob.objects.filter(pk=job.pk, status=Status.PREVIEWED, expires_at__gt=now)
    if expected_digest is not None:
        previewed = previewed.filter(plan_digest=expected_digest)
    queued = previewed.update(
        status=Status.QUEUED,
        step=step,
        actor=actor_id(user),
        phase="",
        done=0,
        total=0,
        updated_at=now,
        **options,
    )
    job.refresh_from_db()
    if not queued:
        raise JobRefused(refusal(job, now))
    _run_after_commit(job)


def refusal(job: ImportJob, now) -> str:
    """Why a job cannot be confirmed or previewed again, in the page's words."""
    if job.status == Status.EXPIRED or (job.status in job.ACTIVE and job.expires_at <= now):
        return (
            f"This import expired at {job.expires_at:%Y-%m-%d %H:%M} UTC and its file was "
            "deleted; nothing was imported. Upload the file again."
        )
    if job.is_running:
        return "This job is already queued or running; wait for it to finish."
    if job.status == Status.DONE:
        return "This file was imported already; nothing was imported again."
    if job.status == Status.PREVIEWED:
        return (
            "The preview of this import changed since that page was shown; nothing was "
            "imported. Check the preview below and confirm again."
        )
    return "This import failed; nothing was imported. Upload the file again."


def _run_after_commit(job: ImportJob) -> None:
    transaction.on_commit(functools.partial(_send, job.pk))


def _send(job_id) -> None:
    """Hand the job to a worker (without a broker: run it now). A broker that cannot be
    reached fails the job with the reason, rather than leave it queued for ever."""
    from registry.tasks import run_import_job

    try:
        run_import_job.delay(str(job_id))
    except Exception as error:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise  # the task itself failed, inline: a bug to see, not a broker to blame
        logger.warning("Could not queue import job %s: %s", job_id, error)
        _finish(
            ImportJob.objects.get(pk=job_id),
            Status.FAILED,
            error=f"The import could not be handed to a worker ({error}); nothing was "
            "imported. Try again in a moment.",
        )


# ---- the worker's side -----------------------------------------------------------------


def import_job_run(job_id) -> None:
    """Run the job's queued step (the task's body); a job no longer queued is left alone,
    so a task delivered twice runs once."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(
        status=Status.RUNNING, updated_at=now
    )
    if not claimed:
        return
    job = ImportJob.objects.get(pk=job_id)
    if job.expires_at <= now:
        _finish(job, Status.EXPIRED, error=refusal(job, now))
        return
    entity = ENTITIES.get(job.entity)
    if entity is None:  # the entity left the registry since the upload
        _finish(job, Status.FAILED, error=f"Nothing imported: no entity {job.entity} to import.")
        return
    try:
        with job.file.open("rb") as file:
            data = file.read()
    except Exception as error:  # storage errors differ by backend (OSError, botocore's)
        _finish(
            job,
            Status.FAILED,
            error=f"Nothing imported: the uploaded file cannot be read from storage ({error}). "
            "Web and worker processes must share the storage (MEDIA_ROOT, or S3).",
        )
        return
    progress = JobProgress(job.pk, settings.IMPORT_JOB_PROGRESS_ROWS)
    try:
        if job.step == Step.PREVIEW:
            _preview(job, entity, data, progress)
        else:
            _import(job, entity, data, progress)
    except SoftTimeLimitExceeded:  # raised in the task by its soft time limit
        _finish(
            job,
            Status.FAILED,
            error=f"Stopped after {settings.IMPORT_JOB_TIME_LIMIT_SECONDS} s "
            "(IMPORT_JOB_TIME_LIMIT_SECONDS), nothing imported: split the file.",
        )
    except Exception as error:  # a bug or a lost database: the job says so, nothing written
        logger.exception("Import job %s stopped", job.pk)
        _finish(
            job,
            Status.FAILED,
            error=f"Stopped by an unexpected error, nothing imported: {type(error).__name__}: "
            f"{error}",
        )
    finally:
        progress.close()


def _preview(job: ImportJob, entity: Entity, data: bytes, progress: JobProgress) -> None:
    try:
        preview = _run(job, entity, data, progress, dry_run=True)
    except SourceError as error:
        _finish(job, Status.FAILED, error=f"Nothing imported: {error}")
        return
    _previewed(job, preview)


def _import(job: ImportJob, entity: Entity, data: bytes, progress: JobProgress) -> None:
    # One transaction, committed only if the write did what the preview showed: what
    # the person confirmed is what is written, whatever changed in between.
    try:
        with transaction.atomic():
            preview = _run(job, entity, data, progress, dry_run=False)
            if preview.digest != job.plan_digest:
                raise PlanChanged(preview)
    except PlanChanged as changed:
        _previewed(job, changed.preview, plan_changed=True)
        return
    except (RegistryError, ValidationError, SourceError) as error:  # a batch refused
        _finish(job, Status.FAILED, error=f"Import stopped, nothing imported: {error_text(error)}")
        return
    except DatabaseError as error:  # a rule no check caught; all of it rolled back
        _finish(
            job, Status.FAILED, error=f"Import stopped by the database, nothing imported: {error}"
        )
        return
    summary = ImportSummary.of_report(preview.run.report, entity.name)
    _finish(job, Status.DONE, summary=summary.as_json(), done=progress.total, total=progress.total)


def _run(job: ImportJob, entity: Entity, data: bytes, progress, *, dry_run: bool) -> Preview:
    """Import the job's file (in a rehearsal, if ``dry_run``) as its actor: what it did."""
    source = f"import:csv:{job.file_name}"
    run = CsvImport(
        entity,
        ImportReport(source=f"{entity.name} from {job.file_name}", dry_run=dry_run),
        source=source,
        overwrite=job.overwrite,
        allow_duplicates=job.allow_duplicates,
        dry_run=dry_run,
        progress=progress,
    )
    read = READERS[PurePath(job.file.name).suffix.lower()]
    with acting_as(job.actor, source=source):
        plans = run.plan_source(data, job.file_name, read)
        described = described_rows(entity, plans)
        run.write(plans)
    return Preview.of(run, described)


def _previewed(job: ImportJob, preview: Preview, **more: Any) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=Status.PREVIEWED,
        summary=preview.summary(**more).as_json(),
        plan_digest=preview.digest,
        updated_at=timezone.now(),
    )


def _finish(job: ImportJob, status: str, **fields: Any) -> None:
    """End the job (done, failed or expired) and delete its file: the row first, so a
    worker never finds a job that names a deleted file."""
    ImportJob.objects.filter(pk=job.pk).update(
        status=status, file="", updated_at=timezone.now(), **fields
    )
    if job.file.name:
        _delete_file(job.file.name)


def _delete_file(name: str) -> None:
    from django.core.files.storage import default_storage

    try:
        default_storage.delete(name)
    except Exception as error:  # the sweep deletes what no job names
        logger.warning("Could not delete the import file %s: %s", name, error)


# ---- the sweep -------------------------------------------------------------------------


@dataclass
class SweepResult:
    expired: int = 0  # jobs expired, their files deleted
    orphans: int = 0  # files no unfinished job names, deleted
    removed: int = 0  # finished jobs older than IMPORT_JOB_RETENTION_DAYS, deleted

    def __str__(self) -> str:
        return (
            f"{self.expired} import jobs expired (their files deleted), {self.orphans} "
            f"files no job named deleted, {self.removed} finished jobs removed."
        )


def import_jobs_sweep(now=None) -> SweepResult:
    """Expire the jobs whose time is up and delete their files; delete the files no
    unfinished job names (a crash between storing and recording) once as old as a job's
    time to live; remove finished jobs past their retention."""
    from django.core.files.storage import default_storage

    now = now or timezone.now()
    result = SweepResult()
    # A running job's time is up only once its task's time limit has passed too.
    running_limit = timedelta(seconds=settings.IMPORT_JOB_TIME_LIMIT_SECONDS + 60)
    due = ImportJob.objects.filter(
        status__in=[Status.QUEUED, Status.PREVIEWED], expires_at__lte=now
    ) | ImportJob.objects.filter(status=Status.RUNNING, expires_at__lte=now - running_limit)
    for job in due:
        # Only if nothing took the job meanwhile (a confirm just before the sweep).
        expired = ImportJob.objects.filter(pk=job.pk, status=job.status).update(
            status=Status.EXPIRED, file="", error=refusal(job, now), updated_at=now
        )
        if expired:
            result.expired += 1
            _delete_file(job.file.name)
    unfinished = set(ImportJob.objects.unfinished().values_list("file", flat=True))
    oldest = now - timedelta(hours=settings.IMPORT_JOB_TTL_HOURS)
    try:
        _, names = default_storage.listdir("imports")
    except FileNotFoundError:  # nothing was ever uploaded
        names = []
    for name in (f"imports/{name}" for name in names):
        if name not in unfinished and default_storage.get_modified_time(name) <= oldest:
            _delete_file(name)
            result.orphans += 1
    retention = timedelta(days=settings.IMPORT_JOB_RETENTION_DAYS)
    result.removed, _ = ImportJob.objects.filter(
        status__in=ImportJob.FINISHED, updated_at__lte=now - retention
    ).delete()
    return result
