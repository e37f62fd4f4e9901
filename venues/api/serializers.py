from assets.models import Asset
from registry.api.serializers import RegistryModelSerializer, RegistryPrimaryKeyRelatedField
from venues.models import Venue, VenueAsset

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
