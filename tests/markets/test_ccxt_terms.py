"""markets.importers.ccxt_terms: a market's contract terms from one CCXT market.

Every market of the eight real ccxt snapshots in tests/fixtures/ccxt/ (114 markets) is
either derived or refused with reasons that name the term. Each derived market's tick
size, lot size, minimum order value, contract multiplier and linear/inverse are compared
with the venue's raw ``info``, read by this test's own readers (``raw_terms``), not the
module's. Small hand-made markets pin each rule.
"""

import copy
import dataclasses
import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from markets.choices import ExerciseStyle, InstrumentType, MarketStatus, OptionType
from markets.importers.ccxt_terms import (
    DECIMAL_PLACES,
    TICK_SIZE,
    MarketTerms,
    TermsError,
    derive,
)

SNAPSHOTS = Path(__file__).resolve().parent.parent / "fixtures" / "ccxt"
EXCHANGES = (
    "binance",
    "bitfinex",
    "bybit",
    "coinbaseexchange",
    "gate",
    "kraken",
    "kucoin",
    "okx",
)
TERMS = {field.name for field in dataclasses.fields(MarketTerms)}


def snapshot(exchange: str) -> dict[str, dict]:
    return json.loads((SNAPSHOTS / f"{exchange}.json").read_text(encoding="utf-8"))


def real(exchange: str, symbol: str) -> dict:
    """A copy of one real market, to change."""
    return copy.deepcopy(snapshot(exchange)[symbol])


ALL_MARKETS = [(exchange, symbol) for exchange in EXCHANGES for symbol in snapshot(exchange)]

# What the real snapshots get wrong, or leave out, and the terms refused for it.
GATE_FEES = {"maker_fee", "taker_fee"}  # ccxt's VIP-0 constants, not the contract's rates
GATE_FRACTIONAL = GATE_FEES | {"lot_size"}  # enable_decimal true, yet a step of 1 contract
REFUSED: dict[tuple[str, str], set[str]] = {
    # Partial entries: no info, precision or limits; the future has no expiry, the option
    # no expiry, strike, type or status, and binance has no documented exercise style.
    ("binance", "BTC/USDT:USDT-231229"): {"expiry", "tick_size", "lot_size"},
    ("binance", "ETH/USDT:USDT-231229-800-C"): {
        "expiry",
        "strike_price",
        "option_type",
        "exercise_style",
        "tick_size",
        "lot_size",
        "status",
    },
    # Options without info: linear and inverse null, and inactive with no venue status.
    ("bybit", "BTC/USDT:USDT-250530-70000-C"): {"is_inverse", "status"},
    ("bybit", "ETH/USDT:USDT-250530-1700-P"): {"is_inverse", "status"},
    ("gate", "BTC/USDT:USDT"): GATE_FEES,
    ("gate", "BTC/USD:BTC"): GATE_FEES,
    ("gate", "ETH/USDT:USDT"): GATE_FRACTIONAL,
    ("gate", "LTC/USDT:USDT"): GATE_FEES,
    ("gate", "ADA/USDT:USDT"): GATE_FEES,
    ("gate", "XRP/USDT:USDT"): GATE_FRACTIONAL,
    ("gate", "DOGE/USDT:USDT"): GATE_FEES,
    ("gate", "TRX/USDT:USDT"): GATE_FRACTIONAL,
    ("gate", "人生K线/USDT:USDT"): GATE_FEES,
    # No status in info: ccxt's active is its default 'trading'.
    ("gate", "BTC/USDT:USDT-260626"): GATE_FEES | {"status"},
    ("gate", "RAVE/USDT:USDT"): {"status"},
    # ccxt's cost.min is quoteMinSize (0.01); the minimum order value, minFunds, is 0.1.
    ("kucoin", "ETH/USDT"): {"min_notional"},
    # ccxt's contractSize is ctVal (1) alone; a contract is ctVal x ctMult, 0.01 BTC.
    ("okx", "BTC/USD:BTC-241227-60000-P"): {"contract_multiplier"},
}
# Bitfinex prices have 5 significant digits (no single tick), and ccxt's bitfinex says
# active for every market.
REFUSED |= {("bitfinex", symbol): {"tick_size", "status"} for symbol in snapshot("bitfinex")}


# -- the venue's raw info, read here ---------------------------------------------------


def _places(count: Any) -> str:
    return f"1e-{int(count)}"


