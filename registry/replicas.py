"""Reads from PostgreSQL streaming replicas (``DATABASE_REPLICA_URLS``), never at the
price of an answer the registry promises not to give.

- Everything goes to the primary (``default``) unless the code hands a read to
  ``read_on_replica``: writes, the admin, authentication, the services (their reads
  before a write run inside ``transaction.atomic``, where every read stays on the
  primary), Celery tasks, management commands and migrations (``allow_migrate``).
- ``read_on_replica(read)``, for the API's list and detail reads: a replica whose lag is
  at most ``DATABASE_REPLICA_MAX_LAG_SECONDS`` (as last checked); the primary inside a
  transaction, and for the rest of a request that has written anything
  (``ReplicaRoutingMiddleware`` watches every statement the request sends the primary).
- ``read_on_replica(read, caught_up=True)``, for reads whose answer is kept (the hot
  cache's misses, registry/cache.py): only a replica that has replayed everything the
  primary had written when the read began, so a miss never stores an answer older than
  a commit that invalidated it. Outside a request every read is held to this.
- Each process checks a replica at most every ``DATABASE_REPLICA_CHECK_SECONDS``: its
  replay position against the primary's (lag is zero when it has replayed all the
  primary had written; an idle primary therefore shows no lag). A replica that fails,
  or is no longer in recovery, is left alone for ``DATABASE_REPLICA_RETRY_SECONDS``; a
  read that fails on a replica runs again on the primary, so a replica going away costs
  no request an error.

docs/SCALING-postgres.md explains the choices and what each kind of read promises.
"""

import contextlib
import logging
import math
import random
import time
from collections import deque
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TypeVar

from django.conf import settings
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    Error,
    InterfaceError,
    OperationalError,
    connections,
)

logger = logging.getLogger(__name__)

PRIMARY = DEFAULT_DB_ALIAS
T = TypeVar("T")

# WAL positions as numbers of bytes. The primary's flushed position: every commit that
# has returned is at or below it (with synchronous_commit off a commit returns before its
# flush, so then the inserted position), and a replica can replay up to exactly it.
PRIMARY_POSITION_SQL = (
    "SELECT pg_wal_lsn_diff(CASE current_setting('synchronous_commit') WHEN 'off' "
    "THEN pg_current_wal_insert_lsn() ELSE pg_current_wal_flush_lsn() END, '0/0')::bigint"
)
REPLICA_STATE_SQL = (
    "SELECT pg_is_in_recovery(), "
    "pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint, "
    "EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8"
)
REPLICA_POSITION_SQL = "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint"
SAMPLES_KEPT = 64  # the primary's positions remembered per replica, one per check
# A caught-up read waits this long (seconds, in turn) for a replica to reach the primary's
# position: a replica streaming normally replays a commit within a millisecond or two.
CATCH_UP_STEPS = (0.0, 0.001, 0.002)


@dataclass
class ReplicaHealth:
    """What this process last learned about one replica."""

    alias: str
    checked_at: float = -math.inf  # time.monotonic() of the last check
    failed_at: float | None = None  # of the last failure; None while it answers
    replayed: int = -1  # WAL position replayed, in bytes
    lag: float = math.inf  # seconds, an upper bound
    state: str = "unchecked"  # ok | lagging | down | promoted: logged when it changes
    # (time, primary position) of each check: the replica has replayed everything the
    # primary had written at the latest of them whose position it has reached.
    samples: deque = field(default_factory=lambda: deque(maxlen=SAMPLES_KEPT))

    def describe(self) -> dict:
        return {
            "alias": self.alias,
            "state": self.state,
            "lag_seconds": None if math.isinf(self.lag) else round(self.lag, 4),
            "replayed": self.replayed,
        }


def primary_position() -> int:
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute(PRIMARY_POSITION_SQL)
        return int(cursor.fetchone()[0])


