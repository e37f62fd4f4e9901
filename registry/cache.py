"""The hot-path cache: answers stored as response bytes in Redis, read through, and
invalidated exactly after every committed write.

Keys follow DESIGN.md (``v1:venue:{venue}:symbol:{symbol}:{market_type}``,
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
  request never waits for several timeouts. Lookups then answer from PostgreSQL.
  Invalidations that cannot reach Redis are kept in PostgreSQL, in the same transaction
  as the write, and replayed as soon as Redis answers again (``replay_pending``).
- Without REDIS_URL (the quick start) there is no hot cache: lookups read PostgreSQL.
"""

import contextlib
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, transaction

from registry.validators import SLUG_PATTERN

logger = logging.getLogger(__name__)

FOUND = b"+"
MISSING = b"-"
TOMBSTONE = b"\x00T"
LOADING = b"\x00L"

TOMBSTONE_MS = 60_000  # outlives any transaction it guards; expires if the writer dies
LOADING_MS = 2_000
WAIT_STEPS = (0.001, 0.002, 0.004)  # seconds a reader waits for another's load
REPLAY_SECONDS = 5.0  # how often each process looks for invalidations Redis missed


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
        Family("deployment", ttl=3600),
        Family("asset", ttl=3600),
        Family("symbol", ttl=3600),
        Family("flags", ttl=300),
        Family("group", ttl=1800),
        Family("variants", ttl=1800),
    )
}

# (found, body): body is the JSON of the answer, or of the reason it was not found.
Answer = tuple[bool, bytes]

_CAS_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return 0
"""


class CacheUnavailable(Exception):
    """Redis is not configured, or the breaker is open after a failure."""


class NoRedis(CacheUnavailable):
    """No Redis is configured (the quick start): there is no hot cache to keep."""


class _Redis:
    """The raw Redis client behind django-redis, with the circuit breaker."""

    def __init__(self) -> None:
        self.down_until = 0.0
        self.recovering = False
        self.next_replay = 0.0
        self._client = None
        self._cas = None

    def client(self):
        if not settings.CACHES["default"]["BACKEND"].startswith("django_redis"):
            raise NoRedis("no Redis configured")
        if self.down_until:
            if time.monotonic() < self.down_until:
                raise CacheUnavailable("Redis failed recently")
            self.down_until = 0.0
            self.recovering = True
        if self._client is None:
            from django_redis import get_redis_connection

            self._client = get_redis_connection("default")
            self._cas = self._client.register_script(_CAS_SCRIPT)
        now = time.monotonic()
        if self.recovering or now >= self.next_replay:
            # Writes made while Redis was away (in this process or any other) left their
            # invalidations in PostgreSQL: every process replays them, right after its
            # own outage and every few seconds, before it reads anything.
            self.recovering = False
            self.next_replay = now + REPLAY_SECONDS
            with contextlib.suppress(DatabaseError):  # PostgreSQL away too: retry later
                replay_pending()
        return self._client

    def cas(self):
        self.client()
        return self._cas

    def trip(self, error: Exception) -> None:
        retry = getattr(settings, "CACHE_RETRY_SECONDS", 5.0)
        logger.warning("Redis failed (%s); reading PostgreSQL for %.0f s", error, retry)
        self.down_until = time.monotonic() + retry

    def reset(self) -> None:
        """Forget the client and the breaker (settings changed, or a test wants it)."""
        self.down_until = 0.0
        self.recovering = False
        self.next_replay = 0.0
        self._client = None
        self._cas = None


redis_state = _Redis()


def redis_errors():
    import redis

    return (redis.exceptions.RedisError, OSError)


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
    keys: Sequence[str], family: str, load_many: Callable[[list[str]], dict[str, Answer]]
) -> list[Answer]:
    """Answers for ``keys`` in order: one round trip when all are cached.

    ``load_many(missing_keys)`` answers the keys Redis did not, from PostgreSQL.
    """
    errors = redis_errors()
    answers: dict[str, Answer] = {}
    claimed: dict[str, bytes] = {}
    try:
        client = redis_state.client()
        values = client.mget(keys) if len(keys) > 1 else [client.get(keys[0])]
        absent, loading = [], []
        for key, value in zip(keys, values, strict=True):
            decoded = decode(value)
            if decoded is not None:
                answers[key] = decoded
            elif value is None:
                absent.append(key)
            elif value.startswith(LOADING):
                loading.append(key)
            # A tombstone: a write is in flight; read PostgreSQL, store nothing.
        if absent:
            claimed = _claim(client, absent)
            loading += [key for key in absent if key not in claimed]  # lost the race
        if loading:
            answers.update(_wait_for(client, list(dict.fromkeys(loading))))
    except CacheUnavailable:
        pass
    except errors as error:
        redis_state.trip(error)
        claimed = {}
    missing = [key for key in dict.fromkeys(keys) if key not in answers]
    if missing:
        loaded = load_many(missing)
        answers.update(loaded)
        if claimed:
            _store(claimed, loaded, FAMILIES[family])
    return [answers[key] for key in keys]


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
        pipe = redis_state.client().pipeline(transaction=False) if len(stores) > 1 else None
        for key, marker, answer in stores:
            ttl_ms = (family.ttl if answer[0] else family.miss_ttl) * 1000
            cas(keys=[key], args=[marker, encode(answer), ttl_ms], client=pipe)
        if pipe is not None:
            pipe.execute()
    except CacheUnavailable:
        pass
    except redis_errors() as error:
        redis_state.trip(error)


def read_requests(
    family: str,
    requests: list[dict],
    key_of: Callable[[dict], str],
    load: Callable[[list[dict]], list[Answer]],
) -> list[Answer]:
    """Answers for lookup ``requests`` in order, through the cache.

    ``key_of(request)`` names each one's key; ``load(requests)`` answers those Redis did
    not, from PostgreSQL, in the order given.
    """
    keys = [key_of(request) for request in requests]
    by_key = dict(zip(keys, requests, strict=True))

    def load_many(missing_keys: list[str]) -> dict[str, Answer]:
        answers = load([by_key[key] for key in missing_keys])
        return dict(zip(missing_keys, answers, strict=True))

    return read_through_many(keys, family, load_many)


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
    (a new ticker of the flagged asset) is then seen. If Redis cannot be reached, the
    keys are recorded in PostgreSQL with the write and deleted when Redis is back.
    """
    if _discarding.get():
        return
    keys = sorted(set(keys))
    if recompute is not None:
        transaction.on_commit(lambda: _delete_after_commit(sorted(set(recompute()) - set(keys))))
    if not keys:
        return
    try:
        client = redis_state.client()
        pipe = client.pipeline(transaction=False)
        for key in keys:
            pipe.set(key, TOMBSTONE, px=TOMBSTONE_MS)
        pipe.execute()
    except NoRedis:
        return
    except CacheUnavailable:
        _record_pending(keys)
        return
    except redis_errors() as error:
        redis_state.trip(error)
        _record_pending(keys)
        return
    transaction.on_commit(lambda: _delete_after_commit(keys))


