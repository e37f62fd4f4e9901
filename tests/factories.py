"""factory-boy factories for every model. Defaults are valid and unique per call."""

import uuid

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
from markets.choices import InstrumentType, MarketStatus
from markets.models import Instrument, Market, VenueSymbol
from quality.choices import FlagType, Severity
from quality.models import AssetQualityFlag
from venues.choices import VenueType
from venues.models import Venue, VenueAsset


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


class VenueSymbolFactory(factory.Factory):
    """A market as a venue ticker, written straight to the tables (no events), as the
    other factories write: a spot pair's instrument is shared, any other ticker gets an
    instrument of its own whose terms are not known (as the venue-ticker API makes it)."""

    class Meta:
        model = VenueSymbol

    venue = factory.SubFactory(VenueFactory)
    symbol = factory.Sequence(lambda n: f"TKN{n}USDT")
    market_type = InstrumentType.SPOT
    asset = factory.SubFactory(AssetFactory)

    @classmethod
    def _create(cls, model_class, *, symbol, asset, quote_asset=None, is_active=True, **fields):
        market_type = fields.get("market_type", InstrumentType.SPOT)
        complete = market_type == InstrumentType.SPOT and quote_asset is not None
        instrument = (
            Instrument.objects.filter(
                terms_complete=True,
                instrument_type="SPOT",
                underlying_asset=asset,
                quote_asset=quote_asset,
            ).first()
            if complete
            else None
        )
        if instrument is None:
            instrument_id = uuid.uuid4()
            instrument = Instrument.objects.create(
                instrument_id=instrument_id,
                instrument_type=market_type,
                code=f"{asset.symbol.upper()}-{instrument_id.hex[:8].upper()}",
                underlying_asset=asset,
                quote_asset=quote_asset,
                terms_complete=complete,
            )
        if fields.get("delisted_at") is not None:
            fields["status"] = MarketStatus.DELISTED
        elif not is_active:
            fields.setdefault("status", MarketStatus.HALTED)
        return model_class.objects.create(venue_symbol=symbol, instrument=instrument, **fields)


class InstrumentFactory(factory.django.DjangoModelFactory):
    """A spot pair of two new assets (complete terms), written straight to the table."""

    class Meta:
        model = Instrument

    instrument_type = InstrumentType.SPOT
    underlying_asset = factory.SubFactory(AssetFactory)
    quote_asset = factory.SubFactory(AssetFactory)
    code = factory.LazyAttribute(
        lambda o: (
            f"{o.underlying_asset.symbol.upper()}-{o.quote_asset.symbol.upper()}"
            f"-{uuid.uuid4().hex[:8].upper()}"
        )
    )


class MarketFactory(factory.django.DjangoModelFactory):
    """A market of a new spot instrument, written straight to the table."""

    class Meta:
        model = Market

    venue = factory.SubFactory(VenueFactory)
    venue_symbol = factory.Sequence(lambda n: f"MKT{n}USDT")
    instrument = factory.SubFactory(InstrumentFactory)
    market_type = InstrumentType.SPOT
