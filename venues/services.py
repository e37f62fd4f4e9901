"""Write operations on venues and venue currency codes."""

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from assets.models import Asset
from registry.events.outbox import record
from registry.services import Writes, validated_create, validated_delete, validated_update
from venues.models import Venue, VenueAsset


@transaction.atomic
def venue_create(*, venue_id: str, name: str, venue_type: str, **fields: Any) -> Venue:
    """Register a venue.

    Other fields: chain, protocol_address, website_url, api_url, is_active, metadata.
    """
    venue = validated_create(Venue(venue_id=venue_id, name=name, venue_type=venue_type, **fields))
    record("venue_created", venue)
    return venue


@transaction.atomic
def venue_update(
    *, venue: Venue, changes: Mapping[str, Any], expected_version: int | None = None
) -> list[str]:
    return validated_update(
        venue, changes, expected_version=expected_version, event="venue_updated"
    )


@transaction.atomic
def venue_delete(*, venue: Venue, expected_version: int | None = None) -> None:
    """Remove a venue registered by mistake; refused while it has codes or tickers."""
    validated_delete(venue, event="venue_deleted", expected_version=expected_version)


@transaction.atomic
def venue_asset_create(
    *, venue: Venue, asset: Asset, venue_asset_symbol: str, **fields: Any
) -> VenueAsset:
    """Record the venue's own code for an asset (Kraken 'XXBT' for BTC)."""
    venue_asset = validated_create(
        VenueAsset(venue=venue, asset=asset, venue_asset_symbol=venue_asset_symbol, **fields)
    )
    record("venue_asset_listed", venue_asset)
    return venue_asset


@transaction.atomic
def venue_asset_update(
    *, venue_asset: VenueAsset, changes: Mapping[str, Any], expected_version: int | None = None
) -> list[str]:
    return validated_update(
        venue_asset, changes, expected_version=expected_version, event="venue_asset_updated"
    )


@transaction.atomic
def venue_asset_delete(*, venue_asset: VenueAsset, expected_version: int | None = None) -> None:
    validated_delete(venue_asset, event="venue_asset_removed", expected_version=expected_version)


# The services each entity is written through (its viewset, admin, inlines and the
# exchange read these).
VENUE_WRITES = Writes("venue", create=venue_create, update=venue_update, delete=venue_delete)
VENUE_ASSET_WRITES = Writes(
    "venue_asset", create=venue_asset_create, update=venue_asset_update, delete=venue_asset_delete
)
