#!/usr/bin/env python3
"""make bench-grpc (and make bench): the cached venue-ticker lookups over gRPC against a
gRPC floor, beside the REST hot lookup, in one run on the real stack.

The benchmark database of ``make bench`` (demo data + 10,000 synthetic assets,
scripts/bench.py), then two servers side by side, as production starts them (DEBUG off,
token auth, metrics on, LOG_LEVEL=ERROR as bench.py's gunicorn): ``manage.py grpcserver``
with BENCH_FLOOR set, which adds the separate service ``cqar.bench.v1.Floor`` whose
``Constant`` answers constant bytes (the gRPC floor: what a call costs gRPC itself), and
gunicorn with its ``/bench/floor``.

- gRPC: the floor and each method of BENCH_GRPC_METHODS (default ResolveMarket and
  GetVenueSymbol, the cached reads of ``/api/v1/resolve/venue-symbol/``) at 1 and 16
  concurrent callers, each caller a thread of a Python grpcio client process making one
  call after another; 16 callers may be spread over BENCH_GRPC_PROCESSES processes (on
  2 cores one process calls fastest: more only take CPU from the server). Every call
  carries a viewer's token and the ticker's market type (metadata ``cqar-market-type``,
  so each lookup is one cache read, as REST's with ``market_type``); the floor gets the
  same requests and metadata and reads neither. Requests are serialized once, answers
  left as bytes: the client's own work is kept small, and the same for every method.
- REST: wrk on ``/bench/floor`` and ``/api/v1/resolve/venue-symbol/`` at 1 and 16
  connections, as scripts/bench.py drives them.

The tickers follow a Zipf distribution over every resolvable ticker (bench.py's), with a
warm-up first, so the lookups answer from Redis. Each configuration runs BENCH_ROUNDS
times (interleaved: the machine's drift weighs on all alike); the table shows each
one's median round. The CPU of the server, of the client processes and of the whole
machine (from /proc) says what limited a run: a Python process uses at most about one
core, and on a small machine the client and the server share the cores.

Environment: as scripts/bench.py (BENCH_DATABASE_URL, BENCH_REDIS_URL, BENCH_PORT,
BENCH_SECONDS), plus BENCH_GRPC_PORT (default 9765), BENCH_GRPC_METHODS (comma-separated),
BENCH_GRPC_PROCESSES (default 1), BENCH_ROUNDS (default 3), BENCH_REUSE (1: keep the
database a previous run built). Writes var/bench/grpc.json.
"""

import json
import multiprocessing
import os
import resource
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # scripts/bench.py: the database, gunicorn, wrk

ROOT = bench.ROOT
GRPC_PORT = int(os.environ.get("BENCH_GRPC_PORT", 9765))
GRPC_ADDRESS = f"127.0.0.1:{GRPC_PORT}"
METHODS = [
    m for m in os.environ.get("BENCH_GRPC_METHODS", "ResolveMarket,GetVenueSymbol").split(",") if m
]
PROCESSES = int(os.environ.get("BENCH_GRPC_PROCESSES", 1))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))
REUSE = os.environ.get("BENCH_REUSE") == "1"
CALLERS = (1, 16)
SERVICE = "/cqc.services.v1.AssetRegistry/"
FLOOR = "/cqar.bench.v1.Floor/Constant"
# Goal (issue 16): cached gRPC lookups at >= 60 % of the floor's calls/s, p99 <= 2x its p99.
GOAL_THROUGHPUT, GOAL_P99 = 0.60, 2.0


# --- the workload --------------------------------------------------------------------------


def tickers() -> list[tuple[str, str, str]]:
    """(venue, symbol, market type) of the resolvable venue tickers, Zipf-sampled."""
    bench.orm()
    from markets.models import VenueSymbol

    every = list(
        VenueSymbol.objects.resolvable().values_list("venue_id", "venue_symbol", "market_type")[
            :20000
        ]
    )
    order = bench.zipf_sample(list(range(len(every))), 20_000)
    return [every[i] for i in order]


