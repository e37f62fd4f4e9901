"""The transactional outbox: recording events, ordering them, publishing them.

``record`` runs inside the write's transaction, so the event commits or rolls back
with the change. After commit one Celery task per transaction (``publish_outbox``)
runs ``publish_pending``; the beat ``sweep_outbox`` runs it too, for whatever a dead
broker or worker left behind.

Order. Row ids are handed out at INSERT, so a transaction that began first can commit
last, after a reader has already moved past its ids. ``sequence_pending`` therefore
numbers only rows that are already committed, one sequencer at a time, and feed and
publisher go by that number: nothing ever appears below a sequence someone has read.
Two writes of one entity are serialized by its row lock, so their events are numbered
in the order they happened.

Delivery. Events go out in sequence order. A publish that fails for want of a bus
stops the run and backs off the head of the line (1 s, 2 s, 4 s … up to
EVENTS_RETRY_MAX_SECONDS); nothing behind it overtakes it. After
EVENTS_FAILED_AFTER_ATTEMPTS the head is marked FAILED (it alarms) and is still
retried. An event the bus refuses outright (larger than its max payload) is marked
REJECTED and stops blocking the line; ``manage.py outbox requeue`` sends it again.
A worker killed between JetStream's ack and marking the row published sends it again
on the next run; JetStream drops it by its Nats-Msg-Id.

Restores. A database restored from a backup would number its next events from the
backup's sequence, below numbers the stream already holds; the publisher compares the
outbox with the stream before each run and renumbers above it (``_check_against_the_
stream``), and a restored database numbers nothing until it has (docs/EVENTS.md).
"""

import logging
import time
import uuid
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection, transaction
from django.db.models import BooleanField, DateTimeField, ExpressionWrapper, Q
from django.db.models.functions import Now
from django.utils import timezone

from registry.actors import current_actor, current_request_id, current_source
from registry.events import encoding
from registry.events.types import EventType, event_type, subject_filters
from registry.metrics import OUTBOX_RENUMBERED
from registry.models import OutboxEvent

logger = logging.getLogger(__name__)

OUTBOX_SEQUENCE = "registry_outbox_sequence"
# Advisory lock keys; any constants unique to these uses.
_SEQUENCER_LOCK = 0x43514152_0002
_PUBLISHER_LOCK = 0x43514152_0003
_SEQUENCE_BATCH = 10_000

IN_LINE = (OutboxEvent.Status.PENDING, OutboxEvent.Status.FAILED)
_PUBLISH_FIELDS = (
    "id",
    "event_id",
    "event_type",
    "message_type",
    "entity_id",
    "sequence",
    "attempts",
    "request_id",
)


def _build(
    kind: EventType, entity, occurred_at, changed_fields: Iterable[str], request_id: str
) -> OutboxEvent:
    event_id = uuid.uuid4()
    message = kind.message()
    envelope = {
        "event_id": str(event_id),
        "timestamp": encoding.timestamp(occurred_at),
        "actor_id": current_actor(),
        "source": current_source(),
        kind.entity_field: kind.entity(entity),
    }
    if "source" not in kind.message.DESCRIPTOR.fields_by_name:
        del envelope["source"]  # the contract's VenueAssetListed has none
    encoding.fill(message, **envelope)
    if kind.has_change_fields:
        encoding.fill(
            message,
            changed_fields=sorted(changed_fields),
            entity_version=getattr(entity, "version", None),
        )
    if kind.extra is not None:
        encoding.fill(message, **kind.extra(entity))
    return OutboxEvent(
        event_id=event_id,
        event_type=kind.name,
        message_type=kind.message_type,
        entity_id=str(entity.pk),
        asset_ids=sorted({uuid.UUID(str(pk)) for pk in kind.asset_ids(entity) if pk}),
        actor_id=message.actor_id,
        request_id=request_id,
        body=message.SerializeToString(deterministic=True),
        occurred_at=occurred_at,
    )


