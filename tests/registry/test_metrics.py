"""/metrics in one process: who may read it, and that what it counts moves with the real
requests, Redis, PostgreSQL and Celery tasks that should move it. (Several processes
adding up: tests/registry/test_metrics_processes.py.)"""

import time

import psycopg
import pytest
from django.db import connection
from prometheus_client.parser import text_string_to_metric_families

from config.celery import app as celery_app
from registry import cache
from registry.models import PendingCacheInvalidation

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-for-tests"
TICKER = "/api/v1/resolve/venue-symbol/?venue=kraken&symbol=XXBTZUSD"


@pytest.fixture
def scrape(settings, client):
    """Samples of /metrics as Prometheus reads them: {(name, labels…): value}."""
    settings.METRICS_TOKEN = TOKEN

    def read() -> dict[tuple, float]:
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200, response.content[:500]
        return {
            (sample.name, *sorted(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.content.decode())
            for sample in family.samples
        }

    return read


def sample(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, *sorted(labels.items())), 0.0)


# --- who may read it ------------------------------------------------------------------


def assert_refused(response, status: int, code: str) -> dict:
    assert response.status_code == status
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == code
    return error


def test_with_a_token_set_only_its_bearer_may_read(settings, client):
    settings.METRICS_TOKEN = TOKEN

    missing = client.get("/metrics")
    assert_refused(missing, 401, "not_authenticated")
    assert missing["WWW-Authenticate"] == "Bearer"
    assert_refused(
        client.get("/metrics", HTTP_AUTHORIZATION="Bearer not-the-token"),
        401,
        "authentication_failed",
    )
    assert_refused(
        client.get("/metrics", HTTP_AUTHORIZATION=f"Token {TOKEN}"), 401, "not_authenticated"
    )

    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert b"cqar_outbox_events" in response.content


def test_the_token_is_required_with_debug_on_too(settings, client):
    settings.DEBUG = True
    settings.METRICS_TOKEN = TOKEN

    assert_refused(client.get("/metrics"), 401, "not_authenticated")


def test_without_a_token_and_debug_off_metrics_are_refused(settings, client):
    settings.DEBUG = False
    settings.METRICS_TOKEN = ""

    error = assert_refused(
        client.get("/metrics", HTTP_AUTHORIZATION="Bearer x"), 403, "permission_denied"
    )
    assert "METRICS_TOKEN" in error["message"]


def test_without_a_token_and_debug_on_metrics_are_open(settings, client):
    """As `make run` serves them."""
    settings.DEBUG = True
    settings.METRICS_TOKEN = ""

    response = client.get("/metrics")

    assert response.status_code == 200
    assert b"cqar_http_requests_total" in response.content


# --- requests ---------------------------------------------------------------------------


def test_requests_are_counted_and_timed_by_route_method_and_status(scrape, client):
    before = scrape()

    client.get("/livez")
    client.get("/livez")
    client.post("/livez")
    client.get("/api/v1/no-such-endpoint/")
    client.get("/nothing/here")
    after = scrape()

    def grown(name: str, **labels) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    requests = "cqar_http_requests_total"
    assert grown(requests, route="livez", method="GET", status="200") == 2
    assert grown(requests, route="livez", method="POST", status="200") == 1
    assert grown(requests, route="unmatched", method="GET", status="404") == 2
    duration = "cqar_http_request_duration_seconds"
    assert grown(f"{duration}_count", route="livez", method="GET") == 2
    assert grown(f"{duration}_bucket", route="livez", method="GET", le="+Inf") == 2
    assert grown(f"{duration}_sum", route="livez", method="GET") > 0
    # The route is the pattern's name, never the path: no series per ticker or id.
    routes = {dict(key[1:]).get("route") for key in after if key[0] == requests}
    assert not any("/" in route for route in routes if route)


def test_an_admin_page_counts_under_the_admin_route(scrape, client):
    before = scrape()

    client.get("/admin/login/")

    grown = sample(
        scrape(), "cqar_http_requests_total", route="admin", method="GET", status="200"
    ) - sample(before, "cqar_http_requests_total", route="admin", method="GET", status="200")
    assert grown == 1


# --- the hot cache ------------------------------------------------------------------------


def test_a_hot_lookup_counts_a_miss_then_a_hit_against_the_real_redis(demo, viewer, scrape):
    cache.redis_state.reset()
    before = scrape()

    assert viewer.get(TICKER).status_code == 200  # from PostgreSQL, then stored
    middle = scrape()
    assert viewer.get(TICKER).status_code == 200  # from Redis (the one-round-trip path)
    after = scrape()

    def lookups(samples, result):
        return sample(samples, "cqar_cache_lookups_total", family="venue", result=result)

    assert (lookups(middle, "miss") - lookups(before, "miss"), lookups(middle, "hit")) == (
        1,
        lookups(before, "hit"),
    )
    assert lookups(after, "hit") - lookups(middle, "hit") == 1
    assert lookups(after, "miss") == lookups(middle, "miss")


