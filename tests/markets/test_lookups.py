"""The markets' hot lookups: a venue ticker answers its market and instrument, an
instrument's code answers its terms and every current market, each from one cached read
and never stale after a write; and the pre-trade check of a market weighs its base,
quote and settlement assets."""

from decimal import Decimal

import pytest

from assets import services as asset_services
from markets import services
from markets.choices import InstrumentType, MarketStatus
from markets.lookups import instrument_code_key, ticker_key
from quality import services as flag_services
from registry import cache
from tests.factories import VenueFactory

pytestmark = pytest.mark.django_db

TICKER = "/api/v1/resolve/venue-symbol/"
INSTRUMENT = "/api/v1/resolve/instrument/"
PRETRADE = "/api/v1/resolve/pretrade/"


@pytest.fixture
def world(db, django_capture_on_commit_callbacks, settings):
    settings.CACHE_LEASE_SECONDS = 600  # no renewal inside a test's counted reads
    cache.redis_state.reset()
    with django_capture_on_commit_callbacks(execute=True):
        assets = {
            symbol: asset_services.asset_create(symbol=symbol, name=name, asset_type=kind)
            for symbol, name, kind in (
                ("BTC", "Bitcoin", "NATIVE"),
                ("USDT", "Tether", "ERC20"),
                ("USD", "US dollar", "SYNTHETIC"),
            )
        }
        venues = {name: VenueFactory(venue_id=name) for name in ("binance", "bybit", "bitmex")}
        btc, usdt, usd = assets["BTC"], assets["USDT"], assets["USD"]
        spot = services.instrument_create(
            instrument_type=InstrumentType.SPOT, underlying_asset=btc, quote_asset=usdt
        )
        linear = services.instrument_create(
            instrument_type=InstrumentType.PERPETUAL,
            underlying_asset=btc,
            quote_asset=usdt,
            settlement_asset=usdt,
            is_inverse=False,
            is_quanto=False,
            contract_multiplier=Decimal("0.001"),
        )
        inverse = services.instrument_create(
            instrument_type=InstrumentType.PERPETUAL,
            underlying_asset=btc,
            quote_asset=usd,
            settlement_asset=btc,
            is_inverse=True,
            is_quanto=False,
            contract_multiplier=Decimal("100"),
        )
        markets = {
            "spot": services.market_create(
                venue=venues["binance"],
                venue_symbol="BTCUSDT",
                instrument=spot,
                tick_size=Decimal("0.0100"),
                lot_size=Decimal("0.00001"),
                maker_fee=Decimal("0.001"),
                taker_fee=Decimal("0.001"),
            ),
            "linear": services.market_create(
                venue=venues["binance"],
                venue_symbol="BTCUSDT",
                instrument=linear,
                tick_size=Decimal("0.1"),
                lot_size=Decimal("0.001"),
                min_notional=Decimal("5"),
                maker_fee=Decimal("0.0002"),
                taker_fee=Decimal("0.0005"),
                funding_interval_secs=28800,
            ),
            "inverse": services.market_create(
                venue=venues["bitmex"],
                venue_symbol="XBTUSD",
                instrument=inverse,
                tick_size=Decimal("0.5"),
                lot_size=Decimal("100"),
                maker_fee=Decimal("-0.00025"),
                taker_fee=Decimal("0.00075"),
                funding_interval_secs=28800,
            ),
        }
    yield {"assets": assets, "venues": venues, "markets": markets}
    cache.redis_state.reset()


def ticker(client, venue, symbol, market_type="SPOT"):
    response = client.get(TICKER, {"venue": venue, "symbol": symbol, "market_type": market_type})
    return response.status_code, response.json()


def by_code(client, code):
    response = client.get(INSTRUMENT, {"code": code})
    return response.status_code, response.json()


def in_redis(key: str) -> bool:
    value = cache.redis_state.client().get(key)
    return value is not None and value[:1] in (cache.FOUND, cache.MISSING)