def record(name: str, entity, *, changed_fields: Iterable[str] = ()) -> OutboxEvent:
    """Record that ``entity`` was changed (as it is now; as it was, for a removal)."""
    return record_many(name, [entity], changed_fields=changed_fields)[0]


def record_many(
    name: str, entities: Iterable, *, changed_fields: Iterable[str] = ()
) -> list[OutboxEvent]:
    """Record one event per entity with one INSERT (bulk imports)."""
    if not connection.in_atomic_block:
        raise RuntimeError("Events are recorded inside the write's transaction.")
    kind = event_type(name)
    now = timezone.now()
    changed = list(changed_fields)
    request_id = current_request_id()
    rows = [_build(kind, e, now, changed, request_id) for e in entities]
    _copy_in(rows)
    _publish_after_commit()
    return rows


_COPIED_FIELDS = (
    "event_id",
    "event_type",
    "message_type",
    "entity_id",
    "asset_ids",
    "actor_id",
    "request_id",
    "body",
    "occurred_at",
    "status",
    "attempts",
    "last_error",
)


def _copy_in(rows: list[OutboxEvent]) -> None:
    """INSERT the rows with COPY: an import's tens of thousands of events cost a
    fraction of what bulk_create's per-value preparation does. The rows come back
    without ids (nothing needs them: the sequence is what orders events)."""
    if not rows:
        return
    columns = ", ".join(_COPIED_FIELDS)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
        with raw.copy(f"COPY {OutboxEvent._meta.db_table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([getattr(row, name) for name in _COPIED_FIELDS])


def _publish_after_commit() -> None:
    """Schedule one publishing task for the current transaction, however many events."""
    if any(callback is _enqueue_publish for _, callback, _ in connection.run_on_commit):
        return
    transaction.on_commit(_enqueue_publish, robust=True)


_enqueue_suspended_until = 0.0


def _enqueue_publish() -> None:
    """After commit: hand publishing to a worker. If the broker cannot be reached, the
    events wait for the sweep, and this process stops trying for a sweep interval, so
    an outage costs one write the broker's connect timeout, not every write."""
    global _enqueue_suspended_until
    from registry.tasks import publish_outbox

    if time.monotonic() < _enqueue_suspended_until:
        return
    try:
        publish_outbox.apply_async()
    except Exception as error:  # the broker is down: the sweep will publish
        _enqueue_suspended_until = time.monotonic() + settings.OUTBOX_SWEEP_SECONDS
        logger.warning(
            "Could not schedule publishing (%s); the outbox sweep will. Not trying again for %ss.",
            error,
            settings.OUTBOX_SWEEP_SECONDS,
        )


def sequence_pending(*, bus_checked: bool = False) -> int:
    """Number the committed rows that have no sequence yet, in id order.

    Not in a database restored from a backup whose outbox the publisher has not yet
    compared with the stream (``_check_against_the_stream``): numbers handed out there
    could be ones consumers already saw for the lost writes' events. ``bus_checked``:
    the caller has just compared them, or there is no bus."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SEQUENCER_LOCK])
        if not _sequencing_allowed(cursor, bus_checked=bus_checked):
            return 0
        table = OutboxEvent._meta.db_table
        cursor.execute(
            f"""
            UPDATE {table} AS o SET sequence = numbered.seq
            FROM (
                SELECT id, nextval('{OUTBOX_SEQUENCE}') AS seq
                FROM (SELECT id FROM {table} WHERE sequence IS NULL ORDER BY id LIMIT %s) ids
            ) numbered
            WHERE o.id = numbered.id
            """,
            [_SEQUENCE_BATCH],
        )
        return cursor.rowcount


# Restores. A restored database numbers its next events from the backup's sequence,
# while the stream (and consumers) may hold events of writes made after the backup under
# those numbers. The sequence's comment records the database (its oid and the outbox
# table's) the sequence was last compared with the stream in; pg_dump copies the comment,
# not the oids, so a restored database sees a comment not its own, and the sequencer
# (the feed's too) numbers nothing until the publisher has compared outbox and stream.
# The publisher also compares them before every run that publishes, so a restore that
# keeps the oids (a physical backup, point-in-time recovery) is caught before any
# colliding number reaches the stream.
_CHECKED_IN = "cqar outbox compared with the stream in database "


def _identities(cursor) -> tuple[str | None, str]:
    """The database the outbox was last compared with the stream in, and this one."""
    cursor.execute(
        "SELECT obj_description(%s::regclass, 'pg_class'), d.oid, %s::regclass::oid "
        "FROM pg_database d WHERE d.datname = current_database()",
        [OUTBOX_SEQUENCE, OutboxEvent._meta.db_table],
    )
    comment, database, table = cursor.fetchone()
    recorded = comment[len(_CHECKED_IN) :] if comment and comment.startswith(_CHECKED_IN) else None
    return recorded, f"{database}.{table}"


def _record_identity(cursor, identity: str) -> None:
    # COMMENT takes no parameters; the identity is two oids.
    assert all(part.isdigit() for part in identity.split(".")), identity
    try:
        with transaction.atomic():  # a savepoint: a refusal leaves the caller's work alone
            cursor.execute(f"COMMENT ON SEQUENCE {OUTBOX_SEQUENCE} IS '{_CHECKED_IN}{identity}'")
    except DatabaseError as error:  # a role that does not own the sequence
        logger.warning(
            "Could not record the database the outbox was compared with the stream in (%s): "
            "after a restore the feed may number events before the publisher renumbers them.",
            error,
        )


def _sequencing_allowed(cursor, *, bus_checked: bool) -> bool:
    recorded, identity = _identities(cursor)
    if recorded == identity:
        return True
    if recorded is None or bus_checked:  # a new database, or one just compared
        _record_identity(cursor, identity)
        return True
    return False


def _identity_confirmed() -> bool:
    with connection.cursor() as cursor:
        recorded, identity = _identities(cursor)
    return recorded in (None, identity)


def _sequence_last_value(cursor) -> int:
    """The last number the sequence handed out (0 if none)."""
    cursor.execute(f"SELECT last_value, is_called FROM {OUTBOX_SEQUENCE}")
    last_value, is_called = cursor.fetchone()
    return last_value if is_called else last_value - 1


def _check_against_the_stream(publisher) -> int:
    """Did the database go back in time (restored from a backup)? If so, continue the
    outbox's numbers above the stream's: returns how many events were renumbered.

    The stream's newest event (its Cqc-Sequence H, its event id) is compared with the
    outbox. An outbox that does not have that event, and either numbered H for another
    event or never reached H, is behind the stream: the lost writes' events hold numbers
    up to H, which consumers (of the stream and of the old feed) have read past. Then the
    stream is read back to the restored sequence's value (and the oldest unpublished
    event's number), and in one transaction under the sequencer's lock: unpublished
    events the stream already holds (the old workers published them after the backup)
    take the number they went out with and are marked published, not sent again; every
    other numbered unpublished event is renumbered, in its order, above H and above
    anything the sequence handed out; the sequence moves there, and new events follow.
    It logs a warning and counts the renumbered events in
    cqar_outbox_renumbered_events_total.

    One stream read of the newest message per run (and, after a restore, one per
    message since the backup). The database's identity (the sequence's comment) only
    tells the sequencer to wait for this: it says that the database changed, not how
    far the outbox is behind, and a physical restore keeps it; the stream holds the
    numbers consumers saw.
    """
    (newest,) = publisher.tail(None)[:1] or (None,)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SEQUENCER_LOCK])
        recorded, identity = _identities(cursor)
        last_value = _sequence_last_value(cursor)
        behind = newest is not None and _behind(newest, last_value)
        if not behind:
            if recorded != identity:
                _record_identity(cursor, identity)
            return 0
        floor = _unpublished().filter(sequence__isnull=False).order_by("sequence")
        floor = floor.values_list("sequence", flat=True).first()
    since_backup = publisher.tail(min(last_value, floor if floor is not None else last_value))
    if not since_backup:  # the stream was purged or aged out meanwhile: nothing to clear
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SEQUENCER_LOCK])
        newest = since_backup[0]
        last_value = _sequence_last_value(cursor)
        on_stream = {event.event_id: event for event in since_backup}
        delivered, renumbered = [], []
        for row in _unpublished().order_by("sequence", "id").only("id", "event_id", "sequence"):
            if str(row.event_id) in on_stream:
                delivered.append((row, on_stream[str(row.event_id)]))
            elif row.sequence is not None:
                renumbered.append(row)
        table = OutboxEvent._meta.db_table
        next_number = max(newest.sequence, last_value) + 1
        cursor.execute("SELECT setval(%s, %s, true)", [OUTBOX_SEQUENCE, next_number - 1])
        if renumbered:
            cursor.execute(
                f"""
                UPDATE {table} AS o SET sequence = numbered.seq
                FROM (
                    SELECT id, nextval('{OUTBOX_SEQUENCE}') AS seq
                    FROM (
                        SELECT id FROM unnest(%s::bigint[]) WITH ORDINALITY AS u(id, position)
                        ORDER BY position
                    ) ids
                ) numbered
                WHERE o.id = numbered.id
                """,
                [[row.pk for row in renumbered]],
            )
        if delivered:
            ids = [row.pk for row, _ in delivered]
            # Freed first: two of them may swap numbers, and sequence is unique.
            OutboxEvent.objects.filter(pk__in=ids).update(sequence=None)
            cursor.execute(
                f"""
                UPDATE {table} AS o
                SET sequence = held.sequence, stream_sequence = held.stream_sequence,
                    status = %s, published_at = now(), last_error = ''
                FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[])
                    AS held(id, sequence, stream_sequence)
                WHERE o.id = held.id
                """,
                [
                    OutboxEvent.Status.PUBLISHED,
                    ids,
                    [event.sequence for _, event in delivered],
                    [event.stream_sequence for _, event in delivered],
                ],
            )
        _record_identity(cursor, identity)
    OUTBOX_RENUMBERED.inc(len(renumbered))
    logger.warning(
        "The outbox is behind stream %s (restored from a backup?): its newest event %s is "
        "number %d, and the outbox was at %d. %d events the stream already had are marked "
        "published under their numbers; %d unpublished events renumbered from %d on.",
        publisher.stream,
        newest.event_id,
        newest.sequence,
        last_value,
        len(delivered),
        len(renumbered),
        next_number,
    )
    return len(renumbered)


def _behind(newest, last_value: int) -> bool:
    """Is the outbox behind the stream whose newest event is ``newest``? It is when it
    does not have that event and numbered that number for another, or never reached it
    (an event pruned from the outbox was numbered: the sequence is past it)."""
    if OutboxEvent.objects.filter(event_id=_uuid_or_none(newest.event_id)).exists():
        return False
    return (
        last_value < newest.sequence
        or OutboxEvent.objects.filter(sequence=newest.sequence).exists()
    )


def _unpublished():
    return OutboxEvent.objects.exclude(status=OutboxEvent.Status.PUBLISHED)


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


PUBLISHER_NEEDS_A_SESSION = (
    "The outbox publisher holds a session advisory lock while its batches commit one by "
    "one, and DATABASE_POOL_MODE=transaction says this process reaches PostgreSQL through "
    "a transaction-mode pool, which would hand that session to other clients between "
    "statements (and keep the lock there). Run Celery workers (and `manage.py outbox "
    "publish`) with DATABASE_URL pointing at PostgreSQL directly or at a session-mode "
    "pool, and DATABASE_POOL_MODE unset or 'session' (docs/SCALING-postgres.md)."
)


def check_publisher_connection() -> None:
    """Refuse to publish through a transaction-mode pool (ImproperlyConfigured)."""
    if settings.DATABASE_POOL_MODE == "transaction":
        raise ImproperlyConfigured(PUBLISHER_NEEDS_A_SESSION)


@contextmanager
def _publisher_lock():
    """One publisher at a time, so events leave in sequence order. A session lock, so
    each batch can commit on its own; a dead worker's connection releases it."""
    check_publisher_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_PUBLISHER_LOCK])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_PUBLISHER_LOCK])


