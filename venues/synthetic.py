"""The tickers of a synthetic registry (registry.synthetic): one asset in ten is
traded on a synthetic exchange."""

from registry.synthetic import SyntheticItem, SyntheticStep, register_synthetic_step
from venues.choices import VenueType
from venues.models import Venue, VenueSymbol
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
        ticker = VenueSymbol(
            venue=self.venue,
            symbol=f"{item.asset.symbol}{item.number}USDT",
            asset=item.asset,
            created_at=self.run.now,
            updated_at=self.run.now,
        )
        return [ticker]


def register() -> None:
    register_synthetic_step("venues", SyntheticTickers)
