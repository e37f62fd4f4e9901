"""An address looked up without its chain: every deployment at it, on any chain, whether
they are one asset, and different assets at one address named as a collision
(resolve/address/, deployments/by-address/{address}/ and the batch)."""

import time
from datetime import datetime

import orjson
import pytest
from django.utils import timezone

from assets.lookups import address_key
from assets.models import AssetDeployment
from assets.services import deployment_create, deployment_update
from chains.choices import ChainType
from registry import cache
from registry.actors import acting_as
from tests.factories import AssetDeploymentFactory, AssetFactory, ChainFactory

ADDRESS = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"  # EIP-55 checksummed
MINT = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
SOLANA = "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"


def resolve(client, address: str, **params) -> tuple[int, dict]:
    response = client.get("/api/v1/resolve/address/", {"address": address, **params})
    return response.status_code, orjson.loads(response.content)


def by_address(client, address: str, **params) -> tuple[int, dict]:
    response = client.get(f"/api/v1/deployments/by-address/{address}/", params)
    return response.status_code, orjson.loads(response.content)


def recorded_now() -> datetime:
    """A recorded time strictly between the step before and the step after."""
    time.sleep(0.01)
    now = timezone.now()
    time.sleep(0.01)
    return now


@pytest.fixture
def chains(db):
    return {
        "ethereum": ChainFactory(chain_id="ethereum", name="Ethereum", network_id=1),
        "arbitrum": ChainFactory(chain_id="arbitrum", name="Arbitrum One", network_id=42161),
        "bsc": ChainFactory(chain_id="bsc", name="BNB Smart Chain", network_id=56),
        "solana": ChainFactory(
            chain_id="solana",
            name="Solana",
            chain_type=ChainType.SOLANA,
            network_id=None,
            caip2_reference=SOLANA,
        ),
    }


@pytest.fixture
def colliding(chains):
    """ADDRESS is TKN on Ethereum and Arbitrum, and OTHER on BSC."""
    token = AssetFactory(symbol="TKN", name="The Token")
    other = AssetFactory(symbol="OTHER", name="Another Token")
    for chain in ("ethereum", "arbitrum"):
        AssetDeploymentFactory(asset=token, chain=chains[chain], address=ADDRESS)
    AssetDeploymentFactory(asset=other, chain=chains["bsc"], address=ADDRESS, decimals=9)
    return token, other


@pytest.mark.django_db
def test_one_address_on_three_chains_for_two_assets_is_a_collision(viewer, colliding):
    token, other = colliding
    status, answer = resolve(viewer, ADDRESS)
    assert status == 200, answer
    assert answer["address"] == ADDRESS.lower()
    assert [(d["chain"], d["asset"]["symbol"], d["decimals"]) for d in answer["deployments"]] == [
        ("arbitrum", "TKN", 18),
        ("bsc", "OTHER", 9),
        ("ethereum", "TKN", 18),
    ]
    assert [d["caip19"] for d in answer["deployments"]] == [
        f"eip155:42161/erc20:{ADDRESS.lower()}",
        f"eip155:56/erc20:{ADDRESS.lower()}",
        f"eip155:1/erc20:{ADDRESS.lower()}",
    ]
    assert [d["caip2"] for d in answer["deployments"]] == ["eip155:42161", "eip155:56", "eip155:1"]
    assert [(a["asset_id"], a["chains"]) for a in answer["assets"]] == [
        (str(token.asset_id), ["arbitrum", "ethereum"]),
        (str(other.asset_id), ["bsc"]),
    ]
    assert answer["same_asset"] is False
    collision = answer["collision"]
    assert collision["count"] == 2
    assert "TKN (The Token" in collision["message"]
    assert "on arbitrum, ethereum" in collision["message"]
    assert "OTHER (Another Token" in collision["message"]
    assert "on bsc" in collision["message"]
    # The REST resource is the same lookup, the same answer.
    assert by_address(viewer, ADDRESS) == (200, answer)


