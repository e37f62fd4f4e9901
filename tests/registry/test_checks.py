"""Each process says at start which optional services it runs without (registry/checks.py)."""

import logging
import os
import subprocess
import sys
from pathlib import Path

from registry.checks import (
    BROKER_OFF,
    NATS_OFF,
    REDIS_OFF,
    optional_services_off,
    report_optional_services_off,
)

REPOSITORY = Path(__file__).resolve().parents[2]
OPTIONAL = ("CELERY_BROKER_URL", "REDIS_URL", "NATS_URL")


def without_optional_services(settings) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True  # what settings make of no CELERY_BROKER_URL
    settings.REDIS_URL = ""
    settings.NATS_URL = ""


def test_every_optional_service_configured_reports_nothing(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    settings.NATS_URL = "nats://127.0.0.1:4222"
    assert optional_services_off() == []


def test_each_missing_service_is_named_with_what_it_costs(settings):
    without_optional_services(settings)
    off = {warning.id: warning.msg for warning in optional_services_off()}
    assert list(off) == [BROKER_OFF, REDIS_OFF, NATS_OFF]
    assert off[BROKER_OFF].startswith("CELERY_BROKER_URL is not set: Celery tasks run inline")
    assert "events stay in the outbox (not published)" in off[BROKER_OFF]
    assert off[REDIS_OFF].startswith("REDIS_URL is not set: each process caches in its own")
    assert "rate limits are counted per process" in off[REDIS_OFF]
    assert off[NATS_OFF].startswith("NATS_URL is not set: events are kept in the outbox")


def test_with_debug_off_the_start_up_log_names_them(settings, caplog):
    without_optional_services(settings)
    settings.DEBUG = False
    with caplog.at_level(logging.WARNING, logger="registry.checks"):
        report_optional_services_off()
    assert [record.levelno for record in caplog.records] == [logging.WARNING] * 3
    logged = caplog.text
    for name in OPTIONAL:
        assert f"{name} is not set" in logged


def test_with_debug_on_make_run_is_not_told_what_it_chose(settings, caplog):
    without_optional_services(settings)
    settings.DEBUG = True
    with caplog.at_level(logging.WARNING, logger="registry.checks"):
        report_optional_services_off()
    assert caplog.records == []


def test_a_process_started_without_them_logs_each_once_and_check_deploy_lists_them():
    """What an operator sees: one log line per service as the process starts (gunicorn,
    Celery and every command set Django up the same way), and check --deploy's list."""
    env = {name: value for name, value in os.environ.items() if name not in OPTIONAL}
    env.update(DEBUG="false", SECURE_SSL_REDIRECT="true")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=REPOSITORY,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr  # warnings: reported, not fatal
    for check_id in (BROKER_OFF, REDIS_OFF, NATS_OFF):
        # Once in the start-up log, once in the check's list.
        assert result.stderr.count(f"({check_id})") == 2, result.stderr
