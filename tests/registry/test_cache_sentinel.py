"""The hot cache behind Redis Sentinel: a failover while lookups run costs no error and
no stale answer (docs/SCALING.md, "Redis Sentinel").

A master, a replica and three sentinels of the test's own (quorum 2, down after 1 s); a
gunicorn server with two workers on ``REDIS_URL=redis+sentinel://…``. Pre-trade checks
of BTC and ETH on Kraken run in a loop while:

1. an auditor flags BTC; the replica is then made to hold the answers from before the
   flag, as a replica that had not yet received the write's deletes would;
2. the master is killed (SIGKILL);
3. an auditor flags ETH while no master is reachable (the write fences the cache);
4. the sentinels promote the replica.

Every lookup answers 200 (from PostgreSQL while Redis cannot), none sent after a flag's
response says "tradeable", and the time from the kill until a lookup is answered from
the promoted master's cache is printed (the failover time of docs/SCALING.md).
"""

import logging
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from knox.models import AuthToken

from assets.models import Asset
from config.redis_url import redis_cache_connection
from markets.lookups import ticker_key
from registry import cache
from registry.roles import AUDITOR, VIEWER
from tests.events.worker import wait_for
from tests.redis_sentinel import SentinelGroup
from tests.redis_server import RedisServer
from tests.registry.test_cache_across_processes import Server

SYMBOLS = {"BTC": "XXBTZUSD", "ETH": "XETHZUSD"}
KEYS = {asset: ticker_key("kraken", symbol, "SPOT") for asset, symbol in SYMBOLS.items()}


def pretrade_path(asset: str) -> str:
    return f"/api/v1/resolve/pretrade/?venue=kraken&symbol={SYMBOLS[asset]}"


@dataclass
class Read:
    asset: str
    sent: float
    status: int
    tradeable: bool | None


@dataclass
class Registry:
    group: SentinelGroup
    server: Server
    viewer: str
    auditor: str
    assets: dict[str, str]  # BTC, ETH -> asset_id

    def check(self, asset: str) -> Read:
        sent = time.monotonic()
        try:
            status, body = self.server.request("GET", pretrade_path(asset), self.viewer)
        except OSError:
            return Read(asset, sent, 0, None)
        return Read(asset, sent, status, (body or {}).get("tradeable"))

    def flag(self, asset: str) -> float:
        """Raise a CRITICAL flag; the time its response arrived (after commit)."""
        status, body = self.server.request(
            "POST",
            "/api/v1/quality-flags/",
            self.auditor,
            {"asset": self.assets[asset], "flag_type": "EXPLOITED", "severity": 5, "reason": "t"},
        )
        assert status == 201, body
        return time.monotonic()


@dataclass
class Readers:
    """Pre-trade checks of BTC and ETH in a loop, one thread per server worker."""

    registry: Registry
    reads: list[Read] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> "Readers":
        for _ in range(2):
            thread = threading.Thread(target=self._read, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def _read(self) -> None:
        while not self._stop.is_set():
            for asset in SYMBOLS:
                self.reads.append(self.registry.check(asset))

    def stop(self) -> list[Read]:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)
        return self.reads


@pytest.fixture
def registry(transactional_db, tmp_path):
    call_command("load_demo", stdout=StringIO())
    viewer = User.objects.create_user("market-data")
    viewer.groups.set(Group.objects.filter(name=VIEWER))
    auditor = User.objects.create_user("auditor")
    auditor.groups.set(Group.objects.filter(name__in=[VIEWER, AUDITOR]))
    # The replica takes writes of its own, so the test can plant what it missed.
    group = SentinelGroup(tmp_path, replica_args=("--replica-read-only", "no"))
    # CACHE_LEASE_SECONDS (1, the Server's) no longer than down-after-milliseconds: no
    # lease granted before the master stopped answering outlives the failover.
    server = Server("sentinel", tmp_path, group.url, CACHE_RETRY_SECONDS="0.2", WEB_CONCURRENCY="2")
    try:
        group.start()
        server.start()
        group.wait_until_watching()
        server.wait_until_serving()
        yield Registry(
            group=group,
            server=server,
            viewer=AuthToken.objects.create(user=viewer)[1],
            auditor=AuthToken.objects.create(user=auditor)[1],
            assets={
                asset: str(Asset.objects.with_identifier("COINGECKO", name).get().pk)
                for asset, name in (("BTC", "bitcoin"), ("ETH", "ethereum"))
            },
        )
    finally:
        server.stop()
        group.stop()