def _delete_after_commit(keys: list[str]) -> None:
    if not keys:
        return
    try:
        redis_state.client().delete(*keys)
    except NoRedis:
        return
    except CacheUnavailable:
        _record_pending(keys)  # the tombstones still guard them until they expire
    except redis_errors() as error:
        redis_state.trip(error)
        _record_pending(keys)


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


def replay_pending(limit: int = 10_000) -> int:
    """Delete from Redis the keys writes could not invalidate; returns how many."""
    from registry.models import PendingCacheInvalidation

    pending = list(PendingCacheInvalidation.objects.order_by("id").values_list("id", "key")[:limit])
    if not pending:
        return 0
    try:
        client = redis_state._client if redis_state._client is not None else redis_state.client()
        client.delete(*[key for _, key in pending])
    except (CacheUnavailable, *redis_errors()):
        return 0
    PendingCacheInvalidation.objects.filter(id__in=[pk for pk, _ in pending]).delete()
    return len(pending)


def flush_hot_keys() -> int:
    """Delete every hot-path key (``v1:*``). For bulk fixture loads such as
    generate_synthetic, whose writes are not curation and not invalidated one by one."""
    try:
        client = redis_state.client()
    except CacheUnavailable:
        return 0
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


# --- lookups the resolve endpoints dispatch to -------------------------------------------


@dataclass(frozen=True)
class Lookup:
    """A hot lookup of one key family.

    ``parse(params) -> request`` (a ValueError names what is wrong), ``key_of(request)``
    its cache key, ``load(requests) -> answers`` from PostgreSQL in order.
    """

    family: str
    parse: Callable[[dict], dict]
    key_of: Callable[[dict], str]
    load: Callable[[list[dict]], list[Answer]]

    def resolve(self, requests: list[dict]) -> list[Answer]:
        """Answers in order, for one request or a batch, through the cache."""
        return read_requests(self.family, requests, self.key_of, self.load)


_lookups: dict[str, Lookup] = {}


def register_lookup(lookup_type: str, *, family: str, parse, key_of, load) -> None:
    _lookups[lookup_type] = Lookup(family=family, parse=parse, key_of=key_of, load=load)


def lookup(lookup_type: str) -> Lookup | None:
    return _lookups.get(lookup_type)


def lookup_types() -> list[str]:
    return sorted(_lookups)


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
