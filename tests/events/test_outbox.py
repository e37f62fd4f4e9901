"""The outbox in-process: which writes record which events, who made them, commit order,
and publishing (backing off, rejecting, deduplicating) against the real NATS."""

import os
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assets import services as asset_services
from assets.models import AssetRelationship
from chains import services as chain_services
from markets import services as market_services
from quality import services as quality_services
from registry.actors import acting_as
from registry.events import jetstream
from registry.events.outbox import (
    _enqueue_publish,
    outbox_status,
    publish_pending,
    record,
    record_many,
    requeue_rejected,
    retry_delay,
    sequence_pending,
)
from registry.exceptions import ConflictError, DeploymentExistsError
from registry.models import OutboxEvent
from tests.factories import (
    AssetDeploymentFactory,
    AssetFactory,
    AssetGroupFactory,
    ChainFactory,
    VenueAssetFactory,
    VenueFactory,
    evm_address,
)
from tests.redis_server import free_port
from venues import services as venue_services

pytestmark = pytest.mark.django_db(transaction=True)

UNREACHABLE = "nats://127.0.0.1:1"
Status = OutboxEvent.Status


def writes(action):
    """Run one service write as service:test; its result and the events it recorded."""
    last = OutboxEvent.objects.aggregate(last=Max("id"))["last"] or 0
    with acting_as("service:test"):
        result = action()
    return result, list(OutboxEvent.objects.filter(id__gt=last).order_by("id"))


def assert_recorded(events, event_type, entity_id, asset_ids=(), changed=None) -> OutboxEvent:
    """Exactly one event of this type, about this entity and these assets, by service:test."""
    assert [event.event_type for event in events] == [event_type]
    (event,) = events
    assert event.entity_id == str(entity_id)
    assert sorted(map(str, event.asset_ids)) == sorted(map(str, asset_ids))
    assert event.actor_id == "service:test"
    assert event.payload["actor_id"] == "service:test"
    assert event.payload["event_id"] == str(event.event_id)
    if "changed_fields" in event.payload:
        assert event.payload["changed_fields"] == sorted(changed or [])
    else:
        assert changed is None, f"{event_type} has no changed_fields"
    return event


def new_asset(symbol: str, **fields):
    return asset_services.asset_create(
        symbol=symbol, name=f"{symbol} token", asset_type="ERC20", **fields
    )


# --- which writes record which events ------------------------------------------------


def test_asset_writes_record_created_updated_deleted_restored():
    asset, events = writes(lambda: new_asset("MTX"))
    assert_recorded(events, "asset_created", asset.pk, [asset.pk])
    assert events[0].payload["asset"]["symbol"] == "MTX"

    changed, events = writes(
        lambda: asset_services.asset_update(
            asset=asset, changes={"name": asset.name, "description": "A matrix token"}
        )
    )
    assert changed == ["description"]
    event = assert_recorded(events, "asset_updated", asset.pk, [asset.pk], ["description"])
    assert int(event.payload["entity_version"]) == asset.version == 2

    changed, events = writes(
        lambda: asset_services.asset_update(asset=asset, changes={"description": "A matrix token"})
    )
    assert changed == []
    assert events == []

    _, events = writes(lambda: asset_services.asset_soft_delete(asset=asset))
    assert_recorded(events, "asset_deleted", asset.pk, [asset.pk])

    _, events = writes(lambda: asset_services.asset_restore(asset=asset))
    assert_recorded(events, "asset_restored", asset.pk, [asset.pk])

    _, events = writes(lambda: asset_services.asset_restore(asset=asset))
    assert events == [], "restoring a live asset changes nothing"


def test_identifier_writes_record_their_events():
    asset = AssetFactory()
    identifier, events = writes(
        lambda: asset_services.asset_identifier_create(
            asset=asset, source="COINGECKO", external_id="matrix"
        )
    )
    assert_recorded(events, "asset_identifier_created", identifier.pk, [asset.pk])

    _, events = writes(
        lambda: asset_services.asset_identifier_update(
            identifier=identifier, changes={"is_primary": True}
        )
    )
    assert_recorded(events, "asset_identifier_updated", identifier.pk, [asset.pk], ["is_primary"])

    _, events = writes(
        lambda: asset_services.asset_identifier_update(
            identifier=identifier, changes={"is_primary": True}
        )
    )
    assert events == []

    identifier_id = identifier.pk
    _, events = writes(lambda: asset_services.asset_identifier_delete(identifier=identifier))
    assert_recorded(events, "asset_identifier_deleted", identifier_id, [asset.pk])


