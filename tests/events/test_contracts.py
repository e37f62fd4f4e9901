"""The bus read with the platform contracts (CQC v0.4.0), through the suite's own
stand-in of them (tests/contracts), never the production classes.

The rule: on a subject named after a CQC event, exactly that event's message (the same
fields, numbers, types and presence); every event of CQAR's own on a subject of its own
family, which no CQC event uses. The JSON form parses with a parser generated from the
contract (enum value names included), and what the contract declares ``optional``
arrives set when it is false or 0.
"""

import importlib
import pkgutil
import re
import uuid
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor

from assets import services as asset_services
from chains import services as chain_services
from markets import services as market_services
from quality import services as quality_services
from registry.actors import acting_as
from registry.events.jetstream import encode
from registry.events.outbox import sequence_pending
from registry.events.types import event_type, event_type_names, message_class
from registry.models import OutboxEvent
from registry.pb import cqc as our_cqc_packages
from registry.pb.cqc.services.v1 import asset_registry_pb2
from tests.contracts.compare import (
    assert_no_unknown_fields,
    enum_structure,
    service_structure,
    structure,
)
from tests.contracts.loader import (
    CONTRACT_EVENTS,
    SERVICE,
    contract_enum,
    contract_message,
    contract_service,
)
from tests.factories import AssetFactory, ChainFactory, VenueFactory, evm_address
from venues import services as venue_services

# The tests that record rows; the comparisons of descriptors need no database.
with_database = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _drain_queue():
    """Replaces tests/events/conftest.py's for this module: it would give every test here
    a flushed database (seconds each, for 100+ comparisons of descriptors), and no test
    here runs a worker; the next test that does purges the queue itself."""


CONTRACT_PACKAGE = "cqc.events.v1"
# The CQC events CQAR publishes, by event type.
PUBLISHED_CONTRACT_EVENTS = {
    "asset_created": "AssetCreated",
    "asset_deployment_created": "AssetDeploymentCreated",
    "relationship_established": "RelationshipEstablished",
    "quality_flag_raised": "QualityFlagRaised",
    "venue_asset_listed": "VenueAssetListed",
    "instrument_created": "InstrumentCreated",
    "market_created": "MarketCreated",
    "venue_market_listed": "VenueMarketListed",
    "venue_market_delisted": "VenueMarketDelisted",
}


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def row_of(event_type_name: str, entity) -> OutboxEvent:
    sequence_pending()
    return OutboxEvent.objects.get(event_type=event_type_name, entity_id=str(entity.pk))


def decode(row: OutboxEvent):
    """The protobuf body, decoded with the stand-in of the contract event it claims."""
    body, _ = encode(row)
    message = contract_message(row.message_type).FromString(body)
    assert_no_unknown_fields(message)
    return message


def test_an_event_on_a_cqc_subject_is_exactly_the_contracts_message():
    on_contract_subjects = {}
    for name in event_type_names():
        kind = event_type(name)
        if kind.subject.startswith(f"{CONTRACT_PACKAGE}."):
            on_contract_subjects[name] = kind

    assert set(on_contract_subjects) == set(PUBLISHED_CONTRACT_EVENTS)
    for name, kind in on_contract_subjects.items():
        contract = f"{CONTRACT_PACKAGE}.{PUBLISHED_CONTRACT_EVENTS[name]}"
        assert kind.subject == f"{CONTRACT_PACKAGE}.{name}"
        assert kind.message_type == contract, name
        assert structure(kind.message.DESCRIPTOR) == structure(
            contract_message(contract).DESCRIPTOR
        ), name


def our_contract_files() -> list:
    """Every generated module of the contracts' packages (proto/cqc/, in registry/pb/cqc),
    found by walking the package: a new .proto file there is compared without a change
    here. tests/events/test_encoding.py holds registry/pb to what proto/ generates."""
    modules = [
        importlib.import_module(found.name)
        for found in pkgutil.walk_packages(our_cqc_packages.__path__, "registry.pb.cqc.")
        if found.name.endswith("_pb2")
    ]
    assert all(module.DESCRIPTOR.package.startswith("cqc.") for module in modules)
    return modules


