"""/api/v1/chains/: register, read, change and list chains over HTTP.

What every entity endpoint keeps (ETag and If-Match, roles, pagination and ordering,
the error shape) is tested once for all in tests/api/test_contract.py."""

import pytest

from chains.choices import ChainType
from chains.models import Chain
from tests.api.conftest import assert_error
from tests.factories import ChainFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/chains/"


def detail(chain_id: str) -> str:
    return f"{URL}{chain_id}/"


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["chain_id"] for row in response.json()["results"]]


def test_steward_creates_an_evm_chain_and_gets_its_caip2_id(steward):
    """A created chain is stored, answered with 201, its ETag and its derived CAIP-2 id."""
    response = steward.post(
        URL,
        {"chain_id": "zksync", "name": "zkSync Era", "chain_type": "EVM", "network_id": 324},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["chain_id"] == "zksync"
    assert body["caip2"] == "eip155:324"
    assert body["version"] == 1
    assert response["ETag"] == '"1"'
    assert Chain.objects.get(chain_id="zksync").network_id == 324


def test_non_evm_chain_derives_caip2_from_its_reference(steward):
    """A Solana chain's CAIP-2 id is its namespace and the stored genesis reference."""
    response = steward.post(
        URL,
        {
            "chain_id": "solana-devnet",
            "name": "Solana Devnet",
            "chain_type": "SOLANA",
            "caip2_reference": "EtWTRABZaYq6iMfeYKouRu166VU2xqa1",
            "is_testnet": True,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["caip2"] == "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1"
    assert response.json()["network_id"] is None


def test_get_chain_returns_fields_caip2_and_etag(viewer):
    """GET of one chain answers its fields, its CAIP-2 id and an ETag from its version."""
    chain = ChainFactory(chain_id="gnosis", name="Gnosis", network_id=100)

    response = viewer.get(detail(chain.chain_id))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["chain_id"] == "gnosis"
    assert body["name"] == "Gnosis"
    assert body["chain_type"] == "EVM"
    assert body["network_id"] == 100
    assert body["caip2"] == "eip155:100"
    assert response["ETag"] == f'"{chain.version}"'


def test_list_chains_includes_caip2_and_pagination_fields(viewer, demo):
    """The list answers results with CAIP-2 ids, next_page_token and total_count."""
    response = viewer.get(URL)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total_count"] == Chain.objects.count()
    assert body["next_page_token"] is None
    by_id = {row["chain_id"]: row for row in body["results"]}
    assert by_id["ethereum"]["caip2"] == "eip155:1"
    assert by_id["bitcoin"]["caip2"] == "bip122:000000000019d6689c085ae165831e93"
    assert by_id["solana"]["caip2"] == "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"


def test_list_chains_filters_by_chain_type(viewer):
    """chain_type keeps only chains of that type, and accepts several values."""
    evm = ChainFactory(chain_id="evm-one")
    solana = ChainFactory(chain_id="sol-one", chain_type=ChainType.SOLANA, network_id=None)
    bitcoin = ChainFactory(chain_id="btc-one", chain_type=ChainType.BITCOIN, network_id=None)

    assert ids(viewer.get(URL, {"chain_type": "SOLANA"})) == [solana.chain_id]
    assert sorted(ids(viewer.get(URL, {"chain_type": ["EVM", "BITCOIN"]}))) == sorted(
        [evm.chain_id, bitcoin.chain_id]
    )


def test_list_chains_filters_by_is_testnet(viewer):
    """is_testnet=true keeps testnets only; false keeps mainnets only."""
    mainnet = ChainFactory(chain_id="main-net")
    testnet = ChainFactory(chain_id="test-net", is_testnet=True)

    assert ids(viewer.get(URL, {"is_testnet": "true"})) == [testnet.chain_id]
    assert ids(viewer.get(URL, {"is_testnet": "false"})) == [mainnet.chain_id]


def test_list_chains_filters_by_network_id(viewer):
    """network_id finds the one chain with that EIP-155 id."""
    ChainFactory(chain_id="first", network_id=111)
    ChainFactory(chain_id="second", network_id=222)

    assert ids(viewer.get(URL, {"network_id": 222})) == ["second"]
    assert ids(viewer.get(URL, {"network_id": 333})) == []


def test_list_chains_rejects_an_unknown_chain_type(viewer):
    """A chain_type filter that is not a chain type is a 400 naming the parameter."""
    assert_error(viewer.get(URL, {"chain_type": "NOPE"}), 400, "invalid", "chain_type")


def test_patch_changes_a_chain_and_bumps_its_version(steward):
    """PATCH changes the given fields, is stored, and answers the new version as ETag."""
    chain = ChainFactory(chain_id="patchme", name="Old name")

    response = steward.patch(
        detail(chain.chain_id),
        {"name": "New name", "explorer_url": "https://explorer.example.org"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["name"] == "New name"
    chain.refresh_from_db()
    assert chain.name == "New name"
    assert chain.explorer_url == "https://explorer.example.org"
    assert response["ETag"] == f'"{chain.version}"'
    assert chain.version == 2


def test_put_replaces_a_chain(steward):
    """PUT with every required field replaces the chain's fields."""
    chain = ChainFactory(chain_id="putme", name="Before", network_id=5555)

    response = steward.put(
        detail(chain.chain_id),
        {
            "chain_id": "putme",
            "name": "After",
            "chain_type": "EVM",
            "network_id": 5556,
            "is_testnet": True,
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    chain.refresh_from_db()
    assert (chain.name, chain.network_id, chain.is_testnet) == ("After", 5556, True)
    assert response.json()["caip2"] == "eip155:5556"


def test_put_without_required_fields_is_400(steward):
    """PUT is a full update: a missing required field is a 400 and nothing changes."""
    chain = ChainFactory(chain_id="putpart", name="Kept")

    response = steward.put(detail(chain.chain_id), {"name": "Changed"}, format="json")

    assert_error(response, 400, "invalid", "chain_type")
    chain.refresh_from_db()
    assert chain.name == "Kept"


def test_chain_id_cannot_be_changed_after_creation(steward):
    """Changing chain_id on update is a 400 on that field; the chain keeps its id."""
    chain = ChainFactory(chain_id="fixed-id")

    response = steward.patch(detail(chain.chain_id), {"chain_id": "other-id"}, format="json")

    assert_error(response, 400, "invalid", "chain_id")
    assert Chain.objects.filter(chain_id="fixed-id").exists()
    assert not Chain.objects.filter(chain_id="other-id").exists()


def test_duplicate_chain_id_is_409(steward):
    """Registering a chain id that exists is a conflict, and the existing chain is untouched."""
    ChainFactory(chain_id="taken", name="Original", network_id=7001)

    response = steward.post(
        URL,
        {"chain_id": "taken", "name": "Impostor", "chain_type": "EVM", "network_id": 7002},
        format="json",
    )

    assert_error(response, 409)
    assert Chain.objects.get(chain_id="taken").name == "Original"
    assert not Chain.objects.filter(network_id=7002).exists()


def test_duplicate_network_id_is_409(steward):
    """A second chain with an EIP-155 id already in use is a conflict and is not stored."""
    ChainFactory(chain_id="holder", network_id=8001)

    response = steward.post(
        URL,
        {"chain_id": "copycat", "name": "Copycat", "chain_type": "EVM", "network_id": 8001},
        format="json",
    )

    assert_error(response, 409)
    assert not Chain.objects.filter(chain_id="copycat").exists()


def test_changing_network_id_to_one_in_use_is_409(steward):
    """An update that takes another chain's network_id is a conflict; nothing changes."""
    ChainFactory(chain_id="owner", network_id=9001)
    other = ChainFactory(chain_id="mover", network_id=9002)

    response = steward.patch(detail(other.chain_id), {"network_id": 9001}, format="json")

    assert_error(response, 409)
    other.refresh_from_db()
    assert other.network_id == 9002


def test_evm_chain_without_network_id_is_400(steward):
    """An EVM chain needs its EIP-155 network id: without one it is a 400, not stored."""
    response = steward.post(
        URL, {"chain_id": "no-netid", "name": "No id", "chain_type": "EVM"}, format="json"
    )

    assert_error(response, 400, "invalid")
    assert not Chain.objects.filter(chain_id="no-netid").exists()


@pytest.mark.parametrize("network_id", [0, -7])
def test_a_network_id_that_is_not_positive_is_400_naming_it(steward, network_id):
    """eip155:0 and eip155:-7 name no chain."""
    response = steward.post(
        URL,
        {"chain_id": "odd-id", "name": "Odd", "chain_type": "EVM", "network_id": network_id},
        format="json",
    )

    assert_error(response, 400, "invalid")
    assert "network_id" in response.json()["error"]["fields"]
    assert not Chain.objects.filter(chain_id="odd-id").exists()


def test_removing_network_id_of_an_evm_chain_is_400(steward):
    """Clearing network_id of an existing EVM chain is refused with a 400."""
    chain = ChainFactory(chain_id="keepid", network_id=9101)

    response = steward.patch(detail(chain.chain_id), {"network_id": None}, format="json")

    assert_error(response, 400, "invalid")
    chain.refresh_from_db()
    assert chain.network_id == 9101


def test_invalid_chain_id_slug_is_400(steward):
    """A chain id that is not a slug is a 400 on chain_id."""
    response = steward.post(
        URL,
        {"chain_id": "Not A Slug!", "name": "Bad", "chain_type": "OTHER"},
        format="json",
    )

    assert_error(response, 400, "invalid", "chain_id")
    assert not Chain.objects.exists()


def test_patch_with_unchanged_chain_id_is_allowed(steward):
    """Sending the chain's own chain_id on update is not a change and is accepted."""
    chain = ChainFactory(chain_id="same-id")

    response = steward.patch(
        detail(chain.chain_id), {"chain_id": "same-id", "name": "Renamed"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Renamed"
