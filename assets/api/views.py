"""Viewsets of the assets API: thin, every write handed to assets.services."""

from collections import defaultdict

import orjson
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from assets import lineage, lookups, names, services
from assets.api.serializers import (
    BOOKKEEPING,
    AddressAnswerSerializer,
    AssetDeploymentSerializer,
    AssetGroupMemberSerializer,
    AssetGroupSerializer,
    AssetIdentifierSerializer,
    AssetRelationshipSerializer,
    AssetSearchResultSerializer,
    AssetSerializer,
    AssetUpdateSerializer,
    DeploymentSummarySerializer,
    LineageSerializer,
    VariantSerializer,
)
from assets.choices import IdentifierSource, RelationshipType
from assets.filtersets import (
    AssetDeploymentFilterSet,
    AssetFilterSet,
    AssetGroupFilterSet,
    AssetGroupMemberFilterSet,
    AssetIdentifierFilterSet,
    AssetRelationshipFilterSet,
)
from assets.models import (
    Asset,
    AssetDeployment,
    AssetGroup,
    AssetGroupMember,
    AssetIdentifier,
    AssetRelationship,
)
from assets.querysets import VARIANT_RELATIONSHIP_TYPES
from chains.models import Chain
from registry import cache, text, timeline
from registry.api.params import choice_param
from registry.api.schema import TIME_PARAMETERS
from registry.api.viewsets import (
    DestroyMixin,
    RegistryCreateReadViewSet,
    RegistryModelViewSet,
    RegistryViewSet,
    moment_of_query,
    required_query_params,
)

UUID_PATTERN = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


# AssetSerializer's plain model fields, in its order: a list builds the same
# representation, only without the serializer (deployments, collisions and bookkeeping
# are added around them).
ASSET_LIST_FIELDS = tuple(
    name
    for name in AssetSerializer.Meta.fields
    if name not in ("deployments", "symbol_collisions", *BOOKKEEPING)
)
DEPLOYMENT_SUMMARY_FIELDS = DeploymentSummarySerializer.Meta.fields


class AssetListMixin:
    """Lists of assets, built from values() and rendered with orjson.

    A page of 50 search results through ModelSerializer cost more than its SQL (nested
    deployments and collision sets for every row); this builds the same representation
    as AssetSerializer from three queries per page: the page, its deployments and its
    collision sets.
    """

    def asset_page(self, queryset, extra_fields=()):
        rows = self.paginate_queryset(
            queryset.prefetch_related(None).values(
                *extra_fields, *ASSET_LIST_FIELDS, "symbol_key", *BOOKKEEPING
            )
        )
        deployments = defaultdict(list)
        for deployment in (
            AssetDeployment.objects.filter(asset_id__in=[row["asset_id"] for row in rows])
            .order_by("chain_id", "address", "deployment_id")
            .values("asset_id", *DEPLOYMENT_SUMMARY_FIELDS)
        ):
            asset_id = deployment.pop("asset_id")
            deployment["chain"] = deployment.pop("chain")
            deployments[asset_id].append(deployment)
        collisions = Asset.objects.collision_sets(row["symbol_key"] for row in rows)
        results = []
        for row in rows:
            entry = {name: row[name] for name in (*extra_fields, *ASSET_LIST_FIELDS)}
            entry["deployments"] = deployments.get(row["asset_id"], [])
            entry["symbol_collisions"] = collisions.get(
                row["symbol_key"], {"count": 0, "assets": []}
            )
            entry.update({name: row[name] for name in BOOKKEEPING})
            results.append(entry)
        body = {
            "results": results,
            "next_page_token": self.paginator.next_page_token,
            "total_count": self.paginator.total_count,
        }
        return HttpResponse(
            orjson.dumps(body, option=orjson.OPT_UTC_Z), content_type="application/json"
        )


