"""The assets endpoints: CRUD with versions, soft delete and restore, lists with keyset
pagination and filters, search with symbol collisions, variants, and assets per chain.

What every entity endpoint keeps (ETag and If-Match, roles, pagination and ordering,
the error shape) is tested once for all in tests/api/test_contract.py."""

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from assets.models import Asset, AssetRelationship
from tests.api.conftest import assert_error, walk_pages
from tests.factories import (
    AssetDeploymentFactory,
    AssetFactory,
    AssetGroupFactory,
    AssetGroupMemberFactory,
    AssetIdentifierFactory,
    AssetQualityFlagFactory,
    AssetRelationshipFactory,
    ChainFactory,
    VenueFactory,
    VenueSymbolFactory,
)
from venues.models import Venue

pytestmark = pytest.mark.django_db

URL = "/api/v1/assets/"
SEARCH = f"{URL}search/"
USDC_ETHEREUM = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"


def detail(asset) -> str:
    return f"{URL}{getattr(asset, 'asset_id', asset)}/"


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["asset_id"] for row in response.json()["results"]]


def token_of(payload) -> str:
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def demo_asset(symbol: str, name: str | None = None) -> Asset:
    assets = Asset.objects.with_symbol(symbol)
    if name is not None:
        assets = assets.filter(name=name)
    return assets.get()


# --- create ---------------------------------------------------------------------------


def test_create_returns_201_with_the_asset_its_etag_and_collisions(steward):
    payload = {
        "symbol": "stETH",
        "name": "Lido Staked Ether",
        "asset_type": "RECEIPT_TOKEN",
        "category": "liquid-staking",
        "website_url": "https://lido.fi",
        "metadata": {"issuer": "lido"},
    }
    response = steward.post(URL, payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    asset = Asset.objects.get()
    assert body["asset_id"] == str(asset.asset_id)
    assert {key: body[key] for key in payload} == payload
    assert body["version"] == 1
    assert response["ETag"] == '"1"'
    assert body["deployments"] == []
    assert body["symbol_collisions"] == {
        "count": 1,
        "assets": [{"asset_id": str(asset.asset_id), "name": "Lido Staked Ether", "chains": []}],
    }
    assert asset.symbol == "stETH" and asset.symbol_key == "STETH"


def test_create_stores_the_normalized_symbol_and_name(steward):
    response = steward.post(
        URL,
        {"symbol": "\uff35\uff33\uff24\uff23", "name": "USD   Coin", "asset_type": "ERC20"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert (response.json()["symbol"], response.json()["name"]) == ("USDC", "USD Coin")
    assert Asset.objects.get().symbol == "USDC"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"symbol": None}, "symbol"),
        ({"symbol": "US DC"}, "symbol"),
        ({"symbol": "US\u200bDC"}, "symbol"),
        ({"symbol": "X" * 21}, "symbol"),
        ({"name": ""}, "name"),
        ({"asset_type": "COIN"}, "asset_type"),
        ({"metadata": ["not", "an", "object"]}, "metadata"),
        ({"logo_url": "not a url"}, "logo_url"),
        ({"metadata": {"note": "nul\x00byte"}}, "metadata"),
    ],
)
def test_create_with_invalid_input_is_400_naming_the_field_and_writes_nothing(
    steward, changes, field
):
    payload = {"symbol": "GOOD", "name": "Good token", "asset_type": "ERC20", **changes}
    payload = {key: value for key, value in payload.items() if value is not None}
    response = steward.post(URL, payload, format="json")
    assert_error(response, 400, "invalid", field)
    assert Asset.all_objects.count() == 0


def test_create_with_a_malformed_json_body_is_400_and_writes_nothing(steward):
    response = steward.post(URL, '{"symbol": "X"', content_type="application/json")
    assert_error(response, 400, "parse_error")
    response = steward.post(URL, "[1, 2]", content_type="application/json")
    assert_error(response, 400, "invalid", "non_field_errors")
    assert Asset.all_objects.count() == 0


def test_create_with_a_deeply_nested_json_body_is_400_not_500(steward):
    body = '{"symbol": "X", "name": "X", "asset_type": "ERC20", "metadata": '
    body += '{"a": ' * 100_000 + "1" + "}" * 100_000 + "}"
    response = steward.post(URL, body, content_type="application/json")
    assert_error(response, 400)
    assert Asset.all_objects.count() == 0


def test_create_with_a_taken_symbol_succeeds_and_reports_the_collision(steward):
    first = AssetFactory(symbol="USDC", name="USD Coin")
    response = steward.post(
        URL, {"symbol": "usdc", "name": "Counterfeit", "asset_type": "ERC20"}, format="json"
    )
    assert response.status_code == 201, response.content
    collisions = response.json()["symbol_collisions"]
    assert collisions["count"] == 2
    assert {row["asset_id"] for row in collisions["assets"]} == {
        str(first.asset_id),
        response.json()["asset_id"],
    }


# --- auth and roles ---------------------------------------------------------------------


def test_an_unknown_token_gets_401(anonymous):
    anonymous.credentials(HTTP_AUTHORIZATION="Token cqar_" + "0" * 64)
    assert_error(anonymous.get(URL), 401)


def test_a_service_account_with_the_steward_role_can_write(service):
    response = service.post(
        URL, {"symbol": "SVC", "name": "Service", "asset_type": "ERC20"}, format="json"
    )
    assert response.status_code == 201, response.content