def raw_terms(exchange: str, market: dict) -> dict[str, Any]:
    """tick, lot, min_notional, multiplier (as text) and inverse (bool) where ``info``
    states them; nothing it does not."""
    info = market.get("info")
    if not isinstance(info, dict):
        return {}
    found: dict[str, Any] = {}

    def take(name: str, value: Any) -> None:
        if value not in (None, "") and name not in found:
            found[name] = value

    if exchange == "binance":
        filters = {f["filterType"]: f for f in info.get("filters", [])}
        take("tick", filters.get("PRICE_FILTER", {}).get("tickSize"))
        take("lot", filters.get("LOT_SIZE", {}).get("stepSize"))
        take("min_notional", filters.get("NOTIONAL", {}).get("minNotional"))
        take("min_notional", filters.get("MIN_NOTIONAL", {}).get("minNotional"))
        take("min_notional", filters.get("MIN_NOTIONAL", {}).get("notional"))
        take("multiplier", info.get("contractSize"))
        if "marginAsset" in info:
            found["inverse"] = info["marginAsset"] == info["baseAsset"]
    elif exchange == "okx":
        take("tick", info["tickSz"])
        take("lot", info["lotSz"])
        if info["ctVal"]:
            found["multiplier"] = str(Decimal(info["ctVal"]) * Decimal(info["ctMult"] or "1"))
        if info["ctType"]:
            found["inverse"] = info["ctType"] == "inverse"
    elif exchange == "bybit":
        take("tick", info["priceFilter"]["tickSize"])
        lots = info["lotSizeFilter"]
        take("lot", lots.get("qtyStep") or lots.get("basePrecision"))
        take("min_notional", lots.get("minOrderAmt") or lots.get("minNotionalValue"))
        if "contractType" in info:
            found["inverse"] = info["contractType"].startswith("Inverse")
        elif "settleCoin" in info:
            found["inverse"] = info["settleCoin"] == info["baseCoin"]
    elif exchange == "gate" and "trade_status" in info:
        take("tick", _places(info["precision"]))
        take("lot", _places(info["amount_precision"]))
        take("min_notional", info["min_quote_amount"])
    elif exchange == "gate":
        take("tick", info["order_price_round"])
        if info.get("enable_decimal") is False:
            take("lot", "1")
        if info["quanto_multiplier"] != "0":
            take("multiplier", info["quanto_multiplier"])
        found["inverse"] = info["type"] == "inverse"
    elif exchange == "kucoin" and "multiplier" in info:
        take("tick", str(info["tickSize"]))
        take("lot", str(info["lotSize"]))
        take("multiplier", str(abs(info["multiplier"])))
        found["inverse"] = info["isInverse"]
    elif exchange == "kucoin":
        take("tick", info["priceIncrement"])
        take("lot", info["baseIncrement"])
        take("min_notional", info["minFunds"])
    elif exchange == "kraken":
        take("tick", info.get("tick_size") or _places(info["pair_decimals"]))
        take("lot", _places(info["lot_decimals"]))
        take("min_notional", info.get("costmin"))
    elif exchange == "coinbaseexchange":
        take("tick", info["quote_increment"])
        take("lot", info["base_increment"])
        take("min_notional", info["min_market_funds"])
    return found


# -- every market of every snapshot ----------------------------------------------------


def test_the_snapshots_are_the_eight_exchanges_114_markets():
    """The walk below covers what tests/fixtures/README.md says the copies are."""
    assert sorted(path.stem for path in SNAPSHOTS.glob("*.json")) == sorted(
        [*EXCHANGES, "kraken-currencies"]
    )
    assert len(ALL_MARKETS) == 114
    assert REFUSED.keys() <= set(ALL_MARKETS)


@pytest.mark.parametrize(("exchange", "symbol"), ALL_MARKETS)
def test_every_market_is_derived_right_or_refused_naming_the_terms(exchange, symbol):
    market = snapshot(exchange)[symbol]
    if (exchange, symbol) in REFUSED:
        with pytest.raises(TermsError) as refused:
            derive(exchange, market)
        named = {reason.split(":", 1)[0] for reason in refused.value.reasons}
        assert named == REFUSED[(exchange, symbol)], refused.value.reasons
        assert named <= TERMS
        return

    terms = derive(exchange, market)
    assert terms.venue_symbol == market["id"]
    raw = raw_terms(exchange, market)
    if "tick" in raw:
        assert terms.tick_size == Decimal(raw["tick"])
    if "lot" in raw:
        assert terms.lot_size == Decimal(raw["lot"])
    if "min_notional" in raw:
        assert terms.min_notional == Decimal(raw["min_notional"])
    if "multiplier" in raw:
        assert terms.contract_multiplier == Decimal(raw["multiplier"])
    if "inverse" in raw:
        assert terms.is_inverse is raw["inverse"]
    assert_consistent(terms)


