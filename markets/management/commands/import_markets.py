"""manage.py import_markets --venue VENUE [--exchange CCXT_ID] PATH_OR_URL: a CCXT market
snapshot of one venue becomes its markets and their instruments."""

from django.core.management.base import CommandError

from markets.importers import ccxt
from markets.importers.ccxt_terms import PRECISION_MODES
from registry.importing import ImportCommand
from venues.models import Venue

KNOWN_VENUES_SHOWN = 20


class Command(ImportCommand):
    help = (
        "Import a CCXT market snapshot (load_markets() output: a JSON object keyed by "
        "unified symbol) of one venue: each market's terms are derived and checked against "
        "the venue's own payload (a market whose terms cannot be derived is reported with "
        "its reasons), it lists the instrument of those terms, and each "
        "baseId/quoteId/settleId becomes a venue currency code. Currency codes that match "
        "several assets are reported, never guessed. A current market that lists another "
        "instrument is reported; --overwrite delists it (history is kept) and lists the "
        "symbol anew. --delist-missing delists the venue's markets the snapshot lacks."
    )
    source_kind = "markets"
    importer = ccxt

    def add_source_arguments(self, parser) -> None:
        parser.add_argument(
            "--venue", required=True, help="venue_id of a registered venue, e.g. kraken."
        )
        parser.add_argument(
            "--exchange",
            help="The ccxt exchange id of the snapshot (default: the venue's, e.g. "
            "coinbaseexchange for coinbase, else the venue id). One of: "
            f"{', '.join(sorted(PRECISION_MODES))}.",
        )
        parser.add_argument(
            "--delist-missing",
            action="store_true",
            help="Delist the venue's current markets the snapshot lacks (closed, kept in "
            "history). Without it they are left listed and counted in the report.",
        )
        parser.add_argument("source", metavar="PATH_OR_URL", help="The snapshot's JSON file.")

    def describe_source(self, options: dict) -> str:
        return f"CCXT markets of {options['venue']} ({self.exchange}) from {options['source']}"

    def handle(self, *args, **options) -> None:
        # The venue is named, never guessed: a typo must not import into another venue.
        self.venue = Venue.objects.filter(venue_id=options["venue"]).first()
        if self.venue is None:
            known = list(Venue.objects.values_list("venue_id", flat=True)[:KNOWN_VENUES_SHOWN])
            raise CommandError(
                f"Unknown venue {options['venue']!r}: register it first. Registered venues: "
                f"{', '.join(known) or 'none'}{', …' if len(known) == KNOWN_VENUES_SHOWN else ''}."
            )
        venue_id = self.venue.venue_id
        self.exchange = (options["exchange"] or ccxt.CCXT_EXCHANGES.get(venue_id, venue_id)).lower()
        if self.exchange not in PRECISION_MODES:
            raise CommandError(
                f"--exchange: {self.exchange!r} is not a ccxt exchange whose snapshots the "
                f"importer can read (its precision mode is not known); one of "
                f"{', '.join(sorted(PRECISION_MODES))}. Name it with --exchange when the venue "
                "id is not the ccxt id."
            )
        self.source_kind = f"markets:{venue_id}"  # source "import:markets:<venue>"
        super().handle(*args, **options)

    def plan_options(self, options: dict) -> dict:
        return {
            "venue": self.venue,
            "exchange": self.exchange,
            "overwrite": options["overwrite"],
            "delist_missing": options["delist_missing"],
        }