def grpc_requests(method: str, sampled: list[tuple[str, str, str]], token: str):
    """(serialized requests, metadata of each) for ``method``, or None if the harness
    does not know how to ask it."""
    from registry.pb.cqc.services.v1 import asset_registry_pb2 as service

    authorization = ("authorization", f"Token {token}")
    if method in ("ResolveMarket", "GetVenueSymbol"):
        request = getattr(service, f"{method}Request")
        return [
            request(venue_id=venue, venue_symbol=symbol).SerializeToString()
            for venue, symbol, _ in sampled
        ], [(authorization, ("cqar-market-type", kind)) for _, _, kind in sampled]
    if method == "GetChain":
        from chains.models import Chain

        chains = list(Chain.objects.values_list("chain_id", flat=True))
        return [service.GetChainRequest(chain_id=chain).SerializeToString() for chain in chains], [
            (authorization,)
        ] * len(chains)
    if method == "ListChains":
        return [service.ListChainsRequest().SerializeToString()], [(authorization,)]
    return None


# --- the client ---------------------------------------------------------------------------


def caller_process(path, requests, metadata, threads, offset, start_at, seconds, results):
    """``threads`` callers on one channel, each calling ``path`` one call after another
    from ``start_at`` (wall clock) for ``seconds``; puts [(latencies, errors)] on results."""
    import threading

    import grpc

    channel = grpc.insecure_channel(GRPC_ADDRESS)
    grpc.channel_ready_future(channel).result(timeout=10)
    call = channel.unary_unary(path)  # bytes in, bytes out
    found = []
    count = len(requests)

    def run(number: int) -> None:
        latencies, errors = [], []
        index = (offset + number) * 7919
        while time.time() < start_at:
            time.sleep(0.0005)
        deadline = time.perf_counter() + seconds
        clock = time.perf_counter
        while True:
            position = index % count
            started = clock()
            try:
                call(requests[position], metadata=metadata[position], timeout=10)
            except grpc.RpcError as error:
                errors.append(error.code().name)
            finished = clock()
            latencies.append(finished - started)
            index += 1
            if finished >= deadline:
                break
        found.append((latencies, errors))

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    channel.close()
    results.put(found)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine so far (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return sum(values) - idle, sum(values)


def drive(server_pid: int, path: str, requests, metadata, callers: int, seconds: float) -> dict:
    """Calls/s, p50 and p99 of ``callers`` callers on ``path``, and the server's CPU."""
    context = multiprocessing.get_context("spawn")
    processes = min(callers, PROCESSES)
    results = context.Queue()
    start_at = time.time() + 1.5  # every process connected and waiting
    spawned = []
    for number in range(processes):
        threads = callers // processes + (1 if number < callers % processes else 0)
        offset = sum(
            callers // processes + (1 if n < callers % processes else 0) for n in range(number)
        )
        process = context.Process(
            target=caller_process,
            args=(path, requests, metadata, threads, offset, start_at, seconds, results),
        )
        process.start()
        spawned.append(process)
    while time.time() < start_at:
        time.sleep(0.001)
    cpu_before, machine_before = cpu_seconds(server_pid), machine_ticks()
    clients_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    found = [item for _ in spawned for item in results.get(timeout=seconds + 60)]
    cpu_after, machine_after = cpu_seconds(server_pid), machine_ticks()
    for process in spawned:
        process.join()
    clients_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    clients_cpu = (clients_after.ru_utime + clients_after.ru_stime) - (
        clients_before.ru_utime + clients_before.ru_stime
    )
    latencies = sorted(value * 1000 for values, _ in found for value in values)
    errors = [error for _, errors in found for error in errors]
    return {
        "callers": callers,
        "client_processes": processes,
        "calls_per_s": round(len(latencies) / seconds, 1),
        "p50_ms": round(statistics.median(latencies), 3),
        "p99_ms": round(bench.percentile(latencies, 0.99), 3),
        "errors": len(errors),
        "error_codes": sorted(set(errors)),
        # Shares of one core over the run (the clients': their whole life, set-up too).
        "server_cpu": round((cpu_after - cpu_before) / seconds, 2),
        "client_cpu": round(clients_cpu / seconds, 2),
        # What a call costs the server, whoever limited the rate.
        "server_cpu_us_per_call": round((cpu_after - cpu_before) / max(1, len(latencies)) * 1e6),
        # Of every core of the machine, whatever ran on it.
        "machine_busy": round(
            (machine_after[0] - machine_before[0]) / max(1, machine_after[1] - machine_before[1]),
            2,
        ),
    }


# --- the servers --------------------------------------------------------------------------


class GrpcServer:
    def __enter__(self):
        self.log = (ROOT / "var" / "bench" / "grpcserver.log").open("wb")
        self.process = subprocess.Popen(
            [bench.PYTHON, "manage.py", "grpcserver", "--bind", GRPC_ADDRESS],
            cwd=ROOT,
            env=bench.ENV,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        import grpc
        from grpc_health.v1 import health_pb2, health_pb2_grpc

        with grpc.insecure_channel(GRPC_ADDRESS) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            for _ in range(300):
                try:
                    status = stub.Check(health_pb2.HealthCheckRequest(), timeout=1).status
                    if status == health_pb2.HealthCheckResponse.SERVING:
                        return self
                except grpc.RpcError:
                    pass
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        sys.exit("the gRPC server did not start: var/bench/grpcserver.log")

    def __exit__(self, *exc):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=60)
        self.log.close()


def answered(path: str, requests, metadata) -> str | None:
    """None if ``path`` answers the first requests OK; else why not."""
    import grpc

    with grpc.insecure_channel(GRPC_ADDRESS) as channel:
        call = channel.unary_unary(path)
        for request, extra in list(zip(requests, metadata, strict=True))[:20]:
            try:
                call(request, metadata=extra, timeout=10)
            except grpc.RpcError as error:
                return f"{error.code().name}: {error.details()}"
    return None


def rest_paths(sampled) -> list[str]:
    return [
        "/api/v1/resolve/venue-symbol/?"
        + urlencode({"venue": venue, "symbol": symbol, "market_type": market_type})
        for venue, symbol, market_type in sampled
    ]


# --- the run ------------------------------------------------------------------------------


def main() -> None:
    bench.WRK = bench.ensure_wrk()
    seconds = bench.SECONDS
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    if not REUSE:
        bench.build(bench.SMALL, fresh=True)
    bench.TOKEN = bench.manage("create_service_account", "bench-grpc", "--role", "viewer").strip()
    sampled = tickers()
    workloads = {"floor": None}
    for method in METHODS:
        built = grpc_requests(method, sampled, bench.TOKEN)
        if built is None:
            sys.exit(f"BENCH_GRPC_METHODS: no requests known for {method}")
        workloads[method] = built
    # The floor gets the requests and metadata of the first method (it reads neither).
    workloads["floor"] = workloads[METHODS[0]]
    paths = {name: FLOOR if name == "floor" else SERVICE + name for name in workloads}
    results = {
        "machine": {"cores": os.cpu_count()},
        "seconds_per_run": seconds,
        "rounds": ROUNDS,
        "client_processes_at_16": min(16, PROCESSES),
        "grpc": {},
        "rest": {},
        "skipped": {},
    }
    rest_workload = rest_paths(sampled)
    with GrpcServer() as grpc_server, bench.Server():
        for name in list(workloads):
            why = answered(paths[name], *workloads[name])
            if why is not None:
                print(f"skipping {name}: {why}", flush=True)
                results["skipped"][name] = why
                del workloads[name]
        print("warming the cache (gRPC and REST) ...", flush=True)
        for name in workloads:
            drive(grpc_server.process.pid, paths[name], *workloads[name], 4, 2)
        bench.wrk(rest_workload, 4)
        runs: dict[tuple[str, str, int], list[dict]] = {}
        for round_number in range(ROUNDS):
            print(f"round {round_number + 1} of {ROUNDS} ...", flush=True)
            for callers in CALLERS:
                for name in workloads:
                    hits_before = bench.redis_hits()
                    run = drive(
                        grpc_server.process.pid, paths[name], *workloads[name], callers, seconds
                    )
                    hits, misses = (
                        after - before
                        for after, before in zip(bench.redis_hits(), hits_before, strict=True)
                    )
                    if name != "floor":  # it reads nothing
                        run["redis_hit_ratio"] = round(hits / max(1, hits + misses), 4)
                    runs.setdefault(("grpc", name, callers), []).append(run)
                for name, workload in (
                    ("floor", ["/bench/floor"]),
                    ("venue-symbol", rest_workload),
                ):
                    run = bench.wrk(workload, callers)
                    runs.setdefault(("rest", name, callers), []).append(run)
    for (interface, name, callers), found in runs.items():
        key = "calls_per_s" if interface == "grpc" else "requests_per_s"
        median = sorted(found, key=lambda run: run[key])[len(found) // 2]
        median["rounds_calls_per_s"] = [run[key] for run in found]
        results[interface].setdefault(name, {})[str(callers)] = median
    results["goal"] = goal(results)
    out = ROOT / "var" / "bench" / "grpc.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    report(results)
    print(f"\nwritten to {out}")


def goal(results: dict) -> dict:
    """Each method's calls/s and p99 against the floor's, at each number of callers."""
    found = {}
    floor = results["grpc"].get("floor")
    for name, runs in results["grpc"].items():
        if name == "floor" or floor is None:
            continue
        for callers, run in runs.items():
            throughput = run["calls_per_s"] / floor[callers]["calls_per_s"]
            p99 = run["p99_ms"] / floor[callers]["p99_ms"]
            found[f"{name} {callers}"] = {
                "throughput_vs_floor": round(throughput, 3),
                "p99_vs_floor": round(p99, 2),
                "met": throughput >= GOAL_THROUGHPUT and p99 <= GOAL_P99,
            }
    return found


def report(results: dict) -> None:
    print(
        f"\n  {'':<26} callers   calls/s   p50 ms   p99 ms   CPU: server client machine"
        "  server µs/call   vs gRPC floor: calls/s / p99"
    )
    for callers in map(str, CALLERS):
        for name, runs in results["grpc"].items():
            run = runs[callers]
            versus = ""
            if name != "floor":
                verdict = results["goal"][f"{name} {callers}"]
                versus = f"{verdict['throughput_vs_floor']:.0%} / {verdict['p99_vs_floor']:.2f}x"
            errors = f"  {run['errors']} errors {run['error_codes']}" if run["errors"] else ""
            print(
                f"  {'gRPC ' + name:<26} {callers:>7} {run['calls_per_s']:>9.0f}"
                f" {run['p50_ms']:>8.3f} {run['p99_ms']:>8.3f}      {run['server_cpu']:>6.0%}"
                f" {run['client_cpu']:>6.0%} {run['machine_busy']:>7.0%}"
                f" {run['server_cpu_us_per_call']:>15}   {versus}{errors}"
            )
        for name, runs in results["rest"].items():
            run = runs[callers]
            print(
                f"  {'REST ' + name + ' (wrk)':<26} {callers:>7} {run['requests_per_s']:>9.0f}"
                f" {run['p50_ms']:>8.3f} {run['p99_ms']:>8.3f}"
            )
    for name, verdict in results["goal"].items():
        print(
            f"  goal {name} callers: {verdict['throughput_vs_floor']:.0%} of the floor's calls/s"
            f" (>= {GOAL_THROUGHPUT:.0%}), p99 {verdict['p99_vs_floor']:.2f}x the floor's"
            f" (<= {GOAL_P99:g}x): {'met' if verdict['met'] else 'MISSED'}"
        )
    for name, why in results["skipped"].items():
        print(f"  skipped {name}: {why}")


if __name__ == "__main__":
    main()