def assert_consistent(terms: MarketTerms) -> None:
    """What holds of any derived market, whatever the venue."""
    for name in ("tick_size", "lot_size"):
        value = getattr(terms, name)
        assert isinstance(value, Decimal) and value > 0, name
    for name in ("min_order_size", "max_order_size", "min_notional", "maker_fee", "taker_fee"):
        value = getattr(terms, name)
        assert value is None or isinstance(value, Decimal), name
    assert terms.status in MarketStatus.values
    if terms.instrument_type == InstrumentType.SPOT:
        assert terms.is_inverse is None and terms.is_quanto is None
        assert terms.contract_multiplier is None and terms.settle is None
    else:
        assert isinstance(terms.is_inverse, bool) and isinstance(terms.is_quanto, bool)
        assert terms.contract_multiplier > 0
        if terms.is_inverse:
            assert terms.settle == terms.base
        else:
            assert terms.settle == terms.quote or terms.is_quanto
    dated = terms.instrument_type in (InstrumentType.FUTURE, InstrumentType.OPTION)
    assert (terms.expiry is not None) is dated
    if dated:
        assert terms.expiry.tzinfo is UTC
    if terms.funding_interval_secs is not None:
        assert terms.instrument_type == InstrumentType.PERPETUAL


def test_real_markets_carry_their_venue_terms():
    """A few derived terms in full, each from the snapshot's own words."""
    coin_margined = derive("binance", snapshot("binance")["BTC/USD:BTC"])
    assert coin_margined.instrument_type == InstrumentType.PERPETUAL
    assert coin_margined.is_inverse is True and coin_margined.settle == "BTC"
    assert coin_margined.contract_multiplier == Decimal(100)  # USD a contract
    assert coin_margined.listed_at == datetime(2020, 8, 10, 7, tzinfo=UTC)

    option = derive("bybit", snapshot("bybit")["SOL/USDT:USDT-250530-90-P"])
    assert option.expiry == datetime(2025, 5, 30, 8, tzinfo=UTC)
    assert option.strike_price == Decimal(90) and option.option_type == OptionType.PUT
    assert option.exercise_style == ExerciseStyle.EUROPEAN
    assert option.is_inverse is False and option.is_quanto is False

    perpetual = derive("bybit", snapshot("bybit")["BTC/USDT:USDT"])
    assert perpetual.funding_interval_secs == 8 * 3600  # fundingInterval "480" minutes
    assert perpetual.min_notional == Decimal(5)  # minNotionalValue: ccxt leaves it out

    kraken = derive("kraken", snapshot("kraken")["BTC/USD"])
    assert kraken.base_id == "XXBT" and kraken.quote_id == "ZUSD"
    assert kraken.lot_size == Decimal("0.00000001")  # lot_decimals 8
    assert kraken.min_notional == Decimal("0.5")  # costmin: ccxt leaves it out
    assert (kraken.maker_fee, kraken.taker_fee) == (Decimal("0.0016"), Decimal("0.0026"))

    gate = derive("gate", snapshot("gate")["BTC/USDT"])
    assert gate.tick_size == Decimal("0.1") and gate.lot_size == Decimal("0.000001")
    assert gate.taker_fee == Decimal("0.002")  # info.fee "0.2" is in percent


def test_the_reasons_say_what_each_source_gives():
    with pytest.raises(TermsError) as refused:
        derive("okx", snapshot("okx")["BTC/USD:BTC-241227-60000-P"])
    assert refused.value.reasons == [
        "contract_multiplier: ccxt contractSize gives 1 but info.ctVal x info.ctMult "
        "(1 x 0.01) is 0.01"
    ]
    assert str(refused.value).startswith("market okx BTC/USD:BTC-241227-60000-P: ")
    assert isinstance(refused.value, ValueError)

    with pytest.raises(TermsError) as refused:
        derive("kucoin", snapshot("kucoin")["ETH/USDT"])
    assert refused.value.reasons == [
        "min_notional: ccxt limits.cost.min gives 0.01 but info.minFunds is 0.1"
    ]


# -- precision ---------------------------------------------------------------------------