def our_contract_messages() -> list[Descriptor]:
    return [
        message
        for module in our_contract_files()
        for message in module.DESCRIPTOR.message_types_by_name.values()
    ]


def our_contract_enums() -> list[EnumDescriptor]:
    return [
        enum
        for module in our_contract_files()
        for enum in module.DESCRIPTOR.enum_types_by_name.values()
    ]


def test_every_contract_message_we_declare_is_the_contracts():
    """Each message of proto/cqc/ (entities, events, the service's requests and
    responses, used yet or not) has the stand-in's names, numbers, types, labels and
    presence, its enums and the messages it holds included."""
    declared = {message.full_name for message in our_contract_messages()}
    assert {
        "cqc.assets.v1.AssetIdentifier",
        "cqc.assets.v1.AssetGroup",
        "cqc.assets.v1.AssetGroupMember",
        "cqc.identifiers.v1.Identifier",
        "cqc.venues.v1.Venue",
        "cqc.venues.v1.VenueSymbol",
        "cqc.markets.v1.Instrument",
        "cqc.markets.v1.Market",
        "cqc.markets.v1.SpotInstrument",
        "cqc.markets.v1.PerpContract",
        "cqc.markets.v1.FutureContract",
        "cqc.markets.v1.OptionSeries",
        "cqc.markets.v1.LendingDeposit",
        "cqc.markets.v1.LendingBorrow",
        "cqc.events.v1.InstrumentCreated",
        "cqc.events.v1.MarketCreated",
        "cqc.events.v1.VenueMarketListed",
        "cqc.events.v1.VenueMarketDelisted",
        "cqc.services.v1.CreateVenueSymbolRequest",
        "cqc.services.v1.ResolveMarketResponse",
    } <= declared
    for message in our_contract_messages():
        assert structure(message) == structure(contract_message(message.full_name).DESCRIPTOR), (
            message.full_name
        )


def test_every_contract_enum_we_declare_is_the_contracts():
    """Top-level enums by themselves too (a field's enum is compared with its message):
    the same value names and numbers, none added or dropped."""
    declared = {enum.full_name for enum in our_contract_enums()}
    assert {"cqc.assets.v1.DataSource", "cqc.venues.v1.VenueType"} <= declared
    for enum in our_contract_enums():
        assert enum_structure(enum) == enum_structure(contract_enum(enum.full_name)), enum.full_name


def our_service():
    return asset_registry_pb2.DESCRIPTOR.services_by_name["AssetRegistry"]


def test_the_service_is_the_contracts_method_for_method():
    """The same path for every method (/cqc.services.v1.AssetRegistry/<Name>), the same
    request and response messages, unary both ways; nothing added or left out. The
    messages themselves are held to the stand-in above."""
    assert our_service().full_name == SERVICE
    assert service_structure(our_service()) == service_structure(contract_service())
    # The stand-in itself: v0.4.0's 41 methods and v0.3.1's three venue-symbol methods.
    names = {method.name for method in contract_service().methods}
    assert len(names) == 44
    assert {"CreateVenueSymbol", "GetVenueSymbol", "ListVenueSymbols", "ResolveMarket"} <= names
    assert list(asset_registry_pb2.DESCRIPTOR.services_by_name) == ["AssetRegistry"]


def our_file_set_with(change) -> descriptor_pool.DescriptorPool:
    """Our service's .proto and what it imports, in a pool of their own, after ``change``
    edited the service file's FileDescriptorProto (as an edit of proto/ would)."""
    pool = descriptor_pool.DescriptorPool()
    added: set[str] = set()

    def add(file, edit=None) -> None:
        for dependency in file.dependencies:
            if dependency.name not in added:
                add(dependency)
        as_proto = descriptor_pb2.FileDescriptorProto()
        file.CopyToProto(as_proto)
        if edit:
            edit(as_proto)
        pool.Add(as_proto)
        added.add(file.name)

    add(asset_registry_pb2.DESCRIPTOR, change)
    return pool


