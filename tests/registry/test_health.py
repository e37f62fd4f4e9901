"""/healthz reports the database and the real cache: it fails when the database is
down, and is degraded (still 200) when Redis is."""

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_is_ok_against_the_real_database_and_redis(client, settings):
    assert settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache"}


def test_healthz_is_degraded_not_failing_while_redis_is_down(cache_on_own_redis, client):
    """Without Redis the process still serves (lookups read PostgreSQL): a load balancer
    must keep it, so the cache's failure is named but the answer is 200."""
    cache_on_own_redis.stop()

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["cache"]["status"] == "error"
    assert body["checks"]["database"]["status"] == "ok"
