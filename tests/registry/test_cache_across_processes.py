"""No read after a committed write returns the old answer, from any process, whatever
its circuit breaker says (docs/ARCHITECTURE.md, "The hot-path cache").

Two gunicorn servers, A and B, one sync worker each, share one redis-server of the
test's own (each through a TCP gate the test can shut). An auditor raises a CRITICAL flag
on BTC through A; before it, the pre-trade check of Kraken's XXBTZUSD is cached as
tradeable. Redis is partitioned from A, paused for writes, or restarted around the
write, and every pre-trade check sent to A or B after the write's response must say
"not tradeable", until both have read the key through Redis again.
"""

import os
import threading
import time
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from knox.models import AuthToken

from assets.models import Asset
from markets.lookups import ticker_key
from registry.roles import AUDITOR, VIEWER
from tests.events.worker import session_database_url, wait_for
from tests.redis_server import RedisServer
from tests.reliability.stack import METRICS_TOKEN, WebServer
from tests.tcp_gate import TcpGate

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
PRETRADE = "/api/v1/resolve/pretrade/?venue=kraken&symbol=XXBTZUSD"
KEY = ticker_key("kraken", "XXBTZUSD", "SPOT")
LEASE_SECONDS = "1"


class Server(WebServer):
    """``gunicorn -c config/gunicorn.py config.wsgi`` with one worker, on a free port, on
    the test database, reaching Redis at ``redis_url``."""

    def __init__(self, name: str, directory: Path, redis_url: str, **env: str) -> None:
        excluded = {"CELERY_BROKER_URL", "NATS_URL", "PROMETHEUS_MULTIPROC_DIR"}
        environment = {
            **{key: value for key, value in os.environ.items() if key not in excluded},
            "DATABASE_URL": session_database_url(),
            "REDIS_URL": redis_url,
            "LOG_LEVEL": "WARNING",
            "CACHE_LEASE_SECONDS": LEASE_SECONDS,
            "METRICS_TOKEN": METRICS_TOKEN,
            **env,
        }
        super().__init__(name, directory, environment, workers=1)


@dataclass
class Read:
    server: str
    sent: float
    status: int
    tradeable: bool | None


