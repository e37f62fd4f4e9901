"""The Celery application. Tasks live in the apps and are found by autodiscovery."""

import atexit
import logging.config
import os
import shutil
import tempfile

from celery import Celery, Task, bootsteps
from celery.signals import (
    after_task_publish,
    before_task_publish,
    setup_logging,
    worker_init,
)
from django_structlog.celery.receivers import CeleryReceiver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# A worker with CELERY_METRICS_PORT serves its task metrics (registry/metrics.py); the
# tasks run in its pool processes, which share their counters through files in
# PROMETHEUS_MULTIPROC_DIR. The directory must be known before prometheus_client is
# imported: a fresh one unless the environment names one (as config/gunicorn.py does).
if os.environ.get("CELERY_METRICS_PORT") and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
    _metrics_dir = tempfile.mkdtemp(prefix="cqar-worker-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir
    _metrics_dir_owner = os.getpid()

    @atexit.register
    def _remove_metrics_dir() -> None:
        if os.getpid() == _metrics_dir_owner:  # not a forked pool process
            shutil.rmtree(_metrics_dir, ignore_errors=True)


from registry.metrics import connect_celery_signals  # after the directory is chosen


class ChangeContextTask(Task):
    """A task's writes are made by the default service account via ``task:<name>``, in the
    outbox and in the history alike (a task is neither a request nor a command)."""

    def __call__(self, *args, **kwargs):
        from django.conf import settings

        from registry.actors import acting_as

        with acting_as(settings.CQAR_DEFAULT_ACTOR, source=f"task:{self.name}"):
            return super().__call__(*args, **kwargs)


@setup_logging.connect
def use_the_registry_log_format(**kwargs) -> None:
    """The worker logs as the web does (LOG_FORMAT, LOG_LEVEL), not in Celery's format:
    connecting this signal keeps Celery from configuring logging itself."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


class TaskLogContext(bootsteps.Step):
    """django-structlog in the worker: each task runs with the log context of the request
    that scheduled it (its request_id), and logs task_started, task_succeeded (with
    duration_ms) or task_failed. django-structlog's own DjangoStructLogInitStep would also
    connect the publishing side, which its app already connected
    (DJANGO_STRUCTLOG_CELERY_ENABLED), and log every task beat sends twice."""

    def __init__(self, parent, **kwargs):
        super().__init__(parent, **kwargs)
        self.receiver = CeleryReceiver()
        self.receiver.connect_worker_signals()
        before_task_publish.disconnect(self.receiver.receiver_before_task_publish)
        after_task_publish.disconnect(self.receiver.receiver_after_task_publish)


app = Celery("cqar", task_cls=ChangeContextTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
connect_celery_signals()


@worker_init.connect
def refuse_a_transaction_pool(**kwargs):
    """A worker publishes events under a session lock: with DATABASE_POOL_MODE=transaction
    it stops at once, saying why, rather than at the first publish. (Celery logs and
    swallows a receiver's exception; SystemExit stops the worker.)"""
    from django.core.exceptions import ImproperlyConfigured

    from registry.events.outbox import check_publisher_connection

    try:
        check_publisher_connection()
    except ImproperlyConfigured as error:
        raise SystemExit(f"celery worker: {error}") from None


app.steps["worker"].add(TaskLogContext)
