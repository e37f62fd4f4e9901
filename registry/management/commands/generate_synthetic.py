"""manage.py generate_synthetic: a registry of a given size, for benchmarks.

Every app adds its part of each synthetic asset (registry/synthetic.py): realistic symbol
collisions, a deployment on an EVM chain, one in ten a venue ticker, one in a hundred
an active quality flag. Bulk-inserted in batches (benchmark fixture data, not curation:
no events, and the hot cache is flushed at the end instead of invalidated key by key),
so a million assets take a few minutes.
"""

from django.core.management.base import BaseCommand

from registry.synthetic import generate


class Command(BaseCommand):
    help = "Add N synthetic assets (with deployments, tickers and flags) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--assets", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=20261201)

    def handle(self, *args, assets: int, seed: int, **options) -> None:
        generate(assets, seed=seed, log=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(f"Added {assets} synthetic assets."))
