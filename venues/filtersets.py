"""django-filter FilterSets of the venues app."""

import django_filters

from registry.filters import RegistryFilterSet
from venues.choices import VenueType
from venues.models import Venue, VenueAsset


class VenueFilterSet(RegistryFilterSet):
    venue_type = django_filters.MultipleChoiceFilter(choices=VenueType.choices)

    class Meta:
        model = Venue
        fields = ["venue_type", "is_active", "chain"]


class VenueAssetFilterSet(RegistryFilterSet):
    class Meta:
        model = VenueAsset
        fields = ["venue", "asset", "venue_asset_symbol", "is_active", "trading_enabled"]