def test_a_spot_ticker_answers_its_market_and_instrument(world, viewer):
    btc, usdt = world["assets"]["BTC"], world["assets"]["USDT"]
    status, body = ticker(viewer, "binance", "BTCUSDT")
    assert status == 200
    # What the venue-ticker answer always had, unchanged.
    assert body["asset"]["asset_id"] == str(btc.pk)
    assert body["quote_asset"]["asset_id"] == str(usdt.pk)
    assert (body["venue"], body["symbol"], body["market_type"], body["is_active"]) == (
        "binance",
        "BTCUSDT",
        "SPOT",
        True,
    )
    assert body["market"] == {
        "id": world["markets"]["spot"].id,
        "venue": "binance",
        "venue_symbol": "BTCUSDT",
        "status": "TRADING",
        "tick_size": "0.01",
        "lot_size": "0.00001",
        "min_order_size": None,
        "max_order_size": None,
        "min_notional": None,
        "maker_fee": "0.001",
        "taker_fee": "0.001",
        "funding_interval_secs": None,
        "listed_at": None,
        "settlement_asset_id": None,
        "price_currency_asset_id": str(usdt.pk),
    }
    instrument = body["instrument"]
    assert (instrument["code"], instrument["instrument_type"]) == ("BTC-USDT", "SPOT")
    assert (instrument["underlying_asset_id"], instrument["quote_asset_id"]) == (
        str(btc.pk),
        str(usdt.pk),
    )
    assert instrument["settlement_asset_id"] is None
    assert instrument["contract_multiplier"] is None
    assert instrument["terms_complete"] is True
    assert body["settlement_asset"] is None


def test_a_linear_perpetual_settles_in_its_quote(world, viewer):
    usdt = world["assets"]["USDT"]
    status, body = ticker(viewer, "binance", "BTCUSDT", "PERPETUAL")
    assert status == 200
    assert body["market"]["funding_interval_secs"] == 28800
    assert (body["market"]["tick_size"], body["market"]["min_notional"]) == ("0.1", "5")
    assert body["market"]["settlement_asset_id"] == str(usdt.pk)
    assert body["market"]["price_currency_asset_id"] == str(usdt.pk)
    instrument = body["instrument"]
    assert instrument["code"] == "BTC-USDT-PERP-X0.001"
    assert (instrument["is_inverse"], instrument["is_quanto"]) == (False, False)
    assert instrument["contract_multiplier"] == "0.001"
    assert body["settlement_asset"]["symbol"] == "USDT"


def test_an_inverse_perpetual_settles_in_its_underlying(world, viewer):
    btc, usd = world["assets"]["BTC"], world["assets"]["USD"]
    status, body = ticker(viewer, "bitmex", "XBTUSD", "PERPETUAL")
    assert status == 200
    assert body["market"]["settlement_asset_id"] == str(btc.pk)
    assert body["market"]["price_currency_asset_id"] == str(usd.pk)
    assert (body["market"]["lot_size"], body["market"]["maker_fee"]) == ("100", "-0.00025")
    assert body["instrument"]["code"] == "BTC-USD-PERP-INV-X100"
    assert body["instrument"]["contract_multiplier"] == "100"
    assert body["instrument"]["is_inverse"] is True
    assert body["settlement_asset"]["asset_id"] == str(btc.pk)


def test_an_instrument_code_answers_its_terms_and_every_current_market(world, viewer):
    status, body = by_code(viewer, "btc-usd-perp-inv-x100")  # any letter case
    assert status == 200
    assert body["instrument"]["code"] == "BTC-USD-PERP-INV-X100"
    assert body["underlying_asset"]["symbol"] == "BTC"
    assert body["quote_asset"]["symbol"] == "USD"
    assert body["settlement_asset"]["symbol"] == "BTC"
    assert [(m["venue"], m["venue_symbol"], m["tick_size"]) for m in body["markets"]] == [
        ("bitmex", "XBTUSD", "0.5")
    ]
    status, body = by_code(viewer, "NO-SUCH-CODE")
    assert status == 404
    assert "NO-SUCH-CODE" in body["error"]["message"]


