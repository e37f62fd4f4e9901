"""django-filter FilterSets of the quality app."""

import django_filters

from quality.choices import FlagType, Severity
from quality.models import AssetQualityFlag
from registry.filters import RegistryFilterSet, StrictBooleanFilter


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

    class Meta:
        model = AssetQualityFlag
        fields = ["asset", "flag_type", "min_severity", "active_only", "source"]

    def filter_active_only(self, queryset, name, value):
        return queryset.active() if value else queryset