class Replicas:
    """This process's view of the replicas: which one a read may use."""

    def __init__(self) -> None:
        self._health: dict[str, ReplicaHealth] = {}

    def health(self) -> list[ReplicaHealth]:
        aliases = settings.DATABASE_REPLICA_ALIASES
        if list(self._health) != aliases:
            self._health = {
                alias: self._health.get(alias, ReplicaHealth(alias)) for alias in aliases
            }
        return list(self._health.values())

    def reset(self) -> None:
        """Forget every check and failure (settings changed, or a test wants it)."""
        self._health = {}

    def choose(self, *, caught_up: bool) -> str | None:
        """A replica for a read, or None for the primary."""
        now = time.monotonic()
        usable = []
        for health in self.health():
            if health.failed_at is not None:
                if now - health.failed_at < settings.DATABASE_REPLICA_RETRY_SECONDS:
                    continue
                self._check(health)
            elif now - health.checked_at >= settings.DATABASE_REPLICA_CHECK_SECONDS:
                self._check(health)
            if health.failed_at is None and (
                caught_up or health.lag <= settings.DATABASE_REPLICA_MAX_LAG_SECONDS
            ):
                usable.append(health)
        if not usable:
            return None
        if not caught_up:
            return random.choice(usable).alias
        # Every commit that happened before this call is at or below ``position``.
        position = primary_position()
        ready = [health for health in usable if health.replayed >= position]
        if ready:
            return random.choice(ready).alias
        health = random.choice(usable)
        try:
            with connections[health.alias].cursor() as cursor:
                for pause in CATCH_UP_STEPS:
                    time.sleep(pause)
                    cursor.execute(REPLICA_POSITION_SQL)
                    health.replayed = int(cursor.fetchone()[0])
                    if health.replayed >= position:
                        return health.alias
        except Error as error:
            self.failed(health.alias, error)
        return None

    def failed(self, alias: str, error: Exception) -> None:
        """A query on ``alias`` failed: leave it alone for DATABASE_REPLICA_RETRY_SECONDS."""
        health = self._health.setdefault(alias, ReplicaHealth(alias))
        health.failed_at = time.monotonic()
        self._set_state(health, "down", str(error).strip().splitlines()[0] if str(error) else "")
        with contextlib.suppress(Error):
            connections[alias].close()

    def _check(self, health: ReplicaHealth) -> None:
        """Measure how far ``health``'s replica is behind the primary."""
        started = time.monotonic()
        position = primary_position()  # first: what the replica must have replayed
        try:
            with connections[health.alias].cursor() as cursor:
                cursor.execute(REPLICA_STATE_SQL)
                in_recovery, replayed, replay_age = cursor.fetchone()
        except Error as error:
            self.failed(health.alias, error)
            return
        health.checked_at = started
        health.samples.append((started, position))
        if not in_recovery:
            # Promoted: it no longer follows this primary, whatever it holds.
            health.failed_at = time.monotonic()
            self._set_state(health, "promoted", "it is not in recovery")
            return
        health.failed_at = None
        health.replayed = int(replayed)
        health.lag = self._lag(health, position, replay_age)
        lagging = health.lag > settings.DATABASE_REPLICA_MAX_LAG_SECONDS
        self._set_state(health, "lagging" if lagging else "ok", f"lag {health.lag:.3f} s")

    @staticmethod
    def _lag(health: ReplicaHealth, position: int, replay_age: float | None) -> float:
        """Seconds behind, at most: zero if it has replayed all the primary had written.
        Otherwise the older commits it lacks are younger than both the last check it had
        caught up with and the last commit it replayed."""
        if health.replayed >= position:
            return 0.0
        now = time.monotonic()
        bounds = [now - at for at, reached in health.samples if reached <= health.replayed]
        if replay_age is not None:
            bounds.append(max(float(replay_age), 0.0))
        return min(bounds, default=math.inf)

    @staticmethod
    def _set_state(health: ReplicaHealth, state: str, detail: str) -> None:
        if state == health.state:
            return
        previous, health.state = health.state, state
        if state == "ok":
            if previous != "unchecked":
                logger.warning("Replica %s is back (%s): reads may use it", health.alias, detail)
            return
        logger.warning(
            "Replica %s is %s (%s): its reads go to the primary for now",
            health.alias,
            state,
            detail,
        )