@dataclass
class PublishReport:
    published: int = 0
    rejected: int = 0
    blocked_by: str = ""  # why the run stopped short, if it did
    skipped_unconfigured: bool = False
    batches: list[int] = field(default_factory=list)


_warned_unconfigured = False


def publish_pending() -> PublishReport:
    """Publish every event that is due, in sequence order; returns what happened."""
    global _warned_unconfigured
    report = PublishReport()
    while True:
        # Without a bus there is no stream to compare a restored outbox with.
        while sequence_pending(bus_checked=not settings.NATS_URL) == _SEQUENCE_BATCH:
            pass
        if not settings.NATS_URL:
            report.skipped_unconfigured = True
            if not _warned_unconfigured:
                _warned_unconfigured = True
                logger.warning(
                    "NATS_URL is not set: events stay in the outbox and the feed "
                    "(/api/v1/events/). With NATS_URL they go to stream %s, subjects %s.",
                    settings.EVENTS_STREAM,
                    " and ".join(subject_filters()),
                )
            return report
        with _publisher_lock() as acquired:
            if not acquired:  # the holder looks again after releasing the lock
                return report
            _publish_line(report)
        if report.blocked_by or not _due_exists():
            return report


def _due_exists() -> bool:
    return (
        OutboxEvent.objects.filter(sequence__isnull=True).exists()
        or _line().filter(next_attempt_at__lte=Now()).exists()
    )


