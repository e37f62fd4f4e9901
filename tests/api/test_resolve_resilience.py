"""The hot lookups when Redis fails, or is not there, and what they cost when it works."""

import time

import orjson
import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django.test import override_settings

from assets.models import Asset
from quality.models import AssetQualityFlag
from quality.services import flag_raise
from registry import cache
from registry.models import PendingCacheInvalidation

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_world(db, django_capture_on_commit_callbacks, settings):
    # A lease that outlasts the test: the query counts below do not meet a renewal.
    settings.CACHE_LEASE_SECONDS = 600
    cache.redis_state.reset()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", verbosity=0)
    yield
    cache.redis_state.reset()


@pytest.fixture
def dead_redis(settings):
    """The cache pointed at a port nothing listens on."""
    broken = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}}
    with override_settings(CACHES=broken):
        cache.redis_state.reset()
        yield
    cache.redis_state.reset()


def pretrade(client, **params):
    response = client.get("/api/v1/resolve/pretrade/", params)
    return response.status_code, orjson.loads(response.content)


def counterfeit() -> Asset:
    return Asset.objects.with_identifier("INTERNAL", "demo-counterfeit-usdc").get()


def test_with_redis_down_lookups_answer_from_postgres(demo_world, viewer, dead_redis):
    status, body = pretrade(viewer, asset=str(counterfeit().pk))
    assert status == 200
    assert body["tradeable"] is False  # the flagged asset is still blocked
    ticker = viewer.get("/api/v1/resolve/venue-symbol/", {"venue": "kraken", "symbol": "XXBTZUSD"})
    assert orjson.loads(ticker.content)["asset"]["symbol"] == "BTC"


def test_after_one_failure_redis_is_left_alone_for_a_while(demo_world, viewer, dead_redis):
    """One timeout at most per request: the breaker opens at the first failure."""
    pretrade(viewer, asset=str(counterfeit().pk))
    assert cache.redis_state.down_until > time.monotonic()
    with pytest.raises(cache.CacheUnavailable):
        cache.redis_state.client()


def test_a_write_while_redis_is_down_is_invalidated_when_it_returns(
    demo_world, viewer, settings, django_capture_on_commit_callbacks
):
    btc = Asset.objects.with_identifier("COINGECKO", "bitcoin").get()
    assert pretrade(viewer, asset=str(btc.pk))[1]["tradeable"] is True  # cached: tradeable
    broken = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}}
    with override_settings(CACHES=broken):
        cache.redis_state.reset()
        with django_capture_on_commit_callbacks(execute=True):
            flag_raise(asset=btc, flag_type="EXPLOITED", severity=5, reason="x", actor="user:t")
        assert PendingCacheInvalidation.objects.filter(key=f"v1:flags:{btc.pk}:active").exists()
    # Redis is back; the process notices at its next call after the breaker's pause.
    cache.redis_state._client = None
    cache.redis_state.down_until = time.monotonic() - 1
    assert pretrade(viewer, asset=str(btc.pk))[1]["tradeable"] is False
    assert not PendingCacheInvalidation.objects.exists()


def test_with_neither_redis_nor_postgres_pretrade_is_503_never_tradeable(
    demo_world, viewer, dead_redis, monkeypatch
):
    asset_id = str(counterfeit().pk)

    def database_down(asset_ids, moment=None):
        raise OperationalError("connection refused")

    monkeypatch.setattr("assets.lookups.asset_summaries", database_down)
    status, body = pretrade(viewer, asset=asset_id)
    assert status == 503
    assert body["error"]["code"] == "unavailable"


def test_a_storm_of_unknown_tickers_is_answered_from_the_cached_miss(
    demo_world, viewer, django_assert_max_num_queries
):
    params = {"venue": "kraken", "symbol": "NOSUCH"}
    assert viewer.get("/api/v1/resolve/venue-symbol/", params).status_code == 404
    with django_assert_max_num_queries(0):
        for _ in range(20):
            assert viewer.get("/api/v1/resolve/venue-symbol/", params).status_code == 404


