"""Contract terms from one CCXT market: what an execution or risk system needs, derived
right, or refused with every reason.

A CCXT market (a value of ``exchange.load_markets()``, or of a snapshot of it) says what
ccxt made of the venue's payload; the payload itself is kept in ``info``. CCXT users keep
reporting the same mistakes in the first: linear and inverse swapped, contract sizes off
by powers of ten, delisted markets shown as active. ``derive(exchange, market)`` reads
both and returns ``MarketTerms`` only when they agree; otherwise it raises ``TermsError``
with one reason per problem found (all of them, not the first), each naming the term:
"tick_size: ccxt precision.price gives 0.01 but info.filters PRICE_FILTER.tickSize is
0.1".

The rules:

- **Numbers are Decimals**, parsed from their text (``Decimal(str(x))``), never through
  float arithmetic, and compared by value (0.10 is 0.1). A boolean, NaN or infinity
  where a number belongs is refused.
- **Two sources, never silently reconciled.** A term is read from ccxt's unified field
  and, independently, from the venue's raw ``info`` by a reader per venue (below). Both
  present and different: a reason ("contradictory terms"). Only one present: that one.
  Neither, for a term a market must have (tick size, lot size; a contract's multiplier,
  settlement and linear/inverse; a future's expiry; an option's strike and type): a
  reason. Snapshots without ``info`` are derived from the unified fields alone.
- **Precision.** ccxt gives ``precision.price``/``precision.amount`` in the counting mode
  of the exchange class that wrote the snapshot (``PRECISION_MODES``): decimal places
  (2 -> a tick of 0.01), a tick size (0.01) or significant digits (no fixed tick). The
  mode is a property of the ccxt version, so a caller holding a live ccxt exchange passes
  its ``precisionMode`` (``derive(..., precision_mode=exchange.precisionMode)``). A value
  that cannot be of its mode (0.01 as decimal places, 0 as a tick) is refused.
- **Linear, inverse, quanto.** A contract is exactly one of linear and inverse. Inverse
  settles in the base; linear settles in the quote, or is quanto: settled in a currency
  that is neither base nor quote. ccxt's flags are checked against the venue's own
  statement where it makes one (OKX ``ctType``, Bybit ``contractType``, Gate ``type``,
  KuCoin ``isInverse``, the settlement currency Binance and Bybit name), and against the
  settlement currency.
- **Contract multiplier** is ccxt's ``contractSize``, checked against the venue's
  (Binance COIN-M ``contractSize``, OKX ``ctVal`` times ``ctMult``, Gate
  ``quanto_multiplier``, KuCoin ``multiplier``). OKX's is the product: its BTC options
  have ``ctVal`` 1 and ``ctMult`` 0.01, 0.01 BTC a contract, where ccxt says 1.
- **Expiry** (ccxt ``expiry``, milliseconds, as an aware UTC datetime) must exist for a
  future or an option and must not for a spot market or a perpetual; where the symbol
  carries a date (``BTC/USDT:USDT-240329``) it must be the expiry's UTC date.
- **Options.** Strike and call/put come from ccxt and the venue. CCXT does not say the
  exercise style, and a wrong one misprices early exercise, so it is never assumed: it
  comes from ``EXERCISE_STYLES``, a table of venues whose documentation says every
  option they list has that style, each with its source. An option of any other venue is
  refused ("exercise_style: ..."). Binance is not in the table: we found no statement of
  it that all its options have one style (its 2020 in-app options were reported
  American-style; its Vanilla Options FAQ defines both styles).
- **Status.** ccxt's ``active`` is one boolean for what the venue says in many words,
  and some exchange classes set it to a constant (bitfinex: ``True`` for every market).
  The venue's raw status, where the snapshot has it, decides, by a table per venue
  (``_STATUSES``): TRADING (orders accepted), HALTED (no new orders now: suspended,
  paused, not yet open, settling; nothing says it is gone for good), REDUCE_ONLY
  (positions may only be reduced: a delisting in progress), DELISTED (the venue says it
  is closed, settled or delisted). A raw status with no such meaning (Kraken
  ``post_only``, Gate ``sellable``) is refused, as is one ccxt's ``active`` contradicts
  (``active: true`` on a halted market). Without a raw status ``active: true`` is
  TRADING; ``active: false`` (halted or delisted?) and ``active: null`` are refused, and
  so is an ``active`` ccxt made up: bitfinex's constant, and gate's default ``true`` for
  a contract whose info has no status.
- **Fees** (ccxt ``maker``/``taker``) are fractions (0.001 is 0.1 %), checked against the
  venue's where its payload has them (Kraken's and Gate spot's in percent, Gate and
  KuCoin futures' as fractions) and bounded: a rate below -1 % or above 5 % is refused.
- **Limits**: ``limits.amount.min``/``max`` and ``limits.cost.min`` (the minimum order
  value, in the quote currency), checked against the venue's order filters.
- **Funding interval** comes from the venue only (ccxt's market has none): Bybit
  ``fundingInterval`` (minutes), Gate ``funding_interval`` (seconds), KuCoin
  ``fundingRateGranularity`` (milliseconds); perpetuals only.

The module reads no database and imports no model: it is a pure function of its input,
tested against every market of the ccxt snapshots in tests/fixtures/ccxt/.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from markets.choices import ExerciseStyle, InstrumentType, MarketStatus, OptionType
from registry.numbers import exact_normal

# ccxt's counting modes, as its base/functions/number.js numbers them.
DECIMAL_PLACES = 2
SIGNIFICANT_DIGITS = 3
TICK_SIZE = 4
MODE_NAMES = {
    DECIMAL_PLACES: "DECIMAL_PLACES",
    SIGNIFICANT_DIGITS: "SIGNIFICANT_DIGITS",
    TICK_SIZE: "TICK_SIZE",
}


@dataclass(frozen=True)
class PrecisionModes:
    """How an exchange class counts ``precision.price`` and ``precision.amount``."""

    price: int
    amount: int


# The mode each exchange class used for the snapshots we import, read from the class's
# ``'precisionMode'`` in the ccxt npm package (js/src/<exchange>.js), 4.1.61 and 4.5.84:
# - binance: DECIMAL_PLACES until ccxt PR #22811 ("binance - migration to TICK_SIZE",
#   merged June 2024), TICK_SIZE since. The shared binance snapshot is of the first kind
#   (precision.amount 0 for XRP/USDT is no tick size; 2 for BTC/USDT is PRICE_FILTER's
#   0.01). A snapshot from a newer ccxt is derived with precision_mode=TICK_SIZE.
# - bitfinex: SIGNIFICANT_DIGITS (prices have 5 significant digits), but its
#   amountToPrecision counts amounts in DECIMAL_PLACES (8): both versions.
# - bybit, coinbaseexchange (coinbasepro before), gate, kraken, kucoin (and
#   kucoinfutures), okx: TICK_SIZE in both versions.
PRECISION_MODES: dict[str, PrecisionModes] = {
    "binance": PrecisionModes(price=DECIMAL_PLACES, amount=DECIMAL_PLACES),
    "bitfinex": PrecisionModes(price=SIGNIFICANT_DIGITS, amount=DECIMAL_PLACES),
    "bybit": PrecisionModes(price=TICK_SIZE, amount=TICK_SIZE),
    "coinbaseexchange": PrecisionModes(price=TICK_SIZE, amount=TICK_SIZE),
    "gate": PrecisionModes(price=TICK_SIZE, amount=TICK_SIZE),
    "kraken": PrecisionModes(price=TICK_SIZE, amount=TICK_SIZE),
    "kucoin": PrecisionModes(price=TICK_SIZE, amount=TICK_SIZE),
    "okx": PrecisionModes(price=TICK_SIZE, amount=TICK_SIZE),
}
# Exchange classes that count amounts in their own mode whatever precisionMode says
# (bitfinex.js amountToPrecision: DECIMAL_PLACES, "up to 8 decimals").
AMOUNT_MODE_OVERRIDES = {"bitfinex": DECIMAL_PLACES}

# Venues whose every listed option has one exercise style, by their own documentation.
EXERCISE_STYLES: dict[str, tuple[str, str]] = {
    "okx": (
        ExerciseStyle.EUROPEAN,
        "OKX Options Introduction, okx.com/help/360037737011: 'OKX Options are European options'",
    ),
    "bybit": (
        ExerciseStyle.EUROPEAN,
        "Bybit FAQ Options Trading, help.bybit.com/hc/en-us/articles/5551788321049: "
        "'Bybit offers European-style cash settled Options'",
    ),
}

# Exchange classes whose ``active`` is a constant, so says nothing of a market
# (bitfinex.js fetchMarkets: 'active': true for every pair).
ACTIVE_IS_CONSTANT = {"bitfinex"}

MIN_FEE = Decimal("-0.01")  # a 1 % rebate
MAX_FEE = Decimal("0.05")  # 5 %

TYPES = {
    "spot": InstrumentType.SPOT,
    "swap": InstrumentType.PERPETUAL,
    "future": InstrumentType.FUTURE,
    "option": InstrumentType.OPTION,
}
OPTION_TYPES = {"call": OptionType.CALL, "put": OptionType.PUT}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_MS = 253402300799999  # 9999-12-31T23:59:59.999Z, the last moment a datetime holds


@dataclass(frozen=True)
class MarketTerms:
    """The terms of one market of one venue, as an execution or risk system needs them."""

    venue_symbol: str  # ccxt 'id', exactly as the venue spells it
    instrument_type: str  # InstrumentType
    base: str  # unified currency codes
    quote: str
    settle: str | None
    base_id: str | None  # the venue's own codes
    quote_id: str | None
    settle_id: str | None
    is_inverse: bool | None  # None only for SPOT
    is_quanto: bool | None  # None only for SPOT
    contract_multiplier: Decimal | None  # None for SPOT
    expiry: datetime | None  # aware UTC; FUTURE and OPTION only
    strike_price: Decimal | None
    option_type: str | None  # OptionType
    exercise_style: str | None  # ExerciseStyle
    tick_size: Decimal
    lot_size: Decimal
    min_order_size: Decimal | None
    max_order_size: Decimal | None
    min_notional: Decimal | None  # in the quote currency
    maker_fee: Decimal | None  # fractions: 0.001 is 0.1 %
    taker_fee: Decimal | None
    funding_interval_secs: int | None  # PERPETUAL only
    status: str  # MarketStatus
    listed_at: datetime | None  # ccxt 'created'


class TermsError(ValueError):
    """The market's terms cannot be derived; ``reasons`` holds every reason found, each
    starting with the term it concerns ("tick_size: ...")."""

    def __init__(self, reasons: list[str], *, market: str = "") -> None:
        self.reasons = list(reasons)
        self.market = market
        prefix = f"market {market}: " if market else ""
        super().__init__(prefix + "; ".join(self.reasons))


class _Unreadable(ValueError):
    """A value that is not what its field must be (the message says why)."""


def _number(value: Any) -> Decimal | None:
    """A Decimal from a JSON number or numeric string; None for null or ""."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise _Unreadable(f"{value!r} is not a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise _Unreadable(f"{value!r} is not a number") from None
    if not number.is_finite():
        raise _Unreadable(f"{value!r} is not a finite number")
    return number


