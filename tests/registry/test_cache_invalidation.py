"""Every kind of write, against every cached key family: no stale answer after commit,
and the keys a write does not affect stay cached.

Each case warms a probe of every family on the demo data, makes one write through its
service (running the after-commit hooks), then compares each probe's cached answer with
the answer PostgreSQL gives, and checks the probes the write must not touch are still
in Redis.
"""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from assets import services as asset_services
from assets.lookups import (
    address_key,
    asset_key,
    deployment_key,
    group_key,
    symbol_key,
    variants_key,
)
from assets.models import Asset, AssetDeployment, AssetGroup, AssetRelationship
from chains.models import Chain
from markets import services as market_services
from markets.lookups import ticker_key
from markets.models import VenueSymbol
from quality import services as flag_services
from quality.lookups import flags_key
from quality.models import AssetQualityFlag
from registry import cache
from venues.models import Venue

pytestmark = pytest.mark.django_db

USDC_ETHEREUM = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
UNUSED_ADDRESS = "0x" + "00" * 19 + "42"


def by_coingecko(external_id: str) -> Asset:
    return Asset.all_objects.with_identifier("COINGECKO", external_id).get()


@pytest.fixture
def world(db, django_capture_on_commit_callbacks):
    cache.redis_state.reset()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", verbosity=0)
    ids = {name: by_coingecko(name).pk for name in ("bitcoin", "ethereum", "weth", "usd-coin")}
    ids["counterfeit"] = Asset.objects.with_identifier("INTERNAL", "demo-counterfeit-usdc").get().pk
    # name -> (lookup type, parameters, cache key)
    probes = {
        "ticker BTC": (
            "venue_symbol",
            {"venue": "kraken", "symbol": "XXBTZUSD"},
            ticker_key("kraken", "XXBTZUSD", "SPOT"),
        ),
        "ticker ETH": (
            "venue_symbol",
            {"venue": "binance", "symbol": "ETHUSDT"},
            ticker_key("binance", "ETHUSDT", "SPOT"),
        ),
        "ticker unknown": (
            "venue_symbol",
            {"venue": "binance", "symbol": "NEWUSDT"},
            ticker_key("binance", "NEWUSDT", "SPOT"),
        ),
        "deployment USDC": (
            "deployment",
            {"chain": "ethereum", "address": USDC_ETHEREUM},
            deployment_key("ethereum", USDC_ETHEREUM),
        ),
        "deployment WETH": (
            "deployment",
            {"chain": "ethereum", "address": "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"},
            deployment_key("ethereum", "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"),
        ),
        "deployment unknown": (
            "deployment",
            {"chain": "ethereum", "address": UNUSED_ADDRESS},
            deployment_key("ethereum", UNUSED_ADDRESS),
        ),
        "address USDC": ("address", {"address": USDC_ETHEREUM}, address_key(USDC_ETHEREUM)),
        "address unknown": ("address", {"address": UNUSED_ADDRESS}, address_key(UNUSED_ADDRESS)),
        "flags BTC": ("flags", {"asset": ids["bitcoin"]}, flags_key(ids["bitcoin"])),
        "flags counterfeit": (
            "flags",
            {"asset": ids["counterfeit"]},
            flags_key(ids["counterfeit"]),
        ),
        "asset BTC": ("asset", {"asset": ids["bitcoin"]}, asset_key(ids["bitcoin"])),
        "symbol USDC": ("symbol", {"symbol": "USDC"}, symbol_key("USDC")),
        "symbol BTC": ("symbol", {"symbol": "BTC"}, symbol_key("BTC")),
        "group ETH": ("group", {"group": "ETH"}, group_key("ETH")),
        "group BTC (none)": ("group", {"group": "BTC"}, group_key("BTC")),
        "variants ETH": ("variants", {"asset": ids["ethereum"]}, variants_key(ids["ethereum"])),
    }
    return ids, probes


def cached(probe) -> cache.Answer:
    lookup_type, params, _ = probe
    lookup = cache.lookup(lookup_type)
    return lookup.resolve([lookup.parse(params)])[0]


def from_postgres(probe) -> cache.Answer:
    """The same lookup with Redis out of the way: what the database says now."""
    saved = cache.redis_state.down_until
    cache.redis_state.down_until = float("inf")
    try:
        return cached(probe)
    finally:
        cache.redis_state.down_until = saved


def in_redis(key: str) -> bool:
    value = cache.redis_state.client().get(key)
    return value is not None and value[:1] in (cache.FOUND, cache.MISSING)


def btc_on_a_new_chain(ids):
    chain = Chain.objects.create(chain_id="newchain", name="New", chain_type="EVM", network_id=777)
    asset_services.deployment_create(
        asset=Asset.objects.get(pk=ids["bitcoin"]), chain=chain, address=UNUSED_ADDRESS, decimals=8
    )