def _line():
    return OutboxEvent.objects.filter(status__in=IN_LINE, sequence__isnull=False)


def _publish_line(report: PublishReport) -> None:
    from registry.events.jetstream import PublishRefused, publisher

    compared = False
    while True:
        batch = list(
            _line()
            .order_by("sequence")
            .annotate(due=ExpressionWrapper(Q(next_attempt_at__lte=Now()), BooleanField()))
            .only(*_PUBLISH_FIELDS, "body")[: settings.EVENTS_PUBLISH_BATCH]
        )
        head_due = bool(batch) and batch[0].due
        if not compared and (head_due or not _identity_confirmed()):
            # Before anything is sent: is the outbox behind the stream (a restore)?
            try:
                _check_against_the_stream(publisher())
            except Exception as error:
                report.blocked_by = f"comparing the outbox with the stream: {error!r}"
                if head_due:  # the head backs off as if its publish had failed
                    _mark([], [], (batch[0], error))
                return
            compared = True
            continue  # the line may have been renumbered
        if not batch:
            return
        due, entities = [], set()
        for row in batch:
            # The batch is pipelined: two events of one entity in flight together could
            # be reordered by a failure between them, so the second waits for the next.
            if not row.due or row.entity_id in entities:
                break
            entities.add(row.entity_id)
            due.append(row)
        if not due:
            report.blocked_by = f"event {batch[0].event_id} waits to be retried"
            return
        results = publisher().publish(due)
        published, failed = [], None
        rejected = []
        for row, result in zip(due, results, strict=True):
            if isinstance(result, PublishRefused):
                rejected.append((row, result))
            elif isinstance(result, Exception):
                failed = failed or (row, result)
            else:
                row.stream_sequence = result
                published.append(row)
        _mark(published, rejected, failed)
        report.published += len(published)
        report.rejected += len(rejected)
        report.batches.append(len(published))
        if failed is not None:
            report.blocked_by = f"{type(failed[1]).__name__}: {failed[1]}"
            return


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(2 ** max(attempts - 1, 0), settings.EVENTS_RETRY_MAX_SECONDS))