def cached_answer(client, asset: str) -> bytes:
    return client.get(KEYS[asset]) or b""


def served_from_cache(registry: Registry, asset: str, client) -> tuple[Read, bool]:
    """One check, and whether the promoted master answered it: the answer was there
    before it was sent, and the check read it (the master counted a keyspace hit)."""
    was_cached = cached_answer(client, asset)[:1] == b"+"
    hits = client.info("stats")["keyspace_hits"]
    read = registry.check(asset)
    return read, was_cached and client.info("stats")["keyspace_hits"] > hits


@pytest.mark.django_db(transaction=True)
def test_a_failover_while_lookups_run_answers_every_lookup_and_nothing_stale(registry):
    group = registry.group
    master, replica = group.master.client(), group.replica.client()

    def both_cached() -> bool:
        for asset in SYMBOLS:
            assert registry.check(asset).tradeable is True
        return all(cached_answer(master, asset)[:1] == b"+" for asset in SYMBOLS)

    wait_for(both_cached, 30, "both checks cached on the master")
    before_flag = {key: master.get(key) for key in master.scan_iter("v1:*")}
    before_flag = {key: value for key, value in before_flag.items() if value is not None}
    readers = Readers(registry).start()

    btc_flagged = registry.flag("BTC")
    wait_for(lambda: b"EXPLOITED" in cached_answer(master, "BTC"), 30, "BTC's new answer cached")
    assert master.execute_command("WAIT", 1, 5000) == 1  # the replica has it all
    # What a replica that had not yet received the flag's deletes would hold.
    replica.mset(before_flag)
    assert b"EXPLOITED" not in cached_answer(replica, "BTC")

    killed = time.monotonic()
    group.master.stop()  # SIGKILL
    eth_flag_sent = time.monotonic()
    eth_flagged = registry.flag("ETH")  # no master to reach: the write fences

    wait_for(lambda: group.master_port() == group.replica.port, 30, "the replica's promotion")
    promoted = time.monotonic()
    reads = readers.stop()

    # From now on one check at a time: the promoted master's counters show which one it
    # answered from its cache.
    first_cached = None
    while first_cached is None:
        assert time.monotonic() - killed < 30, "no lookup answered from the new master"
        read, from_cache = served_from_cache(registry, "BTC", replica)
        reads.append(read)
        if from_cache:
            first_cached = time.monotonic()
    reads += [registry.check(asset) for _ in range(10) for asset in SYMBOLS]

    failed = [read for read in reads if read.status != 200]
    assert not failed, f"{len(failed)} of {len(reads)} lookups failed: {failed[:5]}"
    stale = [
        read
        for read in reads
        if read.tradeable is not False
        and (
            (read.asset == "BTC" and read.sent > btc_flagged)
            or (read.asset == "ETH" and read.sent > eth_flagged)
        )
    ]
    assert not stale, f"{len(stale)} lookups after a flag answered tradeable: {stale[:5]}"
    during = [read for read in reads if killed < read.sent < promoted]
    assert during, "no lookup ran during the failover"
    assert b"EXPLOITED" in cached_answer(replica, "BTC")
    print(
        f"\nSentinel failover: kill to promotion {promoted - killed:.2f} s; kill to the first "
        f"lookup answered from the new master's cache {first_cached - killed:.2f} s; "
        f"{len(during)} lookups during the failover, all 200 from PostgreSQL; the fenced "
        f"ETH flag took {eth_flagged - eth_flag_sent:.2f} s"
    )


# --- a failover seen by one process, in process --------------------------------------

KEY = ticker_key("kraken", "FAILOVER", "SPOT")
FRESH = (True, b'{"answer": "from PostgreSQL"}')


def in_sync(replica: RedisServer) -> bool:
    return replica.client().info("replication").get("master_link_status") == "up"


