"""warm_cache fills the hot keys, so the first real lookup is already a cache hit."""

from io import StringIO

import pytest
from django.core.management import call_command

from registry import cache
from venues.lookups import ticker_key

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
    assert "venue_symbol: 7 keys" in out.getvalue()
