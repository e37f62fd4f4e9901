#!/usr/bin/env python3
"""make bench-observability: what the metrics and the request logs cost the cached ticker lookup.

The benchmark database of ``make bench`` (10,000 assets, scripts/bench.py), then
gunicorn with its production configuration started in each configuration below in
turn, and wrk driving the cached venue-ticker lookup (Zipf over every ticker, a warm-up
run first) at 16 connections. Rounds are interleaved (A B C … A B C …) so that the
machine's drift and its other users weigh on every configuration alike; the table
gives the median requests/s of each and its ratio to the first, and the CPU time the
workers spent per request (from /proc, over the same wrk run; 1 / (CPU per request) is
the requests/s a core would serve). Both move with whatever else a shared machine runs.
Logs go to a file, as a container's go to a pipe; the file's line count is
checked against the requests.

Configurations:
- ``bare``: neither metrics (METRICS_ENABLED=false) nor the request log middleware: the
  floor the others are compared with;
- ``metrics only``: the metrics on (the default), no request log middleware;
- ``no request log``: the same as ``metrics only`` (kept as the logs' own baseline);
- ``logs off``: LOG_LEVEL=WARNING (the request id and its header stay);
- ``json``: the default of production, metrics on and a JSON line per request;
- ``console``: the readable format of ``make run``;
- ``django-structlog``: its RequestMiddleware in place of ours, for comparison.

Then the same configurations without gunicorn or wrk: one process per configuration,
set up as production sets it up, calls Django's WSGI handler for the same cached
lookups in blocks of BENCH_INPROCESS_BLOCK requests, blocks interleaved over
BENCH_INPROCESS_ROUNDS rounds, and times the CPU per request. This measures what the
configuration adds to Django's own work with little of the shared machine's noise (and,
leaving out the server and the client, overstates it relative to a whole request).

Environment: as scripts/bench.py (BENCH_DATABASE_URL, BENCH_REDIS_URL, BENCH_PORT), plus
BENCH_ROUNDS (default 5), BENCH_SECONDS (per wrk run, default 5), BENCH_CONFIGS (comma-
separated names to run), BENCH_INPROCESS_ROUNDS (default 20; 0 skips the part),
BENCH_INPROCESS_BLOCK (default 2000), BENCH_SERVER (0 skips gunicorn).
"""

import io
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # scripts/bench.py: the database, wrk, the paths

ROOT = bench.ROOT
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 5))
INPROCESS_ROUNDS = int(os.environ.get("BENCH_INPROCESS_ROUNDS", 20))
INPROCESS_BLOCK = int(os.environ.get("BENCH_INPROCESS_BLOCK", 2000))
SERVER = os.environ.get("BENCH_SERVER", "1") != "0"

OURS = "registry.requestlog.RequestLogMiddleware"
# The configurations that change the code run on settings modules of their own.
SETTINGS_MODULES = {
    "bench_no_request_log_settings": f"""
from config.settings import *  # noqa: F403

MIDDLEWARE = [m for m in MIDDLEWARE if m != "{OURS}"]  # noqa: F405
""",
    "bench_django_structlog_settings": f"""
from config.settings import *  # noqa: F403

MIDDLEWARE = [  # noqa: F405
    "django_structlog.middlewares.RequestMiddleware",
    *[m for m in MIDDLEWARE if m != "{OURS}"],  # noqa: F405
]
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = True
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False
""",
}


def configurations(folder: Path) -> dict[str, dict]:
    """name -> environment overrides of the server (or process) that runs it."""
    for module, text in SETTINGS_MODULES.items():
        (folder / f"{module}.py").write_text(text)

    def on(module: str) -> dict:
        return {"DJANGO_SETTINGS_MODULE": module, "PYTHONPATH": str(folder)}

    found = {
        "bare": {
            "LOG_LEVEL": "INFO",
            "METRICS_ENABLED": "false",
            **on("bench_no_request_log_settings"),
        },
        "metrics only": {"LOG_LEVEL": "INFO", **on("bench_no_request_log_settings")},
        "logs off": {"LOG_LEVEL": "WARNING", "LOG_FORMAT": "json"},
        "json": {"LOG_LEVEL": "INFO", "LOG_FORMAT": "json"},
        "console": {"LOG_LEVEL": "INFO", "LOG_FORMAT": "console"},
        "django-structlog": {
            "LOG_LEVEL": "INFO",
            "LOG_FORMAT": "json",
            **on("bench_django_structlog_settings"),
        },
    }
    wanted = [name.strip() for name in os.environ.get("BENCH_CONFIGS", "").split(",") if name]
    return {name: found[name] for name in wanted} if wanted else found