def _mark(published, rejected, failed) -> None:
    now = timezone.now()
    with transaction.atomic():
        if published:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"""
                    UPDATE {OutboxEvent._meta.db_table} AS o
                    SET status = %s, published_at = %s, attempts = o.attempts + 1,
                        last_error = '', stream_sequence = acked.stream_sequence
                    FROM unnest(%s::bigint[], %s::bigint[]) AS acked(id, stream_sequence)
                    WHERE o.id = acked.id
                    """,
                    [
                        OutboxEvent.Status.PUBLISHED,
                        now,
                        [row.pk for row in published],
                        [row.stream_sequence for row in published],
                    ],
                )
        for row, error in rejected:
            OutboxEvent.objects.filter(pk=row.pk).update(
                status=OutboxEvent.Status.REJECTED,
                attempts=row.attempts + 1,
                last_error=str(error)[:2000],
            )
            logger.error("Event %s rejected by the bus: %s", row.event_id, error)
        if failed is not None:
            row, error = failed
            attempts = row.attempts + 1
            status = (
                OutboxEvent.Status.FAILED
                if attempts >= settings.EVENTS_FAILED_AFTER_ATTEMPTS
                else OutboxEvent.Status.PENDING
            )
            OutboxEvent.objects.filter(pk=row.pk).update(
                status=status,
                attempts=attempts,
                last_error=f"{type(error).__name__}: {error}"[:2000],
                next_attempt_at=ExpressionWrapper(
                    Now() + retry_delay(attempts), output_field=DateTimeField()
                ),
            )
            log = logger.error if status == OutboxEvent.Status.FAILED else logger.warning
            log("Publishing event %s failed (attempt %d): %s", row.event_id, attempts, error)


