"""Reads over many flags, as QuerySet methods."""

from registry.models import RegistryQuerySet


class AssetQualityFlagQuerySet(RegistryQuerySet):
    def active(self):
        return self.filter(resolved_at__isnull=True)

    def resolved(self):
        return self.filter(resolved_at__isnull=False)

    def at_least(self, severity: int):
        return self.filter(severity__gte=severity)
