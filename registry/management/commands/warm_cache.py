"""manage.py warm_cache: fill the hot-path cache before traffic arrives."""

from django.apps import apps
from django.core.management.base import BaseCommand

from registry import cache

BATCH = 1000


class Command(BaseCommand):
    help = (
        "Replay invalidations left while Redis was away, then load the hot keys: every "
        "current venue ticker, every deployment, every group, and the flags of every asset "
        "with a ticker (--limit caps each family)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, default=None, help="At most this many keys per family."
        )

    def handle(self, *args, limit: int | None, **options) -> None:
        try:
            cache.redis_state.client()
        except (cache.CacheUnavailable, *cache.redis_errors()) as unavailable:
            self.stderr.write(f"Nothing to warm: {unavailable}.")
            return
        # client() has just taken the lease: the invalidations Redis missed are applied.
        VenueSymbol = apps.get_model("venues", "VenueSymbol")
        AssetDeployment = apps.get_model("assets", "AssetDeployment")
        AssetGroup = apps.get_model("assets", "AssetGroup")
        tickers = VenueSymbol.objects.resolvable().order_by("id")
        families = {
            "venue_symbol": (
                {"venue": v, "symbol": s, "market_type": m}
                for v, s, m in tickers.values_list("venue_id", "symbol", "market_type")[:limit]
            ),
            "deployment": (
                {"chain": c, "address": a}
                for c, a in AssetDeployment.objects.resolvable()
                .exclude(address="")
                .order_by("deployment_id")
                .values_list("chain_id", "address")[:limit]
            ),
            "group": (
                {"group": symbol}
                for symbol in AssetGroup.objects.order_by("group_id").values_list(
                    "canonical_symbol", flat=True
                )[:limit]
            ),
            "flags": (
                {"asset": asset_id}
                for asset_id in tickers.order_by("asset_id")
                .values_list("asset_id", flat=True)
                .distinct()[:limit]
            ),
        }
        for lookup_type, requests in families.items():
            lookup = cache.lookup(lookup_type)
            count, chunk = 0, []
            for request in requests:
                chunk.append(request)
                if len(chunk) == BATCH:
                    lookup.resolve(chunk)
                    count, chunk = count + len(chunk), []
            if chunk:
                lookup.resolve(chunk)
                count += len(chunk)
            self.stdout.write(f"{lookup_type}: {count} keys")
