"""The hot-path cache: answers stored as response bytes in Redis, read through, and
invalidated exactly after every committed write.

Keys follow docs/DESIGN.md#lookups-and-their-cache-keys
(``v1:venue:{venue}:symbol:{symbol}:{market_type}``,
``v1:deployment:{chain}:{address}``, ``v1:flags:{asset}:active`` …); apps build them and
load their answers (``<app>/lookups.py``), this module owns the protocol:

- A value is ``+`` and the JSON body of a found answer, or ``-`` and the body of a miss
  (cached briefly, so a storm of unknown tickers does not reach PostgreSQL).
- A reader that misses claims the key with a short ``LOADING`` marker (SET NX), loads
  from PostgreSQL and stores the answer only if its marker is still there
  (compare-and-set). Readers that find another's marker wait a few milliseconds for the
  answer, then read PostgreSQL themselves: a hot key that expires costs one query, not a
  stampede.
- A write overwrites each affected key with a ``TOMBSTONE`` inside its transaction and
  deletes it after commit. A reader that sees a tombstone reads PostgreSQL and stores
  nothing, and a reader that loaded before the write cannot store its old answer (its
  marker is gone): no read that starts after a commit sees what it replaced.
- Redis slow or down: every call is bounded by the socket timeout, and after one failure
  the process leaves Redis alone for ``CACHE_RETRY_SECONDS`` (a circuit breaker), so a
  request never waits for several timeouts. Lookups then answer from PostgreSQL, rate
  limits are not enforced (``guarded``), and both are logged and counted in /metrics.
- The breaker protects reads only: a write tries Redis whatever it says. A write that
  cannot reach Redis **fences** the cache instead (``_fence``): inside its transaction
  it takes the lock that lease renewals need, waits until every process's lease has run
  out, and records its keys in PostgreSQL. A process serves from Redis only while it
  holds a **lease** (``CACHE_LEASE_SECONDS``), and renews it by first deleting from Redis
  every key recorded so: so no process, whatever its breaker says, reads an answer from
  Redis after a commit that Redis did not see. The lease also lapses whenever a
  connection to Redis is (re)made, and renewing checks that Redis is the instance the
  cache was last checked against; one restarted from an older snapshot, or a replica
  promoted in its place (a Sentinel failover), may hold answers older than deletes it
  acknowledged, so its hot keys are deleted first; and a Redis that is a replica now is
  not read. docs/ARCHITECTURE.md weighs this design against the others.
- Without REDIS_URL (the quick start) there is no hot cache: lookups read PostgreSQL.
"""

import contextlib
import logging
import os
import re
import socket
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

import redis
from django.conf import settings
from django.db import DatabaseError, InterfaceError, connection, transaction
from redis.sentinel import SentinelConnectionPool

from registry.metrics import (
    CACHE_BREAKER_OPEN,
    CACHE_ERRORS,
    CACHE_FENCED_WRITES,
    CACHE_LOOKUPS,
    count_cache_lookups,
)
from registry.replicas import read_on_replica
from registry.validators import SLUG_PATTERN

logger = logging.getLogger(__name__)

FOUND = b"+"
MISSING = b"-"
TOMBSTONE = b"\x00T"
LOADING = b"\x00L"

TOMBSTONE_MS = 60_000  # outlives any transaction it guards; expires if the writer dies
LOADING_MS = 2_000  # a chunk's load (LOAD_CHUNK keys) finishes well within it
LOAD_CHUNK = 100
WAIT_STEPS = (0.001, 0.002, 0.004)  # seconds a reader waits for another's load
# A pending invalidation of every hot key: a bulk write that could not flush them.
ALL_HOT_KEYS = "v1:*"
# The Redis instance the hot keys were last checked against (its run id and replication
# id, _check_instance). Outside v1:*, so flushing the hot keys keeps it.
INSTANCE_KEY = "cqar-cache:instance"
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for a NOWAIT lock that is taken
# How long a row of registry_cachelease says its process may hold a lease: rewritten
# only when a lease would outlast it, so most renewals write nothing.
LEASE_ROW_SECONDS = 30.0

T = TypeVar("T")


@dataclass(frozen=True)
class Family:
    """A kind of cached answer: its time to live, and that of a cached miss."""

    name: str
    ttl: int
    miss_ttl: int = 60


