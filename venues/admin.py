"""The venues app's admin, and the venues' part of the asset admin (``AssetVenuesAdmin``)."""

from django.contrib import admin
from django.db.models import F

from assets.admin import AssetAdminPart, extend_asset_admin
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


@extend_asset_admin
class AssetVenuesAdmin(AssetAdminPart):
    """The venues that list an asset, on its list (a filter, the ticker search) and its
    page (its tickers as base and as quote, and the venues' own codes for it)."""

    filters_after = {"deployments__chain": (("venue_symbols__venue", RelatedSearchFilter),)}
    search_fields_added = ("=venue_symbols__symbol",)
    # The first panels, before the asset's groups.
    panels_after = {None: (("Venues", ("tickers_as_base", "tickers_as_quote", "venue_codes")),)}

    @admin.display(description="As base")
    def tickers_as_base(self, obj):
        """The venue tickers that resolve to the asset, current ones first."""
        return self._tickers_panel(obj.venue_symbols, "Quote", "quote_asset", "asset", obj)

    @admin.display(description="As quote")
    def tickers_as_quote(self, obj):
        """The venue tickers quoted in the asset, current ones first."""
        return self._tickers_panel(obj.quoted_venue_symbols, "Base", "asset", "quote_asset", obj)

    def _tickers_panel(self, tickers, other_label: str, other: str, role: str, obj):
        """``tickers`` of the asset in ``role`` (asset or quote_asset), each with the asset
        at its ``other`` end."""
        return self.related_panel(
            tickers.select_related(other).order_by(
                F("delisted_at").desc(nulls_first=True), "venue_id", "symbol", "market_type"
            ),
            ("Ticker", "Venue", "Market", other_label, "Active", "Delisted"),
            lambda symbol: (
                self.change_link(symbol, symbol.symbol),
                symbol.venue_id,
                symbol.get_market_type_display(),
                self.asset_link(getattr(symbol, other)),
                symbol.is_active,
                symbol.delisted_at,
            ),
            filters={role: obj.pk},
        )

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