def test_deployment_writes_record_their_events():
    asset, chain = AssetFactory(), ChainFactory()
    deployment, events = writes(
        lambda: asset_services.deployment_create(
            asset=asset, chain=chain, address=evm_address(0xD1), decimals=18
        )
    )
    event = assert_recorded(events, "asset_deployment_created", deployment.pk, [asset.pk])
    assert event.payload["deployment"]["chain_id"] == chain.chain_id

    _, events = writes(
        lambda: asset_services.deployment_update(
            deployment=deployment, changes={"decimals": 6, "address": deployment.address}
        )
    )
    assert_recorded(events, "asset_deployment_updated", deployment.pk, [asset.pk], ["decimals"])

    deployment_id = deployment.pk
    _, events = writes(lambda: asset_services.deployment_delete(deployment=deployment))
    assert_recorded(events, "asset_deployment_deleted", deployment_id, [asset.pk])


def test_relationship_writes_record_their_events_for_both_assets():
    parent, child = AssetFactory(symbol="ETH"), AssetFactory(symbol="WETH")
    relationship, events = writes(
        lambda: asset_services.relationship_create(
            parent_asset=parent,
            child_asset=child,
            relationship_type="WRAPS",
            conversion_rate=Decimal("1"),
        )
    )
    assert_recorded(events, "relationship_established", relationship.pk, [parent.pk, child.pk])

    _, events = writes(
        lambda: asset_services.relationship_update(
            relationship=relationship, changes={"protocol": "weth9", "description": "Wrapped"}
        )
    )
    assert_recorded(
        events,
        "relationship_updated",
        relationship.pk,
        [parent.pk, child.pk],
        ["description", "protocol"],
    )

    relationship_id = relationship.pk
    _, events = writes(lambda: asset_services.relationship_delete(relationship=relationship))
    assert_recorded(events, "relationship_removed", relationship_id, [parent.pk, child.pk])


def test_group_writes_record_their_events():
    group, events = writes(
        lambda: asset_services.group_create(group_id="usd-stables", canonical_symbol="USD")
    )
    assert_recorded(events, "asset_group_created", "usd-stables")

    _, events = writes(
        lambda: asset_services.group_update(group=group, changes={"issuer": "Various"})
    )
    assert_recorded(events, "asset_group_updated", "usd-stables", [], ["issuer"])

    _, events = writes(lambda: asset_services.group_delete(group=group))
    assert_recorded(events, "asset_group_deleted", "usd-stables")


def test_deleting_a_group_records_the_removal_of_its_members_too():
    """The members go by the database's cascade, which no service call would announce."""
    group, asset = AssetGroupFactory(), AssetFactory()
    member = asset_services.group_member_add(group=group, asset=asset)

    _, events = writes(lambda: asset_services.group_delete(group=group))

    assert [e.event_type for e in events] == ["group_member_removed", "asset_group_deleted"]
    assert events[0].entity_id == str(member.pk)
    assert events[0].asset_ids == [asset.pk]


def test_group_member_writes_record_their_events():
    group, asset = AssetGroupFactory(), AssetFactory()
    member, events = writes(lambda: asset_services.group_member_add(group=group, asset=asset))
    assert_recorded(events, "group_member_added", member.pk, [asset.pk])

    _, events = writes(
        lambda: asset_services.group_member_update(
            member=member, changes={"weight": Decimal("2"), "is_canonical": False}
        )
    )
    assert_recorded(events, "group_member_updated", member.pk, [asset.pk], ["weight"])

    member_id = member.pk
    _, events = writes(lambda: asset_services.group_member_remove(group=group, asset=asset))
    assert_recorded(events, "group_member_removed", member_id, [asset.pk])


