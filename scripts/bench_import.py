#!/usr/bin/env python3
"""make bench-import: the eight CCXT market snapshots into the demo registry, then again
unchanged; the full token lists into an empty registry, then again unchanged; then,
with the full chain list, that import order does not change the outcome.

Markets: a fresh database with the demo data, the snapshots' other venues and the
currencies the demo lacks (registered first, untimed), then `import_markets` of each
snapshot; the seconds are the commands' own (Django's start-up excluded), summed over
the eight, beside the floor the same run measures: the PostgreSQL time of inserting as
many instrument and market rows with no checks, events or history (one INSERT … SELECT
each). BENCH_IMPORT_ONLY=markets runs that part alone.

For each list (the Solana registry's 13,644 tokens, the Uniswap default list's 1,723):
a fresh benchmark database, `import_tokenlist --create-chains` (the first import, into
an empty registry), then the same command again (nothing to change). The command
reports its own time (Django's start-up excluded); this prints tokens per second of
both runs, their ratio, and checks that the second run wrote nothing. Then, per list,
`import_chains` (the full chains.json) before the list and after it, each into a fresh
database: the assets and deployments (chains named by CAIP-2 id) must be the same.
Results go to var/bench/import.json.

Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/
cqar_bench_import, dropped and recreated per run), BENCH_REDIS_URL (default
redis://127.0.0.1:6379/14, flushed), BENCH_TOKENLISTS (the directory of the lists),
BENCH_CHAINS (the chain list, default the datasets' chains/chains.json).
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cqar_bench_import"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
LISTS = Path(os.environ.get("BENCH_TOKENLISTS", ROOT.parent / "shared" / "datasets" / "tokenlists"))
CHAINS = Path(
    os.environ.get("BENCH_CHAINS", ROOT.parent / "shared" / "datasets" / "chains" / "chains.json")
)
# Every asset with its deployments, chains named by CAIP-2 id (slugs depend on the order).
ASSETS_BY_CAIP2 = """
    SELECT a.symbol || '|' || a.name || '|' || a.asset_type || '|'
           || string_agg(n.node, ',' ORDER BY n.node)
    FROM assets_asset a
    JOIN (
        SELECT d.asset_id,
               CASE WHEN c.chain_type = 'EVM' THEN 'eip155:' || c.network_id
                    ELSE lower(c.chain_type) || ':' || c.caip2_reference END
               || '/' || lower(d.address) || '/' || d.decimals || '/' || d.is_native AS node
        FROM assets_assetdeployment d JOIN chains_chain c ON c.chain_id = d.chain_id
    ) n ON n.asset_id = a.asset_id
    GROUP BY a.asset_id
    ORDER BY 1
"""
MARKETS = Path(
    os.environ.get("BENCH_MARKETS", ROOT.parent / "shared" / "datasets" / "ccxt-markets")
)
# venue_id -> the snapshot's exchange: the demo has binance, coinbase and kraken.
MARKET_VENUES = {
    "binance": "binance",
    "bitfinex": "bitfinex",
    "bybit": "bybit",
    "coinbase": "coinbaseexchange",
    "gate": "gate",
    "kraken": "kraken",
    "kucoin": "kucoin",
    "okx": "okx",
}
# What the snapshots trade that the demo registry does not hold (created untimed).
MARKET_CURRENCIES = ("ADA", "LTC", "XRP", "DOGE", "TRX", "ZRX", "SUSHI", "SOL", "DOT", "LINK")
MARKETS_SETUP = """
from assets.services import asset_create
from assets.models import Asset
from venues.models import Venue
from venues.services import venue_create
for venue_id in {venues!r}:
    if not Venue.objects.filter(pk=venue_id).exists():
        venue_create(venue_id=venue_id, name=venue_id.title(), venue_type="CEX")
for code in {codes!r}:
    if not Asset.objects.filter(symbol_key=code).exists():
        asset_create(symbol=code, name=code, asset_type="NATIVE")
