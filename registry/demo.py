"""The demo data set, contributed by each app and loaded by ``manage.py load_demo``.

Apps register a loader in ``AppConfig.ready()``; loaders run in INSTALLED_APPS order,
which is dependency order (a loader finds the rows of the apps below it). Each loader
is idempotent: it looks rows up by their natural keys and only creates what is
missing, so a second run writes nothing.
"""

from collections.abc import Callable
from typing import Protocol


class DemoLog(Protocol):
    def __call__(self, message: str) -> None: ...


DemoLoader = Callable[[DemoLog], dict[str, int]]

_loaders: dict[str, DemoLoader] = {}


def register_demo_loader(app_label: str, loader: DemoLoader) -> None:
    """Register ``loader(log) -> {entity: rows created}`` as the demo data of ``app_label``."""
    _loaders[app_label] = loader


def demo_loaders() -> list[tuple[str, DemoLoader]]:
    """The registered loaders in INSTALLED_APPS order."""
    from django.apps import apps

    order = [config.label for config in apps.get_app_configs()]
    return sorted(_loaders.items(), key=lambda item: order.index(item[0]))
