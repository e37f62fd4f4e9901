from chains import services
from chains.api.serializers import ChainSerializer
from chains.filtersets import ChainFilterSet
from chains.models import Chain
from registry.api.viewsets import RegistryModelViewSet


class ChainViewSet(RegistryModelViewSet):
    queryset = Chain.objects.all()
    serializer_class = ChainSerializer
    filterset_class = ChainFilterSet
    ordering_fields = ["chain_id", "name", "created_at", "updated_at"]
    ordering = ["chain_id"]
    writes = services.CHAIN_WRITES
