"""/livez and /readyz (and /healthz, its old name) against the real services, and with
each of them at a dead port: the database fails readiness (503); Redis, the broker and
NATS make it degraded (200); so does an outbox that stopped publishing."""

import json
import os
import socket
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from registry import cache
from registry.models import OutboxEvent
from tests.redis_server import free_port

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
OPTIONAL = ("cache", "broker", "nats", "outbox")


def readyz(client, path: str = "/readyz") -> tuple[int, dict]:
    response = client.get(path)
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()


@pytest.fixture
def redis_at_dead_port(settings):
    """The cache pointed at a port nobody listens on."""
    location = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": location}}
    cache.redis_state.reset()
    yield
    cache.redis_state.reset()


@pytest.fixture
def silent_port():
    """A port that accepts connections and never says a word (a hung dependency)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        yield server.getsockname()[1]


def test_readyz_is_ok_with_every_component_answering(client, settings):
    """The test services are all configured: each is checked and timed."""
    assert settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    assert not settings.CELERY_TASK_ALWAYS_EAGER and settings.NATS_URL

    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", *OPTIONAL}
    for name, check in body["checks"].items():
        assert check["status"] == "ok", (name, check)
        assert check["ms"] >= 0
    assert body["checks"]["outbox"]["oldest_unpublished_seconds"] == 0
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_readyz_under_its_old_name(client):
    status, body = readyz(client, "/healthz")

    assert status == 200
    assert set(body["checks"]) == {"database", *OPTIONAL}


def test_livez_answers_ok_without_any_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/livez")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_degraded_not_failing_while_redis_is_at_a_dead_port(redis_at_dead_port, client):
    """Without Redis the process still serves (lookups read PostgreSQL): a load balancer
    must keep it, so the cache's failure is named but the answer is 200."""
    status, body = readyz(client)

    assert status == 200
    assert body["status"] == "degraded"
    assert body["checks"]["cache"]["status"] == "error"
    assert "Connection" in body["checks"]["cache"]["error"]
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["broker"]["status"] == "ok"


def test_readyz_is_degraded_while_the_broker_is_at_a_dead_port(settings, client):
    settings.CELERY_BROKER_URL = f"amqp://guest:guest@127.0.0.1:{free_port()}//"

    status, body = readyz(client)

    assert status == 200
    assert body["status"] == "degraded"
    assert body["checks"]["broker"]["status"] == "error"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["nats"]["status"] == "ok"


def test_readyz_is_degraded_while_nats_is_at_a_dead_port(settings, client):
    settings.NATS_URL = f"nats://127.0.0.1:{free_port()}"

    status, body = readyz(client)

    assert status == 200
    assert body["status"] == "degraded"
    assert body["checks"]["nats"]["status"] == "error"
    assert body["checks"]["broker"]["status"] == "ok"


def test_a_dependency_that_never_answers_is_an_error_not_a_hung_probe(
    settings, client, silent_port
):
    """The broker and NATS accept the connection and say nothing: each check gives up
    after its timeout and the probe answers."""
    settings.CELERY_BROKER_URL = f"amqp://guest:guest@127.0.0.1:{silent_port}//"
    settings.NATS_URL = f"nats://127.0.0.1:{silent_port}"

    status, body = readyz(client)

    assert status == 200
    assert body["status"] == "degraded"
    assert body["checks"]["broker"]["status"] == "error"
    assert body["checks"]["nats"]["status"] == "error"
    assert body["checks"]["database"]["status"] == "ok"