def test_the_cross_venue_lookup_is_one_redis_read(world, viewer, monkeypatch):
    viewer.get(INSTRUMENT, {"code": "BTC-USDT"})  # remembers the token, caches the answer
    client = cache.redis_state.client()
    calls = []
    for name in ("get", "mget", "set", "pipeline"):
        original = getattr(type(client), name)
        monkeypatch.setattr(
            type(client),
            name,
            lambda self, *a, _name=name, _original=original, **k: (
                calls.append((_name, a)) or _original(self, *a, **k)
            ),
        )
    response = viewer.get(INSTRUMENT, {"code": "BTC-USDT"})
    assert response.status_code == 200
    assert [name for name, _ in calls] == ["mget"]
    (_, (keys,)) = calls[0]
    assert instrument_code_key("BTC-USDT") in keys  # one answer key, beside the token's


def test_the_batch_takes_instrument_lookups(world, viewer):
    response = viewer.post(
        "/api/v1/resolve/batch/",
        {
            "lookups": [
                {"type": "instrument", "code": "BTC-USDT-PERP-X0.001"},
                {"type": "instrument", "code": "ETH-USDT"},
                {"type": "instrument"},
            ]
        },
        format="json",
    )
    assert response.status_code == 200
    found, missing, malformed = response.json()["results"]
    assert found["found"] is True
    assert [m["venue_symbol"] for m in found["result"]["markets"]] == ["BTCUSDT"]
    assert (missing["found"], malformed["found"]) == (False, False)
    assert malformed["reason"].startswith("code:")


# --- never stale ---------------------------------------------------------------------


def _new_market_elsewhere(world):
    linear = world["markets"]["linear"].instrument
    services.market_create(
        venue=world["venues"]["bybit"],
        venue_symbol="BTCUSDT",
        instrument=linear,
        tick_size=Decimal("0.5"),
        funding_interval_secs=28800,
    )


def _raise(world, symbol):
    flag_services.flag_raise(
        asset=world["assets"][symbol],
        flag_type="EXPLOITED",
        severity=5,
        reason="drained",
        actor="user:t",
    )


# name -> (the write, the lookups to read before and after, what the answer is after)
WRITES = {
    "tick size": (
        lambda w: services.market_update(
            market=w["markets"]["linear"], changes={"tick_size": Decimal("0.25")}
        ),
        lambda t, c: (
            t["market"]["tick_size"] == "0.25"
            and [m["tick_size"] for m in c["markets"]] == ["0.25"]
        ),
    ),
    "delist": (
        lambda w: services.market_delist(market=w["markets"]["linear"]),
        lambda t, c: t is None and c["markets"] == [],
    ),
    "new market on another venue": (
        _new_market_elsewhere,
        lambda t, c: (
            [(m["venue"], m["tick_size"]) for m in c["markets"]]
            == [("binance", "0.1"), ("bybit", "0.5")]
        ),
    ),
    "flag on the quote (and settlement) asset": (
        lambda w: _raise(w, "USDT"),
        lambda t, c: (
            t["quote_asset"]["highest_active_severity"] == 5
            and t["settlement_asset"]["highest_active_severity"] == 5
            and c["settlement_asset"]["active_flags"][0]["flag_type"] == "EXPLOITED"
        ),
    ),
    "quote asset renamed": (
        lambda w: asset_services.asset_update(
            asset=w["assets"]["USDT"], changes={"name": "Tether USD"}
        ),
        lambda t, c: (
            t["quote_asset"]["name"] == "Tether USD" and c["quote_asset"]["name"] == "Tether USD"
        ),
    ),
}