FAMILIES = {
    family.name: family
    for family in (
        Family("venue", ttl=3600),
        Family("instrument", ttl=3600),
        Family("deployment", ttl=3600),
        Family("asset", ttl=3600),
        Family("symbol", ttl=3600),
        Family("flags", ttl=300),
        Family("group", ttl=1800),
        Family("variants", ttl=1800),
        Family("address", ttl=3600),
    )
}
for _family in FAMILIES:  # at 0 from the start, so the hit ratio has a value at once
    CACHE_LOOKUPS.labels(_family, "hit")
    CACHE_LOOKUPS.labels(_family, "miss")

# (found, body): body is the JSON of the answer, or of the reason it was not found.
Answer = tuple[bool, bytes]

_CAS_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return 0
"""


# The hot path's one round trip when its lookups are rate limited: the token's remembered
# caller and the answer (one MGET), and the lookup counted against the caller's account,
# whose name only the remembered entry holds, so Redis reads it there itself. The
# counter's key is ARGV[1] .. actor .. ':' .. ARGV[2] (the window's number); it expires
# with its window (ARGV[3] seconds); ARGV[4] lookups are counted. Not a cluster-safe
# script (it names a key it was not given), and needs none: the cache is one Redis.
_READ_AND_COUNT_SCRIPT = """
local values = redis.call('MGET', KEYS[1], KEYS[2])
local counted = false
local entry = values[1]
if entry and string.sub(entry, 1, 1) == '{' then
    local ok, caller = pcall(cjson.decode, entry)
    if ok and type(caller) == 'table' and type(caller.actor) == 'string' then
        local key = ARGV[1] .. caller.actor .. ':' .. ARGV[2]
        counted = redis.call('INCRBY', key, ARGV[4])
        if counted == tonumber(ARGV[4]) then
            redis.call('EXPIRE', key, ARGV[3])
        end
    end
