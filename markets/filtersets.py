"""django-filter FilterSets of the markets app, and the venue filter it adds to the asset
list and search (registered in MarketsConfig.ready())."""

import django_filters
from django.db.models import Exists, OuterRef, Q

from assets.filtersets import register_asset_filters
from assets.models import Asset
from markets.choices import InstrumentType, MarketStatus, OptionType
from markets.models import Instrument, Market, VenueSymbol
from registry.filters import (
    InstantFilter,
    RegistryFilterSet,
    StrictBooleanFilter,
    UTCDateTimeFilter,
)
from venues.models import Venue


def _asset_filter(field_name: str, help_text: str) -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        field_name=field_name, queryset=Asset._default_manager.all(), help_text=help_text
    )


class InstrumentFilterSet(RegistryFilterSet):
    instrument_type = django_filters.MultipleChoiceFilter(choices=InstrumentType.choices)
    underlying = _asset_filter("underlying_asset", "The underlying (a spot pair's base) asset_id.")
    quote = _asset_filter("quote_asset", "The quote asset (asset_id).")
    settlement = _asset_filter("settlement_asset", "The settlement asset (asset_id).")
    expiry_after = UTCDateTimeFilter(
        field_name="expiry", lookup_expr="gte", help_text="Expires at or after this moment."
    )
    expiry_before = UTCDateTimeFilter(
        field_name="expiry", lookup_expr="lt", help_text="Expires before this moment."
    )
    code = django_filters.CharFilter(
        method="filter_code", help_text="The code, in any letter case (BTC-USDT-PERP)."
    )
    option_type = django_filters.ChoiceFilter(choices=OptionType.choices)
    protocol = django_filters.ModelChoiceFilter(
        queryset=Venue._default_manager.all(), help_text="A lending protocol (venue_id)."
    )

    class Meta:
        model = Instrument
        fields = ["terms_complete"]

    def filter_code(self, queryset, name, value):
        return queryset.filter(code=value.strip().upper())  # codes are upper case


class MarketFilterSet(RegistryFilterSet):
    symbol = django_filters.CharFilter(
        field_name="venue_symbol", help_text="The venue's symbol, exactly."
    )
    market_type = django_filters.MultipleChoiceFilter(choices=InstrumentType.choices)
    instrument_type = django_filters.MultipleChoiceFilter(
        field_name="market_type", choices=InstrumentType.choices, help_text="As market_type."
    )
    underlying = _asset_filter(
        "instrument__underlying_asset", "The instrument's underlying (asset_id)."
    )
    quote = _asset_filter("instrument__quote_asset", "The price currency (asset_id).")
    settlement = _asset_filter("instrument__settlement_asset", "The settlement asset (asset_id).")
    expiry_after = UTCDateTimeFilter(
        field_name="instrument__expiry",
        lookup_expr="gte",
        help_text="The instrument expires at or after this moment.",
    )
    expiry_before = UTCDateTimeFilter(
        field_name="instrument__expiry",
        lookup_expr="lt",
        help_text="The instrument expires before this moment.",
    )
    status = django_filters.MultipleChoiceFilter(choices=MarketStatus.choices)
    current = StrictBooleanFilter(
        method="filter_current", help_text="true: markets listed now; false: delisted ones."
    )
    as_of = InstantFilter(
        method="filter_as_of", help_text="Markets that were listed at this moment."
    )

    class Meta:
        model = Market
        fields = ["venue", "instrument"]

    def filter_current(self, queryset, name, value):
        return queryset.filter(delisted_at__isnull=value)

    def filter_as_of(self, queryset, name, value):
        return queryset.as_of(value)


class VenueSymbolFilterSet(RegistryFilterSet):
    symbol = django_filters.CharFilter(field_name="venue_symbol")
    market_type = django_filters.MultipleChoiceFilter(choices=InstrumentType.choices)
    asset = django_filters.ModelChoiceFilter(
        field_name="instrument__underlying_asset",
        queryset=Asset._default_manager.all(),
        help_text="The base asset (asset_id).",
    )
    quote_asset = django_filters.ModelChoiceFilter(
        field_name="instrument__quote_asset",
        queryset=Asset._default_manager.all(),
        help_text="The quote asset (asset_id).",
    )
    is_active = StrictBooleanFilter(
        method="filter_is_active", help_text="true: open for orders (status TRADING)."
    )
    current = StrictBooleanFilter(
        method="filter_current", help_text="true: mappings in force now; false: delisted ones."
    )
    as_of = InstantFilter(
        method="filter_as_of", help_text="Mappings that were in force at this moment."
    )

    class Meta:
        model = VenueSymbol
        fields = ["venue"]

    def filter_is_active(self, queryset, name, value):
        trading = Q(status=MarketStatus.TRADING)
        return queryset.filter(trading if value else ~trading)

    def filter_current(self, queryset, name, value):
        return queryset.filter(delisted_at__isnull=value)

    def filter_as_of(self, queryset, name, value):
        return queryset.as_of(value)


def filter_assets_by_venue(queryset, name, value):
    listed = Market.objects.filter(
        Q(instrument__underlying_asset=OuterRef("pk")) | Q(instrument__quote_asset=OuterRef("pk")),
        venue_id=value,
        delisted_at__isnull=True,
    )
    return queryset.filter(Exists(listed))


# assets.filtersets.register_asset_filters: the asset list and search by venue.
ASSET_FILTERS = {
    "venue": django_filters.CharFilter(
        method=filter_assets_by_venue, help_text="Has a current ticker on this venue (venue_id)."
    ),
}


def register() -> None:
    """The asset list's and search's filters this app adds."""
    register_asset_filters(**ASSET_FILTERS)
