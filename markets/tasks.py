"""The markets app's periodic work (CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from markets.services import delist_expired_markets


@shared_task(acks_late=True, ignore_result=True, time_limit=600)
def delist_expired() -> int:
    """Delist the markets of expired futures and options."""
    return delist_expired_markets()
