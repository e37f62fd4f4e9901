"""A write whose post-commit task cannot reach the broker still succeeds; the sweep
publishes its event later. Run in a subprocess, since the broker URL is fixed when
the Celery app is configured."""

import os
import socket
import subprocess
import sys
import threading

import pytest

from registry.models import OutboxEvent
from tests.events.worker import ROOT, session_database_url

pytestmark = pytest.mark.django_db(transaction=True)

SCRIPT = """
from assets.services import asset_create
for index in range(3):
    asset_create(symbol="NOBRK", name=f"No broker {index}", asset_type="ERC20")
print("written")
"""


def test_writes_succeed_with_the_broker_down_and_their_events_wait_in_the_outbox(
    start_worker, stream
):
    env = {
        **os.environ,
        "DATABASE_URL": session_database_url(),
        "CELERY_BROKER_URL": "amqp://guest:guest@127.0.0.1:1//",  # nothing listens
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert "written" in result.stdout
    # Tried once; the two writes after it did not wait for the broker again.
    assert result.stderr.count("Could not schedule publishing") == 1
    events = list(OutboxEvent.objects.filter(event_type="asset_created"))
    assert len(events) == 3
    assert {event.status for event in events} == {"PENDING"}

    start_worker()  # its beat sweep finds what no task was scheduled for
    assert len(stream.read([event.event_id for event in events])) == 3


def test_nats_without_a_broker_is_refused_at_start_naming_both_settings():
    """Publishing inside web requests would let a NATS outage slow every write."""
    env = {key: value for key, value in os.environ.items() if key != "CELERY_BROKER_URL"}
    env.update(DATABASE_URL=session_database_url(), NATS_URL="nats://127.0.0.1:4222")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "NATS_URL is set but CELERY_BROKER_URL is not" in result.stderr


def test_a_write_tries_a_broker_that_drops_the_connection_once_not_again_after_a_pause():
    """kombu retries a failed connect once, 2 s later, unless told not to: a write would
    wait twice CELERY_BROKER_CONNECTION_TIMEOUT plus the pause. A listener that accepts
    and hangs up counts the attempts one scheduling makes."""
    attempts = []
    with socket.socket() as broker:
        broker.bind(("127.0.0.1", 0))
        broker.listen(16)

        def hang_up() -> None:
            while True:
                try:
                    connection, _ = broker.accept()
                except OSError:
                    return
                attempts.append(1)
                connection.close()

        threading.Thread(target=hang_up, daemon=True).start()
        env = {
            **os.environ,
            "DATABASE_URL": session_database_url(),
            "CELERY_BROKER_URL": f"amqp://guest:guest@127.0.0.1:{broker.getsockname()[1]}//",
        }
        script = (
            "from registry.tasks import publish_outbox\n"
            "try:\n"
            "    publish_outbox.apply_async()\n"
            "except Exception as error:\n"
            "    print('refused:', type(error).__name__)\n"
        )
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", script],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert result.returncode == 0, result.stderr
    assert "refused: OperationalError" in result.stdout
    assert len(attempts) == 1
