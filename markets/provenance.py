"""The facts of markets (venue tickers are markets) whose source is recorded
(registry.provenance): the trading rules an exchange publishes and what the market is."""

from markets.models import Market
from registry import provenance

MARKET_FIELDS = (
    "venue_symbol",
    "instrument",
    "tick_size",
    "lot_size",
    "min_order_size",
    "max_order_size",
    "min_notional",
    "maker_fee",
    "taker_fee",
    "funding_interval_secs",
    "status",
    "listed_at",
    "delisted_at",
)


def register() -> None:
    provenance.track(Market, MARKET_FIELDS)
