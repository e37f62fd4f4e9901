"""The Celery application. Tasks live in the apps and are found by autodiscovery."""

import logging.config
import os

from celery import Celery, Task, bootsteps
from celery.signals import after_task_publish, before_task_publish, setup_logging
from django_structlog.celery.receivers import CeleryReceiver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


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
app.steps["worker"].add(TaskLogContext)