end
return {values[1], values[2], counted}
"""


@dataclass(frozen=True)
class Count:
    """Lookups to count against an account in a window of a rate limit: its counter is
    ``<prefix><actor>:<window>`` and expires after ``seconds``."""

    prefix: str
    window: int
    seconds: int
    amount: int = 1

    def key(self, actor: str) -> str:
        return f"{self.prefix}{actor}:{self.window}"


class NotFound(ValueError):
    """A request that names something the registry does not have (a CAIP-2 id of no
    registered chain): a 404 with its reason, not a 400. A ValueError, so a batch item
    answers ``found: false`` with it as any other it cannot look up."""


class CacheUnavailable(Exception):
    """Redis is not configured, the breaker is open, or this process holds no lease."""


class NoRedis(CacheUnavailable):
    """No Redis is configured (the quick start): there is no hot cache to keep."""


class _Redis:
    """The raw Redis client behind django-redis, its circuit breaker, and this process's
    lease on serving answers from it."""

    def __init__(self) -> None:
        self.down_until = 0.0
        self.lease_until = 0.0
        self.row_until = 0.0  # until when registry_cachelease names us (0: no row)
        self._holder: tuple[int, str] | None = None
        self._client = None
        self._cas = None
        self._read_and_count = None

    @property
    def holder(self) -> str:
        """This process's name in registry_cachelease (a forked child gets its own)."""
        if self._holder is None or self._holder[0] != os.getpid():
            name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
            self._holder = (os.getpid(), name)
        return self._holder[1]

    def raw(self):
        """The client whatever the breaker says: for writes, which must try Redis."""
        if not settings.CACHES["default"]["BACKEND"].startswith("django_redis"):
            raise NoRedis("no Redis configured")
        if self._client is None:
            from django_redis import get_redis_connection

            self._client = get_redis_connection("default")
            self._cas = self._client.register_script(_CAS_SCRIPT)
            self._read_and_count = self._client.register_script(_READ_AND_COUNT_SCRIPT)
        return self._client

    def available(self):
        """The client unless the breaker is open: for what may miss Redis without harm
        (counting requests for a rate limit, storing an answer loaded from PostgreSQL)."""
        client = self.raw()
        if self.down_until:
            if time.monotonic() < self.down_until:
                raise CacheUnavailable("Redis failed recently")
            self.down_until = 0.0
            CACHE_BREAKER_OPEN.set(0)
        return client

    def client(self):
        """The client for reading cached answers: the breaker closed and the lease held
        (renewed here when it has run out)."""
        client = self.available()
        if time.monotonic() >= self.lease_until:
            self._renew_lease(client)
        return client

    def leased(self) -> bool:
        """Still leased? Checked after a read: a reconnect during it (perhaps to a Redis
        restarted from an old snapshot) voids what it read."""
        return time.monotonic() < self.lease_until

    def cas(self):
        self.available()
        return self._cas

    def trip(self, error: Exception, operation: str) -> None:
        """A Redis call failed: count it, log it, and leave Redis alone for a while."""
        retry = settings.CACHE_RETRY_SECONDS
        CACHE_ERRORS.labels(operation).inc()
        logger.warning(
            "Redis failed during %s (%s): lookups read PostgreSQL and rate limits are not "
            "enforced for %.0f s",
            operation,
            error,
            retry,
        )
        self.down_until = time.monotonic() + retry
        CACHE_BREAKER_OPEN.set(1)
        self._release_lease()

    def reset(self) -> None:
        """Forget the client, the breaker and the lease (settings changed, or a test
        wants it)."""
        self.down_until = 0.0
        CACHE_BREAKER_OPEN.set(0)
        self.lease_until = 0.0
        self.row_until = 0.0
        self._client = None
        self._cas = None
        self._read_and_count = None

    def _connected(self, connection) -> None:
        """Every (re)connection to Redis: what it now reaches is checked before a read."""
        self.lease_until = 0.0

    def _renew_lease(self, client) -> None:
        """Lease Redis for CACHE_LEASE_SECONDS, once it holds nothing older than
        PostgreSQL: the keys fencing writes recorded are deleted from it, and so is every
        hot key if it is not the instance they were last checked against.

        Under a SHARE lock of the pending table, which a fencing write's ROW EXCLUSIVE
        excludes: no lease is granted while a write that could not reach Redis is open,
        and the keys it recorded are seen as soon as it has committed.
        """
        from registry.models import CacheLease, PendingCacheInvalidation

        started = time.monotonic()
        # A read checked against the lease completes within the socket timeout, so every
        # read it allows happens before ``started`` + CACHE_LEASE_SECONDS.
        lease_until = started + settings.CACHE_LEASE_SECONDS - _socket_timeout()
        row_written = False
        _follow_sentinels(client)
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"LOCK TABLE {PendingCacheInvalidation._meta.db_table} IN SHARE MODE NOWAIT"
                )
                applied = _apply_pending(client)
                _check_instance(client)
                if started + settings.CACHE_LEASE_SECONDS > self.row_until:
                    cursor.execute(
                        f"INSERT INTO {CacheLease._meta.db_table} (holder, expires_at) "
                        "VALUES (%s, clock_timestamp() + make_interval(secs => %s)) "
                        "ON CONFLICT (holder) DO UPDATE SET expires_at = EXCLUDED.expires_at",
                        [self.holder, LEASE_ROW_SECONDS],
                    )
                    row_written = True
        except (DatabaseError, InterfaceError) as error:
            if getattr(error.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE:
                raise CacheUnavailable("a write that could not reach Redis is open") from None
            raise CacheUnavailable(f"cannot read pending invalidations: {error}") from None
        if row_written:  # PostgreSQL's expiry is later still: it was set after ``started``
            self.row_until = started + LEASE_ROW_SECONDS
        self.lease_until = lease_until
        if applied:
            with contextlib.suppress(DatabaseError, InterfaceError):  # applied again: harmless
                PendingCacheInvalidation.objects.filter(id__in=applied).delete()

    def _release_lease(self) -> None:
        """Give the lease up, so fencing writes need not wait for it."""
        self.lease_until = 0.0
        if not self.row_until or connection.needs_rollback:
            return
        self.row_until = 0.0
        from registry.models import CacheLease

        with contextlib.suppress(DatabaseError, InterfaceError), transaction.atomic():
            CacheLease.objects.filter(holder=self.holder).delete()


redis_state = _Redis()


class _ObservesConnections:
    """Tells the lease about every connection a pool makes: the Redis at the other end
    may have restarted, or been failed over, meanwhile."""

    def make_connection(self):
        made = super().make_connection()
        made.register_connect_callback(redis_state._connected)
        return made


class ObservedConnectionPool(_ObservesConnections, redis.ConnectionPool):
    """django-redis's pool (CONNECTION_POOL_CLASS) for a plain REDIS_URL."""


class ObservedSentinelConnectionPool(_ObservesConnections, SentinelConnectionPool):
    """django-redis's pool for a ``redis+sentinel://`` REDIS_URL: each connection asks
    the sentinels for the master's address (config/redis_url.py)."""


def _socket_timeout() -> float:
    options = settings.CACHES["default"].get("OPTIONS", {})
    return float(options.get("SOCKET_TIMEOUT") or 0.0)


_REDIS_ERRORS: tuple[type[Exception], ...] = ()


def redis_errors() -> tuple[type[Exception], ...]:
    global _REDIS_ERRORS
    if not _REDIS_ERRORS:
        from django_redis.exceptions import ConnectionInterrupted

        _REDIS_ERRORS = (redis.exceptions.RedisError, OSError, ConnectionInterrupted)
    return _REDIS_ERRORS


def guarded(operation: str, call: Callable[[], T], default: T) -> T:
    """``call()``, or ``default`` while the breaker is open or when Redis fails (the
    failure opens the breaker, and is logged and counted as ``operation``). Without Redis
    (the quick start) ``call()`` runs against the local-memory cache."""
    try:
        redis_state.available()
    except NoRedis:
        pass
    except CacheUnavailable:
        return default
    try:
        return call()
    except CacheUnavailable:
        return default
    except redis_errors() as error:
        redis_state.trip(error, operation)
        return default


def read_keys(keys: list[str]) -> list[bytes | None]:
    """The values of ``keys`` in one round trip, under the lease (CacheUnavailable
    without one, or when it lapsed during the read)."""
    client = redis_state.client()
    values = client.mget(keys) if len(keys) > 1 else [client.get(keys[0])]
    if not redis_state.leased():
        raise CacheUnavailable("the lease lapsed during the read")
    return values


def read_caller_and_answer(
    auth_key: str, answer_key: str, count: Count | None
) -> tuple[bytes | None, bytes | None, int | None]:
    """A token's remembered caller and a cached answer in one round trip, under the lease
    (CacheUnavailable without one; both None when it lapsed during the read). With
    ``count``, the same round trip counts the lookup against the caller's account and
    gives its count in the window (None when no caller is remembered: nothing counted)."""
    client = redis_state.client()
    if count is None:
        remembered, value = client.mget([auth_key, answer_key])
        counted = None
    else:
        remembered, value, counted = redis_state._read_and_count(
            keys=[auth_key, answer_key],
            args=[count.prefix, count.window, count.seconds, count.amount],
            client=client,
        )
    if not redis_state.leased():
        return None, None, counted
    return remembered, value, counted


def count_lookups(actor: str, count: Count) -> int:
    """Count lookups against an account (one round trip; the hot path's full path, which
    has made several already): the count in the window, this one included."""
    key = count.key(actor)
    pipe = redis_state.available().pipeline(transaction=False)
    pipe.set(key, 0, ex=count.seconds, nx=True)
    pipe.incrby(key, count.amount)
    return pipe.execute()[1]


def encode(answer: Answer) -> bytes:
    found, body = answer
    return (FOUND if found else MISSING) + body


def decode(value: bytes | None) -> Answer | None:
    if value and value[:1] == FOUND:
        return True, value[1:]
    if value and value[:1] == MISSING:
        return False, value[1:]
    return None  # absent, tombstone or another reader's marker


def read_through(key: str, family: str, load: Callable[[], Answer]) -> Answer:
    """The answer for ``key``, from Redis or else from ``load()`` (PostgreSQL)."""
    return read_through_many([key], family, lambda keys: {keys[0]: load()})[0]


def read_through_many(
    keys: Sequence[str],
    family: str,
    load_many: Callable[[list[str]], dict[str, Answer]],
    deadline: float | None = None,
) -> list[Answer | None]:
    """Answers for ``keys`` in order: one round trip when all are cached.

    ``load_many(missing_keys)`` answers the keys Redis did not, from PostgreSQL,
    LOAD_CHUNK keys at a time: each chunk's keys are claimed just before its load and
    stored just after, so a long batch stores what it loaded before its loading markers
    run out. No chunk is started at or past ``deadline`` (time.monotonic()): the keys
    left answer None (only when a deadline is given).
    """
    answers: dict[str, Answer] = {}
    absent: set[str] = set()  # ours to claim: neither cached nor being loaded
    try:
        client = redis_state.client()
        values = client.mget(keys) if len(keys) > 1 else [client.get(keys[0])]
        loading = []
        for key, value in zip(keys, values, strict=True):
            decoded = decode(value)
            if decoded is not None:
                answers[key] = decoded
            elif value is None:
                absent.add(key)
            elif value.startswith(LOADING):
                loading.append(key)
            # A tombstone: a write is in flight; read PostgreSQL, store nothing.
        if loading:
            answers.update(_wait_for(client, list(dict.fromkeys(loading))))
        if not redis_state.leased():
            raise CacheUnavailable("the lease lapsed during the read")
    except CacheUnavailable:
        answers, absent = {}, set()
    except redis_errors() as error:
        redis_state.trip(error, "read")
        answers, absent = {}, set()
    hits = sum(key in answers for key in keys)
    count_cache_lookups(family, hits=hits, misses=len(keys) - hits)
    missing = [key for key in dict.fromkeys(keys) if key not in answers]
    for start in range(0, len(missing), LOAD_CHUNK):
        if deadline is not None and time.monotonic() >= deadline:
            break
        chunk = missing[start : start + LOAD_CHUNK]
        claimed = _claim_quietly([key for key in chunk if key in absent])
        # A replica only if it has replayed every commit made before now, that is, every
        # write whose invalidation came before our claims: what we store is never older.
        loaded = read_on_replica(lambda chunk=chunk: load_many(chunk), caught_up=True)
        answers.update(loaded)
        if claimed:
            _store(claimed, loaded, FAMILIES[family])
    return [answers.get(key) for key in keys]


def _claim_quietly(keys: list[str]) -> dict[str, bytes]:
    """_claim, or nothing claimed when Redis cannot be asked (the keys load, unstored)."""
    if not keys:
        return {}
    try:
        claimed = _claim(redis_state.client(), keys)
        if not redis_state.leased():
            raise CacheUnavailable("the lease lapsed during the claim")
        return claimed
    except CacheUnavailable:
        return {}
    except redis_errors() as error:
        redis_state.trip(error, "read")
        return {}


def _claim(client, keys: list[str]) -> dict[str, bytes]:
    """SET NX a loading marker on each key; the ones we got are ours to fill."""
    markers = {key: LOADING + uuid.uuid4().hex.encode() for key in keys}
    pipe = client.pipeline(transaction=False)
    for key, marker in markers.items():
        pipe.set(key, marker, nx=True, px=LOADING_MS)
    return {
        key: marker
        for (key, marker), won in zip(markers.items(), pipe.execute(), strict=True)
        if won
    }


def _wait_for(client, keys: list[str]) -> dict[str, Answer]:
    """Another reader is loading these: give it a few milliseconds."""
    found: dict[str, Answer] = {}
    for pause in WAIT_STEPS if keys else ():
        time.sleep(pause)
        remaining = [key for key in keys if key not in found]
        for key, value in zip(remaining, client.mget(remaining), strict=True):
            decoded = decode(value)
            if decoded is not None:
                found[key] = decoded
        if len(found) == len(keys):
            break
    return found


def _store(claimed: dict[str, bytes], loaded: dict[str, Answer], family: Family) -> None:
    """Compare-and-set each loaded answer over our marker (never over a tombstone)."""
    try:
        cas = redis_state.cas()
        stores = [(key, marker, loaded[key]) for key, marker in claimed.items() if key in loaded]
        # One key: EVALSHA alone (a pipeline would first ask SCRIPT EXISTS).
        pipe = redis_state.available().pipeline(transaction=False) if len(stores) > 1 else None
        for key, marker, answer in stores:
            ttl_ms = (family.ttl if answer[0] else family.miss_ttl) * 1000
            cas(keys=[key], args=[marker, encode(answer), ttl_ms], client=pipe)
        if pipe is not None:
            pipe.execute()
    except CacheUnavailable:
        pass
    except redis_errors() as error:
        redis_state.trip(error, "store")


def read_requests(
    family: str,
    requests: list[dict],
    key_of: Callable[[dict], str],
    load: Callable[[list[dict]], list[Answer]],
    deadline: float | None = None,
) -> list[Answer | None]:
    """Answers for lookup ``requests`` in order, through the cache (None: not loaded by
    ``deadline``, read_through_many).

    ``key_of(request)`` names each one's key; ``load(requests)`` answers those Redis did
    not, from PostgreSQL, in the order given.
    """
    keys = [key_of(request) for request in requests]
    by_key = dict(zip(keys, requests, strict=True))

    def load_many(missing_keys: list[str]) -> dict[str, Answer]:
        answers = load([by_key[key] for key in missing_keys])
        return dict(zip(missing_keys, answers, strict=True))

    return read_through_many(keys, family, load_many, deadline)


# --- invalidation -------------------------------------------------------------------

_discarding: ContextVar[bool] = ContextVar("cqar_cache_discarding", default=False)


@contextlib.contextmanager
def invalidations_discarded() -> Iterator[None]:
    """Within the block ``invalidate`` touches no key: for writes that are always rolled
    back (registry.rehearsal), which no reader can ever see. Tombstones would only keep
    the keys out of the cache for a minute."""
    token = _discarding.set(True)
    try:
        yield
    finally:
        _discarding.reset(token)


def invalidate(keys: Iterable[str], recompute: Callable[[], Iterable[str]] | None = None) -> None:
    """Make ``keys`` unreadable now and delete them once the current transaction commits.

    Call inside the write's transaction (services do). ``recompute()`` runs again after
    commit and its keys are deleted too: a row another transaction committed meanwhile
    (a new ticker of the flagged asset) is then seen. The write tries Redis whatever the
    breaker says; if Redis cannot be reached, the write fences the cache (``_fence``).
    """
    if _discarding.get():
        return
    keys = sorted(set(keys))
    if recompute is not None:
        transaction.on_commit(lambda: _delete_after_commit(sorted(set(recompute()) - set(keys))))
    if not keys:
        return
    if redis_state.down_until and _fenced_in_this_transaction():
        _record_pending(keys)  # the fence this transaction holds covers them too
        return
    try:
        pipe = redis_state.raw().pipeline(transaction=False)
        for key in keys:
            pipe.set(key, TOMBSTONE, px=TOMBSTONE_MS)
        pipe.execute()
    except NoRedis:
        return
    except redis_errors() as error:
        redis_state.trip(error, "invalidate")
        _fence(keys)
        return
    transaction.on_commit(lambda: _delete_after_commit(keys))


def _fence(keys: list[str]) -> None:
    """Redis did not take this write's tombstones, and other processes may still reach
    it (a partition, a paused or overloaded Redis) or reach it again later with the old
    answers. So, inside the write's transaction: take the pending table's ROW EXCLUSIVE
    lock, which keeps every lease renewal out until the transaction ends; wait until the
    leases granted before it have run out (CACHE_LEASE_SECONDS at most, less when no
    other process's row in registry_cachelease is current); and record the keys, which
    become visible with the write's commit and are deleted from Redis before any lease
    is granted again.
    """
    from registry.models import CacheLease, PendingCacheInvalidation

    if not connection.in_atomic_block:
        logger.error("invalidate() outside a transaction: its write committed unfenced")
    with connection.cursor() as cursor:
        cursor.execute(
            f"LOCK TABLE {PendingCacheInvalidation._meta.db_table} IN ROW EXCLUSIVE MODE"
        )
        redis_state.lease_until = 0.0  # this process's reads too
        cursor.execute(
            "SELECT EXTRACT(EPOCH FROM max(expires_at) - clock_timestamp()) "
            f"FROM {CacheLease._meta.db_table} "
            "WHERE holder <> %s AND expires_at > clock_timestamp()",
            [redis_state.holder],
        )
        others = min(float(cursor.fetchone()[0] or 0.0), settings.CACHE_LEASE_SECONDS)
    # This process's own reads already under way finish within the socket timeout.
    time.sleep(max(others, _socket_timeout()))
    PendingCacheInvalidation.objects.bulk_create(
        [PendingCacheInvalidation(key=key) for key in keys]
    )
    CACHE_FENCED_WRITES.inc()
    logger.warning(
        "Redis unreachable: a write fenced the cache (waited %.2f s for leases); its %d "
        "keys are deleted from Redis before any process reads it again",
        others,
        len(keys),
    )


def _fenced_in_this_transaction() -> bool:
    """Does this transaction already hold the fence (and so wait no longer)?"""
    from registry.models import PendingCacheInvalidation

    if not connection.in_atomic_block:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = pg_backend_pid() "
            "AND relation = %s::regclass AND mode = 'RowExclusiveLock' AND granted)",
            [PendingCacheInvalidation._meta.db_table],
        )
        return cursor.fetchone()[0]