def test_a_viewer_cannot_restore_a_soft_deleted_asset(viewer):
    """The contract tests a viewer's restore on a live asset; on a deleted one it is a 403
    too, and the asset stays deleted."""
    deleted = AssetFactory(deleted_at=timezone.now())
    assert_error(viewer.post(f"{detail(deleted)}restore/"), 403, "permission_denied")
    deleted.refresh_from_db()
    assert (deleted.deleted_at is not None, deleted.version) == (True, 1)


# --- retrieve ----------------------------------------------------------------------------


def test_retrieve_returns_the_asset_with_its_deployments_and_an_etag_of_its_version(viewer):
    asset = AssetFactory(symbol="WETH", name="Wrapped Ether", asset_type="WRAPPED")
    chain = ChainFactory(chain_id="ethereum", network_id=1)
    deployment = AssetDeploymentFactory(asset=asset, chain=chain, is_canonical=True)
    response = viewer.get(detail(asset))
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    body = response.json()
    assert (body["asset_id"], body["symbol"], body["name"], body["asset_type"]) == (
        str(asset.asset_id),
        "WETH",
        "Wrapped Ether",
        "WRAPPED",
    )
    assert body["deployments"] == [
        {
            "deployment_id": str(deployment.deployment_id),
            "chain": "ethereum",
            "address": deployment.address,
            "decimals": 18,
            "is_native": False,
            "is_canonical": True,
        }
    ]
    assert body["symbol_collisions"]["assets"][0]["chains"] == ["ethereum"]


def test_a_soft_deleted_asset_is_404_on_get_put_patch_and_delete(steward):
    asset = AssetFactory(name="Gone", deleted_at=timezone.now())
    assert_error(steward.get(detail(asset)), 404)
    assert_error(steward.patch(detail(asset), {"name": "Back"}, format="json"), 404)
    assert_error(
        steward.put(
            detail(asset), {"symbol": "X", "name": "Back", "asset_type": "ERC20"}, format="json"
        ),
        404,
    )
    assert_error(steward.delete(detail(asset)), 404)
    asset.refresh_from_db()
    assert (asset.name, asset.version) == ("Gone", 1)


# --- update --------------------------------------------------------------------------------


