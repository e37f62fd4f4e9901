"""Batches of hot lookups the cache has not seen: loaded in a few queries, stored as they
load however long the batch takes, and bounded in time (RESOLVE_BATCH_SECONDS: the items
not looked up by then answer ``retry``, never a 500 or a worker killed mid-answer)."""

import time
import uuid

import orjson
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assets.lookups import load_variants
from registry import cache
from tests.factories import AssetFactory, AssetRelationshipFactory

pytestmark = pytest.mark.django_db

BATCH = "/api/v1/resolve/batch/"


@pytest.fixture(autouse=True)
def _fresh_cache_client(settings):
    settings.CACHE_LEASE_SECONDS = 60  # no lease renewal in the middle of a test
    cache.redis_state.reset()
    yield
    cache.redis_state.reset()


@pytest.fixture
def wrapped_assets(db, django_capture_on_commit_callbacks):
    """Twelve roots, each wrapped twice (one wrapper wrapped again): ids of the roots."""
    with django_capture_on_commit_callbacks(execute=True):
        roots = AssetFactory.create_batch(12)
        for root in roots:
            wrapper = AssetRelationshipFactory(parent_asset=root).child_asset
            AssetRelationshipFactory(parent_asset=wrapper)
            AssetRelationshipFactory(parent_asset=root)
    return [str(root.pk) for root in roots]


def batch(client, lookups):
    response = client.post(BATCH, {"lookups": lookups}, format="json")
    assert response.status_code == 200, response.content
    return response, orjson.loads(response.content)["results"]


def test_aggregates_by_asset_load_in_as_many_queries_as_one_and_answer_as_one_by_one(
    wrapped_assets, viewer
):
    """Was two queries per item (a batch of 1,000 uncached ones took 28 s)."""
    lookups = [{"type": "aggregate", "asset": root} for root in wrapped_assets]
    with CaptureQueriesContext(connection) as for_one:
        batch(viewer, lookups[:1])

    with CaptureQueriesContext(connection) as for_eleven:
        _, results = batch(viewer, lookups[1:])

    assert len(for_eleven) <= len(for_one)  # the first also authenticated the token

    for root, result in zip(wrapped_assets[1:], results, strict=True):
        (alone,) = load_variants([{"asset": uuid.UUID(root)}])  # loaded on its own
        assert result == {"found": True, "result": orjson.loads(alone[1])}
        assert [v["depth"] for v in result["result"]["variants"]] == [1, 1, 2]


def test_a_long_load_stores_what_it_loaded(monkeypatch):
    """Each chunk of keys is claimed just before its load and stored right after: a load
    longer than a loading marker lives used to store nothing (7,396 misses, 12 hits)."""
    monkeypatch.setattr(cache, "LOADING_MS", 1_000)
    keys = [f"v1:test:long-load:{n}" for n in range(5 * cache.LOAD_CHUNK)]

    def load_slowly(missing):  # 3 ms a key: 1.5 s in all, 0.3 s a chunk
        time.sleep(0.003 * len(missing))
        return {key: (True, b'"' + key.encode() + b'"') for key in missing}

    cache.read_through_many(keys, "asset", load_slowly)

    stored = cache.redis_state.client().mget(keys)
    assert [cache.decode(value) for value in stored] == [
        (True, b'"' + key.encode() + b'"') for key in keys
    ]


def test_past_its_time_budget_a_batch_answers_retry_for_what_it_did_not_look_up(
    wrapped_assets, viewer, settings
):
    """What is cached still answers; a retry with time to spare answers the rest."""
    first, *others = [{"type": "aggregate", "asset": root} for root in wrapped_assets]
    batch(viewer, [first])  # cached now
    settings.RESOLVE_BATCH_SECONDS = 0

    response, results = batch(viewer, [first, *others, {"type": "asset", "asset": "nope"}])

    assert results[0]["found"] is True
    assert results[1:-1] == [
        {
            "found": False,
            "result": None,
            "retry": True,
            "reason": "Not looked up within the batch's time budget; ask again: what was "
            "looked up is now cached.",
        }
    ] * len(others)
    assert results[-1]["reason"].startswith("asset: ")
    assert results[-1]["retry"] is False  # malformed: asking again will not help
    assert response["Retry-After"] == "1"

    settings.RESOLVE_BATCH_SECONDS = 5
    response, results = batch(viewer, [first, *others])
    assert all(result["found"] for result in results)
    assert "Retry-After" not in response
