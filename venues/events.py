"""The venues app's event types and the protobuf form of its entities."""

from registry.events import encoding as enc
from registry.events.pb.cqar.events.v1 import events_pb2 as cqar_events
from registry.events.pb.cqar.registry.v1 import registry_pb2
from registry.events.types import EventType, register_event_type
from venues.models import Venue, VenueAsset, VenueSymbol


def venue_message(venue: Venue) -> registry_pb2.Venue:
    return enc.fill(
        registry_pb2.Venue(),
        venue_id=venue.venue_id,
        name=venue.name,
        venue_type=venue.venue_type,
        chain_id=enc.text(venue.chain_id),
        protocol_address=venue.protocol_address,
        website_url=venue.website_url,
        api_url=venue.api_url,
        is_active=venue.is_active,
        created_at=enc.timestamp(venue.created_at),
        updated_at=enc.timestamp(venue.updated_at),
        metadata=enc.struct(venue.metadata),
    )


def venue_asset_message(venue_asset: VenueAsset) -> registry_pb2.VenueAsset:
    return enc.fill(
        registry_pb2.VenueAsset(),
        venue_asset_id=str(venue_asset.pk),
        venue_id=venue_asset.venue_id,
        asset_id=str(venue_asset.asset_id),
        venue_asset_symbol=venue_asset.venue_asset_symbol,
        deposit_enabled=venue_asset.deposit_enabled,
        withdraw_enabled=venue_asset.withdraw_enabled,
        trading_enabled=venue_asset.trading_enabled,
        is_active=venue_asset.is_active,
        created_at=enc.timestamp(venue_asset.created_at),
        updated_at=enc.timestamp(venue_asset.updated_at),
        metadata=enc.struct(venue_asset.metadata),
    )


def venue_symbol_message(venue_symbol: VenueSymbol) -> registry_pb2.VenueSymbol:
    return enc.fill(
        registry_pb2.VenueSymbol(),
        venue_symbol_id=str(venue_symbol.pk),
        venue_id=venue_symbol.venue_id,
        symbol=venue_symbol.symbol,
        market_type=venue_symbol.market_type,
        asset_id=str(venue_symbol.asset_id),
        quote_asset_id=enc.text(venue_symbol.quote_asset_id),
        is_active=venue_symbol.is_active,
        listed_at=enc.timestamp(venue_symbol.listed_at),
        delisted_at=enc.timestamp(venue_symbol.delisted_at),
        created_at=enc.timestamp(venue_symbol.created_at),
        updated_at=enc.timestamp(venue_symbol.updated_at),
        metadata=enc.struct(venue_symbol.metadata),
    )


def register() -> None:
    shapes = {
        "venue": (cqar_events.VenueEvent, venue_message, lambda v: []),
        "venue_asset": (
            cqar_events.VenueAssetEvent,
            venue_asset_message,
            lambda va: [va.asset_id],
        ),
        "venue_symbol": (
            cqar_events.VenueSymbolEvent,
            venue_symbol_message,
            lambda vs: [vs.asset_id, vs.quote_asset_id],
        ),
    }
    for entity, names in {
        "venue": ("venue_created", "venue_updated", "venue_deleted"),
        "venue_asset": ("venue_asset_listed", "venue_asset_updated", "venue_asset_removed"),
        "venue_symbol": ("venue_symbol_mapped", "venue_symbol_updated", "venue_symbol_delisted"),
    }.items():
        message, build, asset_ids = shapes[entity]
        for name in names:
            register_event_type(
                EventType(
                    name=name,
                    message=message,
                    entity_field=entity,
                    entity=build,
                    asset_ids=asset_ids,
                )
            )