def binance_spot(**changes: Any) -> dict:
    """binance BTC/USDT without its info (the unified fields alone)."""
    market = real("binance", "BTC/USDT")
    del market["info"]
    return market | changes


def test_decimal_places_and_tick_sizes_give_the_same_steps():
    """binance counts decimal places (2 -> 0.01), bybit gives the tick itself."""
    by_places = derive("binance", binance_spot(precision={"price": 2, "amount": 5}))
    by_ticks = derive("bybit", binance_spot(precision={"price": 0.01, "amount": 1e-05}))
    for terms in (by_places, by_ticks):
        assert (terms.tick_size, terms.lot_size) == (Decimal("0.01"), Decimal("0.00001"))
    whole = derive("binance", binance_spot(precision={"price": 0, "amount": -1}))
    assert (whole.tick_size, whole.lot_size) == (Decimal(1), Decimal(10))


def test_a_tick_size_where_decimal_places_belong_is_refused():
    """A snapshot of a newer ccxt (binance in TICK_SIZE) is not misread as 0 places."""
    market = binance_spot(precision={"price": 0.01, "amount": 1e-05})
    with pytest.raises(TermsError) as refused:
        derive("binance", market)
    assert refused.value.reasons == [
        "tick_size: ccxt precision.price 0.01 (DECIMAL_PLACES) is not a whole number of "
        "decimal places (a snapshot of a ccxt counting in TICK_SIZE? pass precision_mode)",
        "lot_size: ccxt precision.amount 0.00001 (DECIMAL_PLACES) is not a whole number of "
        "decimal places (a snapshot of a ccxt counting in TICK_SIZE? pass precision_mode)",
    ]
    terms = derive("binance", market, precision_mode=TICK_SIZE)
    assert (terms.tick_size, terms.lot_size) == (Decimal("0.01"), Decimal("0.00001"))


def test_the_same_integer_means_another_step_in_each_mode():
    """precision 1: one decimal place (0.1) in DECIMAL_PLACES, a tick of 1 in TICK_SIZE."""
    market = binance_spot(precision={"price": 1, "amount": 1}, limits={})
    assert derive("binance", market).tick_size == Decimal("0.1")
    assert derive("binance", market, precision_mode=TICK_SIZE).tick_size == Decimal(1)
    assert derive("okx", market, precision_mode=DECIMAL_PLACES).lot_size == Decimal("0.1")


def test_significant_digits_give_no_tick_size():
    """bitfinex prices have 5 significant digits: 1.2345 and 12345, so no single tick."""
    unknown_status = (
        "status: unknown: ccxt active says nothing (ccxt sets it to true for every market) "
        "and the snapshot has no venue status"
    )
    assert reasons("bitfinex", real("bitfinex", "BTC/USD")) == [
        "tick_size: ccxt precision.price 5 (SIGNIFICANT_DIGITS): the step depends on the "
        "number, so there is no single one",
        unknown_status,
    ]
    # Its amounts count decimal places whatever precisionMode says (amountToPrecision).
    market = real("bitfinex", "BTC/USD") | {"precision": {"price": 0.1, "amount": 8}}
    assert reasons("bitfinex", market, precision_mode=TICK_SIZE) == [unknown_status]
    market["precision"]["amount"] = 0.5
    assert reasons("bitfinex", market, precision_mode=TICK_SIZE)[0].startswith(
        "lot_size: ccxt precision.amount 0.5 (DECIMAL_PLACES) is not a whole number"
    )


def test_an_exchange_of_unknown_precision_mode_needs_one():
    with pytest.raises(TermsError) as refused:
        derive("newvenue", binance_spot())
    assert "tick_size: the precision mode of newvenue is not known (pass precision_mode)" in (
        refused.value.reasons
    )
    assert derive("newvenue", binance_spot(), precision_mode=DECIMAL_PLACES).tick_size == Decimal(
        "0.01"
    )
    with pytest.raises(TermsError, match="precision_mode 7 is not a ccxt counting mode"):
        derive("binance", binance_spot(), precision_mode=7)


