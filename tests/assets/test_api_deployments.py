"""The deployments endpoints: where an asset lives on a chain, found by (chain, address)
in any letter case.

What every entity endpoint keeps (ETag and If-Match, roles, pagination and ordering,
the error shape) is tested once for all in tests/api/test_contract.py."""

import uuid

import pytest
from django.utils import timezone

from assets.models import Asset, AssetDeployment
from tests.api.conftest import assert_error, walk_pages
from tests.factories import AssetDeploymentFactory, AssetFactory, ChainFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/deployments/"
BY_ADDRESS = f"{URL}by-address/"
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
USDC_BAD_CHECKSUM = "0xa0B86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
USDC_SOLANA = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
SOLANA_REFERENCE = "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"


def detail(deployment) -> str:
    return f"{URL}{getattr(deployment, 'deployment_id', deployment)}/"


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["deployment_id"] for row in response.json()["results"]]


def solana_chain():
    return ChainFactory(
        chain_id="solana", chain_type="SOLANA", network_id=None, caip2_reference=SOLANA_REFERENCE
    )


def payload(asset, chain, /, **fields) -> dict:
    body = {"asset": str(asset.asset_id), "chain": chain.chain_id}
    body.update({"address": USDC.lower(), "decimals": 6})
    body.update(fields)
    return body


# --- create ---------------------------------------------------------------------------


def test_create_returns_201_with_the_checksummed_address_caip19_and_etag(steward):
    asset, chain = AssetFactory(symbol="USDC"), ChainFactory(network_id=1)
    response = steward.post(URL, payload(asset, chain, is_canonical=True), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    deployment = AssetDeployment.objects.get()
    assert body["deployment_id"] == str(deployment.deployment_id)
    assert (body["asset"], body["chain"], body["address"], body["decimals"]) == (
        str(asset.asset_id),
        chain.chain_id,
        USDC,
        6,
    )
    assert (body["is_canonical"], body["is_native"], body["version"]) == (True, False, 1)
    assert body["caip19"] == f"eip155:1/erc20:{USDC.lower()}"
    assert response["ETag"] == '"1"'
    assert deployment.address == USDC


def test_create_on_solana_keeps_the_base58_address(steward):
    asset, chain = AssetFactory(), solana_chain()
    response = steward.post(URL, payload(asset, chain, address=USDC_SOLANA), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["address"] == USDC_SOLANA
    assert response.json()["caip19"] == f"solana:{SOLANA_REFERENCE}/token:{USDC_SOLANA}"


def test_create_a_native_deployment_without_an_address(steward):
    asset, chain = AssetFactory(asset_type="NATIVE"), ChainFactory()
    response = steward.post(
        URL, payload(asset, chain, address="", is_native=True, decimals=18), format="json"
    )
    assert response.status_code == 201, response.content
    assert (response.json()["address"], response.json()["is_native"]) == ("", True)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"address": USDC_BAD_CHECKSUM}, "address"),
        ({"address": "0x1234"}, "address"),
        ({"address": "not an address"}, "address"),
        ({"address": ""}, "address"),
        ({"decimals": 256}, "decimals"),
        ({"decimals": -1}, "decimals"),
        ({"decimals": None}, "decimals"),
        ({"chain": "no-such-chain"}, "chain"),
        ({"asset": str(uuid.uuid4())}, "asset"),
        ({"asset": "not-a-uuid"}, "asset"),
        ({"deployer_address": "0xnothex"}, "deployer_address"),
        ({"metadata": "text"}, "metadata"),
    ],
)
def test_create_with_invalid_input_is_400_naming_the_field_and_writes_nothing(
    steward, fields, field
):
    asset, chain = AssetFactory(), ChainFactory()
    body = {
        key: value for key, value in payload(asset, chain, **fields).items() if value is not None
    }
    assert_error(steward.post(URL, body, format="json"), 400, "invalid", field)
    assert AssetDeployment.objects.count() == 0


def test_create_for_a_soft_deleted_asset_is_400_naming_the_asset(steward):
    asset, chain = AssetFactory(deleted_at=timezone.now()), ChainFactory()
    assert_error(steward.post(URL, payload(asset, chain), format="json"), 400, "invalid", "asset")
    assert AssetDeployment.objects.count() == 0


def test_create_with_a_nul_character_in_the_chain_is_400_naming_the_chain(steward):
    asset = AssetFactory()
    body = {"asset": str(asset.asset_id), "chain": "eth\x00", "address": USDC, "decimals": 6}
    assert_error(steward.post(URL, body, format="json"), 400, "invalid", "chain")
    assert AssetDeployment.objects.count() == 0


