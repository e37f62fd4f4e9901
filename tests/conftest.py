"""Test set-up: the suite runs against the real PostgreSQL and Redis, never stand-ins.

The environment a run needs (services, secret key) is checked and filled in before
Django starts, by tests/environment.py.
"""

import contextlib
import io
import json
import logging
from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from knox.models import AuthToken
from rest_framework.test import APIClient

from config import structured_logging
from registry.actors import SERVICE_ACCOUNTS_GROUP
from registry.roles import AUDITOR, STEWARD, VIEWER


@pytest.fixture(scope="session", autouse=True)
def _celery_queue():
    """The run's own broker queue (make test names one per run) goes when the run ends."""
    yield
    from django.conf import settings

    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    from config.celery import app

    with contextlib.suppress(Exception), app.connection_for_write() as connection:
        connection.default_channel.queue_delete(settings.CELERY_TASK_DEFAULT_QUEUE)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (the test Redis database is the suite's own)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def token_client(username: str, *groups: str, service: bool = False) -> APIClient:
    user = User.objects.create_user(username=username)
    names = [*groups, *([SERVICE_ACCOUNTS_GROUP] if service else [])]
    user.groups.set(Group.objects.filter(name__in=names))
    _, token = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    client.user = user
    return client


@pytest.fixture
def anonymous():
    return APIClient()


@pytest.fixture
def viewer(db):
    return token_client("viewer", VIEWER)


@pytest.fixture
def steward(db):
    return token_client("steward", VIEWER, STEWARD)


@pytest.fixture
def auditor(db):
    return token_client("auditor", VIEWER, AUDITOR)


@pytest.fixture
def service(db):
    """A service account with every role, as `create_service_account --role …` makes."""
    return token_client("market-data", VIEWER, STEWARD, AUDITOR, service=True)


@pytest.fixture
def demo(db, django_capture_on_commit_callbacks):
    """The demo data, committed as far as the cache can tell (its after-commit hooks ran)."""
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", stdout=StringIO())


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of the test's own, to stop, crash and restart (never the shared one)."""
    from tests.redis_server import RedisServer

    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture
def cache_on_own_redis(own_redis, settings):
    """The cache pointed at ``own_redis``; the hot cache's client, breaker and lease anew."""
    from registry import cache

    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": own_redis.url}}
    cache.redis_state.reset()
    yield own_redis
    cache.redis_state.reset()


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded files (the admin's import jobs) go to the test's own directory."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def json_lines(capsys):
    """Every line logged while the test runs, as production renders it (structlog's on
    stderr, the logging module's through the production formatter), parsed back; a line
    that is not one JSON object fails the test."""
    records = io.StringIO()
    handler = logging.StreamHandler(records)
    handler.setFormatter(structured_logging.formatter("json"))
    root = logging.getLogger()
    root.addHandler(handler)
    seen: list[str] = []

    def lines(event: str | None = None) -> list[dict]:
        seen.extend(capsys.readouterr().err.splitlines())
        parsed = [json.loads(line) for line in [*seen, *records.getvalue().splitlines()]]
        assert all(isinstance(line, dict) for line in parsed)
        return [line for line in parsed if event is None or line.get("event") == event]

    yield lines
    root.removeHandler(handler)
