"""Serializers of the quality API, and the flag fields quality adds to the asset summary
of the hot answers (registered in QualityConfig.ready())."""

from rest_framework import serializers

from assets.api.serializers import AssetSummarySerializer, register_summary_fields
from assets.models import Asset
from quality.choices import Severity
from quality.models import AssetQualityFlag
from registry.api.schema import register_resolve_answer
from registry.api.serializers import (
    InstantField,
    KnownFieldsMixin,
    RegistryModelSerializer,
    RegistryPrimaryKeyRelatedField,
)
from registry.text import FREE_TEXT_MAX_LENGTH


class AssetQualityFlagSerializer(RegistryModelSerializer):
    asset = RegistryPrimaryKeyRelatedField(queryset=Asset.objects.all())
    raised_at = InstantField(
        required=False,
        help_text="When the flag began to apply: now unless given (earlier for what was "
        "found later, never in the future): what as_of lookups answer.",
    )
    severity_name = serializers.CharField(source="get_severity_display", read_only=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = AssetQualityFlag
        fields = (
            "flag_id",
            "asset",
            "flag_type",
            "severity",
            "severity_name",
            "source",
            "reason",
            "evidence_url",
            "raised_at",
            "raised_by",
            "is_active",
            "resolved_at",
            "resolved_by",
            "resolution_notes",
            "metadata",
            "created_at",
            "updated_at",
            "version",
        )
        read_only_fields = (
            "flag_id",
            "raised_by",
            "resolved_at",
            "resolved_by",
            "resolution_notes",
            "created_at",
            "updated_at",
            "version",
        )


class FlagResolutionSerializer(KnownFieldsMixin, serializers.Serializer):
    notes = serializers.CharField(
        max_length=FREE_TEXT_MAX_LENGTH, help_text="Why the flag no longer applies."
    )
    resolved_at = InstantField(
        required=False,
        help_text="When it stopped applying, if earlier than now (not before it was raised, "
        "never in the future): what as_of lookups answer.",
    )


class ActiveFlagSerializer(RegistryModelSerializer):
    """An unresolved quality flag, as the hot lookups show it."""

    evidence_url = serializers.CharField(
        read_only=True, help_text="A URL that shows why; empty when none was given."
    )

    class Meta:
        model = AssetQualityFlag
        fields = (
            "flag_id",
            "flag_type",
            "severity",
            "source",
            "reason",
            "evidence_url",
            "raised_at",
            "raised_by",
            "metadata",
        )
        read_only_fields = fields


# The asset summary's flag fields (assets.api.serializers.register_summary_fields), in the
# order quality.lookups.add_flags_to_summary writes them.
SUMMARY_FLAG_FIELDS = {
    "highest_active_severity": serializers.IntegerField(
        min_value=0,
        max_value=5,
        help_text="The highest severity among the active flags: 0 with none, else 1 (info) "
        "to 5 (critical).",
    ),
    "active_flags": ActiveFlagSerializer(
        many=True, help_text="Unresolved flags, the most severe first, then the oldest."
    ),
}


# The answer of the hot lookup resolve/pretrade/, which registry/api/resolve.py builds from
# the asset's active flags: described for the OpenAPI document only (registered in
# QualityConfig.ready()).
class PretradeAssetSerializer(AssetSummarySerializer):
    class Meta(AssetSummarySerializer.Meta):
        fields = ("asset_id", "symbol", "name")
        read_only_fields = fields


class BlockingFlagSerializer(ActiveFlagSerializer):
    asset_id = serializers.UUIDField(read_only=True, help_text="The flagged asset.")

    class Meta(ActiveFlagSerializer.Meta):
        fields = (*ActiveFlagSerializer.Meta.fields, "asset_id")
        read_only_fields = fields


class CheckedAssetSerializer(serializers.Serializer):
    asset_id = serializers.UUIDField()
    symbol = serializers.CharField()
    roles = serializers.ListField(
        child=serializers.CharField(),
        help_text="What the asset is to what was asked: 'asset'; or, for a market, 'base', "
        "'quote' and/or 'settlement'.",
    )
    highest_active_severity = serializers.IntegerField(min_value=0, max_value=5)


class PretradeAnswerSerializer(serializers.Serializer):
    asset = PretradeAssetSerializer(help_text="The asset asked about (a market's base).")
    tradeable = serializers.BooleanField(
        help_text="No active flag of min_severity or more, and, asked by a market, the "
        "market is TRADING: an order may be sent."
    )
    market_status = serializers.CharField(
        allow_null=True,
        help_text="Asked by a market: its status (TRADING, HALTED, REDUCE_ONLY); only "
        "TRADING is tradeable (REDUCE_ONLY takes no order that opens a position). Null "
        "when asked by an asset.",
    )
    min_severity = serializers.ChoiceField(
        choices=Severity.choices, help_text="The severity that blocks, as asked (default 5)."
    )
    highest_active_severity = serializers.IntegerField(
        min_value=0,
        max_value=5,
        help_text="Over every asset checked: 0 with no active flag, else 1 (info) to 5 (critical).",
    )
    blocking_flags = BlockingFlagSerializer(
        many=True,
        help_text="The active flags of min_severity or more, of any asset checked, the most "
        "severe first: why it is not tradeable.",
    )
    checked_assets = CheckedAssetSerializer(
        many=True,
        help_text="Every asset weighed, each once: a market's base, quote and settlement assets.",
    )


def register() -> None:
    """The pre-trade lookup's answer, and the active flags every asset summary carries."""
    register_resolve_answer("pretrade", PretradeAnswerSerializer)
    register_summary_fields(**SUMMARY_FLAG_FIELDS)
