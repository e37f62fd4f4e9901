"""A Redis outage degrades the API and never fails it: logins, rate-limited reads and
writes, token checks and revocations, and /metrics (/healthz: tests/registry/
test_health.py), against a redis-server of the test's own that it stops, pauses and
starts again.

Rate limits fail open (the request goes through), with a log line and a counter in
/metrics; a revocation that Redis cannot take is fenced like any write, so the revoked
token stops working on the hot path too.
"""

import logging

import pytest
from django.contrib.auth.models import User
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.test import APIClient

from registry import cache
from registry.api.throttling import RegistryScopedThrottle
from registry.roles import VIEWER
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

CHAINS = "/api/v1/chains/"
TOKENS = "/api/v1/auth/tokens/"
PASSWORD = "correct horse battery staple"
METRICS_TOKEN = "metrics-token-for-tests"


@pytest.fixture(autouse=True)
def _metrics_token(settings):
    settings.METRICS_TOKEN = METRICS_TOKEN


@pytest.fixture
def rate_limits(monkeypatch):
    """API_THROTTLE_RATES set for every scope, as in production."""
    monkeypatch.setattr(
        RegistryScopedThrottle,
        "THROTTLE_RATES",
        {"read": "1000/min", "write": "1000/min", "login": "20/min"},
    )


def metric(name: str, **labels: str) -> float:
    """A sample of /metrics as a scraper reads it."""
    response = APIClient().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}")
    text = response.content.decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    raise AssertionError(f"/metrics has no {name}{labels}")


def login() -> int:
    response = APIClient().post(TOKENS, {"username": "alice", "password": PASSWORD}, format="json")
    return response.status_code


def test_a_login_while_redis_is_down_gets_its_token(cache_on_own_redis, rate_limits, caplog):
    """The login throttle cannot count: the login goes through, logged and counted."""
    User.objects.create_user("alice", password=PASSWORD)
    assert login() == 201
    failed_open = metric("cqar_throttle_failed_open_total", scope="login")
    errors = metric("cqar_cache_errors_total", operation="throttle")

    cache_on_own_redis.stop()
    with caplog.at_level(logging.WARNING, logger="registry.cache"):
        assert login() == 201
        assert login() == 201  # the breaker is open now: Redis is not even tried

    assert "Redis failed during throttle" in caplog.text
    assert metric("cqar_throttle_failed_open_total", scope="login") == failed_open + 2
    assert metric("cqar_cache_errors_total", operation="throttle") == errors + 1


def test_rate_limited_reads_and_writes_go_through_while_redis_is_down(
    cache_on_own_redis, rate_limits, steward
):
    cache_on_own_redis.stop()

    assert steward.get(CHAINS).status_code == 200
    response = steward.post(
        CHAINS, {"chain_id": "outage", "name": "Outage", "chain_type": "OTHER"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert steward.get(f"{CHAINS}outage/").status_code == 200


def test_rate_limits_hold_again_once_redis_is_back(
    cache_on_own_redis, monkeypatch, settings, viewer
):
    monkeypatch.setattr(RegistryScopedThrottle, "THROTTLE_RATES", {"read": "2/min"})
    settings.CACHE_RETRY_SECONDS = 0  # the breaker closes at once
    cache_on_own_redis.stop()
    for _ in range(3):
        assert viewer.get(CHAINS).status_code == 200  # not counted, not refused

    cache_on_own_redis.start()
    assert viewer.get(CHAINS).status_code == 200
    assert viewer.get(CHAINS).status_code == 200
    assert viewer.get(CHAINS).status_code == 429


def test_a_token_revoked_while_redis_takes_no_writes_stops_working(
    cache_on_own_redis, demo, settings, django_capture_on_commit_callbacks
):
    """Redis answers reads but refuses writes (CLIENT PAUSE WRITE, as in a failover): the
    revocation cannot delete the remembered token check, so it fences; the hot path
    then checks the token in PostgreSQL until the remembered check is gone."""
    settings.CACHE_RETRY_SECONDS = 0
    viewer = token_client("hot-viewer", VIEWER)
    params = {"venue": "kraken", "symbol": "XXBTZUSD"}
    assert viewer.get("/api/v1/resolve/venue-symbol/", params).status_code == 200
    assert viewer.get("/api/v1/resolve/venue-symbol/", params).status_code == 200  # remembered

    cache_on_own_redis.client().execute_command("CLIENT", "PAUSE", "1500", "WRITE")
    with django_capture_on_commit_callbacks(execute=True):
        assert viewer.delete(f"{TOKENS}current/").status_code == 204

    assert viewer.get("/api/v1/resolve/venue-symbol/", params).status_code == 401
    cache_on_own_redis.client().execute_command("CLIENT", "UNPAUSE")
    assert viewer.get("/api/v1/resolve/venue-symbol/", params).status_code == 401
    assert cache.redis_state.raw().get(f"v1:auth:{viewer_digest(viewer)}") is None


def viewer_digest(client: APIClient) -> str:
    from knox.crypto import hash_token

    return hash_token(client._credentials["HTTP_AUTHORIZATION"].split(" ", 1)[1])
