"""Serializers of the assets API. Field names match the model fields (and CSV exports)."""

import copy

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assets.choices import RelationshipType
from assets.models import (
    Asset,
    AssetDeployment,
    AssetGroup,
    AssetGroupMember,
    AssetIdentifier,
    AssetRelationship,
)
from registry.api.schema import register_resolve_answer
from registry.api.serializers import (
    ExactDecimalField,
    InstantField,
    MetadataField,
    RegistryModelSerializer,
    RegistryPrimaryKeyRelatedField,
)

BOOKKEEPING = ("created_at", "updated_at", "version")


class AssetSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Asset
        fields = ("asset_id", "symbol", "name", "asset_type")
        read_only_fields = fields


class CollidingAssetSerializer(serializers.Serializer):
    asset_id = serializers.UUIDField()
    name = serializers.CharField()
    chains = serializers.ListField(child=serializers.CharField())


class SymbolCollisionsSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Live assets with this symbol, this one included.")
    assets = CollidingAssetSerializer(
        many=True, help_text="The oldest 5 of them (all, when there are fewer)."
    )


class DeploymentSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = AssetDeployment
        fields = ("deployment_id", "chain", "address", "decimals", "is_native", "is_canonical")
        read_only_fields = fields


class AssetSerializer(RegistryModelSerializer):
    symbol_collisions = serializers.SerializerMethodField(
        help_text="Every live asset that shares this symbol, with the chains each is on: "
        "a symbol alone never names one asset."
    )
    deployments = DeploymentSummarySerializer(many=True, read_only=True)

    class Meta:
        model = Asset
        fields = (
            "asset_id",
            "symbol",
            "name",
            "asset_type",
            "category",
            "description",
            "logo_url",
            "website_url",
            "metadata",
            "deployments",
            "symbol_collisions",
            *BOOKKEEPING,
        )
        read_only_fields = ("asset_id", *BOOKKEEPING)

    @extend_schema_field(SymbolCollisionsSerializer)
    def get_symbol_collisions(self, asset):
        sets = self.context.get("collision_sets")
        if sets is None or asset.symbol_key not in sets:
            sets = Asset.objects.collision_sets([asset.symbol_key])
        collisions = sets.get(asset.symbol_key, {"count": 0, "assets": []})
        # One serializer for every asset of a list: making one per asset copied its fields
        # each time, half the time of an export.
        if not hasattr(self, "_collisions_serializer"):
            self._collisions_serializer = SymbolCollisionsSerializer()
        return self._collisions_serializer.to_representation(collisions)


class AssetUpdateSerializer(AssetSerializer):
    """An asset's update: its fields, and when a rename took effect."""

    renamed_at = InstantField(
        write_only=True,
        required=False,
        help_text="When a change of symbol or name took effect (a rebrand recorded after "
        "the fact: LUNA became LUNC on 2022-05-28T00:00:00Z); default now. The old symbol "
        "and name become a former name until then (GET /assets/{asset_id}/lineage/).",
    )

    class Meta(AssetSerializer.Meta):
        fields = (*AssetSerializer.Meta.fields, "renamed_at")


class AssetSearchResultSerializer(AssetSerializer):
    search_rank = serializers.IntegerField(
        read_only=True, help_text="0: symbol or address match, 1: symbol prefix, 2: name."
    )

    class Meta(AssetSerializer.Meta):
        fields = ("search_rank", *AssetSerializer.Meta.fields)


class AssetIdentifierSerializer(RegistryModelSerializer):
    asset = RegistryPrimaryKeyRelatedField(queryset=Asset.objects.all())

    class Meta:
        model = AssetIdentifier
        fields = ("id", "asset", "source", "external_id", "is_primary", "metadata", *BOOKKEEPING)
        read_only_fields = ("id", *BOOKKEEPING)


class AssetDeploymentSerializer(RegistryModelSerializer):
    asset = RegistryPrimaryKeyRelatedField(queryset=Asset.objects.all())
    caip19 = serializers.CharField(read_only=True, allow_null=True, help_text="CAIP-19 asset id.")

    class Meta:
        model = AssetDeployment
        fields = (
            "deployment_id",
            "asset",
            "chain",
            "address",
            "decimals",
            "is_native",
            "is_canonical",
            "deployment_block",
            "deployment_tx",
            "deployer_address",
            "is_verified",
            "deployed_at",
            "metadata",
            "caip19",
            *BOOKKEEPING,
        )
        read_only_fields = ("deployment_id", *BOOKKEEPING)
        create_only_fields = ("asset", "chain")


