"""Write operations on venues, venue currency codes and venue tickers."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assets.models import Asset
from registry.cache import invalidate
from registry.events.outbox import record
from registry.services import Writes, validated_create, validated_delete, validated_update
from venues.lookups import ticker_keys
from venues.models import Venue, VenueAsset, VenueSymbol

# What a mapping means: changing any of these would rewrite history, so a new
# meaning is a new mapping (delist the old one first).
VENUE_SYMBOL_KEY_FIELDS = ("venue", "symbol", "market_type", "asset", "quote_asset")


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
    venue_symbol = VenueSymbol(
        venue=venue,
        symbol=symbol,
        market_type=market_type,
        asset=asset,
        quote_asset=quote_asset,
        **fields,
    )
    validated_create(venue_symbol)
    invalidate(ticker_keys(venue_symbol.venue_id, venue_symbol.symbol))  # a cached miss
    record("venue_symbol_mapped", venue_symbol)
    return venue_symbol


@transaction.atomic
def venue_symbol_update(
    *, venue_symbol: VenueSymbol, changes: Mapping[str, Any], expected_version: int | None = None
) -> list[str]:
    """Change what does not alter the mapping's meaning: is_active, listed_at, metadata."""
    rewritten = {
        name: "Fixed once mapped: delist this mapping and map the ticker anew."
        for name in VENUE_SYMBOL_KEY_FIELDS
        if name in changes and changes[name] != getattr(venue_symbol, name)
    }
    if "delisted_at" in changes and changes["delisted_at"] != venue_symbol.delisted_at:
        rewritten["delisted_at"] = "Set by delisting, once."
    if rewritten:
        raise ValidationError(rewritten)
    changed = validated_update(
        venue_symbol, changes, expected_version=expected_version, event="venue_symbol_updated"
    )
    if changed:
        invalidate(ticker_keys(venue_symbol.venue_id, venue_symbol.symbol))
    return changed


@transaction.atomic
def venue_symbol_delist(
    *, venue_symbol: VenueSymbol, at: datetime | None = None, expected_version: int | None = None
) -> VenueSymbol:
    """Close the mapping: the ticker no longer means this asset, and may be mapped anew."""
    if venue_symbol.delisted_at is not None:
        raise ValidationError(
            {"delisted_at": f"Already delisted at {venue_symbol.delisted_at.isoformat()}."}
        )
    validated_update(
        venue_symbol,
        {"delisted_at": at or timezone.now(), "is_active": False},
        expected_version=expected_version,
        event="venue_symbol_delisted",
    )
    invalidate(ticker_keys(venue_symbol.venue_id, venue_symbol.symbol))
    return venue_symbol


# The services each entity is written through (its viewset, admin, inlines and the
# exchange read these).
VENUE_WRITES = Writes("venue", create=venue_create, update=venue_update, delete=venue_delete)
VENUE_ASSET_WRITES = Writes(
    "venue_asset", create=venue_asset_create, update=venue_asset_update, delete=venue_asset_delete
)
VENUE_SYMBOL_WRITES = Writes("venue_symbol", create=venue_symbol_create, update=venue_symbol_update)