def test_cached_lookups_make_no_database_query(demo_world, viewer, django_assert_max_num_queries):
    """Auth is remembered and the answer comes from Redis: PostgreSQL is not touched."""
    params = {"venue": "binance", "symbol": "BTCUSDT"}
    viewer.get("/api/v1/resolve/venue-symbol/", params)
    with django_assert_max_num_queries(0):
        response = viewer.get("/api/v1/resolve/venue-symbol/", params)
    assert response.status_code == 200


def test_a_batch_reads_all_cached_answers_in_one_round_trip(demo_world, viewer, monkeypatch):
    lookups = [{"type": "venue_symbol", "venue": "binance", "symbol": "ETHUSDT"}] * 50 + [
        {"type": "deployment", "chain": "ethereum", "address": "0x" + "00" * 19 + "07"}
    ] * 50
    viewer.post("/api/v1/resolve/batch/", {"lookups": lookups}, format="json")  # warm
    client = cache.redis_state.client()
    calls = []
    original = type(client).mget
    monkeypatch.setattr(
        type(client), "mget", lambda self, *a, **k: calls.append(a) or original(self, *a, **k)
    )
    response = viewer.post("/api/v1/resolve/batch/", {"lookups": lookups}, format="json")
    assert response.status_code == 200
    assert len(calls) == 2  # one per lookup type, however many items


def test_a_cached_lookup_is_one_redis_round_trip(demo_world, viewer, monkeypatch):
    """Token check and answer come back in one MGET: the fast path."""
    params = {"venue": "kraken", "symbol": "XXBTZUSD"}
    viewer.get("/api/v1/resolve/venue-symbol/", params)  # remembers the token, caches it
    client = cache.redis_state.client()
    calls = []
    for name in ("get", "mget", "set", "pipeline"):
        original = getattr(type(client), name)
        monkeypatch.setattr(
            type(client),
            name,
            lambda self, *a, _name=name, _original=original, **k: (
                calls.append(_name) or _original(self, *a, **k)
            ),
        )
    response = viewer.get("/api/v1/resolve/venue-symbol/", params)
    assert response.status_code == 200
    assert calls == ["mget"]


def test_answers_cached_from_another_database_are_not_served(demo_world, viewer):
    """After a restore from a backup, Redis may hold answers of writes made after the
    backup, which the restored database lacks (docs/RELIABILITY.md, "The database"): the
    hot keys of a database other than the one the cache was last checked against are
    deleted before any is served."""
    btc = Asset.objects.with_identifier("COINGECKO", "bitcoin").get()
    assert pretrade(viewer, asset=str(btc.pk))[1]["tradeable"] is True  # cached
    # The database now holds what the cached answer does not know, as a restored one
    # would; bulk_create skips the signals that would invalidate the answer.
    AssetQualityFlag.objects.bulk_create(
        [AssetQualityFlag(asset=btc, flag_type="EXPLOITED", severity=5, reason="restored")]
    )
    cache.redis_state.lease_until = 0.0  # the next read renews the lease
    assert pretrade(viewer, asset=str(btc.pk))[1]["tradeable"] is True  # same database: trusted

    # What the cache was checked against names this database (a restore changes its oid).
    client = cache.redis_state.raw()
    instance = client.get(cache.INSTANCE_KEY).decode()
    with connection.cursor() as cursor:
        cursor.execute("SELECT oid FROM pg_database WHERE datname = current_database()")
        database_oid = cursor.fetchone()[0]
    redis_instance, _, database = instance.rpartition(":")
    assert database.split(".")[0] == str(database_oid)

    client.set(cache.INSTANCE_KEY, f"{redis_instance}:1.1")  # checked against another one
    cache.redis_state.lease_until = 0.0
    assert pretrade(viewer, asset=str(btc.pk))[1]["tradeable"] is False
    assert client.get(cache.INSTANCE_KEY).decode() == instance
