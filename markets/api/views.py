from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action

from markets import services
from markets.api.serializers import VenueSymbolDelistSerializer, VenueSymbolSerializer
from markets.choices import InstrumentType, MarketStatus
from markets.filtersets import VenueSymbolFilterSet
from markets.models import Market, VenueSymbol
from registry.api.params import choice_param
from registry.api.viewsets import RegistryCreateReadViewSet, UpdateMixin, required_query_params


# No delete: a mapping is delisted (closed), so what a ticker meant stays answerable.
class VenueSymbolViewSet(UpdateMixin, RegistryCreateReadViewSet):
    """Venue tickers: the markets, as the venue-ticker API has always shown them."""

    queryset = VenueSymbol.objects.of_live("instrument__underlying_asset").select_related(
        "instrument"
    )
    serializer_class = VenueSymbolSerializer
    filterset_class = VenueSymbolFilterSet
    ordering_fields = {
        "venue_id": "venue_id",
        "symbol": "venue_symbol",
        "created_at": "created_at",
        "updated_at": "updated_at",
    }
    ordering = ["venue_id", "venue_symbol", "market_type"]
    writes = services.VENUE_SYMBOL_WRITES
    action_permissions = {"delist": ["markets.change_venuesymbol"]}

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
                "market_type",
                OpenApiTypes.STR,
                enum=InstrumentType.values,
                description="Default SPOT.",
            ),
        ],
        responses={200: VenueSymbolSerializer},
    )
    @action(detail=False, methods=["get"], url_path="by-ticker", filter_backends=[])
    def by_ticker(self, request):
        params = required_query_params(request, "venue", "symbol")
        market_type = choice_param(
            request, "market_type", InstrumentType.values, InstrumentType.SPOT, any_case=True
        )
        mapping = get_object_or_404(
            VenueSymbol.objects.resolvable().select_related("instrument"),
            venue_id=params["venue"],
            venue_symbol=params["symbol"],
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


def venue_listed_asset_ids(venue) -> list:
    """venues' VenueViewSet.assets: the assets a venue's open markets trade, as base or
    quote (queries of asset ids)."""
    markets = Market.objects.current().filter(venue=venue, status=MarketStatus.TRADING)
    return [
        markets.values("instrument__underlying_asset_id"),
        markets.values("instrument__quote_asset_id"),
    ]
