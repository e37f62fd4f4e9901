from collections.abc import Callable

from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action

from assets.api.serializers import AssetSerializer
from assets.api.views import AssetListMixin
from assets.models import Asset
from registry.api.viewsets import RegistryModelViewSet
from venues import services
from venues.api.serializers import VenueAssetSerializer, VenueSerializer
from venues.filtersets import VenueAssetFilterSet, VenueFilterSet
from venues.models import Venue, VenueAsset

# What a venue lists is an upper app's (markets): it contributes, for a venue, queries of
# the ids of the assets its open markets trade (register_listed_assets).
_listed_assets: list[Callable[[Venue], list[QuerySet]]] = []


def register_listed_assets(listed_asset_ids: Callable[[Venue], list[QuerySet]]) -> None:
    _listed_assets.append(listed_asset_ids)


class VenueViewSet(AssetListMixin, RegistryModelViewSet):
    """Venues: the exchanges and protocols whose tickers the registry maps."""

    queryset = Venue.objects.all()
    serializer_class = VenueSerializer
    filterset_class = VenueFilterSet
    ordering_fields = ["venue_id", "name", "created_at", "updated_at"]
    ordering = ["venue_id"]
    writes = services.VENUE_WRITES
    action_permissions = {"assets": ["venues.view_venue", "assets.view_asset"]}

    @extend_schema(
        summary="Every asset tradeable on the venue",
        description="Live assets that are the base or quote of a current, trading market.",
        responses={200: AssetSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], filter_backends=[], ordering=["symbol_key"])
    def assets(self, request, pk=None):
        venue = self.get_object()
        listed = Q(pk__in=[])
        for listed_asset_ids in _listed_assets:
            for asset_ids in listed_asset_ids(venue):
                listed |= Q(pk__in=asset_ids)
        return self.asset_page(Asset.objects.filter(listed).with_deployments())


class VenueAssetViewSet(RegistryModelViewSet):
    queryset = VenueAsset.objects.of_live("asset")
    serializer_class = VenueAssetSerializer
    filterset_class = VenueAssetFilterSet
    ordering_fields = ["venue_id", "venue_asset_symbol", "created_at"]
    ordering = ["venue_id", "venue_asset_symbol"]
    writes = services.VENUE_ASSET_WRITES