def test_put_replaces_the_fields_and_bumps_the_version(steward):
    asset = AssetFactory(symbol="OLD", name="Old", asset_type="ERC20")
    payload = {
        "symbol": "NEW",
        "name": "New name",
        "asset_type": "WRAPPED",
        "category": "wrapped",
        "description": "Now wrapped.",
        "metadata": {"k": 1},
    }
    response = steward.put(detail(asset), payload, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert {key: body[key] for key in payload} == payload
    assert body["version"] == 2 and response["ETag"] == '"2"'
    asset.refresh_from_db()
    assert (asset.symbol, asset.symbol_key, asset.asset_type, asset.version) == (
        "NEW",
        "NEW",
        "WRAPPED",
        2,
    )


def test_put_without_a_required_field_is_400_and_changes_nothing(steward):
    asset = AssetFactory(name="Kept")
    response = steward.put(detail(asset), {"symbol": "X", "asset_type": "ERC20"}, format="json")
    assert_error(response, 400, "invalid", "name")
    asset.refresh_from_db()
    assert (asset.name, asset.version) == ("Kept", 1)


def test_patch_changes_only_the_given_fields(steward):
    asset = AssetFactory(symbol="KEEP", name="Old", category="defi")
    response = steward.patch(detail(asset), {"name": "New"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["symbol"]) == ("New", "KEEP")
    asset.refresh_from_db()
    assert (asset.name, asset.symbol, asset.category, asset.version) == ("New", "KEEP", "defi", 2)


def test_patch_that_changes_nothing_keeps_the_version(steward):
    asset = AssetFactory(name="Same")
    response = steward.patch(detail(asset), {"name": "Same"}, format="json")
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    asset.refresh_from_db()
    assert asset.version == 1


def test_patch_ignores_read_only_bookkeeping_fields(steward):
    asset = AssetFactory()
    other = uuid.uuid4()
    response = steward.patch(
        detail(asset), {"asset_id": str(other), "version": 99, "name": "Renamed"}, format="json"
    )
    assert response.status_code == 200
    asset.refresh_from_db()
    assert (asset.name, asset.version) == ("Renamed", 2)
    assert not Asset.all_objects.filter(pk=other).exists()


def test_patch_with_an_invalid_value_is_400_and_changes_nothing(steward):
    asset = AssetFactory(symbol="KEEP")
    response = steward.patch(detail(asset), {"symbol": "two words"}, format="json")
    assert_error(response, 400, "invalid", "symbol")
    asset.refresh_from_db()
    assert (asset.symbol, asset.version) == ("KEEP", 1)


# --- soft delete and restore ------------------------------------------------------------------


def test_delete_soft_deletes_the_asset_and_hides_it_everywhere(steward):
    asset = AssetFactory(symbol="GONE")
    response = steward.delete(detail(asset))
    assert response.status_code == 204
    stored = Asset.all_objects.get(pk=asset.pk)
    assert stored.deleted_at is not None
    assert_error(steward.get(detail(asset)), 404)
    assert str(asset.asset_id) not in ids(steward.get(URL))
    assert ids(steward.get(SEARCH, {"q": "GONE"})) == []


def test_restore_brings_a_soft_deleted_asset_back(steward):
    asset = AssetFactory(name="Back")
    steward.delete(detail(asset))
    response = steward.post(f"{detail(asset)}restore/")
    assert response.status_code == 200, response.content
    assert response.json()["asset_id"] == str(asset.asset_id)
    assert response.json()["name"] == "Back"
    assert response["ETag"] == f'"{response.json()["version"]}"'
    assert Asset.objects.get(pk=asset.pk).deleted_at is None
    assert steward.get(detail(asset)).status_code == 200


def test_restore_of_a_live_or_unknown_asset_is_404(steward):
    live = AssetFactory()
    assert_error(steward.post(f"{detail(live)}restore/"), 404)
    assert_error(steward.post(f"{detail(uuid.uuid4())}restore/"), 404)


# --- list and pagination ----------------------------------------------------------------------


def test_list_answers_results_next_page_token_and_total_count(viewer):
    asset = AssetFactory(symbol="ONLY")
    response = viewer.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"results", "next_page_token", "total_count"}
    assert body["total_count"] == 1 and body["next_page_token"] is None
    assert body["results"][0]["asset_id"] == str(asset.asset_id)
    assert body["results"][0]["symbol_collisions"]["count"] == 1


def test_list_hides_soft_deleted_assets(viewer):
    live = AssetFactory()
    AssetFactory(deleted_at=timezone.now())
    response = viewer.get(URL)
    assert ids(response) == [str(live.asset_id)]
    assert response.json()["total_count"] == 1


def test_the_default_page_size_is_50(viewer):
    AssetFactory.create_batch(51)
    body = viewer.get(URL).json()
    assert len(body["results"]) == 50
    assert body["total_count"] == 51
    assert body["next_page_token"]


def test_default_order_is_by_symbol_with_ties_broken_by_id(viewer):
    ties = [AssetFactory(symbol=symbol) for symbol in ("dup", "DUP", "Dup")]
    first = AssetFactory(symbol="AAA")
    last = AssetFactory(symbol="ZZZ")
    expected = [first.asset_id, *sorted(a.asset_id for a in ties), last.asset_id]
    rows, _ = walk_pages(viewer, URL, page_size=2)
    assert [row["asset_id"] for row in rows] == [str(pk) for pk in expected]


def test_a_row_written_between_pages_is_neither_skipped_nor_repeated(viewer):
    for n in range(4):
        AssetFactory(symbol=f"B{n}")
    first = viewer.get(URL, {"page_size": 2}).json()
    added = AssetFactory(symbol="C0")
    rest, _ = walk_pages(viewer, URL, page_size=2, page_token=first["next_page_token"])
    seen = [row["asset_id"] for row in first["results"] + rest]
    assert len(seen) == len(set(seen)) == 5
    assert seen[-1] == str(added.asset_id)


@pytest.mark.parametrize(
    "token",
    [
        "garbage!!",
        "not-base64-json",
        token_of(["a", "list"]),
        token_of({"o": ["symbol_key", "asset_id"], "k": "nope"}),
        token_of({"o": ["symbol_key", "asset_id"], "k": ["TKN", "not-a-uuid"]}),
        token_of({"o": ["symbol_key", "asset_id"], "k": ["TKN"]}),
    ],
)
def test_a_page_token_this_api_did_not_issue_is_400(viewer, token):
    AssetFactory.create_batch(2)
    assert_error(viewer.get(URL, {"page_token": token}), 400, "invalid", "page_token")


def test_a_page_token_with_a_nul_character_in_a_key_is_400_not_500(viewer):
    AssetFactory.create_batch(2)
    token = token_of({"o": ["symbol_key", "asset_id"], "k": ["TKN\x00", str(uuid.uuid4())]})
    assert_error(viewer.get(URL, {"page_token": token}), 400, "invalid")


# --- list filters ----------------------------------------------------------------------------


def test_filter_symbol_matches_in_any_letter_case(viewer):
    lower, upper = AssetFactory(symbol="stETH"), AssetFactory(symbol="STETH")
    AssetFactory(symbol="ETH")
    AssetFactory(symbol="wstETH")
    for value in ("steth", "STETH", "StEtH", " stETH "):
        assert set(ids(viewer.get(URL, {"symbol": value}))) == {
            str(lower.asset_id),
            str(upper.asset_id),
        }


def test_filter_asset_type_takes_one_or_more_types(viewer):
    native = AssetFactory(asset_type="NATIVE")
    wrapped = AssetFactory(asset_type="WRAPPED")
    AssetFactory(asset_type="ERC20")
    assert ids(viewer.get(URL, {"asset_type": "NATIVE"})) == [str(native.asset_id)]
    both = ids(viewer.get(URL, {"asset_type": ["NATIVE", "WRAPPED"]}))
    assert set(both) == {str(native.asset_id), str(wrapped.asset_id)}


def test_filter_asset_type_with_an_unknown_type_is_400(viewer):
    assert_error(viewer.get(URL, {"asset_type": "COIN"}), 400, "invalid", "asset_type")


def test_filter_category(viewer):
    stable = AssetFactory(category="stablecoin")
    AssetFactory(category="defi")
    assert ids(viewer.get(URL, {"category": "stablecoin"})) == [str(stable.asset_id)]


def test_filter_chain_keeps_assets_deployed_on_it(viewer):
    chain, other = ChainFactory(), ChainFactory()
    on_chain = AssetDeploymentFactory(chain=chain).asset
    AssetDeploymentFactory(chain=other)
    AssetFactory()
    assert ids(viewer.get(URL, {"chain": chain.chain_id})) == [str(on_chain.asset_id)]
    assert ids(viewer.get(URL, {"chain": "no-such-chain"})) == []


def test_filter_venue_keeps_assets_with_a_current_ticker_as_base_or_quote(viewer):
    venue = VenueFactory()
    base, quote = AssetFactory(symbol="BASE"), AssetFactory(symbol="QUOTE")
    VenueSymbolFactory(venue=venue, asset=base, quote_asset=quote)
    delisted = AssetFactory(symbol="DELISTED")
    VenueSymbolFactory(venue=venue, asset=delisted, delisted_at=timezone.now())
    VenueSymbolFactory(venue=VenueFactory(), asset=AssetFactory(symbol="ELSEWHERE"))
    response = viewer.get(URL, {"venue": venue.venue_id})
    assert set(ids(response)) == {str(base.asset_id), str(quote.asset_id)}


def severity_fixture():
    clean = AssetFactory(symbol="CLEAN")
    low = AssetQualityFlagFactory(severity=2, asset=AssetFactory(symbol="LOW")).asset
    high = AssetQualityFlagFactory(severity=4, asset=AssetFactory(symbol="HIGH")).asset
    critical = AssetQualityFlagFactory(severity=5, asset=AssetFactory(symbol="CRIT")).asset
    resolved = AssetFactory(symbol="RESOLVED")
    AssetQualityFlagFactory(
        asset=resolved,
        severity=5,
        raised_at=timezone.now() - timedelta(days=1),
        resolved_at=timezone.now(),
    )
    return {"clean": clean, "low": low, "high": high, "critical": critical, "resolved": resolved}


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", {"low", "high", "critical"}), ("4", {"high", "critical"}), ("5", {"critical"})],
)
def test_filter_min_flag_severity_counts_only_active_flags(viewer, value, expected):
    assets = severity_fixture()
    found = set(ids(viewer.get(URL, {"min_flag_severity": value})))
    assert found == {str(assets[name].asset_id) for name in expected}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", {"clean", "resolved"}),
        ("2", {"clean", "resolved", "low"}),
        ("4", {"clean", "resolved", "low", "high"}),
    ],
)
def test_filter_max_flag_severity_excludes_assets_with_a_more_severe_active_flag(
    viewer, value, expected
):
    assets = severity_fixture()
    found = set(ids(viewer.get(URL, {"max_flag_severity": value})))
    assert found == {str(assets[name].asset_id) for name in expected}