def test_flag_writes_record_raised_and_resolved():
    asset = AssetFactory()
    flag, events = writes(
        lambda: quality_services.flag_raise(
            asset=asset, flag_type="SCAM", severity=5, reason="Drained", actor="service:test"
        )
    )
    assert_recorded(events, "quality_flag_raised", flag.pk, [asset.pk])

    _, events = writes(
        lambda: quality_services.flag_resolve(
            flag=flag, actor="service:second-auditor", notes="False alarm"
        )
    )
    assert_recorded(
        events,
        "quality_flag_resolved",
        flag.pk,
        [asset.pk],
        ["resolution_notes", "resolved_at", "resolved_by"],
    )


def test_chain_writes_record_their_events_for_the_native_asset():
    native = AssetFactory(symbol="MTC", asset_type="NATIVE")
    chain, events = writes(
        lambda: chain_services.chain_create(
            chain_id="matrix",
            name="Matrix",
            chain_type="EVM",
            network_id=777_001,
            native_asset=native,
        )
    )
    assert_recorded(events, "chain_registered", "matrix", [native.pk])

    _, events = writes(
        lambda: chain_services.chain_update(
            chain=chain, changes={"explorer_url": "https://scan.matrix.example", "name": "Matrix"}
        )
    )
    assert_recorded(events, "chain_updated", "matrix", [native.pk], ["explorer_url"])

    _, events = writes(lambda: chain_services.chain_update(chain=chain, changes={"name": "Matrix"}))
    assert events == []

    _, events = writes(lambda: chain_services.chain_delete(chain=chain))
    assert_recorded(events, "chain_deleted", "matrix", [native.pk])


def test_venue_writes_record_their_events():
    venue, events = writes(
        lambda: venue_services.venue_create(venue_id="matrix-x", name="Matrix X", venue_type="CEX")
    )
    assert_recorded(events, "venue_created", "matrix-x")

    _, events = writes(
        lambda: venue_services.venue_update(venue=venue, changes={"is_active": False})
    )
    assert_recorded(events, "venue_updated", "matrix-x", [], ["is_active"])

    _, events = writes(lambda: venue_services.venue_delete(venue=venue))
    assert_recorded(events, "venue_deleted", "matrix-x")


def test_venue_asset_writes_record_their_events():
    venue, asset = VenueFactory(), AssetFactory()
    venue_asset, events = writes(
        lambda: venue_services.venue_asset_create(
            venue=venue, asset=asset, venue_asset_symbol="XMTX"
        )
    )
    assert_recorded(events, "venue_asset_listed", venue_asset.pk, [asset.pk])

    _, events = writes(
        lambda: venue_services.venue_asset_update(
            venue_asset=venue_asset, changes={"trading_enabled": False}
        )
    )
    assert_recorded(events, "venue_asset_updated", venue_asset.pk, [asset.pk], ["trading_enabled"])

    venue_asset_id = venue_asset.pk
    _, events = writes(lambda: venue_services.venue_asset_delete(venue_asset=venue_asset))
    assert_recorded(events, "venue_asset_removed", venue_asset_id, [asset.pk])


def of_type(events, *names):
    return [event for event in events if event.event_type in names]


