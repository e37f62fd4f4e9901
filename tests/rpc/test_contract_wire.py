"""The service as a platform client generated from the contracts sees it: every call made
with the suite's own stand-in of the contracts (tests/contracts), never with proto/ or
registry/pb, on the bare method path, against the real server.

- WIRE_CASES: per method, a request written in the stand-in's field names and an answer
  read with the stand-in's response message (nothing in it the contract has no field
  for) and held to the database. A method a helper adds to the server gets a case here:
  test_every_answered_method_has_a_wire_case fails until it has one.
- Reflection: the service the server describes (what grpcurl and generated clients see)
  is the stand-in's, method for method and message for message, answered yet or not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import grpc
import pytest
from django.db.models import Q
from google.protobuf import descriptor_pool, json_format, message_factory
from google.protobuf.message import Message
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

from assets.models import (
    Asset,
    AssetDeployment,
    AssetGroup,
    AssetGroupMember,
    AssetIdentifier,
    AssetRelationship,
)
from chains.models import Chain
from markets.models import Instrument, Market
from quality import services as quality_services
from quality.choices import Severity
from quality.models import AssetQualityFlag
from tests.contracts.compare import assert_no_unknown_fields, service_structure, structure
from tests.contracts.loader import SERVICE, contract_enum, contract_service
from tests.factories import (
    AssetDeploymentFactory,
    AssetFactory,
    AssetGroupFactory,
    AssetGroupMemberFactory,
    AssetIdentifierFactory,
    AssetQualityFlagFactory,
    AssetRelationshipFactory,
    ChainFactory,
    InstrumentFactory,
    MarketFactory,
    VenueAssetFactory,
    VenueFactory,
)
from venues.models import Venue, VenueAsset

pytestmark = pytest.mark.django_db(transaction=True)


def stand_in_class(descriptor) -> type[Message]:
    return message_factory.GetMessageClass(descriptor)


def call_method(address: str, method: str, request: Message, metadata) -> tuple[Message, grpc.Call]:
    """One unary call of ``method`` as a generated client makes it: its path, the
    stand-in's request serialized, the answer parsed with the stand-in's response."""
    descriptor = contract_service().methods_by_name[method]
    assert request.DESCRIPTOR is descriptor.input_type, "a request of the stand-in's class"
    with grpc.insecure_channel(address) as channel:
        multicallable = channel.unary_unary(
            f"/{SERVICE}/{method}",
            request_serializer=stand_in_class(descriptor.input_type).SerializeToString,
            response_deserializer=stand_in_class(descriptor.output_type).FromString,
        )
        return multicallable.with_call(request, metadata=metadata, timeout=30)


@dataclass(frozen=True)
class WireCase:
    """``request()`` writes the rows the call needs and returns the request's fields (by
    the contract's names); ``check(answer, request)`` holds the answer to the database.
    ``token`` is the caller's role: "viewer", "steward" or "auditor"; ``metadata`` what
    else the call sends (a market type the contract has no field for)."""

    method: str
    request: Callable[[], dict]
    check: Callable[[Message, Message], None]
    token: str = "viewer"
    name: str = ""
    metadata: tuple[tuple[str, str], ...] = ()  # sent after the token

    @property
    def id(self) -> str:
        return f"{self.method}-{self.name}" if self.name else self.method


def contract_number(enum: str, name: str) -> int:
    """The number the stand-in gives a value ("cqc.venues.v1.VenueType", "VENUE_TYPE_DEX")."""
    return contract_enum(enum).values_by_name[name].number


def as_datetime(timestamp) -> datetime:
    return timestamp.ToDatetime(tzinfo=UTC)


# --- Chains ----------------------------------------------------------------------------------


def an_evm_chain_with_its_native_asset() -> dict:
    ether = AssetFactory(symbol="ETH", asset_type="NATIVE")
    ChainFactory(
        chain_id="ethereum",
        name="Ethereum",
        chain_type="EVM",
        network_id=1,
        explorer_url="https://etherscan.io",
        is_testnet=False,
        native_asset=ether,
    )
    return {"chain_id": "ethereum"}


def assert_chain_is(sent, chain: Chain) -> None:
    assert sent.chain_id == chain.chain_id
    assert sent.chain_name == chain.name
    assert sent.chain_type == chain.chain_type
    assert sent.explorer_url == chain.explorer_url
    assert sent.metadata["cqar_caip2"] == chain.caip2
    if chain.network_id is None:
        assert not sent.HasField("network_id")
    else:
        assert sent.HasField("network_id") and sent.network_id == chain.network_id
    if chain.native_asset_id is None:
        assert not sent.HasField("native_asset_id")
    else:
        assert sent.native_asset_id == str(chain.native_asset_id)
    # false is sent as false, not left out: the contract declares it `optional`
    assert sent.HasField("is_testnet") and sent.is_testnet is chain.is_testnet


def check_get_chain(answer, request) -> None:
    assert answer.HasField("chain")
    assert_chain_is(answer.chain, Chain.objects.get(pk=request.chain_id))


def three_chains_of_two_types() -> dict:
    ChainFactory(chain_id="polygon", chain_type="EVM", network_id=137)
    ChainFactory(chain_id="base", chain_type="EVM", network_id=8453, is_testnet=True)
    ChainFactory(chain_id="solana", chain_type="SOLANA", network_id=None)
    return {}


def check_list_chains(answer, request) -> None:
    chains = Chain.objects.order_by("chain_id")
    if request.HasField("chain_type"):
        chains = chains.filter(chain_type=request.chain_type.upper())
    assert len(answer.chains) > 0
    assert [sent.chain_id for sent in answer.chains] == [chain.chain_id for chain in chains]
    for sent, chain in zip(answer.chains, chains, strict=True):
        assert_chain_is(sent, chain)


# --- Venues and their assets -----------------------------------------------------------------

VENUE_TYPE = "cqc.venues.v1.VenueType"


def assert_venue_is(sent, venue: Venue) -> None:
    assert sent.venue_id == venue.venue_id
    assert sent.name == venue.name
    assert sent.venue_type == contract_number(VENUE_TYPE, f"VENUE_TYPE_{venue.venue_type}")
    assert sent.chain_id == (venue.chain_id or "")
    assert sent.api_endpoint == venue.api_url
    assert sent.website_url == venue.website_url
    assert sent.HasField("is_active") and sent.is_active is venue.is_active
    assert as_datetime(sent.created_at) == venue.created_at


def a_dex_on_a_chain() -> dict:
    ChainFactory(chain_id="ethereum")
    return {
        "name": "Uniswap V3",
        "venue_type": contract_number(VENUE_TYPE, "VENUE_TYPE_DEX"),
        "chain_id": "ethereum",
        "api_endpoint": "https://api.uniswap.example",
        "website_url": "https://uniswap.example",
    }


def check_create_venue(answer, request) -> None:
    venue = Venue.objects.get(pk="uniswap-v3")  # the slug of its name
    assert (venue.name, venue.venue_type, venue.chain_id) == ("Uniswap V3", "DEX", "ethereum")
    assert venue.api_url == request.api_endpoint
    assert_venue_is(answer.venue, venue)


def a_venue() -> dict:
    VenueFactory(venue_id="kraken", name="Kraken", venue_type="CEX", api_url="https://k.example")
    return {"venue_id": "kraken"}


def check_get_venue(answer, request) -> None:
    assert_venue_is(answer.venue, Venue.objects.get(pk=request.venue_id))


def venues_of_two_types() -> dict:
    for venue_id, venue_type in (("kraken", "CEX"), ("binance", "CEX"), ("curve", "DEX")):
        VenueFactory(venue_id=venue_id, venue_type=venue_type)
    return {"venue_type": contract_number(VENUE_TYPE, "VENUE_TYPE_CEX")}


def check_list_venues(answer, request) -> None:
    venues = list(Venue.objects.filter(venue_type="CEX").order_by("venue_id"))
    assert [sent.venue_id for sent in answer.venues] == ["binance", "kraken"]
    for sent, venue in zip(answer.venues, venues, strict=True):
        assert_venue_is(sent, venue)


def assert_venue_asset_is(sent, listing: VenueAsset) -> None:
    assert (sent.venue_id, sent.asset_id) == (listing.venue_id, str(listing.asset_id))
    assert sent.venue_asset_symbol == listing.venue_asset_symbol
    assert sent.metadata["cqar_venue_asset_id"] == str(listing.pk)
    for flag in ("deposit_enabled", "withdraw_enabled", "trading_enabled", "is_active"):
        assert sent.HasField(flag) and getattr(sent, flag) is getattr(listing, flag), flag
    assert not sent.HasField("deployment_id")


def a_venue_and_an_asset() -> dict:
    venue, asset = VenueFactory(venue_id="kraken"), AssetFactory(symbol="BTC")
    return {
        "venue_id": venue.venue_id,
        "asset_id": str(asset.pk),
        "venue_asset_symbol": "XXBT",
        "withdraw_enabled": False,
    }


def check_create_venue_asset(answer, request) -> None:
    listing = VenueAsset.objects.get(venue_id=request.venue_id, asset_id=request.asset_id)
    assert (listing.venue_asset_symbol, listing.withdraw_enabled) == ("XXBT", False)
    assert_venue_asset_is(answer.venue_asset, listing)


def a_listing() -> dict:
    listing = VenueAssetFactory(venue_asset_symbol="XXBT", trading_enabled=False)
    return {"venue_id": listing.venue_id, "asset_id": str(listing.asset_id)}


def check_get_venue_asset(answer, request) -> None:
    listing = VenueAsset.objects.get(venue_id=request.venue_id, asset_id=request.asset_id)
    assert_venue_asset_is(answer.venue_asset, listing)


def listings_on_two_venues() -> dict:
    kraken = VenueFactory(venue_id="kraken")
    for code in ("XXBT", "XETH"):
        VenueAssetFactory(venue=kraken, venue_asset_symbol=code)
    VenueAssetFactory(venue=VenueFactory(venue_id="binance"), venue_asset_symbol="BTC")
    return {"venue_id": "kraken"}


def check_list_venue_assets(answer, request) -> None:
    listings = list(VenueAsset.objects.filter(venue_id="kraken").order_by("venue_asset_symbol"))
    assert [sent.venue_asset_symbol for sent in answer.venue_assets] == ["XETH", "XXBT"]
    for sent, listing in zip(answer.venue_assets, listings, strict=True):
        assert_venue_asset_is(sent, listing)


# --- Quality flags ---------------------------------------------------------------------------

FLAG_TYPE, FLAG_SEVERITY = "cqc.assets.v1.FlagType", "cqc.assets.v1.FlagSeverity"


def assert_flag_is(sent, flag: AssetQualityFlag) -> None:
    assert (sent.flag_id, sent.asset_id) == (str(flag.flag_id), str(flag.asset_id))
    assert sent.flag_type == contract_number(FLAG_TYPE, f"FLAG_TYPE_{flag.flag_type}")
    assert sent.severity == flag.severity
    assert contract_enum(FLAG_SEVERITY).values_by_number[sent.severity].name == (
        f"FLAG_SEVERITY_{Severity(flag.severity).name}"
    )
    assert (sent.source, sent.reason) == (flag.source, flag.reason)
    assert as_datetime(sent.raised_at) == flag.raised_at
    if flag.resolved_at is None:
        assert not sent.HasField("resolved_at")
    else:
        assert as_datetime(sent.resolved_at) == flag.resolved_at
        assert (sent.resolved_by, sent.resolution_notes) == (
            flag.resolved_by,
            flag.resolution_notes,
        )


def an_asset_to_flag() -> dict:
    return {
        "asset_id": str(AssetFactory().pk),
        "flag_type": contract_number(FLAG_TYPE, "FLAG_TYPE_PAUSED"),
        "severity": contract_number(FLAG_SEVERITY, "FLAG_SEVERITY_HIGH"),
        "description": "Transfers paused by the issuer.",
        "raised_by": "certik",
    }


def check_raise_quality_flag(answer, request) -> None:
    flag = AssetQualityFlag.objects.get(asset_id=request.asset_id)
    assert (flag.flag_type, flag.severity, flag.source) == ("PAUSED", Severity.HIGH, "certik")
    assert flag.reason == request.description
    assert_flag_is(answer.flag, flag)


def a_flag_someone_else_raised(severity=Severity.MEDIUM) -> AssetQualityFlag:
    return quality_services.flag_raise(
        asset=AssetFactory(), flag_type="PAUSED", severity=severity, reason="Paused", actor="user:a"
    )


def check_resolve_quality_flag(answer, request) -> None:
    flag = AssetQualityFlag.objects.get(pk=request.flag_id)
    assert flag.resolved_at is not None and flag.resolution_notes == "Unpaused."
    assert_flag_is(answer.flag, flag)


def active_and_resolved_flags(include_resolved: bool):
    def request() -> dict:
        flag = a_flag_someone_else_raised()
        AssetQualityFlagFactory(asset=flag.asset, severity=Severity.LOW, flag_type="UNVERIFIED")
        resolved = AssetQualityFlagFactory(asset=flag.asset, severity=Severity.CRITICAL)
        quality_services.flag_resolve(flag=resolved, actor="user:b", notes="False alarm.")
        fields = {"asset_id": str(flag.asset_id)}
        return {**fields, "include_resolved": True} if include_resolved else fields

    return request


def check_list_quality_flags(answer, request) -> None:
    flags = AssetQualityFlag.objects.filter(asset_id=request.asset_id)
    if not request.include_resolved:
        flags = flags.filter(resolved_at__isnull=True)
    flags = list(flags.order_by("-severity", "-raised_at"))
    assert len(flags) == (3 if request.include_resolved else 2)
    assert [sent.flag_id for sent in answer.flags] == [str(flag.flag_id) for flag in flags]
    for sent, flag in zip(answer.flags, flags, strict=True):
        assert_flag_is(sent, flag)


# --- Asset identifiers -----------------------------------------------------------------------

DATA_SOURCE = "cqc.assets.v1.DataSource"


def assert_asset_identifier_is(sent, identifier: AssetIdentifier) -> None:
    assert (sent.identifier_id, sent.asset_id) == (str(identifier.pk), str(identifier.asset_id))
    assert sent.source == contract_number(DATA_SOURCE, f"DATA_SOURCE_{identifier.source}")
    assert sent.external_id == identifier.external_id
    assert sent.HasField("is_primary") and sent.is_primary is identifier.is_primary
    assert as_datetime(sent.created_at) == identifier.created_at


def an_asset_without_identifiers() -> dict:
    return {
        "asset_id": str(AssetFactory(symbol="BTC").pk),
        "source": contract_number(DATA_SOURCE, "DATA_SOURCE_COINGECKO"),
        "external_id": "bitcoin",
        "is_primary": False,
    }


def check_create_asset_identifier(answer, request) -> None:
    identifier = AssetIdentifier.objects.get(asset_id=request.asset_id)
    assert (identifier.source, identifier.external_id) == ("COINGECKO", "bitcoin")
    assert identifier.is_primary is False
    assert_asset_identifier_is(answer.identifier, identifier)


def an_asset_with_identifiers() -> AssetIdentifier:
    asset = AssetFactory(symbol="BTC")
    AssetIdentifierFactory(asset=asset, source="COINMARKETCAP", external_id="1")
    return AssetIdentifierFactory(
        asset=asset, source="COINGECKO", external_id="bitcoin", is_primary=True
    )


def check_get_asset_identifier(answer, request) -> None:
    identifier = AssetIdentifier.objects.get(asset_id=request.asset_id, source="COINGECKO")
    assert_asset_identifier_is(answer.identifier, identifier)


def check_list_asset_identifiers(answer, request) -> None:
    identifiers = list(AssetIdentifier.objects.filter(asset_id=request.asset_id).order_by("source"))
    assert [sent.external_id for sent in answer.identifiers] == ["bitcoin", "1"]
    for sent, identifier in zip(answer.identifiers, identifiers, strict=True):
        assert_asset_identifier_is(sent, identifier)


def assert_identifier_is(sent, identifier: AssetIdentifier) -> None:
    """The same row as the platform-wide cqc.identifiers.v1.Identifier."""
    assert (sent.id, sent.entity_type) == (str(identifier.pk), "ASSET")
    assert sent.asset_id == str(identifier.asset_id)
    assert not sent.HasField("instrument_id") and not sent.HasField("market_id")
    assert (sent.source, sent.external_id) == (identifier.source, identifier.external_id)
    assert sent.HasField("is_primary") and sent.is_primary is identifier.is_primary


def check_get_identifier(answer, request) -> None:
    assert_identifier_is(answer.identifier, AssetIdentifier.objects.get(pk=request.identifier_id))


def check_list_identifiers(answer, request) -> None:
    identifiers = list(AssetIdentifier.objects.filter(asset_id=request.asset_id).order_by("source"))
    assert len(answer.identifiers) == 2
    for sent, identifier in zip(answer.identifiers, identifiers, strict=True):
        assert_identifier_is(sent, identifier)


# --- Relationships ---------------------------------------------------------------------------

RELATIONSHIP_TYPE = "cqc.assets.v1.RelationshipType"


def assert_relationship_is(sent, relationship: AssetRelationship) -> None:
    assert sent.relationship_id == str(relationship.relationship_id)
    # the contract's from_asset_id is the parent (ETH when WETH wraps it)
    assert sent.from_asset_id == str(relationship.parent_asset_id)
    assert sent.to_asset_id == str(relationship.child_asset_id)
    assert sent.relationship_type == contract_number(
        RELATIONSHIP_TYPE, f"RELATIONSHIP_TYPE_{relationship.relationship_type}"
    )
    assert sent.description == relationship.description


def ether_and_wrapped_ether() -> dict:
    eth, weth = AssetFactory(symbol="ETH"), AssetFactory(symbol="WETH")
    return {
        "source_asset_id": str(eth.pk),
        "target_asset_id": str(weth.pk),
        "relationship_type": contract_number(RELATIONSHIP_TYPE, "RELATIONSHIP_TYPE_WRAPS"),
        "description": "WETH wraps ETH.",
    }


def check_create_asset_relationship(answer, request) -> None:
    relationship = AssetRelationship.objects.get(
        parent_asset_id=request.source_asset_id, child_asset_id=request.target_asset_id
    )
    assert relationship.relationship_type == "WRAPS"
    assert_relationship_is(answer.relationship, relationship)


def ether_in_two_relationships() -> dict:
    eth = AssetFactory(symbol="ETH")
    AssetRelationshipFactory(parent_asset=eth, relationship_type="WRAPS")
    AssetRelationshipFactory(child_asset=eth, relationship_type="BRIDGES")
    AssetRelationshipFactory()  # of two other assets
    return {"asset_id": str(eth.pk)}


def check_list_asset_relationships(answer, request) -> None:
    asset_id = request.asset_id
    relationships = list(
        AssetRelationship.objects.filter(
            Q(parent_asset_id=asset_id) | Q(child_asset_id=asset_id)
        ).order_by("created_at", "relationship_id")
    )
    assert len(answer.relationships) == 2
    for sent, relationship in zip(answer.relationships, relationships, strict=True):
        assert_relationship_is(sent, relationship)


# --- Groups ----------------------------------------------------------------------------------


def assert_member_is(sent, member: AssetGroupMember) -> None:
    assert (sent.member_id, sent.group_id) == (str(member.pk), member.group_id)
    assert sent.asset_id == str(member.asset_id)
    assert Decimal(repr(sent.weight)) == member.weight
    assert as_datetime(sent.added_at) == member.created_at


def check_create_asset_group(answer, request) -> None:
    group = AssetGroup.objects.get(pk="usdc")  # made from the name
    assert (group.canonical_symbol, group.description) == ("USDC", request.description)
    assert group.metadata["group_type"] == "stablecoin"
    sent = answer.group
    assert (sent.group_id, sent.name, sent.description) == ("usdc", "USDC", group.description)
    assert sent.metadata["group_type"] == "stablecoin"
    assert list(sent.members) == []


def a_group_with_two_members() -> dict:
    group = AssetGroupFactory(group_id="usdc", canonical_symbol="USDC")
    AssetGroupMemberFactory(group=group, is_canonical=True)
    AssetGroupMemberFactory(group=group, weight=Decimal("0.25"))
    return {"group_id": "usdc"}


def check_get_asset_group(answer, request) -> None:
    group = AssetGroup.objects.get(pk=request.group_id)
    members = {str(member.pk): member for member in AssetGroupMember.objects.filter(group=group)}
    sent = answer.group
    assert (sent.group_id, sent.name) == (group.group_id, group.canonical_symbol)
    assert sorted(member.member_id for member in sent.members) == sorted(members)
    for member in sent.members:
        assert_member_is(member, members[member.member_id])
    canonical = next(member for member in members.values() if member.is_canonical)
    assert sent.metadata["cqar_canonical_asset_id"] == str(canonical.asset_id)


def a_group_and_an_asset() -> dict:
    AssetGroupFactory(group_id="usdc", canonical_symbol="USDC")
    return {"group_id": "usdc", "asset_id": str(AssetFactory().pk), "weight": 0.25}


def check_add_asset_to_group(answer, request) -> None:
    member = AssetGroupMember.objects.get(group_id=request.group_id, asset_id=request.asset_id)
    assert member.weight == Decimal("0.25")
    assert_member_is(answer.member, member)


def a_member() -> dict:
    member = AssetGroupMemberFactory()
    return {"group_id": member.group_id, "asset_id": str(member.asset_id)}


def check_remove_asset_from_group(answer, request) -> None:
    assert answer.HasField("success") and answer.success is True
    assert not AssetGroupMember.objects.filter(
        group_id=request.group_id, asset_id=request.asset_id
    ).exists()


# --- Assets and their deployments; CreateChain ----------------------------------------------

ASSET_TYPE = "cqc.assets.v1.AssetType"
USDC_ETHEREUM = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"


def assert_asset_is(sent, asset: Asset) -> None:
    assert (sent.asset_id, sent.symbol, sent.name) == (str(asset.pk), asset.symbol, asset.name)
    assert sent.asset_type == contract_number(ASSET_TYPE, f"ASSET_TYPE_{asset.asset_type}")
    assert (sent.category, sent.description) == (asset.category, asset.description)
    assert (sent.logo_url, sent.website_url) == (asset.logo_url, asset.website_url)
    assert as_datetime(sent.created_at) == asset.created_at
    assert as_datetime(sent.updated_at) == asset.updated_at


def a_new_token() -> dict:
    return {
        "symbol": "WETH",
        "name": "Wrapped Ether",
        "asset_type": contract_number(ASSET_TYPE, "ASSET_TYPE_ERC20"),
        "category": "wrapped",
        "website_url": "https://weth.io",
    }


def check_create_asset(answer, request) -> None:
    asset = Asset.objects.get(symbol="WETH")
    assert (asset.name, asset.asset_type, asset.category) == ("Wrapped Ether", "ERC20", "wrapped")
    assert_asset_is(answer.asset, asset)


def an_asset(**fields) -> Callable[[], dict]:
    return lambda: {"asset_id": str(AssetFactory(symbol="UNI", category="defi").pk), **fields}


def check_get_asset(answer, request) -> None:
    assert_asset_is(answer.asset, Asset.objects.get(pk=request.asset_id))


def check_update_asset(answer, request) -> None:
    asset = Asset.objects.get(pk=request.asset_id)
    assert (asset.symbol, asset.name, asset.category, asset.version) == (
        "UNI",
        "Uniswap",
        "defi",
        2,
    )
    assert_asset_is(answer.asset, asset)


def check_delete_asset(answer, request) -> None:
    assert answer.HasField("success") and answer.success is True
    assert Asset.all_objects.get(pk=request.asset_id).deleted_at is not None


def three_assets() -> dict:
    for symbol in ("ETH", "BTC", "SOL"):
        AssetFactory(symbol=symbol)
    return {"page_size": 2}


def check_list_assets(answer, request) -> None:
    assets = list(Asset.objects.order_by("symbol_key", "asset_id")[:2])
    assert [sent.symbol for sent in answer.assets] == ["BTC", "ETH"]
    for sent, asset in zip(answer.assets, assets, strict=True):
        assert_asset_is(sent, asset)
    assert answer.total_count == 3 and answer.next_page_token


def usd_coins() -> dict:
    for symbol, name in (("XUSD", "Some usd"), ("USDC", "USD Coin"), ("USDCE", "Bridged")):
        AssetFactory(symbol=symbol, name=name)
    return {"query": "usdc", "limit": 10}


def check_search_assets(answer, request) -> None:
    assert [sent.symbol for sent in answer.assets] == ["USDC", "USDCE"]  # exact, then prefix
    for sent in answer.assets:
        assert_asset_is(sent, Asset.objects.get(pk=sent.asset_id))


def assert_deployment_is(sent, deployment: AssetDeployment) -> None:
    assert sent.deployment_id == str(deployment.deployment_id)
    assert (sent.asset_id, sent.chain_id) == (str(deployment.asset_id), deployment.chain_id)
    assert (sent.chain_name, sent.address) == (deployment.chain.name, deployment.address)
    assert sent.decimals == deployment.decimals
    assert as_datetime(sent.created_at) == deployment.created_at
    assert as_datetime(sent.updated_at) == deployment.updated_at
    assert sent.metadata["cqar_is_native"] is deployment.is_native
    assert sent.metadata["cqar_is_canonical"] is deployment.is_canonical


def an_asset_and_a_chain() -> dict:
    ChainFactory(chain_id="ethereum", name="Ethereum", network_id=1)
    return {
        "asset_id": str(AssetFactory(symbol="USDC").pk),
        "chain_id": "ethereum",
        "contract_address": USDC_ETHEREUM.lower(),
        "decimals": 6,
        "is_native": False,
    }


def check_create_asset_deployment(answer, request) -> None:
    deployment = AssetDeployment.objects.get(asset_id=request.asset_id)
    assert (deployment.address, deployment.decimals) == (USDC_ETHEREUM, 6)
    assert_deployment_is(answer.deployment, deployment)


def a_deployment(by_address: bool) -> Callable[[], dict]:
    def request() -> dict:
        chain = ChainFactory(chain_id="ethereum", name="Ethereum", network_id=1)
        deployment = AssetDeploymentFactory(chain=chain, address=USDC_ETHEREUM, decimals=6)
        if by_address:
            return {"deployment_id": f"ethereum:{USDC_ETHEREUM.lower()}"}
        return {"deployment_id": str(deployment.deployment_id)}

    return request


def check_get_asset_deployment(answer, request) -> None:
    assert_deployment_is(answer.deployment, AssetDeployment.objects.get())


def an_asset_on_two_chains() -> dict:
    asset = AssetFactory(symbol="USDC")
    for chain_id, network_id in (("polygon", 137), ("arbitrum", 42161)):
        chain = ChainFactory(chain_id=chain_id, network_id=network_id)
        AssetDeploymentFactory(asset=asset, chain=chain)
    AssetDeploymentFactory()  # another asset's
    return {"asset_id": str(asset.pk)}


def check_list_asset_deployments(answer, request) -> None:
    deployments = list(AssetDeployment.objects.filter(asset_id=request.asset_id))
    assert [sent.chain_id for sent in answer.deployments] == ["arbitrum", "polygon"]
    for sent, deployment in zip(answer.deployments, deployments, strict=True):
        assert_deployment_is(sent, deployment)


def a_new_chain_and_its_native_asset() -> dict:
    AssetFactory(symbol="ETH", asset_type="NATIVE")
    return {
        "name": "Arbitrum One",
        "chain_type": "EVM",
        "chain_id": 42161,
        "native_asset_symbol": "ETH",
        "block_explorer_url": "https://arbiscan.io",
    }


def check_create_chain(answer, request) -> None:
    chain = Chain.objects.get(pk="arbitrum-one")  # the slug of its name
    assert (chain.network_id, chain.explorer_url) == (42161, "https://arbiscan.io")
    assert chain.native_asset.symbol == "ETH"
    assert_chain_is(answer.chain, chain)


# The metadata naming a venue symbol's market type (the contract has no field for it).
MARKET_TYPE_KEY = "cqar-market-type"


# --- Instruments -----------------------------------------------------------------------------

EXPIRY = datetime(2099, 12, 26, 8, tzinfo=UTC)
LISTED_AT = datetime(2024, 3, 1, 8, 30, 15, 123456, tzinfo=UTC)  # microseconds survive


def decimal_text(value: Decimal) -> str:
    """A decimal as the contracts' string: normalized, never in exponent form."""
    return format(value.normalize(), "f")


