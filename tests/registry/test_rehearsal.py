"""Rehearsals (registry.rehearsal): the writes are made for real and rolled back, and
nothing of them leaves the transaction: no row, no event, no history, no cache key, no
after-commit hook."""

import pytest
from django.db import connection, transaction

from assets.models import Asset
from quality.lookups import flags_key
from quality.services import flag_raise
from registry import cache
from registry.models import ChangeEvent, OutboxEvent
from registry.rehearsal import rehearsal

pytestmark = pytest.mark.django_db

CACHED = b"+cached before the rehearsal"


def raise_flag(asset: Asset):
    return flag_raise(asset=asset, flag_type="SCAM", severity=5, reason="x", actor="user:t")


def test_a_rehearsed_write_leaves_no_row_event_cache_key_or_hook(
    demo, django_capture_on_commit_callbacks
):
    """The service runs (its checks with it) and its every effect is gone afterwards; the
    cached answer it would invalidate is left as it was, not tombstoned for a minute."""
    asset = Asset.objects.get(name="USD Coin")
    cache.redis_state.reset()
    client = cache.redis_state.client()
    key = flags_key(asset.pk)
    client.set(key, CACHED)
    events, history = OutboxEvent.objects.count(), ChangeEvent.objects.count()

    with django_capture_on_commit_callbacks() as hooks, rehearsal():
        flag = raise_flag(asset)
        assert asset.quality_flags.filter(pk=flag.pk).exists()  # written, inside

    assert hooks == []
    assert not asset.quality_flags.exists()
    assert (OutboxEvent.objects.count(), ChangeEvent.objects.count()) == (events, history)
    assert client.get(key) == CACHED


def test_a_rehearsal_inside_a_transaction_rolls_back_only_its_own_writes(demo):
    """As a savepoint: what the transaction wrote before stays, with its after-commit hooks."""
    usdc, tether = Asset.objects.get(name="USD Coin"), Asset.objects.get(symbol="USDT")
    with transaction.atomic():
        kept = raise_flag(usdc)
        hooks = list(connection.run_on_commit)
        with rehearsal():
            raise_flag(tether)
        assert connection.run_on_commit == hooks

    assert list(usdc.quality_flags.all()) == [kept]
    assert not tether.quality_flags.exists()


def test_a_rehearsal_rolls_back_when_the_write_fails(demo):
    asset = Asset.objects.get(name="USD Coin")
    with pytest.raises(ZeroDivisionError), rehearsal():
        raise_flag(asset)
        1 / 0  # noqa: B018
    assert not asset.quality_flags.exists()
