"""The request id of a write travels with its events: into the publishing task's log
lines (a real worker, its logs in JSON) and onto the bus as the Cqar-Request-Id header."""

import json

import pytest

from registry.models import OutboxEvent
from tests.events.worker import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def worker_json_lines(worker) -> list[dict]:
    """The worker's log lines that are JSON objects (its start-up banner is not a log
    line: Celery prints it)."""
    lines = []
    for text in worker.log_path.read_text(errors="replace").splitlines():
        if text.startswith("{"):
            lines.append(json.loads(text))
    return lines


def test_the_publish_task_of_a_write_logs_its_request_id_and_the_bus_carries_it(
    start_worker, stream, steward
):
    worker = start_worker(LOG_FORMAT="json", LOG_LEVEL="INFO")
    response = steward.post(
        "/api/v1/assets/",
        {"symbol": "RQEV", "name": "Request id event", "asset_type": "ERC20"},
        format="json",
        HTTP_X_REQUEST_ID="write-to-bus-1",
    )
    assert response.status_code == 201, response.content
    event = OutboxEvent.objects.get(
        event_type="asset_created", entity_id=response.json()["asset_id"]
    )
    assert event.request_id == "write-to-bus-1"

    (message,) = stream.read([event.event_id])

    assert message.headers["Cqar-Request-Id"] == "write-to-bus-1"
    finished = wait_for(
        lambda: [
            line
            for line in worker_json_lines(worker)
            if line.get("event") == "task_succeeded" and line.get("request_id") == "write-to-bus-1"
        ],
        20,
        "the publish task's log line",
    )
    task_id = finished[0]["task_id"]
    task_lines = [line for line in worker_json_lines(worker) if line.get("task_id") == task_id]
    started = next(line for line in task_lines if line["event"] == "task_started")
    assert started["task"] == "registry.tasks.publish_outbox"
    assert all(line["request_id"] == "write-to-bus-1" for line in task_lines)
    assert finished[0]["duration_ms"] >= 0