def test_a_second_spelling_of_a_taken_address_is_409_and_writes_nothing(steward):
    chain = ChainFactory()
    AssetDeploymentFactory(chain=chain, address=USDC)
    for spelling in (USDC, USDC.lower(), "0x" + USDC[2:].upper()):
        response = steward.post(
            URL, payload(AssetFactory(), chain, address=spelling), format="json"
        )
        assert_error(response, 409, "deployment_exists")
    assert AssetDeployment.objects.count() == 1


def test_the_same_address_on_another_chain_is_a_new_deployment(steward):
    AssetDeploymentFactory(address=USDC)
    response = steward.post(URL, payload(AssetFactory(), ChainFactory()), format="json")
    assert response.status_code == 201, response.content
    assert AssetDeployment.objects.count() == 2


def test_a_second_deployment_of_an_asset_on_one_chain_is_409(steward):
    existing = AssetDeploymentFactory()
    response = steward.post(URL, payload(existing.asset, existing.chain), format="json")
    assert_error(response, 409, "deployment_exists")
    assert AssetDeployment.objects.count() == 1


def test_a_second_canonical_deployment_of_an_asset_is_409(steward):
    existing = AssetDeploymentFactory(is_canonical=True)
    response = steward.post(
        URL, payload(existing.asset, ChainFactory(), is_canonical=True), format="json"
    )
    assert_error(response, 409)
    assert AssetDeployment.objects.count() == 1


def test_a_second_native_deployment_on_a_chain_is_409(steward):
    existing = AssetDeploymentFactory(address="", is_native=True)
    response = steward.post(
        URL, payload(AssetFactory(), existing.chain, address="", is_native=True), format="json"
    )
    assert_error(response, 409)
    assert AssetDeployment.objects.count() == 1


# --- retrieve, update, delete --------------------------------------------------------------


def test_retrieve_returns_the_deployment_with_an_etag_of_its_version(viewer):
    deployment = AssetDeploymentFactory(decimals=8, is_verified=True)
    response = viewer.get(detail(deployment))
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    body = response.json()
    assert (body["deployment_id"], body["address"], body["decimals"], body["is_verified"]) == (
        str(deployment.deployment_id),
        deployment.address,
        8,
        True,
    )


def test_a_deployment_of_a_soft_deleted_asset_is_404(steward):
    deployment = AssetDeploymentFactory(decimals=6)
    Asset.objects.filter(pk=deployment.asset_id).update(deleted_at=timezone.now())
    assert_error(steward.get(detail(deployment)), 404)
    assert_error(steward.patch(detail(deployment), {"decimals": 8}, format="json"), 404)
    deployment.refresh_from_db()
    assert deployment.decimals == 6


def test_patch_changes_the_deployment_and_its_etag(steward):
    deployment = AssetDeploymentFactory(decimals=6)
    response = steward.patch(detail(deployment), {"decimals": 8}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["decimals"], response["ETag"]) == (8, '"2"')
    deployment.refresh_from_db()
    assert (deployment.decimals, deployment.version) == (8, 2)
    assert steward.get(detail(deployment))["ETag"] == '"2"'


def test_put_replaces_the_deployment_fields(steward):
    deployment = AssetDeploymentFactory(decimals=6)
    body = {
        "asset": str(deployment.asset_id),
        "chain": deployment.chain_id,
        "address": deployment.address.lower(),
        "decimals": 18,
        "is_verified": True,
    }
    response = steward.put(detail(deployment), body, format="json")
    assert response.status_code == 200, response.content
    deployment.refresh_from_db()
    assert (deployment.decimals, deployment.is_verified, deployment.version) == (18, True, 2)


@pytest.mark.parametrize("field", ["asset", "chain"])
def test_the_asset_and_chain_of_a_deployment_cannot_change(steward, field):
    deployment = AssetDeploymentFactory()
    value = str(AssetFactory().asset_id) if field == "asset" else ChainFactory().chain_id
    response = steward.patch(detail(deployment), {field: value}, format="json")
    assert_error(response, 400, "invalid", field)
    deployment.refresh_from_db()
    assert deployment.version == 1


