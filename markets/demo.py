"""Demo markets: the venues' tickers (binance, coinbase, kraken)."""

from assets.choices import IdentifierSource
from assets.demo import demo_asset
from markets.choices import InstrumentType
from markets.models import Market
from markets.services import venue_symbol_create
from registry.demo import DemoLog, register_demo_loader
from venues.models import Venue

# (venue, ticker, market type, base, quote or None for fiat). The fiat quote is kept in
# metadata: fiat currencies are not registry assets.
DEMO_VENUE_SYMBOLS = [
    ("binance", "BTCUSDT", InstrumentType.SPOT, "bitcoin", "tether", None),
    ("binance", "ETHUSDT", InstrumentType.SPOT, "ethereum", "tether", None),
    ("binance", "BTCUSDT", InstrumentType.PERPETUAL, "bitcoin", "tether", None),
    ("coinbase", "BTC-USD", InstrumentType.SPOT, "bitcoin", None, "USD"),
    ("coinbase", "ETH-USD", InstrumentType.SPOT, "ethereum", None, "USD"),
    ("kraken", "XXBTZUSD", InstrumentType.SPOT, "bitcoin", None, "USD"),
    ("kraken", "XETHZUSD", InstrumentType.SPOT, "ethereum", None, "USD"),
]


def load_demo_markets(log: DemoLog) -> dict[str, int]:
    created = {"venue symbols": 0}
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
        created["venue symbols"] += 1
    return created


def register() -> None:
    register_demo_loader("markets", load_demo_markets)