class Server:
    """gunicorn -c config/gunicorn.py, its output to ``log``."""

    def __init__(self, env: dict, log: Path) -> None:
        self.env, self.log = {**bench.ENV, **env}, log

    def __enter__(self):
        self.output = self.log.open("wb")
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "config/gunicorn.py", "config.wsgi"],
            cwd=ROOT,
            env=self.env,
            stdout=self.output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for _ in range(150):
            try:
                bench.request("GET", "/bench/floor")
                return self
            except OSError:
                time.sleep(0.2)
        sys.exit(f"gunicorn did not start: {self.log.read_text()[-2000:]}")

    def workers_cpu_seconds(self) -> float:
        """User and system CPU time of the master's children (the workers) so far."""
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # gone since the listing
                continue
            if int(fields[1]) == self.process.pid:  # ppid; utime and stime follow
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def __exit__(self, *exc):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)
        self.output.close()


def main() -> None:
    # A TERM (timeout, kill) still stops the servers and the processes it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    bench.WRK = bench.ensure_wrk()
    bench.build(bench.SMALL, fresh=True)
    bench.TOKEN = bench.manage("create_service_account", "bench", "--role", "viewer").strip()
    paths = [path for path, _ in bench.hot_paths()["venue_ticker"]]
    workload = bench.zipf_sample(paths, 20_000)
    results: dict = {"cores": os.cpu_count(), "seconds_per_run": bench.SECONDS}
    if SERVER:
        results["gunicorn"] = report(through_gunicorn(workload), "gunicorn + wrk, 16 connections")
    if INPROCESS_ROUNDS:
        results["in_process"] = report(
            in_process(workload), "in process (Django's WSGI handler), CPU only"
        )
    out = ROOT / "var" / "bench" / "observability.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten to {out}")


def through_gunicorn(workload: list[str]) -> dict[str, list[dict]]:
    runs: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as folder:
        configs = configurations(Path(folder))
        for round_number in range(1, ROUNDS + 1):
            for name, overrides in configs.items():
                log = Path(folder) / "server.log"
                with Server(overrides, log) as server:
                    bench.wrk(workload, 4)  # warm-up: the cache and the token check
                    lines_before = _lines(log)
                    cpu_before = server.workers_cpu_seconds()
                    result = bench.wrk(workload, 16)
                    cpu = server.workers_cpu_seconds() - cpu_before
                requests = result["requests_per_s"] * bench.SECONDS
                result["cpu_us_per_request"] = round(cpu / max(1, requests) * 1e6, 1)
                result["log_lines_per_request"] = round(
                    (_lines(log) - lines_before) / max(1, requests), 2
                )
                runs.setdefault(name, []).append(result)
                print(
                    f"round {round_number} {name:<18} {result['requests_per_s']:>8.0f} req/s"
                    f"  p99 {result['p99_ms']:.2f} ms"
                    f"  {result['cpu_us_per_request']:.0f} CPU us/request"
                    f"  {result['log_lines_per_request']} log lines/request",
                    flush=True,
                )
    return runs