def new_eth_variant(ids):
    child = asset_services.asset_create(
        symbol="osETH", name="StakeWise Staked ETH", asset_type="ERC20"
    )
    asset_services.relationship_create(
        parent_asset=Asset.objects.get(pk=ids["ethereum"]),
        child_asset=child,
        relationship_type="STAKES",
    )


# (write, probes whose keys must survive it)
WRITES = {
    "rename an asset": (
        lambda ids: asset_services.asset_update(
            asset=Asset.objects.get(pk=ids["bitcoin"]), changes={"name": "Bitcoin (BTC)"}
        ),
        [
            "ticker ETH",
            "deployment USDC",
            "address USDC",
            "symbol USDC",
            "group ETH",
            "flags counterfeit",
        ],
    ),
    "change an asset's symbol": (
        lambda ids: asset_services.asset_update(
            asset=Asset.objects.get(pk=ids["counterfeit"]), changes={"symbol": "USDCX"}
        ),
        ["ticker BTC", "ticker ETH", "group ETH", "symbol BTC", "flags BTC"],
    ),
    "create an asset that collides": (
        lambda ids: asset_services.asset_create(
            symbol="BTC", name="Bitcoin Classic", asset_type="ERC20"
        ),
        ["ticker ETH", "deployment USDC", "address USDC", "symbol USDC", "group ETH"],
    ),
    "soft-delete an asset": (
        lambda ids: asset_services.asset_soft_delete(asset=Asset.objects.get(pk=ids["weth"])),
        ["ticker BTC", "deployment USDC", "address USDC", "symbol USDC", "flags BTC"],
    ),
    "restore an asset": (
        lambda ids: (
            asset_services.asset_soft_delete(asset=Asset.objects.get(pk=ids["weth"])),
            asset_services.asset_restore(asset=Asset.all_objects.get(pk=ids["weth"])),
        ),
        ["ticker BTC", "deployment USDC", "address USDC", "flags BTC"],
    ),
    "deploy an asset on another chain": (
        btc_on_a_new_chain,
        ["ticker ETH", "deployment USDC", "address USDC", "group ETH"],
    ),
    "change a deployment": (
        lambda ids: asset_services.deployment_update(
            deployment=AssetDeployment.objects.at_address(USDC_ETHEREUM, "ethereum").get(),
            changes={"decimals": 8},
        ),
        ["ticker BTC", "ticker ETH", "group ETH", "flags BTC"],
    ),
    "delete a deployment": (
        lambda ids: asset_services.deployment_delete(
            deployment=AssetDeployment.objects.at_address(USDC_ETHEREUM, "ethereum").get()
        ),
        ["ticker BTC", "group ETH", "flags BTC"],
    ),
    "add a relationship": (
        new_eth_variant,
        ["ticker BTC", "deployment USDC", "address USDC", "symbol USDC", "flags BTC"],
    ),
    "remove a relationship": (
        lambda ids: asset_services.relationship_delete(
            relationship=AssetRelationship.objects.get(child_asset=ids["weth"])
        ),
        ["ticker BTC", "deployment USDC", "address USDC", "symbol USDC", "flags BTC"],
    ),
    "change a relationship's rate": (
        lambda ids: asset_services.relationship_update(
            relationship=AssetRelationship.objects.get(child_asset=ids["weth"]),
            changes={"conversion_rate": Decimal("0.99")},
        ),
        ["ticker BTC", "deployment USDC", "address USDC", "flags BTC"],
    ),
    "remove a group member": (
        lambda ids: asset_services.group_member_remove(
            group=AssetGroup.objects.get(pk="eth"), asset=Asset.objects.get(pk=ids["weth"])
        ),
        ["ticker BTC", "deployment WETH", "variants ETH", "flags BTC"],
    ),
    "add a group member": (
        lambda ids: asset_services.group_member_add(
            group=AssetGroup.objects.get(pk="eth"), asset=Asset.objects.get(pk=ids["bitcoin"])
        ),
        ["ticker BTC", "deployment USDC", "address USDC", "variants ETH", "flags BTC"],
    ),
    "rename a group's symbol": (
        lambda ids: asset_services.group_update(
            group=AssetGroup.objects.get(pk="eth"), changes={"canonical_symbol": "ETHER"}
        ),
        ["ticker BTC", "deployment USDC", "address USDC", "variants ETH", "group BTC (none)"],
    ),
    "delete a group": (
        lambda ids: asset_services.group_delete(group=AssetGroup.objects.get(pk="eth")),
        ["ticker BTC", "deployment WETH", "variants ETH", "flags BTC"],
    ),
    "change a ticker's activity": (
        lambda ids: market_services.venue_symbol_update(
            venue_symbol=VenueSymbol.objects.get(venue="kraken", venue_symbol="XXBTZUSD"),
            changes={"is_active": False},
        ),
        ["ticker ETH", "deployment USDC", "address USDC", "group ETH", "flags BTC", "symbol BTC"],
    ),
    "change an asset's description (in no hot answer)": (
        lambda ids: asset_services.asset_update(
            asset=Asset.objects.get(pk=ids["bitcoin"]), changes={"description": "Digital gold"}
        ),
        [
            "ticker BTC",
            "asset BTC",
            "flags BTC",
            "symbol BTC",
            "deployment USDC",
            "address USDC",
            "group ETH",
        ],
    ),
    "create a group": (
        lambda ids: asset_services.group_create(group_id="btc", canonical_symbol="BTC"),
        ["ticker BTC", "group ETH", "deployment USDC"],
    ),
    "raise a flag": (
        lambda ids: flag_services.flag_raise(
            asset=Asset.objects.get(pk=ids["bitcoin"]),
            flag_type="PAUSED",
            severity=5,
            reason="halted",
            actor="user:t",
        ),
        ["ticker ETH", "deployment USDC", "address USDC", "symbol USDC", "group ETH"],
    ),
    "resolve a flag": (
        lambda ids: flag_services.flag_resolve(
            flag=AssetQualityFlag.objects.get(asset=ids["counterfeit"]), actor="user:u", notes="x"
        ),
        ["ticker BTC", "ticker ETH", "deployment USDC", "address USDC", "group ETH", "flags BTC"],
    ),
    "map a new ticker": (
        lambda ids: market_services.venue_symbol_create(
            venue=Venue.objects.get(pk="binance"),
            symbol="NEWUSDT",
            asset=Asset.objects.get(pk=ids["weth"]),
        ),
        ["ticker BTC", "ticker ETH", "deployment USDC", "address USDC", "group ETH", "flags BTC"],
    ),
    "delist a ticker": (
        lambda ids: market_services.venue_symbol_delist(
            venue_symbol=VenueSymbol.objects.get(venue="kraken", venue_symbol="XXBTZUSD"),
            at=datetime(2026, 1, 1, tzinfo=UTC),
        ),
        ["ticker ETH", "deployment USDC", "address USDC", "group ETH", "flags BTC", "symbol BTC"],
    ),
}