@dataclass
class Readers:
    """Pre-trade checks sent to each server in a loop, in background threads."""

    servers: list[Server]
    token: str
    reads: list[Read] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> "Readers":
        for server in self.servers:
            thread = threading.Thread(target=self._read, args=(server,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def _read(self, server: Server) -> None:
        while not self._stop.is_set():
            try:
                self.reads.append(check(server, self.token))
            except OSError:  # recorded as a failed read, which the test reports
                self.reads.append(Read(server.name, time.monotonic(), 0, None))

    def stop(self) -> list[Read]:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)
        return self.reads


def check(server: Server, token: str) -> Read:
    sent = time.monotonic()
    status, body = server.request("GET", PRETRADE, token)
    return Read(server.name, sent, status, (body or {}).get("tradeable"))


@dataclass
class Registry:
    """Redis, the gates to it, the two servers and the tokens of the test."""

    redis: RedisServer
    gates: dict[str, TcpGate]
    servers: dict[str, Server]
    viewer: str
    auditor: str
    btc: str

    def warm(self) -> None:
        """Both servers answer "tradeable", and the answer is cached in Redis."""
        for server in self.servers.values():
            for _ in range(2):
                assert check(server, self.viewer).tradeable is True
        assert self.redis.client().get(KEY)[:1] == b"+"

    def flag_btc(self) -> float:
        """Raise a CRITICAL flag through A; the time its response arrived (after commit)."""
        status, body = self.servers["A"].request(
            "POST",
            "/api/v1/quality-flags/",
            self.auditor,
            {"asset": self.btc, "flag_type": "EXPLOITED", "severity": 5, "reason": "test"},
        )
        assert status == 201, body
        return time.monotonic()

    def read_until_cached_again(self, since: float) -> list[Read]:
        """Checks on A and B, alternately, until the new answer is cached in Redis and
        each server has answered 5 more times after that."""
        reads: list[Read] = []
        recached_at = None

        def done() -> bool:
            nonlocal recached_at
            for server in self.servers.values():
                reads.append(check(server, self.viewer))
            value = self.redis.client().get(KEY) or b""
            if recached_at is None and value[:1] == b"+" and b"EXPLOITED" in value:
                recached_at = len(reads)
            return recached_at is not None and len(reads) >= recached_at + 10

        wait_for(done, 60, "both servers to read the new answer through Redis", 0.05)
        return [read for read in reads if read.sent > since]


@pytest.fixture
def stack(transactional_db, tmp_path, own_redis):
    call_command("load_demo", stdout=StringIO())
    viewer = User.objects.create_user("market-data")
    viewer.groups.set(Group.objects.filter(name=VIEWER))
    auditor = User.objects.create_user("auditor")
    auditor.groups.set(Group.objects.filter(name__in=[VIEWER, AUDITOR]))
    gates = {name: TcpGate("127.0.0.1", own_redis.port, scheme="redis") for name in "AB"}
    for gate in gates.values():
        gate.open()
    servers = {
        # A's breaker, once open, stays open for the whole test; B's closes at once.
        "A": Server("A", tmp_path, f"{gates['A'].url}/0", CACHE_RETRY_SECONDS="600"),
        "B": Server("B", tmp_path, f"{gates['B'].url}/0", CACHE_RETRY_SECONDS="0"),
    }
    try:
        for server in servers.values():
            server.start()
        for server in servers.values():
            server.wait_until_serving()
        yield Registry(
            redis=own_redis,
            gates=gates,
            servers=servers,
            viewer=AuthToken.objects.create(user=viewer)[1],
            auditor=AuthToken.objects.create(user=auditor)[1],
            btc=str(Asset.objects.with_identifier("COINGECKO", "bitcoin").get().pk),
        )
    finally:
        for server in servers.values():
            server.stop()
        for gate in gates.values():
            gate.shut()


def assert_never_stale(reads: list[Read], since: float) -> None:
    after = [read for read in reads if read.sent > since]
    assert {read.server for read in after} == {"A", "B"}
    stale = [read for read in after if read.status != 200 or read.tradeable is not False]
    assert not stale, f"{len(stale)} of {len(after)} reads after the write were stale: {stale[:5]}"


def test_the_writer_breaker_still_open_after_an_outage(stack):
    """The issue's case: after a short outage A's breaker is still open, B's has closed
    and B serves from Redis again. A's write must still reach Redis."""
    stack.warm()
    for gate in stack.gates.values():
        gate.shut()
    for server in stack.servers.values():  # both notice the outage: breakers open
        assert check(server, stack.viewer).tradeable is True
    for gate in stack.gates.values():
        gate.open()
    assert check(stack.servers["B"], stack.viewer).tradeable is True  # B is back on Redis
    readers = Readers(list(stack.servers.values()), stack.viewer).start()

    written = stack.flag_btc()
    reads = readers.stop() + stack.read_until_cached_again(written)

    assert_never_stale(reads, written)


def test_the_writer_cut_off_from_redis_while_the_other_reads_it(stack):
    """A cannot reach Redis at all (a partition); B reads it the whole time."""
    stack.warm()
    stack.gates["A"].shut()
    readers = Readers(list(stack.servers.values()), stack.viewer).start()

    written = stack.flag_btc()
    reads = readers.stop()
    stack.gates["A"].open()
    reads += stack.read_until_cached_again(written)

    assert_never_stale(reads, written)
    assert stack.servers["A"].metric("cqar_cache_fenced_writes_total") == 1


def test_redis_paused_for_writes_during_the_write(stack):
    """Redis answers reads but takes no writes (CLIENT PAUSE WRITE, as in a failover):
    neither A's tombstones nor anyone's deletes get through for a while."""
    stack.warm()
    readers = Readers(list(stack.servers.values()), stack.viewer).start()
    stack.redis.client().execute_command("CLIENT", "PAUSE", "3000", "WRITE")

    written = stack.flag_btc()
    reads = readers.stop() + stack.read_until_cached_again(written)

    assert_never_stale(reads, written)


def test_redis_stopped_before_the_write_and_back_with_its_old_data_after(stack):
    """Redis goes away before the write and comes back from a snapshot that holds the
    old answer; B made no request meanwhile, so nothing tripped its breaker."""
    stack.warm()
    stack.redis.save()
    stack.redis.stop()

    written = stack.flag_btc()
    stack.redis.start()
    reads = stack.read_until_cached_again(written)

    assert_never_stale(reads, written)


def test_redis_restarted_from_a_snapshot_older_than_the_write(stack):
    """Redis took the write's deletes, then crashed and came back from a snapshot taken
    before them (a replica promoted in its place would do the same)."""
    stack.warm()
    stack.redis.save()

    written = stack.flag_btc()
    stack.redis.stop()
    stack.redis.start()
    reads = stack.read_until_cached_again(written)

    assert_never_stale(reads, written)