def message_proto(file_proto, name):
    return next(message for message in file_proto.message_type if message.name == name)


def method_proto(file_proto, name):
    return next(method for method in file_proto.service[0].method if method.name == name)


def renumber_chain_id(file_proto):
    message_proto(file_proto, "GetChainRequest").field[0].number = 2


def rename_get_chain(file_proto):
    method_proto(file_proto, "GetChain").name = "FetchChain"


def retype_weight(file_proto):
    field = message_proto(file_proto, "AddAssetToGroupRequest").field[2]
    field.type = descriptor_pb2.FieldDescriptorProto.TYPE_FLOAT


def drop_optional(file_proto):
    request = message_proto(file_proto, "ListQualityFlagsRequest")
    field = request.field[2]  # include_resolved: false would no longer be sent
    field.proto3_optional = False
    field.ClearField("oneof_index")
    del request.oneof_decl[2]


def swap_response(file_proto):
    method_proto(file_proto, "GetVenue").output_type = ".cqc.services.v1.CreateVenueResponse"


def is_the_stand_ins(pool: descriptor_pool.DescriptorPool) -> bool:
    """The service file in ``pool``: its service and messages are the stand-in's."""
    file = pool.FindFileByName(asset_registry_pb2.DESCRIPTOR.name)
    return service_structure(pool.FindServiceByName(SERVICE)) == service_structure(
        contract_service()
    ) and all(
        structure(message) == structure(contract_message(message.full_name).DESCRIPTOR)
        for message in file.message_types_by_name.values()
    )


@pytest.mark.parametrize(
    "change",
    [renumber_chain_id, rename_get_chain, retype_weight, drop_optional, swap_response],
)
def test_a_change_of_the_wire_in_proto_is_caught(change):
    """The comparisons above can fail: each edit of proto/ a client would notice makes
    our descriptors differ from the stand-in's."""
    assert is_the_stand_ins(our_file_set_with(None))
    assert not is_the_stand_ins(our_file_set_with(change))


def filled(message_class):
    """A message with every field set to a value of its own, recursively (two items of a
    repeated field); bools and integers are false and 0 where the field number is odd,
    so presence is tested too."""
    message = message_class()
    for field in message_class.DESCRIPTOR.fields:
        odd = field.number % 2 == 1
        name = field.message_type.full_name if field.message_type else None
        repeated = field.label == FieldDescriptor.LABEL_REPEATED
        if name == "google.protobuf.Timestamp":
            getattr(message, field.name).FromSeconds(1_700_000_000 + field.number)
        elif name == "google.protobuf.Struct":
            getattr(message, field.name).update({f"key_{field.number}": [True, "x", 1.5]})
        elif field.message_type is not None and repeated:
            items = getattr(message, field.name)
            for _ in range(2):
                items.add().CopyFrom(filled(message_class_of(field)))
        elif field.message_type is not None:
            getattr(message, field.name).CopyFrom(filled(message_class_of(field)))
        elif repeated:
            assert field.type == FieldDescriptor.TYPE_STRING, field.full_name
            getattr(message, field.name).extend([f"{field.name}-{field.number}", "second"])
        elif field.type == FieldDescriptor.TYPE_STRING:
            setattr(message, field.name, f"{field.name}-{field.number}")
        elif field.type == FieldDescriptor.TYPE_BOOL:
            setattr(message, field.name, not odd)
        elif field.type == FieldDescriptor.TYPE_ENUM:
            setattr(message, field.name, field.enum_type.values[-1].number)
        elif field.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
            setattr(message, field.name, field.number + 0.25)
        else:
            setattr(message, field.name, 0 if odd else -field.number)
    return message


def message_class_of(field: FieldDescriptor):
    """The class of a message field, from the pool its message came from."""
    pool = field.message_type.file.pool
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(field.message_type.full_name))


def as_values(message) -> dict:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


