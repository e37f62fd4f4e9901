from django.contrib import admin

from registry.admin import RegistryModelAdmin
from registry.admin_filters import RelatedSearchFilter
from venues import services
from venues.models import Venue, VenueAsset, VenueSymbol
from venues.services import VENUE_SYMBOL_KEY_FIELDS


@admin.register(Venue)
class VenueAdmin(RegistryModelAdmin):
    writes = services.VENUE_WRITES
    list_display = ("venue_id", "name", "venue_type", "chain", "is_active")
    list_filter = ("venue_type", "is_active", ("chain", RelatedSearchFilter))
    search_fields = ("venue_id", "name")
    autocomplete_fields = ("chain",)


@admin.register(VenueAsset)
class VenueAssetAdmin(RegistryModelAdmin):
    writes = services.VENUE_ASSET_WRITES
    list_display = ("venue", "venue_asset_symbol", "asset", "trading_enabled", "is_active")
    list_filter = (("venue", RelatedSearchFilter), "is_active", "trading_enabled")
    search_fields = ("venue_asset_symbol", "asset__symbol_key")
    autocomplete_fields = ("venue", "asset")
    list_select_related = ("venue", "asset")


@admin.register(VenueSymbol)
class VenueSymbolAdmin(RegistryModelAdmin):
    writes = services.VENUE_SYMBOL_WRITES
    list_display = (
        "venue",
        "symbol",
        "market_type",
        "asset",
        "quote_asset",
        "is_active",
        "delisted_at",
    )
    list_filter = (("venue", RelatedSearchFilter), "market_type", "is_active")
    search_fields = ("symbol", "asset__symbol_key")
    autocomplete_fields = ("venue", "asset", "quote_asset")
    list_select_related = ("venue", "asset", "quote_asset")

    def has_delete_permission(self, request, obj=None):
        """A ticker's mappings are its history: delist them, never delete them."""
        return False

    def get_readonly_fields(self, request, obj=None):
        # What a mapping means is fixed once mapped (venues.services); delisting is the API's.
        fixed = (*VENUE_SYMBOL_KEY_FIELDS, "delisted_at") if obj else ()
        return (*super().get_readonly_fields(request, obj), *fixed)