@pytest.mark.django_db
def test_one_asset_on_two_chains_is_the_same_asset(viewer, chains):
    token = AssetFactory(symbol="TKN")
    for chain in ("ethereum", "arbitrum"):
        AssetDeploymentFactory(asset=token, chain=chains[chain], address=ADDRESS)
    status, answer = resolve(viewer, ADDRESS)
    assert status == 200
    assert [d["chain"] for d in answer["deployments"]] == ["arbitrum", "ethereum"]
    assert answer["same_asset"] is True
    assert answer["collision"] is None
    assert len(answer["assets"]) == 1


@pytest.mark.django_db
def test_an_evm_address_matches_in_any_letter_case(viewer, colliding):
    _, expected = resolve(viewer, ADDRESS)
    for spelling in (ADDRESS.lower(), "0x" + ADDRESS[2:].upper(), f"  {ADDRESS} "):
        assert resolve(viewer, spelling) == (200, expected)
        assert by_address(viewer, spelling.strip()) == (200, expected)


@pytest.mark.django_db
def test_a_solana_address_matches_only_exactly(viewer, chains):
    usdc = AssetFactory(symbol="USDC")
    AssetDeploymentFactory(asset=usdc, chain=chains["solana"], address=MINT, decimals=6)
    status, answer = resolve(viewer, MINT)
    assert status == 200
    assert [(d["chain"], d["caip19"]) for d in answer["deployments"]] == [
        ("solana", f"solana:{SOLANA}/token:{MINT}")
    ]
    assert answer["address"] == MINT
    status, missed = resolve(viewer, MINT.lower())
    assert status == 404
    assert missed["error"]["code"] == "not_found"
    assert by_address(viewer, MINT.upper())[0] == 404


@pytest.mark.django_db
def test_an_unknown_address_is_a_404_naming_it(viewer, chains):
    status, answer = resolve(viewer, "0x" + "ab" * 20)
    assert status == 404
    assert "0x" + "ab" * 20 in answer["error"]["message"]
    assert "on any chain" in answer["error"]["message"]


