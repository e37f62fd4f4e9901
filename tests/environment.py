"""The environment of every test run, set before Django reads its settings.

Loaded by pytest as a plugin (``-p tests.environment`` in pyproject.toml), so that
``pytest`` run directly behaves as ``make test``: pytest-django loads the settings before
any conftest.py. The suite runs on production's settings (DEBUG off) with what a test
run needs filled in, also for the servers and workers the tests start, which inherit
this process's environment:

- a secret key of the run's own, unless ``SECRET_KEY`` is set (production refuses none);
- plain HTTP (``SECURE_SSL_REDIRECT=false``): the test client and the suite's gunicorn
  speak it, and a redirect to HTTPS would answer every request.

The services are the machine's: ``make test`` sets their variables to local defaults;
without them the run stops here, naming each.
"""

import os
import secrets

import pytest

REQUIRED_SERVICES = {
    "DATABASE_URL": "PostgreSQL, e.g. postgres://postgres@127.0.0.1:5432/cqar",
    "REDIS_URL": "Redis, e.g. redis://127.0.0.1:6379/15",
}


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    """Before pytest-django's own, which loads the settings."""
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    if early_config.known_args_namespace.help or early_config.known_args_namespace.version:
        return
    missing = [
        f"{name} ({what})" for name, what in REQUIRED_SERVICES.items() if not os.environ.get(name)
    ]
    if missing:
        raise pytest.UsageError(
            "The tests need real services; set " + "; ".join(missing) + ". `make test` sets "
            "local defaults and starts the services where it can."
        )
