"""A bulk import writes its events in bulk, and every one of them reaches the bus."""

import json
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from assets import services
from assets.models import Asset, AssetDeployment
from chains.services import chain_create
from registry.actors import acting_as
from registry.models import OutboxEvent
from tests.contracts.loader import contract_message

pytestmark = pytest.mark.django_db(transaction=True)

TOKENS = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "uniswap-1000.tokenlist.json").read_text()
)["tokens"]
BATCH = 250


def _import(tokens):
    """The way an importer batch writes: bulk services, one transaction per batch."""
    chains = {}
    for chain_id in sorted({token["chainId"] for token in tokens}):
        chains[chain_id] = chain_create(
            chain_id=f"evm-{chain_id}",
            name=f"Chain {chain_id}",
            chain_type="EVM",
            network_id=chain_id,
        )
    outbox_inserts = []
    for start in range(0, len(tokens), BATCH):
        batch = tokens[start : start + BATCH]
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            assets, asset_errors = services.asset_bulk_create(
                [Asset(symbol=t["symbol"], name=t["name"], asset_type="ERC20") for t in batch]
            )
            assert not asset_errors
            _, deployment_errors = services.deployment_bulk_create(
                [
                    AssetDeployment(
                        asset=asset,
                        chain=chains[t["chainId"]],
                        address=t["address"],
                        decimals=t["decimals"],
                    )
                    for asset, t in zip(assets, batch, strict=True)
                ]
            )
        assert not asset_errors and not deployment_errors
        outbox_inserts.append(
            sum('INSERT INTO "registry_outboxevent"' in q["sql"] for q in queries.captured_queries)
        )
    return outbox_inserts


def test_bulk_import_of_1000_tokens_records_and_publishes_the_matching_events(start_worker, stream):
    with acting_as("service:importer", source="import:uniswap-default@22.21.0"):
        outbox_inserts = _import(TOKENS)

    # The events go in by COPY, a statement per batch, never an INSERT per token.
    assert outbox_inserts == [0] * (len(TOKENS) // BATCH)
    created = OutboxEvent.objects.filter(event_type="asset_created")
    deployed = OutboxEvent.objects.filter(event_type="asset_deployment_created")
    assert created.count() == 1000
    assert deployed.count() == 1000
    assert set(created.values_list("entity_id", flat=True)) == {
        str(pk) for pk in Asset.objects.values_list("pk", flat=True)
    }
    assert set(deployed.values_list("entity_id", flat=True)) == {
        str(pk) for pk in AssetDeployment.objects.values_list("pk", flat=True)
    }
    assert set(created.values_list("actor_id", flat=True)) == {"service:importer"}

    start_worker()
    events = list(created) + list(deployed)
    messages = stream.read([e.event_id for e in events], timeout=90)

    assert len(messages) == 2000
    assert len({m.headers["Nats-Msg-Id"] for m in messages}) == 2000
    decode = contract_message("cqc.events.v1.AssetDeploymentCreated").FromString
    addresses = {
        decode(m.data).deployment.address.lower()
        for m in messages
        if m.subject == "cqc.events.v1.asset_deployment_created"
    }
    assert addresses == {t["address"].lower() for t in TOKENS}
    first = decode(next(m.data for m in messages if m.subject.endswith("deployment_created")))
    assert first.source == "import:uniswap-default@22.21.0"