def _delete_after_commit(keys: list[str]) -> None:
    if not keys:
        return
    try:
        redis_state.raw().delete(*keys)
    except NoRedis:
        return
    except redis_errors() as error:
        redis_state.trip(error, "invalidate")
        _record_pending(keys)  # the tombstones guard them until they expire


def _record_pending(keys: list[str]) -> None:
    from registry.models import PendingCacheInvalidation

    try:
        PendingCacheInvalidation.objects.bulk_create(
            [PendingCacheInvalidation(key=key) for key in keys]
        )
    except Exception:  # an after-commit hook must not stop the hooks after it
        logger.exception("could not queue %d cache invalidations", len(keys))
        return
    logger.warning("Redis unreachable: %d cache keys queued for invalidation", len(keys))


def _apply_pending(client) -> list[int]:
    """Delete from Redis every key recorded as pending; the ids of the rows applied."""
    from registry.models import PendingCacheInvalidation

    applied: list[int] = []
    while True:
        batch = list(
            PendingCacheInvalidation.objects.filter(id__gt=applied[-1] if applied else 0)
            .order_by("id")
            .values_list("id", "key")[:1000]
        )
        if not batch:
            return applied
        keys = {key for _, key in batch}
        if ALL_HOT_KEYS in keys:
            keys.discard(ALL_HOT_KEYS)
            _delete_hot_keys(client)
        if keys:
            client.delete(*keys)
        applied += [pk for pk, _ in batch]


