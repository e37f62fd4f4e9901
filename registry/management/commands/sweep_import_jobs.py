"""manage.py sweep_import_jobs: what the beat task does, once (registry/exchange/jobs.py)."""

from django.core.management.base import BaseCommand

from registry.exchange.jobs import import_jobs_sweep


class Command(BaseCommand):
    help = (
        "Expire the admin's import jobs whose uploaded file has waited IMPORT_JOB_TTL_HOURS "
        "and delete their files (an expired job cannot be confirmed), delete uploaded files "
        "no job names, and remove finished jobs older than IMPORT_JOB_RETENTION_DAYS. "
        "Celery beat runs the same every IMPORT_JOB_SWEEP_SECONDS."
    )

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"Swept: {import_jobs_sweep()}")
