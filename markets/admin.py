"""The markets app's admin: instruments with every venue's market of them, markets with
their trading rules, and the markets' part of the asset admin (``AssetMarketsAdmin``)."""

import copy

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from assets.admin import AssetAdmin, AssetAdminPart, extend_asset_admin
from markets import services
from markets.models import INSTRUMENT_TERMS, Instrument, Market, VenueSymbol
from markets.services import MARKET_KEY_FIELDS
from registry.admin import RegistryModelAdmin
from registry.admin_filters import RelatedSearchFilter
from registry.numbers import plain_decimal


@admin.register(Instrument)
class InstrumentAdmin(RegistryModelAdmin):
    writes = services.INSTRUMENT_WRITES
    list_display = ("code", "instrument_type", "underlying_asset", "quote_asset", "expiry")
    list_filter = ("instrument_type", "terms_complete", "is_inverse")
    search_fields = ("code", "underlying_asset__symbol_key")
    autocomplete_fields = ("underlying_asset", "quote_asset", "settlement_asset", "protocol")
    list_select_related = ("underlying_asset", "quote_asset")
    readonly_fields = ("code", "listed_markets")

    # The asset page's read-only panels (a table, then a link to all of them).
    related_panel = AssetAdmin.related_panel
    change_link = AssetAdmin.change_link

    def get_form(self, request, obj=None, change=False, **kwargs):
        return service_checked(super().get_form(request, obj, change=change, **kwargs), self)

    def lookup_allowed(self, lookup, value, request=None):
        # The asset page's panel links here filtered by the asset.
        if lookup in ("underlying_asset", "settlement_asset"):
            return True
        return super().lookup_allowed(lookup, value, request)

    @admin.display(description="Markets")
    def listed_markets(self, obj):
        """Every venue's market of the instrument, current ones first."""
        if obj is None or obj.pk is None:
            return "-"
        return self.related_panel(
            obj.markets.order_by(
                F("delisted_at").desc(nulls_first=True), "venue_id", "venue_symbol"
            ),
            ("Venue", "Symbol", "Status", "Tick size", "Lot size", "Listed", "Delisted"),
            lambda market: (
                market.venue_id,
                self.change_link(market, market.venue_symbol),
                market.get_status_display(),
                plain_decimal(market.tick_size),
                plain_decimal(market.lot_size),
                market.listed_at,
                market.delisted_at,
            ),
            filters={"instrument": obj.pk},
        )

    def get_readonly_fields(self, request, obj=None):
        # An instrument is its terms (markets.services): fixed once complete. Only a venue
        # ticker's instrument is incomplete; one registered here has its terms.
        fixed = INSTRUMENT_TERMS if obj and obj.terms_complete else ()
        return (*super().get_readonly_fields(request, obj), *fixed, "terms_complete")


class _DryRun(Exception):
    """Rolls back the savepoint of a write made only to see whether it is refused."""


def service_checked(form_class, model_admin):
    """``form_class`` whose validation also runs the admin's service write, in a
    savepoint rolled back at once: a rule only the service checks (a market's type is
    its instrument's, an expired future is not TRADING, DELISTED only by delisting) is
    a form error naming its field, not a server error once the form was accepted."""

    class ServiceCheckedForm(form_class):
        def clean(self):
            cleaned = super().clean()
            if self.errors:
                return cleaned
            probe = copy.copy(self.instance)
            try:
                with transaction.atomic():
                    if probe._state.adding:
                        model_admin.service_create(probe, self)
                    else:
                        model_admin.service_update(probe, self)
                    raise _DryRun
            except _DryRun:
                pass
            except ValidationError as error:
                messages = error.message_dict if hasattr(error, "error_dict") else {}
                for name, reasons in messages.items() or {None: error.messages}.items():
                    self.add_error(name if name in self.fields else None, reasons)
            return cleaned

    ServiceCheckedForm.__name__ = ServiceCheckedForm.__qualname__ = form_class.__name__
    return ServiceCheckedForm


