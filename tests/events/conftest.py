"""Fixtures of the event tests: a real Celery worker, a JetStream reader, a TCP gate.

The tests commit (``transaction=True``): the worker is another process and sees only
committed rows. Nothing here is eager or mocked: the post-commit hook sends a task
through RabbitMQ, the worker publishes to NATS JetStream, and the reader consumes from
the stream as a downstream service would.
"""

import asyncio
import contextlib
import os
import time
import uuid

import nats
import pytest
from django.conf import settings
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from registry.events import jetstream
from registry.events.jetstream import ensure_stream
from tests.events.worker import Worker, session_database_url
from tests.tcp_gate import TcpGate

NEEDED = {
    "NATS_URL": "NATS with JetStream, e.g. nats://127.0.0.1:4222",
    "CELERY_BROKER_URL": "the Celery broker, e.g. amqp://guest:guest@127.0.0.1:5672//",
}


@pytest.fixture(scope="session", autouse=True)
def _event_services():
    missing = [f"{name} ({what})" for name, what in NEEDED.items() if not os.environ.get(name)]
    if missing:
        pytest.fail("The event tests need " + "; ".join(missing) + ". `make test` sets them.")


@pytest.fixture
def start_worker(tmp_path, transactional_db):
    """Start a worker on the test database; keyword arguments override its environment."""
    workers: list[Worker] = []

    def start(**overrides: str) -> Worker:
        env = {
            **os.environ,
            "DATABASE_URL": session_database_url(),
            "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
            "OUTBOX_SWEEP_SECONDS": "1",
            "EVENTS_SWEEP_AFTER_SECONDS": "0",
            "EVENTS_RETRY_MAX_SECONDS": "1",
            "CACHE_RETRY_SECONDS": "5",
            **overrides,
        }
        worker = Worker(tmp_path / f"worker-{len(workers)}.log", env).start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture(autouse=True)
def _drain_queue(transactional_db):
    """Tasks a previous test queued but no worker ran must not leak into this one."""
    from config.celery import app

    with contextlib.suppress(Exception):
        app.control.purge()
    yield


class StreamReader:
    """Reads the events stream from the point the test began, like a new consumer."""

    def __init__(self, url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.url = url
        self.start_sequence = self.loop.run_until_complete(self._open())
        self.messages: list = []
        self._subscription = None

    async def _open(self) -> int:
        self.nc = await nats.connect(self.url, connect_timeout=5)
        self.js = self.nc.jetstream()
        await ensure_stream(self.js)
        info = await self.js.stream_info(settings.EVENTS_STREAM)
        return info.state.last_seq

    async def _fetch(self, wait: float) -> list:
        if self._subscription is None:
            # No filter: both subject families (the contract's and CQAR's own).
            consumer = await self.js.add_consumer(
                settings.EVENTS_STREAM,
                ConsumerConfig(
                    deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                    opt_start_seq=self.start_sequence + 1,
                    ack_policy=AckPolicy.NONE,
                    inactive_threshold=120,
                ),
            )
            self._subscription = await self.js.pull_subscribe_bind(
                consumer.name, stream=settings.EVENTS_STREAM
            )
        try:
            return await self._subscription.fetch(batch=1000, timeout=wait)
        except TimeoutError:  # nats-py raises its own subclass or the builtin, by path
            return []

    def read(self, event_ids, timeout: float = 60, settle: float = 0.5) -> list:
        """Messages with these Nats-Msg-Ids, once all have arrived (plus ``settle`` s, so
        a late duplicate would be seen too)."""
        wanted = {str(event_id) for event_id in event_ids}
        deadline = time.monotonic() + timeout

        def ours():
            return [m for m in self.messages if (m.headers or {}).get("Nats-Msg-Id") in wanted]

        while time.monotonic() < deadline:
            self.messages.extend(self.loop.run_until_complete(self._fetch(0.5)))
            if {m.headers["Nats-Msg-Id"] for m in ours()} >= wanted:
                break
        settle_until = time.monotonic() + settle
        while time.monotonic() < settle_until:
            self.messages.extend(self.loop.run_until_complete(self._fetch(0.2)))
        return ours()

    def close(self) -> None:
        self.loop.run_until_complete(self.nc.close())
        self.loop.close()


@pytest.fixture
def stream():
    reader = StreamReader(os.environ["NATS_URL"])
    yield reader
    reader.close()


@pytest.fixture
def nats_gate():
    from urllib.parse import urlsplit

    target = urlsplit(os.environ["NATS_URL"])
    gate = TcpGate(target.hostname or "127.0.0.1", target.port or 4222, scheme="nats")
    yield gate
    gate.shut()


class OwnStream:
    """A JetStream stream of this test's own (own name, own subjects), so other runs
    publishing to the shared stream cannot move its sequence. nats-py on its own loop."""

    def __init__(self, url: str, name: str) -> None:
        self.name = name
        self.loop = asyncio.new_event_loop()
        self.nc = self.run(nats.connect(url, connect_timeout=5))
        self.js = self.nc.jetstream()
        self.run(jetstream.ensure_stream(self.js))

    def run(self, coroutine):
        return self.loop.run_until_complete(coroutine)

    def state(self):
        return self.run(self.js.stream_info(self.name)).state

    def limit_message_size(self, size: int) -> None:
        config = self.run(self.js.stream_info(self.name)).config
        config.max_msg_size = size
        self.run(self.js.update_stream(config))

    def get(self, sequence: int):
        return self.run(self.js.get_msg(self.name, sequence))

    @property
    def max_payload(self) -> int:
        return self.nc.max_payload

    def close(self) -> None:
        try:
            self.run(self.js.delete_stream(self.name))
        finally:
            self.run(self.nc.close())
            self.loop.close()


@pytest.fixture
def own_stream(settings):
    tag = uuid.uuid4().hex[:12]
    settings.NATS_URL = os.environ["NATS_URL"]
    settings.EVENTS_STREAM = f"CQAR_TEST_{tag}"
    settings.EVENTS_SUBJECT_PREFIX = f"cqartest.{tag}.cqc"
    settings.EVENTS_CQAR_SUBJECT_PREFIX = f"cqartest.{tag}.cqar"
    stream = OwnStream(settings.NATS_URL, settings.EVENTS_STREAM)
    yield stream
    stream.close()
