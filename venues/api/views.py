from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action

from assets.api.serializers import AssetSerializer
from assets.api.views import AssetListMixin
from assets.models import Asset
from registry.api.params import choice_param
from registry.api.viewsets import (
    RegistryCreateReadViewSet,
    RegistryModelViewSet,
    UpdateMixin,
    required_query_params,
)
from venues import services
from venues.api.serializers import (
    VenueAssetSerializer,
    VenueSerializer,
    VenueSymbolDelistSerializer,
    VenueSymbolSerializer,
)
from venues.choices import MarketType
from venues.filtersets import VenueAssetFilterSet, VenueFilterSet, VenueSymbolFilterSet
from venues.models import Venue, VenueAsset, VenueSymbol


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
        description="Live assets that are the base or quote of a current, active ticker.",
        responses={200: AssetSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], filter_backends=[], ordering=["symbol_key"])
    def assets(self, request, pk=None):
        venue = self.get_object()
        tickers = VenueSymbol.objects.current().filter(venue=venue, is_active=True)
        queryset = Asset.objects.filter(
            Q(pk__in=tickers.values("asset_id")) | Q(pk__in=tickers.values("quote_asset_id"))
        ).with_deployments()
        return self.asset_page(queryset)


class VenueAssetViewSet(RegistryModelViewSet):
    queryset = VenueAsset.objects.of_live("asset")
    serializer_class = VenueAssetSerializer
    filterset_class = VenueAssetFilterSet
    ordering_fields = ["venue_id", "venue_asset_symbol", "created_at"]
    ordering = ["venue_id", "venue_asset_symbol"]
    writes = services.VENUE_ASSET_WRITES


# No delete: a mapping is delisted (closed), so what a ticker meant stays answerable.
class VenueSymbolViewSet(UpdateMixin, RegistryCreateReadViewSet):
    queryset = VenueSymbol.objects.of_live("asset")
    serializer_class = VenueSymbolSerializer
    filterset_class = VenueSymbolFilterSet
    ordering_fields = ["venue_id", "symbol", "created_at", "updated_at"]
    ordering = ["venue_id", "symbol", "market_type"]
    writes = services.VENUE_SYMBOL_WRITES
    action_permissions = {"delist": ["venues.change_venuesymbol"]}

    @extend_schema(
        summary="Get the current mapping of a venue ticker",
        parameters=[
            OpenApiParameter(
                "venue", OpenApiTypes.STR, required=True, pattern=r"\S", description="venue_id"
            ),
            OpenApiParameter(
                "symbol", OpenApiTypes.STR, required=True, description="As the venue spells it."
            ),
            OpenApiParameter(
                "market_type", OpenApiTypes.STR, enum=MarketType.values, description="Default SPOT."
            ),
        ],
        responses={200: VenueSymbolSerializer},
    )
    @action(detail=False, methods=["get"], url_path="by-ticker", filter_backends=[])
    def by_ticker(self, request):
        params = required_query_params(request, "venue", "symbol")
        market_type = choice_param(
            request, "market_type", MarketType.values, MarketType.SPOT, any_case=True
        )
        mapping = get_object_or_404(
            VenueSymbol.objects.resolvable(),
            venue_id=params["venue"],
            symbol=params["symbol"],
            market_type=market_type,
        )
        return self.versioned_response(mapping, self.get_serializer(mapping).data)

    @extend_schema(
        summary="Delist a ticker: close its mapping (it may then be mapped anew)",
        request=VenueSymbolDelistSerializer,
        responses={200: VenueSymbolSerializer},
    )
    @action(detail=True, methods=["post"])
    def delist(self, request, pk=None):
        mapping = self.get_object()
        body = VenueSymbolDelistSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.venue_symbol_delist(
            venue_symbol=mapping,
            at=body.validated_data.get("delisted_at"),
            expected_version=self.expected_version(),
        )
        return self.versioned_response(mapping, self.get_serializer(mapping).data)
