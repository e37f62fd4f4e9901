"""REDIS_URL as django-redis options: a plain Redis, or a master found through Sentinel.

A plain Redis is ``redis://[[username]:password@]host[:port][/db]`` (or ``rediss://``).
A master that Redis Sentinel watches and fails over is

    redis+sentinel://[[username]:password@]host1[:port1][,host2[:port2]...]/master[/db][?sentinel_password=...]

the sentinels' addresses (port 26379 unless given), the name they monitor the master by,
and its database (0 unless given). The user and password are the master's (and its
replicas', which become masters); ``sentinel_password`` is the sentinels' own
``requirepass``, if they have one. The client asks the sentinels for the master at every
(re)connection, so after a failover the next connection reaches the promoted replica;
it never reads a replica (the cache must read what it wrote).
"""

from dataclasses import dataclass
from urllib.parse import parse_qs, quote, unquote, urlsplit

import environ
from redis.backoff import NoBackoff
from redis.retry import Retry

SENTINEL_SCHEME = "redis+sentinel"
SENTINEL_PORT = 26379
# django-redis takes the master's name from the host of a URL, which it lower-cases.
MASTER_NAME_CHARACTERS = set("abcdefghijklmnopqrstuvwxyz0123456789-_.")
FORM = (
    "redis+sentinel://[[user]:password@]host1[:port1][,host2[:port2]...]/master_name[/db]"
    "[?sentinel_password=...]"
)


@dataclass(frozen=True)
class SentinelURL:
    sentinels: list[tuple[str, int]]
    master: str
    db: int
    username: str | None
    password: str | None
    sentinel_password: str | None


def _refuse(url: str, problem: str) -> environ.ImproperlyConfigured:
    shown = url.split("@")[-1]  # never the password
    return environ.ImproperlyConfigured(
        f"REDIS_URL ({SENTINEL_SCHEME}://…{shown.split('://')[-1]}): {problem}. The form is {FORM}."
    )


def parse_sentinel_url(url: str) -> SentinelURL:
    """The parts of a ``redis+sentinel://`` URL; ImproperlyConfigured naming what is wrong."""
    parts = urlsplit(url)
    userinfo, _, hosts = parts.netloc.rpartition("@")
    username, _, password = userinfo.partition(":")
    sentinels = []
    for item in hosts.split(","):
        try:
            address = urlsplit(f"//{item.strip()}")
            host, port = address.hostname, address.port or SENTINEL_PORT
        except ValueError:
            host = None
        if not host:
            raise _refuse(url, f"{item.strip()!r} is not a sentinel's host[:port]")
        sentinels.append((host, port))
    path = [unquote(segment) for segment in parts.path.split("/")[1:] if segment]
    if not path or len(path) > 2:
        raise _refuse(url, "name the master the sentinels monitor, and optionally its db")
    master = path[0]
    if not set(master) <= MASTER_NAME_CHARACTERS:
        raise _refuse(
            url,
            f"the master name {master!r} must be lower-case letters, digits, '-', '_' or '.' "
            "(django-redis carries it as a host name)",
        )
    if len(path) == 2 and not path[1].isdigit():
        raise _refuse(url, f"the db {path[1]!r} is not a number")
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - {"sentinel_password"})
    if unknown:
        raise _refuse(url, f"unknown parameter {', '.join(unknown)}")
    return SentinelURL(
        sentinels=sentinels,
        master=master,
        db=int(path[1]) if len(path) == 2 else 0,
        username=unquote(username) or None,
        password=unquote(password) or None,
        sentinel_password=(query.get("sentinel_password") or [None])[0] or None,
    )


def redis_cache_connection(url: str, socket_timeout: float) -> tuple[str, dict]:
    """django-redis's LOCATION and the OPTIONS that say how to connect, for REDIS_URL."""
    if urlsplit(url).scheme != SENTINEL_SCHEME:
        # Tells the hot cache about every (re)connection (registry/cache.py).
        return url, {"CONNECTION_POOL_CLASS": "registry.cache.ObservedConnectionPool"}
    parsed = parse_sentinel_url(url)
    credentials = ""
    if parsed.username or parsed.password:
        user, password = (quote(part or "", safe="") for part in (parsed.username, parsed.password))
        credentials = f"{user}:{password}@"
    sentinel_kwargs = {
        "socket_timeout": socket_timeout,
        "socket_connect_timeout": socket_timeout,
        # One try per sentinel (redis-py's client would retry ten times with back-off):
        # finding the master costs at most a socket timeout per sentinel that hangs.
        "retry": Retry(NoBackoff(), 0),
    }
    if parsed.sentinel_password:
        sentinel_kwargs["password"] = parsed.sentinel_password
    return f"redis://{credentials}{parsed.master}/{parsed.db}", {
        "CONNECTION_FACTORY": "django_redis.pool.SentinelConnectionFactory",
        "CONNECTION_POOL_CLASS": "registry.cache.ObservedSentinelConnectionPool",
        "SENTINELS": parsed.sentinels,
        "SENTINEL_KWARGS": sentinel_kwargs,
    }
