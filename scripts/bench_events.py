#!/usr/bin/env python3
"""make bench-events: how fast committed changes reach a JetStream consumer.

On the real stack (PostgreSQL, RabbitMQ, a Celery worker with its beat, NATS
JetStream), in a benchmark database of its own:

1. Single writes: BENCH_EVENTS_WRITES asset creations, one transaction each, paced
   BENCH_EVENTS_PACE_MS apart; for each, the time from its commit to the moment a push
   consumer in this process receives its event. p50, p99, max.
2. Backlog: BENCH_EVENTS_BACKLOG events committed while no worker runs (bulk inserts,
   as an import writes them), then a worker starts: events per second from its start to
   the last receipt, and from the first receipt to the last.

Prints a table and writes var/bench/events.json. Environment: BENCH_DATABASE_URL
(default postgres://postgres@127.0.0.1:5432/cqar_bench_events, dropped and recreated),
NATS_URL, CELERY_BROKER_URL (make sets local defaults).
"""

import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cqar_bench_events"
)
WRITES = int(os.environ.get("BENCH_EVENTS_WRITES", 300))
PACE_MS = float(os.environ.get("BENCH_EVENTS_PACE_MS", 20))
BACKLOG = int(os.environ.get("BENCH_EVENTS_BACKLOG", 10_000))
QUEUE = f"cqar-bench-events-{os.getpid()}"
OUT = ROOT / "var" / "bench" / "events.json"

os.environ.update(
    {
        "DATABASE_URL": DATABASE_URL,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CELERY_QUEUE": QUEUE,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }
)
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.pop("REDIS_URL", None)  # the cache is not what is measured here


def prepare_database() -> None:
    parts = urlsplit(DATABASE_URL)
    admin = parts._replace(path="/postgres").geturl()
    name = parts.path.strip("/")
    for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", admin, "-qc", sql], check=True, capture_output=True)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


class Receiver:
    """A push consumer of every new event, recording when each arrives."""

    def __init__(self) -> None:
        self.received: dict[str, float] = {}
        self.ready = threading.Event()
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self._run, daemon=True).start()
        self.ready.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._subscribe())
        self.loop.run_forever()

    async def _subscribe(self) -> None:
        import nats
        from nats.js.api import DeliverPolicy

        from registry.events.jetstream import ensure_stream, nats_servers
        from registry.events.types import subject_filters

        self.nc = await nats.connect(servers=nats_servers())
        js = self.nc.jetstream()
        await ensure_stream(js)

        async def arrived(message):
            self.received.setdefault(message.headers["Nats-Msg-Id"], time.perf_counter())

        for subjects in subject_filters():  # the contract's events and CQAR's own
            await js.subscribe(
                subjects, cb=arrived, ordered_consumer=True, deliver_policy=DeliverPolicy.NEW
            )
        self.ready.set()

    def wait_for(self, event_ids: list[str], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(event_id in self.received for event_id in event_ids):
                return True
            time.sleep(0.01)
        return False


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def start_worker(log: Path):
    from tests.events.worker import Worker

    return Worker(log, {**os.environ, "OUTBOX_SWEEP_SECONDS": "1"}).start()


def single_writes(receiver: Receiver) -> dict:
    from django.db import transaction

    from assets.services import asset_create
    from registry.models import OutboxEvent

    latencies = []
    for index in range(WRITES):
        with transaction.atomic():
            asset = asset_create(symbol=f"B{index}", name=f"Bench {index}", asset_type="ERC20")
        committed = time.perf_counter()
        event_id = str(OutboxEvent.objects.get(entity_id=str(asset.pk)).event_id)
        if not receiver.wait_for([event_id], 30):
            raise SystemExit(f"event {event_id} never arrived")
        latencies.append((receiver.received[event_id] - committed) * 1000)
        time.sleep(PACE_MS / 1000)
    return {
        "writes": WRITES,
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "max_ms": round(max(latencies), 2),
    }


def backlog(receiver: Receiver, log: Path) -> dict:
    from django.db import transaction

    from assets.models import Asset
    from assets.services import asset_bulk_create
    from registry.models import OutboxEvent

    run = uuid.uuid4().hex[:6]
    for start in range(0, BACKLOG, 1000):
        with transaction.atomic():
            asset_bulk_create(
                [
                    Asset(symbol=f"L{i}", name=f"Backlog {run} {i}", asset_type="ERC20")
                    for i in range(start, min(start + 1000, BACKLOG))
                ]
            )
    pending = list(OutboxEvent.objects.filter(status="PENDING").values_list("event_id", flat=True))
    event_ids = [str(event_id) for event_id in pending]
    started = time.perf_counter()
    worker = start_worker(log)
    try:
        if not receiver.wait_for(event_ids, 600):
            raise SystemExit("the backlog was not delivered within 10 minutes")
    finally:
        worker.stop()
    times = [receiver.received[event_id] for event_id in event_ids]
    last, first = max(times), min(times)
    return {
        "events": len(event_ids),
        "seconds_from_worker_start": round(last - started, 2),
        "events_per_second_from_worker_start": round(len(event_ids) / (last - started)),
        "events_per_second_first_to_last": round(len(event_ids) / max(last - first, 1e-9)),
    }


def main() -> None:
    for name in ("NATS_URL", "CELERY_BROKER_URL"):
        if not os.environ.get(name):
            raise SystemExit(f"{name} is not set (make bench-events sets a local default).")
    prepare_database()
    import django

    django.setup()
    from config.celery import app

    receiver = Receiver()
    logs = Path(tempfile.mkdtemp(prefix="cqar-bench-events-"))
    worker = start_worker(logs / "single.log")
    try:
        single = single_writes(receiver)
    finally:
        worker.stop()
    app.control.purge()
    results = {"single_writes": single, "backlog": backlog(receiver, logs / "backlog.log")}
    app.control.purge()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2))
    print(f"\nEvents, commit to consumer ({WRITES} single writes, {PACE_MS:g} ms apart):")
    print(f"  p50 {single['p50_ms']} ms   p99 {single['p99_ms']} ms   max {single['max_ms']} ms")
    b = results["backlog"]
    print(f"Backlog of {b['events']} events, published by one worker:")
    print(
        f"  {b['events_per_second_from_worker_start']} events/s from worker start "
        f"({b['seconds_from_worker_start']} s), "
        f"{b['events_per_second_first_to_last']} events/s first to last receipt"
    )
    print(f"(written to {OUT.relative_to(ROOT)}; worker logs in {logs})")


if __name__ == "__main__":
    main()
