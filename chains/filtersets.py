"""django-filter FilterSets of the chains app."""

import django_filters

from chains.choices import ChainType
from chains.models import Chain
from registry.filters import RegistryFilterSet


class ChainFilterSet(RegistryFilterSet):
    chain_type = django_filters.MultipleChoiceFilter(choices=ChainType.choices)

    class Meta:
        model = Chain
        fields = ["chain_type", "is_testnet", "network_id"]
