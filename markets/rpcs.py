"""The markets methods of the AssetRegistry gRPC service (docs/GRPC.md): instruments and
their detail kinds, markets, ResolveMarket, and the venue-symbol methods of CQC v0.3.1.

- GetInstrument: the instrument as cqc.markets.v1.Instrument (REST
  ``GET /api/v1/instruments/{id}/``). GetSpotInstrument, GetPerpContract,
  GetFutureContract, GetOptionSeries, GetLendingDeposit, GetLendingBorrow: its terms as
  the detail message of its type (the events' encoding: what the message has no field
  for is in ``extensions`` under cqar_ names). An instrument of another type is
  NOT_FOUND, the message naming its type and the method that answers it.
- GetMarket: ``market_id`` is the market's integer id as a string; anything else is
  INVALID_ARGUMENT (REST ``GET /api/v1/markets/{id}/``).
- ResolveMarket and GetVenueSymbol are the hot reads: answered from the hot-path cache's
  ``venue_symbol`` lookup, the bytes ``/api/v1/resolve/venue-symbol/`` answers. The
  contract names no market type, but one symbol may be a spot pair and a perpetual
  (binance BTCUSDT): the metadata ``cqar-market-type`` (SPOT, PERPETUAL …, any letter
  case; another value is INVALID_ARGUMENT) names it. Without it: the SPOT market, as
  REST's default (one Redis round trip when cached); if the venue has no current SPOT
  market of the symbol, the one current market of another type (one more round trip);
  several: FAILED_PRECONDITION ``market_type_required`` naming them and the metadata
  key. Delisted or unknown: NOT_FOUND. Their permission is REST resolve/'s.
- CreateVenueSymbol lists the instrument ``symbol_id`` on the venue as a market through
  REST ``POST /api/v1/markets/`` (its serializer and markets.services.market_create):
  the market's type is the instrument's, it is TRADING, and what the request cannot
  give (tick and lot size, order sizes, min notional, listing time) is left unknown, as
  REST leaves it when not sent. Fees are read from the doubles by their shortest
  decimal form (0.001 is "0.001"); more than 8 decimal places is INVALID_ARGUMENT. An
  unknown venue or instrument is INVALID_ARGUMENT, as REST's 400; what the market takes
  from its instrument (an expired contract, a lending protocol's venue) names
  ``symbol_id`` or ``venue_id``; a current market of the symbol and type: ALREADY_EXISTS.
- ListVenueSymbols: the current markets, filtered by ``venue_id`` and ``symbol_id`` (an
  instrument id) through REST's market list filters, in REST's order; at most
  fields.LIST_LIMIT (more is RESOURCE_EXHAUSTED: narrow it by venue or instrument).
- The VenueSymbol message (v0.3.1): ``symbol_id`` is the instrument's id, ``is_active``
  the market's status is TRADING (as the venue-ticker API's is_active), the doubles
  (fees, min_notional) from the market's decimals; ``min_order_value``,
  ``max_order_value`` and ``max_leverage``, for which the registry holds no value, stay
  unset. ``metadata`` holds only what the message has no field for, under cqar_ names:
  cqar_market_id (for GetMarket), cqar_market_type, cqar_status, cqar_instrument_code,
  and when known cqar_tick_size, cqar_lot_size, cqar_min_order_size, cqar_max_order_size
  (decimal strings; order sizes are quantities, not values) and
  cqar_funding_interval_secs. The market's own free-form metadata is GetMarket's (the
  cached answer does not carry it, and the three methods answer alike).
"""

from datetime import datetime

import grpc
import orjson

