"""The markets methods over gRPC, against the real server: instruments and their detail
kinds, markets, ResolveMarket and the v0.3.1 venue-symbol methods, each against the
database and against what REST answers for the same object."""

from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO

import grpc
import orjson
import pytest
from django.core.management import call_command
from google.protobuf import json_format

from assets.services import asset_soft_delete
from markets import services
from markets.choices import InstrumentType
from markets.lookups import ticker_key
from markets.models import Instrument, Market
from registry import cache
from registry.models import OutboxEvent
from registry.roles import VIEWER
from tests.authorization import ACCOUNT_CHANGES
from tests.conftest import token_client
from tests.factories import AssetFactory, InstrumentFactory, VenueFactory, VenueSymbolFactory
from tests.rpc.conftest import error_details, metadata_of, rpc_error
from venues.choices import VenueType

pytestmark = pytest.mark.django_db(transaction=True)

MARKET_TYPE = "cqar-market-type"
EXPIRY = datetime(2099, 12, 27, 8, tzinfo=UTC)


@pytest.fixture
def rest(transactional_db):
    """A REST client with a viewer's token, to compare answers with."""
    return token_client("rest-viewer", VIEWER)


@pytest.fixture
def demo_data(transactional_db):
    """The demo's venues, assets and markets (binance BTCUSDT SPOT and PERPETUAL,
    kraken XXBTZUSD …), committed."""
    call_command("load_demo", stdout=StringIO())


def current_market(venue_id: str, symbol: str, market_type: str) -> Market:
    return Market.objects.current().get(
        venue_id=venue_id, venue_symbol=symbol, market_type=market_type
    )


def rest_resolve(rest, venue: str, symbol: str, market_type: str | None = None) -> dict:
    params = {"venue": venue, "symbol": symbol}
    if market_type:
        params["market_type"] = market_type
    response = rest.get("/api/v1/resolve/venue-symbol/", params)
    assert response.status_code == 200, response.content
    return response.json()


def as_dict(message) -> dict:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


# --- instruments ------------------------------------------------------------------------


def test_get_instrument_answers_the_contracts_instrument(stub, client_modules, viewer_md, rest):
    instrument = InstrumentFactory()
    answer, call = stub.GetInstrument.with_call(
        client_modules.service.GetInstrumentRequest(instrument_id=str(instrument.pk)),
        metadata=viewer_md,
    )
    shown = rest.get(f"/api/v1/instruments/{instrument.pk}/").json()
    assert (answer.instrument.id, answer.instrument.instrument_type, answer.instrument.code) == (
        shown["instrument_id"],
        shown["instrument_type"],
        shown["code"],
    )
    assert answer.instrument.created_at.ToDatetime(UTC) == instrument.created_at
    assert dict(call.trailing_metadata())["etag"] == f'"{instrument.version}"'


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (None, grpc.StatusCode.INVALID_ARGUMENT),
        ("not-a-uuid", grpc.StatusCode.INVALID_ARGUMENT),
        ("00000000-0000-4000-8000-000000000000", grpc.StatusCode.NOT_FOUND),
    ],
)
@pytest.mark.parametrize("method", ["GetInstrument", "GetSpotInstrument", "GetLendingBorrow"])
def test_an_instrument_id_is_a_known_uuid(stub, client_modules, viewer_md, method, value, code):
    request = getattr(client_modules.service, f"{method}Request")()
    if value is not None:
        request.instrument_id = value
    error = rpc_error(getattr(stub, method), request, metadata=viewer_md)
    assert error.code() == code
    details = error_details(error)
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        assert "instrument_id" in details["fields"]
    else:
        assert details["reason"] == "not_found"