def _follow_sentinels(client) -> None:
    """Behind Sentinel, the master the sentinels name now: connections to any other are
    dropped (redis-py does it when the address changes), so what follows reaches the new
    master. A master paused through a failover answers again as a master for seconds
    before the sentinels demote it; without this, a connection to it that saw no error
    would keep reading its old answers."""
    pool = client.connection_pool
    if isinstance(pool, SentinelConnectionPool):
        pool.get_master_address()


def _database_identity() -> str:
    """Which database the hot keys' answers come from: its oid and the oid of the
    pending table. Restoring a backup (pg_restore into a new database, or with --clean
    into the old one) changes them, while Redis may still hold answers of writes made
    after the backup, which the restored database does not have."""
    from registry.models import PendingCacheInvalidation

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT d.oid, %s::regclass::oid FROM pg_database d "
            "WHERE d.datname = current_database()",
            [PendingCacheInvalidation._meta.db_table],
        )
        database, table = cursor.fetchone()
    return f"{database}.{table}"


def _check_instance(client) -> None:
    """Is Redis the master the hot keys were last checked against, and were they loaded
    from this database? One restarted from an older snapshot, or a replica promoted in
    its place (a Sentinel failover), may hold answers older than deletes it
    acknowledged; a database restored from a backup lacks the writes made after it,
    whose answers Redis may hold: then delete every hot key before serving any. A
    restart changes the run id; a promotion changes the replication id, even of a former
    master promoted back; a restore changes the database's identity. A Redis that is a
    replica now (a master demoted by a failover, reached on a connection made before it)
    is not read at all."""
    pipe = client.pipeline(transaction=False)
    pipe.info("server")
    pipe.info("replication")
    pipe.get(INSTANCE_KEY)
    server, replication, checked = pipe.execute()
    if replication.get("role") != "master":
        client.connection_pool.disconnect()  # the next connection asks the sentinels again
        raise redis.exceptions.ConnectionError(
            f"Redis {server['run_id']} is a replica now (failed over): not read"
        )
    instance = f"{server['run_id']}:{replication.get('master_replid', '')}:{_database_identity()}"
    if checked == instance.encode():
        return
    deleted = _delete_hot_keys(client)
    client.set(INSTANCE_KEY, instance)
    if checked is not None or deleted:
        logger.warning(
            "Redis %s is not the instance the cache was last checked against (restarted or "
            "failed over, or the database restored): deleted its %d hot keys",
            instance,
            deleted,
        )


