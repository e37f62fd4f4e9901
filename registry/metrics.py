"""/metrics: Prometheus gauges read from the database at scrape time.

Alarm on ``cqar_outbox_events{status="FAILED"} > 0`` or ``{status="REJECTED"} > 0``
(an event keeps failing, or the bus refuses one), and on
``cqar_outbox_oldest_unpublished_seconds`` above a few sweep intervals (publishing has
stopped: broker, worker or NATS down).
"""

from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily


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


@never_cache
def metrics(request):
    return HttpResponse(generate_latest(_registry), content_type=CONTENT_TYPE_LATEST)
