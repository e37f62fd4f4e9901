"""Test set-up: the suite runs against the real PostgreSQL and Redis, never stand-ins."""

import os

import pytest

REQUIRED_SERVICES = {
    "DATABASE_URL": "PostgreSQL, e.g. postgres://postgres@127.0.0.1:5432/cqar",
    "REDIS_URL": "Redis, e.g. redis://127.0.0.1:6379/15",
}


def pytest_configure(config):
    missing = [
        f"{name} ({what})" for name, what in REQUIRED_SERVICES.items() if not os.environ.get(name)
    ]
    if missing:
        raise pytest.UsageError(
            "The tests need real services; set " + "; ".join(missing) + ". `make test` sets "
            "local defaults and starts the services where it can."
        )


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (the test Redis database is the suite's own)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
