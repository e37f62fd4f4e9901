"""django-filter FilterSets of the assets app (used by the API)."""

import django_filters
from django.db.models import Exists, OuterRef, Q

from assets.choices import AssetType, IdentifierSource, RelationshipType
from assets.models import (
    Asset,
    AssetDeployment,
    AssetGroup,
    AssetGroupMember,
    AssetIdentifier,
    AssetRelationship,
)
from registry.filters import IntegerFilter, RegistryFilterSet, UTCDateTimeFilter


def _related_model(name: str):
    """The model behind a reverse relation of Asset, reached without importing its app
    (venues and quality build on assets, not the other way round)."""
    return Asset._meta.get_field(name).related_model


def _active_flags_at_least(severity: int):
    flags = _related_model("quality_flags")._default_manager
    return flags.filter(asset=OuterRef("pk"), resolved_at__isnull=True, severity__gte=severity)


class AssetFilterSet(RegistryFilterSet):
    symbol = django_filters.CharFilter(
        method="filter_symbol", help_text="Exact symbol (NFKC), in any ASCII letter case."
    )
    asset_type = django_filters.MultipleChoiceFilter(choices=AssetType.choices)
    category = django_filters.CharFilter()
    chain = django_filters.CharFilter(
        method="filter_chain", help_text="Deployed on this chain (chain_id)."
    )
    venue = django_filters.CharFilter(
        method="filter_venue", help_text="Has a current ticker on this venue (venue_id)."
    )
    min_flag_severity = IntegerFilter(
        method="filter_min_flag_severity",
        min_value=1,
        max_value=5,
        help_text="Has an active quality flag at least this severe (1-5).",
    )
    max_flag_severity = IntegerFilter(
        method="filter_max_flag_severity",
        min_value=0,
        max_value=5,
        help_text="Has no active quality flag more severe than this (0 = no active flags).",
    )
    updated_after = UTCDateTimeFilter(field_name="updated_at", lookup_expr="gt")

    class Meta:
        model = Asset
        fields = ["symbol", "asset_type", "category", "chain", "venue"]

    def filter_symbol(self, queryset, name, value):
        return queryset.with_symbol(value)

    def filter_chain(self, queryset, name, value):
        deployed = AssetDeployment.objects.filter(asset=OuterRef("pk"), chain_id=value)
        return queryset.filter(Exists(deployed))

    def filter_venue(self, queryset, name, value):
        tickers = _related_model("venue_symbols")._default_manager
        listed = tickers.filter(
            Q(asset=OuterRef("pk")) | Q(quote_asset=OuterRef("pk")),
            venue_id=value,
            delisted_at__isnull=True,
        )
        return queryset.filter(Exists(listed))

    def filter_min_flag_severity(self, queryset, name, value: int):
        return queryset.filter(Exists(_active_flags_at_least(value)))

    def filter_max_flag_severity(self, queryset, name, value: int):
        return queryset.exclude(Exists(_active_flags_at_least(value + 1)))


class AssetIdentifierFilterSet(RegistryFilterSet):
    source = django_filters.MultipleChoiceFilter(choices=IdentifierSource.choices)

    class Meta:
        model = AssetIdentifier
        fields = ["asset", "source", "external_id", "is_primary"]


class AssetDeploymentFilterSet(RegistryFilterSet):
    address = django_filters.CharFilter(method="filter_address", help_text="In any letter case.")

    class Meta:
        model = AssetDeployment
        fields = ["asset", "chain", "is_canonical", "is_native", "is_verified", "address"]

    def filter_address(self, queryset, name, value):
        return queryset.at_address(value)


class AssetRelationshipFilterSet(RegistryFilterSet):
    parent = django_filters.UUIDFilter(field_name="parent_asset")
    child = django_filters.UUIDFilter(field_name="child_asset")
    type = django_filters.MultipleChoiceFilter(
        field_name="relationship_type", choices=RelationshipType.choices
    )
    protocol = django_filters.CharFilter()

    class Meta:
        model = AssetRelationship
        fields = ["parent", "child", "type", "protocol"]


class AssetGroupFilterSet(RegistryFilterSet):
    canonical_symbol = django_filters.CharFilter(
        method="filter_canonical_symbol",
        help_text="Exact canonical symbol (NFKC), in any ASCII letter case.",
    )

    class Meta:
        model = AssetGroup
        fields = ["canonical_symbol", "issuer"]

    def filter_canonical_symbol(self, queryset, name, value):
        return queryset.with_canonical_symbol(value)


class AssetGroupMemberFilterSet(RegistryFilterSet):
    class Meta:
        model = AssetGroupMember
        fields = ["asset", "is_canonical"]