@pytest.mark.parametrize("write", WRITES)
def test_a_write_leaves_no_stale_ticker_or_instrument_answer(
    world, viewer, write, django_capture_on_commit_callbacks
):
    make_write, holds = WRITES[write]
    _, before = ticker(viewer, "binance", "BTCUSDT", "PERPETUAL")
    _, listed = by_code(viewer, before["instrument"]["code"])
    assert in_redis(ticker_key("binance", "BTCUSDT", "PERPETUAL"))
    assert in_redis(instrument_code_key(before["instrument"]["code"]))
    assert not holds(before, listed)
    with django_capture_on_commit_callbacks(execute=True):
        make_write(world)
    status, after = ticker(viewer, "binance", "BTCUSDT", "PERPETUAL")
    _, listed = by_code(viewer, before["instrument"]["code"])
    assert holds(after if status == 200 else None, listed)


def test_completing_terms_moves_the_code_and_the_old_code_stops_answering(
    world, viewer, django_capture_on_commit_callbacks
):
    """A ticker mapped without terms gets a code of its own; completing the terms gives
    the instrument its canonical code, and both the ticker and both codes answer anew."""
    btc, usdt = world["assets"]["BTC"], world["assets"]["USDT"]
    with django_capture_on_commit_callbacks(execute=True):
        legacy = services.venue_symbol_create(
            venue=world["venues"]["bybit"],
            symbol="BTCPERP",
            asset=btc,
            quote_asset=usdt,
            market_type=InstrumentType.PERPETUAL,
        )
    _, before = ticker(viewer, "bybit", "BTCPERP", "PERPETUAL")
    old_code = before["instrument"]["code"]
    assert before["instrument"]["terms_complete"] is False
    assert by_code(viewer, old_code)[0] == 200
    assert by_code(viewer, "BTC-USDT-PERP")[0] == 404  # cached as a miss
    with django_capture_on_commit_callbacks(execute=True):
        services.instrument_update(
            instrument=legacy.instrument,
            changes={
                "settlement_asset": usdt,
                "is_inverse": False,
                "is_quanto": False,
                "contract_multiplier": Decimal("1"),
            },
        )
    status, after = ticker(viewer, "bybit", "BTCPERP", "PERPETUAL")
    assert (status, after["instrument"]["terms_complete"]) == (200, True)
    assert after["instrument"]["code"] == "BTC-USDT-PERP"
    assert after["instrument"]["contract_multiplier"] == "1"
    status, listed = by_code(viewer, "BTC-USDT-PERP")
    assert status == 200
    assert [m["venue_symbol"] for m in listed["markets"]] == ["BTCPERP"]
    assert by_code(viewer, old_code)[0] == 404


def test_the_unaffected_keys_stay_cached(world, viewer, django_capture_on_commit_callbacks):
    ticker(viewer, "binance", "BTCUSDT")
    by_code(viewer, "BTC-USDT")
    with django_capture_on_commit_callbacks(execute=True):
        services.market_update(market=world["markets"]["inverse"], changes={"lot_size": 1})
    assert in_redis(ticker_key("binance", "BTCUSDT", "SPOT"))
    assert in_redis(instrument_code_key("BTC-USDT"))


# --- pre-trade -----------------------------------------------------------------------


def pretrade(client, **params):
    response = client.get(PRETRADE, params)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("flagged", ["USDT", "USD"])
def test_pretrade_refuses_a_market_whose_quote_asset_is_critical(
    world, viewer, flagged, django_capture_on_commit_callbacks
):
    venue, symbol = {"USDT": ("binance", "BTCUSDT"), "USD": ("bitmex", "XBTUSD")}[flagged]
    market_type = "SPOT" if flagged == "USDT" else "PERPETUAL"
    clear = pretrade(viewer, venue=venue, symbol=symbol, market_type=market_type)
    assert clear["tradeable"] is True
    with django_capture_on_commit_callbacks(execute=True):
        _raise(world, flagged)
    body = pretrade(viewer, venue=venue, symbol=symbol, market_type=market_type)
    assert (body["tradeable"], body["highest_active_severity"]) == (False, 5)
    assert body["asset"]["symbol"] == "BTC"  # the base, as it always was
    assert [(f["flag_type"], f["asset_id"]) for f in body["blocking_flags"]] == [
        ("EXPLOITED", str(world["assets"][flagged].pk))
    ]
    roles = {a["symbol"]: a["roles"] for a in body["checked_assets"]}
    assert roles["BTC"][0] == "base"
    assert "quote" in roles[flagged]


