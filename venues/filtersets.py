"""django-filter FilterSets of the venues app."""

from datetime import UTC

import django_filters

from registry.filters import RegistryFilterSet, StrictBooleanFilter, UTCDateTimeFilter
from venues.choices import MarketType, VenueType
from venues.models import Venue, VenueAsset, VenueSymbol


class VenueFilterSet(RegistryFilterSet):
    venue_type = django_filters.MultipleChoiceFilter(choices=VenueType.choices)

    class Meta:
        model = Venue
        fields = ["venue_type", "is_active", "chain"]


class VenueAssetFilterSet(RegistryFilterSet):
    class Meta:
        model = VenueAsset
        fields = ["venue", "asset", "venue_asset_symbol", "is_active", "trading_enabled"]


class VenueSymbolFilterSet(RegistryFilterSet):
    market_type = django_filters.MultipleChoiceFilter(choices=MarketType.choices)
    current = StrictBooleanFilter(
        method="filter_current", help_text="true: mappings in force now; false: delisted ones."
    )
    as_of = UTCDateTimeFilter(
        method="filter_as_of", help_text="Mappings that were in force at this moment."
    )

    class Meta:
        model = VenueSymbol
        fields = ["venue", "symbol", "market_type", "asset", "quote_asset", "is_active"]

    def filter_current(self, queryset, name, value):
        return queryset.filter(delisted_at__isnull=value)

    def filter_as_of(self, queryset, name, value):
        return queryset.as_of(value.astimezone(UTC))
