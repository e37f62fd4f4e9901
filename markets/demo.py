"""Demo markets: the venues' spot tickers (binance, coinbase, kraken), and binance's
derivatives: a linear and an inverse perpetual imported from a real ccxt snapshot, a
dated future and an option registered by their terms.

The perpetuals are binance's ETH/USDT:USDT and BTC/USD:BTC exactly as the shared ccxt
snapshot has them (``fixtures/demo-binance-ccxt.json``), loaded through the importer, so
the quick start shows what an import derives. No shared snapshot has a future or an
option that derives and is still to expire (their contracts expired in 2023-2025, or
their terms are refused), and an expired contract is delisted by the expiry sweep, so
the future and the option are registered through markets.services with the terms binance
lists such contracts with, expiring in March 2027.
"""

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from assets.choices import IdentifierSource
from assets.demo import demo_asset
from markets.choices import ExerciseStyle, InstrumentType, MarketStatus, OptionType
from markets.importers import ccxt
from markets.models import Market
from markets.services import instrument_get_or_create, market_create, venue_symbol_create
from registry.actors import acting_as, current_actor
from registry.demo import DemoLog, register_demo_loader
from registry.importing import ImportReport, run_import
from venues.models import Venue

# (venue, ticker, market type, base, quote or None for fiat). A fiat quote is noted in
# metadata, as the venue-ticker API takes it: the market lists the spot pair of the base
# and that currency's FIAT asset. binance's perpetuals come from the snapshot below.
DEMO_VENUE_SYMBOLS = [
    ("binance", "BTCUSDT", InstrumentType.SPOT, "bitcoin", "tether", None),
    ("binance", "ETHUSDT", InstrumentType.SPOT, "ethereum", "tether", None),
    ("coinbase", "BTC-USD", InstrumentType.SPOT, "bitcoin", None, "USD"),
    ("coinbase", "ETH-USD", InstrumentType.SPOT, "ethereum", None, "USD"),
    ("kraken", "XXBTZUSD", InstrumentType.SPOT, "bitcoin", None, "USD"),
    ("kraken", "XETHZUSD", InstrumentType.SPOT, "ethereum", None, "USD"),
]
DEMO_SNAPSHOT = Path(__file__).resolve().parent / "fixtures" / "demo-binance-ccxt.json"
EXPIRY = datetime(2027, 3, 26, 8, tzinfo=UTC)  # binance's quarterly: the last Friday, 08:00 UTC
# (ticker, instrument terms beyond the underlying BTC, the quote and settlement USDT,
# trading rules): binance's USDⓈ-M quarterly future and a European call.
DEMO_DATED = [
    (
        "BTCUSDT_270326",
        {"instrument_type": InstrumentType.FUTURE},
        {"tick_size": Decimal("0.1"), "lot_size": Decimal("0.001"), "min_notional": Decimal("5")},
    ),
    (
        "BTC-270326-100000-C",
        {
            "instrument_type": InstrumentType.OPTION,
            "strike_price": Decimal("100000"),
            "option_type": OptionType.CALL,
            "exercise_style": ExerciseStyle.EUROPEAN,
        },
        {"tick_size": Decimal("5"), "lot_size": Decimal("0.01")},
    ),
]


def _load_venue_symbols(log: DemoLog) -> int:
    created = 0
    for venue_id, ticker, market_type, base_id, quote_id, fiat_quote in DEMO_VENUE_SYMBOLS:
        base = demo_asset(IdentifierSource.COINGECKO, base_id)
        quote = demo_asset(IdentifierSource.COINGECKO, quote_id) if quote_id else None
        if base is None or (quote_id and quote is None):
            continue
        if (
            Market.objects.current()
            .filter(venue_id=venue_id, venue_symbol=ticker, market_type=market_type)
            .exists()
        ):
            continue
        venue_symbol_create(
            venue=Venue.objects.get(venue_id=venue_id),
            symbol=ticker,
            market_type=market_type,
            asset=base,
            quote_asset=quote,
            metadata={"quote_currency": fiat_quote} if fiat_quote else {},
        )
        log(f"venue symbol {venue_id}:{ticker} ({market_type})")
        created += 1
    return created


def _load_perpetuals(log: DemoLog, binance: Venue) -> dict[str, int]:
    """binance's linear and inverse perpetual, through the importer: a second load finds
    them unchanged and writes nothing."""
    report = ImportReport(source="demo")
    with acting_as(current_actor(), source="import:markets:binance"):
        run_import(ccxt, json.loads(DEMO_SNAPSHOT.read_text()), report=report, venue=binance)
    for change in report.changes:
        if change.action == "create":
            log(f"{change.entity} {change.item}")
    return {
        "instruments": report.created["instruments"],
        "markets": report.created["markets"],
    }


def _load_dated(log: DemoLog, binance: Venue) -> dict[str, int]:
    created = {"instruments": 0, "markets": 0}
    btc = demo_asset(IdentifierSource.COINGECKO, "bitcoin")
    usdt = demo_asset(IdentifierSource.COINGECKO, "tether")
    if btc is None or usdt is None:
        return created
    for ticker, terms, rules in DEMO_DATED:
        instrument, made = instrument_get_or_create(
            underlying_asset=btc,
            quote_asset=usdt,
            settlement_asset=usdt,
            is_inverse=False,
            is_quanto=False,
            contract_multiplier=Decimal("1"),
            expiry=EXPIRY,
            **terms,
        )
        if made:
            log(f"instrument {instrument.code}")
            created["instruments"] += 1
        listed = Market.objects.filter(venue=binance, venue_symbol=ticker)
        if listed.filter(market_type=terms["instrument_type"]).exists():
            continue  # listed, or delisted by a steward or the expiry sweep: left so
        market_create(
            venue=binance,
            venue_symbol=ticker,
            instrument=instrument,
            status=MarketStatus.TRADING,
            metadata={"demo": "terms as binance lists such contracts; not from a snapshot"},
            **rules,
        )
        log(f"market binance:{ticker} ({instrument.code})")
        created["markets"] += 1
    return created


def load_demo_markets(log: DemoLog) -> dict[str, int]:
    created = {"venue symbols": _load_venue_symbols(log)}
    binance = Venue.objects.filter(venue_id="binance").first()
    if binance is None:
        return created
    for part in (_load_perpetuals(log, binance), _load_dated(log, binance)):
        for entity, count in part.items():
            created[entity] = created.get(entity, 0) + count
    return created


def register() -> None:
    register_demo_loader("markets", load_demo_markets)
