"""What goes on the wire: the contract events decoded with the suite's own stand-in
contracts (never the production classes), the headers, the JSON encoding, and the
generated protobuf modules being those ``make proto`` makes from proto/."""

import json
import subprocess
import sys
from datetime import UTC
from decimal import Decimal
from pathlib import Path

import pytest
from google.protobuf import json_format

from assets import services as asset_services
from quality import services as quality_services
from registry.actors import acting_as
from registry.events.jetstream import encode
from registry.events.outbox import sequence_pending
from registry.events.types import event_type
from registry.models import OutboxEvent
from tests.contracts.loader import contract_message
from tests.factories import AssetFactory, ChainFactory, evm_address

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
PB_DIR = ROOT / "registry" / "pb"

# The contracts' enum numbers (tests/contracts/cqc/assets/v1/assets.proto).
UNSPECIFIED_ASSET, ERC20 = 0, 2
WRAPS, STAKES = 1, 3
SCAM, UNSPECIFIED_FLAG = 1, 0
HIGH, CRITICAL = 4, 5


def event_of(event_type: str, entity) -> OutboxEvent:
    sequence_pending()
    return OutboxEvent.objects.get(event_type=event_type, entity_id=str(entity.pk))


def decode(row: OutboxEvent, full_name: str):
    body, headers = encode(row)
    return contract_message(full_name).FromString(body), headers


def new_asset(symbol: str, **fields):
    return asset_services.asset_create(
        symbol=symbol, name=f"{symbol} Token", asset_type="ERC20", **fields
    )


def test_asset_created_decodes_with_the_contract():
    with acting_as("service:encoder", source="import:enc"):
        asset = new_asset("ENC", category="defi", metadata={"rank": 7})
    row = event_of("asset_created", asset)

    message, headers = decode(row, "cqc.events.v1.AssetCreated")

    assert message.event_id == str(row.event_id)
    assert message.actor_id == "service:encoder"
    assert message.source == "import:enc"
    assert message.timestamp.ToDatetime(tzinfo=UTC) == row.occurred_at
    assert message.asset.asset_id == str(asset.pk)
    assert message.asset.symbol == "ENC"
    assert message.asset.name == "ENC Token"
    assert message.asset.asset_type == ERC20
    assert message.asset.category == "defi"
    assert message.asset.metadata["rank"] == 7
    assert message.asset.created_at.ToDatetime(tzinfo=UTC) == asset.created_at

    assert headers["Nats-Msg-Id"] == str(row.event_id)
    assert headers["Content-Type"].startswith(
        "application/protobuf; proto=cqc.events.v1.AssetCreated"
    )
    assert headers["Cqc-Event-Type"] == "asset_created"
    assert headers["Cqc-Message-Type"] == "cqc.events.v1.AssetCreated"
    assert headers["Cqc-Sequence"] == str(row.sequence)


def test_a_fiat_asset_is_unspecified_in_the_contract_and_named_in_metadata():
    """The contract's AssetType has no FIAT: the event sends ASSET_TYPE_UNSPECIFIED and
    the registry's type in metadata["cqar_asset_type"], beside the asset's own metadata."""
    usd = asset_services.fiat_asset_get_or_create("USD")
    token = new_asset("TKN")

    message, _ = decode(event_of("asset_created", usd), "cqc.events.v1.AssetCreated")
    token_message, _ = decode(event_of("asset_created", token), "cqc.events.v1.AssetCreated")

    assert message.asset.HasField("asset_type") and message.asset.asset_type == UNSPECIFIED_ASSET
    assert (message.asset.symbol, message.asset.name) == ("USD", "US Dollar")
    assert message.asset.metadata["cqar_asset_type"] == "FIAT"
    assert message.asset.metadata["iso4217"]["numeric"] == "840"
    assert message.asset.metadata["iso4217"]["minor_units"] == 2
    # A type the contract knows is sent as itself, and nothing is added to metadata.
    assert token_message.asset.asset_type == ERC20
    assert "cqar_asset_type" not in token_message.asset.metadata


