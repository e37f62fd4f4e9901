"""The markets app's event types and the protobuf form of its entities.

Every market write also records the venue-ticker event it always did
(``venue_symbol_mapped``, ``…_updated``, ``…_delisted``, cqar.registry.v1.VenueSymbol),
so the consumers of venue tickers keep working (docs/EVENTS.md)."""

from markets.models import Market
from registry.events.encoding import message_from
from registry.events.pb.cqar.events.v1 import events_pb2 as cqar_events
from registry.events.pb.cqar.registry.v1 import registry_pb2
from registry.events.types import EventType, register_event_type


def venue_symbol_message(market: Market) -> registry_pb2.VenueSymbol:
    instrument = market.instrument
    return message_from(
        market,
        registry_pb2.VenueSymbol,
        venue_symbol_id=market.pk,
        symbol=market.venue_symbol,
        asset_id=instrument.underlying_asset_id,
        quote_asset_id=instrument.quote_asset_id,
        is_active=market.is_active,
    )


def market_asset_ids(market: Market) -> list:
    instrument = market.instrument
    return [
        instrument.underlying_asset_id,
        instrument.quote_asset_id,
        instrument.settlement_asset_id,
    ]


def register() -> None:
    for name in ("venue_symbol_mapped", "venue_symbol_updated", "venue_symbol_delisted"):
        register_event_type(
            EventType(
                name=name,
                message=cqar_events.VenueSymbolEvent,
                entity_field="venue_symbol",
                entity=venue_symbol_message,
                asset_ids=market_asset_ids,
            )
        )
