"""The starting corpus of each target: small cuts of the fixture samples (a few items
each, so mutations stay fast), hand-made samples where no fixture exists, and the kept
crashing inputs of tests/fuzz/regressions/<target>/."""

import json
from pathlib import Path

FUZZ = Path(__file__).resolve().parent
FIXTURES = FUZZ.parent / "fixtures"
REGRESSIONS = FUZZ / "regressions"
ITEMS_PER_SEED = 3

# Per target (tests/fuzz/targets.py), the fixture files its corpus starts from.
FIXTURE_SEEDS: dict[str, tuple[str, ...]] = {
    "json_source": ("chains-sample.json",),
    "token_list": ("tokenlist-broken.json", "solana-sample.tokenlist.json"),
    "chain_list": ("chains-sample.json",),
    "ccxt_markets": tuple(f"ccxt/{name}.json" for name in ("binance", "kraken", "okx", "bybit")),
    "csv_table": (),
    "page_token": (),
}
TARGET_NAMES = tuple(FIXTURE_SEEDS)

CSV_SAMPLES = (
    b"asset_id,symbol,name,asset_type\n,USDC,USD Coin,ERC20\n,WETH,Wrapped Ether,ERC20\n",
    b'\xef\xbb\xbfsymbol,name\n"US""DC","a, quoted\nname"\n',
    b"chain,address,decimals\nethereum,0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48,6\n",
)
PAGE_TOKENS = (
    b"eyJvIjpbInN5bWJvbF9rZXkiLCJhc3NldF9pZCJdLCJrIjpbIlVTREMiLCIwIl19",
    b"eyJvIjpbImlkIl0sImsiOlsxXX0",
)


def _cut(value):
    """A few items of a list, a token list or a keyed snapshot."""
    if isinstance(value, list):
        return value[:ITEMS_PER_SEED]
    if isinstance(value, dict) and isinstance(value.get("tokens"), list):
        return {**value, "tokens": value["tokens"][:ITEMS_PER_SEED]}
    if isinstance(value, dict):
        return dict(list(value.items())[:ITEMS_PER_SEED])
    return value


def seeds(target: str) -> list[bytes]:
    found: list[bytes] = []
    for name in FIXTURE_SEEDS[target]:
        data = _cut(json.loads((FIXTURES / name).read_text(encoding="utf-8")))
        encoded = json.dumps(data, ensure_ascii=False).encode()
        # ccxt_markets reads its first byte as the exchange to read the snapshot as.
        found.append(b"\x00" + encoded if target == "ccxt_markets" else encoded)
    if target == "csv_table":
        found += CSV_SAMPLES
    if target == "page_token":
        found += PAGE_TOKENS
    return found + kept_inputs(target)


def kept_inputs(name: str) -> list[bytes]:
    folder = REGRESSIONS / name
    return [path.read_bytes() for path in sorted(folder.glob("*"))] if folder.is_dir() else []
