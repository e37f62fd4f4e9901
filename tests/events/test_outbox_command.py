"""manage.py outbox (status, publish, prune, requeue) and the /metrics gauges."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from assets import services as asset_services
from registry.events.outbox import publish_pending, sequence_pending
from registry.models import OutboxEvent

pytestmark = pytest.mark.django_db(transaction=True)

Status = OutboxEvent.Status


def outbox(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("outbox", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def make_events(count: int) -> list[OutboxEvent]:
    for index in range(count):
        asset_services.asset_create(
            symbol=f"CMD{index}", name=f"Command {index}", asset_type="ERC20"
        )
    sequence_pending()
    return list(OutboxEvent.objects.order_by("sequence"))


def test_status_names_the_counts_and_the_failed_heads_last_error(settings):
    settings.NATS_URL = "nats://127.0.0.1:1"
    settings.EVENTS_FAILED_AFTER_ATTEMPTS = 1
    head, *_ = make_events(3)
    publish_pending()
    head.refresh_from_db()
    assert head.status == Status.FAILED and head.last_error

    out, _ = outbox("status")

    assert "pending 2" in out
    assert "failed 1" in out
    assert "published 0" in out
    assert f"head of line: #{head.sequence} asset_created {head.event_id}" in out
    assert "(failed, 1 attempts" in out
    assert f"last error: {head.last_error}" in out


def test_status_without_events_has_no_head():
    out, _ = outbox("status")
    assert "pending 0" in out
    assert "head of line" not in out


def test_status_json_parses_with_the_counts():
    head, *_ = make_events(2)

    out, _ = outbox("status", "--json")

    status = json.loads(out)
    assert status["counts"] == {"PENDING": 2, "PUBLISHED": 0, "FAILED": 0, "REJECTED": 0}
    assert status["unsequenced"] == 0
    assert status["head"]["event_id"] == str(head.event_id)
    assert status["head"]["attempts"] == 0
    assert status["last_sequence"] == OutboxEvent.objects.order_by("-sequence")[0].sequence


def _mark_published(row: OutboxEvent, days_ago: float) -> None:
    OutboxEvent.objects.filter(pk=row.pk).update(
        status=Status.PUBLISHED,
        published_at=timezone.now() - timedelta(days=days_ago),
        stream_sequence=row.sequence,
    )


def test_prune_days_0_deletes_published_events_and_keeps_pending_ones():
    published, pending = make_events(2)
    _mark_published(published, days_ago=0.001)

    out, _ = outbox("prune", "--days", "0")

    assert "deleted 1" in out
    assert list(OutboxEvent.objects.values_list("pk", flat=True)) == [pending.pk]


def test_prune_keeps_published_events_within_the_retention(settings):
    settings.EVENTS_RETENTION_DAYS = 30
    old, recent, pending = make_events(3)
    _mark_published(old, days_ago=31)
    _mark_published(recent, days_ago=29)

    out, _ = outbox("prune")

    assert "deleted 1" in out
    assert sorted(OutboxEvent.objects.values_list("pk", flat=True)) == sorted(
        [recent.pk, pending.pk]
    )


def test_prune_refuses_a_negative_retention():
    make_events(1)
    with pytest.raises(CommandError, match="--days"):
        outbox("prune", "--days", "-1")
    assert OutboxEvent.objects.count() == 1


def test_publish_without_nats_url_says_nothing_was_published(settings):
    settings.NATS_URL = ""
    make_events(2)

    out, err = outbox("publish")

    assert "nothing published" in err
    assert "published" not in out
    assert set(OutboxEvent.objects.values_list("status", flat=True)) == {Status.PENDING}


def test_publish_with_nats_unreachable_says_where_it_stopped(settings):
    settings.NATS_URL = "nats://127.0.0.1:1"
    make_events(1)

    out, err = outbox("publish")

    assert "published 0, rejected 0" in out
    assert "stopped:" in err


def test_requeue_puts_rejected_events_back_in_line():
    rejected, _ = make_events(2)
    OutboxEvent.objects.filter(pk=rejected.pk).update(status=Status.REJECTED, attempts=1)

    out, _ = outbox("requeue")

    assert "requeued 1" in out
    assert set(OutboxEvent.objects.values_list("status", flat=True)) == {Status.PENDING}


@pytest.fixture
def scraper(anonymous, settings):
    """Prometheus: no account, the bearer token /metrics wants."""
    settings.METRICS_TOKEN = "metrics-token-for-tests"
    anonymous.credentials(HTTP_AUTHORIZATION="Bearer metrics-token-for-tests")
    return anonymous


def _metrics(client) -> dict[str, dict]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def test_metrics_report_the_outbox(scraper):
    head, _, third = make_events(3)
    _mark_published(third, days_ago=0)
    OutboxEvent.objects.filter(pk=head.pk).update(
        occurred_at=timezone.now() - timedelta(seconds=120), attempts=4
    )

    samples = _metrics(scraper)

    events = samples["cqar_outbox_events"]
    assert events[(("status", "PENDING"),)] == 2
    # Published events are not counted on every scrape (that reads the whole table).
    assert (("status", "PUBLISHED"),) not in events
    assert events[(("status", "FAILED"),)] == 0
    assert events[(("status", "REJECTED"),)] == 0
    assert samples["cqar_outbox_oldest_unpublished_seconds"][()] >= 120
    assert samples["cqar_outbox_head_attempts"][()] == 4
    assert samples["cqar_outbox_last_sequence"][()] == third.sequence
    assert samples["cqar_outbox_unsequenced_events"][()] == 0


def test_metrics_with_nothing_unpublished_report_zero_age(scraper):
    (only,) = make_events(1)
    _mark_published(only, days_ago=0)

    samples = _metrics(scraper)

    assert samples["cqar_outbox_events"][(("status", "PENDING"),)] == 0
    assert samples["cqar_outbox_oldest_unpublished_seconds"][()] == 0
