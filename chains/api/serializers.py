from rest_framework import serializers

from chains.models import Chain
from registry.api.serializers import RegistryModelSerializer


class ChainSerializer(RegistryModelSerializer):
    caip2 = serializers.CharField(read_only=True, allow_null=True, help_text="CAIP-2 chain id.")

    class Meta:
        model = Chain
        fields = (
            "chain_id",
            "name",
            "chain_type",
            "network_id",
            "caip2",
            "caip2_reference",
            "native_asset",
            "rpc_url",
            "explorer_url",
            "is_testnet",
            "metadata",
            "created_at",
            "updated_at",
            "version",
        )
        read_only_fields = ("created_at", "updated_at", "version")
        create_only_fields = ("chain_id",)