@pytest.mark.parametrize("name", ["min_flag_severity", "max_flag_severity", "updated_after"])
def test_a_malformed_filter_value_is_400_naming_the_filter(viewer, name):
    assert_error(viewer.get(URL, {name: "not-a-value"}), 400, "invalid", name)


def test_filter_updated_after(viewer):
    old, recent = AssetFactory(), AssetFactory()
    now = timezone.now()
    Asset.objects.filter(pk=old.pk).update(updated_at=now - timedelta(days=10))
    Asset.objects.filter(pk=recent.pk).update(updated_at=now - timedelta(hours=1))
    since = (now - timedelta(days=1)).isoformat()
    assert ids(viewer.get(URL, {"updated_after": since})) == [str(recent.asset_id)]


def test_filters_combine_and_total_count_counts_the_filtered_list(viewer):
    chain = ChainFactory()
    match = AssetDeploymentFactory(chain=chain, asset=AssetFactory(category="stablecoin")).asset
    AssetDeploymentFactory(chain=chain, asset=AssetFactory(category="defi"))
    AssetFactory(category="stablecoin")
    response = viewer.get(URL, {"chain": chain.chain_id, "category": "stablecoin"})
    assert ids(response) == [str(match.asset_id)]
    assert response.json()["total_count"] == 1


# --- search -----------------------------------------------------------------------------


def test_search_ranks_exact_symbol_then_prefix_then_name(viewer):
    by_name = AssetFactory(symbol="WETH", name="Wrapped Ether")
    exact = AssetFactory(symbol="eth", name="Ether")
    prefix = AssetFactory(symbol="ETHFI", name="ether.fi")
    AssetFactory(symbol="BTC", name="Bitcoin")
    response = viewer.get(SEARCH, {"q": "ETH"})
    assert ids(response) == [str(exact.asset_id), str(prefix.asset_id), str(by_name.asset_id)]
    assert [row["search_rank"] for row in response.json()["results"]] == [0, 1, 2]
    assert response.json()["total_count"] == 3


def test_search_matches_symbols_in_any_case(viewer):
    asset = AssetFactory(symbol="stETH", name="Lido")
    response = viewer.get(SEARCH, {"q": "STETH"})
    assert ids(response) == [str(asset.asset_id)]
    assert response.json()["results"][0]["search_rank"] == 0


def test_search_by_address_finds_the_deployed_asset_in_any_case(viewer):
    chain = ChainFactory()
    asset = AssetFactory(symbol="USDC")
    AssetDeploymentFactory(asset=asset, chain=chain, address=USDC_ETHEREUM)
    AssetFactory(symbol="OTHER")
    for q in (USDC_ETHEREUM, USDC_ETHEREUM.lower(), "0x" + USDC_ETHEREUM[2:].upper()):
        response = viewer.get(SEARCH, {"q": q})
        assert ids(response) == [str(asset.asset_id)], q
        assert response.json()["results"][0]["search_rank"] == 0


def test_search_by_solana_address_finds_the_asset(demo, viewer):
    usdc = demo_asset("USDC", "USD Coin")
    response = viewer.get(SEARCH, {"q": "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"})
    assert ids(response) == [str(usdc.asset_id)]


def test_search_without_a_term_is_400(viewer):
    assert_error(viewer.get(SEARCH), 400, "invalid", "q")
    assert_error(viewer.get(SEARCH, {"q": "   "}), 400, "invalid", "q")


def test_search_with_a_nul_character_is_400_not_500(viewer):
    AssetFactory(symbol="ETH")
    assert_error(viewer.get(SEARCH, {"q": "ET\x00H"}), 400, "invalid")


def test_search_hides_soft_deleted_assets(viewer):
    AssetFactory(symbol="HIDE", deleted_at=timezone.now())
    live = AssetFactory(symbol="HIDE")
    assert ids(viewer.get(SEARCH, {"q": "hide"})) == [str(live.asset_id)]