class AssetRelationshipSerializer(RegistryModelSerializer):
    # The events name the ends as the contract does (docs/EVENTS.md): the same two assets.
    parent_asset = RegistryPrimaryKeyRelatedField(
        queryset=Asset.objects.all(),
        help_text="The underlying (ETH, when WETH wraps it): from_asset_id in the events.",
    )
    child_asset = RegistryPrimaryKeyRelatedField(
        queryset=Asset.objects.all(),
        help_text="The variant (WETH): to_asset_id in the events.",
    )
    valid_from = InstantField(
        required=False, allow_null=True, help_text="When it took effect; null: since always."
    )
    valid_to = InstantField(
        required=False, allow_null=True, help_text="When it ended; null: it still holds."
    )

    class Meta:
        model = AssetRelationship
        fields = (
            "relationship_id",
            "parent_asset",
            "child_asset",
            "relationship_type",
            "conversion_rate",
            "chain",
            "valid_from",
            "valid_to",
            "protocol",
            "description",
            "metadata",
            *BOOKKEEPING,
        )
        read_only_fields = ("relationship_id", *BOOKKEEPING)
        create_only_fields = ("parent_asset", "child_asset", "relationship_type", "chain")


class VariantStepSerializer(serializers.Serializer):
    asset = AssetSummarySerializer()
    relationship_type = serializers.CharField(
        allow_null=True, help_text="The edge into this asset; null for the root."
    )


class VariantSerializer(serializers.Serializer):
    asset = AssetSummarySerializer()
    depth = serializers.IntegerField(help_text="Edges from the root asset.")
    relationship_type = serializers.CharField(help_text="The last edge of the path.")
    conversion_rate = ExactDecimalField(
        max_digits=72,
        decimal_places=36,
        allow_null=True,
        help_text="Units of the root per unit of this variant, if every rate on the path is known.",
    )
    path = VariantStepSerializer(many=True, help_text="From the root to this variant.")


class FormerNameSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    name = serializers.CharField()
    valid_from = serializers.DateTimeField(allow_null=True, help_text="Null: since always.")
    valid_to = serializers.DateTimeField()


class LineageAssetSerializer(serializers.Serializer):
    asset_id = serializers.UUIDField()
    symbol = serializers.CharField(help_text="As of the time asked (its name then).")
    name = serializers.CharField()
    asset_type = serializers.CharField()


LINEAGE_RATE = {"max_digits": 72, "decimal_places": 36, "allow_null": True}


class LineageLinkSerializer(serializers.Serializer):
    asset = LineageAssetSerializer()
    relationship_id = serializers.UUIDField()
    relationship_type = serializers.CharField(help_text="MIGRATES_TO, FORKS_FROM or REDENOMINATES.")
    depth = serializers.IntegerField(help_text="Relationships from the asset.")
    via = serializers.UUIDField(help_text="The asset this one is linked to on the path.")
    conversion_rate = ExactDecimalField(
        **LINEAGE_RATE, help_text="Units of the successor per unit of the predecessor."
    )
    cumulative_ratio = ExactDecimalField(
        **LINEAGE_RATE,
        help_text="Along the path: units of the later asset per unit of the earlier (a "
        "successor's per unit of this asset; this asset's per unit of a predecessor); "
        "null where a ratio on the path is unknown.",
    )
    chain = serializers.CharField(allow_null=True, help_text="Its chain scope; null: every chain.")
    valid_from = serializers.DateTimeField(allow_null=True, help_text="Null: since always.")
    valid_to = serializers.DateTimeField(allow_null=True, help_text="Null: still.")


class OriginStepSerializer(serializers.Serializer):
    asset = LineageAssetSerializer(help_text="The underlying of this step.")
    from_asset_id = serializers.UUIDField(help_text="The variant of this step.")
    relationship_type = serializers.CharField()
    conversion_rate = ExactDecimalField(
        **LINEAGE_RATE, help_text="Units of the underlying per unit of the variant."
    )


