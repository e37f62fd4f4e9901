"""The identifiers endpoints: an asset's ids in external catalogues, and the asset an
external id names (assets/by-identifier/).

What every entity endpoint keeps (ETag and If-Match, roles, pagination and ordering,
the error shape) is tested once for all in tests/api/test_contract.py."""

import uuid

import pytest
from django.utils import timezone

from assets.models import Asset, AssetIdentifier
from tests.api.conftest import assert_error, walk_pages
from tests.factories import AssetFactory, AssetIdentifierFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/identifiers/"
BY_IDENTIFIER = "/api/v1/assets/by-identifier/"


def detail(identifier) -> str:
    return f"{URL}{getattr(identifier, 'pk', identifier)}/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def payload(asset, /, **fields) -> dict:
    return {
        "asset": str(asset.asset_id),
        "source": "COINGECKO",
        "external_id": "usd-coin",
        **fields,
    }


# --- create -------------------------------------------------------------------------------


def test_create_returns_201_with_the_identifier_and_etag(steward):
    asset = AssetFactory()
    response = steward.post(
        URL, payload(asset, is_primary=True, metadata={"url": "x"}), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    identifier = AssetIdentifier.objects.get()
    assert body["id"] == identifier.pk
    assert {key: body[key] for key in ("asset", "source", "external_id", "is_primary")} == {
        "asset": str(asset.asset_id),
        "source": "COINGECKO",
        "external_id": "usd-coin",
        "is_primary": True,
    }
    assert (body["metadata"], body["version"], response["ETag"]) == ({"url": "x"}, 1, '"1"')


def test_create_trims_the_external_id_but_keeps_its_case(steward):
    response = steward.post(URL, payload(AssetFactory(), external_id="  USD-Coin "), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["external_id"] == "USD-Coin"
    assert AssetIdentifier.objects.get().external_id == "USD-Coin"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"source": "ETHERSCAN"}, "source"),
        ({"external_id": ""}, "external_id"),
        ({"external_id": "usd coin"}, "external_id"),
        ({"external_id": "usd\u200bcoin"}, "external_id"),
        ({"external_id": "x" * 201}, "external_id"),
        ({"asset": str(uuid.uuid4())}, "asset"),
        ({"asset": "nope"}, "asset"),
        ({"metadata": [1]}, "metadata"),
    ],
)
def test_create_with_invalid_input_is_400_naming_the_field_and_writes_nothing(
    steward, fields, field
):
    response = steward.post(URL, payload(AssetFactory(), **fields), format="json")
    assert_error(response, 400, "invalid", field)
    assert AssetIdentifier.objects.count() == 0


def test_create_for_a_soft_deleted_asset_is_400_naming_the_asset(steward):
    asset = AssetFactory(deleted_at=timezone.now())
    assert_error(steward.post(URL, payload(asset), format="json"), 400, "invalid", "asset")
    assert AssetIdentifier.objects.count() == 0


def test_an_external_id_taken_in_the_same_source_is_409(steward):
    AssetIdentifierFactory(source="COINGECKO", external_id="usd-coin")
    response = steward.post(URL, payload(AssetFactory()), format="json")
    assert_error(response, 409, "conflict")
    assert AssetIdentifier.objects.count() == 1


def test_the_same_external_id_in_another_source_is_allowed(steward):
    AssetIdentifierFactory(source="COINGECKO", external_id="usd-coin")
    response = steward.post(URL, payload(AssetFactory(), source="DEFILLAMA"), format="json")
    assert response.status_code == 201, response.content


def test_a_second_primary_id_of_an_asset_in_one_source_is_409(steward):
    existing = AssetIdentifierFactory(source="COINGECKO", is_primary=True)
    response = steward.post(
        URL, payload(existing.asset, external_id="other", is_primary=True), format="json"
    )
    assert_error(response, 409)
    assert AssetIdentifier.objects.count() == 1
    response = steward.post(URL, payload(existing.asset, external_id="other"), format="json")
    assert response.status_code == 201, response.content


# --- retrieve, delete -------------------------------------------------------------------


def test_retrieve_returns_the_identifier_with_an_etag(viewer):
    identifier = AssetIdentifierFactory(source="MESSARI", external_id="btc")
    response = viewer.get(detail(identifier))
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    body = response.json()
    assert (body["id"], body["source"], body["external_id"], body["asset"]) == (
        identifier.pk,
        "MESSARI",
        "btc",
        str(identifier.asset_id),
    )


def test_an_identifier_of_a_soft_deleted_asset_is_404(viewer):
    identifier = AssetIdentifierFactory(asset=AssetFactory(deleted_at=timezone.now()))
    assert_error(viewer.get(detail(identifier)), 404)


def test_identifiers_cannot_be_edited_in_place(steward):
    identifier = AssetIdentifierFactory(external_id="kept")
    assert_error(steward.patch(detail(identifier), {"external_id": "x"}, format="json"), 405)
    assert_error(steward.put(detail(identifier), payload(identifier.asset), format="json"), 405)
    identifier.refresh_from_db()
    assert identifier.external_id == "kept"


def test_delete_removes_the_identifier(steward):
    identifier = AssetIdentifierFactory()
    assert steward.delete(detail(identifier)).status_code == 204
    assert not AssetIdentifier.objects.filter(pk=identifier.pk).exists()
    assert Asset.objects.filter(pk=identifier.asset_id).exists()