@pytest.fixture
def two_redis(tmp_path, settings):
    """Two redis-servers of the test's own; the cache on the first, its lease short."""
    no_sync_delay = ("--repl-diskless-sync-delay", "0")  # a replica syncs at once
    first = RedisServer(tmp_path / "first", *no_sync_delay).start()
    second = RedisServer(tmp_path / "second", *no_sync_delay).start()
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": first.url}}
    settings.CACHE_LEASE_SECONDS = 0.5
    cache.redis_state.reset()
    try:
        yield first, second
    finally:
        cache.redis_state.reset()
        first.stop()
        second.stop()


def lease_runs_out(settings) -> None:
    time.sleep(settings.CACHE_LEASE_SECONDS)


@pytest.mark.django_db
def test_a_master_failed_over_and_promoted_back_is_checked_like_a_new_one(two_redis, settings):
    """The first Redis fails over to the second and back: the same process, the same run
    id, but a new replication id. Meanwhile the second took a delete the first never
    received (planted here): the first's hot keys are deleted before any is read."""
    first, second = two_redis
    assert cache.read_through(KEY, "venue", lambda: FRESH) == FRESH
    assert first.client().get(KEY) == cache.encode(FRESH)  # read through the first

    second.client().replicaof("127.0.0.1", first.port)
    wait_for(lambda: in_sync(second), 10, "the second to replicate the first")
    second.client().replicaof("NO", "ONE")
    first.client().replicaof("127.0.0.1", second.port)
    wait_for(lambda: in_sync(first), 10, "the first to replicate the second")
    first.client().replicaof("NO", "ONE")
    first.client().set(KEY, b'+{"answer": "stale"}')
    lease_runs_out(settings)

    assert cache.read_through(KEY, "venue", lambda: FRESH) == FRESH


@pytest.mark.django_db
def test_a_master_demoted_to_a_replica_is_not_read(two_redis, settings, caplog):
    """A failover made the first Redis a replica of the second, and the process still
    reaches it (a connection made before the failover, or a plain REDIS_URL): what it
    holds is a replica's copy, so lookups read PostgreSQL."""
    first, second = two_redis
    assert cache.read_through(KEY, "venue", lambda: FRESH) == FRESH
    second.client().set(KEY, b'+{"answer": "a replica\'s copy"}')

    first.client().replicaof("127.0.0.1", second.port)
    wait_for(lambda: in_sync(first), 10, "the first to replicate the second")
    lease_runs_out(settings)
    loads = []

    with caplog.at_level(logging.WARNING, logger="registry.cache"):
        answer = cache.read_through(KEY, "venue", lambda: loads.append(1) or FRESH)

    assert answer == FRESH
    assert loads == [1]
    assert "is a replica now" in caplog.text


@pytest.mark.django_db
def test_a_master_paused_through_a_failover_is_not_read_when_it_resumes(tmp_path, settings):
    """The master stops answering (SIGSTOP) long enough for the sentinels to promote the
    replica, and a write's delete reaches the new master; then it resumes, and still
    says it is the master until the sentinels demote it (about 10 s). The process's
    connection to it saw no error, but its next lease renewal asks the sentinels and
    reads the new master."""
    group = SentinelGroup(tmp_path).start()
    try:
        location, options = redis_cache_connection(group.url, settings.REDIS_SOCKET_TIMEOUT)
        default = settings.CACHES["default"]
        settings.CACHES = {
            "default": {
                **default,
                "LOCATION": location,
                "OPTIONS": {**default["OPTIONS"], **options},
            }
        }
        settings.CACHE_LEASE_SECONDS = 0.5
        cache.redis_state.reset()
        group.wait_until_watching()
        old, new = (True, b'{"answer": "old"}'), (True, b'{"answer": "new"}')
        assert cache.read_through(KEY, "venue", lambda: old) == old
        assert group.master.client().get(KEY) == cache.encode(old)

        os.killpg(group.master.process.pid, signal.SIGSTOP)
        wait_for(lambda: group.master_port() == group.replica.port, 30, "the promotion")
        group.replica.client().delete(KEY)  # the write after the promotion
        os.killpg(group.master.process.pid, signal.SIGCONT)
        assert group.master.client().info("replication")["role"] == "master"

        assert cache.read_through(KEY, "venue", lambda: new) == new
        assert group.replica.client().get(KEY) == cache.encode(new)
    finally:
        cache.redis_state.reset()
        group.stop()
