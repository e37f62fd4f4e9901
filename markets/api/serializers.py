from rest_framework import serializers

from assets.api.serializers import AssetSummaryWithFlagsSerializer, SymbolCollisionsSerializer
from assets.models import Asset
from markets.choices import InstrumentType
from markets.models import VenueSymbol
from registry.api.schema import register_resolve_answer
from registry.api.serializers import RegistryModelSerializer, RegistryPrimaryKeyRelatedField
from venues.api.views import register_listed_assets

BOOKKEEPING = ("created_at", "updated_at", "version")


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
    is_active = serializers.BooleanField(
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


# The answer of the hot lookup resolve/venue-symbol/, which markets/lookups.py builds as
# bytes: described for the OpenAPI document only (registered in MarketsConfig.ready()).
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


def register() -> None:
    """What the OpenAPI document says the venue-symbol lookup answers, and the assets a
    venue's markets trade (the venue's assets/ list)."""
    from markets.api.views import venue_listed_asset_ids

    register_resolve_answer("venue_symbol", VenueSymbolAnswerSerializer)
    register_listed_assets(venue_listed_asset_ids)
