"""The hot lookups' rate limit (``resolve`` in API_THROTTLE_RATES): per account, in
lookups, over /api/v1/resolve/ and the gRPC hot reads alike; counted in the one Redis
round trip a cached lookup already makes; answered 429 with Retry-After; and opened,
never failed, by a cache outage."""

import pytest
import redis.connection
from django.conf import settings

from registry import cache
from registry.api.throttling import HOT_COUNTER_PREFIX, RegistryScopedThrottle
from registry.grpc.calls import Call, _answered_from_cache, _throttle, registered
from registry.pb.cqc.services.v1 import asset_registry_pb2 as service
from tests.api.conftest import assert_error
from tests.api.test_redis_outage import METRICS_TOKEN, metric
from tests.factories import AssetDeploymentFactory

pytestmark = pytest.mark.django_db

RESOLVE = "/api/v1/resolve/"


def limit_lookups(monkeypatch, rate: str | None) -> None:
    rates = {**RegistryScopedThrottle.THROTTLE_RATES, "resolve": rate}
    monkeypatch.setattr(RegistryScopedThrottle, "THROTTLE_RATES", rates)


@pytest.fixture
def deployments(db, django_capture_on_commit_callbacks):
    """Two deployments, committed as far as the cache can tell: (chain, address) each."""
    with django_capture_on_commit_callbacks(execute=True):
        made = AssetDeploymentFactory.create_batch(2)
    return [{"chain": made.chain.chain_id, "address": made.address} for made in made]


@pytest.fixture(autouse=True)
def _fresh_cache_client(settings):
    """A lease that outlasts the test (no renewal among the round trips counted), and
    the hot cache's client, breaker and lease anew."""
    settings.CACHE_LEASE_SECONDS = 60
    settings.METRICS_TOKEN = METRICS_TOKEN
    cache.redis_state.reset()
    yield
    cache.redis_state.reset()


@pytest.fixture
def round_trips(monkeypatch):
    """The requests this process sends Redis: one per command, one per pipeline or
    script (a round trip each), counted at the connection."""
    sent = []
    original = redis.connection.AbstractConnection.send_packed_command

    def counted(connection, command, check_health=True):
        sent.append(b"".join(command) if isinstance(command, list) else command)
        return original(connection, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counted)
    return sent


def lookup(client, deployment):
    return client.get(f"{RESOLVE}deployment/", deployment)


def counter_values() -> dict[str, int]:
    client = cache.redis_state.raw()
    return {
        key.decode(): int(client.get(key)) for key in client.scan_iter(f"{HOT_COUNTER_PREFIX}*")
    }


def test_without_a_rate_the_hot_lookups_are_not_counted(deployments, viewer):
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["resolve"] is None
    for _ in range(5):
        assert lookup(viewer, deployments[0]).status_code == 200
    assert counter_values() == {}


def test_a_cached_lookup_is_one_round_trip_with_the_limit_counted_in_it(
    deployments, viewer, monkeypatch, round_trips
):
    limit_lookups(monkeypatch, "1000/min")
    for _ in range(3):  # caches the answer and the caller; loads the script
        assert lookup(viewer, deployments[0]).status_code == 200
    round_trips.clear()
    assert lookup(viewer, deployments[0]).status_code == 200
    assert len(round_trips) == 1
    assert b"EVALSHA" in round_trips[0]
    assert list(counter_values().values()) == [4]


def test_unlimited_a_cached_lookup_is_one_mget(deployments, viewer, round_trips):
    for _ in range(2):
        assert lookup(viewer, deployments[0]).status_code == 200
    round_trips.clear()
    assert lookup(viewer, deployments[0]).status_code == 200
    assert len(round_trips) == 1 and b"MGET" in round_trips[0]


def test_over_the_limit_a_lookup_is_429_with_retry_after(deployments, viewer, monkeypatch):
    limit_lookups(monkeypatch, "3/min")
    statuses = [lookup(viewer, deployments[0]).status_code for _ in range(3)]
    refused = lookup(
        viewer, deployments[0]
    )  # from the fast path: the caller and the answer are cached
    assert statuses == [200, 200, 200]
    assert_error(refused, 429, "throttled")
    assert 1 <= int(refused["Retry-After"]) <= 60
    # A lookup that misses the cache is counted and refused on the full path alike.
    missed = lookup(viewer, deployments[1])
    assert_error(missed, 429, "throttled")
    assert "Retry-After" in missed


