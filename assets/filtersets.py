"""django-filter FilterSets of the assets app (used by the API)."""

import django_filters
from django.db.models import Exists, OuterRef

from assets.choices import AssetType, IdentifierSource, RelationshipType
from assets.models import (
    Asset,
    AssetDeployment,
    AssetGroup,
    AssetGroupMember,
    AssetIdentifier,
    AssetRelationship,
)
from chains import caip
from chains.filtersets import refused
from registry.cache import NotFound
from registry.filters import InstantFilter, RegistryFilterSet, UTCDateTimeFilter


class AssetFilterSet(RegistryFilterSet):
    symbol = django_filters.CharFilter(
        method="filter_symbol", help_text="Exact symbol (NFKC), in any ASCII letter case."
    )
    asset_type = django_filters.MultipleChoiceFilter(choices=AssetType.choices)
    category = django_filters.CharFilter()
    chain = django_filters.CharFilter(
        method="filter_chain", help_text="Deployed on this chain (chain_id)."
    )
    # The apps above add theirs here (register_asset_filters): by venue, by flag severity.
    updated_after = UTCDateTimeFilter(field_name="updated_at", lookup_expr="gt")

    class Meta:
        model = Asset
        fields = ["symbol", "asset_type", "category", "chain"]

    def filter_symbol(self, queryset, name, value):
        return queryset.with_symbol(value)

    def filter_chain(self, queryset, name, value):
        deployed = AssetDeployment.objects.filter(asset=OuterRef("pk"), chain_id=value)
        return queryset.filter(Exists(deployed))


def register_asset_filters(**filters: django_filters.Filter) -> None:
    """Called from an upper app's AppConfig.ready(): filters of the asset list and search
    by what that app knows of an asset (a ``method`` filter takes a function of
    ``(queryset, name, value)``). They go before ``updated_after``, in registration order."""
    own = list(AssetFilterSet.base_filters.items())
    at = [name for name, _ in own].index("updated_after")
    AssetFilterSet.base_filters = dict([*own[:at], *filters.items(), *own[at:]])


class AssetIdentifierFilterSet(RegistryFilterSet):
    source = django_filters.MultipleChoiceFilter(choices=IdentifierSource.choices)

    class Meta:
        model = AssetIdentifier
        fields = ["asset", "source", "external_id", "is_primary"]


class AssetDeploymentFilterSet(RegistryFilterSet):
    address = django_filters.CharFilter(method="filter_address", help_text="In any letter case.")
    caip19 = django_filters.CharFilter(
        method="filter_caip19",
        help_text="The deployment's CAIP-19 id (eip155:1/erc20:0xa0b8…, "
        "solana:5eykt…/token:EPjF…, eip155:1/slip44:60); malformed is a 400, one of no "
        "registered chain an empty list.",
    )

    class Meta:
        model = AssetDeployment
        fields = ["asset", "chain", "is_canonical", "is_native", "is_verified", "address", "caip19"]

    def filter_address(self, queryset, name, value):
        return queryset.at_address(value)

    def filter_caip19(self, queryset, name, value):
        try:
            parsed = caip.parse_caip19(value, "caip19")
            chain = caip.chain_of(parsed.chain, "caip19")
            address = caip.deployment_address(parsed, chain, "caip19")
        except NotFound:
            return queryset.none()
        except ValueError as error:
            raise refused(error) from None
        if not address:
            return queryset.filter(chain=chain, is_native=True, address="")
        return queryset.at_address(address, chain.pk)


class AssetRelationshipFilterSet(RegistryFilterSet):
    parent = django_filters.UUIDFilter(field_name="parent_asset")
    child = django_filters.UUIDFilter(field_name="child_asset")
    type = django_filters.MultipleChoiceFilter(
        field_name="relationship_type", choices=RelationshipType.choices
    )
    protocol = django_filters.CharFilter()
    chain = django_filters.CharFilter(
        field_name="chain", help_text="chain_id of the chain scope (a per-chain relationship)."
    )
    as_of = InstantFilter(
        method="filter_as_of",
        help_text="Relationships in effect at this moment (their period holds it).",
    )

    class Meta:
        model = AssetRelationship
        fields = ["parent", "child", "type", "protocol", "chain", "as_of"]

    def filter_as_of(self, queryset, name, value):
        return queryset.valid_at(value)


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