def test_numbers_are_read_from_their_text_not_through_floats():
    market = binance_spot(
        precision={"price": 1e-8, "amount": "0.10"},
        limits={"amount": {"min": 0.1, "max": "9000.00000000"}, "cost": {"min": 0.3}},
    )
    terms = derive("bybit", market)
    assert terms.tick_size == Decimal("0.00000001") and terms.lot_size == Decimal("0.1")
    assert str(terms.lot_size) == "0.1" and str(terms.max_order_size) == "9000"
    assert terms.min_notional == Decimal("0.3")  # not 0.299999999999999988897769753748...
    with pytest.raises(
        TermsError, match=re.escape("min_order_size: ccxt limits.amount.min True is not")
    ):
        derive("bybit", market | {"limits": {"amount": {"min": True}}})
    with pytest.raises(
        TermsError, match=re.escape("tick_size: ccxt precision.price 'NaN' is not a finite")
    ):
        derive("bybit", market | {"precision": {"price": "NaN", "amount": 1}})


# -- the venue's info against ccxt ------------------------------------------------------


def test_a_term_the_info_contradicts_is_refused_never_chosen():
    market = real("binance", "BTC/USDT")
    tick = next(f for f in market["info"]["filters"] if f["filterType"] == "PRICE_FILTER")
    tick["tickSize"] = "0.10000000"
    with pytest.raises(TermsError) as refused:
        derive("binance", market)
    assert refused.value.reasons == [
        "tick_size: ccxt precision.price gives 0.01 but info.filters PRICE_FILTER.tickSize is 0.1"
    ]


def test_equal_values_in_other_spellings_agree():
    market = real("binance", "BTC/USDT:USDT")  # precision.price 1 (0.1), tickSize "0.10"
    assert derive("binance", market).tick_size == Decimal("0.1")


def test_a_contract_size_off_by_a_power_of_ten_is_refused():
    market = real("okx", "BTC/USDT:USDT")  # ctVal 0.01 BTC, ctMult 1
    assert derive("okx", market).contract_multiplier == Decimal("0.01")
    with pytest.raises(TermsError, match=r"contract_multiplier: ccxt contractSize gives 0\.1 but"):
        derive("okx", market | {"contractSize": 0.1})
    market["info"]["ctMult"] = "10"
    with pytest.raises(TermsError, match=r"\(0\.01 x 10\) is 0\.1"):
        derive("okx", market)


def test_a_term_ccxt_leaves_out_is_taken_from_the_info():
    market = real("kraken", "BTC/USDT")
    assert market["limits"]["cost"] == {}
    assert derive("kraken", market).min_notional == Decimal("0.5")  # info.costmin
    del market["info"]
    assert derive("kraken", market).min_notional is None


def test_fractional_contracts_contradict_a_step_of_one():
    market = real("gate", "ETH/USDT:USDT")  # enable_decimal true
    market["maker"], market["taker"] = -0.0001, 0.00075  # the contract's own rates
    with pytest.raises(TermsError) as refused:
        derive("gate", market)
    assert refused.value.reasons == [
        "lot_size: 1 contract(s), but info.enable_decimal is true: the venue takes "
        "fractional contracts, and the info gives no step"
    ]
    terms = derive("gate", market | {"precision": {"amount": 0.01, "price": 0.01}})
    assert terms.lot_size == Decimal("0.01")
    whole = real("gate", "LTC/USDT:USDT")  # enable_decimal false: whole contracts
    whole["maker"], whole["taker"] = -0.0001, 0.00075
    with pytest.raises(
        TermsError, match=re.escape("lot_size: ccxt precision.amount gives 0.1 but info")
    ):
        derive("gate", whole | {"precision": {"amount": 0.1, "price": 0.01}})


# -- linear, inverse, quanto -------------------------------------------------------------


def swap(**changes: Any) -> dict:
    """A linear perpetual of no venue's info (okx, whose ccxt gives tick sizes)."""
    market = {
        "id": "BTC-USDT-SWAP",
        "symbol": "BTC/USDT:USDT",
        "base": "BTC",
        "quote": "USDT",
        "settle": "USDT",
        "baseId": "BTC",
        "quoteId": "USDT",
        "settleId": "USDT",
        "type": "swap",
        "spot": False,
        "swap": True,
        "future": False,
        "option": False,
        "contract": True,
        "linear": True,
        "inverse": False,
        "contractSize": 0.01,
        "active": True,
        "maker": 0.0002,
        "taker": 0.0005,
        "precision": {"amount": 0.1, "price": 0.1},
        "limits": {"amount": {"min": 0.1}, "cost": {}},
    }
    return market | changes


def reasons(exchange: str, market: dict, **options: Any) -> list[str]:
    with pytest.raises(TermsError) as refused:
        derive(exchange, market, **options)
    return refused.value.reasons


