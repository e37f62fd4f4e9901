"""django-filter FilterSets of the quality app, and the flag filters it adds to the asset
list and search (registered in QualityConfig.ready())."""

import django_filters
from django.db.models import Exists, OuterRef

from assets.filtersets import register_asset_filters
from quality.choices import FlagType, Severity
from quality.models import AssetQualityFlag
from registry.filters import InstantFilter, IntegerFilter, RegistryFilterSet, StrictBooleanFilter
from registry.timeline import valid_at


class AssetQualityFlagFilterSet(RegistryFilterSet):
    flag_type = django_filters.MultipleChoiceFilter(choices=FlagType.choices)
    min_severity = django_filters.TypedChoiceFilter(
        field_name="severity",
        lookup_expr="gte",
        choices=Severity.choices,
        coerce=int,
        help_text="At least this severe (1 info … 5 critical).",
    )
    active_only = StrictBooleanFilter(
        method="filter_active_only", help_text="true: only flags not yet resolved."
    )

    as_of = InstantFilter(
        method="filter_as_of",
        help_text="Flags that were active at this moment: raised by then, not yet resolved.",
    )

    class Meta:
        model = AssetQualityFlag
        fields = ["asset", "flag_type", "min_severity", "active_only", "as_of", "source"]

    def filter_active_only(self, queryset, name, value):
        return queryset.active() if value else queryset

    def filter_as_of(self, queryset, name, value):
        return queryset.filter(valid_at("raised_at", "resolved_at", value))


def _active_flags_at_least(severity: int):
    return AssetQualityFlag.objects.filter(
        asset=OuterRef("pk"), resolved_at__isnull=True, severity__gte=severity
    )


def filter_assets_by_min_flag_severity(queryset, name, value: int):
    return queryset.filter(Exists(_active_flags_at_least(value)))


def filter_assets_by_max_flag_severity(queryset, name, value: int):
    return queryset.exclude(Exists(_active_flags_at_least(value + 1)))


# assets.filtersets.register_asset_filters: the asset list and search by active flags.
ASSET_FILTERS = {
    "min_flag_severity": IntegerFilter(
        method=filter_assets_by_min_flag_severity,
        min_value=1,
        max_value=5,
        help_text="Has an active quality flag at least this severe (1-5).",
    ),
    "max_flag_severity": IntegerFilter(
        method=filter_assets_by_max_flag_severity,
        min_value=0,
        max_value=5,
        help_text="Has no active quality flag more severe than this (0 = no active flags).",
    ),
}


def register() -> None:
    """The asset list's and search's filters this app adds."""
    register_asset_filters(**ASSET_FILTERS)