from markets.api.serializers import MarketSerializer
from markets.api.views import MarketViewSet, api_field_names
from markets.choices import InstrumentType
from markets.events import instrument_message, instrument_terms_message, market_message
from markets.filtersets import MarketFilterSet
from markets.lookups import market_body
from markets.models import Instrument, Market
from markets.services import MARKET_WRITES
from registry import cache
from registry.api.pagination import complete_ordering
from registry.api.resolve import read_permission
from registry.events.encoding import fill, struct, text
from registry.grpc.calls import answers_for_a_moment, register_rpc
from registry.grpc.errors import RpcError, invalid, not_found
from registry.grpc.fields import (
    capped,
    datetime_of,
    decimal_text,
    double_of,
    filtered,
    object_then,
    optional_text,
    optional_uuid,
    request_field_names,
    required_integer_id,
    required_text,
    required_uuid,
    validated,
)
from registry.pb.cqc.services.v1 import asset_registry_pb2 as service
from registry.pb.cqc.venues.v1 import venues_pb2

# The metadata naming the market type of a venue symbol (the contract has no field).
MARKET_TYPE_KEY = "cqar-market-type"

# --- Instruments ----------------------------------------------------------------------


def _instrument(request, call) -> Instrument:
    """The instrument ``instrument_id`` names, as REST's detail finds it (as it was at
    the moment the call's metadata asks about)."""
    instrument_id = required_uuid(request, "instrument_id")
    if (moment := call.moment()) is not None:
        return object_then(Instrument, moment, "instrument", instrument_id)
    instrument = Instrument.objects.of_live("underlying_asset").filter(pk=instrument_id).first()
    if instrument is None:
        raise not_found(f"No instrument {instrument_id}.")
    return instrument


@answers_for_a_moment
def get_instrument(request, call):
    instrument = _instrument(request, call)
    call.show_version(instrument)
    return service.GetInstrumentResponse(instrument=instrument_message(instrument))


# The detail methods: method -> (instrument type, its response's field).
DETAIL_METHODS = {
    "GetSpotInstrument": (InstrumentType.SPOT, "spot_instrument"),
    "GetPerpContract": (InstrumentType.PERPETUAL, "perp_contract"),
    "GetFutureContract": (InstrumentType.FUTURE, "future_contract"),
    "GetOptionSeries": (InstrumentType.OPTION, "option_series"),
    "GetLendingDeposit": (InstrumentType.LENDING_DEPOSIT, "lending_deposit"),
    "GetLendingBorrow": (InstrumentType.LENDING_BORROW, "lending_borrow"),
}
METHOD_OF_TYPE = {kind: method for method, (kind, _) in DETAIL_METHODS.items()}


def detail_method(method: str):
    """The handler of one detail method: the instrument's terms, if it is of its type."""
    instrument_type, field = DETAIL_METHODS[method]
    response_class = getattr(service, f"{method}Response")

    @answers_for_a_moment
    def get_terms(request, call):
        instrument = _instrument(request, call)
        if instrument.instrument_type != instrument_type:
            raise not_found(
                f"Instrument {instrument.instrument_id} ({instrument.code}) is "
                f"{instrument.instrument_type}, not {instrument_type}: "
                f"{METHOD_OF_TYPE[instrument.instrument_type]} answers it."
            )
        call.show_version(instrument)
        return response_class(**{field: instrument_terms_message(instrument)})

    get_terms.__name__ = f"get_{field}"
    return get_terms


# --- Markets --------------------------------------------------------------------------


@answers_for_a_moment
def get_market(request, call):
    market_id = required_integer_id(request, "market_id")
    moment = call.moment()
    if moment is not None:
        market = object_then(Market, moment, "market", market_id)
    else:
        market = MarketViewSet.queryset.filter(pk=market_id).first()
    if market is None:
        raise not_found(f"No market {market_id}.")
    call.show_version(market)
    return service.GetMarketResponse(market=market_message(market))


# --- Venue tickers, from the hot-path cache ---------------------------------------------

# The lookup's parameters as the request and its metadata name them.
_TICKER_FIELDS = {"venue": "venue_id", "symbol": "venue_symbol", "market_type": MARKET_TYPE_KEY}
_OTHER_TYPES = [value for value in InstrumentType.values if value != InstrumentType.SPOT]


