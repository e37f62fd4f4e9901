"""manage.py outbox: the state of the event outbox, and its maintenance."""

import json
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from registry.events import outbox


class Command(BaseCommand):
    help = (
        "status: counts by status, the head of the line and its last error. "
        "publish: publish what is due now, in this process. "
        "prune: delete published events older than --days (default EVENTS_RETENTION_DAYS). "
        "requeue: put events the bus rejected back in line."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["status", "publish", "prune", "requeue"])
        parser.add_argument("--days", type=float, default=None, help="prune: retention in days.")
        parser.add_argument("--json", action="store_true", help="status: print JSON.")

    def handle(self, *args, action: str, days: float | None, json: bool, **options) -> None:
        getattr(self, f"_{action}")(days=days, as_json=json)

    def _status(self, *, as_json: bool, **_) -> None:
        status = outbox.outbox_status()
        if as_json:
            self.stdout.write(json_dumps(status))
            return
        counts = status["counts"]
        self.stdout.write(
            "events: "
            + ", ".join(f"{name.lower()} {count}" for name, count in counts.items())
            + f"; unsequenced {status['unsequenced']}; last sequence {status['last_sequence']}"
        )
        self.stdout.write(
            f"oldest unpublished: {status['oldest_unpublished_seconds']} s; "
            f"bus: {settings.NATS_URL or 'none (NATS_URL unset)'}, stream {settings.EVENTS_STREAM}"
        )
        head = status["head"]
        if head:
            self.stdout.write(
                f"head of line: #{head['sequence']} {head['event_type']} {head['event_id']} "
                f"({head['status'].lower()}, {head['attempts']} attempts, next "
                f"{head['next_attempt_at']})"
            )
            if head["last_error"]:
                self.stdout.write(f"  last error: {head['last_error']}")

    def _publish(self, **_) -> None:
        report = outbox.publish_pending()
        if report.skipped_unconfigured:
            self.stderr.write("NATS_URL is not set: nothing published.")
            return
        self.stdout.write(f"published {report.published}, rejected {report.rejected}")
        if report.blocked_by:
            self.stderr.write(f"stopped: {report.blocked_by}")

    def _prune(self, *, days: float | None, **_) -> None:
        retention = settings.EVENTS_RETENTION_DAYS if days is None else days
        if retention < 0:
            raise CommandError("--days: must be 0 or more.")
        deleted = outbox.prune_published(timedelta(days=retention))
        self.stdout.write(f"deleted {deleted} published events older than {retention} days")

    def _requeue(self, **_) -> None:
        self.stdout.write(f"requeued {outbox.requeue_rejected()} rejected events")


def json_dumps(value) -> str:
    return json.dumps(value, indent=2, default=str)
