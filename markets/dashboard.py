"""What the markets app shows on the admin index (registry.dashboard)."""

from markets.models import Instrument, Market
from registry import dashboard


def register() -> None:
    """Called from MarketsConfig.ready()."""
    dashboard.register_total("Current markets", Market.objects.current(), weight=50)
    dashboard.register_total("Instruments", Instrument.objects.all(), weight=55)
    dashboard.register_event_pages(
        {
            "venue_symbol_": Market,
            "market_": Market,
            "venue_market_": Market,
            "instrument_": Instrument,
        }
    )