class OriginSerializer(serializers.Serializer):
    root = LineageAssetSerializer(help_text="The root underlying.")
    steps = OriginStepSerializer(many=True, help_text="From the asset up to the root.")
    conversion_rate = ExactDecimalField(
        **LINEAGE_RATE,
        help_text="Units of the root per unit of the asset; null when a step floats.",
    )


class LineageSerializer(serializers.Serializer):
    asset = LineageAssetSerializer()
    as_of = serializers.DateTimeField(allow_null=True)
    known_at = serializers.DateTimeField(allow_null=True)
    former_names = FormerNameSerializer(many=True, help_text="Its rebrands: the same asset.")
    predecessors = LineageLinkSerializer(many=True, help_text="What it came from, transitively.")
    successors = LineageLinkSerializer(many=True, help_text="What it became, transitively.")
    origin = OriginSerializer(
        allow_null=True, help_text="For a variant: the path to its root underlying."
    )


class AssetGroupMemberSerializer(RegistryModelSerializer):
    asset = RegistryPrimaryKeyRelatedField(queryset=Asset.objects.all())
    added_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = AssetGroupMember
        fields = ("asset", "is_canonical", "weight", "added_at")
        read_only_fields = ("added_at",)


class AssetGroupSerializer(RegistryModelSerializer):
    members = AssetGroupMemberSerializer(many=True, read_only=True)

    class Meta:
        model = AssetGroup
        fields = (
            "group_id",
            "canonical_symbol",
            "issuer",
            "description",
            "metadata",
            "members",
            *BOOKKEEPING,
        )
        read_only_fields = BOOKKEEPING
        create_only_fields = ("group_id",)


# --- Answers of the hot lookups (/api/v1/resolve/) ---------------------------------------
# assets/lookups.py builds these answers as bytes; the serializers below only describe them
# in the OpenAPI document (registered in AssetsConfig.ready(); tests/api/test_schema.py
# checks real answers against it). Parts that are the REST resources' own reuse their
# serializers, so a generated client gets one type for both.


# Fields the apps above add to the asset summary of the hot answers (the active flags,
# say), in the order their summary extension (assets.lookups) writes them.
SUMMARY_EXTENSION_FIELDS: dict[str, serializers.Field] = {}


def register_summary_fields(**fields: serializers.Field) -> None:
    """Called from an upper app's AppConfig.ready(), beside its summary extension."""
    SUMMARY_EXTENSION_FIELDS.update(fields)


# The asset summary of the hot answers: the asset's fields, then those the apps above
# contribute, then a subclass's own. Its name is its OpenAPI component's, which generated
# clients know (no docstring: it would become the component's description).
class AssetSummaryWithFlagsSerializer(AssetSummarySerializer):
    def get_fields(self):
        fields = super().get_fields()
        summary = {name: fields.pop(name) for name in AssetSummarySerializer.Meta.fields}
        # Copies, as DRF copies declared fields: a field is bound to one serializer.
        contributed = copy.deepcopy(SUMMARY_EXTENSION_FIELDS)
        return {**summary, **contributed, **fields}


# The deployment of a by-address answer: the summary, and what the gRPC AssetDeployment
# message shows besides (GetAssetDeployment answers from it). No docstring, as above.
class ResolvedDeploymentSerializer(DeploymentSummarySerializer):
    caip19 = serializers.CharField(
        read_only=True, allow_null=True, help_text="CAIP-19 asset id (null: no namespace names it)."
    )
    chain_name = serializers.CharField(
        source="chain.name", read_only=True, help_text="The chain's name."
    )
    metadata = MetadataField(read_only=True)

    class Meta(DeploymentSummarySerializer.Meta):
        fields = (
            *DeploymentSummarySerializer.Meta.fields,
            "caip19",
            "chain_name",
            "is_verified",
            "deployed_at",
            "metadata",
            *BOOKKEEPING,
        )
        read_only_fields = fields


class DeploymentAnswerSerializer(serializers.Serializer):
    deployment = ResolvedDeploymentSerializer()
    asset = AssetSummaryWithFlagsSerializer()
    symbol_collisions = SymbolCollisionsSerializer(
        help_text="Every live asset that shares the asset's symbol."
    )