def replay_pending() -> int:
    """Delete from Redis the keys writes could not invalidate; returns how many rows.
    (Lease renewals do it too, before any read; this is the periodic sweep.)"""
    from registry.models import PendingCacheInvalidation

    try:
        applied = _apply_pending(redis_state.raw())
    except NoRedis:
        return 0
    except redis_errors() as error:
        redis_state.trip(error, "invalidate")
        return 0
    PendingCacheInvalidation.objects.filter(id__in=applied).delete()
    return len(applied)


def flush_hot_keys() -> int:
    """Delete every hot-path key (``v1:*``). For bulk fixture loads such as
    generate_synthetic, whose writes are not curation and not invalidated one by one.
    If Redis cannot be reached, the flush is recorded (and fenced) like a write's keys."""
    try:
        return _delete_hot_keys(redis_state.raw())
    except NoRedis:
        return 0
    except redis_errors() as error:
        redis_state.trip(error, "invalidate")
        with transaction.atomic():
            _fence([ALL_HOT_KEYS])
        return 0


def _delete_hot_keys(client) -> int:
    deleted = 0
    batch = []
    for key in client.scan_iter(match="v1:*", count=1000):
        batch.append(key)
        if len(batch) == 1000:
            deleted += client.delete(*batch)
            batch = []
    if batch:
        deleted += client.delete(*batch)
    return deleted


