"""The assets of a synthetic registry (registry.synthetic), each with one deployment.

Symbols are mostly a long tail, with a Zipf share of popular ones, so popular symbols
collide the way "USDC" and "ETH" do in real lists (collisions are reported, never
merged); every asset has one canonical deployment on a synthetic EVM chain.
"""

import string
import uuid

from eth_utils import to_checksum_address

from assets.choices import AssetType
from assets.models import Asset, AssetDeployment
from chains.synthetic import SYNTHETIC_CHAIN_IDS
from registry.synthetic import SyntheticItem, SyntheticStep, register_synthetic_step

POPULAR = ["USDC", "USDT", "ETH", "WETH", "WBTC", "DAI", "SOL", "LINK", "UNI", "AAVE", "ARB", "OP"]


class SyntheticAssets(SyntheticStep):
    """Leaves on each item its ``asset`` and its ``number`` (counting every asset the
    registry had before, so names stay unique across runs)."""

    def prepare(self) -> None:
        rng = self.run.rng
        self.start = Asset.all_objects.count()
        # Long-tail symbols of 3-5 letters (they collide now and then, as in real lists),
        # plus a Zipf share of popular ones: about 1 asset in 200 copies a popular symbol,
        # so a million assets hold ~1,600 "USDC"s, like the fakes real chains are full of.
        long_tail = [
            "".join(rng.choices(string.ascii_uppercase, k=rng.randint(3, 5)))
            for _ in range(self.run.size // 3 + 1)
        ]
        self.vocabulary = POPULAR + long_tail
        zipf = [1 / (rank + 1) ** 1.1 for rank in range(len(POPULAR))]
        self.weights = [0.005 * weight / sum(zipf) for weight in zipf]
        self.weights += [0.995 / len(long_tail)] * len(long_tail)

    def start_batch(self, size: int) -> None:
        symbols = self.run.rng.choices(self.vocabulary, weights=self.weights, k=size)
        self.symbols = iter(symbols)

    def rows(self, item: SyntheticItem) -> list:
        rng, now = self.run.rng, self.run.now
        symbol = next(self.symbols)
        item.number = self.start + item.index
        item.asset = Asset(
            asset_id=uuid.uuid4(),
            symbol=symbol,
            name=f"{symbol} Token {item.number}",
            asset_type=AssetType.ERC20,
            created_at=now,
            updated_at=now,
        )
        address = to_checksum_address(f"0x{rng.getrandbits(160):040x}")
        deployment = AssetDeployment(
            asset=item.asset,
            chain_id=rng.choice(SYNTHETIC_CHAIN_IDS),
            address=address,
            decimals=18,
            is_canonical=True,
            created_at=now,
            updated_at=now,
        )
        return [item.asset, deployment]


def register() -> None:
    register_synthetic_step("assets", SyntheticAssets)