@pytest.mark.parametrize(
    "full_name", sorted(message.full_name for message in our_contract_messages())
)
def test_a_contract_message_round_trips_between_ours_and_the_stand_in(full_name):
    """Built with our generated class, read with the stand-in to the same values and
    bytes, and the other way round; false and 0 arrive set both ways."""
    ours, stand_in = message_class(full_name), contract_message(full_name)

    sent = filled(ours)
    read = stand_in.FromString(sent.SerializeToString(deterministic=True))
    assert_no_unknown_fields(read)
    assert as_values(read) == as_values(sent)
    assert read.SerializeToString(deterministic=True) == sent.SerializeToString(deterministic=True)

    sent_back = filled(stand_in)
    read_back = ours.FromString(sent_back.SerializeToString(deterministic=True))
    assert_no_unknown_fields(read_back)
    assert as_values(read_back) == as_values(sent_back)
    for field in ours.DESCRIPTOR.fields:
        if field.has_presence:
            assert read_back.HasField(field.name), (full_name, field.name)


def test_an_event_of_our_own_is_on_a_subject_no_cqc_event_uses():
    contract_subject_names = {snake(name) for name in CONTRACT_EVENTS}
    assert contract_subject_names >= set(PUBLISHED_CONTRACT_EVENTS)

    for name in sorted(set(event_type_names()) - set(PUBLISHED_CONTRACT_EVENTS)):
        kind = event_type(name)
        assert kind.message_type.startswith("cqar.events.v1."), name
        assert kind.subject == f"cqar.events.v1.{name}", name
        assert not kind.subject.startswith(f"{CONTRACT_PACKAGE}."), name
        assert name not in contract_subject_names, name


def test_the_subject_families_do_not_overlap():
    """A consumer of ``cqc.events.v1.>`` gets the contract's events and nothing else."""
    ours, contract = settings.EVENTS_CQAR_SUBJECT_PREFIX, settings.EVENTS_SUBJECT_PREFIX
    assert ours != contract
    assert not ours.startswith(f"{contract}.")
    assert not contract.startswith(f"{ours}.")


@with_database
def test_venue_asset_listed_is_the_contracts_venue_asset_listed():
    """It once carried CQAR's own VenueAssetEvent: a consumer read venue_id = the row id,
    asset_id = the venue's slug and venue_asset_symbol = the asset's UUID."""
    venue = VenueFactory(venue_id="kraken")
    asset = AssetFactory(symbol="BTC")
    with acting_as("service:encoder", source="import:markets:kraken"):
        listing = venue_services.venue_asset_create(
            venue=venue, asset=asset, venue_asset_symbol="XXBT", withdraw_enabled=False
        )
        again = venue_services.venue_asset_create(
            venue=venue, asset=asset, venue_asset_symbol="XBT"
        )
    row = row_of("venue_asset_listed", listing)

    message = decode(row)
    _, headers = encode(row)

    assert row.message_type == "cqc.events.v1.VenueAssetListed"
    assert headers["Content-Type"].startswith(
        "application/protobuf; proto=cqc.events.v1.VenueAssetListed"
    )
    assert message.event_id == str(row.event_id)
    assert message.actor_id == "service:encoder"
    listed = message.venue_asset
    assert listed.venue_id == "kraken"
    assert listed.asset_id == str(asset.pk)
    assert listed.venue_asset_symbol == "XXBT"
    assert listed.HasField("withdraw_enabled") and listed.withdraw_enabled is False
    assert listed.deposit_enabled is True and listed.trading_enabled is True
    assert listed.HasField("is_active") and listed.is_active is True
    assert not listed.HasField("deployment_id")
    assert listed.metadata["cqar_venue_asset_id"] == str(listing.pk)
    assert message.HasField("is_new_listing") and message.is_new_listing is True
    # A second code of an asset the venue already lists is not a new listing.
    assert decode(row_of("venue_asset_listed", again)).is_new_listing is False