def test_a_linear_swap():
    terms = derive("okx", swap())
    assert (terms.is_inverse, terms.is_quanto) == (False, False)
    assert terms.contract_multiplier == Decimal("0.01") and terms.settle_id == "USDT"
    assert terms.funding_interval_secs is None  # okx's instruments do not say it


def test_an_inverse_contract_settling_in_its_quote_is_refused():
    """inverse: true on a USD-settled contract: the flags or the settlement are wrong."""
    assert reasons("okx", swap(linear=False, inverse=True)) == [
        "is_inverse: an inverse contract settles in its base BTC, but this one settles in USDT"
    ]


def test_a_linear_contract_settling_in_its_base_is_refused():
    market = swap(symbol="BTC/USD:BTC", quote="USD", quoteId="USD", settle="BTC", settleId="BTC")
    assert reasons("okx", market) == [
        "is_inverse: a linear contract settles in its quote USD (or, quanto, in a third "
        "currency), but this one settles in its base BTC: inverse?"
    ]
    terms = derive("okx", market | {"linear": False, "inverse": True})
    assert (terms.is_inverse, terms.is_quanto) == (True, False)


def test_a_contract_is_exactly_one_of_linear_and_inverse():
    assert reasons("okx", swap(linear=True, inverse=True)) == [
        "is_inverse: ccxt says linear=true and inverse=true; a contract is exactly one of them"
    ]
    assert reasons("okx", swap(linear=None, inverse=None)) == [
        "is_inverse: ccxt gives linear=null and inverse=null, and the venue's info does not say"
    ]


def test_the_venues_word_decides_when_ccxt_gives_no_flags():
    market = real("okx", "BTC/USD:BTC") | {"linear": None, "inverse": None}
    assert derive("okx", market).is_inverse is True  # info.ctType "inverse"
    flipped = real("okx", "BTC/USD:BTC") | {"linear": True, "inverse": False}
    assert "is_inverse: ccxt inverse=false gives False but info.ctType 'inverse' is True" in (
        reasons("okx", flipped)
    )


def test_a_quanto_contract_settles_in_a_third_currency():
    market = swap(
        id="ETHUSD",
        symbol="ETH/USD:BTC",
        base="ETH",
        quote="USD",
        settle="BTC",
        baseId="ETH",
        quoteId="USD",
        settleId="BTC",
    )
    terms = derive("okx", market)
    assert (terms.is_inverse, terms.is_quanto) == (False, True)
    assert reasons("okx", market | {"linear": False, "inverse": True}) == [
        "is_inverse: an inverse contract settles in its base ETH, but this one settles in BTC"
    ]


def test_a_contract_without_settlement_or_multiplier_is_refused():
    assert reasons("okx", swap(settle=None, settleId=None, contractSize=None)) == [
        "settle: a contract must name its settlement currency (ccxt settle)",
        "contract_multiplier: neither ccxt contractSize nor the info gives it",
    ]


def test_a_spot_market_is_neither_linear_nor_inverse():
    terms = derive("binance", binance_spot())
    assert (terms.is_inverse, terms.is_quanto, terms.contract_multiplier) == (None, None, None)
    assert reasons("binance", binance_spot(contractSize=1, settle="USDT")) == [
        "settle: a spot market settles nothing, but ccxt settle is USDT",
        "contract_multiplier: a spot market has none, but ccxt contractSize is 1",
    ]


# -- expiry and options ------------------------------------------------------------------


def future(**changes: Any) -> dict:
    return (
        swap(
            id="BTC-USDT-240329",
            symbol="BTC/USDT:USDT-240329",
            type="future",
            swap=False,
            future=True,
            expiry=1711699200000,
        )
        | changes
    )


def test_a_future_expires_at_an_aware_utc_moment():
    terms = derive("okx", future())
    assert terms.instrument_type == InstrumentType.FUTURE
    assert terms.expiry == datetime(2024, 3, 29, 8, tzinfo=UTC)
    assert terms.expiry.tzinfo is UTC


def test_an_expiry_on_a_swap_is_refused():
    assert reasons("okx", swap(expiry=1711699200000)) == [
        "expiry: a perpetual market does not expire, but ccxt expiry is 1711699200000 "
        "(2024-03-29T08:00:00+00:00)"
    ]


def test_a_future_must_expire_on_its_symbols_date():
    assert reasons("okx", future(expiry=None)) == [
        "expiry: a future must expire, but ccxt gives no expiry and the info none either"
    ]
    assert reasons("okx", future(expiry=1711612800000)) == [
        "expiry: 2024-03-28T08:00:00+00:00 is not the date 240329 in the symbol "
        "BTC/USDT:USDT-240329"
    ]


