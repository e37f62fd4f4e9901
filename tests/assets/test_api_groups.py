"""The groups endpoints: aggregation groups found by id or canonical symbol, and their
members (at most one canonical).

What every entity endpoint keeps (ETag and If-Match, roles, pagination and ordering,
the error shape) is tested once for all in tests/api/test_contract.py."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from assets.models import Asset, AssetGroup, AssetGroupMember
from tests.api.conftest import assert_error, walk_pages
from tests.factories import AssetFactory, AssetGroupFactory, AssetGroupMemberFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/groups/"


def detail(group) -> str:
    return f"{URL}{getattr(group, 'group_id', group)}/"


def members_url(group) -> str:
    return f"{detail(group)}members/"


def member_url(group, asset) -> str:
    return f"{members_url(group)}{getattr(asset, 'asset_id', asset)}/"


def by_symbol(symbol: str) -> str:
    return f"{URL}by-symbol/{symbol}/"


def group_ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["group_id"] for row in response.json()["results"]]


# --- create --------------------------------------------------------------------------------


def test_create_returns_201_with_the_group_and_etag(steward):
    body = {
        "group_id": "usdc",
        "canonical_symbol": "USDC",
        "issuer": "Circle",
        "description": "USD Coin and its bridged copies.",
        "metadata": {"peg": "USD"},
    }
    response = steward.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert {key: data[key] for key in body} == body
    assert (data["members"], data["version"], response["ETag"]) == ([], 1, '"1"')
    assert AssetGroup.objects.get().canonical_symbol == "USDC"


def test_create_stores_the_normalized_canonical_symbol(steward):
    response = steward.post(
        URL, {"group_id": "usdc", "canonical_symbol": "\uff35\uff33\uff24\uff23"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["canonical_symbol"] == "USDC"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"group_id": "Not A Slug"}, "group_id"),
        ({"group_id": "ETH"}, "group_id"),
        ({"group_id": None}, "group_id"),
        ({"canonical_symbol": None}, "canonical_symbol"),
        ({"canonical_symbol": "two words"}, "canonical_symbol"),
        ({"canonical_symbol": "X" * 21}, "canonical_symbol"),
        ({"metadata": [1, 2]}, "metadata"),
    ],
)
def test_create_with_invalid_input_is_400_naming_the_field_and_writes_nothing(
    steward, fields, field
):
    body = {"group_id": "eth", "canonical_symbol": "ETH", **fields}
    body = {key: value for key, value in body.items() if value is not None}
    assert_error(steward.post(URL, body, format="json"), 400, "invalid", field)
    assert AssetGroup.objects.count() == 0


@pytest.mark.parametrize("symbol", ["ETH", "eth", "Eth"])
def test_a_taken_canonical_symbol_in_any_case_is_409(steward, symbol):
    AssetGroupFactory(group_id="eth", canonical_symbol="ETH")
    response = steward.post(URL, {"group_id": "eth-2", "canonical_symbol": symbol}, format="json")
    assert_error(response, 409)
    assert AssetGroup.objects.count() == 1


def test_a_taken_group_id_is_409(steward):
    AssetGroupFactory(group_id="eth", canonical_symbol="ETH")
    response = steward.post(URL, {"group_id": "eth", "canonical_symbol": "WETH"}, format="json")
    assert_error(response, 409)
    assert AssetGroup.objects.get().canonical_symbol == "ETH"


# --- retrieve, by-symbol, update, delete ----------------------------------------------------


def test_retrieve_returns_the_group_with_its_members_and_an_etag(viewer):
    group = AssetGroupFactory(group_id="eth", canonical_symbol="ETH")
    eth = AssetGroupMemberFactory(group=group, is_canonical=True).asset
    weth = AssetGroupMemberFactory(group=group, weight=Decimal("0.5")).asset
    response = viewer.get(detail(group))
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    members = {row["asset"]: row for row in response.json()["members"]}
    assert set(members) == {str(eth.asset_id), str(weth.asset_id)}
    assert members[str(eth.asset_id)]["is_canonical"] is True
    assert members[str(weth.asset_id)]["is_canonical"] is False
    assert Decimal(members[str(weth.asset_id)]["weight"]) == Decimal("0.5")
    assert members[str(weth.asset_id)]["added_at"]


@pytest.mark.parametrize("symbol", ["ETH", "eth", "eTh"])
def test_by_symbol_finds_the_group_in_any_case(viewer, symbol):
    group = AssetGroupFactory(group_id="eth", canonical_symbol="ETH")
    AssetGroupFactory(group_id="weth", canonical_symbol="WETH")
    response = viewer.get(by_symbol(symbol))
    assert response.status_code == 200, response.content
    assert response.json()["group_id"] == group.group_id
    assert response["ETag"] == '"1"'


def test_by_symbol_of_an_unknown_symbol_is_404(viewer):
    AssetGroupFactory(canonical_symbol="ETH")
    assert_error(viewer.get(by_symbol("ET")), 404)


def test_by_symbol_with_a_nul_character_is_a_client_error_not_500(viewer):
    response = viewer.get(by_symbol("ET%00H"))
    assert_error(response, 404 if response.status_code == 404 else 400)


def test_by_symbol_in_the_demo_returns_the_eth_group_with_eth_canonical(demo, viewer):
    response = viewer.get(by_symbol("eth"))
    assert response.status_code == 200, response.content
    members = response.json()["members"]
    symbols = {Asset.objects.get(pk=row["asset"]).symbol: row["is_canonical"] for row in members}
    assert symbols == {
        "ETH": True,
        "WETH": False,
        "stETH": False,
        "wstETH": False,
        "cbETH": False,
        "rETH": False,
    }


def test_patch_changes_the_group_and_its_etag(steward):
    group = AssetGroupFactory(issuer="")
    response = steward.patch(detail(group), {"issuer": "Circle"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["issuer"], response["ETag"]) == ("Circle", '"2"')
    group.refresh_from_db()
    assert (group.issuer, group.version) == ("Circle", 2)


def test_the_group_id_cannot_change(steward):
    group = AssetGroupFactory(group_id="eth")
    response = steward.patch(detail(group), {"group_id": "ether"}, format="json")
    assert_error(response, 400, "invalid", "group_id")
    assert list(AssetGroup.objects.values_list("group_id", flat=True)) == ["eth"]


def test_patch_to_a_taken_canonical_symbol_is_409(steward):
    AssetGroupFactory(canonical_symbol="ETH")
    group = AssetGroupFactory(canonical_symbol="BTC")
    response = steward.patch(detail(group), {"canonical_symbol": "eth"}, format="json")
    assert_error(response, 409)
    group.refresh_from_db()
    assert group.canonical_symbol == "BTC"


def test_delete_removes_the_group_and_its_memberships_but_not_the_assets(steward):
    member = AssetGroupMemberFactory()
    assert steward.delete(detail(member.group)).status_code == 204
    assert not AssetGroup.objects.exists()
    assert not AssetGroupMember.objects.exists()
    assert Asset.objects.filter(pk=member.asset_id).exists()


# --- list -----------------------------------------------------------------------------------


def test_list_filters_by_canonical_symbol_in_any_case_and_by_issuer(viewer):
    eth = AssetGroupFactory(group_id="eth", canonical_symbol="ETH", issuer="")
    usdc = AssetGroupFactory(group_id="usdc", canonical_symbol="USDC", issuer="Circle")
    AssetGroupFactory(group_id="weth", canonical_symbol="WETH")
    assert group_ids(viewer.get(URL, {"canonical_symbol": "eth"})) == [eth.group_id]
    assert group_ids(viewer.get(URL, {"canonical_symbol": "ETH"})) == [eth.group_id]
    assert group_ids(viewer.get(URL, {"issuer": "Circle"})) == [usdc.group_id]
    assert group_ids(viewer.get(URL, {"canonical_symbol": "ET"})) == []


def test_walking_the_pages_returns_every_group_once_by_group_id(viewer):
    names = ["delta", "alpha", "echo", "charlie", "bravo", "foxtrot", "golf"]
    for name in names:
        AssetGroupFactory(group_id=name)
    rows, totals = walk_pages(viewer, URL, page_size=3)
    assert [row["group_id"] for row in rows] == sorted(names)
    assert set(totals) == {7}


# --- members ---------------------------------------------------------------------------------


def test_members_lists_the_canonical_member_first_then_by_time_added(viewer):
    group = AssetGroupFactory()
    start = timezone.now() - timedelta(days=1)
    later = AssetGroupMemberFactory(group=group, created_at=start + timedelta(minutes=2))
    earlier = AssetGroupMemberFactory(group=group, created_at=start + timedelta(minutes=1))
    canonical = AssetGroupMemberFactory(
        group=group, is_canonical=True, created_at=start + timedelta(minutes=3)
    )
    AssetGroupMemberFactory()
    rows, totals = walk_pages(viewer, members_url(group), page_size=1)
    assert [row["asset"] for row in rows] == [
        str(canonical.asset_id),
        str(earlier.asset_id),
        str(later.asset_id),
    ]
    assert [row["is_canonical"] for row in rows] == [True, False, False]
    assert set(rows[0]) == {"asset", "is_canonical", "weight", "added_at"}
    assert set(totals) == {3}


def test_members_filter_by_is_canonical(viewer):
    group = AssetGroupFactory()
    canonical = AssetGroupMemberFactory(group=group, is_canonical=True)
    AssetGroupMemberFactory(group=group)
    response = viewer.get(members_url(group), {"is_canonical": "true"})
    assert [row["asset"] for row in response.json()["results"]] == [str(canonical.asset_id)]
    assert viewer.get(members_url(group), {"is_canonical": "false"}).json()["total_count"] == 1


def test_members_hide_soft_deleted_assets(viewer):
    group = AssetGroupFactory()
    live = AssetGroupMemberFactory(group=group)
    gone = AssetGroupMemberFactory(group=group)
    Asset.objects.filter(pk=gone.asset_id).update(deleted_at=timezone.now())
    response = viewer.get(members_url(group))
    assert [row["asset"] for row in response.json()["results"]] == [str(live.asset_id)]
    assert response.json()["total_count"] == 1
    assert [row["asset"] for row in viewer.get(detail(group)).json()["members"]] == [
        str(live.asset_id)
    ]


def test_a_groups_members_read_alike_in_its_detail_its_member_list_and_the_hot_lookup(viewer):
    """The detail nests the members (a prefetch), members/ pages them (a filterset), the
    hot lookup builds them from values(): the same members, in the same order (canonical
    first, then by time added), with the same flags and weights."""
    group = AssetGroupFactory(canonical_symbol="ETH")
    start = timezone.now() - timedelta(days=1)
    gone = AssetGroupMemberFactory(group=group, created_at=start)
    later = AssetGroupMemberFactory(group=group, created_at=start + timedelta(minutes=2))
    half = AssetGroupMemberFactory(
        group=group, weight=Decimal("0.5"), created_at=start + timedelta(minutes=1)
    )
    canonical = AssetGroupMemberFactory(
        group=group, is_canonical=True, created_at=start + timedelta(minutes=3)
    )
    Asset.objects.filter(pk=gone.asset_id).update(deleted_at=timezone.now())

    nested = viewer.get(detail(group)).json()["members"]
    rows, _ = walk_pages(viewer, members_url(group), page_size=2)
    hot = viewer.get("/api/v1/resolve/aggregate/", {"group": "eth"})

    assert rows == nested
    assert [row["asset"] for row in rows] == [
        str(member.asset_id) for member in (canonical, half, later)
    ]
    assert hot.status_code == 200, hot.content
    assert [
        (member["asset_id"], member["is_canonical"], Decimal(member["weight"]))
        for member in hot.json()["members"]
    ] == [(row["asset"], row["is_canonical"], Decimal(row["weight"])) for row in rows]


def test_members_of_an_unknown_group_is_404(viewer):
    assert_error(viewer.get(members_url("no-such-group")), 404)


def test_members_with_a_garbage_page_token_is_400(viewer):
    group = AssetGroupFactory()
    assert_error(viewer.get(members_url(group), {"page_token": "zz"}), 400, field="page_token")


def test_add_member_returns_201_and_the_member_shows_in_the_group(steward):
    group, asset = AssetGroupFactory(), AssetFactory()
    body = {"asset": str(asset.asset_id), "is_canonical": True, "weight": "0.25"}
    response = steward.post(members_url(group), body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["asset"], data["is_canonical"]) == (str(asset.asset_id), True)
    assert Decimal(data["weight"]) == Decimal("0.25")
    assert data["added_at"]
    member = AssetGroupMember.objects.get()
    assert (member.group_id, member.asset_id, member.weight) == (
        group.group_id,
        asset.asset_id,
        Decimal("0.25"),
    )
    assert [row["asset"] for row in steward.get(detail(group)).json()["members"]] == [
        str(asset.asset_id)
    ]


def test_add_member_defaults_to_a_non_canonical_weight_of_one(steward):
    group, asset = AssetGroupFactory(), AssetFactory()
    response = steward.post(members_url(group), {"asset": str(asset.asset_id)}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["is_canonical"] is False
    assert Decimal(response.json()["weight"]) == Decimal(1)


def test_adding_a_member_twice_is_409(steward):
    member = AssetGroupMemberFactory()
    body = {"asset": str(member.asset_id)}
    assert_error(steward.post(members_url(member.group), body, format="json"), 409)
    assert AssetGroupMember.objects.count() == 1


def test_a_second_canonical_member_is_409(steward):
    member = AssetGroupMemberFactory(is_canonical=True)
    body = {"asset": str(AssetFactory().asset_id), "is_canonical": True}
    assert_error(steward.post(members_url(member.group), body, format="json"), 409)
    assert AssetGroupMember.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"asset": str(uuid.uuid4())}, "asset"),
        ({"asset": "nope"}, "asset"),
        ({"weight": "abc"}, "weight"),
        ({"weight": "1e40"}, "weight"),
        ({"weight": "-1"}, "weight"),
    ],
)
def test_add_member_with_invalid_input_is_400_naming_the_field(steward, fields, field):
    group = AssetGroupFactory()
    body = {"asset": str(AssetFactory().asset_id), **fields}
    assert_error(steward.post(members_url(group), body, format="json"), 400, "invalid", field)
    assert AssetGroupMember.objects.count() == 0


def test_add_a_soft_deleted_asset_is_400_naming_the_asset(steward):
    group, asset = AssetGroupFactory(), AssetFactory(deleted_at=timezone.now())
    response = steward.post(members_url(group), {"asset": str(asset.asset_id)}, format="json")
    assert_error(response, 400, "invalid", "asset")
    assert AssetGroupMember.objects.count() == 0


def test_add_member_to_an_unknown_group_is_404(steward):
    body = {"asset": str(AssetFactory().asset_id)}
    assert_error(steward.post(members_url("no-such-group"), body, format="json"), 404)
    assert AssetGroupMember.objects.count() == 0


def test_remove_member_deletes_the_membership_only(steward):
    member = AssetGroupMemberFactory()
    other = AssetGroupMemberFactory(group=member.group)
    response = steward.delete(member_url(member.group, member.asset))
    assert response.status_code == 204
    assert list(AssetGroupMember.objects.values_list("pk", flat=True)) == [other.pk]
    assert Asset.objects.filter(pk=member.asset_id).exists()


def test_remove_member_honours_if_match_naming_the_membership_version(steward):
    """If-Match (documented on every DELETE of one object) names the membership's version:
    a stale one is a 412 and the member stays; the current one removes it."""
    member = AssetGroupMemberFactory()
    AssetGroupMember.objects.filter(pk=member.pk).update(weight=Decimal("2"))  # version 2
    url = member_url(member.group, member.asset)

    assert_error(steward.delete(url, HTTP_IF_MATCH='"1"'), 412, "stale_version", "If-Match")
    assert AssetGroupMember.objects.filter(pk=member.pk).exists()
    assert steward.delete(url, HTTP_IF_MATCH='"2"').status_code == 204
    assert not AssetGroupMember.objects.filter(pk=member.pk).exists()


def test_remove_a_non_member_or_unknown_asset_or_group_is_404(steward):
    member = AssetGroupMemberFactory()
    outsider = AssetFactory()
    assert_error(steward.delete(member_url(member.group, outsider)), 404, "not_found")
    assert_error(steward.delete(member_url(member.group, uuid.uuid4())), 404)
    assert_error(steward.delete(member_url("no-such-group", member.asset)), 404)
    assert AssetGroupMember.objects.count() == 1


def test_removing_members_needs_the_steward_role(anonymous, viewer):
    member = AssetGroupMemberFactory()
    assert_error(anonymous.delete(member_url(member.group, member.asset)), 401)
    assert_error(viewer.delete(member_url(member.group, member.asset)), 403)
    assert AssetGroupMember.objects.count() == 1