# --- which keys a write affects --------------------------------------------------------

AssetKeyProvider = Callable[[set], set[str]]
_asset_key_providers: list[AssetKeyProvider] = []


def register_asset_keys(provider: AssetKeyProvider) -> None:
    """Apps register ``provider(asset_ids) -> keys`` for every cached answer that embeds
    an asset (its summary, flags, deployments, tickers …)."""
    _asset_key_providers.append(provider)


def keys_for_assets(asset_ids: Iterable) -> set[str]:
    """Every cached key whose answer shows one of these assets."""
    ids = set(asset_ids)
    if not ids:
        return set()
    return set().union(*(provider(ids) for provider in _asset_key_providers))


ChainKeyProvider = Callable[[set], set[str]]
_chain_key_providers: list[ChainKeyProvider] = []


def register_chain_keys(provider: ChainKeyProvider) -> None:
    """Apps register ``provider(chain_ids) -> keys`` for every cached answer that shows
    a chain's name (the chains app, below them, asks when one is renamed)."""
    _chain_key_providers.append(provider)


def keys_for_chains(chain_ids: Iterable) -> set[str]:
    """Every cached key whose answer shows one of these chains' names."""
    ids = set(chain_ids)
    if not ids:
        return set()
    return set().union(*(provider(ids) for provider in _chain_key_providers))


