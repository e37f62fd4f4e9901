from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assets.api.serializers import AssetSummaryWithFlagsSerializer, SymbolCollisionsSerializer
from assets.models import Asset
from markets.choices import ExerciseStyle, InstrumentType, MarketStatus, OptionType
from markets.models import Instrument, Market, VenueSymbol
from registry.api.schema import register_resolve_answer
from registry.api.serializers import (
    ExactDecimalField,
    RegistryModelSerializer,
    RegistryPrimaryKeyRelatedField,
    StrictBooleanField,
)
from venues.api.views import register_listed_assets
from venues.models import Venue

BOOKKEEPING = ("created_at", "updated_at", "version")

# The API's names of the references, which the contract spells with _id; the services
# (and their errors) name the model's fields. The views rename the errors' fields.
API_FIELD_NAMES = {
    "underlying_asset": "underlying_asset_id",
    "quote_asset": "quote_asset_id",
    "settlement_asset": "settlement_asset_id",
    "protocol": "protocol_id",
    "venue": "venue_id",
    "instrument": "instrument_id",
}


class MarketsModelSerializer(RegistryModelSerializer):
    serializer_field_mapping = {
        **RegistryModelSerializer.serializer_field_mapping,
        models.DecimalField: ExactDecimalField,
    }


class InstrumentSerializer(MarketsModelSerializer):
    """An instrument: what is traded, whichever venue lists it. Its terms are written
    once (those not known yet may be completed, each once); its code is made from them."""

    underlying_asset_id = RegistryPrimaryKeyRelatedField(
        source="underlying_asset",
        queryset=Asset.objects.all(),
        help_text="asset_id: a spot pair's base, anything else's underlying.",
    )
    base_asset_id = serializers.SerializerMethodField(
        help_text="A spot pair's base asset (its underlying); null for anything else."
    )
    quote_asset_id = RegistryPrimaryKeyRelatedField(
        source="quote_asset",
        queryset=Asset.objects.all(),
        allow_null=True,
        required=False,
        help_text="asset_id of what prices are in (a market's price currency).",
    )
    settlement_asset_id = RegistryPrimaryKeyRelatedField(
        source="settlement_asset",
        queryset=Asset.objects.all(),
        allow_null=True,
        required=False,
        help_text="asset_id of what a derivative pays out and margins in: its underlying "
        "when inverse, its quote when linear, a third asset when quanto.",
    )
    protocol_id = RegistryPrimaryKeyRelatedField(
        source="protocol",
        queryset=Venue.objects.all(),
        allow_null=True,
        required=False,
        help_text="venue_id of a lending deposit's or borrow's protocol.",
    )

    class Meta:
        model = Instrument
        fields = (
            "instrument_id",
            "instrument_type",
            "code",
            "underlying_asset_id",
            "base_asset_id",
            "quote_asset_id",
            "settlement_asset_id",
            "is_inverse",
            "is_quanto",
            "contract_multiplier",
            "expiry",
            "strike_price",
            "option_type",
            "exercise_style",
            "protocol_id",
            "terms_complete",
            "metadata",
            *BOOKKEEPING,
        )
        # terms_complete: false only where the registry could not know the terms (a venue
        # ticker); an instrument registered with its terms is complete.
        read_only_fields = ("instrument_id", "code", "terms_complete", *BOOKKEEPING)

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_base_asset_id(self, instrument) -> str | None:
        if instrument.instrument_type != InstrumentType.SPOT:
            return None
        return str(instrument.underlying_asset_id)


