"""manage.py generate_synthetic: a registry of a given size, for benchmarks.

Symbols are mostly a long tail, with a Zipf share of popular ones, so popular symbols
collide the way "USDC" and "ETH" do in real lists (collisions are reported, never merged);
every asset has one deployment on an EVM chain, one in ten a venue ticker, one in a
hundred an active quality flag. Chains and the venue go through their services; the
assets and what hangs off them are bulk-inserted in batches (benchmark fixture data, not
curation: no events, and the hot cache is flushed at the end instead of invalidated
key by key), so a million assets take a few minutes.
"""

import random
import string
import uuid

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone
from eth_utils import to_checksum_address

from registry import cache

BATCH = 5000
POPULAR = ["USDC", "USDT", "ETH", "WETH", "WBTC", "DAI", "SOL", "LINK", "UNI", "AAVE", "ARB", "OP"]
SYNTHETIC_CHAINS = 8


class Command(BaseCommand):
    help = "Add N synthetic assets (with deployments, tickers and flags) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--assets", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=20261201)

    def handle(self, *args, assets: int, seed: int, **options) -> None:
        rng = random.Random(seed)
        Chain = apps.get_model("chains", "Chain")
        Asset = apps.get_model("assets", "Asset")
        Deployment = apps.get_model("assets", "AssetDeployment")
        Venue = apps.get_model("venues", "Venue")
        VenueSymbol = apps.get_model("venues", "VenueSymbol")
        Flag = apps.get_model("quality", "AssetQualityFlag")
        start = Asset.all_objects.count()
        from chains.services import chain_create
        from venues.services import venue_create

        chains = []
        for index in range(SYNTHETIC_CHAINS):
            chain_id = f"synthetic-{index}"
            if not Chain.objects.filter(pk=chain_id).exists():
                chain_create(
                    chain_id=chain_id,
                    name=f"Synthetic {index}",
                    chain_type="EVM",
                    network_id=990_000 + index,
                )
            chains.append(chain_id)
        venue = Venue.objects.filter(pk="synthetic-exchange").first() or venue_create(
            venue_id="synthetic-exchange", name="Synthetic Exchange", venue_type="CEX"
        )
        # Long-tail symbols of 3-5 letters (they collide now and then, as in real lists),
        # plus a Zipf share of popular ones: about 1 asset in 200 copies a popular symbol,
        # so a million assets hold ~1,600 "USDC"s, like the fakes real chains are full of.
        long_tail = [
            "".join(rng.choices(string.ascii_uppercase, k=rng.randint(3, 5)))
            for _ in range(assets // 3 + 1)
        ]
        vocabulary = POPULAR + long_tail
        zipf = [1 / (rank + 1) ** 1.1 for rank in range(len(POPULAR))]
        weights = [0.005 * weight / sum(zipf) for weight in zipf]
        weights += [0.995 / len(long_tail)] * len(long_tail)
        now = timezone.now()
        made = 0
        while made < assets:
            size = min(BATCH, assets - made)
            symbols = rng.choices(vocabulary, weights=weights, k=size)
            rows, deployments, tickers, flags = [], [], [], []
            for offset, symbol in enumerate(symbols):
                number = start + made + offset
                asset = Asset(
                    asset_id=uuid.uuid4(),
                    symbol=symbol,
                    name=f"{symbol} Token {number}",
                    asset_type="ERC20",
                    created_at=now,
                    updated_at=now,
                )
                rows.append(asset)
                address = to_checksum_address(f"0x{rng.getrandbits(160):040x}")
                deployments.append(
                    Deployment(
                        asset=asset,
                        chain_id=rng.choice(chains),
                        address=address,
                        decimals=18,
                        is_canonical=True,
                        created_at=now,
                        updated_at=now,
                    )
                )
                if number % 10 == 0:
                    tickers.append(
                        VenueSymbol(
                            venue=venue,
                            symbol=f"{symbol}{number}USDT",
                            asset=asset,
                            created_at=now,
                            updated_at=now,
                        )
                    )
                if number % 100 == 0:
                    flags.append(
                        Flag(
                            asset=asset,
                            flag_type="UNVERIFIED",
                            severity=rng.randint(1, 5),
                            reason="synthetic",
                            source="synthetic",
                            raised_at=now,
                            created_at=now,
                            updated_at=now,
                        )
                    )
            with transaction.atomic():
                Asset.objects.bulk_create(rows)
                Deployment.objects.bulk_create(deployments)
                VenueSymbol.objects.bulk_create(tickers)
                Flag.objects.bulk_create(flags)
            made += size
            if made % 100_000 == 0 or made == assets:
                self.stdout.write(f"{made} assets")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh statistics, so plans match the new size
        # Bulk rows are not invalidated one by one: collision counts of existing answers
        # changed, so the hot cache starts over.
        flushed = cache.flush_hot_keys()
        self.stdout.write(f"flushed {flushed} hot cache keys")
        self.stdout.write(self.style.SUCCESS(f"Added {assets} synthetic assets."))