def as_dict(struct) -> dict:
    return json_format.MessageToDict(struct)


def assert_bookkeeping_is(sent, instance) -> None:
    assert as_datetime(sent.created_at) == instance.created_at
    assert as_datetime(sent.updated_at) == instance.updated_at


def assert_extensions_are(sent, expected: dict) -> None:
    """What the detail message has no field for, exactly (an empty Struct is left out)."""
    if expected:
        assert as_dict(sent.extensions) == expected
    else:
        assert not sent.HasField("extensions")


def bitcoin_and_tether() -> tuple[Asset, Asset]:
    return AssetFactory(symbol="BTC"), AssetFactory(symbol="USDT")


def contract_terms(*, inverse: bool = False, multiplier: str = "0.010") -> dict:
    """A BTC/USDT contract's terms: linear settles in USDT, inverse in BTC. The multiplier
    keeps a trailing zero, which the answer must not."""
    btc, usdt = bitcoin_and_tether()
    return {
        "underlying_asset": btc,
        "quote_asset": usdt,
        "settlement_asset": btc if inverse else usdt,
        "is_inverse": inverse,
        "is_quanto": False,
        "contract_multiplier": Decimal(multiplier),
    }


def instrument_id_of(make: Callable[[], Instrument]) -> Callable[[], dict]:
    return lambda: {"instrument_id": str(make().pk)}