replicas = Replicas()


# --- which reads may go where ---------------------------------------------------------


@dataclass
class RequestState:
    """What the request being served has done: written anything to the primary?"""

    wrote: bool = False


@dataclass
class ReplicaScope:
    """A read handed to a replica; ``alias`` becomes None at the scope's first write."""

    alias: str | None


_request: ContextVar[RequestState | None] = ContextVar("cqar_replica_request", default=None)
_scope: ContextVar[ReplicaScope | None] = ContextVar("cqar_replica_scope", default=None)


def note_write() -> None:
    """The context wrote (or is about to): its later reads go to the primary."""
    state = _request.get()
    if state is not None:
        state.wrote = True
    scope = _scope.get()
    if scope is not None:
        scope.alias = None


def read_on_replica(read: Callable[[], T], *, caught_up: bool = False) -> T:
    """``read()``, its queries on a replica when one may answer them, else on the primary.

    ``caught_up``: only a replica that has replayed all the primary had written when this
    was called (for answers that are kept). ``read`` must not write, and may run twice:
    if it fails on the replica, it runs again on the primary.
    """
    if (
        not settings.DATABASE_REPLICA_ALIASES
        or _scope.get() is not None
        or connections[PRIMARY].in_atomic_block
    ):
        return read()
    state = _request.get()
    if state is None:
        caught_up = True  # outside a request nothing tells what this context wrote
    elif state.wrote and not caught_up:
        return read()
    alias = replicas.choose(caught_up=caught_up)
    if alias is None:
        return read()
    scope = ReplicaScope(alias)
    token = _scope.set(scope)
    try:
        return read()
    except DatabaseError as error:
        if scope.alias is None:
            raise  # the read had moved to the primary: the primary's error
        if isinstance(error, OperationalError):
            replicas.failed(alias, error)  # gone, or cancelled by replay: leave it a while
        # Anything else (a column a migration added that the replica has not replayed
        # yet) is the primary's to answer: the same error again if it is the query's.
    except InterfaceError as error:
        if scope.alias is None:
            raise
        replicas.failed(alias, error)
    finally:
        _scope.reset(token)
    return read()


class ReplicaRouter:
    """DATABASE_ROUTERS: reads go where ``read_on_replica`` placed them, all else to the
    primary."""

    def db_for_read(self, model, **hints):
        scope = _scope.get()
        if scope is None or scope.alias is None or connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return scope.alias

    def db_for_write(self, model, **hints):
        note_write()
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same rows, wherever they were read

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


def _is_read(sql) -> bool:
    """A plain SELECT; anything else (or a SELECT with more behind a ';', as django-
    pghistory prefixes writes) counts as a write."""
    if isinstance(sql, bytes):
        sql = sql.decode(errors="replace")
    return sql[:32].lstrip()[:6].upper() == "SELECT" and ";" not in sql


def _watch_writes(execute, sql, params, many, context):
    if not _is_read(sql):
        note_write()
    return execute(sql, params, many, context)


@contextlib.contextmanager
def request_context():
    """A fresh record of writes, fed by every statement sent to the primary (raw SQL
    included): ``read_on_replica`` keeps the reads after a write on the primary."""
    token = _request.set(RequestState())
    try:
        with connections[PRIMARY].execute_wrapper(_watch_writes):
            yield
    finally:
        _request.reset(token)


class ReplicaRoutingMiddleware:
    """Each request in its own ``request_context``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_context():
            return self.get_response(request)
