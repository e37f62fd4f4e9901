"""The Celery application. Tasks live in the apps and are found by autodiscovery."""

import os

from celery import Celery, Task
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class ChangeContextTask(Task):
    """A task's writes are made by the default service account via ``task:<name>``, in the
    outbox and in the history alike (a task is neither a request nor a command)."""

    def __call__(self, *args, **kwargs):
        from django.conf import settings

        from registry.actors import acting_as

        with acting_as(settings.CQAR_DEFAULT_ACTOR, source=f"task:{self.name}"):
            return super().__call__(*args, **kwargs)


app = Celery("cqar", task_cls=ChangeContextTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


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
