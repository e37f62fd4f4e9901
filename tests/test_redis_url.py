"""REDIS_URL, plain or through Redis Sentinel, as django-redis options (config/redis_url.py);
a failover through real sentinels: tests/registry/test_cache_sentinel.py."""

import environ
import pytest

from config.redis_url import redis_cache_connection

TIMEOUT = 0.25


def test_a_plain_url_is_the_location_itself():
    location, options = redis_cache_connection("redis://:pw@cache.internal:6380/3", TIMEOUT)

    assert location == "redis://:pw@cache.internal:6380/3"
    assert options == {"CONNECTION_POOL_CLASS": "registry.cache.ObservedConnectionPool"}


def test_a_sentinel_url_names_the_sentinels_the_master_and_its_database():
    location, options = redis_cache_connection(
        "redis+sentinel://app:p%40ss@s1.internal,s2.internal:26380,[::1]:26381/cqar-cache/2"
        "?sentinel_password=watch",
        TIMEOUT,
    )

    assert location == "redis://app:p%40ss@cqar-cache/2"
    assert options["CONNECTION_FACTORY"] == "django_redis.pool.SentinelConnectionFactory"
    assert options["CONNECTION_POOL_CLASS"] == "registry.cache.ObservedSentinelConnectionPool"
    assert options["SENTINELS"] == [("s1.internal", 26379), ("s2.internal", 26380), ("::1", 26381)]
    sentinel_kwargs = options["SENTINEL_KWARGS"]
    assert sentinel_kwargs["password"] == "watch"
    assert sentinel_kwargs["socket_timeout"] == sentinel_kwargs["socket_connect_timeout"] == TIMEOUT
    assert sentinel_kwargs["retry"].get_retries() == 0  # one try per sentinel, bounded


def test_a_sentinel_url_without_passwords_or_db_uses_database_0():
    location, options = redis_cache_connection("redis+sentinel://10.0.0.5/mymaster", TIMEOUT)

    assert location == "redis://mymaster/0"
    assert options["SENTINELS"] == [("10.0.0.5", 26379)]
    assert "password" not in options["SENTINEL_KWARGS"]


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("redis+sentinel://:secret@s1:26379", "name the master"),
        ("redis+sentinel://:secret@s1:26379/", "name the master"),
        ("redis+sentinel://:secret@s1:26379/cqar/0/extra", "name the master"),
        ("redis+sentinel://:secret@s1:26379/cqar/zero", "the db 'zero' is not a number"),
        ("redis+sentinel://:secret@s1:26379/MyMaster", "must be lower-case"),
        ("redis+sentinel://:secret@s1:26379,/cqar", "'' is not a sentinel's host[:port]"),
        ("redis+sentinel://:secret@s1:port/cqar", "'s1:port' is not a sentinel's host[:port]"),
        ("redis+sentinel://:secret@s1/cqar?db=2", "unknown parameter db"),
    ],
)
def test_a_malformed_sentinel_url_is_refused_naming_the_problem(url, problem):
    with pytest.raises(environ.ImproperlyConfigured) as refused:
        redis_cache_connection(url, TIMEOUT)

    message = str(refused.value)
    assert problem in message
    assert "redis+sentinel://[[user]:password@]host1[:port1]" in message  # the form
    assert "secret" not in message