def a_spot_pair() -> Instrument:
    btc, usdt = bitcoin_and_tether()
    return InstrumentFactory(underlying_asset=btc, quote_asset=usdt)


def an_inverse_perpetual() -> Instrument:
    # 1E+2 once normalized: the answer says "100"
    return InstrumentFactory(
        instrument_type="PERPETUAL", **contract_terms(inverse=True, multiplier="100.00")
    )


def a_linear_future() -> Instrument:
    return InstrumentFactory(instrument_type="FUTURE", expiry=EXPIRY, **contract_terms())


def a_put_option() -> Instrument:
    return InstrumentFactory(
        instrument_type="OPTION",
        expiry=EXPIRY,
        strike_price=Decimal("95000.500"),
        option_type="PUT",
        exercise_style="AMERICAN",
        **contract_terms(),
    )


def lending_on_aave(instrument_type: str) -> Callable[[], Instrument]:
    def make() -> Instrument:
        aave = VenueFactory(venue_id="aave-v3", venue_type="LENDING")
        usdc = AssetFactory(symbol="USDC")
        return InstrumentFactory(
            instrument_type=instrument_type,
            underlying_asset=usdc,
            quote_asset=None,
            protocol=aave,
            code=f"USDC-AAVE-V3-{instrument_type}",
        )

    return make


