from rest_framework import serializers

from assets.models import Asset
from quality.models import AssetQualityFlag
from registry.api.serializers import RegistryModelSerializer, RegistryPrimaryKeyRelatedField
from registry.text import FREE_TEXT_MAX_LENGTH


class AssetQualityFlagSerializer(RegistryModelSerializer):
    asset = RegistryPrimaryKeyRelatedField(queryset=Asset.objects.all())
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
            "raised_at",
            "raised_by",
            "resolved_at",
            "resolved_by",
            "resolution_notes",
            "created_at",
            "updated_at",
            "version",
        )


class FlagResolutionSerializer(serializers.Serializer):
    notes = serializers.CharField(
        max_length=FREE_TEXT_MAX_LENGTH, help_text="Why the flag no longer applies."
    )
