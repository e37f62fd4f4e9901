"""django-filter FilterSets of the venues app, and the ticker filter it adds to the asset
list and search (registered in VenuesConfig.ready())."""

from datetime import UTC

import django_filters
from django.db.models import Exists, OuterRef, Q

from assets.filtersets import register_asset_filters
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


def filter_assets_by_venue(queryset, name, value):
    listed = VenueSymbol.objects.filter(
        Q(asset=OuterRef("pk")) | Q(quote_asset=OuterRef("pk")),
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