def check_get_instrument(answer, request) -> None:
    instrument = Instrument.objects.get(pk=request.instrument_id)
    sent = answer.instrument
    assert (sent.id, sent.instrument_type, sent.code) == (
        str(instrument.pk),
        instrument.instrument_type,
        instrument.code,
    )
    assert_bookkeeping_is(sent, instrument)


def check_get_spot_instrument(answer, request) -> None:
    instrument = Instrument.objects.get(pk=request.instrument_id)
    sent = answer.spot_instrument
    assert sent.instrument_id == str(instrument.pk)
    assert sent.base_asset_id == str(instrument.underlying_asset_id)
    assert sent.quote_asset_id == str(instrument.quote_asset_id)
    assert_extensions_are(sent, {})  # a spot pair settles in nothing
    assert_bookkeeping_is(sent, instrument)


def assert_contract_is(sent, instrument: Instrument) -> None:
    """The terms PerpContract, FutureContract and OptionSeries share."""
    assert sent.instrument_id == str(instrument.pk)
    assert sent.underlying_asset_id == str(instrument.underlying_asset_id)
    assert sent.contract_multiplier == decimal_text(instrument.contract_multiplier)
    assert Decimal(sent.contract_multiplier) == instrument.contract_multiplier
    assert_bookkeeping_is(sent, instrument)


