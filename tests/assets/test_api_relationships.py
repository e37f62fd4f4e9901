"""The relationships endpoints: variant links (child WRAPS/STAKES/... parent), refused when
they would link an asset to itself, repeat a link or close a cycle.

What every entity endpoint keeps (ETag and If-Match, roles, pagination and ordering,
the error shape) is tested once for all in tests/api/test_contract.py."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from assets.models import Asset, AssetRelationship
from registry.models import OutboxEvent
from tests.api.conftest import assert_error, walk_pages
from tests.contracts.loader import contract_message
from tests.factories import AssetFactory, AssetRelationshipFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/relationships/"


def detail(relationship) -> str:
    return f"{URL}{getattr(relationship, 'relationship_id', relationship)}/"


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["relationship_id"] for row in response.json()["results"]]


def link(parent, child, /, relationship_type="WRAPS", **fields) -> dict:
    body = {"parent_asset": str(parent.asset_id), "child_asset": str(child.asset_id)}
    body["relationship_type"] = relationship_type
    body.update(fields)
    return body


# --- create -------------------------------------------------------------------------------


def test_create_returns_201_with_the_relationship_and_etag(steward):
    eth, weth = AssetFactory(symbol="ETH"), AssetFactory(symbol="WETH")
    body = link(eth, weth, conversion_rate="1", protocol="weth", description="1:1 wrapper")
    response = steward.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    relationship = AssetRelationship.objects.get()
    assert data["relationship_id"] == str(relationship.relationship_id)
    assert (data["parent_asset"], data["child_asset"], data["relationship_type"]) == (
        str(eth.asset_id),
        str(weth.asset_id),
        "WRAPS",
    )
    assert Decimal(data["conversion_rate"]) == Decimal(1)
    assert (data["protocol"], data["description"], data["version"]) == ("weth", "1:1 wrapper", 1)
    assert response["ETag"] == '"1"'
    assert relationship.conversion_rate == Decimal(1)


def test_the_event_of_a_created_link_names_the_rest_parent_as_from_asset_id(steward):
    """REST and events agree, as the contract reads: from_asset_id is the parent
    (parent_asset, the underlying ETH), to_asset_id the child (child_asset, WETH)."""
    eth, weth = AssetFactory(symbol="ETH"), AssetFactory(symbol="WETH")
    response = steward.post(URL, link(eth, weth), format="json")
    assert response.status_code == 201, response.content
    row = OutboxEvent.objects.get(event_type="relationship_established")

    event = contract_message("cqc.events.v1.RelationshipEstablished").FromString(bytes(row.body))

    data = response.json()
    assert event.relationship.from_asset_id == data["parent_asset"] == str(eth.asset_id)
    assert event.relationship.to_asset_id == data["child_asset"] == str(weth.asset_id)


def test_create_without_a_conversion_rate_stores_null(steward):
    response = steward.post(URL, link(AssetFactory(), AssetFactory(), "STAKES"), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["conversion_rate"] is None


def test_a_self_link_is_409_and_writes_nothing(steward):
    asset = AssetFactory()
    assert_error(steward.post(URL, link(asset, asset), format="json"), 409, "invalid_relationship")
    assert AssetRelationship.objects.count() == 0


def test_a_duplicate_link_is_409_and_writes_nothing(steward):
    existing = AssetRelationshipFactory(relationship_type="WRAPS")
    body = link(existing.parent_asset, existing.child_asset, "WRAPS")
    assert_error(steward.post(URL, body, format="json"), 409, "invalid_relationship")
    assert AssetRelationship.objects.count() == 1


def test_the_same_pair_with_another_type_is_a_new_link(steward):
    existing = AssetRelationshipFactory(relationship_type="WRAPS")
    body = link(existing.parent_asset, existing.child_asset, "BRIDGES")
    assert steward.post(URL, body, format="json").status_code == 201
    assert AssetRelationship.objects.count() == 2


@pytest.mark.parametrize("closing_type", ["WRAPS", "STAKES", "FORKS_FROM"])
def test_a_link_that_closes_a_cycle_is_409_and_writes_nothing(steward, closing_type):
    a, b, c = AssetFactory(symbol="A"), AssetFactory(symbol="B"), AssetFactory(symbol="C")
    AssetRelationshipFactory(parent_asset=a, child_asset=b)
    AssetRelationshipFactory(parent_asset=b, child_asset=c, relationship_type="STAKES")
    for parent, child in ((c, a), (b, a), (c, b)):
        response = steward.post(URL, link(parent, child, closing_type), format="json")
        assert_error(response, 409, "invalid_relationship")
    assert AssetRelationship.objects.count() == 2


def test_a_link_is_allowed_again_once_the_edge_closing_the_cycle_is_deleted(steward):
    a, b = AssetFactory(), AssetFactory()
    existing = AssetRelationshipFactory(parent_asset=a, child_asset=b)
    assert_error(steward.post(URL, link(b, a), format="json"), 409)
    assert steward.delete(detail(existing)).status_code == 204
    assert steward.post(URL, link(b, a), format="json").status_code == 201


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"relationship_type": "OWNS"}, "relationship_type"),
        ({"parent_asset": None}, "parent_asset"),
        ({"child_asset": str(uuid.uuid4())}, "child_asset"),
        ({"parent_asset": "not-a-uuid"}, "parent_asset"),
        ({"conversion_rate": "abc"}, "conversion_rate"),
        ({"conversion_rate": "1e40"}, "conversion_rate"),
        ({"conversion_rate": "0.0000000000000000001"}, "conversion_rate"),
        ({"metadata": "text"}, "metadata"),
    ],
)
def test_create_with_invalid_input_is_400_naming_the_field_and_writes_nothing(
    steward, fields, field
):
    body = link(AssetFactory(), AssetFactory(), **fields)
    body = {key: value for key, value in body.items() if value is not None}
    assert_error(steward.post(URL, body, format="json"), 400, "invalid", field)
    assert AssetRelationship.objects.count() == 0


@pytest.mark.parametrize("rate", ["0", "-1"])
def test_a_conversion_rate_that_is_not_positive_is_400_naming_the_rate(steward, rate):
    body = link(AssetFactory(), AssetFactory(), conversion_rate=rate)
    assert_error(steward.post(URL, body, format="json"), 400, "invalid", "conversion_rate")
    assert AssetRelationship.objects.count() == 0


@pytest.mark.parametrize("end", ["parent_asset", "child_asset"])
def test_a_link_to_a_soft_deleted_asset_is_400_naming_it(steward, end):
    live, gone = AssetFactory(), AssetFactory(deleted_at=timezone.now())
    body = link(gone, live) if end == "parent_asset" else link(live, gone)
    assert_error(steward.post(URL, body, format="json"), 400, "invalid", end)
    assert AssetRelationship.objects.count() == 0


# --- retrieve, update, delete ----------------------------------------------------------------


def test_retrieve_returns_the_relationship_with_an_etag(viewer):
    relationship = AssetRelationshipFactory(relationship_type="STAKES", protocol="lido")
    response = viewer.get(detail(relationship))
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert (response.json()["relationship_type"], response.json()["protocol"]) == (
        "STAKES",
        "lido",
    )


@pytest.mark.parametrize("end", ["parent_asset", "child_asset"])
def test_a_relationship_touching_a_soft_deleted_asset_is_404(viewer, end):
    relationship = AssetRelationshipFactory()
    Asset.objects.filter(pk=getattr(relationship, f"{end}_id")).update(deleted_at=timezone.now())
    assert_error(viewer.get(detail(relationship)), 404)


def test_patch_changes_the_rate_and_protocol_and_the_etag(steward):
    relationship = AssetRelationshipFactory(conversion_rate=Decimal(1))
    response = steward.patch(
        detail(relationship), {"conversion_rate": "1.18", "protocol": "lido"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert Decimal(response.json()["conversion_rate"]) == Decimal("1.18")
    assert response["ETag"] == '"2"'
    relationship.refresh_from_db()
    assert (relationship.conversion_rate, relationship.protocol) == (Decimal("1.18"), "lido")


@pytest.mark.parametrize("field", ["parent_asset", "child_asset", "relationship_type"])
def test_the_ends_and_type_of_a_relationship_cannot_change(steward, field):
    relationship = AssetRelationshipFactory(relationship_type="WRAPS")
    value = "STAKES" if field == "relationship_type" else str(AssetFactory().asset_id)
    response = steward.patch(detail(relationship), {field: value}, format="json")
    assert_error(response, 400, "invalid", field)
    relationship.refresh_from_db()
    assert (relationship.relationship_type, relationship.version) == ("WRAPS", 1)


def test_patch_to_a_non_positive_rate_is_400_and_changes_nothing(steward):
    relationship = AssetRelationshipFactory(conversion_rate=Decimal(2))
    response = steward.patch(detail(relationship), {"conversion_rate": "0"}, format="json")
    assert_error(response, 400, "invalid", "conversion_rate")
    relationship.refresh_from_db()
    assert relationship.conversion_rate == Decimal(2)


def test_delete_removes_the_relationship_and_leaves_the_assets(steward):
    relationship = AssetRelationshipFactory()
    assert steward.delete(detail(relationship)).status_code == 204
    assert not AssetRelationship.objects.exists()
    assert Asset.objects.count() == 2
    assert_error(steward.get(detail(relationship)), 404)


# --- list, filters, pagination --------------------------------------------------------------


def test_list_filters_by_parent_child_type_and_protocol(viewer):
    eth, steth, wsteth = AssetFactory(), AssetFactory(), AssetFactory()
    stakes = AssetRelationshipFactory(
        parent_asset=eth, child_asset=steth, relationship_type="STAKES", protocol="lido"
    )
    wraps = AssetRelationshipFactory(parent_asset=steth, child_asset=wsteth, protocol="lido")
    other = AssetRelationshipFactory(relationship_type="BRIDGES", protocol="wormhole")

    def found(**params):
        return set(ids(viewer.get(URL, params)))

    assert found(parent=eth.asset_id) == {str(stakes.pk)}
    assert found(child=steth.asset_id) == {str(stakes.pk)}
    assert found(parent=steth.asset_id) == {str(wraps.pk)}
    assert found(type="WRAPS") == {str(wraps.pk)}
    assert found(type=["STAKES", "BRIDGES"]) == {str(stakes.pk), str(other.pk)}
    assert found(protocol="lido") == {str(stakes.pk), str(wraps.pk)}
    assert found(protocol="lido", type="STAKES") == {str(stakes.pk)}


@pytest.mark.parametrize(
    ("name", "value"), [("parent", "nope"), ("child", "123"), ("type", "OWNS")]
)
def test_a_malformed_filter_value_is_400_naming_the_filter(viewer, name, value):
    assert_error(viewer.get(URL, {name: value}), 400, "invalid", name)


def test_list_hides_relationships_touching_soft_deleted_assets(viewer):
    live = AssetRelationshipFactory()
    AssetRelationshipFactory(parent_asset=AssetFactory(deleted_at=timezone.now()))
    AssetRelationshipFactory(child_asset=AssetFactory(deleted_at=timezone.now()))
    response = viewer.get(URL)
    assert ids(response) == [str(live.pk)]
    assert response.json()["total_count"] == 1


def test_walking_the_pages_returns_every_relationship_once_oldest_first(viewer):
    start = timezone.now() - timedelta(days=1)
    made = [
        AssetRelationshipFactory(created_at=start + timedelta(minutes=n)) for n in (4, 1, 3, 0, 2)
    ]
    tied = [AssetRelationshipFactory(created_at=start + timedelta(minutes=9)) for _ in range(3)]
    rows, totals = walk_pages(viewer, URL, page_size=3)
    expected = [
        *[r.pk for r in sorted(made, key=lambda r: r.created_at)],
        *sorted(r.pk for r in tied),
    ]
    assert [row["relationship_id"] for row in rows] == [str(pk) for pk in expected]
    assert set(totals) == {8}


def test_demo_relationships_of_eth(demo, viewer):
    eth = Asset.objects.with_identifier("COINGECKO", "ethereum").get()
    response = viewer.get(URL, {"parent": eth.asset_id})
    children = {
        Asset.objects.get(pk=row["child_asset"]).symbol: row["relationship_type"]
        for row in response.json()["results"]
    }
    assert children == {"WETH": "WRAPS", "stETH": "STAKES", "cbETH": "STAKES", "rETH": "STAKES"}
    assert viewer.get(URL, {"protocol": "lido"}).json()["total_count"] == 2
