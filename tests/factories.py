"""factory-boy factories for every model. Defaults are valid and unique per call."""

import factory
from eth_utils import to_checksum_address

from assets.choices import AssetType, IdentifierSource, RelationshipType
from assets.models import (
    Asset,
    AssetDeployment,
    AssetGroup,
    AssetGroupMember,
    AssetIdentifier,
    AssetRelationship,
)
from chains.choices import ChainType
from chains.models import Chain
from quality.choices import FlagType, Severity
from quality.models import AssetQualityFlag
from venues.choices import MarketType, VenueType
from venues.models import Venue, VenueAsset, VenueSymbol


class ChainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Chain

    chain_id = factory.Sequence(lambda n: f"chain-{n}")
    name = factory.Sequence(lambda n: f"Chain {n}")
    chain_type = ChainType.EVM
    network_id = factory.Sequence(lambda n: 900_000 + n)


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Asset

    symbol = factory.Sequence(lambda n: f"TKN{n}")
    name = factory.Sequence(lambda n: f"Token {n}")
    asset_type = AssetType.ERC20


class AssetIdentifierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssetIdentifier

    asset = factory.SubFactory(AssetFactory)
    source = IdentifierSource.COINGECKO
    external_id = factory.Sequence(lambda n: f"token-{n}")


def evm_address(n: int) -> str:
    return to_checksum_address(f"0x{n:040x}")


class AssetDeploymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssetDeployment

    asset = factory.SubFactory(AssetFactory)
    chain = factory.SubFactory(ChainFactory)
    address = factory.Sequence(lambda n: evm_address(0xC0FFEE000 + n))
    decimals = 18


class AssetRelationshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssetRelationship

    parent_asset = factory.SubFactory(AssetFactory)
    child_asset = factory.SubFactory(AssetFactory)
    relationship_type = RelationshipType.WRAPS


class AssetGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssetGroup

    group_id = factory.Sequence(lambda n: f"group-{n}")
    canonical_symbol = factory.Sequence(lambda n: f"GRP{n}")


class AssetGroupMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssetGroupMember

    group = factory.SubFactory(AssetGroupFactory)
    asset = factory.SubFactory(AssetFactory)


class AssetQualityFlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssetQualityFlag

    asset = factory.SubFactory(AssetFactory)
    flag_type = FlagType.SCAM
    severity = Severity.CRITICAL
    reason = "Test flag"
    raised_by = "user:test"


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    venue_id = factory.Sequence(lambda n: f"venue-{n}")
    name = factory.Sequence(lambda n: f"Venue {n}")
    venue_type = VenueType.CEX


class VenueAssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VenueAsset

    venue = factory.SubFactory(VenueFactory)
    asset = factory.SubFactory(AssetFactory)
    venue_asset_symbol = factory.Sequence(lambda n: f"CODE{n}")


class VenueSymbolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VenueSymbol

    venue = factory.SubFactory(VenueFactory)
    symbol = factory.Sequence(lambda n: f"TKN{n}USDT")
    market_type = MarketType.SPOT
    asset = factory.SubFactory(AssetFactory)