@pytest.mark.parametrize("write", WRITES)
def test_a_committed_write_leaves_no_stale_answer_and_spares_unaffected_keys(
    world, write, django_capture_on_commit_callbacks
):
    ids, probes = world
    for probe in probes.values():
        cached(probe)
    assert all(in_redis(key) for _, _, key in probes.values())
    make_write, survivors = WRITES[write]
    with django_capture_on_commit_callbacks(execute=True):
        make_write(ids)
    # Survivors first: reading the probes below fills their keys again.
    lost = [name for name in survivors if not in_redis(probes[name][2])]
    assert lost == [], f"{write}: needlessly invalidated {lost}"
    stale = [name for name, probe in probes.items() if cached(probe) != from_postgres(probe)]
    assert stale == [], f"{write}: stale answers for {stale}"


def test_a_reader_never_caches_an_answer_loaded_before_a_write(
    world, django_capture_on_commit_callbacks
):
    """The compare-and-set: a load that began before a write cannot store its old answer."""
    ids, probes = world
    key = probes["flags BTC"][2]
    client = cache.redis_state.client()
    client.delete(key)
    claimed = cache._claim(client, [key])  # a reader starts loading …
    old_answer = from_postgres(probes["flags BTC"])
    with django_capture_on_commit_callbacks(execute=True):  # … a write commits meanwhile …
        flag_services.flag_raise(
            asset=Asset.objects.get(pk=ids["bitcoin"]),
            flag_type="SCAM",
            severity=5,
            reason="x",
            actor="user:t",
        )
    cache._store(claimed, {key: old_answer}, cache.FAMILIES["flags"])  # … and tries to store
    assert client.get(key) is None
    assert b'"SCAM"' in cached(probes["flags BTC"])[1]


def test_a_tombstoned_key_is_read_from_postgres_until_commit(world):
    """Inside the write's transaction, readers see the database, and nothing is cached."""
    ids, probes = world
    probe = probes["flags BTC"]
    cached(probe)
    flag_services.flag_raise(
        asset=Asset.objects.get(pk=ids["bitcoin"]),
        flag_type="SCAM",
        severity=5,
        reason="x",
        actor="user:t",
    )  # no commit yet: the key holds a tombstone
    assert cache.redis_state.client().get(probe[2]) == cache.TOMBSTONE
    assert b'"SCAM"' in cached(probe)[1]
    assert cache.redis_state.client().get(probe[2]) == cache.TOMBSTONE
