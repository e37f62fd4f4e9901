"""Write operations on venues, venue currency codes and venue tickers."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from assets.models import Asset
from registry.exceptions import AssetNotFoundError
from registry.services import validated_create, validated_update
from venues.models import Venue, VenueAsset, VenueSymbol


def _require_live(asset: Asset | None) -> None:
    if asset is not None and asset.deleted_at is not None:
        raise AssetNotFoundError(f"Asset {asset.asset_id} is deleted; restore it first.")


@transaction.atomic
def venue_create(*, venue_id: str, name: str, venue_type: str, **fields: Any) -> Venue:
    """Register a venue.

    Other fields: chain, protocol_address, website_url, api_url, is_active, metadata.
    """
    return validated_create(Venue(venue_id=venue_id, name=name, venue_type=venue_type, **fields))


@transaction.atomic
def venue_update(
    *, venue: Venue, changes: Mapping[str, Any], expected_version: int | None = None
) -> list[str]:
    return validated_update(venue, changes, expected_version=expected_version)


@transaction.atomic
def venue_asset_create(
    *, venue: Venue, asset: Asset, venue_asset_symbol: str, **fields: Any
) -> VenueAsset:
    """Record the venue's own code for an asset (Kraken 'XXBT' for BTC)."""
    _require_live(asset)
    return validated_create(
        VenueAsset(venue=venue, asset=asset, venue_asset_symbol=venue_asset_symbol, **fields)
    )


@transaction.atomic
def venue_symbol_create(
    *,
    venue: Venue,
    symbol: str,
    asset: Asset,
    market_type: str = "SPOT",
    quote_asset: Asset | None = None,
    **fields: Any,
) -> VenueSymbol:
    """Map a venue ticker to its base (and quote) asset."""
    _require_live(asset)
    _require_live(quote_asset)
    venue_symbol = VenueSymbol(
        venue=venue,
        symbol=symbol,
        market_type=market_type,
        asset=asset,
        quote_asset=quote_asset,
        **fields,
    )
    return validated_create(venue_symbol)


@transaction.atomic
def venue_symbol_update(
    *, venue_symbol: VenueSymbol, changes: Mapping[str, Any], expected_version: int | None = None
) -> list[str]:
    return validated_update(venue_symbol, changes, expected_version=expected_version)


@transaction.atomic
def venue_symbol_delist(*, venue_symbol: VenueSymbol, at: datetime | None = None) -> VenueSymbol:
    """Close the mapping: the ticker no longer means this asset, and may be mapped anew."""
    venue_symbol_update(
        venue_symbol=venue_symbol,
        changes={"delisted_at": at or timezone.now(), "is_active": False},
    )
    return venue_symbol
