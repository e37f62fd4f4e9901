#!/usr/bin/env python3
"""make bench: the hot paths against a floor, on the real stack.

Builds a benchmark database (demo data + synthetic assets), starts gunicorn with its
production configuration (DEBUG off, token auth on) against PostgreSQL and Redis, and
drives it with wrk on loopback: every hot lookup and a floor (a bare Django view
returning constant bytes, on the same server) at 1 and 16 connections. Then batch,
search (at two registry sizes), aggregation and uncached latencies from a Python
client. Prints a table and writes var/bench/results.json.

Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/cqar_bench,
dropped and recreated), BENCH_REDIS_URL (default redis://127.0.0.1:6379/14, flushed),
BENCH_LARGE (assets for the large run, default 1000000), BENCH_SECONDS (per wrk run,
default 5).
"""

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


def hot_paths() -> dict[str, list[tuple[str, str]]]:
    """(path, cache key) of every hot lookup to drive, by lookup."""
    _, AssetDeployment, VenueSymbol = orm()
    from assets.lookups import deployment_key
    from markets.lookups import instrument_code_key, ticker_key
    from quality.lookups import flags_key

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
        "venue_ticker": [
            (
                "/api/v1/resolve/venue-symbol/?"
                + urlencode({"venue": venue, "symbol": symbol, "market_type": market_type}),
                ticker_key(venue, symbol, market_type),
            )
            for venue, symbol, market_type in tickers
        ],
        "instrument": [
            ("/api/v1/resolve/instrument/?" + urlencode({"code": code}), instrument_code_key(code))
            for code in codes
        ],
        "deployment": [
            (
                "/api/v1/resolve/deployment/?"
                + urlencode({"chain": chain, "address": address.lower()}),
                deployment_key(chain, address),
            )
            for chain, address, _ in deployments
        ],
        "pretrade": [
            (
                "/api/v1/resolve/pretrade/?" + urlencode({"asset": str(asset_id)}),
                flags_key(asset_id),
            )
            for _, _, asset_id in deployments
        ],
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
        uncached = {}
        for name, candidates in paths.items():
            samples = []
            for path, key in random.Random(3).sample(candidates, min(300, len(candidates))):
                timed("GET", path)
                redis_cli("DEL", key)  # the answer is cold; the token check stays warm
                samples.append(timed("GET", path))
            uncached[name] = summary(samples)
        results["uncached"] = uncached

        print("batch of 1,000 ...", flush=True)
        lookups = [
            {"type": "venue_symbol", **dict(parse_qsl(path.split("?", 1)[1]))}
            for path, _ in paths["venue_ticker"][:500]
        ]
        lookups += [
            {"type": "pretrade", **dict(parse_qsl(path.split("?", 1)[1]))}
            for path, _ in paths["pretrade"][:500]
        ]
        body = json.dumps({"lookups": lookups[:1000]}).encode()
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
        small, large = results["search"][str(SMALL)], results["search"][str(LARGE)]
        results["search"]["p50_large_vs_small"] = round(large["p50_ms"] / small["p50_ms"], 2)
    out = ROOT / "var" / "bench" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    report(results)
    print(f"\nwritten to {out}")


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


if __name__ == "__main__":
    main()