def test_patch_to_an_address_taken_on_the_chain_is_409(steward):
    chain = ChainFactory()
    AssetDeploymentFactory(chain=chain, address=USDC)
    moved = AssetDeploymentFactory(chain=chain)
    original = moved.address
    response = steward.patch(detail(moved), {"address": USDC.lower()}, format="json")
    assert_error(response, 409, "deployment_exists")
    moved.refresh_from_db()
    assert moved.address == original


def test_patch_to_a_second_canonical_deployment_of_the_asset_is_409(steward):
    canonical = AssetDeploymentFactory(is_canonical=True)
    other = AssetDeploymentFactory(asset=canonical.asset)
    response = steward.patch(detail(other), {"is_canonical": True}, format="json")
    assert_error(response, 409)
    other.refresh_from_db()
    assert (other.is_canonical, other.version) == (False, 1)


def test_patch_with_a_bad_checksum_is_400(steward):
    deployment = AssetDeploymentFactory()
    response = steward.patch(detail(deployment), {"address": USDC_BAD_CHECKSUM}, format="json")
    assert_error(response, 400, "invalid", "address")


def test_delete_removes_the_deployment(steward):
    deployment = AssetDeploymentFactory()
    assert steward.delete(detail(deployment)).status_code == 204
    assert not AssetDeployment.objects.filter(pk=deployment.pk).exists()
    assert_error(steward.get(detail(deployment)), 404)


# --- list, filters, pagination -------------------------------------------------------------


def test_list_filters_by_asset_chain_canonical_native_and_verified(viewer):
    chain = ChainFactory()
    asset = AssetFactory()
    canonical = AssetDeploymentFactory(asset=asset, chain=chain, is_canonical=True)
    other_chain = AssetDeploymentFactory(asset=asset, is_verified=True)
    native = AssetDeploymentFactory(chain=chain, address="", is_native=True)

    def found(**params):
        return set(ids(viewer.get(URL, params)))

    assert found(asset=asset.asset_id) == {str(canonical.pk), str(other_chain.pk)}
    assert found(chain=chain.chain_id) == {str(canonical.pk), str(native.pk)}
    assert found(is_canonical="true") == {str(canonical.pk)}
    assert found(is_canonical="false") == {str(other_chain.pk), str(native.pk)}
    assert found(is_native="true") == {str(native.pk)}
    assert found(is_verified="true") == {str(other_chain.pk)}
    assert found(asset=asset.asset_id, chain=chain.chain_id) == {str(canonical.pk)}


def test_list_filter_address_matches_any_letter_case_on_every_chain(viewer):
    one = AssetDeploymentFactory(address=USDC)
    two = AssetDeploymentFactory(address=USDC)
    AssetDeploymentFactory()
    for spelling in (USDC, USDC.lower(), "0x" + USDC[2:].upper()):
        assert set(ids(viewer.get(URL, {"address": spelling}))) == {str(one.pk), str(two.pk)}


@pytest.mark.parametrize(
    ("name", "value"), [("chain", "no-such-chain"), ("asset", "not-a-uuid"), ("chain", "e\x00")]
)
def test_a_malformed_filter_value_is_400_naming_the_filter(viewer, name, value):
    assert_error(viewer.get(URL, {name: value}), 400, "invalid", name)


def test_list_hides_deployments_of_soft_deleted_assets(viewer):
    live = AssetDeploymentFactory()
    AssetDeploymentFactory(asset=AssetFactory(deleted_at=timezone.now()))
    response = viewer.get(URL)
    assert ids(response) == [str(live.pk)]
    assert response.json()["total_count"] == 1


def test_walking_the_pages_returns_every_deployment_once_in_chain_then_address_order(viewer):
    chains = [ChainFactory(chain_id=f"chain-{letter}") for letter in "bca"]
    numbers = iter([7, 3, 9, 1, 8, 2, 6, 4, 5, 11, 10, 12])
    deployments = [
        AssetDeploymentFactory(chain=chain, address=f"0x{next(numbers):040d}")
        for chain in chains
        for _ in range(4)
    ]
    rows, totals = walk_pages(viewer, URL, page_size=5)
    expected = sorted(deployments, key=lambda d: (d.chain_id, d.address))
    assert [row["deployment_id"] for row in rows] == [str(d.pk) for d in expected]
    assert set(totals) == {12}


# --- by-address ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling", [USDC, USDC.lower(), "0x" + USDC[2:].upper(), f"  {USDC.lower()} "]
)
def test_by_address_finds_the_deployment_in_any_letter_case(viewer, spelling):
    chain = ChainFactory()
    deployment = AssetDeploymentFactory(chain=chain, address=USDC)
    response = viewer.get(BY_ADDRESS, {"chain": chain.chain_id, "address": spelling})
    assert response.status_code == 200, response.content
    assert response.json()["deployment_id"] == str(deployment.deployment_id)
    assert response.json()["asset"] == str(deployment.asset_id)
    assert response["ETag"] == '"1"'


