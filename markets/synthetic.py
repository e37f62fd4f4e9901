"""The markets of a synthetic registry (registry.synthetic): one asset in ten is traded
on a synthetic exchange, as a spot ticker whose quote is not known (like a ticker mapped
through the venue-ticker API without one)."""

import uuid

from markets.choices import InstrumentType
from markets.models import Instrument, Market
from registry.synthetic import SyntheticItem, SyntheticStep, register_synthetic_step
from venues.choices import VenueType
from venues.models import Venue
from venues.services import venue_create

SYNTHETIC_VENUE_ID = "synthetic-exchange"


class SyntheticTickers(SyntheticStep):
    def prepare(self) -> None:
        """The synthetic exchange, through the service, unless an earlier run made it."""
        self.venue = Venue.objects.filter(pk=SYNTHETIC_VENUE_ID).first() or venue_create(
            venue_id=SYNTHETIC_VENUE_ID, name="Synthetic Exchange", venue_type=VenueType.CEX
        )

    def rows(self, item: SyntheticItem) -> list:
        if item.number % 10:
            return []
        instrument_id = uuid.uuid4()
        instrument = Instrument(
            instrument_id=instrument_id,
            instrument_type=InstrumentType.SPOT,
            code=f"{item.asset.symbol.upper()}-UNKNOWN-{instrument_id.hex[:8].upper()}",
            underlying_asset=item.asset,
            terms_complete=False,
            created_at=self.run.now,
            updated_at=self.run.now,
        )
        market = Market(
            venue=self.venue,
            venue_symbol=f"{item.asset.symbol}{item.number}USDT",
            instrument=instrument,
            created_at=self.run.now,
            updated_at=self.run.now,
        )
        return [instrument, market]


def register() -> None:
    register_synthetic_step("markets", SyntheticTickers)
