"""Event delivery under faults: the bus unreachable, the publishing worker killed, the
broker restarted (docs/RELIABILITY.md).

Each scenario runs the stack (tests/reliability/stack.py: a database copied from the
template, production gunicorns, a Celery worker with beat, its own Redis) on a NATS
JetStream server of its own (tests/reliability/buses.py), under the stack's steady mixed
load plus a writer of its own, whose every write carries an X-Request-ID. Afterwards it
reads the whole stream and the whole outbox and checks:

- every write was acknowledged (2xx), also while the part was away;
- every outbox row is on the stream exactly once (by ``Nats-Msg-Id``, the event id);
- each entity's events are on the stream in outbox-sequence order, and the writer's
  entities' events in the order the writer's requests were answered (by the
  ``Cqar-Request-Id`` header: nothing but the client's own record is trusted).
"""

import asyncio
import contextlib
import http.client
import json
import os
import secrets
import signal
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from tests.events.worker import Worker, wait_for
from tests.reliability import stack as stack_module
from tests.reliability.buses import NatsServer, RabbitNode
from tests.reliability.report import ScenarioResult
from tests.reliability.stack import HTTP_TIMEOUT, Load, Stack, WebServer
from tests.tcp_gate import TcpGate

STREAM = "CQAR_RELIABILITY"
SHARED_BROKER = "amqp://guest:guest@127.0.0.1:5672//"
OUTBOX = "registry_outboxevent"
DRAIN_TIMEOUT = 120  # seconds the outbox may take to empty after the fault is over


def stack_size(quick: bool) -> dict[str, int]:
    """Quick runs boot one gunicorn with one worker process (booting is most of a quick
    scenario's time on two cores); full runs two instances of two."""
    return {"webs": 1, "workers_per_web": 1} if quick else {"webs": 2, "workers_per_web": 2}


def load_size(quick: bool) -> dict[str, float]:
    """The stack's mixed load beside the writer: lighter in quick runs."""
    return {"readers": 1, "write_pause": 0.3} if quick else {}


def bus_env(nats_url: str, broker_url: str, scenario: str, **more: str) -> dict[str, str]:
    """What the stack's processes need to publish: a broker, a queue of the scenario's
    own (so no other run's worker takes its tasks), the scenario's NATS and stream."""
    return {
        "CELERY_BROKER_URL": broker_url,
        "CELERY_QUEUE": f"cqar-rel-{scenario}-{os.getpid()}",
        "NATS_URL": nats_url,
        "EVENTS_STREAM": STREAM,
        **more,
    }


def delete_queue(broker_url: str, queue: str) -> None:
    """Celery declares its queue durable: remove the scenario's from the shared broker."""
    from kombu import Connection

    with contextlib.suppress(Exception), Connection(broker_url, connect_timeout=2) as connection:
        connection.default_channel.queue_delete(queue)


# -- the writer ----------------------------------------------------------------------------


@dataclass
class Entity:
    asset_id: str = ""
    version: str = ""
    request_ids: list[str] = field(default_factory=list)  # acknowledged writes, in order


