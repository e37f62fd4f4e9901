#!/usr/bin/env python3
"""make bench-observability: what the metrics cost the cached ticker lookup.

On the benchmark database of `make bench` (scripts/bench.py: 10,000 assets, a Zipf
workload over every ticker, a viewer token, Redis warm), each variant two ways:

1. CPU time per request, in Django: one process sends the workload through a WSGI
   handler per variant (the middleware, the token check, the Redis round trip), in
   short batches that take turns, and counts its own CPU time (``time.thread_time``)
   per batch. Other load on a shared machine inflates CPU time too, if less than wall
   time, so the 10th percentile of the batches counts, and drift falls on every variant
   alike. gunicorn's own share of a request is not in it: the ratio is an upper bound.
2. Throughput: gunicorn with its production configuration per variant, wrk at 16
   connections, the variants alternating over BENCH_ROUNDS rounds (default 3); skipped
   with BENCH_WRK=0 (on a machine others keep busy it measures them more than us).

Variants: METRICS_ENABLED on (the request middleware and the cache-lookup counters,
with prometheus_client's multiprocess files, as under gunicorn) and off. Add one to
VARIANTS to weigh another setting the same way. Results: var/bench/observability.json.
"""

import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench  # scripts/ is no package: found by the path above

ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))
BATCHES, BATCH = 40, 250  # per variant, taking turns
CONNECTIONS = 16
# Settings each variant overrides (in the environment, for gunicorn, as lower-case text).
VARIANTS = {
    "metrics on": {"METRICS_ENABLED": True},
    "metrics off": {"METRICS_ENABLED": False},
}


def measure_cpu(paths: list[str]) -> dict[str, list[float]]:
    """In this process: CPU microseconds per request of each variant through Django's
    WSGI handler, in short batches that take turns."""
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="cqar-bench-metrics-")
    bench.orm()  # Django on the benchmark database, prometheus_client as under gunicorn
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.utils import override_settings

    handlers = {}
    for name, overrides in VARIANTS.items():
        with override_settings(**overrides):
            handlers[name] = WSGIHandler()  # loads the middleware these settings ask for
    statuses: dict[str, int] = {}

    def start_response(status, headers, exc_info=None):
        statuses[status] = statuses.get(status, 0) + 1

    def send(handler, path: str) -> None:
        route, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": route,
            "QUERY_STRING": query,
            "SCRIPT_NAME": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_AUTHORIZATION": f"Token {bench.TOKEN}",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
        }
        response = handler(environ, start_response)
        b"".join(response)
        response.close()

    for path in paths[:2000]:  # warm-up: the token check and the answers in Redis
        send(handlers[next(iter(handlers))], path)
    statuses.clear()
    batches: dict[str, list[float]] = {name: [] for name in VARIANTS}
    names, sent = list(VARIANTS), 0
    for turn in range(BATCHES):
        for name in names if turn % 2 == 0 else names[::-1]:
            with override_settings(**VARIANTS[name]):
                started = time.thread_time()
                for _ in range(BATCH):
                    send(handlers[name], paths[sent % len(paths)])
                    sent += 1
                batches[name].append((time.thread_time() - started) / BATCH * 1e6)
    assert set(statuses) == {"200 OK"}, statuses
    return batches


def main() -> None:
    wrk = os.environ.get("BENCH_WRK", "1") != "0"
    if wrk:
        bench.WRK = bench.ensure_wrk()
    bench.build(bench.SMALL, fresh=True)
    bench.TOKEN = bench.manage("create_service_account", "bench", "--role", "viewer").strip()
    tickers = [path for path, _ in bench.hot_paths()["venue_ticker"]]
    workload = bench.zipf_sample(tickers, 20_000)
    names = list(VARIANTS)
    with tempfile.TemporaryDirectory() as folder:
        paths_file = Path(folder) / "paths.json"
        paths_file.write_text(json.dumps(workload))
        measured = subprocess.run(
            [bench.PYTHON, __file__, "--cpu", str(paths_file)],
            cwd=bench.ROOT,
            env={**bench.ENV, "BENCH_TOKEN": bench.TOKEN},
            check=True,
            capture_output=True,
            text=True,
        )
    cpu = json.loads(measured.stdout.strip().splitlines()[-1])
    throughput: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(ROUNDS if wrk else 0):
        # Alternate which goes first: a machine that slows down mid-round hits all.
        for name in names if round_number % 2 == 0 else names[::-1]:
            bench.ENV.update({key: str(value).lower() for key, value in VARIANTS[name].items()})
            with bench.Server():
                bench.wrk(workload, 4)  # warm-up: the cache and the token checks
                run = bench.wrk(workload, CONNECTIONS)
            throughput[name].append(run["requests_per_s"])
            print(f"  round {round_number + 1} {name:<14} wrk {run['requests_per_s']:>7.0f} req/s")
    baseline = names[-1]
    summary = {}

    def low(values: list[float]) -> float:
        """The 10th percentile: the batches others' load disturbed least."""
        return sorted(values)[len(values) // 10]

    print(f"\n  cached ticker lookup, {BATCHES} batches of {BATCH} requests per variant:")
    for name in names:
        cost = low(cpu[name])
        summary[name] = {
            "cpu_us_per_request_p10": round(cost, 1),
            "cpu_us_per_request_median": round(statistics.median(cpu[name]), 1),
            "cost_vs_baseline": round(cost / low(cpu[baseline]) - 1, 4),
        }
        line = (
            f"  {name:<14} CPU in Django {cost:>6.1f} µs/request (p10 of batches; median"
            f" {summary[name]['cpu_us_per_request_median']:.1f}),"
            f" {summary[name]['cost_vs_baseline']:+.1%} vs {baseline}"
        )
        if throughput[name]:
            summary[name]["wrk_requests_per_s"] = statistics.median(throughput[name])
            line += f"; wrk median {summary[name]['wrk_requests_per_s']:,.0f} req/s"
        print(line)
    out = bench.ROOT / "var" / "bench" / "observability.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"cpu": cpu, "wrk": throughput, "summary": summary}, indent=2))
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--cpu"]:
        bench.TOKEN = os.environ["BENCH_TOKEN"]
        print(json.dumps(measure_cpu(json.loads(Path(sys.argv[2]).read_text()))))
    else:
        main()