def test_search_takes_the_list_filters(viewer):
    chain = ChainFactory()
    native = AssetFactory(symbol="ETH", asset_type="NATIVE")
    wrapped = AssetFactory(symbol="WETH", name="Wrapped Ether", asset_type="WRAPPED")
    AssetDeploymentFactory(asset=wrapped, chain=chain)
    assert ids(viewer.get(SEARCH, {"q": "eth", "asset_type": "NATIVE"})) == [str(native.asset_id)]
    assert ids(viewer.get(SEARCH, {"q": "eth", "chain": chain.chain_id})) == [str(wrapped.asset_id)]
    AssetQualityFlagFactory(asset=native, severity=5)
    assert ids(viewer.get(SEARCH, {"q": "eth", "min_flag_severity": 5})) == [str(native.asset_id)]
    assert ids(viewer.get(SEARCH, {"q": "eth", "max_flag_severity": 4})) == [str(wrapped.asset_id)]


def test_search_results_page_by_rank_without_repeats(viewer):
    exact = [AssetFactory(symbol="SOL", name=f"Sol {n}") for n in range(3)]
    prefix = [AssetFactory(symbol=f"SOL{n}", name="x") for n in range(3)]
    by_name = [AssetFactory(symbol=f"Z{n}", name="solana thing") for n in range(3)]
    rows, totals = walk_pages(viewer, SEARCH, q="sol", page_size=2)
    assert [row["search_rank"] for row in rows] == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert [row["asset_id"] for row in rows[:3]] == sorted(str(a.asset_id) for a in exact)
    assert {row["asset_id"] for row in rows[3:6]} == {str(a.asset_id) for a in prefix}
    assert {row["asset_id"] for row in rows[6:]} == {str(a.asset_id) for a in by_name}
    assert set(totals) == {9}


def test_search_carries_symbol_collisions_with_chains(demo, viewer):
    real = demo_asset("USDC", "USD Coin")
    fake = demo_asset("USDC", "Counterfeit USD Coin (demo)")
    response = viewer.get(SEARCH, {"q": "usdc"})
    results = {row["asset_id"]: row for row in response.json()["results"]}
    assert [row["search_rank"] for row in response.json()["results"]][:2] == [0, 0]
    expected = [  # oldest first: the demo creates the real USDC before the counterfeit
        {
            "asset_id": str(real.asset_id),
            "name": "USD Coin",
            "chains": ["arbitrum", "base", "ethereum", "optimism", "polygon", "solana"],
        },
        {"asset_id": str(fake.asset_id), "name": "Counterfeit USD Coin (demo)", "chains": []},
    ]
    for asset in (real, fake):
        collisions = results[str(asset.asset_id)]["symbol_collisions"]
        assert collisions == {"count": 2, "assets": expected}
    bridged = next(row for row in results.values() if row["symbol"] == "USDC.e")
    assert bridged["symbol_collisions"]["count"] == 1


def test_a_soft_deleted_asset_stops_counting_as_a_collision(demo, steward):
    real = demo_asset("USDC", "USD Coin")
    fake = demo_asset("USDC", "Counterfeit USD Coin (demo)")
    assert steward.get(detail(real)).json()["symbol_collisions"]["count"] == 2
    assert steward.delete(detail(fake)).status_code == 204
    collisions = steward.get(detail(real)).json()["symbol_collisions"]
    assert collisions["count"] == 1
    assert [row["asset_id"] for row in collisions["assets"]] == [str(real.asset_id)]
    results = steward.get(SEARCH, {"q": "USDC"}).json()["results"]
    usdc = [row for row in results if row["symbol"] == "USDC"]
    assert [row["asset_id"] for row in usdc] == [str(real.asset_id)]
    assert usdc[0]["symbol_collisions"]["count"] == 1


def test_list_filtered_by_symbol_shows_the_demo_collision(demo, viewer):
    response = viewer.get(URL, {"symbol": "usdc"})
    assert response.json()["total_count"] == 2
    assert {row["symbol_collisions"]["count"] for row in response.json()["results"]} == {2}


# --- variants ----------------------------------------------------------------------------


