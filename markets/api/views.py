from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

from markets import services
from markets.api.serializers import (
    API_FIELD_NAMES,
    InstrumentSerializer,
    MarketDelistSerializer,
    MarketSerializer,
    VenueSymbolDelistSerializer,
    VenueSymbolSerializer,
)
from markets.choices import InstrumentType, MarketStatus
from markets.filtersets import InstrumentFilterSet, MarketFilterSet, VenueSymbolFilterSet
from markets.models import Instrument, Market, VenueSymbol
from registry.api.params import choice_param
from registry.api.viewsets import (
    RegistryCreateReadViewSet,
    RegistryModelViewSet,
    UpdateMixin,
    required_query_params,
)


@contextmanager
def api_field_names(names: dict[str, str] = API_FIELD_NAMES):
    """The services' errors name the model's fields (``settlement_asset``); the API's
    fields are the contract's (``settlement_asset_id``): a 400 names the API's."""
    try:
        yield
    except DjangoValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise serializers.ValidationError(
            {names.get(name, name): reasons for name, reasons in error.message_dict.items()}
        ) from None


class ApiFieldNamesMixin:
    """The model's field names in the services' errors become ``api_field_names``."""

    api_field_names = API_FIELD_NAMES

    def perform_create(self, serializer):
        with api_field_names(self.api_field_names):
            super().perform_create(serializer)

    def perform_update(self, serializer):
        with api_field_names(self.api_field_names):
            super().perform_update(serializer)

    def perform_destroy(self, instance):
        with api_field_names(self.api_field_names):
            super().perform_destroy(instance)


class InstrumentViewSet(ApiFieldNamesMixin, RegistryModelViewSet):
    """Instruments: what is traded, whichever venue lists it. Its terms are fixed once
    written (an instrument is its terms); the code is made from them. An instrument is
    deleted only while no market lists it."""

    queryset = Instrument.objects.of_live("underlying_asset")
    serializer_class = InstrumentSerializer
    filterset_class = InstrumentFilterSet
    ordering_fields = ["code", "created_at", "updated_at"]
    ordering = ["code"]
    writes = services.INSTRUMENT_WRITES

    @extend_schema(
        summary="Get an instrument by its code",
        parameters=[
            OpenApiParameter(
                "code",
                OpenApiTypes.STR,
                required=True,
                pattern=r"\S",
                description="In any letter case, as resolve/instrument/ takes it "
                "(BTC-USDT-PERP, btc-usdt-perp).",
            )
        ],
        responses={200: InstrumentSerializer},
    )
    @action(detail=False, methods=["get"], url_path="by-code", filter_backends=[])
    def by_code(self, request):
        code = required_query_params(request, "code")["code"]
        # Codes are upper case (markets.services.instrument_code).
        instrument = get_object_or_404(self.get_queryset(), code=code.strip().upper())
        return self.versioned_response(instrument, self.get_serializer(instrument).data)


# No delete: a market is delisted (closed), so what a symbol meant stays answerable.
class MarketViewSet(ApiFieldNamesMixin, UpdateMixin, RegistryCreateReadViewSet):
    """Markets: an instrument listed on a venue under the venue's symbol, with its
    trading rules and listing period."""

    queryset = Market.objects.of_live("instrument__underlying_asset").select_related("instrument")
    serializer_class = MarketSerializer
    filterset_class = MarketFilterSet
    ordering_fields = {
        "venue_id": "venue_id",
        "venue_symbol": "venue_symbol",
        "created_at": "created_at",
        "updated_at": "updated_at",
    }
    ordering = ["venue_id", "venue_symbol", "market_type"]
    writes = services.MARKET_WRITES
    action_permissions = {"delist": ["markets.change_market"]}

    @extend_schema(
        summary="Get the current market of a venue's symbol",
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
                description="Needed only when the venue lists the symbol as markets of "
                "more than one type (a spot pair and a perpetual, say).",
            ),
        ],
        responses={200: MarketSerializer},
    )
    @action(detail=False, methods=["get"], url_path="by-symbol", filter_backends=[])
    def by_symbol(self, request):
        params = required_query_params(request, "venue", "symbol")
        markets = Market.objects.resolvable().select_related("instrument")
        markets = markets.filter(venue_id=params["venue"], venue_symbol=params["symbol"])
        if request.query_params.get("market_type", "").strip():
            market_type = choice_param(request, "market_type", InstrumentType.values, any_case=True)
            markets = markets.filter(market_type=market_type)
        found = list(markets.order_by("market_type")[:10])
        if not found:
            raise Http404
        if len(found) > 1:
            types = ", ".join(market.market_type for market in found)
            raise serializers.ValidationError(
                {
                    "market_type": [
                        f"{params['venue']} lists {params['symbol']} as {len(found)} markets "
                        f"({types}): name one."
                    ]
                }
            )
        return self.versioned_response(found[0], self.get_serializer(found[0]).data)

    @extend_schema(
        summary="Delist a market: close it (its symbol may then be listed anew)",
        request=MarketDelistSerializer,
        responses={200: MarketSerializer},
    )
    @action(detail=True, methods=["post"])
    def delist(self, request, pk=None):
        market = self.get_object()
        body = MarketDelistSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with api_field_names():
            services.market_delist(
                market=market,
                at=body.validated_data.get("delisted_at"),
                reason=body.validated_data.get("reason", ""),
                expected_version=self.expected_version(),
            )
        return self.versioned_response(market, self.get_serializer(market).data)


# No delete: a mapping is delisted (closed), so what a ticker meant stays answerable.
class VenueSymbolViewSet(ApiFieldNamesMixin, UpdateMixin, RegistryCreateReadViewSet):
    """Venue tickers: the markets, as the venue-ticker API has always shown them."""

    # A ticker's errors name its fields here: the market's venue_symbol is its symbol.
    api_field_names = {"venue_symbol": "symbol"}

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