def test_a_batch_counts_each_lookup_as_a_hit_or_a_miss(demo, viewer, scrape):
    cache.redis_state.reset()
    viewer.get(TICKER)  # cached now
    before = scrape()
    lookups = [
        {"type": "venue_symbol", "venue": "kraken", "symbol": "XXBTZUSD"},
        {"type": "venue_symbol", "venue": "binance", "symbol": "ETHUSDT"},
    ]

    assert (
        viewer.post("/api/v1/resolve/batch/", {"lookups": lookups}, format="json").status_code
        == 200
    )

    after = scrape()
    for result in ("hit", "miss"):
        grown = sample(after, "cqar_cache_lookups_total", family="venue", result=result) - sample(
            before, "cqar_cache_lookups_total", family="venue", result=result
        )
        assert grown == 1, result


def test_the_breaker_gauge_is_1_while_redis_is_down_and_0_once_it_answers(
    cache_on_own_redis, demo, viewer, scrape, settings
):
    settings.CACHE_RETRY_SECONDS = 0.2
    viewer.get(TICKER)
    assert sample(scrape(), "cqar_cache_breaker_open") == 0

    cache_on_own_redis.stop()  # its port is dead now
    assert viewer.get(TICKER).status_code == 200  # answered from PostgreSQL
    assert sample(scrape(), "cqar_cache_breaker_open") == 1

    cache_on_own_redis.start()
    time.sleep(0.3)  # the breaker's retry time, after which the next lookup tries Redis
    assert viewer.get(TICKER).status_code == 200
    assert sample(scrape(), "cqar_cache_breaker_open") == 0


def test_pending_invalidations_are_read_from_the_database(scrape):
    PendingCacheInvalidation.objects.bulk_create(
        [PendingCacheInvalidation(key=f"v1:asset:{n}") for n in range(3)]
    )

    assert sample(scrape(), "cqar_cache_pending_invalidations") == 3


# --- PostgreSQL -------------------------------------------------------------------------------


def test_database_connections_are_counted_by_state(scrape):
    """Two more connections to the test database: one idle, one idle in a transaction."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    before = scrape()
    with psycopg.connect(**params, autocommit=True) as idle, psycopg.connect(**params) as busy:
        idle.execute("SELECT 1")
        busy.execute("SELECT 1")  # opens a transaction and leaves it open
        after = scrape()

    def grown(state: str) -> float:
        return sample(after, "cqar_db_connections", state=state) - sample(
            before, "cqar_db_connections", state=state
        )

    assert grown("idle") >= 1
    assert grown("idle_in_transaction") >= 1
    assert set(dict(key[1:])["state"] for key in after if key[0] == "cqar_db_connections") == {
        "active",
        "idle",
        "idle_in_transaction",
    }


# --- readiness --------------------------------------------------------------------------------


def test_the_last_readiness_answer_is_a_gauge_per_component(scrape, client, settings):
    settings.NATS_URL = "nats://127.0.0.1:1"  # nobody listens on port 1

    assert client.get("/readyz").status_code == 200
    samples = scrape()

    assert sample(samples, "cqar_ready", component="overall") == 1
    assert sample(samples, "cqar_ready", component="database") == 1
    assert sample(samples, "cqar_ready", component="nats") == 0


# --- Celery -------------------------------------------------------------------------------------


@celery_app.task(name="tests.metrics.succeeds")
def succeeds():
    return "done"


@celery_app.task(name="tests.metrics.fails")
def fails():
    raise RuntimeError("this task fails")


@celery_app.task(name="tests.metrics.retries_once", bind=True, max_retries=1)
def retries_once(self):
    if not self.request.retries:
        raise self.retry(countdown=0)
    return "second time lucky"


def test_task_outcomes_and_durations_are_counted(scrape):
    """Run in this process through Celery's tracer, as a worker runs them (a real worker:
    test_metrics_processes.py)."""
    before = scrape()

    # throw=False: as in a worker, where a failure is recorded rather than raised.
    succeeds.apply(throw=False)
    assert isinstance(fails.apply(throw=False).result, RuntimeError)
    retries_once.apply(throw=False)  # the retry runs at once, eagerly
    after = scrape()

    def grown(name: str, **labels) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    tasks = "cqar_celery_tasks_total"
    assert grown(tasks, task="tests.metrics.succeeds", outcome="success") == 1
    assert grown(tasks, task="tests.metrics.fails", outcome="failure") == 1
    assert grown(tasks, task="tests.metrics.retries_once", outcome="retry") == 1
    assert grown(tasks, task="tests.metrics.retries_once", outcome="success") == 1
    duration = "cqar_celery_task_duration_seconds_count"
    assert grown(duration, task="tests.metrics.succeeds") == 1
    assert grown(duration, task="tests.metrics.retries_once") == 2
