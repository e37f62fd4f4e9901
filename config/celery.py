"""The Celery application. Tasks live in the apps and are found by autodiscovery."""

import os

from celery import Celery, Task

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
