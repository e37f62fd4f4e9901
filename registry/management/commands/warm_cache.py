"""manage.py warm_cache: fill the hot-path cache before traffic arrives."""

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
        # Each app names the requests of its lookups (registry.cache.register_warm_up).
        for warm_up in cache.warm_ups():
            lookup = cache.lookup(warm_up.lookup_type)
            count, chunk = 0, []
            for request in warm_up.requests(limit):
                chunk.append(request)
                if len(chunk) == BATCH:
                    lookup.resolve(chunk)
                    count, chunk = count + len(chunk), []
            if chunk:
                lookup.resolve(chunk)
                count += len(chunk)
            self.stdout.write(f"{warm_up.lookup_type}: {count} keys")
