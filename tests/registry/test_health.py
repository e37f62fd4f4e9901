"""/healthz reports the database and the real cache, and fails when one is down."""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_healthz_is_ok_against_the_real_database_and_redis(client, settings):
    assert settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache"}


def test_healthz_is_503_naming_the_cache_when_redis_is_unreachable(client, settings):
    broken = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        }
    }
    with override_settings(CACHES=broken):
        response = client.get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["cache"]["status"] == "error"
    assert checks["database"]["status"] == "ok"
