"""The demo data set is real, complete and idempotent."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Max

from assets.models import Asset, AssetDeployment, AssetRelationship
from assets.services import asset_soft_delete
from markets.choices import InstrumentType
from markets.models import Market, VenueSymbol
from quality.models import AssetQualityFlag

pytestmark = pytest.mark.django_db

REGISTRY_APPS = ("chains", "assets", "venues", "quality", "markets")


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
    # Next to the spot pairs: a linear and an inverse perpetual, a dated future, an option.
    derivatives = {
        market.venue_symbol: market.instrument
        for market in Market.objects.current()
        .filter(venue_id="binance")
        .exclude(market_type=InstrumentType.SPOT)
        .exclude(instrument__terms_complete=False)
    }
    assert {code: i.code for code, i in derivatives.items()} == {
        "BTCUSDT": "BTC-USDT-PERP",  # the example code of the docs resolves
        "ETHUSDT": "ETH-USDT-PERP",
        "BTCUSD_PERP": "BTC-USD-PERP-INV-X100",
        "BTCUSDT_270326": "BTC-USDT-26MAR2027",
        "BTC-270326-100000-C": "BTC-USDT-26MAR2027-100000-C",
    }
    inverse = derivatives["BTCUSD_PERP"]
    assert inverse.settlement_asset.symbol == "BTC" and inverse.quote_asset.symbol == "USD"
    assert inverse.quote_asset.asset_type == "FIAT"
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
