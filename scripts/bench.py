#!/usr/bin/env python3
"""make bench: the hot paths against a floor, on the real stack.

Builds a benchmark database (demo data + synthetic assets), starts gunicorn with its
production configuration (DEBUG off, token auth on) against PostgreSQL and Redis, and
drives it with wrk on loopback: every hot lookup and a floor (a bare Django view
returning constant bytes, on the same server) at 1 and 16 connections. Then batch,
search (at two registry sizes), aggregation and uncached latencies from a Python
client, and point-in-time lookups (as_of, known_at) against the uncached ones, at both
sizes, after giving the registry some history. Prints a table and writes
var/bench/results.json.

Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/cqar_bench,
dropped and recreated), BENCH_REDIS_URL (default redis://127.0.0.1:6379/14, flushed),
BENCH_LARGE (assets for the large run, default 1000000), BENCH_SECONDS (per wrk run,
default 5), BENCH_PORT (default 8765).
"""

import datetime as dt
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PORT = int(os.environ.get("BENCH_PORT", 8765))
SECONDS = int(os.environ.get("BENCH_SECONDS", 5))
SMALL = 10_000
LARGE = int(os.environ.get("BENCH_LARGE", 1_000_000))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cqar_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")

ENV = {
    **os.environ,
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "SECURE_SSL_REDIRECT": "false",  # wrk speaks plain HTTP
    "BENCH_FLOOR": "true",
    "LOG_LEVEL": "ERROR",
    "GUNICORN_BIND": f"127.0.0.1:{PORT}",
}


def manage(*args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=ENV, check=True, capture_output=True, text=True
    )
    return result.stdout


def psql(sql: str) -> None:
    parts = urlsplit(DATABASE_URL)
    admin = parts._replace(path="/postgres").geturl()
    subprocess.run(["psql", admin, "-qc", sql], check=True, capture_output=True)


def redis_cli(*args: str) -> str:
    parts = urlsplit(REDIS_URL)
    db = parts.path.strip("/") or "0"
    command = ["redis-cli", "-h", parts.hostname, "-p", str(parts.port or 6379), "-n", db, *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing wrk (Debian package) ...")
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False, capture_output=True)
        found = shutil.which("wrk")
    if not found:
        sys.exit("make bench needs wrk: apt-get install wrk (or put it on PATH).")
    return found


class Server:
    def __enter__(self):
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "config/gunicorn.py", "config.wsgi"],
            cwd=ROOT,
            env=ENV,
            start_new_session=True,
        )
        for _ in range(100):
            try:
                request("GET", "/bench/floor")
                return self
            except OSError:
                time.sleep(0.2)
        sys.exit("gunicorn did not start")

    def __exit__(self, *exc):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


TOKEN = ""