"""
TARGET_MARKETS_FIRST_SECONDS = 2.0
TARGET_MARKETS_AGAIN_SECONDS = 0.5
OUT = ROOT / "var" / "bench" / "import.json"
TARGET_ROWS_PER_SECOND = 5000
TARGET_SPEEDUP = 3

ENV = {
    key: value
    for key, value in os.environ.items()
    if key not in {"NATS_URL", "CELERY_BROKER_URL", "CELERY_QUEUE"}
}
ENV.update(DATABASE_URL=DATABASE_URL, REDIS_URL=REDIS_URL, LOG_LEVEL="ERROR", DEBUG="false")
ENV.setdefault("SECRET_KEY", secrets.token_urlsafe(50))


def psql(sql: str, database: str = "postgres") -> str:
    url = urlsplit(DATABASE_URL)._replace(path=f"/{database}").geturl()
    result = subprocess.run(["psql", url, "-qAtc", sql], check=True, capture_output=True, text=True)
    return result.stdout.strip()


def manage(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=ENV, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def fresh_database() -> None:
    name = urlsplit(DATABASE_URL).path.strip("/")
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{name}"')
    manage("migrate", "--noinput")
    parts = urlsplit(REDIS_URL)
    subprocess.run(
        [
            "redis-cli",
            "-h",
            parts.hostname,
            "-p",
            str(parts.port or 6379),
            "-n",
            parts.path.strip("/") or "0",
            "FLUSHDB",
        ],
        check=False,
        capture_output=True,
    )


def written() -> dict[str, int]:
    name = urlsplit(DATABASE_URL).path.strip("/")
    tables = {
        "assets": "assets_asset",
        "deployments": "assets_assetdeployment",
        "events": "registry_outboxevent",
        "asset_versions": "assets_asset",
    }
    counts = {}
    for label, table in tables.items():
        column = "sum(version)" if label == "asset_versions" else "count(*)"
        counts[label] = int(psql(f"SELECT coalesce({column}, 0) FROM {table}", name) or 0)
    return counts


def run(path: Path) -> dict:
    output = manage("import_tokenlist", str(path), "--create-chains", "--json", "--no-progress")
    return json.loads(output)


def assets_by_caip2() -> list[str]:
    return psql(ASSETS_BY_CAIP2, urlsplit(DATABASE_URL).path.strip("/")).splitlines()


def order_check(path: Path) -> dict:
    """The list after the chains, and before them: the same assets and deployments?"""
    outcomes = []
    for order in (("chains", "list"), ("list", "chains")):
        fresh_database()
        for step in order:
            if step == "chains":
                manage("import_chains", str(CHAINS), "--no-progress")
            else:
                run(path)
        outcomes.append(assets_by_caip2())
    return {"assets": len(outcomes[0]), "same_either_order": outcomes[0] == outcomes[1]}


def import_markets(venue_id: str) -> dict:
    exchange = MARKET_VENUES[venue_id]
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "import_markets",
            "--venue",
            venue_id,
            "--exchange",
            exchange,
            str(MARKETS / f"{exchange}.json"),
            "--json",
            "--no-progress",
        ],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
    )
    if not result.stdout.strip():
        raise SystemExit(f"import_markets {venue_id} printed no report:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout)


def markets_bench() -> dict:
    fresh_database()
    manage("load_demo")
    manage("shell", "-c", MARKETS_SETUP.format(venues=list(MARKET_VENUES), codes=MARKET_CURRENCIES))
    database = urlsplit(DATABASE_URL).path.strip("/")
    before = psql("SELECT count(*) FROM markets_market", database)
    first = {venue: import_markets(venue) for venue in MARKET_VENUES}
    rows = int(psql("SELECT count(*) FROM markets_market", database)) - int(before)
    counts = psql(
        "SELECT (SELECT count(*) FROM markets_market) || ',' || "
        "(SELECT count(*) FROM registry_outboxevent)",
        database,
    )
    again = {venue: import_markets(venue) for venue in MARKET_VENUES}
    counts_again = psql(
        "SELECT (SELECT count(*) FROM markets_market) || ',' || "
        "(SELECT count(*) FROM registry_outboxevent)",
        database,
    )
    # The floor: as many instrument and market rows written with nothing around them.
    floor_ms = float(
        psql(
            "CREATE TEMP TABLE i (LIKE markets_instrument INCLUDING DEFAULTS); "
            "CREATE TEMP TABLE m (LIKE markets_market INCLUDING DEFAULTS); "
            "EXPLAIN (ANALYZE, FORMAT JSON) "
            f"WITH x AS (INSERT INTO i SELECT * FROM markets_instrument LIMIT {max(rows, 1)} "
            "RETURNING 1) INSERT INTO m SELECT * FROM markets_market "
            f"LIMIT {max(rows, 1)}",
            database,
        )
        .split('"Execution Time": ')[1]
        .split()[0]
        .rstrip(",}")
    )
    return {
        "markets_written": rows,
        "first_seconds": round(sum(r["seconds"] for r in first.values()), 3),
        "again_seconds": round(sum(r["seconds"] for r in again.values()), 3),
        "rejected": {venue: len(r["rejected"]) for venue, r in first.items()},
        "again_wrote_nothing": counts == counts_again,
        "floor_seconds": round(floor_ms / 1000, 4),
    }


def report_markets(result: dict) -> None:
    print(
        f"\nmarkets: eight snapshots, {result['markets_written']} markets written in "
        f"{result['first_seconds']:.2f} s (target < {TARGET_MARKETS_FIRST_SECONDS} s; floor, "
        f"the rows alone: {result['floor_seconds']:.3f} s); again, unchanged: "
        f"{result['again_seconds']:.2f} s (target < {TARGET_MARKETS_AGAIN_SECONDS} s), wrote "
        f"nothing: {result['again_wrote_nothing']}; rejected per venue: {result['rejected']}"
    )


def main() -> None:
    results = {"markets": markets_bench()}
    report_markets(results["markets"])
    if os.environ.get("BENCH_IMPORT_ONLY") == "markets":
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(json.dumps(results, indent=2))
        return
    for label, filename in (
        ("solana", "solana.tokenlist.json"),
        ("uniswap", "uniswap-default.tokenlist.json"),
    ):
        path = LISTS / filename
        if not path.is_file():
            raise SystemExit(f"{path} is missing; set BENCH_TOKENLISTS to the lists' directory")
        fresh_database()
        first = run(path)
        after_first = written()
        again = run(path)
        after_again = written()
        results[label] = {
            "tokens": first["items"],
            "first": {
                "seconds": first["seconds"],
                "tokens_per_second": first["items_per_second"],
                "created": first["created"],
                "rejected": len(first["rejected"]),
            },
            "unchanged": {
                "seconds": again["seconds"],
                "tokens_per_second": again["items_per_second"],
                "created": again["created"],
                "updated": again["updated"],
                "wrote_nothing": after_again == after_first,
            },
            "speedup": round(first["seconds"] / again["seconds"], 2),
        }
    if not CHAINS.is_file():
        raise SystemExit(f"{CHAINS} is missing; set BENCH_CHAINS to the chain list")
    for label, filename in (
        ("solana", "solana.tokenlist.json"),
        ("uniswap", "uniswap-default.tokenlist.json"),
    ):
        results[label]["order"] = order_check(LISTS / filename)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2))
    print(
        f"\n{'list':<10}{'tokens':>8}{'first s':>10}{'tokens/s':>10}{'again s':>10}"
        f"{'tokens/s':>10}{'ratio':>7}  second run wrote nothing"
    )
    for label, result in results.items():
        if label == "markets":
            continue
        first, again = result["first"], result["unchanged"]
        print(
            f"{label:<10}{result['tokens']:>8}{first['seconds']:>10.2f}"
            f"{first['tokens_per_second']:>10}{again['seconds']:>10.2f}"
            f"{again['tokens_per_second']:>10}{result['speedup']:>7}  {again['wrote_nothing']}"
        )
    for label, result in results.items():
        if label == "markets":
            continue
        order = result["order"]
        print(
            f"{label}: chains then list, and list then chains: {order['assets']} assets, "
            f"the same either order: {order['same_either_order']}"
        )
    print(
        f"(targets: first import >= {TARGET_ROWS_PER_SECOND} tokens/s, unchanged >= "
        f"{TARGET_SPEEDUP}x faster; written to {OUT.relative_to(ROOT)})"
    )


if __name__ == "__main__":
    main()