# --- lookups the resolve endpoints dispatch to -------------------------------------------


@dataclass(frozen=True)
class Lookup:
    """A hot lookup of one key family.

    ``parse(params) -> request`` (a ValueError names what is wrong), ``key_of(request)``
    its cache key, ``load(requests, moment=None) -> answers`` from PostgreSQL in order:
    the current answers, or with a ``registry.timeline.Moment`` the answers of that
    moment (``as_of``, ``known_at``).
    """

    family: str
    parse: Callable[[dict], dict]
    key_of: Callable[[dict], str]
    load: Callable[..., list[Answer]]

    def resolve(
        self, requests: list[dict], deadline: float | None = None, moment=None
    ) -> list[Answer]:
        """Answers in order, for one request or a batch, through the cache; with a
        ``deadline``, None for each one not loaded by then (read_through_many).

        A point-in-time question (``moment``) is answered from PostgreSQL and not
        cached: its answers are few and far between, and a backdated write (a listing
        period, a flag) may change any of them.
        """
        if moment is not None:
            return self.load(requests, moment=moment)
        return read_requests(self.family, requests, self.key_of, self.load, deadline)


_lookups: dict[str, Lookup] = {}


def register_lookup(lookup_type: str, *, family: str, parse, key_of, load) -> None:
    _lookups[lookup_type] = Lookup(family=family, parse=parse, key_of=key_of, load=load)


def lookup(lookup_type: str) -> Lookup | None:
    return _lookups.get(lookup_type)


def lookup_types() -> list[str]:
    return sorted(_lookups)


# What ``manage.py warm_cache`` loads before traffic arrives: per lookup type, the requests
# its answers are asked for, each app naming its own.
WarmRequests = Callable[[int | None], Iterable[dict]]


@dataclass(frozen=True)
class WarmUp:
    lookup_type: str
    requests: WarmRequests  # requests(limit): at most ``limit`` of them (None: all)
    weight: int  # families are warmed lightest (hottest) first


_warm_ups: dict[str, WarmUp] = {}


def register_warm_up(lookup_type: str, requests: WarmRequests, *, weight: int) -> None:
    _warm_ups[lookup_type] = WarmUp(lookup_type, requests, weight)


def warm_ups() -> list[WarmUp]:
    return sorted(_warm_ups.values(), key=lambda warm_up: warm_up.weight)


def text_param(params: dict, name: str, default: str | None = None) -> str:
    """A required (or defaulted) text parameter: trimmed, non-empty, no NUL."""
    value = params.get(name, default)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name}: this parameter is required.")
    if "\x00" in value:
        raise ValueError(f"{name}: must not contain NUL characters.")
    return value.strip()


_SLUG = re.compile(SLUG_PATTERN)


def slug_param(params: dict, name: str) -> str:
    """A chain_id or venue_id: a slug, so it cannot smuggle a ':' into a cache key."""
    value = text_param(params, name)
    if not _SLUG.match(value):
        raise ValueError(f"{name}: not a {name} (lower-case letters, digits, '-' and '_').")
    return value


def uuid_param(params: dict, name: str) -> uuid.UUID:
    if isinstance(params.get(name), uuid.UUID):
        return params[name]
    try:
        return uuid.UUID(text_param(params, name))
    except (ValueError, AttributeError):
        raise ValueError(f"{name}: must be an asset_id (a UUID).") from None
