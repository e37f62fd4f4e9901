"""Reads over many instruments and markets, as QuerySet methods."""

from django.db.models import Q

from registry.models import RegistryQuerySet
from registry.timeline import valid_at


class InstrumentQuerySet(RegistryQuerySet):
    def of_asset(self, asset_id):
        """Instruments an asset underlies, is quoted in or settles."""
        return self.filter(
            Q(underlying_asset_id=asset_id)
            | Q(quote_asset_id=asset_id)
            | Q(settlement_asset_id=asset_id)
        )


class MarketQuerySet(RegistryQuerySet):
    def current(self):
        """Markets not closed by a delisting: what the symbol means now."""
        return self.filter(delisted_at__isnull=True)

    def resolvable(self):
        """Current markets whose assets (underlying, quote and settlement) are all live:
        a deleted asset's markets stop resolving, whichever role it plays, so a pre-trade
        check by one fails closed rather than weighing the other assets alone."""
        return self.current().of_live(
            "instrument__underlying_asset",
            "instrument__quote_asset",
            "instrument__settlement_asset",
        )

    def as_of(self, instant):
        """Markets that were in force at ``instant`` (listed by then, not yet delisted)."""
        return self.filter(valid_at("listed_at", "delisted_at", instant))
