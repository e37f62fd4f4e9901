"""warm_cache fills the hot keys, so the first real lookup is already a cache hit."""

from io import StringIO

import pytest
from django.core.management import call_command

from markets.lookups import ticker_asset_ids, ticker_key
from markets.models import VenueSymbol
from quality.lookups import flags_key
from registry import cache

pytestmark = pytest.mark.django_db


def test_warm_cache_loads_every_current_ticker_and_group(django_capture_on_commit_callbacks):
    cache.redis_state.reset()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", stdout=StringIO())
    client = cache.redis_state.client()
    key = ticker_key("kraken", "XXBTZUSD", "SPOT")
    assert client.get(key) is None
    out = StringIO()
    call_command("warm_cache", stdout=out)
    assert client.get(key).startswith(cache.FOUND)
    assert client.get("v1:group:ETH:members").startswith(cache.FOUND)
    tickers = VenueSymbol.objects.resolvable().count()
    assert f"venue_symbol: {tickers} keys" in out.getvalue()


def test_warm_cache_loads_the_families_hottest_first(django_capture_on_commit_callbacks):
    """Tickers (every tick asks), instruments, deployments, addresses on every chain,
    groups, then the flags of ticker assets."""
    cache.redis_state.reset()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", stdout=StringIO())
    out = StringIO()

    call_command("warm_cache", "--limit", "2", stdout=out)

    assert out.getvalue().splitlines() == [
        "venue_symbol: 2 keys",
        "instrument: 2 keys",
        "deployment: 2 keys",
        "address: 2 keys",
        "group: 1 keys",  # the demo has one group
        "flags: 2 keys",
    ]
    assert cache.redis_state.client().get(
        flags_key(min(ticker_asset_ids()))  # the first traded asset: base, quote or settlement
    )