class AddressDeploymentSerializer(DeploymentSummarySerializer):
    chain_name = serializers.CharField(read_only=True, help_text="The chain's name.")
    caip2 = serializers.CharField(
        read_only=True, allow_null=True, help_text="The chain's CAIP-2 id (eip155:1)."
    )
    caip19 = serializers.CharField(
        read_only=True, allow_null=True, help_text="CAIP-19 asset id (null: no namespace names it)."
    )
    asset = AssetSummaryWithFlagsSerializer(read_only=True)

    class Meta(DeploymentSummarySerializer.Meta):
        fields = (
            "deployment_id",
            "chain",
            "chain_name",
            "caip2",
            "caip19",
            "address",
            "decimals",
            "is_native",
            "is_canonical",
            "asset",
        )
        read_only_fields = fields


class AddressCollisionSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Different assets at the address.")
    message = serializers.CharField(help_text="The assets, each with the chains it is on.")


class SymbolAnswerAssetSerializer(AssetSummaryWithFlagsSerializer):
    chains = serializers.ListField(
        child=serializers.CharField(), help_text="chain_id of every chain it is deployed on."
    )

    class Meta(AssetSummaryWithFlagsSerializer.Meta):
        fields = (*AssetSummaryWithFlagsSerializer.Meta.fields, "chains")


class SymbolAnswerSerializer(serializers.Serializer):
    symbol = serializers.CharField(help_text="The symbol as it was matched (upper case).")
    count = serializers.IntegerField(help_text="Live assets with this symbol.")
    assets = SymbolAnswerAssetSerializer(
        many=True, help_text="The oldest 5 of them (all, when there are fewer)."
    )


class AddressAnswerSerializer(serializers.Serializer):
    address = serializers.CharField(
        help_text="The address as it was matched (an EVM address lower-case)."
    )
    deployments = AddressDeploymentSerializer(
        many=True, help_text="Every deployment at the address, on any chain, by chain_id."
    )
    assets = SymbolAnswerAssetSerializer(
        many=True, help_text="The distinct assets deployed there, with their chains."
    )
    same_asset = serializers.BooleanField(help_text="One asset on every chain.")
    collision = AddressCollisionSerializer(
        allow_null=True,
        help_text="Null, or different assets at one address (on different chains).",
    )


class ResolvedVariantSerializer(serializers.Serializer):
    asset = AssetSummaryWithFlagsSerializer()
    depth = serializers.IntegerField(min_value=1, help_text="Edges from the root asset.")
    relationship_types = serializers.ListField(
        child=serializers.ChoiceField(choices=RelationshipType.choices),
        help_text="The type of each edge of the path, from the root.",
    )
    conversion_rate = serializers.DecimalField(
        max_digits=72,
        decimal_places=36,
        allow_null=True,
        help_text="Units of the root per unit of this variant, if every rate on the path is known.",
    )
    path = serializers.ListField(
        child=serializers.UUIDField(),
        help_text="asset_id of each asset from the root to this variant, both included.",
    )


class AssetGroupSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = AssetGroup
        fields = ("group_id", "canonical_symbol")
        read_only_fields = fields


class GroupMemberAnswerSerializer(AssetSummaryWithFlagsSerializer):
    is_canonical = serializers.BooleanField(help_text="The group's reference asset.")
    weight = serializers.DecimalField(max_digits=36, decimal_places=18)

    class Meta(AssetSummaryWithFlagsSerializer.Meta):
        fields = (*AssetSummaryWithFlagsSerializer.Meta.fields, "is_canonical", "weight")


class GroupAnswerSerializer(serializers.Serializer):
    group = AssetGroupSummarySerializer()
    members = GroupMemberAnswerSerializer(many=True, help_text="The canonical member first.")
    variants = ResolvedVariantSerializer(
        many=True, help_text="Every variant of the members that is not a member itself."
    )


class VariantsAnswerSerializer(serializers.Serializer):
    root = AssetSummaryWithFlagsSerializer()
    variants = ResolvedVariantSerializer(many=True, help_text="The nearest first.")


def register() -> None:
    """What the OpenAPI document says the hot lookups answer."""
    register_resolve_answer("deployment", DeploymentAnswerSerializer)
    register_resolve_answer("address", AddressAnswerSerializer)
    register_resolve_answer("symbol", SymbolAnswerSerializer)
    register_resolve_answer("asset", AssetSummaryWithFlagsSerializer)
    register_resolve_answer("aggregate", GroupAnswerSerializer, VariantsAnswerSerializer)