def assert_flags_are(sent, instrument: Instrument) -> None:
    # false is sent as false: the contract declares them `optional`
    assert sent.HasField("is_inverse") and sent.is_inverse is instrument.is_inverse
    assert sent.HasField("is_quanto") and sent.is_quanto is instrument.is_quanto


def settled_in(instrument: Instrument) -> dict:
    return {
        "cqar_quote_asset_id": str(instrument.quote_asset_id),
        "cqar_settlement_asset_id": str(instrument.settlement_asset_id),
    }


def check_get_perp_contract(answer, request) -> None:
    instrument = Instrument.objects.get(pk=request.instrument_id)
    sent = answer.perp_contract
    assert_contract_is(sent, instrument)
    assert sent.contract_multiplier == "100"
    assert_flags_are(sent, instrument)
    assert sent.is_inverse is True
    assert_extensions_are(sent, settled_in(instrument))


def check_get_future_contract(answer, request) -> None:
    instrument = Instrument.objects.get(pk=request.instrument_id)
    sent = answer.future_contract
    assert_contract_is(sent, instrument)
    assert sent.contract_multiplier == "0.01"
    assert as_datetime(sent.expiry) == instrument.expiry == EXPIRY
    assert_flags_are(sent, instrument)
    assert_extensions_are(sent, settled_in(instrument))