class MarketSerializer(MarketsModelSerializer):
    """An instrument listed on a venue under the venue's symbol, with its trading rules.
    What it means (venue, symbol, type, instrument) is fixed once listed; a market is
    delisted (closed), never deleted."""

    instrument_id = RegistryPrimaryKeyRelatedField(
        source="instrument", queryset=Instrument.objects.all()
    )
    venue_id = RegistryPrimaryKeyRelatedField(source="venue", queryset=Venue.objects.all())
    market_type = serializers.ChoiceField(
        choices=InstrumentType.choices,
        required=False,
        help_text="The instrument's type: may be left out; a different one is refused.",
        error_messages={
            "invalid_choice": f'"{{input}}" is not one of: {", ".join(InstrumentType.values)}.'
        },
    )
    settlement_asset_id = serializers.UUIDField(
        read_only=True, allow_null=True, help_text="The instrument's settlement asset."
    )
    price_currency_asset_id = serializers.UUIDField(
        read_only=True, allow_null=True, help_text="The instrument's quote asset."
    )
    is_current = serializers.BooleanField(read_only=True, help_text="Not delisted.")

    class Meta:
        model = Market
        fields = (
            "id",
            "instrument_id",
            "venue_id",
            "venue_symbol",
            "market_type",
            "settlement_asset_id",
            "price_currency_asset_id",
            "tick_size",
            "lot_size",
            "min_order_size",
            "max_order_size",
            "min_notional",
            "maker_fee",
            "taker_fee",
            "funding_interval_secs",
            "status",
            "listed_at",
            "delisted_at",
            "is_current",
            "metadata",
            *BOOKKEEPING,
        )
        read_only_fields = ("id", "delisted_at", *BOOKKEEPING)


class MarketDelistSerializer(serializers.Serializer):
    delisted_at = serializers.DateTimeField(required=False, help_text="Default: now.")
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text="Kept in the market's metadata as delisting_reason.",
    )


class VenueSymbolSerializer(RegistryModelSerializer):
    """A market as a venue ticker: its base (``asset``) and quote asset are its
    instrument's underlying and quote."""

    symbol = serializers.CharField(max_length=100, help_text="As the venue spells it.")
    market_type = serializers.ChoiceField(
        choices=InstrumentType.choices,
        default=InstrumentType.SPOT,
        error_messages={
            "invalid_choice": f'"{{input}}" is not one of: {", ".join(InstrumentType.values)}.'
        },
    )
    asset = RegistryPrimaryKeyRelatedField(
        queryset=Asset.objects.all(), help_text="The base asset the ticker resolves to."
    )
    quote_asset = RegistryPrimaryKeyRelatedField(
        queryset=Asset.objects.all(), allow_null=True, required=False
    )
    is_active = StrictBooleanField(
        required=False, help_text="Open for orders (the market's status is TRADING)."
    )
    is_current = serializers.BooleanField(read_only=True, help_text="Not delisted.")

    class Meta:
        model = VenueSymbol
        fields = (
            "id",
            "venue",
            "symbol",
            "market_type",
            "asset",
            "quote_asset",
            "is_active",
            "listed_at",
            "delisted_at",
            "is_current",
            "metadata",
            *BOOKKEEPING,
        )
        read_only_fields = ("id", "delisted_at", *BOOKKEEPING)
        create_only_fields = ("venue", "symbol", "market_type", "asset", "quote_asset")


class VenueSymbolDelistSerializer(serializers.Serializer):
    delisted_at = serializers.DateTimeField(required=False, help_text="Default: now.")


def _decimal(help_text: str) -> serializers.CharField:
    """A decimal of a hot answer: a normalized string ("0.01"), null when not known."""
    return serializers.CharField(allow_null=True, help_text=f"{help_text} A decimal string.")