def test_asset_deployment_created_decodes_with_the_contract():
    chain = ChainFactory(chain_id="enc-chain", name="Encoding Chain")
    asset = AssetFactory(symbol="USDE")
    with acting_as("service:encoder"):
        deployment = asset_services.deployment_create(
            asset=asset,
            chain=chain,
            address=evm_address(0xE4C).lower(),
            decimals=6,
            is_canonical=True,
        )
    row = event_of("asset_deployment_created", deployment)

    message, headers = decode(row, "cqc.events.v1.AssetDeploymentCreated")

    assert message.event_id == str(row.event_id)
    assert message.auto_detected is False
    assert message.deployment.deployment_id == str(deployment.deployment_id)
    assert message.deployment.asset_id == str(asset.pk)
    assert message.deployment.chain_id == "enc-chain"
    assert message.deployment.chain_name == "Encoding Chain"
    assert message.deployment.address == deployment.address == evm_address(0xE4C)
    assert message.deployment.decimals == 6
    assert message.deployment.metadata["cqar_is_canonical"] is True
    assert message.deployment.metadata["cqar_is_native"] is False
    assert headers["Content-Type"].startswith(
        "application/protobuf; proto=cqc.events.v1.AssetDeploymentCreated"
    )


@pytest.mark.parametrize(
    ("relationship_type", "number", "rate", "rate_text", "protocol"),
    [
        ("WRAPS", WRAPS, Decimal("1.000000"), "1", ""),
        ("STAKES", STAKES, Decimal("1.0250"), "1.025", "lido"),
    ],
)
def test_relationship_established_decodes_with_the_contract(
    relationship_type, number, rate, rate_text, protocol
):
    parent, child = AssetFactory(symbol="ETH"), AssetFactory(symbol="VAR")
    with acting_as("service:encoder"):
        relationship = asset_services.relationship_create(
            parent_asset=parent,
            child_asset=child,
            relationship_type=relationship_type,
            conversion_rate=rate,
            protocol=protocol,
        )
    row = event_of("relationship_established", relationship)

    message, _ = decode(row, "cqc.events.v1.RelationshipEstablished")

    assert message.relationship.relationship_id == str(relationship.pk)
    assert message.relationship.from_asset_id == str(parent.pk)
    assert message.relationship.to_asset_id == str(child.pk)
    assert message.relationship.relationship_type == number
    assert message.relationship.conversion_rate == rate_text
    assert message.relationship.protocol == protocol
    assert message.protocol == protocol


@pytest.mark.parametrize(
    ("flag_type", "severity", "number", "suspend", "force_close"),
    [
        ("SCAM", CRITICAL, SCAM, True, True),
        ("SCAM", HIGH, SCAM, False, False),
        ("DEPRECATED", CRITICAL, 4, True, False),
    ],
)
def test_quality_flag_raised_decodes_with_the_contract(
    flag_type, severity, number, suspend, force_close
):
    asset = AssetFactory(symbol="RUG")
    with acting_as("user:auditor"):
        flag = quality_services.flag_raise(
            asset=asset,
            flag_type=flag_type,
            severity=severity,
            reason="Liquidity drained",
            actor="user:auditor",
            source="monitor",
        )
    row = event_of("quality_flag_raised", flag)

    message, _ = decode(row, "cqc.events.v1.QualityFlagRaised")

    assert message.actor_id == "user:auditor"
    assert message.asset_id == str(asset.pk)
    assert message.flag_type == number
    assert message.severity == severity
    assert message.source == "monitor"
    assert message.suspend_trading is suspend
    assert message.force_close_positions is force_close
    assert message.alert_message
    assert "RUG" in message.alert_message
    assert message.flag.flag_id == str(flag.pk)
    assert message.flag.asset_id == str(asset.pk)
    assert message.flag.flag_type == number
    assert message.flag.severity == severity
    assert message.flag.reason == "Liquidity drained"