def check_get_option_series(answer, request) -> None:
    instrument = Instrument.objects.get(pk=request.instrument_id)
    sent = answer.option_series
    assert_contract_is(sent, instrument)
    assert as_datetime(sent.expiry) == instrument.expiry
    assert sent.strike_price == decimal_text(instrument.strike_price) == "95000.5"
    assert (sent.option_type, sent.exercise_style) == ("PUT", "AMERICAN")
    assert (sent.option_type, sent.exercise_style) == (
        instrument.option_type,
        instrument.exercise_style,
    )
    # OptionSeries has no is_inverse or is_quanto: they ride in extensions
    assert_extensions_are(
        sent,
        {
            **settled_in(instrument),
            "cqar_is_inverse": instrument.is_inverse,
            "cqar_is_quanto": instrument.is_quanto,
        },
    )


def check_lending_terms(field: str) -> Callable[[Message, Message], None]:
    def check(answer, request) -> None:
        instrument = Instrument.objects.get(pk=request.instrument_id)
        sent = getattr(answer, field)
        assert sent.instrument_id == str(instrument.pk)
        assert sent.underlying_asset_id == str(instrument.underlying_asset_id)
        assert_extensions_are(sent, {"cqar_protocol_id": instrument.protocol_id})
        assert instrument.protocol_id == "aave-v3"
        assert_bookkeeping_is(sent, instrument)

    return check


# --- Markets and venue symbols ---------------------------------------------------------------

# The trading rules a market can hold, each a decimal the contract's Market sends as text.
MARKET_DECIMALS = (
    "tick_size",
    "lot_size",
    "min_order_size",
    "max_order_size",
    "min_notional",
    "maker_fee",
    "taker_fee",
)


def binance_btcusdt_spot_and_perpetual() -> dict:
    """binance lists BTCUSDT twice: the spot pair and the linear perpetual."""
    binance = VenueFactory(venue_id="binance", name="Binance")
    terms = contract_terms()
    spot = InstrumentFactory(
        underlying_asset=terms["underlying_asset"], quote_asset=terms["quote_asset"]
    )
    perpetual = InstrumentFactory(instrument_type="PERPETUAL", **terms)
    MarketFactory(
        venue=binance,
        venue_symbol="BTCUSDT",
        instrument=spot,
        tick_size=Decimal("0.010"),
        lot_size=Decimal("0.00001"),
        min_notional=Decimal("5"),
        maker_fee=Decimal("0.001"),
        taker_fee=Decimal("0.001"),
        listed_at=LISTED_AT,
    )
    MarketFactory(
        venue=binance,
        venue_symbol="BTCUSDT",
        instrument=perpetual,
        market_type="PERPETUAL",
        tick_size=Decimal("0.10"),
        lot_size=Decimal("0.001"),
        min_order_size=Decimal("0.001"),
        max_order_size=Decimal("1000"),
        maker_fee=Decimal("-0.0001"),  # a rebate
        taker_fee=Decimal("0.0004"),
        funding_interval_secs=28_800,
        listed_at=LISTED_AT,
        metadata={"contract_type": "PERPETUAL", "onboard_rank": 1},
    )
    return {"venue_id": "binance", "venue_symbol": "BTCUSDT"}


def a_perpetual_market() -> dict:
    binance_btcusdt_spot_and_perpetual()
    return {"market_id": str(Market.objects.get(market_type="PERPETUAL").pk)}


def check_get_market(answer, request) -> None:
    market = Market.objects.select_related("instrument").get(pk=int(request.market_id))
    instrument = market.instrument
    sent = answer.market
    assert (sent.id, sent.instrument_id) == (str(market.pk), str(instrument.pk))
    assert (sent.venue_id, sent.venue_symbol) == (market.venue_id, market.venue_symbol)
    assert sent.settlement_asset_id == str(instrument.settlement_asset_id)
    assert sent.price_currency_asset_id == str(instrument.quote_asset_id)
    for name in MARKET_DECIMALS:
        value = getattr(market, name)
        if value is None:
            assert not sent.HasField(name), name
        else:
            assert getattr(sent, name) == decimal_text(value), name
            assert Decimal(getattr(sent, name)) == value, name
    assert (sent.tick_size, sent.max_order_size, sent.maker_fee) == ("0.1", "1000", "-0.0001")
    assert not sent.HasField("min_notional")
    assert sent.funding_interval_secs == market.funding_interval_secs == 28_800
    assert sent.status == market.status == "TRADING"
    assert as_datetime(sent.listed_at) == market.listed_at == LISTED_AT
    assert not sent.HasField("delisted_at")
    assert as_dict(sent.metadata) == {
        **market.metadata,
        "cqar_market_type": market.market_type,
        "cqar_is_active": True,
    }
    assert_bookkeeping_is(sent, market)


def current_btcusdt(market_type: str) -> Market:
    return Market.objects.current().get(
        venue_id="binance", venue_symbol="BTCUSDT", market_type=market_type
    )


def check_resolve_market(market_type: str) -> Callable[[Message, Message], None]:
    def check(answer, request) -> None:
        market = current_btcusdt(market_type)
        assert answer.market_id == str(market.pk)
        assert answer.instrument_id == str(market.instrument_id)

    return check