def test_pretrade_refuses_a_linear_perpetual_whose_settlement_asset_is_critical(
    world, viewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _raise(world, "USDT")
    body = pretrade(viewer, venue="binance", symbol="BTCUSDT", market_type="PERPETUAL")
    assert body["tradeable"] is False
    assert {a["symbol"]: a["roles"] for a in body["checked_assets"]} == {
        "BTC": ["base"],
        "USDT": ["quote", "settlement"],
    }
    assert len(body["blocking_flags"]) == 1  # an asset of two roles counts once
    # Below the asset's own lookup: a flag on the quote leaves the base tradeable.
    assert pretrade(viewer, asset=str(world["assets"]["BTC"].pk))["tradeable"] is True


def test_pretrade_weighs_a_settlement_asset_that_is_the_base(
    world, viewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _raise(world, "BTC")
    body = pretrade(viewer, venue="bitmex", symbol="XBTUSD", market_type="PERPETUAL")
    assert body["tradeable"] is False
    assert {a["symbol"]: a["roles"] for a in body["checked_assets"]} == {
        "BTC": ["base", "settlement"],
        "USD": ["quote"],
    }
    assert pretrade(
        viewer, venue="bitmex", symbol="XBTUSD", market_type="PERPETUAL", **{"min_severity": "5"}
    )["blocking_flags"][0]["asset_id"] == str(world["assets"]["BTC"].pk)


def test_pretrade_below_the_threshold_warns_without_refusing(
    world, viewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        flag_services.flag_raise(
            asset=world["assets"]["USD"],
            flag_type="DEPRECATED",
            severity=3,
            reason="x",
            actor="user:t",
        )
    body = pretrade(viewer, venue="bitmex", symbol="XBTUSD", market_type="PERPETUAL")
    assert (body["tradeable"], body["highest_active_severity"]) == (True, 3)
    stricter = pretrade(
        viewer, venue="bitmex", symbol="XBTUSD", market_type="PERPETUAL", min_severity="3"
    )
    assert stricter["tradeable"] is False


def test_market_status_is_in_the_answer_after_a_halt(
    world, viewer, django_capture_on_commit_callbacks
):
    ticker(viewer, "binance", "BTCUSDT")
    with django_capture_on_commit_callbacks(execute=True):
        services.market_update(
            market=world["markets"]["spot"], changes={"status": MarketStatus.HALTED}
        )
    _, body = ticker(viewer, "binance", "BTCUSDT")
    assert (body["is_active"], body["market"]["status"]) == (False, "HALTED")


@pytest.mark.parametrize("status", ["HALTED", "REDUCE_ONLY"])
def test_pretrade_refuses_a_market_that_is_not_trading(
    world, viewer, status, django_capture_on_commit_callbacks
):
    trading = pretrade(viewer, venue="binance", symbol="BTCUSDT", market_type="SPOT")
    assert (trading["tradeable"], trading["market_status"]) == (True, "TRADING")
    with django_capture_on_commit_callbacks(execute=True):
        services.market_update(market=world["markets"]["spot"], changes={"status": status})
    body = pretrade(viewer, venue="binance", symbol="BTCUSDT", market_type="SPOT")
    assert (body["tradeable"], body["market_status"], body["blocking_flags"]) == (
        False,
        status,
        [],
    )
    # Asked by an asset, there is no market: its flags alone decide.
    by_asset = pretrade(viewer, asset=str(world["assets"]["BTC"].pk))
    assert (by_asset["tradeable"], by_asset["market_status"]) == (True, None)
