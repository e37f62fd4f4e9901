"""End-to-end delivery: services -> outbox -> RabbitMQ -> Celery worker -> JetStream."""

import uuid
from collections import defaultdict

import pytest
from django.db import transaction

from assets import services as asset_services
from registry.actors import acting_as
from registry.models import OutboxEvent
from tests.contracts.loader import contract_message
from tests.events.worker import wait_for
from tests.factories import ChainFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _create_asset(symbol: str, **fields):
    return asset_services.asset_create(
        symbol=symbol, name=f"{symbol} {uuid.uuid4().hex[:8]}", asset_type="ERC20", **fields
    )


def test_an_asset_created_through_the_api_reaches_a_consumer_that_decodes_it(
    start_worker, stream, steward
):
    start_worker()
    response = steward.post(
        "/api/v1/assets/",
        {"symbol": "EVT", "name": "Event Token", "asset_type": "ERC20", "category": "test"},
        format="json",
    )
    assert response.status_code == 201, response.content
    asset_id = response.json()["asset_id"]
    event = OutboxEvent.objects.get(event_type="asset_created", entity_id=asset_id)

    messages = stream.read([event.event_id])

    assert len(messages) == 1
    message = messages[0]
    assert message.subject == "cqc.events.v1.asset_created"
    assert message.headers["Content-Type"].startswith("application/protobuf")
    decoded = contract_message("cqc.events.v1.AssetCreated").FromString(message.data)
    assert decoded.event_id == str(event.event_id)
    assert decoded.actor_id == "user:steward"
    assert decoded.source == "api"
    assert decoded.asset.asset_id == asset_id
    assert decoded.asset.symbol == "EVT"
    assert decoded.asset.name == "Event Token"
    assert decoded.asset.asset_type == 2  # ERC20 in the contract's AssetType
    assert decoded.asset.category == "test"
    assert decoded.timestamp.seconds > 0
    wait_for(
        lambda: OutboxEvent.objects.filter(pk=event.pk, status="PUBLISHED").exists(),
        10,
        "the row to be marked published",
    )
    event.refresh_from_db()
    assert event.stream_sequence == message.metadata.sequence.stream


def test_an_event_of_our_own_reaches_a_consumer_on_its_own_subject(start_worker, stream):
    """asset_updated has no CQC counterpart: it goes on cqar.events.v1.*, a subject no
    contract event uses, in the same stream."""
    start_worker()
    asset = _create_asset("OWN")
    asset_services.asset_update(asset=asset, changes={"description": "Ours"})
    created = OutboxEvent.objects.get(event_type="asset_created", entity_id=str(asset.pk))
    updated = OutboxEvent.objects.get(event_type="asset_updated", entity_id=str(asset.pk))

    messages = {
        m.headers["Nats-Msg-Id"]: m for m in stream.read([created.event_id, updated.event_id])
    }

    assert messages[str(created.event_id)].subject == "cqc.events.v1.asset_created"
    own = messages[str(updated.event_id)]
    assert own.subject == "cqar.events.v1.asset_updated"
    assert own.headers["Cqc-Message-Type"] == "cqar.events.v1.AssetEvent"


def test_a_transaction_that_raises_after_the_write_publishes_nothing(start_worker, stream):
    start_worker()
    with pytest.raises(RuntimeError), transaction.atomic():
        _create_asset("GONE")
        raise RuntimeError("after the write")
    assert not OutboxEvent.objects.exists()
    sentinel = _create_asset("KEPT")
    sentinel_event = OutboxEvent.objects.get(entity_id=str(sentinel.pk))

    stream.read([sentinel_event.event_id])

    decode = contract_message("cqc.events.v1.AssetCreated").FromString
    symbols = [
        decode(m.data).asset.symbol
        for m in stream.messages
        if m.subject == "cqc.events.v1.asset_created"
    ]
    assert "KEPT" in symbols
    assert "GONE" not in symbols


def _assert_exactly_once_in_commit_order(messages, events):
    ids = [m.headers["Nats-Msg-Id"] for m in messages]
    assert len(ids) == len(set(ids)), "an event was delivered twice"
    assert set(ids) == {str(e.event_id) for e in events}, "an event was lost"
    sequence_of = {str(e.event_id): e.sequence for e in events}
    entity_of = {str(e.event_id): e.entity_id for e in events}
    per_entity = defaultdict(list)
    for event_id in ids:
        per_entity[entity_of[event_id]].append(sequence_of[event_id])
    for entity, sequences in per_entity.items():
        assert sequences == sorted(sequences), f"events of {entity} out of commit order"


def test_with_nats_unreachable_writes_succeed_and_every_event_arrives_once_when_it_returns(
    start_worker, stream, nats_gate
):
    # The worker's NATS is behind a gate that is shut: connections are refused.
    start_worker(NATS_URL=nats_gate.url)
    with acting_as("service:outage-test"):
        assets = [_create_asset(f"OUT{index}") for index in range(50)]
        for round_ in range(3):  # 50 creations + 150 updates = 200 writes
            for asset in assets:
                asset_services.asset_update(
                    asset=asset, changes={"description": f"revision {round_}"}
                )
    events = list(OutboxEvent.objects.order_by("sequence", "id"))
    assert len(events) == 200
    wait_for(
        lambda: OutboxEvent.objects.filter(attempts__gt=0).exists(),
        20,
        "the worker to try and fail",
    )
    assert not OutboxEvent.objects.filter(status="PUBLISHED").exists()
    head = OutboxEvent.objects.filter(attempts__gt=0).get()  # only the head of the line
    assert head.last_error

    nats_gate.open()
    messages = stream.read([e.event_id for e in events], timeout=90)

    events = list(OutboxEvent.objects.order_by("sequence"))
    _assert_exactly_once_in_commit_order(messages, events)
    wait_for(
        lambda: OutboxEvent.objects.filter(status="PUBLISHED").count() == 200,
        20,
        "every row to be marked published",
    )


def test_a_worker_killed_while_publishing_loses_nothing_and_duplicates_nothing(
    start_worker, stream
):
    chain = ChainFactory()
    with acting_as("service:kill-test"):
        for batch in range(10):
            with transaction.atomic():
                for index in range(100):
                    asset = _create_asset(f"K{batch}X{index}")
                    asset_services.deployment_create(
                        asset=asset,
                        chain=chain,
                        address="0x" + uuid.uuid4().hex + uuid.uuid4().hex[:8],
                        decimals=18,
                    )
    total = OutboxEvent.objects.count()
    assert total == 2000

    # Small batches, so a kill lands between a batch's acks and its commit.
    first = start_worker(EVENTS_PUBLISH_BATCH="20")
    wait_for(
        lambda: OutboxEvent.objects.filter(status="PUBLISHED").count() >= 200,
        60,
        "publishing to get under way",
        interval=0.01,
    )
    first.kill()
    published_at_kill = OutboxEvent.objects.filter(status="PUBLISHED").count()
    assert published_at_kill < total, "the worker finished before it could be killed"

    start_worker(EVENTS_PUBLISH_BATCH="20")
    events = list(OutboxEvent.objects.order_by("sequence"))
    messages = stream.read([e.event_id for e in events], timeout=120, settle=2)

    _assert_exactly_once_in_commit_order(messages, events)
    wait_for(
        lambda: OutboxEvent.objects.filter(status="PUBLISHED").count() == total,
        30,
        "every row to be marked published",
    )
