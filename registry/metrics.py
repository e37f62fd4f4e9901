"""/metrics: Prometheus gauges read from the database at scrape time, and counters of
what the processes degraded around.

Alarm on ``cqar_outbox_events{status="FAILED"} > 0`` or ``{status="REJECTED"} > 0``
(an event keeps failing, or the bus refuses one), and on
``cqar_outbox_oldest_unpublished_seconds`` above a few sweep intervals (publishing has
stopped: broker, worker or NATS down). ``cqar_cache_errors_total`` rising means Redis
is failing: lookups read PostgreSQL, and ``cqar_throttle_failed_open_total`` counts the
requests let through without a rate limit meanwhile.

The counters live in each process. Under gunicorn (``config/gunicorn.py`` sets
``PROMETHEUS_MULTIPROC_DIR``) every worker writes them to a shared directory and any
worker's /metrics adds them up, so a scrape sees the whole server.
"""

import os

from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

# Not registered anywhere by default: _registry below exposes them, from this process or
# from every worker's files.
CACHE_ERRORS = Counter(
    "cqar_cache_errors",
    "Redis calls that failed (the process then leaves Redis alone for CACHE_RETRY_SECONDS).",
    ["operation"],
    registry=None,
)
THROTTLE_FAILED_OPEN = Counter(
    "cqar_throttle_failed_open",
    "Requests let through without a rate limit because the cache could not count them.",
    ["scope"],
    registry=None,
)
CACHE_FENCED_WRITES = Counter(
    "cqar_cache_fenced_writes",
    "Writes that could not reach Redis and fenced the cache off until their keys are gone.",
    registry=None,
)
# The last answer any live process gave, so a scrape sees the latest probe.
READY = Gauge(
    "cqar_ready",
    "1 if the component was ready at the last /readyz (overall: it answered 200), else 0.",
    ["component"],
    registry=None,
    multiprocess_mode="livemostrecent",
)
COUNTERS = (CACHE_ERRORS, THROTTLE_FAILED_OPEN, CACHE_FENCED_WRITES, READY)
# Every series exists from the start (at 0), so a rate() sees the first failure.
for _operation in ("read", "store", "auth", "invalidate", "throttle"):
    CACHE_ERRORS.labels(_operation)
for _scope in ("read", "write", "login"):
    THROTTLE_FAILED_OPEN.labels(_scope)


class OutboxCollector:
    def collect(self):
        from registry.events.outbox import outbox_status

        status = outbox_status(count_published=False)
        events = GaugeMetricFamily(
            "cqar_outbox_events",
            "Outbox events not yet published, by status.",
            labels=["status"],
        )
        for name, count in status["counts"].items():
            events.add_metric([name], count)
        yield events
        yield GaugeMetricFamily(
            "cqar_outbox_unsequenced_events",
            "Committed events not yet put in commit order.",
            value=status["unsequenced"],
        )
        yield GaugeMetricFamily(
            "cqar_outbox_oldest_unpublished_seconds",
            "Age of the oldest event not yet on the bus.",
            value=status["oldest_unpublished_seconds"],
        )
        head = status["head"] or {}
        yield GaugeMetricFamily(
            "cqar_outbox_head_attempts",
            "Publish attempts of the event at the head of the line.",
            value=head.get("attempts", 0),
        )
        yield GaugeMetricFamily(
            "cqar_outbox_last_sequence",
            "Highest commit-order sequence handed out.",
            value=status["last_sequence"],
        )


_registry = CollectorRegistry(auto_describe=False)
_registry.register(OutboxCollector())
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    MultiProcessCollector(_registry)
else:
    for counter in COUNTERS:
        _registry.register(counter)


@never_cache
def metrics(request):
    return HttpResponse(generate_latest(_registry), content_type=CONTENT_TYPE_LATEST)
