"""Filters shared by the apps' FilterSets."""

from datetime import UTC

import django_filters


class UTCDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 date-time, compared in UTC.

    Python accepts UTC offsets up to ±24 h, PostgreSQL only up to ±15:59; converting
    first makes every offset Python parses a valid query.
    """

    def filter(self, qs, value):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return super().filter(qs, value)
