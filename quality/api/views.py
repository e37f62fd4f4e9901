from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import action

from quality import services
from quality.api.serializers import AssetQualityFlagSerializer, FlagResolutionSerializer
from quality.filtersets import AssetQualityFlagFilterSet
from quality.models import AssetQualityFlag
from registry.api.viewsets import RegistryCreateReadViewSet


@extend_schema_view(
    create=extend_schema(summary="Raise a quality flag on an asset"),
    list=extend_schema(summary="List quality flags"),
)
class AssetQualityFlagViewSet(RegistryCreateReadViewSet):
    queryset = AssetQualityFlag.objects.of_live("asset")
    serializer_class = AssetQualityFlagSerializer
    filterset_class = AssetQualityFlagFilterSet
    ordering_fields = ["raised_at", "severity", "created_at"]
    ordering = ["-severity", "-raised_at"]
    action_permissions = {"resolve": ["quality.change_assetqualityflag"]}

    def perform_create(self, serializer):
        serializer.instance = services.flag_raise(actor=self.actor, **serializer.validated_data)

    @extend_schema(
        summary="Resolve a flag, with notes",
        request=FlagResolutionSerializer,
        responses={200: AssetQualityFlagSerializer},
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        flag = self.get_object()
        body = FlagResolutionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.flag_resolve(
            flag=flag,
            actor=self.actor,
            notes=body.validated_data["notes"],
            resolved_at=body.validated_data.get("resolved_at"),
            expected_version=self.expected_version(),
        )
        return self.versioned_response(flag, self.get_serializer(flag).data)
