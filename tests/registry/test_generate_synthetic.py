"""generate_synthetic builds a benchmark registry of the size asked, and leaves no stale
hot-cache answer behind."""

from io import StringIO

import pytest
from django.core.management import call_command

from assets.models import Asset, AssetDeployment
from markets.models import VenueSymbol
from quality.models import AssetQualityFlag
from registry import cache

pytestmark = pytest.mark.django_db


def test_generate_synthetic_adds_assets_with_deployments_tickers_and_flags():
    cache.redis_state.reset()
    client = cache.redis_state.client()
    client.set("v1:asset:symbol:USDC:*", b"-stale")
    call_command("generate_synthetic", "--assets", "1200", stdout=StringIO())
    assert Asset.objects.count() == 1200
    assert AssetDeployment.objects.count() == 1200
    assert VenueSymbol.objects.count() == 120
    assert AssetQualityFlag.objects.active().count() == 12
    assert client.get("v1:asset:symbol:USDC:*") is None
    # Every synthetic address is a valid, EIP-55 stored EVM address.
    deployment = AssetDeployment.objects.first()
    assert deployment.chain.normalize_address(deployment.address.lower()) == deployment.address
