"""The venues app's admin, and the venues' part of the asset admin (``AssetVenuesAdmin``)."""

from django.contrib import admin

from assets.admin import AssetAdminPart, extend_asset_admin
from registry.admin import RegistryModelAdmin
from registry.admin_filters import RelatedSearchFilter
from venues import services
from venues.models import Venue, VenueAsset


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


@extend_asset_admin
class AssetVenuesAdmin(AssetAdminPart):
    """The venues' own codes for an asset, on its page (its markets: the markets app)."""

    # The first panels, before the asset's groups.
    panels_after = {None: (("Venue codes", ("venue_codes",)),)}

    @admin.display(description="Venue codes")
    def venue_codes(self, obj):
        """The venues' own codes for the asset (Kraken's XXBT)."""
        return self.related_panel(
            obj.venue_assets.all(),
            ("Code", "Venue", "Trading", "Deposit", "Withdraw", "Active"),
            lambda code: (
                self.change_link(code, code.venue_asset_symbol),
                code.venue_id,
                code.trading_enabled,
                code.deposit_enabled,
                code.withdraw_enabled,
                code.is_active,
            ),
            filters={"asset": obj.pk},
        )