def test_by_address_picks_the_deployment_on_the_requested_chain(viewer):
    first = AssetDeploymentFactory(address=USDC)
    second = AssetDeploymentFactory(address=USDC)
    for deployment in (first, second):
        response = viewer.get(BY_ADDRESS, {"chain": deployment.chain_id, "address": USDC})
        assert response.json()["deployment_id"] == str(deployment.deployment_id)


def test_by_address_on_solana_matches_the_exact_address(viewer):
    deployment = AssetDeploymentFactory(chain=solana_chain(), address=USDC_SOLANA)
    response = viewer.get(BY_ADDRESS, {"chain": "solana", "address": USDC_SOLANA})
    assert response.json()["deployment_id"] == str(deployment.deployment_id)


def test_by_address_needs_both_parameters(viewer):
    error = assert_error(viewer.get(BY_ADDRESS), 400, "invalid")
    assert set(error["fields"]) == {"chain", "address"}
    assert_error(viewer.get(BY_ADDRESS, {"chain": "ethereum"}), 400, field="address")


def test_by_address_with_an_invalid_address_is_400(viewer):
    chain = ChainFactory()
    for address in (USDC_BAD_CHECKSUM, "0x1234"):
        response = viewer.get(BY_ADDRESS, {"chain": chain.chain_id, "address": address})
        assert_error(response, 400, "invalid", "address")


def test_by_address_of_an_unknown_chain_or_address_is_404(viewer):
    chain = ChainFactory()
    AssetDeploymentFactory(chain=chain, address=USDC)
    assert_error(viewer.get(BY_ADDRESS, {"chain": "no-such-chain", "address": USDC}), 404)
    other = "0x" + "1" * 40
    assert_error(viewer.get(BY_ADDRESS, {"chain": chain.chain_id, "address": other}), 404)


def test_by_address_with_a_nul_character_in_the_chain_is_a_client_error_not_500(viewer):
    response = viewer.get(BY_ADDRESS, {"chain": "eth\x00", "address": USDC})
    assert_error(response, 404 if response.status_code == 404 else 400)


def test_by_address_of_a_soft_deleted_asset_is_404(viewer):
    deployment = AssetDeploymentFactory(address=USDC)
    Asset.objects.filter(pk=deployment.asset_id).update(deleted_at=timezone.now())
    assert_error(viewer.get(BY_ADDRESS, {"chain": deployment.chain_id, "address": USDC}), 404)


def test_by_address_in_the_demo_finds_usdc_on_every_chain(demo, viewer):
    usdc = Asset.objects.with_identifier("COINGECKO", "usd-coin").get()
    for deployment in AssetDeployment.objects.filter(asset=usdc):
        address = deployment.address.lower() if deployment.chain_id != "solana" else None
        response = viewer.get(
            BY_ADDRESS, {"chain": deployment.chain_id, "address": address or deployment.address}
        )
        assert response.status_code == 200, (deployment.chain_id, response.content)
        assert response.json()["asset"] == str(usdc.asset_id)


@pytest.mark.parametrize("address", ["\u0130NCH", "\u0391\u03a3", "840000:\u03a3"])
def test_an_address_with_a_non_ascii_capital_is_found_at_its_own_spelling(viewer, address):
    """PostgreSQL's lower() and Python's fold these letters differently (U+0130 is "i" in
    C.UTF-8, "i" + U+0307 in Python; a final sigma): by-address, the list filter and the
    hot lookup answered 404 or nothing for the address as stored."""
    chain = ChainFactory(chain_type="OTHER", network_id=None)
    deployment = AssetDeploymentFactory(chain=chain, address=address)
    by_address = viewer.get(BY_ADDRESS, {"chain": chain.chain_id, "address": address})
    assert by_address.status_code == 200, by_address.content
    assert by_address.json()["deployment_id"] == str(deployment.deployment_id)
    assert ids(viewer.get(URL, {"address": address})) == [str(deployment.deployment_id)]
    hot = viewer.get("/api/v1/resolve/deployment/", {"chain": chain.chain_id, "address": address})
    assert hot.status_code == 200, hot.content
    assert hot.json()["deployment"]["deployment_id"] == str(deployment.deployment_id)