def option(**changes: Any) -> dict:
    return (
        future(
            id="BTC-USDT-240329-60000-C",
            symbol="BTC/USDT:USDT-240329-60000-C",
            type="option",
            future=False,
            option=True,
            strike="60000",
            optionType="call",
            contractSize=1,
        )
        | changes
    )


def test_an_option_of_a_venue_with_a_documented_style():
    terms = derive("okx", option())
    assert terms.strike_price == Decimal(60000) and terms.option_type == OptionType.CALL
    assert terms.exercise_style == ExerciseStyle.EUROPEAN


def test_an_option_without_an_exercise_style_fact_is_refused():
    """ccxt does not give the style; binance's is not one documented style."""
    assert reasons("binance", option(precision={"price": 1, "amount": 2})) == [
        "exercise_style: ccxt does not give it, and there is no documented style for every "
        "option of binance (venues with one: bybit, okx)"
    ]


def test_an_option_needs_a_strike_and_a_side_matching_its_symbol():
    assert reasons("okx", option(strike=None, optionType="straddle")) == [
        "option_type: ccxt optionType 'straddle' is not call or put",
        "strike_price: an option must have a strike; ccxt strike is missing",
    ]
    assert reasons("okx", option(strike=70000, optionType="put")) == [
        "strike_price: 70000 is not the strike 60000 in the symbol BTC/USDT:USDT-240329-60000-C",
        "option_type: PUT but the symbol BTC/USDT:USDT-240329-60000-C says C",
    ]


# -- status ------------------------------------------------------------------------------


def with_status(exchange: str, symbol: str, key: str, value: Any, **changes: Any) -> dict:
    market = real(exchange, symbol)
    market["info"][key] = value
    return market | changes


def test_the_venues_status_decides_and_ccxt_active_must_agree():
    halted = with_status("binance", "BTC/USDT", "status", "BREAK", active=False)
    assert derive("binance", halted).status == MarketStatus.HALTED
    shown_active = with_status("binance", "BTC/USDT", "status", "BREAK", active=True)
    assert reasons("binance", shown_active) == [
        "status: ccxt active is true but info.status 'BREAK' means HALTED"
    ]
    settled = with_status("binance", "BTC/USD:BTC", "contractStatus", "DELIVERED", active=False)
    assert derive("binance", settled).status == MarketStatus.DELISTED
    suspended = with_status("okx", "BTC/USDT", "state", "suspend", active=False)
    assert derive("okx", suspended).status == MarketStatus.HALTED


def test_a_gate_contract_being_delisted_is_reduce_only_then_delisted():
    market = real("gate", "BTC/USDT:USDT") | {"maker": -0.0001, "taker": 0.00075}
    market["info"]["status"] = "delisting"
    assert derive("gate", market).status == MarketStatus.REDUCE_ONLY
    market["info"] |= {"status": "trading", "in_delisting": True, "position_size": "0"}
    assert reasons("gate", market) == [
        "status: info.status 'trading' but info.in_delisting is true"
    ]
    del market["info"]["status"]  # ccxt's active, true, is then its default, not gate's
    assert derive("gate", market).status == MarketStatus.DELISTED
    market["info"]["position_size"] = "12"  # positions left: being delisted
    assert derive("gate", market).status == MarketStatus.REDUCE_ONLY


def test_a_status_without_a_market_status_is_refused():
    post_only = with_status("kraken", "BTC/USD", "status", "post_only", active=False)
    assert reasons("kraken", post_only) == [
        "status: info.status 'post_only' has no market status here (known: cancel_only, "
        "delisted, online, reduce_only)"
    ]
    disabled = real("coinbaseexchange", "BTC/USD")
    disabled["info"]["trading_disabled"] = True  # ccxt's active reads status alone
    assert reasons("coinbaseexchange", disabled) == [
        "status: ccxt active is true but info.trading_disabled true means HALTED"
    ]


def test_without_a_venue_status_only_active_true_is_a_status():
    assert derive("binance", binance_spot(active=True)).status == MarketStatus.TRADING
    assert reasons("binance", binance_spot(active=False)) == [
        "status: ccxt active is false and the snapshot has no venue status to tell halted "
        "from delisted"
    ]
    assert reasons("binance", binance_spot(active=None)) == [
        "status: unknown: ccxt active says nothing and the snapshot has no venue status"
    ]