def ticker_lookup(request, metadata: dict[str, str]) -> tuple[str, dict]:
    """The hot lookup a venue symbol asks first: the market type the metadata names, or
    SPOT (the calls' fast path reads it with the caller in one round trip)."""
    market_type = metadata.get(MARKET_TYPE_KEY, InstrumentType.SPOT)
    if not market_type.strip():
        raise invalid(
            MARKET_TYPE_KEY,
            f"Empty: name one of {', '.join(InstrumentType.values)}, or leave the key out.",
        )
    return "venue_symbol", {
        "venue": required_text(request, "venue_id"),
        "symbol": required_text(request, "venue_symbol"),
        "market_type": market_type,
    }


def cached_ticker(request, call) -> dict:
    """The cached answer of ``/api/v1/resolve/venue-symbol/`` for the request's venue
    symbol, in the market type the metadata names or else by the module's convention."""
    if call.cached is not None:  # found, with the caller, in the fast path's one read
        return orjson.loads(call.cached[1])
    _, params = ticker_lookup(request, call.metadata)
    lookup = cache.lookup("venue_symbol")
    try:
        wanted = lookup.parse(params)
    except ValueError as error:
        name, _, reason = str(error).partition(": ")
        raise invalid(_TICKER_FIELDS.get(name, name), reason) from None
    moment = call.moment()
    found, body = lookup.resolve([wanted], moment=moment)[0]
    if found:
        return orjson.loads(body)
    if MARKET_TYPE_KEY in call.metadata:
        raise not_found(orjson.loads(body)["error"]["message"])
    others = [{**wanted, "market_type": market_type} for market_type in _OTHER_TYPES]
    current = [
        orjson.loads(body)
        for found, body in lookup.resolve(others, moment=moment)
        if found  # a miss's body is the not-found error
    ]
    if len(current) == 1:
        return current[0]
    venue, symbol = wanted["venue"], wanted["symbol"]
    if not current:
        when = f" {moment.in_words()}" if moment is not None else ""
        raise not_found(f"{venue} has no {'' if when else 'current '}market {symbol!r}{when}.")
    types = ", ".join(answer["market_type"] for answer in current)
    raise RpcError(
        grpc.StatusCode.FAILED_PRECONDITION,
        "market_type_required",
        f"{venue} lists {symbol} as {len(current)} markets ({types}) and none is SPOT: "
        f"name one in the metadata {MARKET_TYPE_KEY}.",
    )


def resolve_market(request, call):
    answer = cached_ticker(request, call)
    return service.ResolveMarketResponse(
        market_id=str(answer["market"]["id"]),
        instrument_id=answer["instrument"]["instrument_id"],
    )


def get_venue_symbol(request, call):
    answer = cached_ticker(request, call)
    instrument = answer["instrument"]
    return service.GetVenueSymbolResponse(
        venue_symbol=venue_symbol_message(
            answer["market"],
            market_type=answer["market_type"],
            instrument_id=instrument["instrument_id"],
            instrument_code=instrument["code"],
            is_active=answer["is_active"],
        )
    )


# --- Venue symbols (CQC v0.3.1) ---------------------------------------------------------


def venue_symbol_message(
    market: dict,
    *,
    market_type: str,
    instrument_id,
    instrument_code: str,
    is_active: bool,
    delisted_at: datetime | None = None,
) -> venues_pb2.VenueSymbol:
    """A market as v0.3.1's VenueSymbol, from its trading rules as the hot answer holds
    them (markets.lookups.market_body), cached or just built."""
    extra = {
        "cqar_market_id": text(market["id"]),
        "cqar_market_type": market_type,
        "cqar_status": market["status"],
        "cqar_instrument_code": instrument_code,
    }
    for name in ("tick_size", "lot_size", "min_order_size", "max_order_size"):
        if market[name] is not None:
            extra[f"cqar_{name}"] = market[name]
    if market["funding_interval_secs"] is not None:
        extra["cqar_funding_interval_secs"] = market["funding_interval_secs"]
    message = venues_pb2.VenueSymbol()
    fill(
        message,
        venue_id=market["venue"],
        symbol_id=text(instrument_id),
        venue_symbol=market["venue_symbol"],
        is_active=is_active,
        maker_fee=double_of(market["maker_fee"]),
        taker_fee=double_of(market["taker_fee"]),
        min_notional=double_of(market["min_notional"]),
        metadata=struct(extra),
    )
    for name, value in (("listed_at", market["listed_at"]), ("delisted_at", delisted_at)):
        if value is not None:
            getattr(message, name).FromDatetime(datetime_of(value))
    return message


