"""The optional services a process runs without, said at start.

The registry runs on PostgreSQL alone; Redis, the Celery broker and NATS each add
something, and each has a fallback that is right for ``make run`` and surprising in
production. With ``DEBUG`` off every process says which fallbacks it runs on, once, as
it starts (a warning in the log of gunicorn, Celery and every command), and
``manage.py check --deploy`` lists them as ``registry.W001`` … ``registry.W003``.
"""

import logging

from django.conf import settings
from django.core import checks

logger = logging.getLogger(__name__)

BROKER_OFF = "registry.W001"
REDIS_OFF = "registry.W002"
NATS_OFF = "registry.W003"


def optional_services_off() -> list[checks.Warning]:
    """One warning for each optional service this process is not configured with."""
    off = []
    if settings.CELERY_TASK_ALWAYS_EAGER:
        off.append(
            checks.Warning(
                "CELERY_BROKER_URL is not set: Celery tasks run inline in the process that "
                "schedules them, and events stay in the outbox (not published).",
                hint="Set CELERY_BROKER_URL (RabbitMQ, amqp://…) and run Celery workers and "
                "exactly one beat.",
                id=BROKER_OFF,
            )
        )
    if not settings.REDIS_URL:
        off.append(
            checks.Warning(
                "REDIS_URL is not set: each process caches in its own memory (no shared hot "
                "cache; rate limits are counted per process).",
                hint="Set REDIS_URL to a Redis database of the registry's own.",
                id=REDIS_OFF,
            )
        )
    if not settings.NATS_URL:
        off.append(
            checks.Warning(
                "NATS_URL is not set: events are kept in the outbox and the feed "
                "(/api/v1/events/) only, not published.",
                hint="Set NATS_URL (NATS with JetStream) and CELERY_BROKER_URL: a worker "
                "publishes.",
                id=NATS_OFF,
            )
        )
    return off


def check_optional_services(app_configs=None, **kwargs) -> list[checks.Warning]:
    """``check --deploy``: the optional services not configured."""
    return optional_services_off()


def report_optional_services_off() -> None:
    """Log, once as a process starts, each optional service it runs without.

    Not with DEBUG on: ``make run`` runs without them on purpose and says so itself.
    """
    if settings.DEBUG:
        return
    for warning in optional_services_off():
        logger.warning("%s %s (%s)", warning.msg, warning.hint, warning.id)