# The parts of the hot lookups' answers that markets/lookups.py builds as bytes: described
# for the OpenAPI document only (registered in MarketsConfig.ready()).
class MarketAnswerSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The market's id (a venue ticker's id).")
    venue = serializers.CharField(help_text="venue_id.")
    venue_symbol = serializers.CharField(help_text="As the venue spells it.")
    status = serializers.ChoiceField(choices=MarketStatus.choices)
    tick_size = _decimal("Price increment.")
    lot_size = _decimal("Quantity increment.")
    min_order_size = _decimal("Smallest order quantity.")
    max_order_size = _decimal("Largest order quantity.")
    min_notional = _decimal("Smallest order value, in the price currency.")
    maker_fee = _decimal("Fraction (0.001 = 0.1 %); negative for a rebate.")
    taker_fee = _decimal("Fraction (0.001 = 0.1 %).")
    funding_interval_secs = serializers.IntegerField(
        allow_null=True, help_text="A perpetual's funding interval."
    )
    listed_at = serializers.DateTimeField(allow_null=True)
    settlement_asset_id = serializers.UUIDField(
        allow_null=True, help_text="The instrument's settlement asset (derivatives)."
    )
    price_currency_asset_id = serializers.UUIDField(
        allow_null=True, help_text="What prices are in: the instrument's quote asset."
    )


class InstrumentAnswerSerializer(serializers.Serializer):
    instrument_id = serializers.UUIDField()
    instrument_type = serializers.ChoiceField(choices=InstrumentType.choices)
    code = serializers.CharField(help_text="Canonical code, e.g. BTC-USDT-PERP.")
    underlying_asset_id = serializers.UUIDField(help_text="A spot pair's base asset.")
    quote_asset_id = serializers.UUIDField(allow_null=True)
    settlement_asset_id = serializers.UUIDField(allow_null=True)
    is_inverse = serializers.BooleanField(allow_null=True)
    is_quanto = serializers.BooleanField(allow_null=True)
    contract_multiplier = _decimal("What one contract is worth.")
    expiry = serializers.DateTimeField(allow_null=True)
    strike_price = _decimal("An option's strike.")
    option_type = serializers.ChoiceField(choices=OptionType.choices, allow_null=True)
    exercise_style = serializers.ChoiceField(choices=ExerciseStyle.choices, allow_null=True)
    terms_complete = serializers.BooleanField(
        help_text="False while the registry does not know the contract terms yet."
    )


class InstrumentLookupAnswerSerializer(serializers.Serializer):
    """The answer of resolve/instrument/."""

    instrument = InstrumentAnswerSerializer()
    underlying_asset = AssetSummaryWithFlagsSerializer()
    quote_asset = AssetSummaryWithFlagsSerializer(allow_null=True)
    settlement_asset = AssetSummaryWithFlagsSerializer(allow_null=True)
    markets = MarketAnswerSerializer(
        many=True, help_text="Every current (not delisted) market, by venue and symbol."
    )


class VenueSymbolAnswerSerializer(serializers.Serializer):
    venue = serializers.CharField(help_text="venue_id.")
    symbol = serializers.CharField()
    market_type = serializers.ChoiceField(choices=InstrumentType.choices)
    is_active = serializers.BooleanField()
    asset = AssetSummaryWithFlagsSerializer(help_text="The base asset the ticker means.")
    quote_asset = AssetSummaryWithFlagsSerializer(
        allow_null=True, help_text="The quote asset, when it is one of the registry's."
    )
    quote_currency = serializers.CharField(
        allow_null=True, help_text="A quote that is no asset of the registry, e.g. 'USD'."
    )
    symbol_collisions = SymbolCollisionsSerializer(
        help_text="Every live asset that shares the base asset's symbol."
    )
    settlement_asset = AssetSummaryWithFlagsSerializer(
        allow_null=True, help_text="What the market settles in (derivatives)."
    )
    market = MarketAnswerSerializer(help_text="The market the ticker names: its trading rules.")
    instrument = InstrumentAnswerSerializer(help_text="What the market trades: its terms.")


def register() -> None:
    """What the OpenAPI document says the venue-symbol lookup answers, and the assets a
    venue's markets trade (the venue's assets/ list)."""
    from markets.api.views import venue_listed_asset_ids

    register_resolve_answer("venue_symbol", VenueSymbolAnswerSerializer)
    register_resolve_answer("instrument", InstrumentLookupAnswerSerializer)
    register_listed_assets(venue_listed_asset_ids)