def test_venue_symbol_writes_record_their_events_for_base_and_quote():
    """A venue ticker is a market: its writes record the market's events and, for the
    consumers of venue tickers, the venue-ticker events they always did."""
    venue, base, quote = VenueFactory(), AssetFactory(symbol="MTX"), AssetFactory(symbol="USDT")
    venue_symbol, events = writes(
        lambda: market_services.venue_symbol_create(
            venue=venue, symbol="MTXUSDT", asset=base, quote_asset=quote
        )
    )
    instrument = venue_symbol.instrument
    assert [event.event_type for event in events] == [
        "instrument_created",
        "instrument_registered",
        "market_created",
        "venue_market_listed",
        "venue_symbol_mapped",
    ]
    assert_recorded(
        of_type(events, "instrument_created"),
        "instrument_created",
        instrument.pk,
        [base.pk, quote.pk],
    )
    assert_recorded(
        of_type(events, "venue_symbol_mapped"),
        "venue_symbol_mapped",
        venue_symbol.pk,
        [base.pk, quote.pk],
    )

    _, events = writes(
        lambda: market_services.venue_symbol_update(
            venue_symbol=venue_symbol, changes={"metadata": {"tick_size": "0.01"}}
        )
    )
    assert [event.event_type for event in events] == ["market_updated", "venue_symbol_updated"]
    assert_recorded(
        of_type(events, "venue_symbol_updated"),
        "venue_symbol_updated",
        venue_symbol.pk,
        [base.pk, quote.pk],
        ["metadata"],
    )

    _, events = writes(lambda: market_services.venue_symbol_delist(venue_symbol=venue_symbol))
    assert [event.event_type for event in events] == [
        "venue_market_delisted",
        "venue_symbol_delisted",
    ]
    assert_recorded(
        of_type(events, "venue_symbol_delisted"),
        "venue_symbol_delisted",
        venue_symbol.pk,
        [base.pk, quote.pk],
        ["delisted_at", "is_active"],
    )


# --- failed writes -------------------------------------------------------------------


def test_a_conflicting_deployment_records_no_event():
    existing = AssetDeploymentFactory()
    other = AssetFactory()

    with pytest.raises(DeploymentExistsError), acting_as("service:test"):
        asset_services.deployment_create(
            asset=other, chain=existing.chain, address=existing.address, decimals=18
        )

    assert not OutboxEvent.objects.exists()


def test_a_conflict_caught_inside_the_callers_transaction_leaves_only_the_writes_that_succeeded():
    existing = AssetDeploymentFactory()
    with transaction.atomic():
        with pytest.raises(DeploymentExistsError):
            asset_services.deployment_create(
                asset=AssetFactory(), chain=existing.chain, address=existing.address, decimals=18
            )
        kept = new_asset("KEPT")

    assert list(OutboxEvent.objects.values_list("event_type", "entity_id")) == [
        ("asset_created", str(kept.pk))
    ]


@pytest.mark.parametrize(
    ("make_referenced", "delete", "event_type"),
    [
        (
            lambda: AssetDeploymentFactory().chain,
            lambda chain: chain_services.chain_delete(chain=chain),
            "chain_deleted",
        ),
        (
            lambda: VenueAssetFactory().venue,
            lambda venue: venue_services.venue_delete(venue=venue),
            "venue_deleted",
        ),
    ],
    ids=["chain-with-deployments", "venue-with-codes"],
)
def test_a_refused_delete_caught_by_the_caller_commits_no_deleted_event(
    make_referenced, delete, event_type
):
    referenced = make_referenced()
    with transaction.atomic():
        with pytest.raises(ConflictError):
            delete(referenced)
        kept = new_asset("KEPT")  # the caller's transaction goes on and commits

    assert not OutboxEvent.objects.filter(event_type=event_type).exists()
    assert list(OutboxEvent.objects.values_list("event_type", "entity_id")) == [
        ("asset_created", str(kept.pk))
    ]
    assert type(referenced).objects.filter(pk=referenced.pk).exists()


def test_record_outside_a_transaction_is_refused():
    asset = AssetFactory()
    with pytest.raises(RuntimeError, match="inside the write's transaction"):
        record("asset_created", asset)
    assert not OutboxEvent.objects.exists()


def test_record_of_an_unregistered_event_type_is_refused():
    asset = AssetFactory()
    with pytest.raises(LookupError), transaction.atomic():
        record("asset_teleported", asset)
    assert not OutboxEvent.objects.exists()


# --- actor and source ----------------------------------------------------------------


def _created_event(asset_id) -> OutboxEvent:
    return OutboxEvent.objects.get(event_type="asset_created", entity_id=str(asset_id))


