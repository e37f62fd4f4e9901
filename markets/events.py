"""The markets app's event types and the protobuf form of instruments and markets
(cqc.markets.v1).

Every market write also records the venue-ticker event it always did
(``venue_symbol_mapped``, ``…_updated``, ``…_delisted``, cqar.registry.v1.VenueSymbol),
so the consumers of venue tickers keep working (docs/EVENTS.md).

The builders read plain attributes (an Instrument or Market row, or any object with
the same names), so they need no database. The contract's Instrument has only id, type
and code; the terms are in the detail message for the instrument's type, and what that
message has no field for travels in its ``extensions`` under ``cqar_`` names
(docs/EVENTS.md).
"""

from google.protobuf.message import Message

from markets.choices import InstrumentType
from markets.models import Market
from registry.events.encoding import message_from, text
from registry.events.types import EventType, register_event_type
from registry.pb.cqar.events.v1 import events_pb2 as cqar_events
from registry.pb.cqar.registry.v1 import registry_pb2
from registry.pb.cqc.events.v1 import events_pb2 as cqc_events
from registry.pb.cqc.markets.v1 import markets_pb2

# Per instrument type: its detail message and the instrument's terms that message has
# no field for, sent in extensions as cqar_<term>.
TERMS: dict[str, tuple[type[Message], tuple[str, ...]]] = {
    InstrumentType.SPOT: (markets_pb2.SpotInstrument, ("settlement_asset_id",)),
    InstrumentType.PERPETUAL: (
        markets_pb2.PerpContract,
        ("quote_asset_id", "settlement_asset_id"),
    ),
    InstrumentType.FUTURE: (
        markets_pb2.FutureContract,
        ("quote_asset_id", "settlement_asset_id"),
    ),
    InstrumentType.OPTION: (
        markets_pb2.OptionSeries,
        ("quote_asset_id", "settlement_asset_id", "is_inverse", "is_quanto"),
    ),
    InstrumentType.LENDING_DEPOSIT: (markets_pb2.LendingDeposit, ("protocol_id",)),
    InstrumentType.LENDING_BORROW: (markets_pb2.LendingBorrow, ("protocol_id",)),
}

# The field of InstrumentEvent's `terms` that holds each detail message.
_TERMS_FIELD = {
    field.message_type.full_name: field.name
    for field in cqar_events.InstrumentEvent.DESCRIPTOR.oneofs_by_name["terms"].fields
}


def instrument_message(instrument) -> markets_pb2.Instrument:
    """id is the instrument's UUID; instrument_type and code as held."""
    return message_from(instrument, markets_pb2.Instrument, id=instrument.instrument_id)


def _extensions(instrument, terms: tuple[str, ...]) -> dict:
    extensions = {}
    for term in terms:
        value = getattr(instrument, term)
        if value is not None:
            extensions[f"cqar_{term}"] = value if isinstance(value, bool) else text(value)
    return extensions


def instrument_terms_message(instrument) -> Message:
    """The contract's detail message for the instrument's type (SpotInstrument for SPOT,
    PerpContract for PERPETUAL …), its created_at and updated_at the instrument's."""
    try:
        message_class, lacking = TERMS[instrument.instrument_type]
    except KeyError:
        raise ValueError(
            f"instrument_type: {instrument.instrument_type!r} is not one of {', '.join(TERMS)}."
        ) from None
    values = {"extensions": _extensions(instrument, lacking)}
    if message_class is markets_pb2.SpotInstrument:
        values["base_asset_id"] = instrument.underlying_asset_id
    return message_from(instrument, message_class, **values)


def instrument_terms_fields(instrument) -> dict:
    """InstrumentEvent's `terms`: {"perp_contract": PerpContract(…)} and the like."""
    terms = instrument_terms_message(instrument)
    return {_TERMS_FIELD[terms.DESCRIPTOR.full_name]: terms}


def instrument_asset_ids(instrument) -> list:
    """The assets an instrument's events concern (the feed's ``asset`` filter)."""
    return [
        instrument.underlying_asset_id,
        instrument.quote_asset_id,
        instrument.settlement_asset_id,
    ]


def market_message(market) -> markets_pb2.Market:
    """id is the market's integer id, venue_id the venue's slug; the settlement and price
    currency are the instrument's settlement and quote asset. The market type and
    is_active, which the contract has no field for, ride in metadata."""
    instrument = market.instrument
    return message_from(
        market,
        markets_pb2.Market,
        id=market.id,
        settlement_asset_id=instrument.settlement_asset_id,
        price_currency_asset_id=instrument.quote_asset_id,
        metadata={
            **(market.metadata or {}),
            "cqar_market_type": text(market.market_type),
            "cqar_is_active": market.is_active,
        },
    )


def market_asset_ids(market) -> list:
    return instrument_asset_ids(market.instrument)


def venue_market_delisted_fields(market) -> dict:
    """VenueMarketDelisted carries no Market, only the venue's slug and the market's id
    (as Market.id has it). The registry keeps no reason for a delisting."""
    return {
        "venue_id": text(market.venue_id),
        "reason": text(market.metadata.get("delisting_reason") or "") or None,
    }


def listing_fields(market) -> dict:
    """A venue listing an instrument it lists already (under another symbol, or again
    after a delisting) is no new listing."""
    others = Market.objects.filter(venue_id=market.venue_id, instrument_id=market.instrument_id)
    return {"is_new_listing": not others.exclude(pk=market.pk).exists()}


def venue_symbol_message(market) -> registry_pb2.VenueSymbol:
    """The market as the venue-ticker events always showed it."""
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


def register() -> None:
    contract = (
        ("instrument_created", cqc_events.InstrumentCreated, "instrument", instrument_message),
        ("market_created", cqc_events.MarketCreated, "market", market_message),
        ("venue_market_listed", cqc_events.VenueMarketListed, "market", market_message),
        ("venue_market_delisted", cqc_events.VenueMarketDelisted, "market_id", text_id),
    )
    extras = {
        "venue_market_listed": listing_fields,
        "venue_market_delisted": venue_market_delisted_fields,
    }
    for name, message, field, build in contract:
        register_event_type(
            EventType(
                name=name,
                message=message,
                entity_field=field,
                entity=build,
                asset_ids=instrument_asset_ids if field == "instrument" else market_asset_ids,
                extra=extras.get(name),
            )
        )
    # Ours: an instrument's terms at registration (the contract's InstrumentCreated has
    # no room for them), its updates and removal; a market's updates.
    for name in ("instrument_registered", "instrument_updated", "instrument_deleted"):
        register_event_type(
            EventType(
                name=name,
                message=cqar_events.InstrumentEvent,
                entity_field="instrument",
                entity=instrument_message,
                asset_ids=instrument_asset_ids,
                extra=instrument_terms_fields,
            )
        )
    register_event_type(
        EventType(
            name="market_updated",
            message=cqar_events.MarketEvent,
            entity_field="market",
            entity=market_message,
            asset_ids=market_asset_ids,
        )
    )
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


def text_id(market) -> str:
    """VenueMarketDelisted names the market by its id (as Market.id has it)."""
    return text(market.id)
