from django.contrib import admin

from chains import services
from chains.models import Chain
from registry.admin import RegistryModelAdmin


@admin.register(Chain)
class ChainAdmin(RegistryModelAdmin):
    writes = services.CHAIN_WRITES
    list_display = (
        "chain_id",
        "name",
        "chain_type",
        "network_id",
        "caip2",
        "native_asset",
        "is_testnet",
    )
    list_filter = ("chain_type", "is_testnet")
    search_fields = ("chain_id", "name", "=network_id")
    autocomplete_fields = ("native_asset",)
    list_select_related = ("native_asset",)