@pytest.mark.parametrize(
    ("client_fixture", "actor"),
    [("steward", "user:steward"), ("service", "service:market-data")],
)
def test_a_write_through_the_api_is_attributed_to_the_token_owner(request, client_fixture, actor):
    client = request.getfixturevalue(client_fixture)
    response = client.post(
        "/api/v1/assets/",
        {"symbol": "API", "name": "Api Token", "asset_type": "ERC20"},
        format="json",
    )
    assert response.status_code == 201, response.content

    event = _created_event(response.json()["asset_id"])
    assert event.actor_id == actor
    assert event.payload["actor_id"] == actor
    assert event.payload["source"] == "api"


def test_acting_as_names_the_actor_and_source():
    with acting_as("service:importer", source="import:x"):
        asset = new_asset("IMP")
    event = _created_event(asset.pk)
    assert event.actor_id == "service:importer"
    assert event.payload["actor_id"] == "service:importer"
    assert event.payload["source"] == "import:x"


def test_a_nested_acting_as_without_a_source_keeps_the_outer_source():
    with acting_as("service:importer", source="import:x"), acting_as("user:alice"):
        asset = new_asset("NEST")
    event = _created_event(asset.pk)
    assert event.actor_id == "user:alice"
    assert event.payload["source"] == "import:x"


def test_without_a_change_context_the_default_actor_writes_from_the_cli(settings):
    settings.CQAR_DEFAULT_ACTOR = "service:nightly"
    asset = new_asset("CLI")
    event = _created_event(asset.pk)
    assert event.actor_id == "service:nightly"
    assert event.payload["actor_id"] == "service:nightly"
    assert event.payload["source"] == "cli"


# --- commit order --------------------------------------------------------------------


def test_sequence_follows_commit_order_and_never_numbers_below_what_was_read():
    recorded, may_commit = threading.Event(), threading.Event()
    slow: dict = {}

    def slow_writer():
        try:
            with transaction.atomic():
                slow["asset"] = new_asset("SLOW")
                recorded.set()
                assert may_commit.wait(60), "the main thread never let the writer commit"
        except BaseException as error:  # reported by the main thread
            slow["error"] = error
        finally:
            recorded.set()
            connection.close()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    try:
        assert recorded.wait(60)
        assert "error" not in slow, slow.get("error")
        fast = new_asset("FAST")  # commits while the slow writer's transaction is open

        assert sequence_pending() == 1
        fast_event = _created_event(fast.pk)
        assert fast_event.sequence is not None
        assert not OutboxEvent.objects.filter(entity_id=str(slow["asset"].pk)).exists()
    finally:
        may_commit.set()
        thread.join(60)
    assert "error" not in slow, slow.get("error")

    slow_event = _created_event(slow["asset"].pk)
    assert slow_event.id < fast_event.id, "the slow writer inserted first"
    assert slow_event.sequence is None, "the sequencer numbered a row it could not see"

    assert sequence_pending() == 1
    slow_event.refresh_from_db()
    assert slow_event.sequence > fast_event.sequence
    below_or_at_read = OutboxEvent.objects.filter(sequence__lte=fast_event.sequence)
    assert list(below_or_at_read.values_list("pk", flat=True)) == [fast_event.pk]


def test_a_removal_waits_for_a_concurrent_update_and_is_recorded_after_it():
    """The delete locks the row before recording, so its event follows the update's
    (in id, hence sequence, order) and shows the updated state."""
    parent, child = new_asset("PAR"), new_asset("CHI")
    with acting_as("service:test"):
        relationship = asset_services.relationship_create(
            parent_asset=parent, child_asset=child, relationship_type="WRAPS"
        )
    updated, may_commit, done = threading.Event(), threading.Event(), threading.Event()
    outcome: dict = {}

    def updater():
        try:
            with transaction.atomic():
                mine = AssetRelationship.objects.get(pk=relationship.pk)
                asset_services.relationship_update(
                    relationship=mine, changes={"description": "after the update"}
                )
                updated.set()
                assert may_commit.wait(60)
        except BaseException as error:
            outcome["error"] = error
        finally:
            updated.set()
            connection.close()

    def deleter():
        try:
            stale = AssetRelationship.objects.get(pk=relationship.pk)  # read before the update
            assert updated.wait(60)
            asset_services.relationship_delete(relationship=stale)
        except BaseException as error:
            outcome["delete_error"] = error
        finally:
            done.set()
            connection.close()

    threads = [threading.Thread(target=updater), threading.Thread(target=deleter)]
    for thread in threads:
        thread.start()
    try:
        assert updated.wait(60)
        assert not done.wait(1), "the delete did not wait for the open update"
    finally:
        may_commit.set()
        for thread in threads:
            thread.join(60)
    assert not outcome, outcome

    update_event, removal_event = OutboxEvent.objects.filter(
        entity_id=str(relationship.pk),
        event_type__in=["relationship_updated", "relationship_removed"],
    ).order_by("id")
    assert (update_event.event_type, removal_event.event_type) == (
        "relationship_updated",
        "relationship_removed",
    )
    assert removal_event.payload["relationship"]["description"] == "after the update"