def variants_url(asset, **params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{detail(asset)}variants/" + (f"?{query}" if query else "")


def by_symbol(response) -> dict[str, dict]:
    assert response.status_code == 200, response.content
    return {row["asset"]["symbol"]: row for row in response.json()}


def test_variants_of_eth_include_stakes_wraps_and_the_transitive_wsteth(demo, viewer):
    eth, steth = demo_asset("ETH"), demo_asset("stETH")
    wsteth = demo_asset("wstETH")
    variants = by_symbol(viewer.get(variants_url(eth)))
    assert set(variants) == {"WETH", "stETH", "wstETH", "cbETH", "rETH"}
    assert variants["WETH"]["depth"] == 1 and variants["WETH"]["relationship_type"] == "WRAPS"
    assert variants["stETH"]["relationship_type"] == "STAKES"
    deep = variants["wstETH"]
    assert deep["depth"] == 2
    assert deep["relationship_type"] == "WRAPS"
    assert deep["asset"] == {
        "asset_id": str(wsteth.asset_id),
        "symbol": "wstETH",
        "name": "Wrapped liquid staked Ether 2.0",
        "asset_type": "WRAPPED",
    }
    assert [(step["asset"]["asset_id"], step["relationship_type"]) for step in deep["path"]] == [
        (str(eth.asset_id), None),
        (str(steth.asset_id), "STAKES"),
        (str(wsteth.asset_id), "WRAPS"),
    ]
    assert [row["depth"] for row in viewer.get(variants_url(eth)).json()] == [1, 1, 1, 1, 2]


def test_variants_conversion_rate_is_the_product_along_the_path(viewer):
    root, middle, leaf = AssetFactory(), AssetFactory(), AssetFactory()
    unknown = AssetFactory()
    AssetRelationshipFactory(parent_asset=root, child_asset=middle, conversion_rate=Decimal(2))
    AssetRelationshipFactory(
        parent_asset=middle,
        child_asset=leaf,
        relationship_type="STAKES",
        conversion_rate=Decimal("1.5"),
    )
    AssetRelationshipFactory(parent_asset=leaf, child_asset=unknown, conversion_rate=None)
    rows = {row["asset"]["asset_id"]: row for row in viewer.get(variants_url(root)).json()}
    assert Decimal(rows[str(middle.asset_id)]["conversion_rate"]) == Decimal(2)
    assert Decimal(rows[str(leaf.asset_id)]["conversion_rate"]) == Decimal(3)
    assert rows[str(unknown.asset_id)]["conversion_rate"] is None
    assert rows[str(unknown.asset_id)]["depth"] == 3


def test_variants_of_eth_in_the_demo_carry_known_rates(demo, viewer):
    variants = by_symbol(viewer.get(variants_url(demo_asset("ETH"))))
    assert Decimal(variants["WETH"]["conversion_rate"]) == Decimal(1)
    assert variants["wstETH"]["conversion_rate"] is None


def test_each_variant_appears_once_by_its_shortest_path(viewer):
    root, a, b, leaf = AssetFactory(), AssetFactory(), AssetFactory(), AssetFactory()
    AssetRelationshipFactory(parent_asset=root, child_asset=a)
    AssetRelationshipFactory(parent_asset=a, child_asset=b)
    AssetRelationshipFactory(parent_asset=b, child_asset=leaf)
    AssetRelationshipFactory(parent_asset=root, child_asset=leaf, relationship_type="BRIDGES")
    rows = viewer.get(variants_url(root)).json()
    assert [row["asset"]["asset_id"] for row in rows].count(str(leaf.asset_id)) == 1
    row = next(row for row in rows if row["asset"]["asset_id"] == str(leaf.asset_id))
    assert (row["depth"], row["relationship_type"], len(row["path"])) == (1, "BRIDGES", 2)


@pytest.mark.parametrize(
    ("types", "expected"),
    [
        ("WRAPS", {"WETH"}),
        ("STAKES", {"stETH", "cbETH", "rETH"}),
        ("stakes,wraps", {"WETH", "stETH", "wstETH", "cbETH", "rETH"}),
        ("BRIDGES", set()),
    ],
)
def test_variants_follow_only_the_given_types(demo, viewer, types, expected):
    variants = by_symbol(viewer.get(variants_url(demo_asset("ETH"), types=types)))
    assert set(variants) == expected


def test_variants_skip_types_outside_the_default_set(viewer):
    root, forked, wrapped = AssetFactory(), AssetFactory(), AssetFactory()
    AssetRelationshipFactory(parent_asset=root, child_asset=forked, relationship_type="FORKS_FROM")
    AssetRelationshipFactory(parent_asset=root, child_asset=wrapped)
    assert [row["asset"]["asset_id"] for row in viewer.get(variants_url(root)).json()] == [
        str(wrapped.asset_id)
    ]
    rows = viewer.get(variants_url(root, types="FORKS_FROM")).json()
    assert [row["asset"]["asset_id"] for row in rows] == [str(forked.asset_id)]


def test_variants_with_an_unknown_type_is_400(viewer):
    asset = AssetFactory()
    error = assert_error(viewer.get(variants_url(asset, types="WRAPS,MELTS")), 400, "invalid")
    assert "types" in error["fields"]
    assert "MELTS" in error["fields"]["types"][0]


def test_a_soft_deleted_variant_disappears(demo, steward):
    eth = demo_asset("ETH")
    assert "WETH" in by_symbol(steward.get(variants_url(eth)))
    assert steward.delete(detail(demo_asset("WETH"))).status_code == 204
    variants = by_symbol(steward.get(variants_url(eth)))
    assert "WETH" not in variants
    assert {"stETH", "wstETH", "cbETH", "rETH"} <= set(variants)


def test_variants_of_a_soft_deleted_or_unknown_asset_is_404(viewer):
    gone = AssetFactory(deleted_at=timezone.now())
    assert_error(viewer.get(variants_url(gone)), 404)
    assert_error(viewer.get(variants_url(uuid.uuid4())), 404)


def test_an_asset_without_variants_has_an_empty_list(viewer):
    leaf = AssetRelationshipFactory().child_asset
    assert viewer.get(variants_url(leaf)).json() == []
    assert AssetRelationship.objects.count() == 1


# --- assets of a chain --------------------------------------------------------------------


def chain_assets(chain_id: str) -> str:
    return f"/api/v1/chains/{chain_id}/assets/"


def test_chain_assets_lists_every_live_asset_deployed_on_the_chain(viewer):
    chain = ChainFactory()
    deployed = [AssetDeploymentFactory(chain=chain).asset for _ in range(3)]
    gone = AssetDeploymentFactory(chain=chain).asset
    Asset.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    AssetDeploymentFactory()
    response = viewer.get(chain_assets(chain.chain_id))
    assert set(ids(response)) == {str(a.asset_id) for a in deployed}
    assert response.json()["total_count"] == 3


def test_chain_assets_on_the_demo_ethereum_chain(demo, viewer):
    rows, totals = walk_pages(viewer, chain_assets("ethereum"), page_size=4)
    symbols = sorted(row["symbol"] for row in rows)
    assert symbols == sorted(
        ["ETH", "USDC", "USDT", "WBTC", "WETH", "stETH", "wstETH", "cbETH", "rETH"]
    )
    assert set(totals) == {9}


def test_chain_assets_of_an_unknown_chain_is_404(viewer):
    assert_error(viewer.get(chain_assets("no-such-chain")), 404)


def test_chain_assets_of_a_chain_id_with_a_nul_character_is_a_client_error_not_500(viewer):
    response = viewer.get(chain_assets("eth%00"))
    assert_error(response, 404 if response.status_code == 404 else 400)


# --- one asset, every rendering -------------------------------------------------------------
# A list builds its rows from values() and orjson for speed (assets.api.views.AssetListMixin:
# the list, search, a chain's and a venue's assets); the detail and by-identifier answer
# through AssetSerializer; the hot lookups build their answers as bytes from queries of
# their own (assets/lookups.py). Whatever builds it, an asset reads the same.

SOLANA_REFERENCE = "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"
USDC_SOLANA = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
SUMMARY_FIELDS = ("asset_id", "symbol", "name", "asset_type")
FLAG_FIELDS = (
    "flag_id",
    "flag_type",
    "severity",
    "source",
    "reason",
    "evidence_url",
    "raised_at",
    "raised_by",
    "metadata",
)


@pytest.fixture
def crowded_registry(db):
    """USDC as it comes: deployed on an EVM chain (canonical), on Solana and on a second
    EVM chain; two identifiers; active flags of two severities and a resolved one; a
    variant, a group and a ticker; its symbol shared, in any case, by more live assets than
    a collision set lists; and soft-deleted neighbours on its chains, under its symbol,
    that must show nowhere. ETH is native (no address) and has a created_at without
    microseconds."""
    ethereum = ChainFactory(chain_id="ethereum", network_id=1)
    solana = ChainFactory(
        chain_id="solana", chain_type="SOLANA", network_id=None, caip2_reference=SOLANA_REFERENCE
    )
    base = ChainFactory(chain_id="base", network_id=8453)
    usdc = AssetFactory(
        symbol="USDC",
        name="USD Coin",
        category="stablecoin",
        description="Émis par Circle — «fully reserved».",
        logo_url="https://example.org/usdc.png",
        website_url="https://www.circle.com/usdc",
        metadata={"issuer": {"name": "Circle", "since": 2018}, "peg": 1.0, "big": 2**62, "x": None},
    )
    gone = AssetFactory(symbol="usdc", name="Deleted copy")  # older than the live copies
    AssetDeploymentFactory(asset=usdc, chain=ethereum, address=USDC_ETHEREUM, decimals=6)
    AssetDeploymentFactory(asset=usdc, chain=solana, address=USDC_SOLANA, decimals=6)
    AssetDeploymentFactory(asset=usdc, chain=base, decimals=6, is_canonical=True)
    AssetIdentifierFactory(asset=usdc, source="COINGECKO", external_id="usd-coin", is_primary=True)
    AssetIdentifierFactory(asset=usdc, source="DEFILLAMA", external_id="usdc")
    AssetQualityFlagFactory(asset=usdc, flag_type="PAUSED", severity=2, source="monitor")
    AssetQualityFlagFactory(asset=usdc, flag_type="ORACLE_FAILED", severity=4, source="oracle")
    AssetQualityFlagFactory(
        asset=usdc,
        severity=5,
        raised_at=timezone.now() - timedelta(days=2),
        resolved_at=timezone.now() - timedelta(days=1),
    )
    eth = AssetFactory(symbol="ETH", name="Ether", asset_type="NATIVE")
    AssetDeploymentFactory(asset=eth, chain=ethereum, address="", is_native=True)
    Asset.objects.filter(pk=eth.pk).update(created_at=datetime(2024, 1, 1, tzinfo=UTC))
    AssetRelationshipFactory(parent_asset=usdc, child_asset=AssetFactory(symbol="aUSDC"))
    AssetGroupMemberFactory(group=AssetGroupFactory(canonical_symbol="USDC"), asset=usdc)
    VenueSymbolFactory(
        venue=VenueFactory(venue_id="binance"), symbol="ETHUSDC", asset=eth, quote_asset=usdc
    )
    for n in range(5):
        copy = AssetFactory(symbol="usdc" if n % 2 else "USDC", name=f"Copy {n}")
        AssetDeploymentFactory(asset=copy, chain=base if n % 2 else ethereum)
    for chain in (ethereum, base):
        AssetDeploymentFactory(asset=gone, chain=chain)
    VenueSymbolFactory(venue=Venue.objects.get(pk="binance"), asset=gone)
    Asset.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    return usdc, eth


def detail_bodies(client) -> dict[str, dict]:
    bodies = {}
    for asset in Asset.objects.all():
        response = client.get(detail(asset))
        assert response.status_code == 200, response.content
        bodies[str(asset.asset_id)] = response.json()
    return bodies


def hot(client, lookup: str, **params) -> dict:
    response = client.get(f"/api/v1/resolve/{lookup}/", params)
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def test_every_list_of_assets_answers_each_asset_as_its_detail_does(crowded_registry, viewer):
    """The list (unfiltered and filtered), the search, a chain's and a venue's assets and
    by-identifier answer each asset field for field as its detail does: deployments,
    collision sets (oldest five of the live ones), bookkeeping, a timestamp without
    microseconds."""
    usdc, eth = crowded_registry
    bodies = detail_bodies(viewer)
    renderings = {
        "list": walk_pages(viewer, URL, page_size=3)[0],
        "list by symbol": walk_pages(viewer, URL, symbol="usdc", page_size=2)[0],
        "list by chain": walk_pages(viewer, URL, chain="base")[0],
        "list by flag severity": walk_pages(viewer, URL, min_flag_severity=4)[0],
        "search": [
            {name: value for name, value in row.items() if name != "search_rank"}
            for row in walk_pages(viewer, SEARCH, q="usdc", page_size=2)[0]
        ],
        "ethereum's assets": walk_pages(viewer, chain_assets("ethereum"))[0],
        "solana's assets": walk_pages(viewer, chain_assets("solana"))[0],
        "binance's assets": walk_pages(viewer, "/api/v1/venues/binance/assets/")[0],
        "by identifier": [
            viewer.get(
                f"{URL}by-identifier/", {"source": "COINGECKO", "external_id": "usd-coin"}
            ).json()
        ],
    }

    for name, rows in renderings.items():
        assert rows, name
        for row in rows:
            assert row == bodies[row["asset_id"]], name
    assert {row["asset_id"] for row in renderings["list"]} == set(bodies)
    assert {row["asset_id"] for row in renderings["binance's assets"]} == {
        str(usdc.asset_id),
        str(eth.asset_id),
    }
    usdc_body = bodies[str(usdc.asset_id)]
    assert len(usdc_body["deployments"]) == 3
    collisions = usdc_body["symbol_collisions"]
    assert collisions["count"] == 6
    oldest_five = ["USD Coin", "Copy 0", "Copy 1", "Copy 2", "Copy 3"]
    assert [row["name"] for row in collisions["assets"]] == oldest_five
    assert collisions["assets"][0]["chains"] == ["base", "ethereum", "solana"]
    assert bodies[str(eth.asset_id)]["created_at"] == "2024-01-01T00:00:00Z"


def test_a_write_answers_the_asset_as_its_detail_does(crowded_registry, steward):
    """Create, change, restore: each answer is the asset as its detail then reads."""
    usdc, _ = crowded_registry
    created = steward.post(
        URL, {"symbol": "Usdc", "name": "Yet another", "asset_type": "ERC20"}, format="json"
    )
    assert created.status_code == 201, created.content
    assert created.json() == steward.get(detail(created.json()["asset_id"])).json()
    assert created.json()["symbol_collisions"]["count"] == 7

    changed = steward.patch(detail(usdc), {"name": "USD Coin (Circle)"}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json() == steward.get(detail(usdc)).json()

    assert steward.delete(detail(usdc)).status_code == 204
    restored = steward.post(f"{detail(usdc)}restore/")
    assert restored.status_code == 200, restored.content
    assert restored.json() == steward.get(detail(usdc)).json()


def test_the_hot_lookups_show_an_asset_as_its_detail_does(crowded_registry, viewer):
    """resolve/deployment, resolve/symbol and resolve/venue-symbol agree with the detail on
    every field they share (the deployment, the asset's summary, its collision set), and
    their active flags are the asset's unresolved flags; the variants' summaries too."""
    usdc, eth = crowded_registry
    bodies = detail_bodies(viewer)
    usdc_body = bodies[str(usdc.asset_id)]

    def summary(asset_id) -> dict:
        return {name: bodies[str(asset_id)][name] for name in SUMMARY_FIELDS}

    def flags(answer_asset) -> list[dict]:
        assert answer_asset["highest_active_severity"] == max(
            (flag["severity"] for flag in answer_asset["active_flags"]), default=0
        )
        return sorted(answer_asset["active_flags"], key=lambda flag: flag["flag_id"])

    active = walk_pages(viewer, "/api/v1/quality-flags/", asset=usdc.asset_id, active_only="true")
    usdc_flags = sorted(
        ({name: flag[name] for name in FLAG_FIELDS} for flag in active[0]),
        key=lambda flag: flag["flag_id"],
    )
    assert sorted(flag["severity"] for flag in usdc_flags) == [2, 4]

    for deployment in usdc_body["deployments"]:
        answer = hot(viewer, "deployment", chain=deployment["chain"], address=deployment["address"])
        assert {name: answer["deployment"][name] for name in deployment} == deployment
        assert {name: answer["asset"][name] for name in SUMMARY_FIELDS} == summary(usdc.asset_id)
        assert flags(answer["asset"]) == usdc_flags
        assert answer["symbol_collisions"] == usdc_body["symbol_collisions"]

    answer = hot(viewer, "symbol", symbol="Usdc")
    assert answer["count"] == usdc_body["symbol_collisions"]["count"]
    assert [
        {"asset_id": row["asset_id"], "name": row["name"], "chains": row["chains"]}
        for row in answer["assets"]
    ] == usdc_body["symbol_collisions"]["assets"]
    for row in answer["assets"]:
        assert {name: row[name] for name in SUMMARY_FIELDS} == summary(row["asset_id"])
    assert flags(answer["assets"][0]) == usdc_flags

    answer = hot(viewer, "venue-symbol", venue="binance", symbol="ETHUSDC")
    assert {name: answer["asset"][name] for name in SUMMARY_FIELDS} == summary(eth.asset_id)
    assert {name: answer["quote_asset"][name] for name in SUMMARY_FIELDS} == summary(usdc.asset_id)
    assert flags(answer["quote_asset"]) == usdc_flags
    assert answer["symbol_collisions"] == bodies[str(eth.asset_id)]["symbol_collisions"]

    variants = viewer.get(f"{detail(usdc)}variants/").json()
    assert [row["asset"] for row in variants] == [
        summary(row["asset"]["asset_id"]) for row in variants
    ]
    assert len(variants) == 1