def test_the_limit_is_per_account(deployments, viewer, service, monkeypatch):
    limit_lookups(monkeypatch, "2/min")
    assert [lookup(viewer, deployments[0]).status_code for _ in range(3)] == [200, 200, 429]
    assert lookup(service, deployments[0]).status_code == 200
    assert sorted(counter_values().values()) == [1, 3]


def test_a_batch_counts_each_of_its_lookups(deployments, viewer, monkeypatch):
    limit_lookups(monkeypatch, "5/min")
    lookups = [{"type": "deployment", **deployments[0]}] * 4

    def batch():
        return viewer.post(f"{RESOLVE}batch/", {"lookups": lookups}, format="json")

    assert batch().status_code == 200
    assert_error(batch(), 429, "throttled")
    assert list(counter_values().values()) == [8]


def test_refused_callers_are_not_counted_first(deployments, anonymous, monkeypatch):
    """401 and 403 come before the limit, as DRF checks them before its throttles."""
    limit_lookups(monkeypatch, "1/min")
    for _ in range(3):
        assert lookup(anonymous, deployments[0]).status_code == 401
    assert counter_values() == {}


def test_a_cache_outage_opens_the_limit(deployments, viewer, monkeypatch, cache_on_own_redis):
    limit_lookups(monkeypatch, "2/min")
    assert [lookup(viewer, deployments[0]).status_code for _ in range(3)] == [200, 200, 429]
    failed_open = metric("cqar_throttle_failed_open_total", scope="resolve")
    cache_on_own_redis.stop()
    assert [lookup(viewer, deployments[0]).status_code for _ in range(3)] == [200, 200, 200]
    assert metric("cqar_throttle_failed_open_total", scope="resolve") == failed_open + 3


def test_without_redis_the_process_counts(deployments, viewer, monkeypatch, settings):
    """The quick start (no REDIS_URL): the local-memory cache counts the lookups."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    limit_lookups(monkeypatch, "2/min")
    assert [lookup(viewer, deployments[0]).status_code for _ in range(3)] == [200, 200, 429]


# gRPC: the hot reads count against the same counter, in the same round trip.


def grpc_call(viewer, deployment) -> tuple[Call, object]:
    metadata = {"authorization": viewer._credentials["HTTP_AUTHORIZATION"]}
    deployment_id = f"{deployment['chain']}:{deployment['address']}"
    return Call(None, metadata), service.GetAssetDeploymentRequest(deployment_id=deployment_id)


def test_a_grpc_hot_read_counts_in_its_one_round_trip(
    deployments, viewer, monkeypatch, round_trips
):
    limit_lookups(monkeypatch, "1000/min")
    method = registered()["GetAssetDeployment"]
    assert lookup(viewer, deployments[0]).status_code == 200  # caches caller and answer
    call, request = grpc_call(viewer, deployments[0])
    round_trips.clear()
    assert _answered_from_cache(method, request, call)
    assert len(round_trips) == 1 and b"EVALSHA" in round_trips[0]
    assert call.hot_counted
    assert list(counter_values().values()) == [2]  # REST's lookup and this read


def test_a_grpc_hot_read_over_the_limit_is_refused(deployments, viewer, monkeypatch):
    from rest_framework.exceptions import Throttled

    from registry.grpc.errors import error_of

    limit_lookups(monkeypatch, "1/min")
    assert lookup(viewer, deployments[0]).status_code == 200  # the account's one lookup
    method = registered()["GetAssetDeployment"]
    call, request = grpc_call(viewer, deployments[0])
    with pytest.raises(Throttled) as refused:
        _answered_from_cache(method, request, call)  # the caller is remembered
    assert error_of(refused.value).status_code.name == "RESOURCE_EXHAUSTED"
    # On the full path (nothing counted yet) the call is counted and refused alike.
    call, _ = grpc_call(viewer, deployments[1])
    call.caller = cache_free_caller(viewer)
    with pytest.raises(Throttled):
        _throttle(method, call)


def cache_free_caller(viewer):
    from registry.grpc.calls import _authenticate

    return _authenticate({"authorization": viewer._credentials["HTTP_AUTHORIZATION"]})


def test_the_counter_names_the_account_and_the_window_and_expires_with_it(
    deployments, viewer, monkeypatch
):
    limit_lookups(monkeypatch, "10/min")
    lookup(viewer, deployments[0])
    (key,) = counter_values()
    account_key, _, window = key.rpartition(":")
    assert account_key == HOT_COUNTER_PREFIX + "user:viewer" and window.isdigit()
    assert 0 < cache.redis_state.raw().ttl(key) <= 60
