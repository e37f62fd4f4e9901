"""/api/v1/chains/: register, read, change and list chains over HTTP."""

import pytest

from chains.choices import ChainType
from chains.models import Chain
from tests.api.conftest import assert_error, token_client
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


def test_get_unknown_chain_is_404(viewer):
    """A chain id that does not exist answers 404 in the error shape."""
    assert_error(viewer.get(detail("no-such-chain")), 404, "not_found")


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


def test_list_chains_paginates_with_a_stable_total(viewer):
    """Pages of the chain list cover every chain once, each page reporting the same total."""
    ChainFactory.create_batch(5)
    seen, token, totals = [], None, set()
    while True:
        params = {"page_size": 2, **({"page_token": token} if token else {})}
        body = viewer.get(URL, params).json()
        seen += [row["chain_id"] for row in body["results"]]
        totals.add(body["total_count"])
        token = body["next_page_token"]
        if token is None:
            break

    assert sorted(seen) == sorted(Chain.objects.values_list("chain_id", flat=True))
    assert len(seen) == len(set(seen)) == 5
    assert totals == {5}


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


def test_viewer_cannot_create_a_chain(viewer):
    """A read-only account gets 403 on create, and nothing is written."""
    response = viewer.post(
        URL, {"chain_id": "denied", "name": "Denied", "chain_type": "OTHER"}, format="json"
    )

    assert_error(response, 403, "permission_denied")
    assert not Chain.objects.filter(chain_id="denied").exists()


def test_viewer_cannot_update_a_chain(viewer):
    """A read-only account gets 403 on update, and the chain is unchanged."""
    chain = ChainFactory(chain_id="readonly", name="Same")

    response = viewer.patch(detail(chain.chain_id), {"name": "Changed"}, format="json")

    assert_error(response, 403, "permission_denied")
    chain.refresh_from_db()
    assert chain.name == "Same"


def test_auditor_cannot_create_a_chain(auditor):
    """Flag permissions do not include reference data: an auditor creating a chain gets 403."""
    response = auditor.post(
        URL, {"chain_id": "by-auditor", "name": "X", "chain_type": "OTHER"}, format="json"
    )

    assert_error(response, 403)
    assert not Chain.objects.filter(chain_id="by-auditor").exists()


def test_stale_if_match_on_chain_update_is_412(steward):
    """An If-Match naming an old version is a 412, and the chain is not changed."""
    chain = ChainFactory(chain_id="versioned", name="V1")
    Chain.objects.filter(pk=chain.pk).update(name="V2")  # someone else wrote: version 2

    response = steward.patch(
        detail(chain.chain_id), {"name": "Mine"}, format="json", HTTP_IF_MATCH='"1"'
    )

    assert_error(response, 412, "stale_version", "If-Match")
    chain.refresh_from_db()
    assert chain.name == "V2"


def test_current_if_match_on_chain_update_succeeds(steward):
    """An If-Match naming the current version lets the write through."""
    chain = ChainFactory(chain_id="current-version", name="V1")

    response = steward.patch(
        detail(chain.chain_id),
        {"name": "V2"},
        format="json",
        HTTP_IF_MATCH=f'"{chain.version}"',
    )

    assert response.status_code == 200, response.content
    assert response["ETag"] == f'"{chain.version + 1}"'


def test_get_with_matching_if_none_match_is_304(viewer):
    """A GET whose If-None-Match is the current ETag answers 304 Not Modified."""
    chain = ChainFactory()
    etag = viewer.get(detail(chain.chain_id))["ETag"]

    response = viewer.get(detail(chain.chain_id), HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response["ETag"] == etag


def test_patch_with_unchanged_chain_id_is_allowed(steward):
    """Sending the chain's own chain_id on update is not a change and is accepted."""
    chain = ChainFactory(chain_id="same-id")

    response = steward.patch(
        detail(chain.chain_id), {"chain_id": "same-id", "name": "Renamed"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Renamed"


@pytest.mark.parametrize("ordering", ["name", "-name", "created_at", "-updated_at"])
def test_pagination_is_stable_under_each_ordering_with_ties(viewer, ordering):
    """Paging one row at a time under any ordering, ties included, serves every chain once."""
    for n in range(4):
        ChainFactory(chain_id=f"tie-{n}", name="Same name" if n < 3 else "Other")
    seen, token = [], None
    for _ in range(10):
        params = {"page_size": 1, "ordering": ordering, **({"page_token": token} if token else {})}
        body = viewer.get(URL, params).json()
        assert body["total_count"] == 4
        seen += [row["chain_id"] for row in body["results"]]
        token = body["next_page_token"]
        if token is None:
            break

    assert sorted(seen) == ["tie-0", "tie-1", "tie-2", "tie-3"]


def test_account_without_roles_cannot_read_chains(db):
    """A valid token whose account holds no role is authenticated but gets 403 on reads."""
    client = token_client("nobody")
    ChainFactory()

    assert_error(client.get(URL), 403, "permission_denied")