# --- publishing ----------------------------------------------------------------------


def _three_events() -> None:
    first = new_asset("ONE")
    asset_services.asset_update(asset=first, changes={"description": "first"})
    new_asset("TWO")


def test_with_nats_unreachable_only_the_head_is_tried_and_backed_off(settings):
    settings.NATS_URL = UNREACHABLE
    _three_events()

    before = timezone.now()
    report = publish_pending()
    after = timezone.now()

    assert report.blocked_by
    assert report.published == 0
    head, *behind = OutboxEvent.objects.order_by("sequence")
    assert head.attempts == 1
    assert head.status == Status.PENDING
    assert head.last_error
    assert before + timedelta(seconds=1) <= head.next_attempt_at <= after + timedelta(seconds=1)
    assert [(row.attempts, row.last_error) for row in behind] == [(0, ""), (0, "")]
    assert not OutboxEvent.objects.filter(status=Status.PUBLISHED).exists()


def test_with_several_servers_in_nats_url_a_dead_one_is_passed_over(settings, own_stream):
    """NATS_URL names a cluster's servers, comma-separated; one of them is down (a free
    port): the publisher connects to another and everything is published."""
    dead, live = f"nats://127.0.0.1:{free_port()}", os.environ["NATS_URL"]
    settings.NATS_URL = f"{dead}, {live}"
    assert jetstream.nats_servers() == [dead, live]
    _three_events()

    report = publish_pending()

    assert report.published == 3
    assert report.blocked_by == ""
    rows = OutboxEvent.objects.order_by("sequence")
    assert [own_stream.get(row.stream_sequence).headers["Nats-Msg-Id"] for row in rows] == [
        str(row.event_id) for row in rows
    ]


