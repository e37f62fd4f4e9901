#!/usr/bin/env python3
"""make bench-import: the full token lists into an empty registry, then again unchanged;
then, with the full chain list, that import order does not change the outcome.

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


def main() -> None:
    results = {}
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
        first, again = result["first"], result["unchanged"]
        print(
            f"{label:<10}{result['tokens']:>8}{first['seconds']:>10.2f}"
            f"{first['tokens_per_second']:>10}{again['seconds']:>10.2f}"
            f"{again['tokens_per_second']:>10}{result['speedup']:>7}  {again['wrote_nothing']}"
        )
    for label, result in results.items():
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