def in_process(workload: list[str]) -> dict[str, list[dict]]:
    """CPU time per request of Django's handler, one process per configuration (each
    set up as production sets it up), blocks interleaved."""
    runs: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as folder:
        paths = Path(folder) / "paths.json"
        paths.write_text(json.dumps(workload[:INPROCESS_BLOCK]))
        children = {}
        try:
            for name, overrides in configurations(Path(folder)).items():
                env = {
                    **bench.ENV,
                    **overrides,
                    "BENCH_PATHS": str(paths),
                    "BENCH_TOKEN": bench.TOKEN,
                }
                with (Path(folder) / f"{name}.log").open("w") as log:
                    children[name] = subprocess.Popen(
                        [sys.executable, __file__, "--blocks"],
                        cwd=ROOT,
                        env=env,
                        stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE,
                        stderr=log,
                        text=True,
                    )
            for child in children.values():
                _ask(child)  # set up and warm: the first block is not counted
            for _ in range(INPROCESS_ROUNDS):
                for name, child in children.items():
                    cpu = _ask(child)
                    runs.setdefault(name, []).append(
                        {"requests_per_s": 1e6 / cpu, "cpu_us_per_request": cpu, "p99_ms": 0.0}
                    )
            for name in children:
                lines = _lines(Path(folder) / f"{name}.log")
                per_request = lines / (INPROCESS_BLOCK * (INPROCESS_ROUNDS + 1))
                for run in runs[name]:
                    run["log_lines_per_request"] = round(per_request, 2)
        finally:
            for child in children.values():
                child.stdin.close()
                child.wait(30)
    return runs


def _ask(child: subprocess.Popen) -> float:
    child.stdin.write("block\n")
    child.stdin.flush()
    answer = child.stdout.readline()
    if not answer:
        sys.exit(f"a benchmark process died (exit {child.wait()})")
    return float(answer)


def serve_blocks() -> None:
    """The child of ``in_process``: answers each line on stdin with the CPU microseconds
    per request of one block of requests through Django's WSGI handler."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.wsgi import get_wsgi_application

    handler = get_wsgi_application()
    token = os.environ["BENCH_TOKEN"]
    environs = [
        _environ(path, token) for path in json.loads(Path(os.environ["BENCH_PATHS"]).read_text())
    ]
    for _ in sys.stdin:
        print(round(_cpu_per_request(handler, environs), 2), flush=True)


def _environ(path: str, token: str) -> dict:
    target, _, query = path.partition("?")
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": target,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_AUTHORIZATION": f"Token {token}",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
    }


def _cpu_per_request(handler, environs: list[dict]) -> float:
    def start_response(status, headers):
        if not status.startswith(("200", "404")):
            raise RuntimeError(f"unexpected {status}")

    started = time.process_time()
    for environ in environs:
        b"".join(handler(dict(environ), start_response))
    return (time.process_time() - started) / len(environs) * 1e6


def _lines(log: Path) -> int:
    with log.open("rb") as file:
        return sum(1 for _ in file)


def report(runs: dict[str, list[dict]], title: str) -> dict:
    cores = os.cpu_count() or 1
    summary = {}
    first = first_cpu = None
    for name, results in runs.items():
        rate = statistics.median(r["requests_per_s"] for r in results)
        cpu = statistics.median(r["cpu_us_per_request"] for r in results)
        first, first_cpu = first or rate, first_cpu or cpu
        summary[name] = {
            "median_requests_per_s": rate,
            "per_core": round(rate / cores),
            "vs_first": round(rate / first, 3),
            "cpu_us_per_request": cpu,
            "requests_per_cpu_second": round(1e6 / cpu),
            "cpu_vs_first": round(cpu / first_cpu, 3),
            "p99_ms_median": statistics.median(r["p99_ms"] for r in results),
            "log_lines_per_request": statistics.median(
                r.get("log_lines_per_request", 0) for r in results
            ),
            "runs": [r["requests_per_s"] for r in results],
        }
    print(f"\n{title}:")
    print(
        f"  {'configuration':<18} {'req/s':>7} {'vs first':>8} {'p99 ms':>7}"
        f" {'CPU us/req':>10} {'vs first':>8} {'req/CPU-s':>9}"
    )
    for name, values in summary.items():
        print(
            f"  {name:<18} {values['median_requests_per_s']:>7.0f} {values['vs_first']:>8.1%}"
            f" {values['p99_ms_median']:>7.2f} {values['cpu_us_per_request']:>10.0f}"
            f" {values['cpu_vs_first']:>8.1%} {values['requests_per_cpu_second']:>9}"
            f"   runs: {', '.join(f'{r:.0f}' for r in values['runs'])}"
        )
    return summary


if __name__ == "__main__":
    if sys.argv[1:] == ["--blocks"]:
        serve_blocks()
    else:
        main()