@pytest.mark.django_db
def test_a_batch_item_of_type_address(viewer, colliding):
    response = viewer.post(
        "/api/v1/resolve/batch/",
        {"lookups": [{"type": "address", "address": ADDRESS}, {"type": "address", "address": "x"}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    found, missed = orjson.loads(response.content)["results"]
    assert found["found"] is True
    assert found["result"] == resolve(viewer, ADDRESS)[1]
    assert missed["found"] is False and "No deployment at x" in missed["reason"]


def cached_answer(address: str) -> dict | None:
    value = cache.redis_state.client().get(address_key(address))
    return orjson.loads(value[1:]) if value and value[:1] == cache.FOUND else None


@pytest.mark.django_db
def test_a_write_to_one_of_the_deployments_invalidates_the_answer(
    viewer, colliding, django_capture_on_commit_callbacks
):
    cache.redis_state.reset()
    resolve(viewer, ADDRESS)
    assert cached_answer(ADDRESS) is not None  # cached: the write must remove it
    bsc = AssetDeployment.objects.at_address(ADDRESS, "bsc").get()
    with django_capture_on_commit_callbacks(execute=True), acting_as("user:test", source="test"):
        deployment_update(deployment=bsc, changes={"decimals": 12})
    assert cached_answer(ADDRESS) is None
    _, answer = resolve(viewer, ADDRESS)
    assert [d["decimals"] for d in answer["deployments"]] == [18, 12, 18]


@pytest.mark.django_db
def test_a_new_deployment_at_the_address_on_another_chain_invalidates_the_answer(
    viewer, chains, django_capture_on_commit_callbacks
):
    cache.redis_state.reset()
    token = AssetFactory(symbol="TKN")
    AssetDeploymentFactory(asset=token, chain=chains["ethereum"], address=ADDRESS)
    assert resolve(viewer, ADDRESS)[1]["same_asset"] is True
    assert cached_answer(ADDRESS) is not None
    polygon = ChainFactory(chain_id="polygon", name="Polygon", network_id=137)
    with django_capture_on_commit_callbacks(execute=True), acting_as("user:test", source="test"):
        deployment_create(
            asset=AssetFactory(symbol="POL"), chain=polygon, address=ADDRESS.lower(), decimals=18
        )
    _, answer = resolve(viewer, ADDRESS)
    assert [d["chain"] for d in answer["deployments"]] == ["ethereum", "polygon"]
    assert answer["collision"]["count"] == 2


@pytest.mark.django_db
def test_a_cached_miss_is_deleted_by_the_deployment_that_makes_it_a_hit(
    viewer, chains, django_capture_on_commit_callbacks
):
    cache.redis_state.reset()
    assert resolve(viewer, ADDRESS)[0] == 404
    assert cache.redis_state.client().get(address_key(ADDRESS))[:1] == cache.MISSING
    with django_capture_on_commit_callbacks(execute=True), acting_as("user:test", source="test"):
        deployment_create(
            asset=AssetFactory(symbol="TKN"), chain=chains["bsc"], address=ADDRESS, decimals=18
        )
    status, answer = resolve(viewer, ADDRESS)
    assert status == 200
    assert [d["chain"] for d in answer["deployments"]] == ["bsc"]


@pytest.mark.django_db(transaction=True)
def test_known_at_before_the_bsc_deployment_shows_no_collision(viewer, chains):
    """As the registry held it before the BSC deployment was recorded: one asset. (A
    deployment is a fact true from when recorded and taken to have held before, as
    resolve/deployment/ answers: ``as_of`` alone, asked now, shows it.)"""
    with acting_as("user:steward", source="test"):
        token = AssetFactory(symbol="TKN")
        other = AssetFactory(symbol="OTHER")
        for chain in ("ethereum", "arbitrum"):
            deployment_create(asset=token, chain=chains[chain], address=ADDRESS, decimals=18)
        before_bsc = recorded_now()
        deployment_create(asset=other, chain=chains["bsc"], address=ADDRESS, decimals=18)
    known_at = before_bsc.isoformat().replace("+00:00", "Z")
    status, then = resolve(viewer, ADDRESS, known_at=known_at)
    assert status == 200, then
    assert [d["chain"] for d in then["deployments"]] == ["arbitrum", "ethereum"]
    assert then["same_asset"] is True and then["collision"] is None
    assert by_address(viewer, ADDRESS, known_at=known_at) == (200, then)
    assert resolve(viewer, ADDRESS, as_of=known_at, known_at=known_at) == (200, then)
    assert resolve(viewer, ADDRESS, as_of=known_at)[1]["collision"]["count"] == 2
    now = resolve(viewer, ADDRESS)[1]
    assert now["collision"]["count"] == 2
    # Before anything was deployed there: not found, saying when.
    status, missed = resolve(viewer, ADDRESS, known_at="2020-01-01")
    assert status == 404 and "2020-01-01" in missed["error"]["message"]


@pytest.mark.django_db
def test_a_malformed_moment_is_a_400_naming_it(viewer, colliding):
    for get in (resolve, by_address):
        status, answer = get(viewer, ADDRESS, as_of="yesterday")
        assert status == 400, answer
        assert "as_of" in answer["error"]["fields"]


@pytest.mark.django_db
def test_a_cosmos_denomination_with_slashes_is_found_by_the_rest_path(viewer, chains):
    osmosis = ChainFactory(
        chain_id="osmosis",
        chain_type=ChainType.COSMOS,
        network_id=None,
        caip2_reference="osmosis-1",
    )
    denom = "ibc/27394FB092D2ECCD56123C74F36E4C1F926001CEADA9CA97EA622B25F41E5EB2"
    AssetDeploymentFactory(asset=AssetFactory(symbol="ATOM"), chain=osmosis, address=denom)
    status, answer = by_address(viewer, denom)
    assert status == 200, answer
    assert [d["caip19"] for d in answer["deployments"]] == [f"cosmos:osmosis-1/ibc:{denom[4:]}"]
    assert resolve(viewer, denom) == (200, answer)
