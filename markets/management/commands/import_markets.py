"""manage.py import_markets --venue VENUE PATH_OR_URL: a CCXT market snapshot of one venue."""

from django.core.management.base import CommandError
from venues.importers import ccxt

from registry.importing import ImportCommand
from venues.models import Venue

KNOWN_VENUES_SHOWN = 20


class Command(ImportCommand):
    help = (
        "Import a CCXT market snapshot (load_markets() output: a JSON object keyed by "
        "unified symbol) of one venue: each market becomes a venue ticker mapped to its "
        "base and quote asset, each baseId/quoteId/settleId a venue currency code. "
        "Currency codes that match several assets are reported, never guessed. A current "
        "ticker that means another asset is reported; --overwrite delists it (history is "
        "kept) and maps the ticker anew."
    )
    source_kind = "markets"
    importer = ccxt

    def add_source_arguments(self, parser) -> None:
        parser.add_argument(
            "--venue", required=True, help="venue_id of a registered venue, e.g. kraken."
        )
        parser.add_argument("source", metavar="PATH_OR_URL", help="The snapshot's JSON file.")

    def describe_source(self, options: dict) -> str:
        return f"CCXT markets of {options['venue']} from {options['source']}"

    def handle(self, *args, **options) -> None:
        # The venue is named, never guessed: a typo must not import into another venue.
        self.venue = Venue.objects.filter(venue_id=options["venue"]).first()
        if self.venue is None:
            known = list(Venue.objects.values_list("venue_id", flat=True)[:KNOWN_VENUES_SHOWN])
            raise CommandError(
                f"Unknown venue {options['venue']!r}: register it first. Registered venues: "
                f"{', '.join(known) or 'none'}{', …' if len(known) == KNOWN_VENUES_SHOWN else ''}."
            )
        self.source_kind = f"markets:{self.venue.venue_id}"  # source "import:markets:<venue>"
        super().handle(*args, **options)

    def plan_options(self, options: dict) -> dict:
        return {"venue": self.venue, "overwrite": options["overwrite"]}
