"""A synthetic registry of a given size, for benchmarks, contributed by each app.

``manage.py generate_synthetic`` adds synthetic assets in batches. Apps register a step
(a ``SyntheticStep``) in ``AppConfig.ready()``; a run makes one of each, in INSTALLED_APPS
order, which is dependency order, and:

1. ``prepare()`` once: what the rows build on, through the app's services;
2. ``start_batch(size)`` per batch: what a step draws for the whole batch at once;
3. ``rows(item)`` per synthetic asset, every step in turn, so that all draw from one
   seeded random sequence (the same seed makes the same registry) and a step sees what
   earlier ones made of the item;
4. the batch's rows are bulk-inserted in one transaction, step by step.

Benchmark fixture data, not curation: the rows skip the services and record no events,
and the hot cache is flushed at the end instead of invalidated key by key.
"""

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from registry import cache

BATCH = 5000
PROGRESS_EVERY = 100_000


@dataclass
class SyntheticRun:
    rng: random.Random  # the one random sequence every step draws from
    size: int  # how many synthetic assets the run adds
    now: datetime  # every row's created_at and updated_at


class SyntheticItem:
    """One synthetic asset of a run. Steps leave on it what later steps build on (the
    rows they made, as attributes)."""

    def __init__(self, index: int) -> None:
        self.index = index  # its place in the run: 0, 1, …


class SyntheticStep:
    """One app's part of a run; override what the app needs."""

    def __init__(self, run: SyntheticRun) -> None:
        self.run = run

    def prepare(self) -> None:
        """Once, before the first batch: what the rows build on, through services."""

    def start_batch(self, size: int) -> None:
        """Draw what a batch of ``size`` synthetic assets needs at once."""

    def rows(self, item: SyntheticItem) -> Iterable[Model]:
        """The unsaved rows of one synthetic asset (none: an empty list)."""
        return []


_steps: dict[str, type[SyntheticStep]] = {}


def register_synthetic_step(app_label: str, step: type[SyntheticStep]) -> None:
    """Register ``step`` as the synthetic data of ``app_label``."""
    _steps[app_label] = step


def synthetic_steps() -> list[type[SyntheticStep]]:
    """The registered steps in INSTALLED_APPS order."""
    from django.apps import apps

    order = [config.label for config in apps.get_app_configs()]
    return [step for _, step in sorted(_steps.items(), key=lambda item: order.index(item[0]))]


def generate(size: int, *, seed: int, log: Callable[[str], None]) -> None:
    """Add ``size`` synthetic assets and what each app hangs off them."""
    run = SyntheticRun(rng=random.Random(seed), size=size, now=timezone.now())
    steps = [step(run) for step in synthetic_steps()]
    for step in steps:
        step.prepare()
    made = 0
    while made < size:
        batch = min(BATCH, size - made)
        for step in steps:
            step.start_batch(batch)
        # (step's position, model) -> rows: inserted step by step, each step's models in
        # the order it first made them, so a row is inserted after the rows it points to.
        rows: dict[tuple[int, type[Model]], list[Model]] = {}
        for index in range(made, made + batch):
            item = SyntheticItem(index)
            for position, step in enumerate(steps):
                for row in step.rows(item):
                    rows.setdefault((position, type(row)), []).append(row)
        with transaction.atomic():
            for (_, model), model_rows in sorted(rows.items(), key=lambda entry: entry[0][0]):
                model._default_manager.bulk_create(model_rows)
        made += batch
        if made % PROGRESS_EVERY == 0 or made == size:
            log(f"{made} assets")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, so plans match the new size
    # Bulk rows are not invalidated one by one: collision counts of existing answers
    # changed, so the hot cache starts over.
    flushed = cache.flush_hot_keys()
    log(f"flushed {flushed} hot cache keys")