def venue_symbol_of(market: Market) -> venues_pb2.VenueSymbol:
    return venue_symbol_message(
        market_body(market),
        market_type=market.market_type,
        instrument_id=market.instrument_id,
        instrument_code=market.instrument.code,
        is_active=market.is_active,
        delisted_at=market.delisted_at,
    )


# The create's errors, named by REST (markets.api.views.api_field_names names the
# services' as the API's fields), as the request names the fields: the instrument is
# symbol_id, and what the market takes from its instrument (type, status at expiry,
# listing before it) is about symbol_id too.
_CREATE_NAMES = {
    "instrument_id": "symbol_id",
    "market_type": "symbol_id",
    "status": "symbol_id",
    "listed_at": "symbol_id",
}


def create_venue_symbol(request, call):
    data = {
        "venue_id": required_text(request, "venue_id"),
        "instrument_id": str(required_uuid(request, "symbol_id")),
        "venue_symbol": required_text(request, "venue_symbol"),
    }
    for name in ("maker_fee", "taker_fee"):
        if (fee := decimal_text(request, name)) is not None:
            data[name] = fee
    with request_field_names(_CREATE_NAMES), api_field_names():
        serializer = validated(MarketSerializer, data)
        market = MARKET_WRITES.create(**serializer.validated_data)
    call.show_version(market)
    return service.CreateVenueSymbolResponse(venue_symbol=venue_symbol_of(market))


def list_venue_symbols(request, call):
    """The current markets of a venue and/or an instrument, in REST's list order."""
    data = {"current": "true"}
    if venue_id := optional_text(request, "venue_id"):  # empty: every venue, as not sent
        data["venue"] = venue_id
    if (instrument_id := optional_uuid(request, "symbol_id")) is not None:
        data["instrument"] = str(instrument_id)
    with request_field_names({"venue": "venue_id", "instrument": "symbol_id"}):
        markets = filtered(MarketFilterSet, data, MarketViewSet.queryset)
    found = capped(
        markets.order_by(*complete_ordering(MarketViewSet.ordering, Market)),
        what="current markets",
        narrow="narrow the list by venue_id or symbol_id",
    )
    return service.ListVenueSymbolsResponse(
        venue_symbols=[venue_symbol_of(market) for market in found]
    )


def register() -> None:
    register_rpc("GetInstrument", get_instrument, permission="markets.view_instrument", reads=True)
    for method in DETAIL_METHODS:
        register_rpc(
            method, detail_method(method), permission="markets.view_instrument", reads=True
        )
    register_rpc("GetMarket", get_market, permission="markets.view_market", reads=True)
    # The hot reads: REST's resolve/ permission. Not ``reads``: a cached answer needs no
    # database, and a miss reads a caught-up replica by itself (registry.cache).
    hot = {"permission": read_permission(), "hot": ticker_lookup}
    register_rpc("ResolveMarket", resolve_market, **hot)
    register_rpc("GetVenueSymbol", get_venue_symbol, **hot)
    register_rpc("CreateVenueSymbol", create_venue_symbol, permission="markets.add_market")
    register_rpc(
        "ListVenueSymbols", list_venue_symbols, permission="markets.view_market", reads=True
    )
