"""Error reports to Sentry, when ``SENTRY_DSN`` is set (config/settings.py).

Django's and Celery's integrations report unhandled errors of requests and tasks, and
errors logged at ERROR. No personal data (``send_default_pii`` off: no user names, IP
addresses or cookies), no local variables of the failing frames (they hold tokens and
session keys: the knox token being checked, the session key being looked up), and no
performance tracing. Each report is tagged
with the ``request_id`` of its request (or of the request that scheduled its task), the
id in the logs and in the ``X-Request-ID`` response header. ``SENTRY_ENVIRONMENT`` and
``SENTRY_RELEASE`` are read by the SDK itself.
"""

import sentry_sdk
import structlog
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration


def tag_request_id(event, hint):
    """before_send: runs where the error was caught, so the log context is the request's."""
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    return event


def init_sentry(dsn: str) -> None:
    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        before_send=tag_request_id,
    )