@extend_schema_view(
    list=extend_schema(summary="List assets"),
    retrieve=extend_schema(summary="Get an asset"),
    create=extend_schema(summary="Create an asset"),
    update=extend_schema(summary="Replace an asset's fields"),
    partial_update=extend_schema(summary="Change some of an asset's fields"),
    destroy=extend_schema(summary="Soft-delete an asset (restorable)"),
)
class AssetViewSet(AssetListMixin, RegistryModelViewSet):
    """Assets: one canonical id per token. Symbols are not unique; every answer carries
    the symbol's collision set."""

    queryset = Asset.objects.with_deployments()
    serializer_class = AssetSerializer
    filterset_class = AssetFilterSet
    lookup_value_regex = UUID_PATTERN
    ordering_fields = ["symbol_key", "name", "created_at", "updated_at"]
    ordering = ["symbol_key"]
    writes = services.ASSET_WRITES
    action_permissions = {"restore": ["assets.change_asset"]}

    def list(self, request, *args, **kwargs):
        return self.asset_page(self.filter_queryset(self.get_queryset()))

    def complete_at(self, asset, moment):
        """The asset as of ``moment`` shows its deployments then, and who shared its
        symbol then."""
        names.call_as_then(asset, moment)
        asset.symbol_key = text.symbol_key(asset.symbol)
        deployments = timeline.state_at(
            AssetDeployment, moment.as_of, moment.known_at, asset_id=asset.pk
        )
        asset._prefetched_objects_cache = {
            "deployments": timeline.instances(AssetDeployment, deployments)
        }
        self.collision_sets_at = lookups.collision_sets([asset.symbol_key], moment)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if hasattr(self, "collision_sets_at"):
            context["collision_sets"] = self.collision_sets_at
        return context

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return AssetUpdateSerializer  # with renamed_at
        return super().get_serializer_class()

    def perform_update(self, serializer):
        changes = dict(serializer.validated_data)
        renamed_at = changes.pop("renamed_at", None)
        services.asset_update(
            asset=serializer.instance,
            changes=changes,
            expected_version=self.expected_version(),
            renamed_at=renamed_at,
        )

    @extend_schema(
        summary="What an asset came from and became, its former names and its origin",
        description="Predecessors and successors along MIGRATES_TO, FORKS_FROM and "
        "REDENOMINATES, transitively, each with its ratio (units of the successor per unit "
        "of the predecessor), chain scope, effective period and the cumulative ratio along "
        "the path; the asset's former names (rebrands) with their periods; and, for a "
        "variant, the path to its root underlying with the conversion rate of each step "
        "and their product. With `as_of`: only what held then, names as they were then. "
        "With `known_at`: as the registry recorded it then. Without either: every lineage "
        "relationship with its period.",
        parameters=[
            OpenApiParameter(
                "as_of",
                OpenApiTypes.STR,
                description=f"True in the world at this time: {timeline.FORMAT_HINT}.",
            ),
            OpenApiParameter(
                "known_at",
                OpenApiTypes.STR,
                description="As the registry recorded it at this time (default: as it "
                f"holds it now): {timeline.FORMAT_HINT}.",
            ),
        ],
        responses={200: LineageSerializer},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def lineage(self, request, pk=None):
        asset = self.get_object()
        moment = moment_of_query(request)
        try:
            answer = lineage.lineage(asset.pk, moment)
        except lineage.NotRecordedError:
            raise NotFound(
                f"Asset {asset.pk} was not in the registry at known_at {moment.known_at}."
            ) from None
        return Response(LineageSerializer(answer).data)

    @extend_schema(
        summary="Restore a soft-deleted asset", request=None, responses={200: AssetSerializer}
    )
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        asset = get_object_or_404(Asset.all_objects.deleted(), pk=pk)
        services.asset_restore(asset=asset, expected_version=self.expected_version())
        return self.versioned_response(
            asset, AssetSerializer(asset, context=self.get_serializer_context()).data
        )

    @extend_schema(
        summary="Search assets by symbol, name or address",
        description="Exact symbol (any ASCII case) or deployment address first, then symbols that "
        "start with `q`, then names that contain it. Every result carries its symbol "
        "collisions. Takes the filters of the asset list too.",
        parameters=[
            OpenApiParameter(
                "q", OpenApiTypes.STR, required=True, pattern=r"\S", description="Search term."
            )
        ],
        responses={200: AssetSearchResultSerializer(many=True)},
    )
    @action(
        detail=False, methods=["get"], ordering=["search_rank", "symbol_key"], ordering_fields=[]
    )
    def search(self, request):
        term = request.query_params.get("q", "").strip()
        if not term:
            raise serializers.ValidationError({"q": ["Give a search term."]})
        queryset = self.filter_queryset(Asset.objects.search(term))
        return self.asset_page(queryset, extra_fields=("search_rank",))

    @extend_schema(
        summary="Get the asset an external catalogue id names",
        parameters=[
            OpenApiParameter(
                "source", OpenApiTypes.STR, required=True, enum=IdentifierSource.values
            ),
            OpenApiParameter("external_id", OpenApiTypes.STR, required=True, pattern=r"\S"),
        ],
        responses={200: AssetSerializer},
    )
    @action(detail=False, methods=["get"], url_path="by-identifier", filter_backends=[])
    def by_identifier(self, request):
        # Both missing parameters are named at once; then the source must be a known one.
        params = required_query_params(request, "source", "external_id")
        source = choice_param(request, "source", IdentifierSource.values)
        asset = get_object_or_404(
            self.get_queryset().with_identifier(source, params["external_id"])
        )
        return self.versioned_response(asset, self.get_serializer(asset).data)

    @extend_schema(
        summary="Every variant of an asset, transitively, with its path",
        description="All live assets reachable from this one through the given relationship "
        "types (default: WRAPS, BRIDGES, STAKES, SYNTHETIC_OF, REBASES_WITH), each by its "
        "shortest path, with the product of the conversion rates along it.",
        parameters=[
            OpenApiParameter(
                "types",
                OpenApiTypes.STR,
                many=True,
                explode=False,
                enum=RelationshipType.values,
                description="Comma-separated relationship types to follow.",
            )
        ],
        responses={200: VariantSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def variants(self, request, pk=None):
        root = self.get_object()
        types = _relationship_types(request)
        paths = AssetRelationship.objects.variant_paths([root.pk], types)
        summaries = {
            asset.pk: asset
            for asset in Asset.objects.filter(
                pk__in={asset_id for row in paths for asset_id in row["path"]}
            )
        }
        variants = [
            {
                "asset": summaries[row["asset_id"]],
                "depth": row["depth"],
                "relationship_type": row["relationship_types"][-1],
                "conversion_rate": row["conversion_rate"],
                "path": [
                    {"asset": summaries[asset_id], "relationship_type": kind}
                    for asset_id, kind in zip(
                        row["path"], [None, *row["relationship_types"]], strict=True
                    )
                ],
            }
            for row in paths
        ]
        variants.sort(key=lambda variant: (variant["depth"], variant["asset"].symbol_key))
        return Response(VariantSerializer(variants, many=True).data)


def _relationship_types(request) -> list[str]:
    raw = request.query_params.get("types")
    if not raw:
        return list(VARIANT_RELATIONSHIP_TYPES)
    types = [part.strip().upper() for part in raw.split(",") if part.strip()]
    unknown = sorted(set(types) - set(RelationshipType.values))
    if unknown:
        raise serializers.ValidationError(
            {
                "types": [
                    f"Unknown relationship types: {', '.join(unknown)}; "
                    f"known: {', '.join(RelationshipType.values)}."
                ]
            }
        )
    return types


class AssetDeploymentViewSet(RegistryModelViewSet):
    queryset = AssetDeployment.objects.resolvable().select_related("chain", "asset")
    serializer_class = AssetDeploymentSerializer
    filterset_class = AssetDeploymentFilterSet
    lookup_value_regex = UUID_PATTERN
    ordering_fields = ["chain_id", "created_at", "updated_at"]
    ordering = ["chain_id", "address"]
    writes = services.DEPLOYMENT_WRITES

    @extend_schema(
        summary="Get the deployment at (chain, address), in any letter case",
        parameters=[
            OpenApiParameter(
                "chain", OpenApiTypes.STR, required=True, pattern=r"\S", description="chain_id"
            ),
            OpenApiParameter("address", OpenApiTypes.STR, required=True, pattern=r"\S"),
        ],
        responses={200: AssetDeploymentSerializer},
    )
    @action(detail=False, methods=["get"], url_path="by-address", filter_backends=[])
    def by_address(self, request):
        params = required_query_params(request, "chain", "address")
        chain = get_object_or_404(Chain, pk=params["chain"])
        try:
            address = chain.normalize_address(params["address"])
        except DjangoValidationError as error:
            raise serializers.ValidationError({"address": error.messages}) from None
        deployment = get_object_or_404(self.get_queryset().at_address(address, chain.pk))
        return self.versioned_response(deployment, self.get_serializer(deployment).data)

    @extend_schema(
        operation_id="deployments_by_address_on_every_chain",
        summary="Every deployment at an address, on any chain, and whether they are one asset",
        description="The hot lookup of GET /api/v1/resolve/address/ (the same answer, from the "
        "same cache): EVM addresses in any letter case, others exactly. Different assets at "
        "one address (an EVM address is one token on Ethereum and another on BSC) are a "
        "`collision`.",
        parameters=[
            OpenApiParameter(
                "address", OpenApiTypes.STR, OpenApiParameter.PATH, description="The address."
            ),
            *(
                OpenApiParameter(p["name"], OpenApiTypes.STR, description=p["description"])
                for p in TIME_PARAMETERS
            ),
        ],
        responses={200: AddressAnswerSerializer},
    )
    @action(
        detail=False,
        methods=["get"],
        url_path=r"by-address/(?P<address>.+)",
        filter_backends=[],
        pagination_class=None,
    )
    def on_every_chain(self, request, address=None):
        lookup = cache.lookup("address")
        try:
            parsed = lookup.parse({"address": address})
            moment = timeline.moment_of(request.query_params)
        except ValueError as error:
            name, _, reason = str(error).partition(": ")
            raise serializers.ValidationError({name: [reason or str(error)]}) from None
        found, body = lookup.resolve([parsed], moment=moment)[0]
        if not found:
            raise NotFound(orjson.loads(body)["error"]["message"])
        return HttpResponse(body, content_type="application/json")


# No update over the API: an identifier is not edited in place; a wrong one is deleted
# and recorded anew.
class AssetIdentifierViewSet(DestroyMixin, RegistryCreateReadViewSet):
    queryset = AssetIdentifier.objects.of_live("asset")
    serializer_class = AssetIdentifierSerializer
    filterset_class = AssetIdentifierFilterSet
    ordering_fields = ["source", "external_id", "created_at"]
    ordering = ["source", "external_id"]
    writes = services.IDENTIFIER_WRITES


class AssetRelationshipViewSet(RegistryModelViewSet):
    queryset = AssetRelationship.objects.of_live("parent_asset", "child_asset")
    serializer_class = AssetRelationshipSerializer
    filterset_class = AssetRelationshipFilterSet
    lookup_value_regex = UUID_PATTERN
    ordering_fields = ["created_at", "updated_at", "relationship_type"]
    ordering = ["created_at"]
    writes = services.RELATIONSHIP_WRITES


class AssetGroupViewSet(RegistryModelViewSet):
    queryset = AssetGroup.objects.prefetch_related(
        Prefetch("members", queryset=AssetGroupMember.objects.of_live("asset"))
    )
    serializer_class = AssetGroupSerializer
    filterset_class = AssetGroupFilterSet

    def complete_at(self, group, moment):
        """The group as of ``moment`` shows its members then (of assets live then)."""
        members = timeline.instances(
            AssetGroupMember,
            timeline.state_at(AssetGroupMember, moment.as_of, moment.known_at, group_id=group.pk),
        )
        live = {
            row["asset_id"]
            for row in timeline.state_at(
                Asset, moment.as_of, moment.known_at, pgh_obj_id__in=[m.asset_id for m in members]
            ).values("asset_id", "deleted_at")
            if row["deleted_at"] is None or row["deleted_at"] > moment.as_of
        }
        group._prefetched_objects_cache = {"members": [m for m in members if m.asset_id in live]}

    ordering_fields = ["group_id", "canonical_symbol"]
    ordering = ["group_id"]
    writes = services.GROUP_WRITES
    action_permissions = {
        "members": ["assets.view_assetgroupmember"],
        "add_member": ["assets.add_assetgroupmember"],
        "remove_member": ["assets.delete_assetgroupmember"],
    }

    @extend_schema(
        summary="Get a group by its canonical symbol (any ASCII case)",
        responses={200: AssetGroupSerializer},
    )
    @action(
        detail=False,
        methods=["get"],
        url_path=r"by-symbol/(?P<canonical_symbol>[^/]+)",
        filter_backends=[],
    )
    def by_symbol(self, request, canonical_symbol=None):
        group = get_object_or_404(self.get_queryset().with_canonical_symbol(canonical_symbol))
        return self.versioned_response(group, self.get_serializer(group).data)

    @extend_schema(
        summary="List a group's members",
        parameters=[OpenApiParameter("is_canonical", OpenApiTypes.BOOL)],
        responses={200: AssetGroupMemberSerializer(many=True)},
    )
    @action(
        detail=True,
        methods=["get"],
        serializer_class=AssetGroupMemberSerializer,
        filter_backends=[],
        ordering=["-is_canonical", "created_at"],
    )
    def members(self, request, pk=None):
        group = self.get_object()
        members = AssetGroupMemberFilterSet(
            request.query_params,
            queryset=AssetGroupMember.objects.of_live("asset").filter(group=group),
        )
        if not members.is_valid():
            raise serializers.ValidationError(members.errors)
        page = self.paginate_queryset(members.qs)
        return self.get_paginated_response(AssetGroupMemberSerializer(page, many=True).data)

    @extend_schema(
        summary="Add a member to a group",
        request=AssetGroupMemberSerializer,
        responses={201: AssetGroupMemberSerializer},
    )
    @members.mapping.post
    def add_member(self, request, pk=None):
        group = self.get_object()
        serializer = AssetGroupMemberSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        member = services.group_member_add(group=group, **serializer.validated_data)
        return Response(AssetGroupMemberSerializer(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Remove a member from a group", request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=rf"members/(?P<asset_id>{UUID_PATTERN})")
    def remove_member(self, request, pk=None, asset_id=None):
        group = self.get_object()
        asset = get_object_or_404(Asset.all_objects, pk=asset_id)
        services.group_member_remove(
            group=group, asset=asset, expected_version=self.expected_version()
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary="Every live asset deployed on a chain",
        parameters=[OpenApiParameter("chain_id", OpenApiTypes.STR, OpenApiParameter.PATH)],
    )
)
class ChainAssetViewSet(AssetListMixin, mixins.ListModelMixin, RegistryViewSet):
    """/chains/{chain_id}/assets/: served by the assets app, which builds on chains."""

    queryset = Asset.objects.with_deployments()
    serializer_class = AssetSerializer
    filter_backends = []
    ordering = ["symbol_key"]

    def list(self, request, chain_id=None):
        chain = get_object_or_404(Chain, pk=chain_id)
        queryset = self.get_queryset().filter(deployments__chain=chain).distinct()
        return self.asset_page(queryset)