def _plain(number: Decimal) -> Decimal:
    """The number without trailing zeros, and without an exponent on whole numbers."""
    sign, digits, exponent = exact_normal(number).as_tuple()
    if exponent > 0:  # 1E+2 -> 100, exactly, whatever its size
        return Decimal((sign, digits + (0,) * exponent, 0))
    return Decimal((sign, digits, exponent))


def _places_step(places: Decimal) -> Decimal:
    """The step of a number of decimal places: 2 -> 0.01, 0 -> 1, -1 -> 10."""
    if places != places.to_integral_value():
        raise _Unreadable(f"{_text(places)} is not a whole number of decimal places")
    if not -20 <= places <= 30:
        raise _Unreadable(f"{_text(places)} decimal places is beyond any market's")
    return _plain(Decimal((0, (1,), -int(places))))


def _text(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(_plain(value), "f")
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _milliseconds(value: Any) -> int | None:
    number = _number(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise _Unreadable(f"{value!r} is not a whole number of milliseconds")
    if not 0 <= number <= LATEST_MS:
        raise _Unreadable(f"{value!r} is not a time in milliseconds since 1970")
    return int(number)


def _moment(milliseconds: int) -> datetime:
    return EPOCH + timedelta(milliseconds=milliseconds)


def _a(instrument_type: str) -> str:
    """The instrument type in a sentence: "a future", "an option"."""
    name = instrument_type.lower()
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"


@dataclass(frozen=True)
class Fact:
    """One term as the venue's payload states it, and where it was read."""

    value: Any
    where: str


class VenueFacts:
    """What a venue's raw payload (ccxt's ``info``) says, read without ccxt's help.

    Terms are MarketTerms field names, plus ``settle_id``, ``base_id``, ``quote_id`` and
    ``fractional_contracts`` (whether contract sizes may be fractional). A value the
    payload holds but that cannot be read is a problem, reported as a reason."""

    def __init__(self) -> None:
        self.facts: dict[str, Fact] = {}
        self.problems: list[str] = []

    def get(self, term: str) -> Fact | None:
        return self.facts.get(term)

    def put(self, term: str, value: Any, where: str) -> None:
        if value is not None:
            self.facts[term] = Fact(value, where)

    def number(self, term: str, value: Any, where: str, *, scale: Decimal | None = None) -> None:
        """A number stated by the venue; ``scale`` converts its unit (percent, minutes)."""
        try:
            number = _number(value)
        except _Unreadable as error:
            self.problems.append(f"{term}: {where} {error}")
            return
        if number is not None:
            self.put(term, number * scale if scale is not None else number, where)

    def code(self, term: str, value: Any, where: str) -> None:
        if isinstance(value, str) and value.strip():
            self.put(term, value.strip(), where)

    def places(self, term: str, value: Any, where: str) -> None:
        """A step given as a number of decimal places (Kraken lot_decimals, Gate precision)."""
        try:
            number = _number(value)
        except _Unreadable as error:
            self.problems.append(f"{term}: {where} {error}")
            return
        if number is None:
            return
        try:
            self.put(term, _places_step(number), f"{where} {_text(number)}")
        except _Unreadable as error:
            self.problems.append(f"{term}: {where} {error}")

    def moment(self, term: str, value: Any, where: str, *, unit_ms: int = 1) -> None:
        try:
            number = _milliseconds(value)
        except _Unreadable as error:
            self.problems.append(f"{term}: {where} {error}")
            return
        if number:  # venues write 0 for "none"
            self.put(term, number * unit_ms, where)

    def status(self, value: Any, table: dict[str, str], where: str) -> None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return
        status = table.get(value) if isinstance(value, str) else None
        if status is None:
            known = ", ".join(sorted(table))
            self.problems.append(
                f"status: {where} {value!r} has no market status here (known: {known})"
            )
            return
        self.put("status", status, f"{where} {value!r}")


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _word(value: Any) -> str | None:
    """A text value of the payload, or None (a list or number where a word belongs)."""
    return value if isinstance(value, str) else None


def _is_set(value: Any) -> bool:
    return value is not None and value != ""


# Each venue's statuses (the words of its API documentation), as market statuses.
_TRADING, _HALTED = MarketStatus.TRADING, MarketStatus.HALTED
_REDUCE_ONLY, _DELISTED = MarketStatus.REDUCE_ONLY, MarketStatus.DELISTED
_STATUSES: dict[str, dict[str, str]] = {
    # Spot exchangeInfo symbol status; USD-M "status" and COIN-M "contractStatus".
    "binance": {
        "TRADING": _TRADING,
        "HALT": _HALTED,
        "BREAK": _HALTED,  # also what a delisted spot pair shows, but not only that
        "PRE_TRADING": _HALTED,
        "POST_TRADING": _HALTED,
        "END_OF_DAY": _HALTED,
        "AUCTION_MATCH": _HALTED,
        "PENDING_TRADING": _HALTED,
        "PRE_DELIVERING": _HALTED,
        "DELIVERING": _HALTED,
        "PRE_SETTLE": _HALTED,
        "SETTLING": _HALTED,
        "DELIVERED": _DELISTED,
        "CLOSE": _DELISTED,
    },
    # v5 instruments-info "status".
    "bybit": {
        "Trading": _TRADING,
        "PreLaunch": _HALTED,
        "Delivering": _HALTED,
        "Settling": _HALTED,
        "Closed": _DELISTED,
    },
    # Products "status"; the trading flags are read beside it.
    "coinbaseexchange": {
        "online": _TRADING,
        "offline": _HALTED,
        "delisted": _DELISTED,
    },
    # Spot currency pair "trade_status" (buyable/sellable: one side only, no status here).
    "gate": {"tradable": _TRADING, "untradable": _HALTED},
    # Futures contract "status" (gateapi docs/Contract.md: prelaunch, trading, delisting,
    # delisted, circuit_breaker; delisting_time is "when contract enters reduce-only state").
    "gate-futures": {
        "prelaunch": _HALTED,
        "trading": _TRADING,
        "delisting": _REDUCE_ONLY,
        "delisted": _DELISTED,
        "circuit_breaker": _HALTED,
    },
    # AssetPairs "status" (post_only and limit_only: restricted trading, no status here).
    "kraken": {
        "online": _TRADING,
        "cancel_only": _HALTED,
        "reduce_only": _REDUCE_ONLY,
        "delisted": _DELISTED,
    },
    # Futures contract "status".
    "kucoin": {
        "Open": _TRADING,
        "Init": _HALTED,
        "Paused": _HALTED,
        "CancelOnly": _HALTED,
        "BeingSettled": _HALTED,
        "Settled": _DELISTED,
        "Closed": _DELISTED,
    },
    # Instruments "state".
    "okx": {"live": _TRADING, "suspend": _HALTED, "preopen": _HALTED},
}


def _read_binance(info: Any, facts: VenueFacts) -> None:
    info = _dict(info)
    filters: dict[str, dict] = {}
    raw_filters = info.get("filters")
    for item in raw_filters if isinstance(raw_filters, list) else []:
        if isinstance(item, dict) and isinstance(item.get("filterType"), str):
            filters[item["filterType"]] = item
    price, lot = _dict(filters.get("PRICE_FILTER")), _dict(filters.get("LOT_SIZE"))
    facts.number("tick_size", price.get("tickSize"), "info.filters PRICE_FILTER.tickSize")
    facts.number("lot_size", lot.get("stepSize"), "info.filters LOT_SIZE.stepSize")
    facts.number("min_order_size", lot.get("minQty"), "info.filters LOT_SIZE.minQty")
    facts.number("max_order_size", lot.get("maxQty"), "info.filters LOT_SIZE.maxQty")
    notional, min_notional = _dict(filters.get("NOTIONAL")), _dict(filters.get("MIN_NOTIONAL"))
    if "minNotional" in notional:
        facts.number("min_notional", notional["minNotional"], "info.filters NOTIONAL.minNotional")
    elif "minNotional" in min_notional:  # spot, before NOTIONAL
        where = "info.filters MIN_NOTIONAL.minNotional"
        facts.number("min_notional", min_notional["minNotional"], where)
    elif "notional" in min_notional:  # USD-M futures
        facts.number("min_notional", min_notional["notional"], "info.filters MIN_NOTIONAL.notional")
    facts.number("contract_multiplier", info.get("contractSize"), "info.contractSize")  # COIN-M
    facts.code("base_id", info.get("baseAsset"), "info.baseAsset")
    facts.code("quote_id", info.get("quoteAsset"), "info.quoteAsset")
    margin = info.get("marginAsset")
    facts.code("settle_id", margin, "info.marginAsset")
    if _is_set(margin) and margin == info.get("baseAsset"):
        facts.put("is_inverse", True, f"info.marginAsset {margin} (the base asset)")
    elif _is_set(margin) and margin == info.get("quoteAsset"):
        facts.put("is_inverse", False, f"info.marginAsset {margin} (the quote asset)")
    contract_type = info.get("contractType")
    if contract_type == "PERPETUAL":
        facts.put("instrument_type", InstrumentType.PERPETUAL, "info.contractType 'PERPETUAL'")
    elif contract_type in ("CURRENT_QUARTER", "NEXT_QUARTER", "CURRENT_MONTH", "NEXT_MONTH"):
        facts.put("instrument_type", InstrumentType.FUTURE, f"info.contractType {contract_type!r}")
        facts.moment("expiry", info.get("deliveryDate"), "info.deliveryDate")
    if "contractStatus" in info:
        facts.status(info["contractStatus"], _STATUSES["binance"], "info.contractStatus")
    else:
        facts.status(info.get("status"), _STATUSES["binance"], "info.status")


def _read_okx(info: Any, facts: VenueFacts) -> None:
    info = _dict(info)
    facts.number("tick_size", info.get("tickSz"), "info.tickSz")
    facts.number("lot_size", info.get("lotSz"), "info.lotSz")
    facts.number("min_order_size", info.get("minSz"), "info.minSz")
    facts.number("max_order_size", info.get("maxLmtSz"), "info.maxLmtSz")
    try:
        value, multiplier = _number(info.get("ctVal")), _number(info.get("ctMult"))
    except _Unreadable as error:
        facts.problems.append(f"contract_multiplier: info.ctVal or info.ctMult {error}")
    else:
        if value is not None and multiplier is not None:
            where = f"info.ctVal x info.ctMult ({_text(value)} x {_text(multiplier)})"
            facts.put("contract_multiplier", value * multiplier, where)
        elif value is not None:
            facts.put("contract_multiplier", value, "info.ctVal")
    facts.code("settle_id", info.get("settleCcy"), "info.settleCcy")
    if info.get("instType") == "SPOT":
        facts.code("base_id", info.get("baseCcy"), "info.baseCcy")
        facts.code("quote_id", info.get("quoteCcy"), "info.quoteCcy")
    contract_type = info.get("ctType")
    if contract_type in ("linear", "inverse"):
        facts.put("is_inverse", contract_type == "inverse", f"info.ctType {contract_type!r}")
    types = {
        "SPOT": InstrumentType.SPOT,
        "SWAP": InstrumentType.PERPETUAL,
        "FUTURES": InstrumentType.FUTURE,
        "OPTION": InstrumentType.OPTION,
    }
    instrument_type = types.get(_word(info.get("instType")))
    facts.put("instrument_type", instrument_type, f"info.instType {info.get('instType')!r}")
    if instrument_type in (InstrumentType.FUTURE, InstrumentType.OPTION):
        facts.moment("expiry", info.get("expTime"), "info.expTime")
    if instrument_type == InstrumentType.OPTION:
        facts.number("strike_price", info.get("stk"), "info.stk")
        option_types = {"C": OptionType.CALL, "P": OptionType.PUT}
        facts.put("option_type", option_types.get(_word(info.get("optType"))), "info.optType")
    facts.status(info.get("state"), _STATUSES["okx"], "info.state")


def _read_bybit(info: Any, facts: VenueFacts) -> None:
    info = _dict(info)
    price, lot = _dict(info.get("priceFilter")), _dict(info.get("lotSizeFilter"))
    facts.number("tick_size", price.get("tickSize"), "info.priceFilter.tickSize")
    facts.number("min_order_size", lot.get("minOrderQty"), "info.lotSizeFilter.minOrderQty")
    facts.number("max_order_size", lot.get("maxOrderQty"), "info.lotSizeFilter.maxOrderQty")
    facts.code("base_id", info.get("baseCoin"), "info.baseCoin")
    facts.code("quote_id", info.get("quoteCoin"), "info.quoteCoin")
    contract_types = {
        "LinearPerpetual": (InstrumentType.PERPETUAL, False),
        "InversePerpetual": (InstrumentType.PERPETUAL, True),
        "LinearFutures": (InstrumentType.FUTURE, False),
        "InverseFutures": (InstrumentType.FUTURE, True),
    }
    contract_type = _word(info.get("contractType"))
    settle = info.get("settleCoin")
    if contract_type is None and settle is None:  # spot: its step is basePrecision
        facts.number("lot_size", lot.get("basePrecision"), "info.lotSizeFilter.basePrecision")
        facts.number("min_notional", lot.get("minOrderAmt"), "info.lotSizeFilter.minOrderAmt")
        facts.put("instrument_type", InstrumentType.SPOT, "info (no contractType, no settleCoin)")
    else:
        facts.number("lot_size", lot.get("qtyStep"), "info.lotSizeFilter.qtyStep")
        where = "info.lotSizeFilter.minNotionalValue"
        facts.number("min_notional", lot.get("minNotionalValue"), where)
        facts.code("settle_id", settle, "info.settleCoin")
    if contract_type in contract_types:
        instrument_type, inverse = contract_types[contract_type]
        facts.put("instrument_type", instrument_type, f"info.contractType {contract_type!r}")
        facts.put("is_inverse", inverse, f"info.contractType {contract_type!r}")
    elif info.get("contractType") is not None:
        unknown = info["contractType"]
        facts.problems.append(f"instrument_type: info.contractType {unknown!r} is unknown")
    if "optionsType" in info:
        facts.put("instrument_type", InstrumentType.OPTION, "info.optionsType")
        option_types = {"Call": OptionType.CALL, "Put": OptionType.PUT}
        option_type = option_types.get(_word(info["optionsType"]))
        facts.put("option_type", option_type, "info.optionsType")
        if _is_set(settle) and settle == info.get("baseCoin"):
            facts.put("is_inverse", True, f"info.settleCoin {settle} (the base coin)")
        elif _is_set(settle) and settle == info.get("quoteCoin"):
            facts.put("is_inverse", False, f"info.settleCoin {settle} (the quote coin)")
    if facts.get("instrument_type") and facts.get("instrument_type").value in (
        InstrumentType.FUTURE,
        InstrumentType.OPTION,
    ):
        facts.moment("expiry", info.get("deliveryTime"), "info.deliveryTime")
    facts.number(
        "funding_interval_secs",
        info.get("fundingInterval"),
        "info.fundingInterval (minutes)",
        scale=Decimal(60),
    )
    facts.status(info.get("status"), _STATUSES["bybit"], "info.status")


def _read_gate(info: Any, facts: VenueFacts) -> None:
    info = _dict(info)
    if "trade_status" in info or "amount_precision" in info:  # a spot currency pair
        facts.places("tick_size", info.get("precision"), "info.precision")
        facts.places("lot_size", info.get("amount_precision"), "info.amount_precision")
        facts.number("min_order_size", info.get("min_base_amount"), "info.min_base_amount")
        facts.number("max_order_size", info.get("max_base_amount"), "info.max_base_amount")
        facts.number("min_notional", info.get("min_quote_amount"), "info.min_quote_amount")
        facts.code("base_id", info.get("base"), "info.base")
        facts.code("quote_id", info.get("quote"), "info.quote")
        # One trading fee, in percent; a maker rate beside it where the pair has one.
        percent = Decimal("0.01")
        facts.number("taker_fee", info.get("fee"), "info.fee (%)", scale=percent)
        if _is_set(info.get("maker_fee_rate")):
            where = "info.maker_fee_rate (%)"
            facts.number("maker_fee", info["maker_fee_rate"], where, scale=percent)
        else:
            facts.number("maker_fee", info.get("fee"), "info.fee (%)", scale=percent)
        facts.status(info.get("trade_status"), _STATUSES["gate"], "info.trade_status")
        return
    facts.number("tick_size", info.get("order_price_round"), "info.order_price_round")
    facts.number("min_order_size", info.get("order_size_min"), "info.order_size_min")
    facts.number("max_order_size", info.get("order_size_max"), "info.order_size_max")
    if isinstance(info.get("enable_decimal"), bool):
        facts.put("fractional_contracts", info["enable_decimal"], "info.enable_decimal")
        if not info["enable_decimal"]:
            facts.put("lot_size", Decimal(1), "info.enable_decimal false (whole contracts)")
    multiplier = info.get("quanto_multiplier")
    if multiplier not in ("0", 0):  # "0" on inverse contracts: no multiplier stated
        facts.number("contract_multiplier", multiplier, "info.quanto_multiplier")
    contract_type = info.get("type")
    if contract_type in ("direct", "inverse"):
        facts.put("is_inverse", contract_type == "inverse", f"info.type {contract_type!r}")
    facts.number("maker_fee", info.get("maker_fee_rate"), "info.maker_fee_rate")
    facts.number("taker_fee", info.get("taker_fee_rate"), "info.taker_fee_rate")
    facts.number("funding_interval_secs", info.get("funding_interval"), "info.funding_interval")
    facts.moment("expiry", info.get("expire_time"), "info.expire_time (seconds)", unit_ms=1000)
    facts.status(info.get("status"), _STATUSES["gate-futures"], "info.status")
    if "status" not in info:
        # gate.js reads safeString(market, 'status', 'trading'): active is its default.
        facts.put("active_is_default", True, "info has no status")
    delisting = info.get("in_delisting")
    if delisting is True:
        # gateapi docs/Contract.md: in_delisting with open positions is the delisting
        # transition (reduce only); without, the contract is delisted.
        try:
            positions = _number(info.get("position_size"))
        except _Unreadable:
            positions = None
        meaning = _REDUCE_ONLY if positions is None or positions > 0 else _DELISTED
        status = facts.get("status")
        if status is None:
            facts.put("status", meaning, "info.in_delisting true")
        elif status.value == _TRADING:
            facts.problems.append(f"status: {status.where} but info.in_delisting is true")


def _read_kucoin(info: Any, facts: VenueFacts) -> None:
    info = _dict(info)
    facts.code("base_id", info.get("baseCurrency"), "info.baseCurrency")
    facts.code("quote_id", info.get("quoteCurrency"), "info.quoteCurrency")
    if "baseIncrement" in info or "enableTrading" in info:  # a spot symbol
        facts.number("tick_size", info.get("priceIncrement"), "info.priceIncrement")
        facts.number("lot_size", info.get("baseIncrement"), "info.baseIncrement")
        facts.number("min_order_size", info.get("baseMinSize"), "info.baseMinSize")
        facts.number("max_order_size", info.get("baseMaxSize"), "info.baseMaxSize")
        # minFunds is the minimum order value; quoteMinSize the minimum funds of a
        # market order by funds.
        facts.number("min_notional", info.get("minFunds"), "info.minFunds")
        enabled = info.get("enableTrading")
        if isinstance(enabled, bool):
            status = _TRADING if enabled else _HALTED
            facts.put("status", status, f"info.enableTrading {str(enabled).lower()}")
        return
    facts.number("tick_size", info.get("tickSize"), "info.tickSize")
    facts.number("lot_size", info.get("lotSize"), "info.lotSize")
    facts.number("max_order_size", info.get("maxOrderQty"), "info.maxOrderQty")
    try:
        multiplier = _number(info.get("multiplier"))
    except _Unreadable as error:
        facts.problems.append(f"contract_multiplier: info.multiplier {error}")
    else:  # negative on inverse contracts
        if multiplier is not None:
            facts.put("contract_multiplier", abs(multiplier), "info.multiplier (absolute)")
    if isinstance(info.get("isInverse"), bool):
        facts.put("is_inverse", info["isInverse"], "info.isInverse")
    # isQuanto is not read: "Deprecated field, no actual use of the value field" (KuCoin
    # futures API, Get Symbol); it is true on plain USDT-margined contracts.
    facts.code("settle_id", info.get("settleCurrency"), "info.settleCurrency")
    facts.number("maker_fee", info.get("makerFeeRate"), "info.makerFeeRate")
    facts.number("taker_fee", info.get("takerFeeRate"), "info.takerFeeRate")
    facts.moment("expiry", info.get("expireDate"), "info.expireDate")
    facts.number(
        "funding_interval_secs",
        info.get("fundingRateGranularity"),
        "info.fundingRateGranularity (ms)",
        scale=Decimal("0.001"),
    )
    facts.status(info.get("status"), _STATUSES["kucoin"], "info.status")


def _read_kraken(info: Any, facts: VenueFacts) -> None:
    info = _dict(info)
    if _is_set(info.get("tick_size")):
        facts.number("tick_size", info["tick_size"], "info.tick_size")
    else:
        facts.places("tick_size", info.get("pair_decimals"), "info.pair_decimals")
    facts.places("lot_size", info.get("lot_decimals"), "info.lot_decimals")
    facts.number("min_order_size", info.get("ordermin"), "info.ordermin")
    facts.number("min_notional", info.get("costmin"), "info.costmin")
    facts.code("base_id", info.get("base"), "info.base")
    facts.code("quote_id", info.get("quote"), "info.quote")
    # The first volume tier of the venue's schedules, in percent.
    for term, key in (("taker_fee", "fees"), ("maker_fee", "fees_maker")):
        tiers = info.get(key)
        first = tiers[0] if isinstance(tiers, list) and tiers else None
        if isinstance(first, list) and len(first) == 2:
            facts.number(term, first[1], f"info.{key}[0] (%)", scale=Decimal("0.01"))
    facts.status(info.get("status"), _STATUSES["kraken"], "info.status")


def _read_coinbaseexchange(info: Any, facts: VenueFacts) -> None:
    info = _dict(info)
    facts.number("tick_size", info.get("quote_increment"), "info.quote_increment")
    facts.number("lot_size", info.get("base_increment"), "info.base_increment")
    facts.number("min_order_size", info.get("base_min_size"), "info.base_min_size")
    facts.number("max_order_size", info.get("base_max_size"), "info.base_max_size")
    facts.number("min_notional", info.get("min_market_funds"), "info.min_market_funds")
    facts.code("base_id", info.get("base_currency"), "info.base_currency")
    facts.code("quote_id", info.get("quote_currency"), "info.quote_currency")
    facts.status(info.get("status"), _STATUSES["coinbaseexchange"], "info.status")
    status = facts.get("status")
    if status is None or status.value != _TRADING:
        return
    for flag in ("trading_disabled", "cancel_only"):
        if info.get(flag) is True:
            facts.put("status", _HALTED, f"info.{flag} true")
    for flag in ("post_only", "limit_only", "auction_mode"):
        if info.get(flag) is True:
            facts.problems.append(
                f"status: info.{flag} is true: trading is restricted, and there is no "
                "market status for that"
            )


def _read_bitfinex(info: Any, facts: VenueFacts) -> None:
    # pub:info:pair rows: [?, ?, ?, min order size, max order size, ...]
    if isinstance(info, list) and len(info) > 4:
        facts.number("min_order_size", info[3], "info[3] (minimum order size)")
        facts.number("max_order_size", info[4], "info[4] (maximum order size)")


READERS = {
    "binance": _read_binance,
    "bitfinex": _read_bitfinex,
    "bybit": _read_bybit,
    "coinbaseexchange": _read_coinbaseexchange,
    "gate": _read_gate,
    "kraken": _read_kraken,
    "kucoin": _read_kucoin,
    "okx": _read_okx,
}


def venue_facts(exchange: str, market: dict) -> VenueFacts:
    """What the market's ``info`` says, read by the exchange's reader (nothing without)."""
    facts = VenueFacts()
    reader = READERS.get(exchange.lower())
    info = market.get("info")
    if reader is not None and info is not None:
        reader(info, facts)
    return facts


def derive(exchange: str, market: dict, *, precision_mode: int | None = None) -> MarketTerms:
    """The terms of ``market`` (one ccxt Market of ``exchange``), or TermsError with every
    reason they cannot be derived. ``precision_mode`` is the ccxt exchange's
    ``precisionMode`` when the snapshot came from another ccxt than PRECISION_MODES says."""
    if not isinstance(market, dict):
        raise TermsError([f"market: expected a ccxt market object, got {type(market).__name__}"])
    return _Derivation(exchange.lower(), market, precision_mode).terms()


class _Derivation:
    """One market's derivation; reasons accumulate, and terms() raises them all."""

    def __init__(self, exchange: str, market: dict, precision_mode: int | None) -> None:
        self.exchange = exchange
        self.market = market
        self.precision_mode = precision_mode
        self.reasons: list[str] = []
        self.facts = venue_facts(exchange, market)
        self.reasons.extend(self.facts.problems)

    def refuse(self, reason: str) -> None:
        if reason not in self.reasons:
            self.reasons.append(reason)

    def unified_number(self, term: str, path: str) -> Decimal | None:
        """The number at ``path`` ("limits.amount.min") of the ccxt market."""
        value: Any = self.market
        for key in path.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        try:
            return _number(value)
        except _Unreadable as error:
            self.refuse(f"{term}: ccxt {path} {error}")
            return None

    def agree(self, term: str, unified: Any, unified_where: str) -> Any:
        """The term from ccxt and the venue: equal when both say it, else a reason."""
        fact = self.facts.get(term)
        if fact is None:
            return unified
        if unified is None:
            return fact.value
        if unified != fact.value:
            self.refuse(
                f"{term}: ccxt {unified_where} gives {_text(unified)} but {fact.where} is "
                f"{_text(fact.value)}"
            )
            return None
        return unified

    def terms(self) -> MarketTerms:
        market = self.market
        venue_symbol = market.get("id")
        if not isinstance(venue_symbol, str) or not venue_symbol.strip():
            self.refuse(f"venue_symbol: ccxt id {venue_symbol!r} is missing or not a string")
        instrument_type = self.instrument_type()
        base, quote = self.currency("base", required=True), self.currency("quote", required=True)
        settle = self.currency("settle", required=False)
        base_id = self.currency_id("base")
        quote_id = self.currency_id("quote")
        settle_id = self.currency_id("settle")
        is_inverse, is_quanto = self.linear_inverse(instrument_type, base, quote, settle)
        contract_multiplier = self.contract_multiplier(instrument_type)
        expiry = self.expiry(instrument_type)
        strike_price, option_type, exercise_style = self.option(instrument_type)
        tick_size = self.step("tick_size", "price")
        lot_size = self.step("lot_size", "amount")
        self.check_fractional_contracts(instrument_type, lot_size)
        min_order_size = self.limit("min_order_size", "limits.amount.min")
        max_order_size = self.limit("max_order_size", "limits.amount.max")
        min_notional = self.limit("min_notional", "limits.cost.min")
        if None not in (min_order_size, max_order_size) and min_order_size > max_order_size:
            self.refuse(
                f"min_order_size: {_text(min_order_size)} is above max_order_size "
                f"{_text(max_order_size)}"
            )
        maker_fee, taker_fee = self.fee("maker_fee", "maker"), self.fee("taker_fee", "taker")
        funding_interval_secs = self.funding_interval(instrument_type)
        status = self.status()
        listed_at = self.listed_at()
        if self.reasons:
            name = market.get("symbol") or venue_symbol or ""
            raise TermsError(self.reasons, market=f"{self.exchange} {name}")
        return MarketTerms(
            venue_symbol=venue_symbol,
            instrument_type=instrument_type,
            base=base,
            quote=quote,
            settle=settle,
            base_id=base_id,
            quote_id=quote_id,
            settle_id=settle_id,
            is_inverse=is_inverse,
            is_quanto=is_quanto,
            contract_multiplier=contract_multiplier,
            expiry=expiry,
            strike_price=strike_price,
            option_type=option_type,
            exercise_style=exercise_style,
            tick_size=tick_size,
            lot_size=lot_size,
            min_order_size=min_order_size,
            max_order_size=max_order_size,
            min_notional=min_notional,
            maker_fee=maker_fee,
            taker_fee=taker_fee,
            funding_interval_secs=funding_interval_secs,
            status=status,
            listed_at=listed_at,
        )

    # -- what the market is -------------------------------------------------------------

    def instrument_type(self) -> str | None:
        raw = self.market.get("type")
        instrument_type = TYPES.get(raw) if isinstance(raw, str) else None
        if instrument_type is None:
            self.refuse(f"instrument_type: ccxt type {raw!r} is not one of {', '.join(TYPES)}")
            return None
        for flag in TYPES:
            value = self.market.get(flag)
            if isinstance(value, bool) and value != (flag == raw):
                self.refuse(f"instrument_type: ccxt type is {raw!r} but its flag {flag} is {value}")
        contract = self.market.get("contract")
        if isinstance(contract, bool) and contract != (raw != "spot"):
            self.refuse(
                f"instrument_type: ccxt type is {raw!r} but its flag contract is {contract}"
            )
        fact = self.facts.get("instrument_type")
        if fact is not None and fact.value != instrument_type:
            self.refuse(
                f"instrument_type: ccxt type {raw!r} is {instrument_type} but {fact.where} "
                f"is {fact.value}"
            )
        return instrument_type

    def currency(self, role: str, *, required: bool) -> str | None:
        value = self.market.get(role)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            self.refuse(f"{role}: ccxt {role} {value!r} is missing or not a currency code")
            return None
        return value

    def currency_id(self, role: str) -> str | None:
        value = self.market.get(f"{role}Id")
        if value is not None and not isinstance(value, str):
            self.refuse(f"{role}: ccxt {role}Id {value!r} is not a string")
            return None
        fact = self.facts.get(f"{role}_id")
        if fact is not None and value is not None and fact.value != value:
            self.refuse(f"{role}: ccxt {role}Id is {value!r} but {fact.where} is {fact.value!r}")
        return value

    def linear_inverse(
        self, instrument_type: str | None, base: str | None, quote: str | None, settle: str | None
    ) -> tuple[bool | None, bool | None]:
        linear, inverse = self.market.get("linear"), self.market.get("inverse")
        for name, value in (("linear", linear), ("inverse", inverse)):
            if value is not None and not isinstance(value, bool):
                self.refuse(f"is_inverse: ccxt {name} {value!r} is not true, false or null")
                return None, None
        if instrument_type == InstrumentType.SPOT:
            if linear or inverse:
                self.refuse(
                    f"is_inverse: a spot market, but ccxt says linear={linear}, inverse={inverse}"
                )
            if settle is not None:
                self.refuse(f"settle: a spot market settles nothing, but ccxt settle is {settle}")
            return None, None
        if instrument_type is None:
            return None, None
        unified = None
        if isinstance(linear, bool) and isinstance(inverse, bool):
            if linear == inverse:
                self.refuse(
                    f"is_inverse: ccxt says linear={str(linear).lower()} and "
                    f"inverse={str(inverse).lower()}; a contract is exactly one of them"
                )
                return None, None
            unified = inverse
        elif isinstance(inverse, bool):
            unified = inverse
        elif isinstance(linear, bool):
            unified = not linear
        is_inverse = self.agree("is_inverse", unified, f"inverse={str(inverse).lower()}")
        if is_inverse is None:
            if unified is None and self.facts.get("is_inverse") is None:
                self.refuse(
                    "is_inverse: ccxt gives linear=null and inverse=null, and the venue's "
                    "info does not say"
                )
            return None, None
        if settle is None:
            self.refuse("settle: a contract must name its settlement currency (ccxt settle)")
            return is_inverse, None
        fact = self.facts.get("settle_id")
        settle_id = self.market.get("settleId")
        if fact is not None and isinstance(settle_id, str) and fact.value != settle_id:
            self.refuse(
                f"settle: ccxt settleId is {settle_id!r} but {fact.where} is {fact.value!r}"
            )
        is_quanto = settle not in (base, quote)
        if is_inverse and settle != base:
            self.refuse(
                f"is_inverse: an inverse contract settles in its base {base}, but this one "
                f"settles in {settle}"
            )
        if not is_inverse and settle == base and base != quote:
            self.refuse(
                f"is_inverse: a linear contract settles in its quote {quote} (or, quanto, in "
                f"a third currency), but this one settles in its base {base}: inverse?"
            )
        return is_inverse, is_quanto

    def contract_multiplier(self, instrument_type: str | None) -> Decimal | None:
        unified = self.unified_number("contract_multiplier", "contractSize")
        if instrument_type == InstrumentType.SPOT:
            if unified is not None:
                self.refuse(
                    f"contract_multiplier: a spot market has none, but ccxt contractSize is "
                    f"{_text(unified)}"
                )
            return None
        if instrument_type is None:
            return None
        multiplier = self.agree("contract_multiplier", unified, "contractSize")
        if multiplier is None:
            if unified is None and self.facts.get("contract_multiplier") is None:
                self.refuse("contract_multiplier: neither ccxt contractSize nor the info gives it")
            return None
        if multiplier <= 0:
            self.refuse(f"contract_multiplier: {_text(multiplier)} is not positive")
            return None
        return _plain(multiplier)

    def expiry(self, instrument_type: str | None) -> datetime | None:
        try:
            unified = _milliseconds(self.market.get("expiry"))
        except _Unreadable as error:
            self.refuse(f"expiry: ccxt expiry {error}")
            return None
        dated = instrument_type in (InstrumentType.FUTURE, InstrumentType.OPTION)
        if not dated:
            if unified is not None and instrument_type is not None:
                self.refuse(
                    f"expiry: {_a(instrument_type)} market does not expire, but ccxt "
                    f"expiry is {unified} ({_moment(unified).isoformat()})"
                )
            return None
        milliseconds = self.agree("expiry", unified, "expiry")
        if milliseconds is None:
            if unified is None and self.facts.get("expiry") is None:
                self.refuse(
                    f"expiry: {_a(instrument_type)} must expire, but ccxt "
                    "gives no expiry and the info none either"
                )
            return None
        expiry = _moment(milliseconds)
        symbol_date = self.symbol_part(1)
        if symbol_date is not None and symbol_date != expiry.strftime("%y%m%d"):
            self.refuse(
                f"expiry: {expiry.isoformat()} is not the date {symbol_date} in the symbol "
                f"{self.market.get('symbol')}"
            )
        return expiry

    def symbol_part(self, index: int) -> str | None:
        """A part of the unified symbol after the settlement: 1 date, 2 strike, 3 C/P."""
        symbol = self.market.get("symbol")
        if not isinstance(symbol, str) or ":" not in symbol:
            return None
        parts = symbol.split(":", 1)[1].split("-")
        return parts[index] if len(parts) > index else None

    def option(self, instrument_type: str | None) -> tuple[Decimal | None, str | None, str | None]:
        strike = self.unified_number("strike_price", "strike")
        raw_type = self.market.get("optionType")
        if instrument_type != InstrumentType.OPTION:
            if instrument_type is not None and (strike is not None or raw_type is not None):
                self.refuse(
                    f"strike_price: {_a(instrument_type)} market has no strike or option "
                    f"type, but ccxt gives strike {strike} and optionType {raw_type!r}"
                )
            return None, None, None
        unified_type = None
        if raw_type is not None:
            unified_type = OPTION_TYPES.get(raw_type) if isinstance(raw_type, str) else None
            if unified_type is None:
                self.refuse(f"option_type: ccxt optionType {raw_type!r} is not call or put")
        strike = self.agree("strike_price", strike, "strike")
        option_type = self.agree("option_type", unified_type, "optionType")
        if strike is None and self.facts.get("strike_price") is None:
            self.refuse("strike_price: an option must have a strike; ccxt strike is missing")
        elif strike is not None and strike <= 0:
            self.refuse(f"strike_price: {_text(strike)} is not positive")
            strike = None
        if strike is not None and self.symbol_part(2) not in (None, _text(strike)):
            self.refuse(
                f"strike_price: {_text(strike)} is not the strike {self.symbol_part(2)} "
                f"in the symbol {self.market.get('symbol')}"
            )
        if option_type is None and raw_type is None and self.facts.get("option_type") is None:
            self.refuse("option_type: an option is a call or a put; ccxt optionType is missing")
        letter = self.symbol_part(3)
        if option_type is not None and letter is not None and letter != option_type[0]:
            self.refuse(
                f"option_type: {option_type} but the symbol "
                f"{self.market.get('symbol')} says {letter}"
            )
        fact = EXERCISE_STYLES.get(self.exchange)
        if fact is None:
            known = ", ".join(sorted(EXERCISE_STYLES))
            self.refuse(
                f"exercise_style: ccxt does not give it, and there is no documented style for "
                f"every option of {self.exchange} (venues with one: {known})"
            )
            return (_plain(strike) if strike is not None else None), option_type, None
        return (_plain(strike) if strike is not None else None), option_type, fact[0]

    # -- how it trades --------------------------------------------------------------------

    def precision_modes(self) -> PrecisionModes | None:
        if self.precision_mode is not None:
            if self.precision_mode not in MODE_NAMES:
                self.refuse(
                    f"tick_size: precision_mode {self.precision_mode!r} is not a ccxt "
                    "counting mode (2, 3 or 4)"
                )
                return None
            amount = AMOUNT_MODE_OVERRIDES.get(self.exchange, self.precision_mode)
            return PrecisionModes(price=self.precision_mode, amount=amount)
        return PRECISION_MODES.get(self.exchange)

    def step(self, term: str, key: str) -> Decimal | None:
        """tick_size (precision.price) or lot_size (precision.amount), in its counting mode."""
        reasons_before = len(self.reasons)
        value = self.unified_number(term, f"precision.{key}")
        unified, missing = None, f"neither ccxt precision.{key} nor the info gives it"
        modes = self.precision_modes()
        if value is not None and modes is None and self.precision_mode is None:
            missing = f"the precision mode of {self.exchange} is not known (pass precision_mode)"
        elif value is not None and modes is not None:
            mode = modes.price if key == "price" else modes.amount
            where = f"ccxt precision.{key} {_text(value)} ({MODE_NAMES[mode]})"
            if mode == TICK_SIZE and value > 0:
                unified = value
            elif mode == TICK_SIZE:
                self.refuse(f"{term}: {where} is not a positive tick size")
            elif mode == DECIMAL_PLACES and value != value.to_integral_value():
                self.refuse(
                    f"{term}: {where} is not a whole number of decimal places (a snapshot of "
                    "a ccxt counting in TICK_SIZE? pass precision_mode)"
                )
            elif mode == DECIMAL_PLACES:
                try:
                    unified = _places_step(value)
                except _Unreadable as error:
                    self.refuse(f"{term}: ccxt precision.{key} {error}")
            else:
                missing = f"{where}: the step depends on the number, so there is no single one"
        step = self.agree(term, unified, f"precision.{key}")
        if step is None:
            if len(self.reasons) == reasons_before:
                self.refuse(f"{term}: {missing}")
            return None
        if step <= 0:
            self.refuse(f"{term}: {_text(step)} is not positive")
            return None
        return _plain(step)

    def check_fractional_contracts(self, instrument_type: str | None, lot: Decimal | None) -> None:
        fact = self.facts.get("fractional_contracts")
        if fact is None or lot is None or instrument_type == InstrumentType.SPOT:
            return
        if fact.value and lot >= 1:
            self.refuse(
                f"lot_size: {_text(lot)} contract(s), but {fact.where} is true: the venue takes "
                "fractional contracts, and the info gives no step"
            )
        elif not fact.value and lot != lot.to_integral_value():
            self.refuse(f"lot_size: {_text(lot)}, but {fact.where} is false (whole contracts)")

    def limit(self, term: str, path: str) -> Decimal | None:
        unified = self.unified_number(term, path)
        value = self.agree(term, unified, path)
        if value is not None and value < 0:
            self.refuse(f"{term}: {_text(value)} is negative")
            return None
        return _plain(value) if value is not None else None

    def fee(self, term: str, key: str) -> Decimal | None:
        unified = self.unified_number(term, key)
        if unified is not None and self.market.get("percentage") is False:
            self.refuse(
                f"{term}: ccxt percentage is false: {key} {_text(unified)} is a fixed "
                "amount, not a rate"
            )
            return None
        fee = self.agree(term, unified, key)
        if fee is not None and not MIN_FEE <= fee <= MAX_FEE:
            self.refuse(
                f"{term}: {_text(fee)} is outside -1 % .. 5 % (ccxt fees are fractions: 0.001 "
                "is 0.1 %)"
            )
            return None
        return _plain(fee) if fee is not None else None

    def funding_interval(self, instrument_type: str | None) -> int | None:
        fact = self.facts.get("funding_interval_secs")
        if fact is None or instrument_type != InstrumentType.PERPETUAL:
            return None
        seconds = fact.value
        if seconds <= 0 or seconds != seconds.to_integral_value():
            self.refuse(f"funding_interval_secs: {fact.where} gives {_text(seconds)} seconds")
            return None
        return int(seconds)

    def status(self) -> str | None:
        active = self.market.get("active")
        if active is not None and not isinstance(active, bool):
            self.refuse(f"status: ccxt active {active!r} is not true, false or null")
            return None
        default = self.exchange in ACTIVE_IS_CONSTANT or self.facts.get("active_is_default")
        if default:
            active = None  # ccxt's constant or default, not the venue's word
        if any(reason.startswith("status:") for reason in self.facts.problems):
            return None  # the venue said a status, and it has no market status
        fact = self.facts.get("status")
        if fact is not None:
            if active is True and fact.value in (_HALTED, _DELISTED):
                self.refuse(f"status: ccxt active is true but {fact.where} means {fact.value}")
                return None
            if active is False and fact.value == _TRADING:
                self.refuse(f"status: ccxt active is false but {fact.where} means TRADING")
                return None
            return fact.value
        if active is True:
            return _TRADING
        if active is False:
            self.refuse(
                "status: ccxt active is false and the snapshot has no venue status to tell "
                "halted from delisted"
            )
            return None
        because = ""
        if self.exchange in ACTIVE_IS_CONSTANT:
            because = " (ccxt sets it to true for every market)"
        elif default:
            because = " (ccxt's default where the info has no status)"
        self.refuse(
            f"status: unknown: ccxt active says nothing{because} and the snapshot has no "
            "venue status"
        )
        return None

    def listed_at(self) -> datetime | None:
        try:
            created = _milliseconds(self.market.get("created"))
        except _Unreadable as error:
            self.refuse(f"listed_at: ccxt created {error}")
            return None
        if created is None or created <= 0:
            return None
        return _moment(created)