@pytest.mark.django_db(transaction=True)  # the probe's own connection sees committed rows
def test_readyz_is_degraded_while_the_outbox_lags_over_the_threshold(settings, client):
    settings.READINESS_OUTBOX_LAG_SECONDS = 60
    OutboxEvent.objects.create(
        event_id=uuid.uuid4(),
        event_type="asset_updated",
        message_type="cqar.events.v1.AssetUpdated",
        entity_id="1",
        actor_id="service:test",
        body=b"",
        occurred_at=timezone.now() - timedelta(minutes=10),
    )

    status, body = readyz(client)

    assert status == 200
    assert body["status"] == "degraded"
    outbox = body["checks"]["outbox"]
    assert outbox["status"] == "degraded"
    assert outbox["oldest_unpublished_seconds"] >= 600
    assert outbox["threshold_seconds"] == 60

    settings.READINESS_OUTBOX_LAG_SECONDS = 3600
    status, body = readyz(client)
    assert (status, body["status"], body["checks"]["outbox"]["status"]) == (200, "ok", "ok")


def test_components_not_configured_are_disabled_not_failing(settings, client):
    """The quick start's set-up: no Redis, no broker, no NATS."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.NATS_URL = ""
    cache.redis_state.reset()

    status, body = readyz(client)

    assert status == 200
    assert body["status"] == "ok"
    assert {name: body["checks"][name]["status"] for name in OPTIONAL} == dict.fromkeys(
        OPTIONAL, "disabled"
    )
    assert body["checks"]["database"]["status"] == "ok"


def test_probes_answer_on_any_host_and_over_plain_http(settings, client):
    """A kubelet probes a pod by its IP over HTTP: neither ALLOWED_HOSTS nor the HTTPS
    redirect stands in the way of the probes, while the API still refuses the host."""
    settings.SECURE_SSL_REDIRECT = True
    pod = {"HTTP_HOST": "10.1.2.3:8000"}

    assert client.get("/livez", **pod).status_code == 200
    assert client.get("/readyz", **pod).status_code == 200
    assert client.get("/api/v1/", **pod).status_code == 400


def test_readyz_fails_while_the_database_is_at_a_dead_port_and_livez_does_not():
    """A process whose DATABASE_URL (and Redis) point at dead ports: /readyz is 503
    naming the database, /livez still 200 (it touches neither). In a subprocess: this
    one's database connection is the test database's."""
    script = (
        "import django, json\n"
        "django.setup()\n"
        "from django.test import Client\n"
        "client = Client()\n"
        "answers = {path: client.get(path) for path in ('/livez', '/readyz', '/healthz')}\n"
        "print(json.dumps({p: [r.status_code, r.json()] for p, r in answers.items()}))\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/cqar",
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        "DEBUG": "false",
        "LOG_LEVEL": "CRITICAL",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answers = json.loads(result.stdout.strip().splitlines()[-1])

    assert answers["/livez"] == [200, {"status": "ok"}]
    status, body = answers["/readyz"]
    assert status == 503
    assert body["status"] == "error"
    assert body["checks"]["database"]["status"] == "error"
    assert body["checks"]["cache"]["status"] == "error"
    assert body["checks"]["broker"]["status"] == "ok"
    assert body["checks"]["nats"]["status"] == "ok"
    assert answers["/healthz"][0] == 503


def _wsgi_head(path: str) -> tuple[str, dict, bytes]:
    """HEAD through Django's real WSGI handler (the test client drops HEAD bodies itself,
    which would hide what gunicorn is sent)."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.signals import request_finished
    from django.db import close_old_connections
    from django.test import RequestFactory

    answer = {}

    def start_response(status, headers, exc_info=None):
        answer.update(status=status, headers=dict(headers))

    environ = RequestFactory().head(path).environ
    request_finished.disconnect(close_old_connections)  # keep the test's transaction
    try:
        body = b"".join(WSGIHandler()(environ, start_response))
    finally:
        request_finished.connect(close_old_connections)
    return answer["status"], answer["headers"], body


@pytest.mark.parametrize("path", ["/livez", "/readyz", "/healthz", "/api/v1/"])
def test_head_answers_the_headers_of_get_without_a_body(path):
    status, headers, body = _wsgi_head(path)

    assert status.startswith(("200", "401")), status
    assert body == b""
    assert int(headers["Content-Length"]) > 0