# --- list, filters, pagination ------------------------------------------------------------


def test_list_filters_by_asset_source_external_id_and_primary(viewer):
    asset = AssetFactory()
    gecko = AssetIdentifierFactory(asset=asset, source="COINGECKO", is_primary=True)
    llama = AssetIdentifierFactory(asset=asset, source="DEFILLAMA", external_id="shared")
    other = AssetIdentifierFactory(source="MESSARI", external_id="shared")

    def found(**params):
        return set(ids(viewer.get(URL, params)))

    assert found(asset=asset.asset_id) == {gecko.pk, llama.pk}
    assert found(source="COINGECKO") == {gecko.pk}
    assert found(source=["DEFILLAMA", "MESSARI"]) == {llama.pk, other.pk}
    assert found(external_id="shared") == {llama.pk, other.pk}
    assert found(is_primary="true") == {gecko.pk}
    assert found(asset=asset.asset_id, external_id="shared") == {llama.pk}


@pytest.mark.parametrize(("name", "value"), [("source", "ETHERSCAN"), ("asset", "not-a-uuid")])
def test_a_malformed_filter_value_is_400_naming_the_filter(viewer, name, value):
    assert_error(viewer.get(URL, {name: value}), 400, "invalid", name)


def test_list_hides_identifiers_of_soft_deleted_assets(viewer):
    live = AssetIdentifierFactory()
    AssetIdentifierFactory(asset=AssetFactory(deleted_at=timezone.now()))
    response = viewer.get(URL)
    assert ids(response) == [live.pk]
    assert response.json()["total_count"] == 1


def test_walking_the_pages_returns_every_identifier_once_by_source_then_external_id(viewer):
    made = [
        AssetIdentifierFactory(source=source, external_id=f"id-{n}")
        for source in ("MESSARI", "COINGECKO", "DEFILLAMA")
        for n in (3, 1, 2)
    ]
    rows, totals = walk_pages(viewer, URL, page_size=4)
    expected = sorted(made, key=lambda i: (i.source, i.external_id))
    assert [row["id"] for row in rows] == [i.pk for i in expected]
    assert set(totals) == {9}


# --- assets/by-identifier/ ----------------------------------------------------------------


def test_by_identifier_returns_the_asset_with_its_etag(viewer):
    identifier = AssetIdentifierFactory(source="COINGECKO", external_id="usd-coin")
    response = viewer.get(BY_IDENTIFIER, {"source": "COINGECKO", "external_id": "usd-coin"})
    assert response.status_code == 200, response.content
    assert response.json()["asset_id"] == str(identifier.asset_id)
    assert response["ETag"] == '"1"'
    assert "symbol_collisions" in response.json()


def test_by_identifier_trims_the_external_id(viewer):
    identifier = AssetIdentifierFactory(source="COINGECKO", external_id="usd-coin")
    response = viewer.get(BY_IDENTIFIER, {"source": "COINGECKO", "external_id": " usd-coin "})
    assert response.json()["asset_id"] == str(identifier.asset_id)


def test_by_identifier_in_the_demo_tells_the_two_usdcs_apart(demo, viewer):
    real = viewer.get(BY_IDENTIFIER, {"source": "COINGECKO", "external_id": "usd-coin"})
    fake = viewer.get(BY_IDENTIFIER, {"source": "INTERNAL", "external_id": "demo-counterfeit-usdc"})
    assert (real.json()["symbol"], fake.json()["symbol"]) == ("USDC", "USDC")
    assert real.json()["asset_id"] != fake.json()["asset_id"]
    assert real.json()["name"] == "USD Coin"
    assert real.json()["symbol_collisions"]["count"] == 2


def test_by_identifier_needs_both_parameters(viewer):
    error = assert_error(viewer.get(BY_IDENTIFIER), 400, "invalid")
    assert set(error["fields"]) == {"source", "external_id"}
    assert_error(viewer.get(BY_IDENTIFIER, {"source": "COINGECKO"}), 400, field="external_id")


@pytest.mark.parametrize(
    ("source", "external_id"),
    [("COINGECKO", "nope"), ("DEFILLAMA", "usd-coin"), ("COINGECKO", "USD-COIN")],
)
def test_by_identifier_of_an_unknown_pair_is_404(viewer, source, external_id):
    AssetIdentifierFactory(source="COINGECKO", external_id="usd-coin")
    response = viewer.get(BY_IDENTIFIER, {"source": source, "external_id": external_id})
    assert_error(response, 404)


def test_by_identifier_of_a_soft_deleted_asset_is_404(viewer):
    AssetIdentifierFactory(
        asset=AssetFactory(deleted_at=timezone.now()), source="COINGECKO", external_id="gone"
    )
    assert_error(viewer.get(BY_IDENTIFIER, {"source": "COINGECKO", "external_id": "gone"}), 404)


@pytest.mark.parametrize(
    ("source", "external_id"), [("COINGECKO", "usd\x00coin"), ("COIN\x00GECKO", "usd-coin")]
)
def test_by_identifier_with_a_nul_character_is_a_client_error_not_500(viewer, source, external_id):
    response = viewer.get(BY_IDENTIFIER, {"source": source, "external_id": external_id})
    assert_error(response, 404 if response.status_code == 404 else 400)