def assert_venue_symbol_is(sent, market: Market) -> None:
    """A market as v0.3.1's VenueSymbol: the fees and minimum notional as doubles, and
    what the message has no field for in metadata under cqar_ names."""
    assert (sent.venue_id, sent.venue_symbol) == (market.venue_id, market.venue_symbol)
    assert sent.symbol_id == str(market.instrument_id)
    assert sent.HasField("is_active") and sent.is_active is (market.status == "TRADING")
    for name in ("maker_fee", "taker_fee", "min_notional"):
        value = getattr(market, name)
        if value is None:
            assert not sent.HasField(name), name
        else:
            assert Decimal(repr(getattr(sent, name))) == value, name
    for name in ("min_order_value", "max_order_value", "max_leverage"):
        assert not sent.HasField(name), f"{name}: the registry holds no value"
    if market.listed_at is None:
        assert not sent.HasField("listed_at")
    else:
        assert as_datetime(sent.listed_at) == market.listed_at
    assert not sent.HasField("delisted_at")
    extra = {
        "cqar_market_id": str(market.pk),
        "cqar_market_type": market.market_type,
        "cqar_status": market.status,
        "cqar_instrument_code": market.instrument.code,
    }
    for name in ("tick_size", "lot_size", "min_order_size", "max_order_size"):
        if (value := getattr(market, name)) is not None:
            extra[f"cqar_{name}"] = decimal_text(value)
    if market.funding_interval_secs is not None:
        extra["cqar_funding_interval_secs"] = market.funding_interval_secs
    assert as_dict(sent.metadata) == extra


def check_get_venue_symbol(market_type: str) -> Callable[[Message, Message], None]:
    def check(answer, request) -> None:
        market = current_btcusdt(market_type)
        assert_venue_symbol_is(answer.venue_symbol, market)
        if market_type == "SPOT":
            assert answer.venue_symbol.metadata["cqar_tick_size"] == "0.01"
        else:
            assert answer.venue_symbol.maker_fee == -0.0001

    return check


def a_spot_pair_to_list() -> dict:
    VenueFactory(venue_id="binance")
    return {
        "venue_id": "binance",
        "symbol_id": str(a_spot_pair().pk),
        "venue_symbol": "BTCUSDT",
        "maker_fee": 0.001,
        "taker_fee": -0.0001,
    }


def check_create_venue_symbol(answer, request) -> None:
    market = Market.objects.select_related("instrument").get(
        venue_id="binance", venue_symbol="BTCUSDT"
    )
    assert str(market.instrument_id) == request.symbol_id
    assert (market.market_type, market.status) == ("SPOT", "TRADING")
    assert (market.maker_fee, market.taker_fee) == (Decimal("0.001"), Decimal("-0.0001"))
    assert market.tick_size is None and market.listed_at is None  # not given, left unknown
    assert_venue_symbol_is(answer.venue_symbol, market)


def markets_on_two_venues() -> dict:
    """binance: BTCUSDT spot and perpetual, a halted ETHUSDT, a delisted LUNAUSDT; kraken
    lists the spot pair too."""
    binance_btcusdt_spot_and_perpetual()
    binance, spot = Venue.objects.get(pk="binance"), Market.objects.get(market_type="SPOT")
    MarketFactory(venue=binance, venue_symbol="ETHUSDT", status="HALTED")
    MarketFactory(
        venue=binance,
        venue_symbol="LUNAUSDT",
        status="DELISTED",
        listed_at=LISTED_AT,
        delisted_at=datetime(2024, 5, 13, tzinfo=UTC),
    )
    MarketFactory(
        venue=VenueFactory(venue_id="kraken"), venue_symbol="XBTUSDT", instrument=spot.instrument
    )
    return {}


def check_list_venue_symbols(expected_symbols: list[tuple[str, str]]):
    """The current markets the request's filters name, as (venue, symbol) in REST's order."""

    def check(answer, request) -> None:
        markets = Market.objects.current().select_related("instrument")
        if request.HasField("venue_id"):
            markets = markets.filter(venue_id=request.venue_id)
        if request.HasField("symbol_id"):
            markets = markets.filter(instrument_id=request.symbol_id)
        markets = list(markets.order_by("venue_id", "venue_symbol", "market_type", "id"))
        assert [(sent.venue_id, sent.venue_symbol) for sent in answer.venue_symbols] == (
            expected_symbols
        )
        assert [sent.metadata["cqar_market_id"] for sent in answer.venue_symbols] == [
            str(market.pk) for market in markets
        ]
        for sent, market in zip(answer.venue_symbols, markets, strict=True):
            assert_venue_symbol_is(sent, market)

    return check


def of_binance() -> dict:
    markets_on_two_venues()
    return {"venue_id": "binance"}


def of_the_spot_pair() -> dict:
    markets_on_two_venues()
    spot = Market.objects.get(venue_id="binance", market_type="SPOT", venue_symbol="BTCUSDT")
    return {"symbol_id": str(spot.instrument_id)}


def identifier_id_of(make: Callable[[], AssetIdentifier]) -> Callable[[], dict]:
    return lambda: {"identifier_id": str(make().pk)}


def asset_of(make: Callable[[], AssetIdentifier], **fields) -> Callable[[], dict]:
    return lambda: {"asset_id": str(make().asset_id), **fields}


