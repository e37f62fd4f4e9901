"""The outbox after PostgreSQL was restored from a backup (docs/RUNBOOK.md): it goes on
above the numbers the stream already holds, neither re-sending nor skipping an event.

A restore is simulated on the test database as it looks to the outbox: the rows written
after the backup are deleted, the rows that were unpublished at it are unpublished
again, and ``registry_outbox_sequence`` is set back; a restore into another database
(pg_restore into a fresh one) also changes the database's identity, here the one the
sequence's comment records.
"""

import pytest
from django.db import connection
from django.db.models import Max

from assets import services as asset_services
from registry.events.outbox import OUTBOX_SEQUENCE, publish_pending, sequence_pending
from registry.metrics import OUTBOX_RENUMBERED
from registry.models import OutboxEvent

pytestmark = pytest.mark.django_db(transaction=True)

Status = OutboxEvent.Status


def new_asset(symbol: str):
    return asset_services.asset_create(symbol=symbol, name=f"{symbol} token", asset_type="ERC20")


def last_id() -> int:
    return OutboxEvent.objects.aggregate(last=Max("id"))["last"] or 0


def sequence_value() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT last_value FROM {OUTBOX_SEQUENCE}")
        return cursor.fetchone()[0]


def restore(backup_id: int, backup_sequence: int, unpublished: dict, *, new_database: bool):
    """What restoring a backup taken when ``backup_id`` was the last row does to the
    outbox: later rows gone, ``unpublished`` rows (id: sequence) as they were at it,
    the sequence back."""
    OutboxEvent.objects.filter(id__gt=backup_id).delete()
    for pk, sequence in unpublished.items():
        OutboxEvent.objects.filter(pk=pk).update(
            status=Status.PENDING, published_at=None, stream_sequence=None, sequence=sequence
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(%s, %s, true)", [OUTBOX_SEQUENCE, backup_sequence])
        if new_database:  # the comment pg_dump copied names the dumped database
            cursor.execute(
                f"COMMENT ON SEQUENCE {OUTBOX_SEQUENCE} IS "
                "'cqar outbox compared with the stream in database 1.2'"
            )


def stream_events(own_stream, since: int) -> list[tuple[int, str]]:
    """(Cqc-Sequence, event id) of every message after stream sequence ``since``."""
    events = []
    for position in range(since + 1, own_stream.state().last_seq + 1):
        headers = own_stream.get(position).headers
        events.append((int(headers["Cqc-Sequence"]), headers["Nats-Msg-Id"]))
    return events


@pytest.mark.parametrize("new_database", [True, False], ids=["fresh-database", "same-oids"])
def test_a_restored_outbox_continues_above_the_stream_without_resending_or_skipping(
    own_stream, steward, new_database
):
    start = own_stream.state().last_seq
    new_asset("PUB1")
    new_asset("PUB2")
    assert publish_pending().published == 2
    new_asset("UNPUB")  # numbered, not yet published, at the backup
    sequence_pending()
    new_asset("UNNUM")  # not even numbered at the backup
    backup_id, backup_sequence = last_id(), sequence_value()
    numbered_at_backup, unnumbered_at_backup = OutboxEvent.objects.order_by("-id")[:2][::-1]
    # After the backup: the old workers publish the unpublished events and two lost writes.
    new_asset("LOST1")
    new_asset("LOST2")
    assert publish_pending().published == 4
    high_water = OutboxEvent.objects.aggregate(last=Max("sequence"))["last"]
    assert high_water == backup_sequence + 3

    at_backup = {numbered_at_backup.pk: backup_sequence, unnumbered_at_backup.pk: None}
    restore(backup_id, backup_sequence, at_backup, new_database=new_database)
    after_restore = last_id()
    new_asset("NEW1")
    new_asset("NEW2")
    fed = steward.get("/api/v1/events/", {"after": backup_sequence}).json()["results"]
    if new_database:
        assert fed == [], "a restored database numbers nothing before comparing with the stream"
    else:  # the oids are the same: nothing tells the feed (the publisher still catches it)
        assert [event["sequence"] for event in fed] == [
            backup_sequence + 1,
            backup_sequence + 2,
            backup_sequence + 3,
        ], "numbers the stream holds for the lost writes' events"
    renumbered_before = OUTBOX_RENUMBERED._value.get()

    report = publish_pending()

    assert report.blocked_by == ""
    assert report.published == 2, "only the new events are sent"
    for row, number in (
        (numbered_at_backup, backup_sequence),
        (unnumbered_at_backup, backup_sequence + 1),
    ):
        row.refresh_from_db()
        assert row.status == Status.PUBLISHED
        assert row.sequence == number, "the number it went out with"
    new_rows = list(OutboxEvent.objects.filter(id__gt=after_restore).order_by("id"))
    assert [row.sequence for row in new_rows] == [high_water + 1, high_water + 2]
    assert {row.status for row in new_rows} == {Status.PUBLISHED}
    on_stream = stream_events(own_stream, start)
    numbers = [number for number, _ in on_stream]
    assert numbers == sorted(set(numbers)), "each number once, in order"
    event_ids = [event_id for _, event_id in on_stream]
    assert len(event_ids) == len(set(event_ids)) == 8, "every event once"
    assert on_stream[-2:] == [(row.sequence, str(row.event_id)) for row in new_rows]
    assert OUTBOX_RENUMBERED._value.get() - renumbered_before == (0 if new_database else 2)
    fed = steward.get("/api/v1/events/", {"after": high_water}).json()["results"]
    assert [event["event_id"] for event in fed] == [str(row.event_id) for row in new_rows]

    new_asset("LATER")
    assert publish_pending().published == 1
    assert OutboxEvent.objects.get(id=last_id()).sequence == high_water + 3
    assert OUTBOX_RENUMBERED._value.get() - renumbered_before == (0 if new_database else 2)


def test_a_database_whose_identity_is_unknown_numbers_its_events(own_stream):
    """No comment on the sequence (a new database, or one older than the check): the
    sequencer records this database and numbers as before."""
    with connection.cursor() as cursor:
        cursor.execute(f"COMMENT ON SEQUENCE {OUTBOX_SEQUENCE} IS NULL")
    new_asset("FRESH")

    assert sequence_pending() == 1
    assert publish_pending().published == 1