def outbox_status(*, count_published: bool = True) -> dict:
    """Counts by status, the head of the line, and the oldest unpublished event's age.

    Counting published events reads the whole table; /metrics leaves them out.
    """
    from django.db.models import Count, Max

    unpublished = OutboxEvent.objects.exclude(status=OutboxEvent.Status.PUBLISHED)
    counted = OutboxEvent.objects.all() if count_published else unpublished
    counts = dict(counted.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    head = _line().order_by("sequence").first()
    return {
        "counts": {
            status: counts.get(status, 0)
            for status in OutboxEvent.Status.values
            if count_published or status != OutboxEvent.Status.PUBLISHED
        },
        "unsequenced": OutboxEvent.objects.filter(sequence__isnull=True).count(),
        "oldest_unpublished_seconds": oldest_unpublished_seconds(),
        "last_sequence": OutboxEvent.objects.aggregate(last=Max("sequence"))["last"] or 0,
        "head": None
        if head is None
        else {
            "sequence": head.sequence,
            "event_id": str(head.event_id),
            "event_type": head.event_type,
            "status": head.status,
            "attempts": head.attempts,
            "next_attempt_at": head.next_attempt_at.isoformat(),
            "last_error": head.last_error,
        },
    }


def oldest_unpublished_seconds() -> float:
    """Age of the oldest event not yet on the bus (0 when there is none): one read of an
    index, cheap enough for every readiness probe."""
    from django.db.models import Min

    oldest = OutboxEvent.objects.exclude(status=OutboxEvent.Status.PUBLISHED).aggregate(
        oldest=Min("occurred_at")
    )["oldest"]
    return round((timezone.now() - oldest).total_seconds(), 3) if oldest else 0.0


def stale_count(after_seconds: float) -> int:
    """Events still unpublished this long after they were recorded."""
    cutoff = timezone.now() - timedelta(seconds=after_seconds)
    return OutboxEvent.objects.filter(status__in=IN_LINE, occurred_at__lt=cutoff).count()


def requeue_rejected() -> int:
    """Put events the bus refused back in line (after its limits were raised)."""
    return OutboxEvent.objects.filter(status=OutboxEvent.Status.REJECTED).update(
        status=OutboxEvent.Status.PENDING, next_attempt_at=Now()
    )


def prune_published(older_than: timedelta) -> int:
    """Delete published events older than ``older_than`` (the feed then starts later)."""
    cutoff = timezone.now() - older_than
    deleted, _ = OutboxEvent.objects.filter(
        status=OutboxEvent.Status.PUBLISHED, published_at__lt=cutoff
    ).delete()
    return deleted