def test_a_flag_type_the_contract_lacks_is_unspecified_and_named_in_metadata():
    asset = AssetFactory()
    flag = quality_services.flag_raise(
        asset=asset, flag_type="ORACLE_FAILED", severity=HIGH, reason="Stale", actor="user:a"
    )
    row = event_of("quality_flag_raised", flag)

    message, _ = decode(row, "cqc.events.v1.QualityFlagRaised")

    assert message.flag_type == UNSPECIFIED_FLAG
    assert message.flag.flag_type == UNSPECIFIED_FLAG
    assert message.flag.metadata["flag_type"] == "ORACLE_FAILED"


def test_json_encoding_sends_the_rows_payload(settings):
    settings.EVENTS_ENCODING = "json"
    asset = new_asset("JSN")
    row = event_of("asset_created", asset)

    body, headers = encode(row)

    assert json.loads(body) == row.payload
    assert json.loads(body)["asset"]["symbol"] == "JSN"
    assert headers["Content-Type"].startswith("application/json")
    assert headers["Nats-Msg-Id"] == str(row.event_id)


def test_the_feeds_json_and_the_protobuf_body_are_the_same_message():
    """A row keeps its message twice (payload for the feed and JSON, body for the bus):
    the two must agree, for every event type."""
    with acting_as("service:encoder"):
        asset = new_asset("TWIN", metadata={"nested": {"a": [1, "b"]}})
        asset_services.asset_update(asset=asset, changes={"description": "Twins"})
        other = new_asset("OTHER")
        relationship = asset_services.relationship_create(
            parent_asset=asset, child_asset=other, relationship_type="BRIDGES"
        )
        asset_services.relationship_delete(relationship=relationship)
        quality_services.flag_raise(
            asset=asset, flag_type="PAUSED", severity=3, reason="Paused", actor="user:a"
        )
    rows = list(OutboxEvent.objects.order_by("id"))
    assert len(rows) == 6

    for row in rows:
        message = event_type(row.event_type).message.FromString(bytes(row.body))
        assert (
            json_format.MessageToDict(
                message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
            )
            == row.payload
        ), row.event_type

    created, _ = decode(rows[0], "cqc.events.v1.AssetCreated")
    assert (
        json_format.MessageToDict(
            created, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
        )
        == rows[0].payload
    )


def _generated_files(directory: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.suffix in {".py", ".pyi"} and "__pycache__" not in path.parts
    }


def test_the_generated_modules_are_what_make_proto_generates_from_proto(tmp_path):
    """Run the Makefile's ``proto`` recipe into a temporary directory: registry/pb
    must be exactly its output, so an edit to proto/ without ``make proto`` fails here."""
    out = tmp_path / "pb"
    out.mkdir()
    protos = sorted(
        str(path.relative_to(ROOT / "proto")) for path in (ROOT / "proto").rglob("*.proto")
    )
    assert protos, "no .proto files under proto/"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            "-I",
            ".",
            f"--python_out={out}",
            f"--pyi_out={out}",
            *protos,
        ],
        cwd=ROOT / "proto",
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            str(Path(sys.executable).with_name("protol")),
            "--create-package",
            "--in-place",
            "--python-out",
            str(out),
            "protoc",
            "--protoc-path",
            f"{sys.executable} -m grpc_tools.protoc",
            "--proto-path=proto",
            *(f"proto/{proto}" for proto in protos),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )

    generated, committed = _generated_files(out), _generated_files(PB_DIR)

    assert any(name.endswith("_pb2.py") for name in generated)
    assert sorted(generated) == sorted(committed), "run `make proto`"
    stale = [name for name in generated if generated[name] != committed[name]]
    assert stale == [], f"stale generated modules (run `make proto`): {stale}"


def test_metadata_that_is_not_an_object_is_wrapped_rather_than_failing_the_write():
    """The API refuses such metadata; a shell write or an old row must still record."""
    with acting_as("service:test"):
        asset = asset_services.asset_create(
            symbol="ODD", name="Odd metadata", asset_type="ERC20", metadata=["a", 1]
        )
    event = OutboxEvent.objects.get(entity_id=str(asset.pk))
    decoded = contract_message("cqc.events.v1.AssetCreated").FromString(bytes(event.body))
    assert dict(decoded.asset.metadata) == {"cqar_value": ["a", 1.0]}
