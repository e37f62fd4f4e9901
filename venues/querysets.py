"""Reads over many venue rows, as QuerySet methods."""

from django.db.models import Q

from registry.models import RegistryQuerySet


class VenueSymbolQuerySet(RegistryQuerySet):
    def current(self):
        """Mappings not closed by a delisting: what the ticker means now."""
        return self.filter(delisted_at__isnull=True)

    def resolvable(self):
        """Current mappings whose base asset is live; a deleted asset's tickers stop resolving."""
        return self.current().of_live("asset")

    def as_of(self, moment):
        """Mappings that were in force at ``moment`` (listed by then, not yet delisted)."""
        return self.filter(Q(listed_at__isnull=True) | Q(listed_at__lte=moment)).filter(
            Q(delisted_at__isnull=True) | Q(delisted_at__gt=moment)
        )
