"""django-filter FilterSets of the chains app."""

import django_filters

from chains.choices import ChainType
from chains.models import Chain


class ChainFilterSet(django_filters.FilterSet):
    chain_type = django_filters.MultipleChoiceFilter(choices=ChainType.choices)

    class Meta:
        model = Chain
        fields = ["chain_type", "is_testnet", "network_id"]