class EntityWriter:
    """``writes`` REST writes, paced evenly over ``seconds``: assets created and then
    renamed (PATCH with If-Match) in rounds, so every asset is written before, during and
    after the fault. Each request carries an X-Request-ID of its own, which its events
    carry as Cqar-Request-Id."""

    RENAMES = 4  # per asset: 1 create + 4 renames = 5 writes

    def __init__(self, stack: Stack, writes: int, seconds: float, threads: int = 2) -> None:
        self.webs = stack.webs
        self.token = stack.steward
        self.entities = [Entity() for _ in range(max(writes // (1 + self.RENAMES), 1))]
        self.interval = seconds / max(writes, 1) * threads  # per thread
        self.threads = threads
        self.statuses: dict[str, int] = {}
        self.sent: list[tuple[float, int | str]] = []  # (when, status) of every request
        self.failures: list[str] = []
        self._lock = threading.Lock()
        self._workers: list[threading.Thread] = []
        self.tag = secrets.token_hex(2).upper()

    def start(self) -> "EntityWriter":
        for index in range(self.threads):
            thread = threading.Thread(target=self._run, args=(index,), daemon=True)
            thread.start()
            self._workers.append(thread)
        return self

    def join(self) -> None:
        for thread in self._workers:
            thread.join()

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def acknowledged(self) -> int:
        return sum(len(entity.request_ids) for entity in self.entities)

    def _run(self, index: int) -> None:
        mine = self.entities[index :: self.threads]
        started = time.monotonic()
        step = 0
        for round_number in range(1 + self.RENAMES):
            for number, entity in enumerate(mine):
                pause = started + step * self.interval - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                step += 1
                web = self.webs[(number + round_number) % len(self.webs)]
                if round_number == 0:
                    self._create(web, entity, f"RLEV{self.tag}{index}X{number}")
                elif entity.asset_id:
                    self._rename(web, entity, f"Renamed {round_number}")

    def during(self, start: float, end: float) -> list[int | str]:
        """The statuses of the requests sent between ``start`` and ``end``."""
        return [status for sent, status in self.sent if start <= sent < end]

    def _request(self, web: WebServer, method: str, path: str, body: dict, **headers: str):
        request_id = f"rel-{uuid.uuid4()}"
        sent = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", web.port, timeout=HTTP_TIMEOUT)
        try:
            connection.request(
                method,
                path,
                json.dumps(body),
                {
                    "Content-Type": "application/json",
                    "Authorization": f"Token {self.token}",
                    "X-Request-ID": request_id,
                    **headers,
                },
            )
            response = connection.getresponse()
            status, data, etag = response.status, response.read(), response.getheader("ETag")
        except OSError as error:
            status, data, etag = "no answer", repr(error).encode(), None
        finally:
            connection.close()
        with self._lock:
            self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1
            self.sent.append((sent, status))
        return request_id, status, data, etag

    def _create(self, web: WebServer, entity: Entity, symbol: str) -> None:
        body = {"symbol": symbol, "name": f"{symbol} events", "asset_type": "ERC20"}
        request_id, status, data, etag = self._request(web, "POST", "/api/v1/assets/", body)
        if status != 201:
            self.failures.append(f"create {symbol} on web {web.name}: {status} {data[:300]!r}")
            return
        answer = json.loads(data)
        entity.asset_id = answer.get("asset_id") or answer["id"]
        entity.version = etag
        entity.request_ids.append(request_id)

    def _rename(self, web: WebServer, entity: Entity, name: str) -> None:
        request_id, status, data, etag = self._request(
            web,
            "PATCH",
            f"/api/v1/assets/{entity.asset_id}/",
            {"name": name},
            **{"If-Match": entity.version},
        )
        if status != 200:
            self.failures.append(
                f"rename {entity.asset_id} on web {web.name}: {status} {data[:300]!r}"
            )
            return
        entity.version = etag
        entity.request_ids.append(request_id)


# -- what the stream and the outbox hold ---------------------------------------------------


@dataclass
class StreamMessage:
    stream_sequence: int
    event_id: str
    request_id: str


def read_stream(url: str, stream: str = STREAM) -> list[StreamMessage]:
    """Every message of ``stream``, from its first, as a new consumer reads them."""

    async def read() -> list[StreamMessage]:
        connection = await nats.connect(url, connect_timeout=5, allow_reconnect=False)
        try:
            js = connection.jetstream()
            last = (await js.stream_info(stream)).state.last_seq
            consumer = await js.add_consumer(
                stream,
                ConsumerConfig(
                    deliver_policy=DeliverPolicy.ALL,
                    ack_policy=AckPolicy.NONE,
                    inactive_threshold=60,
                ),
            )
            subscription = await js.pull_subscribe_bind(consumer.name, stream=stream)
            messages: list[StreamMessage] = []
            while not messages or messages[-1].stream_sequence < last:
                try:
                    batch = await subscription.fetch(batch=1000, timeout=5)
                except TimeoutError:
                    break
                messages += [
                    StreamMessage(
                        m.metadata.sequence.stream,
                        (m.headers or {}).get("Nats-Msg-Id", ""),
                        (m.headers or {}).get("Cqar-Request-Id", ""),
                    )
                    for m in batch
                ]
            return messages
        finally:
            await connection.close()

    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(read())
    finally:
        loop.close()


class StreamCounter:
    """How many messages the stream holds, asked over one connection (a poll of a few
    milliseconds, fast enough to catch a batch between JetStream's acks and the
    outbox's mark)."""

    def __init__(self, url: str, stream: str = STREAM) -> None:
        self.stream = stream
        self.loop = asyncio.new_event_loop()
        self.connection = self.loop.run_until_complete(
            nats.connect(url, connect_timeout=5, allow_reconnect=False)
        )
        self.js = self.connection.jetstream()

    def count(self) -> int:
        async def ask() -> int:
            try:
                return (await self.js.stream_info(self.stream)).state.messages
            except NotFoundError:  # no publisher has created it yet
                return 0

        return self.loop.run_until_complete(ask())

    def close(self) -> None:
        self.loop.run_until_complete(self.connection.close())
        self.loop.close()


@dataclass
class OutboxRow:
    id: int
    event_id: str
    entity_id: str
    sequence: int | None
    status: str
    request_id: str


def outbox_rows(stack: Stack) -> list[OutboxRow]:
    return [
        OutboxRow(*row[:1], str(row[1]), *row[2:])
        for row in stack.database.query(
            f"SELECT id, event_id, entity_id, sequence, status, request_id FROM {OUTBOX} "
            "ORDER BY id"
        )
    ]


def last_outbox_id(stack: Stack) -> int:
    return stack.database.query(f"SELECT coalesce(max(id), 0) FROM {OUTBOX}")[0][0]


def unpublished(stack: Stack, recorded_before=None) -> int:
    """Events not yet on the bus (recorded before the database time given, if one is)."""
    sql = f"SELECT count(*) FROM {OUTBOX} WHERE status <> 'PUBLISHED'"
    if recorded_before is None:
        return stack.database.query(sql)[0][0]
    return stack.database.query(sql + " AND occurred_at <= %s", [recorded_before])[0][0]


def database_now(stack: Stack):
    return stack.database.query("SELECT now()")[0][0]


def drained(stack: Stack, since: float, recorded_before=None, timeout=DRAIN_TIMEOUT) -> float:
    """Seconds from ``since`` until no event (recorded before ``recorded_before``) waits
    in the outbox; AssertionError after ``timeout``."""
    wait_for(
        lambda: unpublished(stack, recorded_before) == 0,
        timeout,
        "the outbox to be published",
        interval=0.2,
    )
    return time.monotonic() - since


def check_delivery(
    result: ScenarioResult,
    stack: Stack,
    nats_url: str,
    writer: EntityWriter,
    baseline_id: int,
) -> None:
    """Compare the whole outbox with the whole stream (see the module docstring); the
    events counts are those recorded after ``baseline_id`` (the scenario's own, not the
    demo data's)."""
    rows = outbox_rows(stack)
    messages = read_stream(nats_url)
    by_event = {row.event_id: row for row in rows}
    on_stream: dict[str, list[StreamMessage]] = {}
    for message in messages:
        on_stream.setdefault(message.event_id, []).append(message)

    ours = [row for row in rows if row.id > baseline_id]
    result.events_written = len(ours)
    result.events_delivered = sum(1 for row in ours if row.event_id in on_stream)
    result.events_duplicated = sum(
        len(on_stream.get(row.event_id, ())) - 1 for row in ours if row.event_id in on_stream
    )
    result.events_missing = len(ours) - result.events_delivered
    unknown = [m.event_id for m in messages if m.event_id not in by_event]
    earlier = [row for row in rows if row.id <= baseline_id]
    result.check(
        all(len(on_stream.get(row.event_id, ())) == 1 for row in earlier),
        "an event recorded before the scenario is missing or duplicated on the stream",
    )
    result.check(not unknown, f"{len(unknown)} messages on the stream no outbox row has")
    result.check(
        result.events_missing == 0,
        f"{result.events_missing} events missing from the stream, e.g. "
        f"{[r.event_id for r in ours if r.event_id not in on_stream][:3]}",
    )
    result.check(result.events_duplicated == 0, f"{result.events_duplicated} events duplicated")
    still = [row for row in rows if row.status != "PUBLISHED"]
    result.check(not still, f"{len(still)} outbox rows not PUBLISHED, e.g. {still[:2]}")

    # Order per entity: the stream's order is the outbox's sequence order.
    stream_position = {m.event_id: m.stream_sequence for m in messages}
    per_entity: dict[str, list[OutboxRow]] = {}
    for row in rows:
        if row.event_id in stream_position:
            per_entity.setdefault(row.entity_id, []).append(row)
    out_of_order = [
        entity
        for entity, events in per_entity.items()
        if [e.sequence for e in sorted(events, key=lambda e: stream_position[e.event_id])]
        != sorted(e.sequence for e in events)
    ]
    result.check(
        not out_of_order,
        f"{len(out_of_order)} entities' events out of sequence order on the stream, e.g. "
        f"{out_of_order[:3]}",
    )

    # The writer's own record: its entities' events in the order its writes were answered,
    # one event per acknowledged write.
    wrong = []
    for entity in writer.entities:
        if not entity.asset_id:
            continue
        events = sorted(
            per_entity.get(entity.asset_id, ()), key=lambda e: stream_position[e.event_id]
        )
        seen = [e.request_id for e in events if e.request_id in entity.request_ids]
        if seen != entity.request_ids:
            wrong.append(entity.asset_id)
    result.check(
        not wrong,
        f"{len(wrong)} of the writer's assets do not have one event per acknowledged write "
        f"in the order of the writes, e.g. {wrong[:3]}",
    )
    result.notes.append(
        f"writer: {writer.acknowledged} writes acknowledged of {writer.requests} sent, "
        f"on {sum(1 for e in writer.entities if e.asset_id)} assets; "
        f"stream holds {len(messages)} messages"
    )


def record_writes(result: ScenarioResult, writer: EntityWriter, load: Load) -> None:
    """The writer's and the load's requests into ``result``; any refused write fails it."""
    for status, count in writer.statuses.items():
        for _ in range(count):
            result.count(status)
    load.record(result)
    result.check(not writer.failures, f"writes refused: {writer.failures[:3]}")
    result.check(
        load.writes_refused == 0,
        f"the load's writes were refused (5xx or no answer) {load.writes_refused} times",
    )


def writes_during_fault(
    result: ScenarioResult, writer: EntityWriter, start: float, end: float
) -> None:
    """The writer must have written while the part was away (else nothing was tested)."""
    statuses = writer.during(start, end)
    acknowledged = sum(1 for status in statuses if status in (200, 201))
    result.notes.append(
        f"writer: {acknowledged} of {len(statuses)} writes sent during the fault acknowledged"
    )
    result.check(bool(statuses), "the writer wrote nothing while the part was away")


def away_during_writes(
    result: ScenarioResult,
    stack: Stack,
    nats_url: str,
    quick: bool,
    timing: tuple[int, float, float, float],
    take_away,
    bring_back,
) -> float:
    """The writer's ``writes`` over ``before + away + after`` seconds, beside the load;
    ``take_away()`` after ``before`` s, ``bring_back()`` ``away`` s after it started;
    then every check. Returns how long the part was away (taking it away and bringing it
    back may take time of their own)."""
    writes, before, away, after = timing
    baseline = last_outbox_id(stack)
    writer = EntityWriter(stack, writes, before + away + after)
    with Load(stack, **load_size(quick)) as load:
        writer.start()
        time.sleep(before)
        gone = time.monotonic()
        take_away()
        time.sleep(max(away - (time.monotonic() - gone), 0))
        bring_back()
        back, back_at = time.monotonic(), database_now(stack)
        result.recovery_seconds = drained(stack, back, back_at)
        writer.join()
    drained(stack, time.monotonic())
    record_writes(result, writer, load)
    writes_during_fault(result, writer, gone, back)
    check_delivery(result, stack, nats_url, writer, baseline)
    return back - gone


# -- 1. NATS unreachable -------------------------------------------------------------------


def nats_unreachable(quick: bool) -> ScenarioResult:
    """NATS behind a TCP gate; the gate shut (connections cut, new ones refused) while
    the writer's writes go on."""
    result = ScenarioResult("events: NATS unreachable")
    with tempfile.TemporaryDirectory(prefix="cqar-rel-nats-") as directory:
        bus = NatsServer(Path(directory) / "nats").start()
        gate = TcpGate("127.0.0.1", bus.port, scheme="nats")
        gate.open()
        env = bus_env(gate.url, SHARED_BROKER, "nats")
        try:
            with Stack("events_nats", worker=True, env=env, **stack_size(quick)) as stack:
                timing = (100, 2, 5, 3) if quick else (500, 5, 30, 10)
                away = away_during_writes(
                    result, stack, bus.url, quick, timing, gate.shut, gate.open
                )
                result.notes.append(
                    f"NATS unreachable {away:.0f} s during {timing[0]} writes; recovery: "
                    "from the gate's opening until every event recorded before it is on "
                    "the stream"
                )
        finally:
            gate.shut()
            bus.stop()
            delete_queue(SHARED_BROKER, env["CELERY_QUEUE"])
    return result


# -- 2. the worker killed mid-publish -------------------------------------------------------


def backlog_token_list(directory: Path, tokens: int) -> Path:
    """A token list of ``tokens`` new tokens on Ethereum: an import of it records two
    events per token (asset and deployment) in one transaction, a backlog the worker
    publishes in several batches."""
    tag = secrets.token_hex(2).upper()
    path = directory / "backlog.tokenlist.json"
    path.write_text(
        json.dumps(
            {
                "name": "reliability backlog",
                "timestamp": "2026-01-01T00:00:00Z",
                "version": {"major": 1, "minor": 0, "patch": 0},
                "tokens": [
                    {
                        "chainId": 1,
                        "address": "0x" + secrets.token_hex(20),
                        "name": f"Backlog {tag} {index}",
                        "symbol": f"BL{tag}{index}",
                        "decimals": 18,
                    }
                    for index in range(tokens)
                ],
            }
        )
    )
    return path


class Workers:
    """The stack's Celery worker, started, killed and started again with the same command
    line, as a supervisor restarts it: the same beat schedule file, which the SIGKILL may
    have left half-written. The stack stops the last one."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.starts = 0
        self.log = stack.directory / "worker.log"  # its beat schedule: worker.beat
        self.current: Worker | None = None  # set before it boots: a tripwire may kill it

    def start(self) -> Worker:
        if self.log.exists():  # Worker.start() waits for a "ready." of its own in it
            self.log.rename(self.log.with_name(f"worker-{self.starts}.log"))
        self.starts += 1
        self.current = Worker(self.log, self.stack.env)
        self.stack.worker = self.current  # the stack stops it
        self.current.start()
        stack_module._LIVE.add(self.current.process)
        return self.current

    def kill_now(self) -> None:
        """SIGKILL the process group (the pool child and beat die at once); callable from
        any thread, as early as the worker's process exists."""
        process = self.current.process if self.current else None
        if process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

    def reap(self) -> None:
        """After kill_now(): wait for the killed group, close its log."""
        self.kill_now()
        self.current.process.wait(10)
        self.current.stop()  # nothing left to stop; closes its log
        stack_module._LIVE.discard(self.current.process)


class Tripwire:
    """A plain NATS subscription to the events' subjects, in a thread of its own, that
    calls ``action`` from its callback on the n-th message after arm(n): JetStream has
    just stored it, the publisher is waiting for the acks of its batch (of up to
    EVENTS_PUBLISH_BATCH) and has marked none of them. No poll of the database or the
    stream could be as quick."""

    SUBJECTS = ("cqc.events.v1.>", "cqar.events.v1.>")

    def __init__(self, url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.remaining = 0
        self.action = None
        self.fired = threading.Event()
        self._call(self._open(url))

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(30)

    async def _open(self, url: str) -> None:
        self.connection = await nats.connect(url, connect_timeout=5)
        for subject in self.SUBJECTS:
            await self.connection.subscribe(subject, cb=self._on_message)
        await self.connection.flush()

    async def _on_message(self, message) -> None:
        if self.action is None:
            return
        self.remaining -= 1
        if self.remaining <= 0:
            action, self.action = self.action, None
            action()
            self.fired.set()

    def arm(self, after: int, action) -> None:
        def set_up() -> None:
            self.fired.clear()
            self.remaining, self.action = after, action

        self.loop.call_soon_threadsafe(set_up)

    def close(self) -> None:
        self._call(self.connection.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def published(connection) -> int:
    return connection.execute(
        f"SELECT count(*) FROM {OUTBOX} WHERE status = 'PUBLISHED'"
    ).fetchone()[0]


def worker_killed(quick: bool) -> ScenarioResult:
    """The worker publishing a backlog of events (a token-list import) is SIGKILLed in
    the middle of a batch: JetStream has stored part of it, the outbox has marked none of
    it. Started again, killed again, and at last left to finish. The writer and the load
    go on throughout. A kill the scheduler delays past the batch's mark (a loaded machine
    may hold the tripwire's thread back that long) is tried again."""
    import psycopg

    result = ScenarioResult("events: worker SIGKILLed mid-publish")
    tokens, kills, writes, seconds = (800, 1, 60, 15) if quick else (3000, 4, 500, 60)
    # Kills may miss the window (below): up to this many tries.
    tries = kills + 3
    # Messages between kills (re-sent ones count too): the import's events spread over the
    # tries, and more than a batch, so that each try gets further into the backlog.
    every = max(2 * tokens // tries, 600) + 100
    with tempfile.TemporaryDirectory(prefix="cqar-rel-kill-") as directory:
        bus = NatsServer(Path(directory) / "nats").start()
        env = bus_env(bus.url, SHARED_BROKER, "kill")
        try:
            with Stack("events_kill", env=env, **stack_size(quick)) as stack:
                baseline = last_outbox_id(stack)
                writer = EntityWriter(stack, writes, seconds)
                workers = Workers(stack)
                landed = []  # per kill: events on the stream the outbox has not marked
                counter, tripwire = StreamCounter(bus.url), Tripwire(bus.url)
                with (
                    Load(stack, **load_size(quick)) as load,
                    psycopg.connect(stack.database.url, autocommit=True) as db,
                    contextlib.closing(counter),
                    contextlib.closing(tripwire),
                ):
                    writer.start()
                    while sum(1 for n in landed if n) < kills and len(landed) < tries:
                        tripwire.arm(every, workers.kill_now)
                        workers.start()
                        if not landed:
                            backlog_list = backlog_token_list(Path(directory), tokens)
                            stack.manage("import_tokenlist", str(backlog_list))
                        if not tripwire.fired.wait(60):
                            break  # the backlog is published: no kill left to try
                        workers.reap()
                        landed.append(counter.count() - published(db))
                    restarted, restarted_at = time.monotonic(), database_now(stack)
                    workers.start()
                    result.recovery_seconds = drained(stack, restarted, restarted_at)
                    writer.join()
                drained(stack, time.monotonic())
                record_writes(result, writer, load)
                check_delivery(result, stack, bus.url, writer, baseline)
                result.notes.append(
                    f"the worker killed {len(landed)} times while publishing a backlog of "
                    f"{2 * tokens} events; events on the stream the outbox had not marked "
                    f"published at each kill (sent again after the restart): {landed}; a 0 "
                    "is a kill that came too late, after the batch's mark; recovery: from "
                    "the last restart (the worker's boot included) until the backlog is on "
                    "the stream"
                )
                result.check(
                    sum(1 for n in landed if n) >= kills,
                    f"fewer than {kills} of {len(landed)} kills came between JetStream's ack "
                    "and the outbox's mark",
                )
        finally:
            bus.stop()
            delete_queue(SHARED_BROKER, env["CELERY_QUEUE"])
    return result


# -- 3. RabbitMQ restarted ----------------------------------------------------------------


class GatedSharedBroker:
    """The quick form's broker: the shared RabbitMQ behind a TcpGate. Shutting the gate
    cuts every connection and refuses new ones, as a restart does to its clients, without
    the 10-20 s two starts of a node of its own cost on a loaded two-core machine."""

    def __init__(self) -> None:
        target = urlsplit(SHARED_BROKER)
        self.gate = TcpGate(target.hostname, target.port, scheme="amqp")
        self.gate.open()
        self.url = f"amqp://guest:guest@127.0.0.1:{self.gate.port}//"
        self.start_seconds: list[float] = []

    def stop(self) -> None:
        self.gate.shut()

    def start(self) -> None:
        self.gate.open()


def rabbitmq_restarted(quick: bool) -> ScenarioResult:
    """The Celery broker stopped, down a while, and started again while the writer's
    writes go on: a RabbitMQ node of the scenario's own (full), or the shared one's
    connections cut and refused through a gate (quick)."""
    result = ScenarioResult("events: RabbitMQ restarted" + (" (gate)" if quick else ""))
    with tempfile.TemporaryDirectory(prefix="cqar-rel-rabbit-") as directory:
        bus = NatsServer(Path(directory) / "nats").start()
        broker = GatedSharedBroker() if quick else RabbitNode(Path(directory) / "rabbitmq").start()
        env = bus_env(bus.url, broker.url, "rabbit")
        try:
            with Stack("events_rabbit", worker=True, env=env, **stack_size(quick)) as stack:
                timing = (60, 2, 4, 4) if quick else (500, 5, 20, 15)
                away = away_during_writes(
                    result, stack, bus.url, quick, timing, broker.stop, broker.start
                )
                starts = ", ".join(f"{seconds:.1f}" for seconds in broker.start_seconds)
                result.notes.append(
                    f"RabbitMQ away {away:.0f} s during {timing[0]} writes "
                    + (
                        "(the shared broker's connections cut and refused by a gate); "
                        if quick
                        else f"(its own node, stopped cleanly and started in {starts} s); "
                    )
                    + "recovery: from its return until every event recorded before it is on "
                    "the stream"
                )
        finally:
            broker.stop()
            bus.stop()
            if quick:
                delete_queue(SHARED_BROKER, env["CELERY_QUEUE"])
    return result


SCENARIOS = [
    ("events_nats_unreachable", nats_unreachable),
    ("events_worker_killed", worker_killed),
    ("events_rabbitmq_restarted", rabbitmq_restarted),
]