# -- fees, limits, funding, listing ------------------------------------------------------


def test_fees_outside_minus_one_to_five_percent_are_refused():
    assert derive("okx", swap(maker=-0.01, taker=0.05)).taker_fee == Decimal("0.05")
    assert reasons("okx", swap(maker=-0.02, taker=0.1)) == [
        "maker_fee: -0.02 is outside -1 % .. 5 % (ccxt fees are fractions: 0.001 is 0.1 %)",
        "taker_fee: 0.1 is outside -1 % .. 5 % (ccxt fees are fractions: 0.001 is 0.1 %)",
    ]
    assert reasons("okx", swap(percentage=False)) == [
        "maker_fee: ccxt percentage is false: maker 0.0002 is a fixed amount, not a rate",
        "taker_fee: ccxt percentage is false: taker 0.0005 is a fixed amount, not a rate",
    ]


def test_a_fee_in_percent_where_a_fraction_belongs_is_refused():
    """Kraken's info gives its fees in percent (0.26); ccxt's must be 0.0026."""
    market = real("kraken", "BTC/USD") | {"taker": 0.26}
    assert reasons("kraken", market) == [
        "taker_fee: ccxt taker gives 0.26 but info.fees[0] (%) is 0.0026"
    ]


def test_a_minimum_above_the_maximum_is_refused():
    market = binance_spot(limits={"amount": {"min": 10, "max": 1}, "cost": {"min": -5}})
    assert reasons("binance", market) == [
        "min_notional: -5 is negative",
        "min_order_size: 10 is above max_order_size 1",
    ]


def test_the_funding_interval_is_the_venues_for_perpetuals_only():
    assert derive("kucoin", real("kucoin", "BTC/USDT:USDT")).funding_interval_secs == 28800
    assert derive("bybit", real("bybit", "ZRX/USDT:USDT")).funding_interval_secs == 3600
    assert derive("bybit", real("bybit", "BTC/USDT")).funding_interval_secs is None


def test_listed_at_is_ccxt_created():
    assert derive("okx", swap(created=1611916828000)).listed_at == datetime(
        2021, 1, 29, 10, 40, 28, tzinfo=UTC
    )
    assert derive("okx", swap()).listed_at is None


def test_every_reason_is_given_at_once_each_naming_its_term():
    market = swap(
        id=None,
        type="swap",
        linear=None,
        inverse=None,
        precision={"price": 0, "amount": None},
        maker=0.5,
        active=None,
    )
    found = reasons("okx", market)
    assert [reason.split(":", 1)[0] for reason in found] == [
        "venue_symbol",
        "is_inverse",
        "tick_size",
        "lot_size",
        "maker_fee",
        "status",
    ]
    assert reasons("okx", swap(type="margin"))[0].startswith("instrument_type: ccxt type 'margin'")
    with pytest.raises(TermsError, match="expected a ccxt market object, got list"):
        derive("okx", [])  # type: ignore[arg-type]


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    found = []
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, inner in items:
        found.append((*prefix, key))
        if isinstance(inner, dict | list):
            found += _paths(inner, (*prefix, key))
    return found


@pytest.mark.parametrize(
    ("exchange", "symbol"),
    [
        ("binance", "BTC/USD:BTC"),
        ("bitfinex", "BTC/USDT:USDT"),
        ("bybit", "SOL/USDT:USDT-250530-90-P"),
        ("coinbaseexchange", "BTC/USD"),
        ("gate", "BTC/USDT"),
        ("gate", "BTC/USD:BTC"),
        ("kraken", "BTC/USD"),
        ("kucoin", "BTC/USDT:USDT"),
        ("okx", "BTC/USD:BTC-241227-60000-P"),
    ],
)
def test_any_value_out_of_place_gives_terms_or_reasons_never_a_crash(exchange, symbol):
    """Each value of a real market (its info's too) replaced by one of the wrong kind."""
    market = snapshot(exchange)[symbol]
    for path in _paths(market):
        for wrong in (None, "", "x", True, [], {"a": 1}, "NaN", "1e999", -1):
            changed = copy.deepcopy(market)
            inner = changed
            for key in path[:-1]:
                inner = inner[key]
            inner[path[-1]] = wrong
            try:
                derive(exchange, changed)
            except TermsError as error:
                assert error.reasons and all(
                    r.split(":", 1)[0] in {*TERMS, "market"} for r in error.reasons
                ), error.reasons
