"""Rehearsals: make the writes for real, then roll them back.

A dry run that only plans promises what it cannot know: the services own the rules
(model validation and normalization, references to deleted rows, uniqueness against the
database and against the rows written before in the same run, four eyes), and a plan
that skips one reports "to create" for a row the write then refuses. A rehearsal runs
the very write path inside a transaction (a savepoint when one is open) that is always
rolled back, so what a dry run or a preview reports is what the write does, by
construction.

What a write does beyond its own rows is held back with it: outbox rows, history and
field sources roll back with the transaction; after-commit hooks (publishing events,
deleting cache keys) are dropped with it; and cache invalidation touches no key, since
no reader can see rolled-back rows. Sequences are not transactional: integer ids drawn
in a rehearsal are never handed out again.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction

from registry.cache import invalidations_discarded


@contextmanager
def rehearsal() -> Iterator[None]:
    """Run the block's writes and roll them back (on success as on error)."""
    with transaction.atomic(), invalidations_discarded():
        yield
        transaction.set_rollback(True)