@admin.register(Market)
class MarketAdmin(RegistryModelAdmin):
    writes = services.MARKET_WRITES
    actions = ("delist_selected",)
    list_display = ("venue", "venue_symbol", "market_type", "instrument", "status", "delisted_at")
    list_filter = (("venue", RelatedSearchFilter), "market_type", "status")
    search_fields = ("venue_symbol", "instrument__code")
    autocomplete_fields = ("venue", "instrument")
    list_select_related = ("venue", "instrument")

    def lookup_allowed(self, lookup, value, request=None):
        # The asset page's panels link here filtered by the instrument's assets.
        if lookup in ("instrument", "instrument__underlying_asset", "instrument__quote_asset"):
            return True
        return super().lookup_allowed(lookup, value, request)

    def get_form(self, request, obj=None, change=False, **kwargs):
        return service_checked(super().get_form(request, obj, change=change, **kwargs), self)

    def has_delete_permission(self, request, obj=None):
        """A symbol's markets are its history: delist them, never delete them."""
        return False

    @admin.action(description="Delist the selected markets (now)", permissions=["change"])
    def delist_selected(self, request, queryset):
        """Close each selected market that is still current, through markets.services;
        one refused is reported and leaves the others delisted."""
        delisted = 0
        for market in queryset.filter(delisted_at__isnull=True).select_related("instrument"):
            try:
                services.market_delist(market=market, reason="delisted by a steward")
            except ValidationError as error:
                self.message_user(request, f"{market}: {' '.join(error.messages)}", "error")
            else:
                delisted += 1
        self.message_user(request, f"Delisted {delisted} market(s).")

    def get_readonly_fields(self, request, obj=None):
        # What a market means is fixed once listed (markets.services); delisting is the API's.
        fixed = (*MARKET_KEY_FIELDS, "delisted_at") if obj else ()
        return (*super().get_readonly_fields(request, obj), *fixed)


@extend_asset_admin
class AssetMarketsAdmin(AssetAdminPart):
    """The markets of an asset, on its list (a filter, the symbol search) and its page
    (the markets of the instruments it underlies, and of those quoted or settled in it)."""

    filters_after = {
        "deployments__chain": (("underlying_instruments__markets__venue", RelatedSearchFilter),)
    }
    search_fields_added = ("=underlying_instruments__markets__venue_symbol",)
    # The first panels, before the asset's groups.
    panels_after = {
        None: (
            ("Markets", ("markets_as_base", "markets_as_quote")),
            ("Instruments", ("instruments_underlied", "instruments_settled")),
        )
    }

    @admin.display(description="Underlying")
    def instruments_underlied(self, obj):
        """The instruments the asset underlies (a spot pair's base among them)."""
        return self._instruments_panel(
            Instrument.objects.filter(underlying_asset=obj), {"underlying_asset": obj.pk}
        )

    @admin.display(description="Settled in it")
    def instruments_settled(self, obj):
        """The derivatives that pay out in the asset."""
        return self._instruments_panel(
            Instrument.objects.filter(settlement_asset=obj), {"settlement_asset": obj.pk}
        )

    def _instruments_panel(self, queryset, filters: dict):
        return self.related_panel(
            queryset.order_by("code"),
            ("Code", "Type", "Expiry", "Terms known"),
            lambda instrument: (
                self.change_link(instrument, instrument.code),
                instrument.get_instrument_type_display(),
                instrument.expiry,
                instrument.terms_complete,
            ),
            filters=filters,
        )

    @admin.display(description="As base")
    def markets_as_base(self, obj):
        """The markets whose instrument the asset underlies (a spot pair's base, a
        derivative's underlying), current ones first, each with its quote."""
        return self._markets_panel(obj, "underlying_asset", "quote_asset", "Quote")

    @admin.display(description="As quote")
    def markets_as_quote(self, obj):
        """The markets whose instrument is quoted in the asset, each with its base."""
        return self._markets_panel(obj, "quote_asset", "underlying_asset", "Base")

    def _markets_panel(self, obj, role: str, other: str, other_label: str):
        """The markets of ``obj`` in ``role`` (an instrument's asset field), each with the
        asset at its ``other`` end; all of them in the market list, filtered the same way."""
        return self.related_panel(
            Market.objects.filter(**{f"instrument__{role}": obj})
            .select_related("instrument", f"instrument__{other}")
            .order_by(
                F("delisted_at").desc(nulls_first=True), "venue_id", "venue_symbol", "market_type"
            ),
            ("Symbol", "Venue", "Market", other_label, "Instrument", "Status", "Delisted"),
            lambda market: (
                self.change_link(market, market.venue_symbol),
                market.venue_id,
                market.get_market_type_display(),
                self.asset_link(getattr(market.instrument, other)),
                self.change_link(market.instrument, market.instrument.code),
                market.get_status_display(),
                market.delisted_at,
            ),
            filters={f"instrument__{role}": obj.pk},
        )


@admin.register(VenueSymbol)
class VenueSymbolAdmin(MarketAdmin):
    """Venue tickers: the markets, listed as the venue-ticker API shows them (base and
    quote), with the venue-ticker CSV export and import (registry.exchange); each is
    edited as its market."""

    list_display = (
        "venue",
        "venue_symbol",
        "market_type",
        "base",
        "quote",
        "status",
        "delisted_at",
    )
    list_select_related = ("venue", "instrument__underlying_asset", "instrument__quote_asset")
    search_fields = ("venue_symbol", "instrument__underlying_asset__symbol_key")

    @admin.display(description="Base", ordering="instrument__underlying_asset__symbol_key")
    def base(self, obj):
        return obj.instrument.underlying_asset

    @admin.display(description="Quote")
    def quote(self, obj):
        return obj.instrument.quote_asset