def one_event_of_every_type() -> list[OutboxEvent]:
    """Every event type the registry publishes, recorded by the services."""
    with acting_as("service:encoder"):
        chain = chain_services.chain_create(
            chain_id="ctr-chain", name="Contract Chain", chain_type="EVM", network_id=424242
        )
        chain_services.chain_update(chain=chain, changes={"explorer_url": "https://x.example"})
        parent = asset_services.asset_create(symbol="CTR", name="Contract", asset_type="NATIVE")
        child = asset_services.asset_create(symbol="WCTR", name="Wrapped", asset_type="ERC20")
        asset_services.asset_update(asset=child, changes={"description": "Wrapped CTR"})
        asset_services.asset_soft_delete(asset=child)
        asset_services.asset_restore(asset=child)
        identifier = asset_services.asset_identifier_create(
            asset=parent, source="COINGECKO", external_id="contract"
        )
        asset_services.asset_identifier_update(identifier=identifier, changes={"is_primary": True})
        asset_services.asset_identifier_delete(identifier=identifier)
        deployment = asset_services.deployment_create(
            asset=child, chain=chain, address=evm_address(0xC7), decimals=0
        )
        asset_services.deployment_update(deployment=deployment, changes={"decimals": 18})
        asset_services.deployment_delete(deployment=deployment)
        relationship = asset_services.relationship_create(
            parent_asset=parent,
            child_asset=child,
            relationship_type="WRAPS",
            conversion_rate=Decimal(1),
        )
        asset_services.relationship_update(
            relationship=relationship, changes={"protocol": "wrapper"}
        )
        asset_services.relationship_delete(relationship=relationship)
        group = asset_services.group_create(group_id="ctr", canonical_symbol="CTR")
        asset_services.group_update(group=group, changes={"description": "CTR and kin"})
        member = asset_services.group_member_add(group=group, asset=parent)
        asset_services.group_member_update(member=member, changes={"is_canonical": True})
        asset_services.group_member_delete(member=member)
        asset_services.group_delete(group=group)
        flag = quality_services.flag_raise(
            asset=parent, flag_type="PAUSED", severity=4, reason="Paused", actor="user:a"
        )
        quality_services.flag_resolve(flag=flag, actor="user:b", notes="Unpaused")
        venue = venue_services.venue_create(venue_id="ctr-dex", name="CTR DEX", venue_type="DEX")
        venue_services.venue_update(venue=venue, changes={"is_active": False})
        listing = venue_services.venue_asset_create(
            venue=venue, asset=parent, venue_asset_symbol="CTR"
        )
        venue_services.venue_asset_update(venue_asset=listing, changes={"trading_enabled": False})
        venue_services.venue_asset_delete(venue_asset=listing)
        ticker = market_services.venue_symbol_create(
            venue=venue, symbol="CTRWCTR", asset=parent, quote_asset=child
        )
        market_services.venue_symbol_update(venue_symbol=ticker, changes={"is_active": False})
        market_services.venue_symbol_delist(venue_symbol=ticker)
        perpetual = market_services.instrument_create(
            instrument_type="PERPETUAL",
            underlying_asset=parent,
            quote_asset=child,
            settlement_asset=parent,
            is_inverse=True,
            is_quanto=False,
            contract_multiplier=Decimal("100"),
        )
        market_services.instrument_update(instrument=perpetual, changes={"metadata": {"a": 1}})
        market = market_services.market_create(
            venue=venue, venue_symbol="CTR-PERP", instrument=perpetual, tick_size=Decimal("0.5")
        )
        market_services.market_update(market=market, changes={"funding_interval_secs": 28800})
        market_services.market_delist(market=market, reason="Contract test.")
        unlisted = market_services.instrument_create(
            instrument_type="SPOT", underlying_asset=child, quote_asset=parent
        )
        market_services.instrument_delete(instrument=unlisted)
        venue_services.venue_delete(venue=VenueFactory(venue_id="ctr-gone"))
        chain_services.chain_delete(chain=ChainFactory(chain_id="ctr-gone"))
    sequence_pending()
    rows = list(OutboxEvent.objects.order_by("sequence"))
    assert {row.event_type for row in rows} == set(event_type_names())
    return rows


