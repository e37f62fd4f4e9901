"""The three consumer flows (docs/DESIGN.md#who-uses-it), end to end over real HTTP on the
demo data.

A live server (pytest-django's, in a thread) answers urllib requests made with a
service account's token, exactly as docs/API.md shows them with curl.
"""

import json
import urllib.parse
import urllib.request
from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def registry(live_server):
    call_command("load_demo", stdout=StringIO())
    out = StringIO()
    call_command(
        "create_service_account", "flows", "--role", "viewer", stdout=out, stderr=StringIO()
    )
    token = out.getvalue().strip()

    def get(path: str, **params) -> dict | list:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        request = urllib.request.Request(
            f"{live_server.url}/api/v1/{path}{query}", headers={"Authorization": f"Token {token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    return get


def test_portfolio_finds_every_eth_variant(registry):
    """Group members plus the transitive variants of the canonical member: nothing missed."""
    group = registry("groups/by-symbol/ETH/")
    members = {member["asset"] for member in group["members"]}
    canonical = next(member["asset"] for member in group["members"] if member["is_canonical"])
    variants = registry(f"assets/{canonical}/variants/")
    reachable = {variant["asset"]["asset_id"] for variant in variants}
    symbols = {registry(f"assets/{asset_id}/")["symbol"] for asset_id in members | reachable}
    assert symbols == {"ETH", "WETH", "stETH", "wstETH", "cbETH", "rETH"}
    wsteth = next(variant for variant in variants if variant["asset"]["symbol"] == "wstETH")
    assert [step["asset"]["symbol"] for step in wsteth["path"]] == ["ETH", "stETH", "wstETH"]


def test_market_data_maps_a_venue_ticker_to_its_asset(registry):
    mapping = registry("venue-symbols/by-ticker/", venue="kraken", symbol="XXBTZUSD")
    asset = registry(f"assets/{mapping['asset']}/")
    assert (asset["symbol"], mapping["market_type"]) == ("BTC", "SPOT")
    assert asset["symbol_collisions"]["count"] == 1
    perpetual = registry(
        "venue-symbols/by-ticker/", venue="binance", symbol="BTCUSDT", market_type="PERPETUAL"
    )
    assert perpetual["asset"] == mapping["asset"]


def test_exchange_blocks_the_counterfeit_usdc_and_not_the_real_one(registry):
    """A symbol names two assets; the pre-trade check is made per asset, by its flags."""
    results = registry("assets/search/", q="USDC")["results"]
    usdcs = [asset for asset in results if asset["symbol"] == "USDC"]
    assert len(usdcs) == 2
    assert all(asset["symbol_collisions"]["count"] == 2 for asset in usdcs)
    blocking = {
        asset["name"]: registry(
            "quality-flags/", asset=asset["asset_id"], active_only="true", min_severity=5
        )["total_count"]
        for asset in usdcs
    }
    assert blocking == {"USD Coin": 0, "Counterfeit USD Coin (demo)": 1}