def test_an_instrument_of_a_deleted_asset_is_not_found_as_on_rest(
    stub, client_modules, viewer_md, rest
):
    instrument = InstrumentFactory()
    asset_soft_delete(asset=instrument.underlying_asset)
    assert rest.get(f"/api/v1/instruments/{instrument.pk}/").status_code == 404
    error = rpc_error(
        stub.GetInstrument,
        client_modules.service.GetInstrumentRequest(instrument_id=str(instrument.pk)),
        metadata=viewer_md,
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND


@pytest.fixture
def instruments_of_each_type(transactional_db):
    """One instrument of every type, registered through markets.services."""
    btc, usdt = AssetFactory(symbol="BTC"), AssetFactory(symbol="USDT")
    aave = VenueFactory(venue_id="aave", venue_type=VenueType.LENDING)
    contract = {
        "underlying_asset": btc,
        "quote_asset": usdt,
        "settlement_asset": usdt,
        "is_inverse": False,
        "is_quanto": False,
        "contract_multiplier": Decimal("0.01"),
    }
    create = services.instrument_create
    return {
        InstrumentType.SPOT: create(
            instrument_type=InstrumentType.SPOT, underlying_asset=btc, quote_asset=usdt
        ),
        InstrumentType.PERPETUAL: create(instrument_type=InstrumentType.PERPETUAL, **contract),
        InstrumentType.FUTURE: create(
            instrument_type=InstrumentType.FUTURE, expiry=EXPIRY, **contract
        ),
        InstrumentType.OPTION: create(
            instrument_type=InstrumentType.OPTION,
            expiry=EXPIRY,
            strike_price=Decimal("100000"),
            option_type="CALL",
            exercise_style="EUROPEAN",
            **contract,
        ),
        InstrumentType.LENDING_DEPOSIT: create(
            instrument_type=InstrumentType.LENDING_DEPOSIT, underlying_asset=usdt, protocol=aave
        ),
        InstrumentType.LENDING_BORROW: create(
            instrument_type=InstrumentType.LENDING_BORROW, underlying_asset=usdt, protocol=aave
        ),
    }


DETAILS = [
    ("GetSpotInstrument", "spot_instrument", InstrumentType.SPOT),
    ("GetPerpContract", "perp_contract", InstrumentType.PERPETUAL),
    ("GetFutureContract", "future_contract", InstrumentType.FUTURE),
    ("GetOptionSeries", "option_series", InstrumentType.OPTION),
    ("GetLendingDeposit", "lending_deposit", InstrumentType.LENDING_DEPOSIT),
    ("GetLendingBorrow", "lending_borrow", InstrumentType.LENDING_BORROW),
]


@pytest.mark.parametrize(("method", "field", "instrument_type"), DETAILS)
def test_each_detail_method_answers_the_terms_rest_shows(
    stub, client_modules, viewer_md, rest, instruments_of_each_type, method, field, instrument_type
):
    instrument = instruments_of_each_type[instrument_type]
    request = getattr(client_modules.service, f"{method}Request")(instrument_id=str(instrument.pk))
    answer, call = getattr(stub, method).with_call(request, metadata=viewer_md)
    terms = as_dict(getattr(answer, field))
    shown = rest.get(f"/api/v1/instruments/{instrument.pk}/").json()
    assert terms["instrument_id"] == shown["instrument_id"]
    extensions = terms.get("extensions", {})
    if instrument_type == InstrumentType.SPOT:
        assert (terms["base_asset_id"], terms["quote_asset_id"]) == (
            shown["base_asset_id"],
            shown["quote_asset_id"],
        )
    else:
        assert terms["underlying_asset_id"] == shown["underlying_asset_id"]
    if instrument_type in (InstrumentType.PERPETUAL, InstrumentType.FUTURE):
        assert (terms["is_inverse"], terms["is_quanto"]) == (False, False)
        assert terms["contract_multiplier"] == shown["contract_multiplier"] == "0.01"
        assert extensions["cqar_settlement_asset_id"] == shown["settlement_asset_id"]
    if instrument_type == InstrumentType.FUTURE:
        assert terms["expiry"] == "2099-12-27T08:00:00Z"
    if instrument_type == InstrumentType.OPTION:
        assert (terms["strike_price"], terms["option_type"], terms["exercise_style"]) == (
            shown["strike_price"],
            "CALL",
            "EUROPEAN",
        )
        assert extensions["cqar_is_inverse"] is False
    if instrument_type in (InstrumentType.LENDING_DEPOSIT, InstrumentType.LENDING_BORROW):
        assert extensions == {"cqar_protocol_id": shown["protocol_id"]}
        assert shown["protocol_id"] == "aave"
    assert dict(call.trailing_metadata())["etag"] == f'"{instrument.version}"'


@pytest.mark.parametrize(("method", "field", "instrument_type"), DETAILS)
def test_an_instrument_of_another_type_is_not_found_naming_its_type(
    stub, client_modules, viewer_md, instruments_of_each_type, method, field, instrument_type
):
    other = (
        InstrumentType.PERPETUAL
        if instrument_type != InstrumentType.PERPETUAL
        else InstrumentType.OPTION
    )
    instrument = instruments_of_each_type[other]
    request = getattr(client_modules.service, f"{method}Request")(instrument_id=str(instrument.pk))
    error = rpc_error(getattr(stub, method), request, metadata=viewer_md)
    assert error.code() == grpc.StatusCode.NOT_FOUND
    answering = {"PERPETUAL": "GetPerpContract", "OPTION": "GetOptionSeries"}[other]
    assert f"is {other}" in error.details()
    assert answering in error.details()


@pytest.mark.parametrize("method", ["GetInstrument", *(method for method, _, _ in DETAILS)])
def test_instrument_reads_need_a_token(stub, client_modules, transactional_db, method):
    instrument = InstrumentFactory()
    request = getattr(client_modules.service, f"{method}Request")(instrument_id=str(instrument.pk))
    error = rpc_error(getattr(stub, method), request)
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


def test_a_token_without_a_role_reads_nothing(stub, client_modules, transactional_db):
    """Each read needs its REST twin's view permission, which every role has and a
    roleless account lacks."""
    nobody = metadata_of(token_client("grpc-nobody"))
    instrument = InstrumentFactory()
    service = client_modules.service
    calls = [
        (stub.GetInstrument, service.GetInstrumentRequest(instrument_id=str(instrument.pk))),
        (stub.GetPerpContract, service.GetPerpContractRequest(instrument_id=str(instrument.pk))),
        (stub.GetMarket, service.GetMarketRequest(market_id="1")),
        (stub.ResolveMarket, service.ResolveMarketRequest(venue_id="a", venue_symbol="B")),
        (stub.GetVenueSymbol, service.GetVenueSymbolRequest(venue_id="a", venue_symbol="B")),
        (stub.ListVenueSymbols, service.ListVenueSymbolsRequest()),
    ]
    for method, request in calls:
        error = rpc_error(method, request, metadata=nobody)
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED, method


# --- markets ----------------------------------------------------------------------------


def test_get_market_answers_the_market_rest_shows(stub, client_modules, viewer_md, rest, demo_data):
    market = current_market("binance", "BTCUSDT", InstrumentType.PERPETUAL)
    answer, call = stub.GetMarket.with_call(
        client_modules.service.GetMarketRequest(market_id=str(market.pk)), metadata=viewer_md
    )
    shown = rest.get(f"/api/v1/markets/{market.pk}/").json()
    got = as_dict(answer.market)
    assert got["id"] == str(shown["id"])
    for name in (
        "instrument_id",
        "venue_id",
        "venue_symbol",
        "settlement_asset_id",
        "price_currency_asset_id",
        "tick_size",
        "lot_size",
        "min_notional",
        "maker_fee",
        "taker_fee",
        "status",
    ):
        assert got.get(name) == shown[name], name
    assert got["metadata"]["cqar_market_type"] == "PERPETUAL"
    assert dict(call.trailing_metadata())["etag"] == f'"{market.version}"'


@pytest.mark.parametrize("value", ["", "abc", "0", "-3", "1.5", "99999999999999999999"])
def test_a_market_id_that_is_no_integer_is_invalid(stub, client_modules, viewer_md, value):
    error = rpc_error(
        stub.GetMarket, client_modules.service.GetMarketRequest(market_id=value), metadata=viewer_md
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "market_id" in error_details(error)["fields"]


def test_an_unknown_market_is_not_found(stub, client_modules, viewer_md):
    error = rpc_error(
        stub.GetMarket,
        client_modules.service.GetMarketRequest(market_id="987654321"),
        metadata=viewer_md,
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_get_market_needs_a_token(stub, client_modules, transactional_db):
    market = VenueSymbolFactory()
    error = rpc_error(
        stub.GetMarket, client_modules.service.GetMarketRequest(market_id=str(market.pk))
    )
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


# --- the market-data flow: a venue ticker resolved --------------------------------------


def resolve(stub, client_modules, metadata, venue, symbol, market_type=None):
    if market_type is not None:
        metadata = (*metadata, (MARKET_TYPE, market_type))
    return stub.ResolveMarket(
        client_modules.service.ResolveMarketRequest(venue_id=venue, venue_symbol=symbol),
        metadata=metadata,
    )


def test_a_venue_ticker_resolves_to_the_market_and_instrument_rest_resolves(
    stub, client_modules, viewer_md, rest, demo_data
):
    cases = [
        # (venue, symbol, metadata's market type, REST's market_type)
        ("binance", "BTCUSDT", None, None),  # SPOT, REST's default
        ("binance", "BTCUSDT", "SPOT", "SPOT"),
        ("binance", "BTCUSDT", "PERPETUAL", "PERPETUAL"),
        ("binance", "BTCUSDT", "perpetual", "PERPETUAL"),  # any letter case, as REST
        ("kraken", "XXBTZUSD", None, None),
        ("binance", "BTCUSDT_270326", None, "FUTURE"),  # the one market of the symbol
    ]
    seen = set()
    for venue, symbol, metadata_type, rest_type in cases:
        answer = resolve(stub, client_modules, viewer_md, venue, symbol, metadata_type)
        shown = rest_resolve(rest, venue, symbol, rest_type)
        assert (answer.market_id, answer.instrument_id) == (
            str(shown["market"]["id"]),
            shown["instrument"]["instrument_id"],
        ), (venue, symbol, metadata_type)
        market = current_market(venue, symbol, rest_type or InstrumentType.SPOT)
        assert (answer.market_id, answer.instrument_id) == (
            str(market.pk),
            str(market.instrument_id),
        )
        seen.add(answer.market_id)
    assert len(seen) == 4  # SPOT and PERPETUAL of BTCUSDT are two markets


def test_a_delisted_market_no_longer_resolves(stub, client_modules, viewer_md, demo_data):
    spot = current_market("binance", "BTCUSDT", InstrumentType.SPOT)
    perpetual = current_market("binance", "BTCUSDT", InstrumentType.PERPETUAL)
    # Cached first: the delisting must invalidate what the cache holds.
    assert resolve(stub, client_modules, viewer_md, "binance", "BTCUSDT").market_id == str(spot.pk)
    services.market_delist(market=spot)
    error = rpc_error(resolve, stub, client_modules, viewer_md, "binance", "BTCUSDT", "SPOT")
    assert error.code() == grpc.StatusCode.NOT_FOUND
    # Without a type, the one current market left answers.
    answer = resolve(stub, client_modules, viewer_md, "binance", "BTCUSDT")
    assert answer.market_id == str(perpetual.pk)
    services.market_delist(market=perpetual)
    for market_type in (None, "PERPETUAL"):
        error = rpc_error(
            resolve, stub, client_modules, viewer_md, "binance", "BTCUSDT", market_type
        )
        assert error.code() == grpc.StatusCode.NOT_FOUND
        assert error_details(error)["reason"] == "not_found"


def test_several_markets_none_spot_need_the_market_type(stub, client_modules, viewer_md):
    venue = VenueFactory(venue_id="deribit")
    perpetual = VenueSymbolFactory(venue=venue, symbol="BTC-X", market_type="PERPETUAL")
    VenueSymbolFactory(venue=venue, symbol="BTC-X", market_type="FUTURE")
    error = rpc_error(resolve, stub, client_modules, viewer_md, "deribit", "BTC-X")
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_details(error)["reason"] == "market_type_required"
    assert "(PERPETUAL, FUTURE)" in error.details()
    assert MARKET_TYPE in error.details()
    answer = resolve(stub, client_modules, viewer_md, "deribit", "BTC-X", "PERPETUAL")
    assert answer.market_id == str(perpetual.pk)


@pytest.mark.parametrize(
    ("request_fields", "market_type", "field"),
    [
        ({"venue_symbol": "BTCUSDT"}, None, "venue_id"),
        ({"venue_id": "binance"}, None, "venue_symbol"),
        ({"venue_id": "binance", "venue_symbol": "  "}, None, "venue_symbol"),
        ({"venue_id": "Binance:x", "venue_symbol": "BTCUSDT"}, None, "venue_id"),
        ({"venue_id": "binance", "venue_symbol": "BTCUSDT"}, "SWAP", MARKET_TYPE),
        ({"venue_id": "binance", "venue_symbol": "BTCUSDT"}, "", MARKET_TYPE),
    ],
)
@pytest.mark.parametrize("method", ["ResolveMarket", "GetVenueSymbol"])
def test_a_ticker_lookup_refuses_what_names_no_ticker(
    stub, client_modules, viewer_md, method, request_fields, market_type, field
):
    metadata = viewer_md if market_type is None else (*viewer_md, (MARKET_TYPE, market_type))
    request = getattr(client_modules.service, f"{method}Request")(**request_fields)
    error = rpc_error(getattr(stub, method), request, metadata=metadata)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in error_details(error)["fields"]


@pytest.mark.parametrize("method", ["ResolveMarket", "GetVenueSymbol"])
def test_a_ticker_lookup_needs_a_token_and_an_unknown_ticker_is_not_found(
    stub, client_modules, viewer_md, method
):
    request = getattr(client_modules.service, f"{method}Request")(
        venue_id="binance", venue_symbol="NOPE"
    )
    assert rpc_error(getattr(stub, method), request).code() == grpc.StatusCode.UNAUTHENTICATED
    error = rpc_error(getattr(stub, method), request, metadata=viewer_md)
    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_resolve_market_answers_from_the_hot_cache(stub, client_modules, viewer_md, demo_data):
    """An answer planted in Redis under the ticker's key is what the method answers: it
    reads the cache, not PostgreSQL (where no market has these ids)."""
    market = current_market("kraken", "XXBTZUSD", InstrumentType.SPOT)
    resolve(stub, client_modules, viewer_md, "kraken", "XXBTZUSD")  # cached now
    key = ticker_key("kraken", "XXBTZUSD", "SPOT")
    found, body = cache.decode(cache.redis_state.raw().get(key))
    assert found
    answer = orjson.loads(body)
    assert answer["market"]["id"] == market.pk
    answer["market"]["id"] = 424242
    answer["instrument"]["instrument_id"] = "11111111-1111-4111-8111-111111111111"
    cache.redis_state.raw().set(key, cache.encode((True, orjson.dumps(answer))))
    planted = resolve(stub, client_modules, viewer_md, "kraken", "XXBTZUSD")
    assert (planted.market_id, planted.instrument_id) == (
        "424242",
        "11111111-1111-4111-8111-111111111111",
    )
    assert not Market.objects.filter(pk=424242).exists()


@pytest.mark.parametrize(("change", "status"), ACCOUNT_CHANGES.values(), ids=list(ACCOUNT_CHANGES))
def test_an_account_change_stops_its_remembered_token_at_once(
    stub, client_modules, demo_data, change, status
):
    """ResolveMarket remembers the caller for HOT_AUTH_CACHE_SECONDS, as REST's hot
    path: deactivating or deleting the account, or taking the permission away, forgets
    it at once."""
    from registry.grpc.calls import registered

    client = token_client("grpc-changed", VIEWER, service=True)
    metadata = metadata_of(client)
    assert resolve(stub, client_modules, metadata, "kraken", "XXBTZUSD").market_id
    change(client.user, registered()["ResolveMarket"].permission)
    error = rpc_error(resolve, stub, client_modules, metadata, "kraken", "XXBTZUSD")
    expected = {401: grpc.StatusCode.UNAUTHENTICATED, 403: grpc.StatusCode.PERMISSION_DENIED}
    assert error.code() == expected[status], error.details()


@pytest.fixture
def long_lease(settings):
    """A lease on the cache that outlasts the test: no renewal's commands among those a
    test counts. Given up after it."""
    settings.CACHE_LEASE_SECONDS = 60
    cache.redis_state.lease_until = 0.0
    yield
    cache.redis_state.lease_until = 0.0


def test_a_cached_spot_answer_takes_one_redis_round_trip(demo_data, monkeypatch, long_lease):
    """In process: the common case (SPOT, cached) is one GET; a perpetual named without
    its type costs one more (the other types in one MGET), never a database query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from markets.rpcs import cached_ticker
    from registry.grpc.calls import Call as RpcCall
    from registry.pb.cqc.services.v1 import asset_registry_pb2 as service

    def Call(metadata):
        return RpcCall(None, metadata)

    request = service.ResolveMarketRequest(venue_id="binance", venue_symbol="BTCUSDT")
    cached_ticker(request, Call({}))  # loads and caches SPOT (and takes the lease)
    cached_ticker(request, Call({MARKET_TYPE: "PERPETUAL"}))
    client = cache.redis_state.raw()
    commands = []
    original = client.execute_command

    def counted(*args, **kwargs):
        commands.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(client, "execute_command", counted)
    with CaptureQueriesContext(connection) as queries:
        assert cached_ticker(request, Call({}))["market_type"] == "SPOT"
    assert (commands, len(queries)) == (["GET"], 0)
    commands.clear()
    services.market_delist(market=current_market("binance", "BTCUSDT", InstrumentType.SPOT))
    cached_ticker(request, Call({}))  # the other types' answers cached
    commands.clear()
    with CaptureQueriesContext(connection) as queries:
        assert cached_ticker(request, Call({}))["market_type"] == "PERPETUAL"
    assert (commands, len(queries)) == (["GET", "MGET"], 0)


def test_a_cached_answer_and_its_caller_take_one_mget(demo_data, monkeypatch, long_lease, viewer):
    """In process, the whole call as registry.grpc.calls makes it: once the token's caller
    and the SPOT answer are remembered, the caller and the answer come from one MGET, as
    the REST hot path's, and the handler reads nothing more."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from registry.grpc.calls import Call, _cached_fast_path, registered
    from registry.pb.cqc.services.v1 import asset_registry_pb2 as service

    method = registered()["ResolveMarket"]
    request = service.ResolveMarketRequest(venue_id="binance", venue_symbol="BTCUSDT")
    metadata = {"authorization": viewer._credentials["HTTP_AUTHORIZATION"]}
    assert not _cached_fast_path(method, request, Call(None, metadata))  # nothing cached yet
    warm = Call(None, metadata)
    warm.caller = calls_authenticate(metadata)  # remembers the caller
    method.handler(request, warm)  # caches the answer
    client = cache.redis_state.raw()
    commands = []
    original = client.execute_command

    def counted(*args, **kwargs):
        commands.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(client, "execute_command", counted)
    call = Call(None, metadata)
    with CaptureQueriesContext(connection) as queries:
        assert _cached_fast_path(method, request, call)
        answer = method.handler(request, call)
    market = current_market("binance", "BTCUSDT", InstrumentType.SPOT)
    assert (answer.market_id, commands, len(queries)) == (str(market.id), ["MGET"], 0)
    assert call.caller.actor == "user:viewer"


def calls_authenticate(metadata):
    from registry.grpc.calls import _authenticate

    return _authenticate(metadata, remembered=True)  # as the hot reads authenticate


# --- venue symbols (CQC v0.3.1) ---------------------------------------------------------


def test_get_venue_symbol_answers_the_market_as_v031_shows_it(
    stub, client_modules, viewer_md, rest, demo_data
):
    market = current_market("binance", "BTCUSDT", InstrumentType.PERPETUAL)
    answer = stub.GetVenueSymbol(
        client_modules.service.GetVenueSymbolRequest(venue_id="binance", venue_symbol="BTCUSDT"),
        metadata=(*viewer_md, (MARKET_TYPE, "PERPETUAL")),
    ).venue_symbol
    shown = rest_resolve(rest, "binance", "BTCUSDT", "PERPETUAL")
    assert (answer.venue_id, answer.symbol_id, answer.venue_symbol, answer.is_active) == (
        "binance",
        shown["instrument"]["instrument_id"],
        "BTCUSDT",
        shown["is_active"],
    )
    assert answer.symbol_id == str(market.instrument_id)
    assert (answer.maker_fee, answer.taker_fee, answer.min_notional) == (
        float(market.maker_fee),
        float(market.taker_fee),
        float(market.min_notional),
    )
    assert (answer.maker_fee, answer.taker_fee, answer.min_notional) == (0.0002, 0.0004, 5.0)
    for unknown in ("min_order_value", "max_order_value", "max_leverage", "delisted_at"):
        assert not answer.HasField(unknown), unknown
    metadata = as_dict(answer)["metadata"]
    assert metadata["cqar_market_id"] == str(shown["market"]["id"]) == str(market.pk)
    assert metadata["cqar_market_type"] == "PERPETUAL"
    assert metadata["cqar_status"] == shown["market"]["status"]
    assert metadata["cqar_instrument_code"] == shown["instrument"]["code"] == "BTC-USDT-PERP"
    assert metadata["cqar_tick_size"] == shown["market"]["tick_size"]
    assert metadata["cqar_lot_size"] == shown["market"]["lot_size"]
    # The cached answer and the database's (ListVenueSymbols) show the market alike.
    listed = stub.ListVenueSymbols(
        client_modules.service.ListVenueSymbolsRequest(
            venue_id="binance", symbol_id=answer.symbol_id
        ),
        metadata=viewer_md,
    ).venue_symbols
    assert list(listed) == [answer]


def test_get_venue_symbol_without_a_type_is_the_spot_market(
    stub, client_modules, viewer_md, demo_data
):
    spot = current_market("binance", "BTCUSDT", InstrumentType.SPOT)
    answer = stub.GetVenueSymbol(
        client_modules.service.GetVenueSymbolRequest(venue_id="binance", venue_symbol="BTCUSDT"),
        metadata=viewer_md,
    ).venue_symbol
    assert answer.symbol_id == str(spot.instrument_id)
    assert as_dict(answer)["metadata"]["cqar_market_id"] == str(spot.pk)
    assert not answer.HasField("maker_fee")  # the demo's spot pair has no fees


def test_list_venue_symbols_lists_the_current_markets_rest_lists(
    stub, client_modules, viewer_md, rest, demo_data
):
    perpetual = current_market("binance", "BTCUSDT", InstrumentType.PERPETUAL)
    services.market_delist(market=current_market("binance", "ETHUSDT", InstrumentType.SPOT))
    listed = stub.ListVenueSymbols(
        client_modules.service.ListVenueSymbolsRequest(venue_id="binance"), metadata=viewer_md
    ).venue_symbols
    shown = rest.get("/api/v1/markets/", {"venue": "binance", "current": "true"}).json()
    assert [as_dict(v)["metadata"]["cqar_market_id"] for v in listed] == [
        str(market["id"]) for market in shown["results"]
    ]
    shown_types = {(v.venue_symbol, v.metadata["cqar_market_type"]) for v in listed}
    assert ("ETHUSDT", "SPOT") not in shown_types
    assert ("ETHUSDT", "PERPETUAL") in shown_types
    assert {v.venue_id for v in listed} == {"binance"}
    by_instrument = stub.ListVenueSymbols(
        client_modules.service.ListVenueSymbolsRequest(symbol_id=str(perpetual.instrument_id)),
        metadata=viewer_md,
    ).venue_symbols
    assert [v.venue_symbol for v in by_instrument] == ["BTCUSDT"]
    everything = stub.ListVenueSymbols(
        client_modules.service.ListVenueSymbolsRequest(), metadata=viewer_md
    ).venue_symbols
    assert len(everything) == Market.objects.current().count() > len(listed)


@pytest.mark.parametrize(
    ("request_fields", "field"),
    [
        ({"symbol_id": "BTC-USDT"}, "symbol_id"),
        ({"symbol_id": "00000000-0000-4000-8000-000000000000"}, "symbol_id"),
        ({"venue_id": "nowhere"}, "venue_id"),
    ],
)
def test_list_venue_symbols_refuses_filters_rest_refuses(
    stub, client_modules, viewer_md, request_fields, field
):
    error = rpc_error(
        stub.ListVenueSymbols,
        client_modules.service.ListVenueSymbolsRequest(**request_fields),
        metadata=viewer_md,
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in error_details(error)["fields"]


def test_list_venue_symbols_answers_up_to_its_bound_and_refuses_more(
    stub, client_modules, viewer_md
):
    from registry.grpc.fields import LIST_LIMIT

    venue = VenueFactory(venue_id="huge")
    instrument = InstrumentFactory()
    Market.objects.bulk_create(
        Market(venue=venue, venue_symbol=f"S{n:05}", instrument=instrument)
        for n in range(LIST_LIMIT)
    )
    request = client_modules.service.ListVenueSymbolsRequest(venue_id="huge")
    listed = stub.ListVenueSymbols(request, metadata=viewer_md).venue_symbols
    assert [v.venue_symbol for v in listed] == [f"S{n:05}" for n in range(LIST_LIMIT)]
    Market.objects.create(venue=venue, venue_symbol="S99999", instrument=instrument)
    error = rpc_error(stub.ListVenueSymbols, request, metadata=viewer_md)
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert error_details(error)["reason"] == "too_many_results"
    assert "venue_id or symbol_id" in error.details()


def test_list_venue_symbols_needs_a_token(stub, client_modules, transactional_db):
    error = rpc_error(stub.ListVenueSymbols, client_modules.service.ListVenueSymbolsRequest())
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


# --- CreateVenueSymbol --------------------------------------------------------------------


def create_request(client_modules, **fields):
    return client_modules.service.CreateVenueSymbolRequest(**fields)


def test_create_venue_symbol_lists_the_instrument_as_rest_would(
    stub, client_modules, viewer_md, steward_md, rest, demo_data
):
    perpetual = Instrument.objects.get(code="BTC-USDT-PERP")
    request = create_request(
        client_modules,
        venue_id="kraken",
        symbol_id=str(perpetual.pk),
        venue_symbol="PF_XBTUSD",
        maker_fee=0.0002,
        taker_fee=0.0005,
    )
    # Not there yet, and the miss is cached: the create must invalidate it.
    error = rpc_error(resolve, stub, client_modules, viewer_md, "kraken", "PF_XBTUSD", "PERPETUAL")
    assert error.code() == grpc.StatusCode.NOT_FOUND
    answer, call = stub.CreateVenueSymbol.with_call(request, metadata=steward_md)
    market = Market.objects.get(venue_id="kraken", venue_symbol="PF_XBTUSD")
    assert (market.market_type, market.instrument_id, market.status) == (
        "PERPETUAL",
        perpetual.pk,
        "TRADING",
    )
    assert (market.maker_fee, market.taker_fee) == (Decimal("0.0002"), Decimal("0.0005"))
    assert (market.tick_size, market.lot_size, market.min_notional) == (None, None, None)
    created = answer.venue_symbol
    assert (created.venue_id, created.symbol_id, created.venue_symbol) == (
        "kraken",
        str(perpetual.pk),
        "PF_XBTUSD",
    )
    assert (created.maker_fee, created.taker_fee, created.is_active) == (0.0002, 0.0005, True)
    assert not created.HasField("min_notional")
    assert created.metadata["cqar_market_id"] == str(market.pk)
    assert dict(call.trailing_metadata())["etag"] == '"1"'
    shown = rest.get(f"/api/v1/markets/{market.pk}/").json()
    assert (shown["maker_fee"], shown["taker_fee"], shown["market_type"]) == (
        "0.0002",
        "0.0005",
        "PERPETUAL",
    )
    # The same write as REST's: events, history with the gRPC caller, the cache.
    events = OutboxEvent.objects.filter(entity_id=str(market.pk)).values_list(
        "event_type", "actor_id"
    )
    assert {event for event, _ in events} == {
        "market_created",
        "venue_market_listed",
        "venue_symbol_mapped",
    }
    assert {actor for _, actor in events} == {"service:grpc-steward"}
    context = Market.pgh_event_model.objects.get(pgh_obj_id=market.pk).pgh_context
    assert (context["actor"], context["source"]) == ("service:grpc-steward", "grpc")
    resolved = resolve(stub, client_modules, viewer_md, "kraken", "PF_XBTUSD", "PERPETUAL")
    assert (resolved.market_id, resolved.instrument_id) == (str(market.pk), str(perpetual.pk))


@pytest.fixture
def spot_pair(transactional_db):
    """A spot instrument and a venue that does not list it yet."""
    VenueFactory(venue_id="kraken")
    return InstrumentFactory()


def test_create_venue_symbol_is_a_stewards_write(stub, client_modules, viewer_md, spot_pair):
    request = create_request(
        client_modules, venue_id="kraken", symbol_id=str(spot_pair.pk), venue_symbol="XBTUSDT"
    )
    assert rpc_error(stub.CreateVenueSymbol, request).code() == grpc.StatusCode.UNAUTHENTICATED
    error = rpc_error(stub.CreateVenueSymbol, request, metadata=viewer_md)
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert not Market.objects.filter(venue_symbol="XBTUSDT").exists()


def test_a_symbol_listed_already_is_already_exists(stub, client_modules, steward_md, spot_pair):
    request = create_request(
        client_modules, venue_id="kraken", symbol_id=str(spot_pair.pk), venue_symbol="XBTUSDT"
    )
    stub.CreateVenueSymbol(request, metadata=steward_md)
    error = rpc_error(stub.CreateVenueSymbol, request, metadata=steward_md)
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert Market.objects.filter(venue_symbol="XBTUSDT").count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"venue_id": None}, "venue_id"),
        ({"symbol_id": None}, "symbol_id"),
        ({"venue_symbol": None}, "venue_symbol"),
        ({"symbol_id": "BTC-USDT"}, "symbol_id"),
        ({"symbol_id": "00000000-0000-4000-8000-000000000000"}, "symbol_id"),
        ({"venue_id": "nowhere"}, "venue_id"),
        ({"venue_symbol": "BTC USDT"}, "venue_symbol"),
        ({"maker_fee": 0.06}, "maker_fee"),  # more than 5 %
        ({"taker_fee": 0.1 + 0.2}, "taker_fee"),  # 0.30000000000000004: 17 decimals
        ({"taker_fee": float("nan")}, "taker_fee"),
    ],
)
def test_create_venue_symbol_refuses_each_invalid_field(
    stub, client_modules, steward_md, spot_pair, fields, field
):
    values = {
        "venue_id": "kraken",
        "symbol_id": str(spot_pair.pk),
        "venue_symbol": "XBTUSDT",
        **fields,
    }
    request = create_request(client_modules, **{k: v for k, v in values.items() if v is not None})
    error = rpc_error(stub.CreateVenueSymbol, request, metadata=steward_md)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in error_details(error)["fields"]
    assert not Market.objects.filter(venue_symbol="XBTUSDT").exists()