@with_database
@pytest.mark.parametrize("encoding", ["json", "protobuf"])
def test_every_contract_event_parses_with_the_contract_in_either_encoding(settings, encoding):
    """JSON with the contract's enum value names (FLAG_SEVERITY_HIGH, not SEVERITY_HIGH):
    a parser generated from the contract refuses any other name, and any unknown field."""
    settings.EVENTS_ENCODING = encoding
    rows = [row for row in one_event_of_every_type() if row.event_type in PUBLISHED_CONTRACT_EVENTS]
    assert {row.event_type for row in rows} == set(PUBLISHED_CONTRACT_EVENTS)

    for row in rows:
        body, headers = encode(row)
        contract = contract_message(row.message_type)
        if encoding == "json":
            assert headers["Content-Type"].startswith("application/json")
            message = json_format.Parse(body, contract())
        else:
            message = contract.FromString(body)
        settings.EVENTS_ENCODING = "protobuf"
        assert message == decode(row), row.event_type
        settings.EVENTS_ENCODING = encoding


@with_database
def test_contract_entities_inside_our_own_events_parse_with_the_contract(viewer):
    """Our own events carry the contract's entities (Asset, Chain, VenueAsset …); their
    JSON in the feed parses with the contract's messages, enum names included."""
    one_event_of_every_type()
    items = viewer.get("/api/v1/events/", {"limit": 1000}).json()["results"]

    checked = set()
    for item in items:
        message = event_type(item["event_type"]).message
        family = "cqc" if item["event_type"] in PUBLISHED_CONTRACT_EVENTS else "cqar"
        assert item["subject"] == f"{family}.events.v1.{item['event_type']}"
        if item["message_type"].startswith(f"{CONTRACT_PACKAGE}."):
            json_format.ParseDict(item["payload"], contract_message(item["message_type"])())
            checked.add(item["event_type"])
            continue
        for field in message.DESCRIPTOR.fields:
            entity = field.message_type
            if field.containing_oneof is not None and field.name not in item["payload"]:
                continue  # an instrument's terms: the one detail message of its type
            if entity is not None and entity.full_name.startswith("cqc."):
                json_format.ParseDict(
                    item["payload"][field.name], contract_message(entity.full_name)()
                )
                checked.add(item["event_type"])
    assert {
        "asset_updated",
        "asset_deployment_deleted",
        "relationship_removed",
        "quality_flag_resolved",
        "chain_updated",
        "venue_asset_updated",
        "venue_asset_removed",
        "instrument_registered",
        "instrument_updated",
        "market_updated",
        *PUBLISHED_CONTRACT_EVENTS,
    } <= checked
    resolved = next(i for i in items if i["event_type"] == "quality_flag_resolved")
    assert resolved["payload"]["flag"]["severity"] == "FLAG_SEVERITY_HIGH"


@with_database
def test_false_and_zero_of_optional_fields_arrive_set():
    """The contract declares these ``optional``: a consumer must be able to tell
    is_testnet=false, decimals=0 and auto_detected=false from "not sent"."""
    chain = ChainFactory(chain_id="presence", is_testnet=False)
    asset = AssetFactory(symbol="ZERO")
    deployment = asset_services.deployment_create(
        asset=asset, chain=chain, address=evm_address(0x2E0), decimals=0
    )
    flag = quality_services.flag_raise(
        asset=asset, flag_type="LOW_LIQUIDITY", severity=2, reason="Thin", actor="user:a"
    )
    chain_services.chain_update(chain=chain, changes={"name": "Presence Chain"})

    created = decode(row_of("asset_deployment_created", deployment))
    assert created.HasField("auto_detected") and created.auto_detected is False
    assert created.deployment.HasField("decimals") and created.deployment.decimals == 0

    raised = decode(row_of("quality_flag_raised", flag))
    assert raised.HasField("suspend_trading") and raised.suspend_trading is False
    assert raised.HasField("force_close_positions") and raised.force_close_positions is False

    # chain_updated is our own event; its entity is the contract's Chain.
    chain_row = row_of("chain_updated", chain)
    chain_event = event_type("chain_updated").message.FromString(bytes(chain_row.body))
    assert chain_event.chain.HasField("is_testnet") and chain_event.chain.is_testnet is False
    assert chain_row.payload["chain"]["is_testnet"] is False

    payload = row_of("asset_deployment_created", deployment).payload
    assert payload["auto_detected"] is False
    assert payload["deployment"]["decimals"] == 0


