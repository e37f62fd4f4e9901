"""A write whose post-commit task cannot reach the broker still succeeds; the sweep
publishes its event later. Run in a subprocess, since the broker URL is fixed when
the Celery app is configured."""

import os
import subprocess
import sys

import pytest

from assets.models import Asset
from registry.models import OutboxEvent
from tests.events.worker import ROOT, session_database_url

pytestmark = pytest.mark.django_db(transaction=True)

SCRIPT = """
from assets.services import asset_create
asset_create(symbol="NOBRK", name="No broker", asset_type="ERC20")
print("written")
"""


def test_a_write_succeeds_with_the_broker_down_and_its_event_waits_in_the_outbox(
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
    assert "Could not schedule publishing" in result.stderr
    asset = Asset.objects.get(symbol="NOBRK")
    event = OutboxEvent.objects.get(entity_id=str(asset.pk))
    assert event.status == "PENDING"

    start_worker()  # its beat sweep finds what no task was scheduled for
    assert len(stream.read([event.event_id])) == 1