def test_a_lending_instrument_is_listed_on_its_protocol_only(
    stub, client_modules, steward_md, instruments_of_each_type
):
    deposit = instruments_of_each_type[InstrumentType.LENDING_DEPOSIT]
    VenueFactory(venue_id="binance")
    error = rpc_error(
        stub.CreateVenueSymbol,
        create_request(
            client_modules, venue_id="binance", symbol_id=str(deposit.pk), venue_symbol="aUSDT"
        ),
        metadata=steward_md,
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "venue_id" in error_details(error)["fields"]
    answer = stub.CreateVenueSymbol(
        create_request(
            client_modules, venue_id="aave", symbol_id=str(deposit.pk), venue_symbol="aUSDT"
        ),
        metadata=steward_md,
    )
    assert answer.venue_symbol.metadata["cqar_market_type"] == "LENDING_DEPOSIT"


def test_an_expired_contract_cannot_be_listed_naming_the_instrument(
    stub, client_modules, steward_md
):
    btc, usdt = AssetFactory(symbol="BTC"), AssetFactory(symbol="USDT")
    VenueFactory(venue_id="binance")
    expired = Instrument.objects.create(
        instrument_type=InstrumentType.FUTURE,
        code="BTC-USDT-OLD",
        underlying_asset=btc,
        quote_asset=usdt,
        settlement_asset=usdt,
        is_inverse=False,
        is_quanto=False,
        contract_multiplier=1,
        expiry=datetime(2020, 3, 27, 8, tzinfo=UTC),
    )
    error = rpc_error(
        stub.CreateVenueSymbol,
        create_request(
            client_modules, venue_id="binance", symbol_id=str(expired.pk), venue_symbol="BTC_0327"
        ),
        metadata=steward_md,
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "expired" in " ".join(error_details(error)["fields"]["symbol_id"])