@with_database
def test_what_the_registry_has_no_value_for_is_not_sent():
    """Explicit presence the other way: a chain without a network id (not EVM) was sent
    as network_id 0, a number some chain really has; now it is left out."""
    chain = ChainFactory(chain_id="no-network", chain_type="OTHER", network_id=None)
    chain_services.chain_update(chain=chain, changes={"name": "No Network"})
    row = row_of("chain_updated", chain)

    payload = row.payload["chain"]
    message = event_type("chain_updated").message.FromString(bytes(row.body))

    assert "network_id" not in payload
    assert "native_asset_id" not in payload
    assert payload["chain_name"] == "No Network"
    assert not message.chain.HasField("network_id")


@with_database
def test_relationship_from_asset_id_is_the_parent_as_the_contract_says():
    """The contract: from_asset_id is the parent ("ETH is the parent when WETH wraps it"),
    to_asset_id the child. The REST resource says the same as parent_asset/child_asset."""
    eth, weth = AssetFactory(symbol="ETH"), AssetFactory(symbol="WETH")
    relationship = asset_services.relationship_create(
        parent_asset=eth, child_asset=weth, relationship_type="WRAPS"
    )
    asset_services.relationship_update(relationship=relationship, changes={"protocol": "weth"})

    established = decode(row_of("relationship_established", relationship))
    assert established.relationship.from_asset_id == str(eth.pk)
    assert established.relationship.to_asset_id == str(weth.pk)
    updated = row_of("relationship_updated", relationship).payload["relationship"]
    assert (updated["from_asset_id"], updated["to_asset_id"]) == (str(eth.pk), str(weth.pk))


@with_database
def test_deployment_id_is_the_registrys_uuid_and_a_native_address_is_native():
    """deployment_id on the wire is the deployment's UUID, as in the REST API (not a
    "{chain}:{address}" string, which would change when a steward corrects an address);
    a native deployment without an address says "native", as the contract does."""
    chain = ChainFactory(chain_id="nat-chain")
    asset = AssetFactory(symbol="NAT", asset_type="NATIVE")
    native = asset_services.deployment_create(
        asset=asset, chain=chain, address="", decimals=18, is_native=True
    )

    message = decode(row_of("asset_deployment_created", native))

    assert message.deployment.deployment_id == str(native.deployment_id)
    assert message.deployment.address == "native"
    assert message.deployment.chain_id == "nat-chain"
    assert message.deployment.metadata["cqar_is_native"] is True


@with_database
def test_a_row_recorded_before_its_event_type_changed_message_keeps_its_own():
    """A venue_asset_listed recorded as CQAR's VenueAssetEvent (before the upgrade) is
    decoded as that message and goes on CQAR's subject, not the contract's: body,
    subject and feed stay consistent for rows still in the outbox."""
    legacy_type = "cqar.events.v1.VenueAssetEvent"
    legacy = message_class(legacy_type)(event_id="legacy", changed_fields=["is_active"])
    row = OutboxEvent.objects.create(
        event_id=uuid.uuid4(),
        event_type="venue_asset_listed",
        message_type=legacy_type,
        entity_id="1",
        actor_id="service:old",
        body=legacy.SerializeToString(),
        occurred_at=timezone.now(),
    )

    assert row.subject == "cqar.events.v1.venue_asset_listed"
    assert row.payload["event_id"] == "legacy"
    assert row.payload["changed_fields"] == ["is_active"]
