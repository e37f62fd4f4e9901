"""The demo data set is real, complete and idempotent."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Max

from assets.models import Asset, AssetDeployment, AssetRelationship
from assets.services import asset_soft_delete
from markets.models import VenueSymbol
from quality.models import AssetQualityFlag

pytestmark = pytest.mark.django_db

REGISTRY_APPS = ("chains", "assets", "venues", "quality")


def snapshot() -> dict[str, tuple]:
    """Row count, highest version and last update of every registry table."""
    state = {}
    for label in REGISTRY_APPS:
        for model in apps.get_app_config(label).get_models():
            manager = getattr(model, "all_objects", model.objects)
            if not hasattr(model, "version"):  # bookkeeping rows (field sources)
                state[model._meta.label] = (manager.count(),)
                continue
            aggregate = manager.aggregate(Max("version"), Max("updated_at"))
            state[model._meta.label] = (manager.count(), *aggregate.values())
    return state


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_running_load_demo_twice_changes_nothing():
    load_demo()
    first = snapshot()
    assert "nothing to change" in load_demo()
    assert snapshot() == first


def test_demo_set_holds_the_assets_of_the_quick_start():
    load_demo()
    symbols = set(Asset.objects.values_list("symbol", flat=True))
    assert {
        "BTC",
        "ETH",
        "USDC",
        "USDT",
        "WBTC",
        "WETH",
        "stETH",
        "wstETH",
        "cbETH",
        "rETH",
        "SOL",
    } <= symbols
    usdc = AssetDeployment.objects.resolvable().at_address(
        "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", "ethereum"
    )
    assert usdc.get().decimals == 6
    assert (
        VenueSymbol.objects.resolvable()
        .get(venue_id="kraken", venue_symbol="XXBTZUSD")
        .asset.symbol
        == "BTC"
    )
    assert (
        VenueSymbol.objects.resolvable().filter(venue_id="binance", venue_symbol="BTCUSDT").count()
        == 2
    )
    wsteth_parent = AssetRelationship.objects.get(child_asset__symbol="wstETH").parent_asset
    assert wsteth_parent.symbol == "stETH"
    critical = AssetQualityFlag.objects.active().filter(severity=5).get()
    assert critical.flag_type == "SCAM"
    # The counterfeit shares its symbol with the real USDC: a collision, not a merge.
    assert Asset.objects.with_symbol("USDC").count() == 2


def test_demo_asset_a_steward_deleted_stays_deleted_on_reload():
    load_demo()
    weth = Asset.objects.with_identifier("COINGECKO", "weth").get()
    asset_soft_delete(asset=weth)
    load_demo()
    assert not Asset.objects.with_identifier("COINGECKO", "weth").exists()
    assert Asset.all_objects.with_identifier("COINGECKO", "weth").get().is_deleted