WIRE_CASES = [
    WireCase("GetChain", an_evm_chain_with_its_native_asset, check_get_chain),
    WireCase("ListChains", three_chains_of_two_types, check_list_chains, name="all"),
    WireCase(
        "ListChains",
        lambda: {**three_chains_of_two_types(), "chain_type": "evm"},
        check_list_chains,
        name="evm",
    ),
    WireCase("CreateAsset", a_new_token, check_create_asset, token="steward"),
    WireCase("GetAsset", an_asset(), check_get_asset),
    WireCase("UpdateAsset", an_asset(name="Uniswap"), check_update_asset, token="steward"),
    WireCase("DeleteAsset", an_asset(), check_delete_asset, token="steward"),
    WireCase("ListAssets", three_assets, check_list_assets),
    WireCase("SearchAssets", usd_coins, check_search_assets),
    WireCase(
        "CreateAssetDeployment",
        an_asset_and_a_chain,
        check_create_asset_deployment,
        token="steward",
    ),
    WireCase("GetAssetDeployment", a_deployment(False), check_get_asset_deployment, name="id"),
    WireCase("GetAssetDeployment", a_deployment(True), check_get_asset_deployment, name="address"),
    WireCase("ListAssetDeployments", an_asset_on_two_chains, check_list_asset_deployments),
    WireCase("CreateChain", a_new_chain_and_its_native_asset, check_create_chain, token="steward"),
    WireCase("CreateVenue", a_dex_on_a_chain, check_create_venue, token="steward"),
    WireCase("GetVenue", a_venue, check_get_venue),
    WireCase("ListVenues", venues_of_two_types, check_list_venues),
    WireCase("CreateVenueAsset", a_venue_and_an_asset, check_create_venue_asset, token="steward"),
    WireCase("GetVenueAsset", a_listing, check_get_venue_asset),
    WireCase("ListVenueAssets", listings_on_two_venues, check_list_venue_assets),
    WireCase("RaiseQualityFlag", an_asset_to_flag, check_raise_quality_flag, token="auditor"),
    WireCase(
        "ResolveQualityFlag",
        lambda: {
            "flag_id": str(a_flag_someone_else_raised().pk),
            "resolution_notes": "Unpaused.",
        },
        check_resolve_quality_flag,
        token="auditor",
    ),
    WireCase(
        "ListQualityFlags",
        active_and_resolved_flags(include_resolved=False),
        check_list_quality_flags,
        name="active",
    ),
    WireCase(
        "ListQualityFlags",
        active_and_resolved_flags(include_resolved=True),
        check_list_quality_flags,
        name="include_resolved",
    ),
    WireCase(
        "CreateAssetIdentifier",
        an_asset_without_identifiers,
        check_create_asset_identifier,
        token="steward",
    ),
    WireCase(
        "GetAssetIdentifier",
        asset_of(
            an_asset_with_identifiers,
            source=contract_number(DATA_SOURCE, "DATA_SOURCE_COINGECKO"),
        ),
        check_get_asset_identifier,
    ),
    WireCase(
        "ListAssetIdentifiers", asset_of(an_asset_with_identifiers), check_list_asset_identifiers
    ),
    WireCase("GetIdentifier", identifier_id_of(an_asset_with_identifiers), check_get_identifier),
    WireCase(
        "ListIdentifiers",
        asset_of(an_asset_with_identifiers, entity_type="ASSET"),
        check_list_identifiers,
    ),
    WireCase(
        "CreateAssetRelationship",
        ether_and_wrapped_ether,
        check_create_asset_relationship,
        token="steward",
    ),
    WireCase("ListAssetRelationships", ether_in_two_relationships, check_list_asset_relationships),
    WireCase(
        "CreateAssetGroup",
        lambda: {"name": "USDC", "description": "USD Coin everywhere", "group_type": "stablecoin"},
        check_create_asset_group,
        token="steward",
    ),
    WireCase("GetAssetGroup", a_group_with_two_members, check_get_asset_group),
    WireCase("AddAssetToGroup", a_group_and_an_asset, check_add_asset_to_group, token="steward"),
    WireCase("RemoveAssetFromGroup", a_member, check_remove_asset_from_group, token="steward"),
    WireCase("GetInstrument", instrument_id_of(a_spot_pair), check_get_instrument),
    WireCase("GetSpotInstrument", instrument_id_of(a_spot_pair), check_get_spot_instrument),
    WireCase("GetPerpContract", instrument_id_of(an_inverse_perpetual), check_get_perp_contract),
    WireCase("GetFutureContract", instrument_id_of(a_linear_future), check_get_future_contract),
    WireCase("GetOptionSeries", instrument_id_of(a_put_option), check_get_option_series),
    WireCase(
        "GetLendingDeposit",
        instrument_id_of(lending_on_aave("LENDING_DEPOSIT")),
        check_lending_terms("lending_deposit"),
    ),
    WireCase(
        "GetLendingBorrow",
        instrument_id_of(lending_on_aave("LENDING_BORROW")),
        check_lending_terms("lending_borrow"),
    ),
    WireCase("GetMarket", a_perpetual_market, check_get_market),
    WireCase(
        "ResolveMarket",
        binance_btcusdt_spot_and_perpetual,
        check_resolve_market("SPOT"),
        name="spot-by-default",
    ),
    WireCase(
        "ResolveMarket",
        binance_btcusdt_spot_and_perpetual,
        check_resolve_market("PERPETUAL"),
        name="perpetual-by-metadata",
        metadata=((MARKET_TYPE_KEY, "perpetual"),),
    ),
    WireCase(
        "GetVenueSymbol",
        binance_btcusdt_spot_and_perpetual,
        check_get_venue_symbol("SPOT"),
        name="spot-by-default",
    ),
    WireCase(
        "GetVenueSymbol",
        binance_btcusdt_spot_and_perpetual,
        check_get_venue_symbol("PERPETUAL"),
        name="perpetual-by-metadata",
        metadata=((MARKET_TYPE_KEY, "PERPETUAL"),),
    ),
    WireCase("CreateVenueSymbol", a_spot_pair_to_list, check_create_venue_symbol, token="steward"),
    WireCase(
        "ListVenueSymbols",
        of_binance,
        check_list_venue_symbols(
            [("binance", "BTCUSDT"), ("binance", "BTCUSDT"), ("binance", "ETHUSDT")]
        ),
        name="venue",
    ),
    WireCase(
        "ListVenueSymbols",
        of_the_spot_pair,
        check_list_venue_symbols([("binance", "BTCUSDT"), ("kraken", "XBTUSDT")]),
        name="instrument",
    ),
]


@pytest.fixture
def tokens(viewer_md, steward_md, auditor_md) -> dict:
    return {"viewer": viewer_md, "steward": steward_md, "auditor": auditor_md}


@pytest.mark.parametrize("case", WIRE_CASES, ids=lambda case: case.id)
def test_a_contract_client_calls_the_method(grpc_server, tokens, case):
    method = contract_service().methods_by_name[case.method]
    request = stand_in_class(method.input_type)(**case.request())

    metadata = (*tokens[case.token], *case.metadata)
    answer, _ = call_method(grpc_server.address, case.method, request, metadata)

    assert answer.DESCRIPTOR is method.output_type
    assert_no_unknown_fields(answer)
    case.check(answer, request)


def test_every_answered_method_has_a_wire_case(grpc_server, viewer_md):
    """A method the server answers (anything but UNIMPLEMENTED to an empty request by a
    viewer, who may write nothing) is called with the stand-in by a case above."""
    with_cases = {case.method for case in WIRE_CASES}
    answered = set()
    for method in contract_service().methods:
        request = stand_in_class(method.input_type)()
        try:
            call_method(grpc_server.address, method.name, request, viewer_md)
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.UNIMPLEMENTED:
                continue
        answered.add(method.name)
    assert {"GetChain", "ListChains"} <= answered
    assert answered - with_cases == set(), "answered without a case in WIRE_CASES"
    assert with_cases - answered == set(), "a case of a method the server does not answer"


def test_reflection_describes_the_stand_ins_service(grpc_server):
    """What the server tells grpcurl and a reflecting client: the stand-in's methods, by
    path, with the stand-in's request and response messages, field for field; whether
    a handler answers them yet or not."""
    with grpc.insecure_channel(grpc_server.address) as channel:
        database = ProtoReflectionDescriptorDatabase(channel)
        assert SERVICE in set(database.get_services())
        served = descriptor_pool.DescriptorPool(database).FindServiceByName(SERVICE)

        assert service_structure(served) == service_structure(contract_service())
        stand_in = contract_service().methods_by_name
        for method in served.methods:
            assert structure(method.input_type) == structure(stand_in[method.name].input_type), (
                method.name
            )
            assert structure(method.output_type) == structure(stand_in[method.name].output_type), (
                method.name
            )
