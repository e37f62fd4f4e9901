from rest_framework import mixins

from chains import services
from chains.api.serializers import ChainSerializer
from chains.filtersets import ChainFilterSet
from chains.models import Chain
from registry.api.viewsets import CreateMixin, RegistryViewSet, RetrieveMixin, UpdateMixin


class ChainViewSet(RetrieveMixin, CreateMixin, UpdateMixin, mixins.ListModelMixin, RegistryViewSet):
    queryset = Chain.objects.all()
    serializer_class = ChainSerializer
    filterset_class = ChainFilterSet
    ordering_fields = ["chain_id", "name", "created_at", "updated_at"]
    ordering = ["chain_id"]

    def perform_create(self, serializer):
        serializer.instance = services.chain_create(**serializer.validated_data)

    def perform_update(self, serializer):
        services.chain_update(
            chain=serializer.instance,
            changes=serializer.validated_data,
            expected_version=self.expected_version(),
        )
