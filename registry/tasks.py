"""Celery tasks of the registry core. All are idempotent and safe to run twice."""

import logging

from celery import shared_task
from django.conf import settings

logger = logging.getLogger(__name__)


# A hard limit: a stuck run is killed, its task redelivered, and JetStream drops what it
# had already sent.
@shared_task(acks_late=True, ignore_result=True, time_limit=900)
def publish_outbox() -> int:
    """Scheduled after every commit that recorded events: publish what is due."""
    from registry.events.outbox import publish_pending

    return publish_pending().published


@shared_task(acks_late=True, ignore_result=True, time_limit=900)
def sweep_outbox() -> int:
    """Every OUTBOX_SWEEP_SECONDS (beat): publish what no post-commit task did."""
    from registry.events.outbox import publish_pending, stale_count

    stale = stale_count(settings.EVENTS_SWEEP_AFTER_SECONDS)
    if stale:
        logger.warning(
            "Outbox sweep: %d events still unpublished after %ss",
            stale,
            settings.EVENTS_SWEEP_AFTER_SECONDS,
        )
    return publish_pending().published


@shared_task(acks_late=True, ignore_result=True)
def replay_cache_invalidations() -> int:
    """Every CACHE_RETRY_SECONDS (beat): delete hot keys a write could not reach."""
    from registry.cache import replay_pending

    return replay_pending()


# The job stops itself at the soft limit (nothing written, the job failed with the
# reason); the hard limit is for a run that cannot.
@shared_task(
    acks_late=True,
    ignore_result=True,
    soft_time_limit=settings.IMPORT_JOB_TIME_LIMIT_SECONDS,
    time_limit=settings.IMPORT_JOB_TIME_LIMIT_SECONDS + 60,
)
def run_import_job(job_id: str) -> None:
    """Preview or import an admin import job's file: the step its row says is queued."""
    from registry.exchange.jobs import import_job_run

    import_job_run(job_id)


@shared_task(acks_late=True, ignore_result=True)
def sweep_import_jobs() -> int:
    """Every IMPORT_JOB_SWEEP_SECONDS (beat): expire import jobs whose file has waited
    IMPORT_JOB_TTL_HOURS, and delete their files."""
    from registry.exchange.jobs import import_jobs_sweep

    result = import_jobs_sweep()
    if result.expired or result.orphans or result.removed:
        logger.info("Import jobs swept: %s", result)
    return result.expired