def test_a_backed_off_head_is_not_retried_before_it_is_due_and_fails_after_the_limit(settings):
    settings.NATS_URL = UNREACHABLE
    settings.EVENTS_FAILED_AFTER_ATTEMPTS = 2
    _three_events()
    publish_pending()
    head = OutboxEvent.objects.order_by("sequence").first()
    # Well in the future, so the test does not depend on the next call coming within 1 s.
    OutboxEvent.objects.filter(pk=head.pk).update(
        next_attempt_at=timezone.now() + timedelta(hours=1)
    )

    report = publish_pending()

    assert "waits to be retried" in report.blocked_by
    head.refresh_from_db()
    assert head.attempts == 1
    assert not OutboxEvent.objects.filter(attempts__gt=0).exclude(pk=head.pk).exists()

    OutboxEvent.objects.filter(pk=head.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    before = timezone.now()
    report = publish_pending()

    assert report.blocked_by
    head.refresh_from_db()
    assert head.attempts == 2
    assert head.status == Status.FAILED
    assert head.next_attempt_at >= before + timedelta(seconds=2)
    status = outbox_status()
    assert status["head"]["event_id"] == str(head.event_id), "a failed head stays in line"
    assert status["counts"] == {"PENDING": 2, "PUBLISHED": 0, "FAILED": 1, "REJECTED": 0}


def test_retry_delay_doubles_from_one_second_up_to_the_cap(settings):
    settings.EVENTS_RETRY_MAX_SECONDS = 10
    delays = [retry_delay(attempts).total_seconds() for attempts in range(1, 8)]
    assert delays == [1, 2, 4, 8, 10, 10, 10]
    assert retry_delay(500) == timedelta(seconds=10)


def test_a_failed_head_goes_out_first_once_the_bus_is_back(settings, own_stream):
    settings.NATS_URL = UNREACHABLE
    settings.EVENTS_FAILED_AFTER_ATTEMPTS = 1
    _three_events()
    publish_pending()
    assert OutboxEvent.objects.filter(status=Status.FAILED).count() == 1

    settings.NATS_URL = os.environ["NATS_URL"]
    OutboxEvent.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    report = publish_pending()

    assert report.published == 3
    assert report.blocked_by == ""
    rows = list(OutboxEvent.objects.order_by("sequence"))
    assert {row.status for row in rows} == {Status.PUBLISHED}
    assert [row.stream_sequence for row in rows] == sorted(row.stream_sequence for row in rows)
    assert rows[0].last_error == ""


def test_publish_pending_publishes_everything_in_sequence_order(own_stream):
    asset = new_asset("ORD")
    for revision in range(3):
        asset_services.asset_update(asset=asset, changes={"description": f"rev {revision}"})
    new_asset("ORD2")
    start = own_stream.state().last_seq

    report = publish_pending()

    rows = list(OutboxEvent.objects.order_by("sequence"))
    assert report.published == len(rows) == 5
    assert report.blocked_by == ""
    assert all(row.status == Status.PUBLISHED and row.published_at for row in rows)
    assert [row.attempts for row in rows] == [1] * 5
    assert [row.stream_sequence for row in rows] == list(range(start + 1, start + 6))
    for row in rows:
        message = own_stream.get(row.stream_sequence)
        assert message.headers["Nats-Msg-Id"] == str(row.event_id)
        family = {
            "asset_created": settings.EVENTS_SUBJECT_PREFIX,
            "asset_updated": settings.EVENTS_CQAR_SUBJECT_PREFIX,
        }[row.event_type]
        assert message.subject == f"{family}.{row.event_type}"
    assert publish_pending().published == 0, "nothing is published twice"


def test_publishing_the_same_row_again_is_acked_but_not_stored_twice(own_stream):
    new_asset("DUP")
    publish_pending()
    row = OutboxEvent.objects.get()
    state = own_stream.state()

    results = jetstream.publisher().publish([row])

    assert results == [row.stream_sequence]
    after = own_stream.state()
    assert after.last_seq == state.last_seq
    assert after.messages == state.messages


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _padded(body: bytes, size: int) -> bytes:
    """``body`` with an unknown length-delimited field (number 999) appended so that it is
    exactly ``size`` bytes: still a valid message, which decoders skip the field of."""
    tag = _varint((999 << 3) | 2)
    length = size - len(body) - len(tag) - 1
    while len(body) + len(tag) + len(_varint(length)) + length != size:
        length = size - len(body) - len(tag) - len(_varint(length))
    return body + tag + _varint(length) + b"x" * length


def _big_asset(symbol: str, body_bytes: int):
    """An asset whose asset_created event is ``body_bytes`` long. The registry bounds
    metadata (32 KiB, docs/API.md), so no write makes such an event today; a recorded
    body is padded instead, as an older release's or a larger future entity's could be."""
    asset = new_asset(symbol)
    row = _created_event(asset.pk)
    OutboxEvent.objects.filter(pk=row.pk).update(body=_padded(bytes(row.body), body_bytes))
    return asset


def test_an_event_over_the_max_payload_is_rejected_and_does_not_block_the_line(own_stream):
    big = _big_asset("BIG", own_stream.max_payload * 3 // 2)
    small = new_asset("SMALL")

    report = publish_pending()

    assert report.rejected == 1
    assert report.published == 1
    assert report.blocked_by == ""
    big_event, small_event = _created_event(big.pk), _created_event(small.pk)
    assert big_event.status == Status.REJECTED
    assert "max payload" in big_event.last_error
    assert big_event.published_at is None
    assert small_event.status == Status.PUBLISHED
    assert outbox_status()["counts"]["REJECTED"] == 1

    assert requeue_rejected() == 1
    big_event.refresh_from_db()
    assert big_event.status == Status.PENDING
    assert big_event.next_attempt_at <= timezone.now()


def _asset_event_with_body_of(size: int) -> OutboxEvent:
    """An asset_created row whose encoded message is exactly ``size`` bytes."""
    row = _created_event(_big_asset("EDGE", size).pk)
    assert len(jetstream.encode(row)[0]) == size
    return row


def test_an_event_that_fits_only_without_its_headers_is_rejected_and_does_not_block(
    own_stream,
):
    """NATS counts the header block in the max payload: a body just under the limit
    plus the Nats-Msg-Id and Cqc-* headers is over it, and the server refuses it."""
    edge = _asset_event_with_body_of(own_stream.max_payload - 16)
    small = new_asset("SMALL")

    report = publish_pending()

    edge.refresh_from_db()
    assert edge.status == Status.REJECTED, (edge.status, edge.last_error, report)
    assert _created_event(small.pk).status == Status.PUBLISHED
    assert report.blocked_by == ""


def test_an_event_the_stream_refuses_for_its_size_is_rejected_and_does_not_block(own_stream):
    """A stream may hold smaller messages than the server carries (max_msg_size): the
    bus will never take such an event either."""
    own_stream.limit_message_size(4096)
    big = _big_asset("BIG", 8192)
    small = new_asset("SMALL")

    report = publish_pending()

    big_event, small_event = _created_event(big.pk), _created_event(small.pk)
    assert big_event.status == Status.REJECTED, (big_event.status, big_event.last_error, report)
    assert small_event.status == Status.PUBLISHED
    assert report.blocked_by == ""


def test_without_nats_url_publishing_is_skipped_but_rows_are_sequenced(settings):
    settings.NATS_URL = ""
    _three_events()
    assert OutboxEvent.objects.filter(sequence__isnull=True).count() == 3

    report = publish_pending()

    assert report.skipped_unconfigured
    assert report.published == 0
    rows = list(OutboxEvent.objects.all())
    assert len(rows) == 3
    assert all(row.status == Status.PENDING and row.attempts == 0 for row in rows)
    assert all(row.sequence is not None for row in rows)


# --- bulk ----------------------------------------------------------------------------


def test_record_many_writes_every_event_in_one_copy_not_a_statement_per_row():
    """The rows go in with COPY (which Django's query log does not see): no INSERT per
    event, and the statements the call makes do not grow with the number of events."""
    assets = [AssetFactory() for _ in range(25)]
    with transaction.atomic(), CaptureQueriesContext(connection) as few:
        record_many("asset_created", assets[:2])
    with transaction.atomic(), CaptureQueriesContext(connection) as many:
        rows = record_many("asset_created", assets[2:])

    assert len(many.captured_queries) == len(few.captured_queries)
    assert not any("INSERT" in query["sql"] for query in many.captured_queries)
    OutboxEvent.objects.filter(entity_id__in=[str(a.pk) for a in assets[:2]]).delete()
    assert len(rows) == 23
    assets = assets[2:]
    assert sorted(OutboxEvent.objects.values_list("entity_id", flat=True)) == sorted(
        str(asset.pk) for asset in assets
    )
    assert len({row.event_id for row in rows}) == 23


def test_a_transaction_schedules_one_publishing_task_however_many_events(
    django_capture_on_commit_callbacks,
):
    with transaction.atomic(), django_capture_on_commit_callbacks() as callbacks:
        new_asset("T1")
        new_asset("T2")
        record_many("asset_updated", [AssetFactory(), AssetFactory()])

    assert OutboxEvent.objects.count() == 4
    assert [callback for callback in callbacks if callback is _enqueue_publish] == [
        _enqueue_publish
    ]


def test_unsequenced_rows_are_numbered_in_id_order():
    _three_events()
    assert not OutboxEvent.objects.filter(sequence__isnull=False).exists()

    assert sequence_pending() == 3
    rows = list(OutboxEvent.objects.order_by("id"))
    assert [row.sequence for row in rows] == sorted(row.sequence for row in rows)
    assert sequence_pending() == 0
