"""django-filter FilterSets of the chains app."""

import django_filters
from rest_framework.exceptions import ValidationError

from chains import caip
from chains.choices import ChainType
from chains.models import Chain
from registry.cache import NotFound
from registry.filters import RegistryFilterSet


def refused(error: ValueError):
    """A malformed CAIP id as a 400 naming its parameter."""
    name, _, reason = str(error).partition(": ")
    return ValidationError({name: [reason or str(error)]})


class ChainFilterSet(RegistryFilterSet):
    chain_type = django_filters.MultipleChoiceFilter(choices=ChainType.choices)
    caip2 = django_filters.CharFilter(
        method="filter_caip2",
        help_text="The chain's CAIP-2 id (eip155:1, solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp); "
        "malformed is a 400, one of no registered chain an empty list.",
    )

    class Meta:
        model = Chain
        fields = ["chain_type", "is_testnet", "network_id", "caip2"]

    def filter_caip2(self, queryset, name, value):
        try:
            chain = caip.chain_of(caip.parse_caip2(value, "caip2"), "caip2")
        except NotFound:
            return queryset.none()
        except ValueError as error:
            raise refused(error) from None
        return queryset.filter(pk=chain.pk)
