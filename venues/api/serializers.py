from rest_framework import serializers

from assets.api.serializers import AssetSummaryWithFlagsSerializer, SymbolCollisionsSerializer
from assets.models import Asset
from registry.api.schema import register_resolve_answer
from registry.api.serializers import RegistryModelSerializer, RegistryPrimaryKeyRelatedField
from venues.models import Venue, VenueAsset, VenueSymbol

BOOKKEEPING = ("created_at", "updated_at", "version")


class VenueSerializer(RegistryModelSerializer):
    class Meta:
        model = Venue
        fields = (
            "venue_id",
            "name",
            "venue_type",
            "chain",
            "protocol_address",
            "website_url",
            "api_url",
            "is_active",
            "metadata",
            *BOOKKEEPING,
        )
        read_only_fields = BOOKKEEPING
        create_only_fields = ("venue_id",)


class VenueAssetSerializer(RegistryModelSerializer):
    asset = RegistryPrimaryKeyRelatedField(queryset=Asset.objects.all())

    class Meta:
        model = VenueAsset
        fields = (
            "id",
            "venue",
            "asset",
            "venue_asset_symbol",
            "deposit_enabled",
            "withdraw_enabled",
            "trading_enabled",
            "is_active",
            "metadata",
            *BOOKKEEPING,
        )
        read_only_fields = ("id", *BOOKKEEPING)
        create_only_fields = ("venue",)


class VenueSymbolSerializer(RegistryModelSerializer):
    asset = RegistryPrimaryKeyRelatedField(
        queryset=Asset.objects.all(), help_text="The base asset the ticker resolves to."
    )
    quote_asset = RegistryPrimaryKeyRelatedField(
        queryset=Asset.objects.all(), allow_null=True, required=False
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


# The answer of the hot lookup resolve/venue-symbol/, which venues/lookups.py builds as
# bytes: described for the OpenAPI document only (registered in VenuesConfig.ready()).
class VenueSymbolAnswerSerializer(serializers.ModelSerializer):
    venue = serializers.CharField(help_text="venue_id.")
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

    class Meta:
        model = VenueSymbol
        fields = (
            "venue",
            "symbol",
            "market_type",
            "is_active",
            "asset",
            "quote_asset",
            "quote_currency",
            "symbol_collisions",
        )
        read_only_fields = ("symbol", "market_type", "is_active")


def register() -> None:
    """What the OpenAPI document says the venue-symbol lookup answers."""
    register_resolve_answer("venue_symbol", VenueSymbolAnswerSerializer)
