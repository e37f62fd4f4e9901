"""Reads over many assets."""

import pytest

from assets.models import Asset
from assets.querysets import COLLISION_SAMPLE
from tests.factories import AssetDeploymentFactory, AssetFactory

pytestmark = pytest.mark.django_db


def test_a_collision_set_counts_every_asset_and_lists_the_oldest_sample():
    """A symbol thousands of tokens copy costs a sample, not thousands of rows."""
    first = AssetDeploymentFactory(asset__symbol="USDC").asset
    AssetFactory.create_batch(COLLISION_SAMPLE + 5, symbol="USDC")
    collisions = Asset.objects.collision_sets(["USDC"])["USDC"]
    assert collisions["count"] == COLLISION_SAMPLE + 6
    assert len(collisions["assets"]) == COLLISION_SAMPLE
    assert collisions["assets"][0]["asset_id"] == first.pk
    assert collisions["assets"][0]["chains"] == [first.deployments.get().chain_id]


def test_a_deleted_asset_leaves_its_symbols_collision_set():
    keep, gone = AssetFactory(symbol="DUP"), AssetFactory(symbol="DUP")
    Asset.objects.filter(pk=gone.pk).update(deleted_at="2026-01-01T00:00:00Z")
    collisions = Asset.objects.collision_sets(["DUP"])["DUP"]
    assert (collisions["count"], [a["asset_id"] for a in collisions["assets"]]) == (1, [keep.pk])