def request(method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    headers = {"Authorization": f"Token {TOKEN}"} if TOKEN else {}
    if body is not None:
        headers["Content-Type"] = "application/json"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, data


def timed(method: str, path: str, body: bytes | None = None) -> float:
    started = time.perf_counter()
    status, _ = request(method, path, body)
    elapsed = (time.perf_counter() - started) * 1000
    if status >= 500:
        raise RuntimeError(f"{path}: {status}")
    return elapsed


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summary(values: list[float]) -> dict:
    return {
        "p50_ms": round(statistics.median(values), 3),
        "p90_ms": round(percentile(values, 0.90), 3),
        "p99_ms": round(percentile(values, 0.99), 3),
        "samples": len(values),
    }


WRK_SCRIPT = """
local paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i], {["Authorization"] = "Token %(token)s"})
end
"""

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(paths: list[str], connections: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        path_file = Path(folder) / "paths.txt"
        path_file.write_text("\n".join(paths) + "\n")
        script = Path(folder) / "script.lua"
        script.write_text(WRK_SCRIPT % {"paths": path_file, "token": TOKEN})
        threads = 1 if connections == 1 else 2
        command = [
            WRK,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{SECONDS}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{PORT}",
        ]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result = {"connections": connections}
    for share in ("50", "90", "99"):
        match = re.search(rf"^\s+{share}%\s+([\d.]+)(us|ms|s)$", output, re.M)
        result[f"p{share}_ms"] = round(float(match.group(1)) * UNITS[match.group(2)], 3)
    result["requests_per_s"] = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result["non_2xx"] = int(errors.group(1)) if errors else 0
    return result


def zipf_sample(items: list[str], count: int, exponent: float = 1.1) -> list[str]:
    weights = [1 / (rank + 1) ** exponent for rank in range(len(items))]
    return random.Random(7).choices(items, weights=weights, k=count)


def redis_hits() -> tuple[int, int]:
    info = redis_cli("INFO", "stats")
    hits = int(re.search(r"keyspace_hits:(\d+)", info).group(1))
    misses = int(re.search(r"keyspace_misses:(\d+)", info).group(1))
    return hits, misses


def build(size: int, fresh: bool) -> None:
    if fresh:
        psql(f"DROP DATABASE IF EXISTS {urlsplit(DATABASE_URL).path.strip('/')}")
        psql(f"CREATE DATABASE {urlsplit(DATABASE_URL).path.strip('/')}")
        manage("migrate", "--noinput")
        manage("load_demo")
    print(f"generating synthetic assets up to {size:,} ...", flush=True)
    have = orm()[0].all_objects.count()
    if size > have:
        manage("generate_synthetic", "--assets", str(size - have))
    HISTORY.append(give_history())
    redis_cli("FLUSHDB")


def orm():
    """Django in this process, on the benchmark database, to list what to ask for."""
    import django

    os.environ.update(ENV)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.db import connection

    connection.close()  # reconnect: the database may have been recreated
    from assets.models import Asset, AssetDeployment
    from markets.models import VenueSymbol

    return Asset, AssetDeployment, VenueSymbol


def ticker_path(venue: str, symbol: str, market_type: str) -> tuple[str, str]:
    from markets.lookups import ticker_key

    query = urlencode({"venue": venue, "symbol": symbol, "market_type": market_type})
    return "/api/v1/resolve/venue-symbol/?" + query, ticker_key(venue, symbol, market_type)


def deployment_path(chain: str, address: str) -> tuple[str, str]:
    from assets.lookups import deployment_key

    query = urlencode({"chain": chain, "address": address.lower()})
    return "/api/v1/resolve/deployment/?" + query, deployment_key(chain, address)


def pretrade_path(asset_id) -> tuple[str, str]:
    from quality.lookups import flags_key

    return "/api/v1/resolve/pretrade/?" + urlencode({"asset": str(asset_id)}), flags_key(asset_id)


def hot_paths() -> dict[str, list[tuple[str, str]]]:
    """(path, cache key) of every hot lookup to drive, by lookup."""
    _, AssetDeployment, VenueSymbol = orm()
    from markets.lookups import instrument_code_key

    tickers = VenueSymbol.objects.resolvable().values_list(
        "venue_id", "venue_symbol", "market_type"
    )
    codes = list(
        VenueSymbol.objects.resolvable()
        .values_list("instrument__code", flat=True)
        .distinct()[:20000]
    )
    deployments = (
        AssetDeployment.objects.resolvable()
        .exclude(address="")
        .filter(chain__chain_type="EVM")
        .values_list("chain_id", "address", "asset_id")
    )
    tickers, deployments = list(tickers[:20000]), list(deployments[:20000])
    return {
        "venue_ticker": [ticker_path(*ticker) for ticker in tickers],
        "instrument": [
            ("/api/v1/resolve/instrument/?" + urlencode({"code": code}), instrument_code_key(code))
            for code in codes
        ],
        "deployment": [deployment_path(chain, address) for chain, address, _ in deployments],
        "pretrade": [pretrade_path(asset_id) for _, _, asset_id in deployments],
    }


# Point in time (#18). Each build gives the rows it added some history, and notes what it
# touched and when it started (a known_at before the corrections).
HISTORY: list[dict] = []
HISTORY_SHARE = 100  # one row in a hundred
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
LISTED_AT = NOW - dt.timedelta(days=3 * 365)  # the re-pointed tickers' first listing
REPOINTED_AT = NOW - dt.timedelta(days=180)  # ... and when they were re-pointed
YEAR_AGO = NOW - dt.timedelta(days=365)  # inside the old listing, and the past flags


def one_in(column: str, share: int, remainder: int = 0) -> str:
    """SQL choosing one row in ``share`` by a hash of ``column`` (for QuerySet.extra)."""
    return f"abs(hashtext({column}::text)) %% {share} = {remainder}"


def give_history() -> dict:
    """History for the rows the last build added (those created since the previous call):
    one ticker in a hundred re-pointed (its market delisted 180 days ago after three years,
    a new market of another asset listed then), one deployment in a hundred with its
    decimals corrected, one asset in a hundred with a flag raised 400 days ago and resolved
    200 days ago, and one active flag in ten resolved 30 days ago (its raised_at moved to
    500 days ago). Bulk statements: PostgreSQL's history triggers record them as any
    write. Returns the time before the writes and the paths of the rows touched."""
    Asset, AssetDeployment, _ = orm()
    from django.db import connection, transaction
    from django.db.models import Case, Value, When

    from markets.choices import MarketStatus
    from markets.models import Instrument, Market
    from quality.choices import FlagType
    from quality.models import AssetQualityFlag

    since = HISTORY[-1]["before"] if HISTORY else dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    print("giving the new rows some history ...", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        before = cursor.fetchone()[0]
    started = time.perf_counter()
    with transaction.atomic():
        old = list(
            Market.objects.filter(
                created_at__gt=since, delisted_at__isnull=True, listed_at__isnull=True
            )
            .extra(where=[one_in("markets_market.id", HISTORY_SHARE)])
            .select_related("instrument")
        )
        Market.objects.filter(pk__in=[m.pk for m in old]).update(
            listed_at=LISTED_AT, delisted_at=REPOINTED_AT, status=MarketStatus.DELISTED
        )
        underlying = [m.instrument.underlying_asset_id for m in old]
        instruments, markets = [], []
        for market, asset_id in zip(old, underlying[1:] + underlying[:1], strict=True):
            instrument = Instrument(
                instrument_type=market.instrument.instrument_type,
                underlying_asset_id=asset_id,
                terms_complete=False,
            )
            instrument.code = f"REPOINTED-{instrument.instrument_id.hex[:12].upper()}"
            instruments.append(instrument)
            markets.append(
                Market(
                    venue_id=market.venue_id,
                    venue_symbol=market.venue_symbol,
                    market_type=market.market_type,
                    instrument=instrument,
                    listed_at=REPOINTED_AT,
                )
            )
        Instrument.objects.bulk_create(instruments)
        Market.objects.bulk_create(markets)

        corrected = list(
            AssetDeployment.objects.filter(created_at__gt=since)
            .exclude(address="")
            .extra(where=[one_in("deployment_id", HISTORY_SHARE)])
            .values_list("deployment_id", "chain_id", "address")
        )
        AssetDeployment.objects.filter(pk__in=[d[0] for d in corrected]).update(
            decimals=Case(When(decimals=18, then=Value(6)), default=Value(18))
        )

        flagged = list(
            Asset.objects.filter(created_at__gt=since)
            .extra(where=[one_in("asset_id", HISTORY_SHARE, 1)])
            .values_list("asset_id", flat=True)
        )
        AssetQualityFlag.objects.bulk_create(
            AssetQualityFlag(
                asset_id=asset_id,
                flag_type=FlagType.UNVERIFIED,
                severity=5,
                reason="bench: found out later",
                source="bench-history",
                raised_at=NOW - dt.timedelta(days=400),
                resolved_at=NOW - dt.timedelta(days=200),
            )
            for asset_id in flagged
        )
        resolved = AssetQualityFlag.objects.filter(
            created_at__gt=since, resolved_at__isnull=True, source="synthetic"
        ).extra(where=[one_in("flag_id", 10)])
        resolved_assets = list(resolved.values_list("asset_id", flat=True))
        resolved.update(
            raised_at=NOW - dt.timedelta(days=500), resolved_at=NOW - dt.timedelta(days=30)
        )
    seconds = time.perf_counter() - started
    print(
        f"  {len(old):,} tickers re-pointed, {len(corrected):,} deployments corrected, "
        f"{len(flagged) + len(resolved_assets):,} flags in the past ({seconds:.1f} s)",
        flush=True,
    )
    repointed = {(m.venue_id, m.venue_symbol, m.market_type) for m in old}
    live = set(
        Market.objects.resolvable()
        .filter(venue_symbol__in={symbol for _, symbol, _ in repointed})
        .values_list("venue_id", "venue_symbol", "market_type")
    )
    return {
        "before": before,
        "seconds": round(seconds, 2),
        "venue_ticker": [ticker_path(*ticker) for ticker in sorted(repointed & live)],
        "deployment": [deployment_path(chain, address) for _, chain, address in corrected],
        "pretrade": [pretrade_path(asset_id) for asset_id in flagged + resolved_assets],
    }


def main() -> None:
    global WRK, TOKEN
    WRK = ensure_wrk()
    results: dict = {"machine": {"cores": os.cpu_count()}, "seconds_per_run": SECONDS}
    build(SMALL, fresh=True)
    TOKEN = manage("create_service_account", "bench", "--role", "viewer").strip()
    paths = hot_paths()
    with Server():
        print("floor and cached hot paths (wrk) ...", flush=True)
        results["floor"] = {str(c): wrk(["/bench/floor"], c) for c in (1, 16)}
        for name, candidates in paths.items():
            workload = zipf_sample([path for path, _ in candidates], 20_000)
            wrk(workload, 4)  # warm-up: fills the cache the way traffic would
            hits_before = redis_hits()
            runs = {str(c): wrk(workload, c) for c in (1, 16)}
            hits_after = redis_hits()
            hits = hits_after[0] - hits_before[0]
            misses = hits_after[1] - hits_before[1]
            runs["hit_ratio"] = round(hits / max(1, hits + misses), 4)
            for connections in ("1", "16"):
                run, floor = runs[connections], results["floor"][connections]
                run["p50_vs_floor"] = round(run["p50_ms"] / floor["p50_ms"], 2)
                run["p99_vs_floor"] = round(run["p99_ms"] / floor["p99_ms"], 2)
                run["throughput_vs_floor"] = round(
                    run["requests_per_s"] / floor["requests_per_s"], 3
                )
            results[name] = runs

        print("uncached lookups ...", flush=True)
        results["uncached"] = {
            name: summary(uncached_latency(random.Random(3).sample(candidates, 300)))
            for name, candidates in paths.items()
        }
        results["point_in_time"] = {str(SMALL): point_in_time(paths)}

        print("batch of 1,000 ...", flush=True)
        body = batch_body(paths)
        timed("POST", "/api/v1/resolve/batch/", body)
        results["batch_1000_cached"] = summary(
            [timed("POST", "/api/v1/resolve/batch/", body) for _ in range(60)]
        )
        cold = []
        batch_keys = [key for _, key in paths["venue_ticker"][:500] + paths["pretrade"][:500]]
        for _ in range(10):
            redis_cli("DEL", *batch_keys)
            cold.append(timed("POST", "/api/v1/resolve/batch/", body))
        results["batch_1000_cold"] = summary(cold)

        print("aggregation ...", flush=True)
        aggregate = "/api/v1/resolve/aggregate/?group=ETH"
        timed("GET", aggregate)
        results["aggregation_cached"] = summary([timed("GET", aggregate) for _ in range(300)])
        cold = []
        for _ in range(100):
            redis_cli("DEL", "v1:group:ETH:members")
            cold.append(timed("GET", aggregate))
        results["aggregation_cold"] = summary(cold)

        results["search"] = {str(SMALL): search_latency()}
    if LARGE > SMALL:
        build(LARGE, fresh=False)
        with Server():
            results["search"][str(LARGE)] = search_latency()
            results["point_in_time"][str(LARGE)] = point_in_time(hot_paths())
        small, large = results["search"][str(SMALL)], results["search"][str(LARGE)]
        results["search"]["p50_large_vs_small"] = round(large["p50_ms"] / small["p50_ms"], 2)
    out = ROOT / "var" / "bench" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    report(results)
    print(f"\nwritten to {out}")


def uncached_latency(sample: list[tuple[str, str]]) -> list[float]:
    samples = []
    for path, key in sample:
        timed("GET", path)
        redis_cli("DEL", key)  # the answer is cold; the token check stays warm
        samples.append(timed("GET", path))
    return samples


def batch_body(paths: dict, **moment: str) -> bytes:
    """500 tickers and 500 pre-trade checks, each item asked about ``moment`` if given."""
    lookups = [
        {"type": "venue_symbol", **dict(parse_qsl(path.split("?", 1)[1])), **moment}
        for path, _ in paths["venue_ticker"][:500]
    ]
    lookups += [
        {"type": "pretrade", **dict(parse_qsl(path.split("?", 1)[1])), **moment}
        for path, _ in paths["pretrade"][:500]
    ]
    return json.dumps({"lookups": lookups[:1000]}).encode()


def rfc3339(instant: dt.datetime) -> str:
    return instant.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


PIT_SAMPLES = 200


def point_in_time(paths: dict) -> dict:
    """Point-in-time lookups (never cached) against the same lookups without a moment,
    cached and uncached, and the floor, from one client in one run: as_of a year ago on
    the uncached sample; as_of a year ago on rows with history (re-pointed tickers, inside
    their old listing; corrected deployments; assets with past flags); and as_of with a
    known_at before the last build's history was written."""
    print("point-in-time lookups ...", flush=True)
    known_at = rfc3339(HISTORY[-1]["before"])
    year_ago = {"as_of": rfc3339(YEAR_AGO)}
    floor = [timed("GET", "/bench/floor") for _ in range(PIT_SAMPLES)]
    result: dict = {"floor": summary(floor), "known_at": known_at}
    for name in ("venue_ticker", "deployment", "pretrade"):
        sample = random.Random(5).sample(paths[name], PIT_SAMPLES)
        with_history = [pair for entry in HISTORY for pair in entry[name]]
        with_history = random.Random(5).choices(with_history, k=PIT_SAMPLES)
        for path, _ in sample:
            timed("GET", path)  # warm
        runs = {
            "cached": summary([timed("GET", path) for path, _ in sample]),
            "uncached": summary(uncached_latency(sample)),
        }
        asked = {
            "as_of": (sample, year_ago),
            "as_of_history": (with_history, year_ago),
            "as_of_known_at": (sample, {**year_ago, "known_at": known_at}),
        }
        for kind, (chosen, moment) in asked.items():
            runs[kind] = summary(
                [timed("GET", f"{path}&{urlencode(moment)}") for path, _ in chosen]
            )
            runs[kind]["vs_uncached_p50"] = round(
                runs[kind]["p50_ms"] / runs["uncached"]["p50_ms"], 2
            )
        # They are not the current answers: how many of the rows with history answer
        # differently a year ago (all should), and of the sample (few should).
        for kind, chosen in (("history", sorted(set(with_history))), ("sample", sample)):
            runs[f"{kind}_checked"] = len(chosen[:50])
            runs[f"{kind}_differs"] = sum(
                request("GET", path)[1] != request("GET", f"{path}&{urlencode(year_ago)}")[1]
                for path, _ in chosen[:50]
            )
        result[name] = runs
    batch_keys = [key for _, key in paths["venue_ticker"][:500] + paths["pretrade"][:500]]
    cold, as_of = [], []
    body, body_as_of = batch_body(paths), batch_body(paths, **year_ago)
    for _ in range(10):
        redis_cli("DEL", *batch_keys)
        cold.append(timed("POST", "/api/v1/resolve/batch/", body))
        as_of.append(timed("POST", "/api/v1/resolve/batch/", body_as_of))
    result["batch_1000"] = {"uncached": summary(cold), "as_of": summary(as_of)}
    result["batch_1000"]["as_of"]["vs_uncached_p50"] = round(
        result["batch_1000"]["as_of"]["p50_ms"] / result["batch_1000"]["uncached"]["p50_ms"], 2
    )
    return result


def search_latency() -> dict:
    queries = ["USDC", "usdc", "ETH", "LINK", "Token 12", "zz"]
    for q in queries:
        timed("GET", "/api/v1/assets/search/?" + urlencode({"q": q}))
    samples = [
        timed("GET", "/api/v1/assets/search/?" + urlencode({"q": "USDC"})) for _ in range(200)
    ]
    return summary(samples)


def latency(values: dict) -> str:
    return f"p50 {values['p50_ms']:.2f} ms  p99 {values['p99_ms']:.2f} ms"


def report(results: dict) -> None:
    floor = results["floor"]
    print(f"\n  {'':<22} conns    req/s    p50 ms   p90 ms   p99 ms   vs floor: p50 / p99 / req/s")
    for name in ("floor", "venue_ticker", "instrument", "deployment", "pretrade"):
        for connections in ("1", "16"):
            run = results[name][connections]
            ratios = ""
            if name != "floor":
                ratios = f"{run['p50_vs_floor']:.2f}x / {run['p99_vs_floor']:.2f}x"
                ratios += f" / {run['throughput_vs_floor']:.0%}"
            print(
                f"  {name:<22} {connections:>5} {run['requests_per_s']:>8.0f} {run['p50_ms']:>9.3f}"
                f" {run['p90_ms']:>8.3f} {run['p99_ms']:>8.3f}   {ratios}"
            )
        if name != "floor":
            print(f"  {'':<22} hit ratio {results[name]['hit_ratio']:.1%}")
    del floor
    for name in ("uncached",):
        for lookup, values in results[name].items():
            print(f"  uncached {lookup:<20} " + latency(values))
    for name in ("batch_1000_cached", "batch_1000_cold", "aggregation_cached", "aggregation_cold"):
        values = results[name]
        print(f"  {name:<29} " + latency(values))
    for size, values in results["search"].items():
        if isinstance(values, dict):
            print(f"  search USDC at {int(size):>9,} assets  " + latency(values))
    if "p50_large_vs_small" in results["search"]:
        ratio = results["search"]["p50_large_vs_small"]
        print(f"  search p50 at {LARGE:,} vs {SMALL:,}: {ratio:.2f}x")
    for size, pit in results["point_in_time"].items():
        report_point_in_time(int(size), pit)


def report_point_in_time(size: int, pit: dict) -> None:
    print(f"\n  point in time at {size:,} assets (known_at {pit['known_at']}; target: as_of p50")
    print("  within 3x the uncached lookup's)")
    print(f"  {'':<32} p50 ms   p90 ms   p99 ms   vs uncached p50")
    floor = pit["floor"]
    print(
        f"  {'floor':<32}{floor['p50_ms']:>7.2f}  {floor['p90_ms']:>7.2f}  {floor['p99_ms']:>7.2f}"
    )
    for name in ("venue_ticker", "deployment", "pretrade", "batch_1000"):
        for kind, run in pit[name].items():
            if not isinstance(run, dict):
                continue
            verdict = ""
            if "vs_uncached_p50" in run:
                ratio = run["vs_uncached_p50"]
                verdict = f"{ratio:.2f}x  " + ("pass" if ratio <= 3 else "MISS")
            print(
                f"  {name + ' ' + kind:<32}{run['p50_ms']:>7.2f}  {run['p90_ms']:>7.2f}"
                f"  {run['p99_ms']:>7.2f}   {verdict}"
            )
        if "history_checked" in pit[name]:
            print(
                f"  {'':<32}answer differently a year ago: {pit[name]['history_differs']}"
                f" of {pit[name]['history_checked']} rows with history,"
                f" {pit[name]['sample_differs']} of {pit[name]['sample_checked']} others"
            )


if __name__ == "__main__":
    main()
