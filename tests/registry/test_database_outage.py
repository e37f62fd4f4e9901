"""With PostgreSQL out of reach, every endpoint answers 503 (the API's error shape under
/api/, a plain page elsewhere), never a 500 with a traceback; a database that accepts
the connection and never answers costs a request DB_CONNECT_TIMEOUT, then the same 503.

Each case runs the app in a subprocess (this process's connection is the test
database's) whose DATABASE_URL points at a dead port or a silent listener."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.redis_server import free_port

ROOT = Path(__file__).resolve().parents[2]

# Each request's status, body and content type, and every log record at WARNING or above.
SCRIPT = """
import django, json, logging, sys
django.setup()
from django.test import Client

records = []
class Keep(logging.Handler):
    def emit(self, record):
        records.append([record.levelname, record.getMessage(), bool(record.exc_info)])
logging.getLogger().addHandler(Keep(logging.WARNING))
for name in ("django", "django.request", "registry"):
    logging.getLogger(name).propagate = True

client = Client(raise_request_exception=False, HTTP_AUTHORIZATION="Token not-a-real-token")
answers = {}
for method, path, data in json.loads(sys.argv[1]):
    if path.startswith("/api/") and data:
        response = getattr(client, method)(path, json.dumps(data), "application/json")
    else:
        response = getattr(client, method)(path, data or {})
    answers[f"{method} {path}"] = [
        response.status_code, response["Content-Type"], response.content.decode()
    ]
print(json.dumps({"answers": answers, "logged": records}))
"""

API_REQUESTS = [
    ["get", "/api/v1/assets/", None],
    ["get", "/api/v1/events/", None],
    ["get", "/api/v1/", None],
    ["post", "/api/v1/auth/tokens/", {"username": "someone", "password": "secret"}],
]
ADMIN_LOGIN = ["post", "/admin/login/", {"username": "someone", "password": "secret"}]


def run_against(database_url: str, requests: list, **env) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "testserver",
        "LOG_LEVEL": "WARNING",
        **env,
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(requests)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,  # far over DB_CONNECT_TIMEOUT per request: a hung request fails here
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def assert_unavailable(answer: list) -> None:
    status, content_type, body = answer
    assert status == 503, answer
    assert content_type == "application/json", answer
    assert json.loads(body) == {
        "error": {
            "code": "unavailable",
            "message": "The registry cannot reach its database; retry.",
            "fields": {},
        }
    }


def test_every_endpoint_answers_503_while_the_database_is_at_a_dead_port():
    result = run_against(
        f"postgres://postgres@127.0.0.1:{free_port()}/cqar", [*API_REQUESTS, ADMIN_LOGIN]
    )
    answers = result["answers"]

    for method, path, _ in API_REQUESTS:
        assert_unavailable(answers[f"{method} {path}"])
    status, content_type, body = answers["post /admin/login/"]
    assert status == 503
    assert content_type.startswith("text/plain")
    assert "cannot reach its database" in body
    # One warning line per request naming the cause; no error, no traceback (Redis, at
    # a dead port too, has its own warning).
    for level, message, has_traceback in result["logged"]:
        assert level == "WARNING", message
        assert not has_traceback, message
    outage = [message for _, message, _ in result["logged"] if "Database unreachable" in message]
    assert len(outage) == len(API_REQUESTS) + 1
    assert all("Connection refused" in message and "\n" not in message for message in outage)


@pytest.fixture
def silent_port():
    """A port that accepts connections and never says a word (a hung PostgreSQL)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        yield server.getsockname()[1]


def test_a_database_that_never_answers_is_a_503_after_the_connect_timeout(silent_port):
    result = run_against(
        f"postgres://postgres@127.0.0.1:{silent_port}/cqar",
        [API_REQUESTS[0], ADMIN_LOGIN],
        DB_CONNECT_TIMEOUT="2",
    )

    assert_unavailable(result["answers"]["get /api/v1/assets/"])
    assert result["answers"]["post /admin/login/"][0] == 503
