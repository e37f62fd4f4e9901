"""CAIP-2 chain ids and CAIP-19 asset ids: the ids the registry writes are read back to
the chain or deployment they were written for (resolve/deployment/, the batch, the REST
filters), and a malformed id is a 400 naming its field."""

import orjson
import pytest

from chains import caip
from registry.cache import NotFound
from tests.factories import AssetDeploymentFactory, AssetFactory, ChainFactory

USDC_ETHEREUM = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
USDC_SOLANA = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
SOLANA_MAINNET = "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"
IBC_ATOM = "ibc/27394FB092D2ECCD56123C74F36E4C1F926001CEADA9CA97EA622B25F41E5EB2"
FACTORY_DENOM = "factory/osmo1z0qrq605sjgcqpylfl4aa6s90x738j7m58wyatt0tdzflg2ha26q67k743/wbtc"


def get(client, path: str, **params) -> tuple[int, dict]:
    response = client.get(path, params)
    return response.status_code, orjson.loads(response.content)


def resolve(client, **params) -> tuple[int, dict]:
    return get(client, "/api/v1/resolve/deployment/", **params)


@pytest.fixture
def chains(db):
    return {
        "ethereum": ChainFactory(
            chain_id="ethereum", name="Ethereum", network_id=1, metadata={"slip44": 60}
        ),
        "solana": ChainFactory(
            chain_id="solana",
            name="Solana",
            chain_type="SOLANA",
            network_id=None,
            caip2_reference=SOLANA_MAINNET,
        ),
        "osmosis": ChainFactory(
            chain_id="osmosis",
            name="Osmosis",
            chain_type="COSMOS",
            network_id=None,
            caip2_reference="osmosis-1",
            metadata={"slip44": 118},
        ),
    }


@pytest.fixture
def deployments(chains):
    usdc = AssetFactory(symbol="USDC", name="USD Coin")
    eth = AssetFactory(symbol="ETH", name="Ether", asset_type="NATIVE")
    atom, wbtc = AssetFactory(symbol="ATOM"), AssetFactory(symbol="WBTC")
    return {
        "evm": AssetDeploymentFactory(
            asset=usdc, chain=chains["ethereum"], address=USDC_ETHEREUM, decimals=6
        ),
        "solana": AssetDeploymentFactory(
            asset=usdc, chain=chains["solana"], address=USDC_SOLANA, decimals=6
        ),
        "native": AssetDeploymentFactory(
            asset=eth, chain=chains["ethereum"], address="", is_native=True
        ),
        "ibc": AssetDeploymentFactory(asset=atom, chain=chains["osmosis"], address=IBC_ATOM),
        "factory": AssetDeploymentFactory(
            asset=wbtc, chain=chains["osmosis"], address=FACTORY_DENOM
        ),
    }


# --- the grammar -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "eip155:1",
        f"solana:{SOLANA_MAINNET}",
        "bip122:000000000019d6689c085ae165831e93",
        "cosmos:cosmoshub-4",
    ],
)
def test_a_caip2_id_parses_and_prints_as_itself(value):
    assert str(caip.parse_caip2(value)) == value


@pytest.mark.parametrize(
    "value",
    [
        f"eip155:1/erc20:{USDC_ETHEREUM.lower()}",
        "eip155:1/slip44:60",
        f"solana:{SOLANA_MAINNET}/token:{USDC_SOLANA}",
        "bip122:000000000019d6689c085ae165831e93/slip44:0",
        "cosmos:cosmoshub-4/slip44:118",
        "cosmos:osmosis-1/ibc:27394FB092D2ECCD56123C74F36E4C1F926001CEADA9CA97EA622B25F41E5EB2",
        "eip155:1/erc721:0x06012c8cf97bead5deae237070f9587f8e7a266d/771769",
    ],
)
def test_a_caip19_id_parses_and_prints_as_itself(value):
    assert str(caip.parse_caip19(value)) == value


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("eip155", "not a CAIP-2 chain id"),
        ("eip155:", "not a CAIP-2 chain id"),
        ("EIP155:1", "not a CAIP-2 chain id"),
        ("eip155:01", "an eip155 reference is an EIP-155 chain id"),
        ("eip155:mainnet", "an eip155 reference is an EIP-155 chain id"),
        ("ab:1", "not a CAIP-2 chain id"),
        ("solana:" + "x" * 33, "not a CAIP-2 chain id"),
    ],
)
def test_a_malformed_caip2_id_is_refused_naming_the_field(value, reason):
    with pytest.raises(ValueError, match=rf"^chain: .*{reason}"):
        caip.parse_caip2(value)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("eip155:1", "not a CAIP-19 asset id"),
        ("eip155:1/erc20", "not a CAIP-19 asset part"),
        ("eip155:1/erc20:0x/12/13", "not a CAIP-19 asset part"),
        ("eip155:1/ERC20:0xabc", "not a CAIP-19 asset part"),
        ("eip155:x/erc20:0xabc", "an eip155 reference"),
    ],
)
def test_a_malformed_caip19_id_is_refused_naming_the_field(value, reason):
    with pytest.raises(ValueError, match=rf"^caip19: .*{reason}"):
        caip.parse_caip19(value)


# --- round trips: the id a deployment shows looks it up ------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("which", ["evm", "solana", "native", "ibc", "factory"])
def test_a_deployments_caip19_looks_it_up_and_answers_it_again(viewer, deployments, which):
    deployment = deployments[which]
    caip19 = deployment.caip19
    assert caip19 is not None
    status, answer = resolve(viewer, caip19=caip19)
    assert status == 200, answer
    assert answer["deployment"]["deployment_id"] == str(deployment.deployment_id)
    assert answer["deployment"]["caip19"] == caip19
    # The answer's id looks up the same deployment again, and the REST list filter finds it.
    assert resolve(viewer, caip19=answer["deployment"]["caip19"]) == (200, answer)
    status, page = get(viewer, "/api/v1/deployments/", caip19=caip19)
    assert status == 200, page
    assert [d["deployment_id"] for d in page["results"]] == [str(deployment.deployment_id)]
    assert page["results"][0]["caip19"] == caip19


@pytest.mark.django_db
def test_the_ids_are_the_ones_the_namespaces_define(deployments):
    assert deployments["evm"].caip19 == f"eip155:1/erc20:{USDC_ETHEREUM.lower()}"
    assert deployments["solana"].caip19 == f"solana:{SOLANA_MAINNET}/token:{USDC_SOLANA}"
    assert deployments["native"].caip19 == "eip155:1/slip44:60"
    assert deployments["ibc"].caip19 == f"cosmos:osmosis-1/ibc:{IBC_ATOM[4:]}"
    assert deployments["factory"].caip19 == (
        "cosmos:osmosis-1/native:" + FACTORY_DENOM.replace("/", "%2F")
    )


@pytest.mark.django_db
def test_an_evm_caip19_is_read_in_any_letter_case(viewer, deployments):
    upper = f"eip155:1/erc20:0x{USDC_ETHEREUM[2:].upper()}"
    status, answer = resolve(viewer, caip19=upper)
    assert status == 200, answer
    assert answer["deployment"]["caip19"] == deployments["evm"].caip19


@pytest.mark.django_db
def test_a_chain_given_by_caip2_is_the_chain_given_by_slug(viewer, deployments):
    by_slug = resolve(viewer, chain="ethereum", address=USDC_ETHEREUM)
    assert resolve(viewer, chain="eip155:1", address=USDC_ETHEREUM.lower()) == by_slug
    by_slug = resolve(viewer, chain="solana", address=USDC_SOLANA)
    assert resolve(viewer, chain=f"solana:{SOLANA_MAINNET}", address=USDC_SOLANA) == by_slug


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field", "reason"),
    [
        ({"caip19": "eip155:1"}, "caip19", "not a CAIP-19 asset id"),
        ({"caip19": "eip155:1/erc20:0x1234"}, "caip19", "Not an EVM address"),
        ({"caip19": f"solana:{SOLANA_MAINNET}/erc20:{USDC_SOLANA}"}, "caip19", "not an asset"),
        ({"caip19": "eip155:1/erc721:0x06012c8cf97bead5deae237070f9587f8e7a266d/7"}, "caip19", ""),
        ({"caip19": "eip155:1/slip44:sixty"}, "caip19", "coin type"),
        ({"caip19": "eip155:1/slip44:60", "chain": "ethereum"}, "caip19", "not both"),
        ({"chain": "eip155:one", "address": USDC_ETHEREUM}, "chain", "EIP-155 chain id"),
        ({"chain": "eip155:1:2", "address": USDC_ETHEREUM}, "chain", "not a CAIP-2 chain id"),
    ],
)
def test_a_malformed_id_is_a_400_naming_the_field(viewer, deployments, params, field, reason):
    status, answer = resolve(viewer, **params)
    assert status == 400, answer
    assert list(answer["error"]["fields"]) == [field]
    assert reason in answer["error"]["fields"][field][0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"caip19": f"eip155:999/erc20:{USDC_ETHEREUM}"},
        {"caip19": "polkadot:91b171bb158e2d3848fa23a9f1c25182/slip44:354"},
        {"caip19": "eip155:1/slip44:1"},  # not Ethereum's coin type
        {"chain": "eip155:999", "address": USDC_ETHEREUM},
    ],
)
def test_an_id_of_no_registered_chain_is_a_404(viewer, deployments, params):
    status, answer = resolve(viewer, **params)
    assert status == 404, answer
    assert answer["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_a_batch_item_by_caip19(viewer, deployments):
    response = viewer.post(
        "/api/v1/resolve/batch/",
        {
            "lookups": [
                {"type": "deployment", "caip19": deployments["solana"].caip19},
                {"type": "deployment", "chain": "eip155:1", "address": USDC_ETHEREUM},
                {"type": "deployment", "caip19": "eip155:1/erc20"},
                {"type": "deployment", "caip19": f"eip155:999/erc20:{USDC_ETHEREUM}"},
            ]
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    solana, evm, malformed, unknown = orjson.loads(response.content)["results"]
    assert solana["result"]["deployment"]["deployment_id"] == str(
        deployments["solana"].deployment_id
    )
    assert evm["result"]["deployment"]["deployment_id"] == str(deployments["evm"].deployment_id)
    assert malformed["found"] is False and malformed["reason"].startswith("caip19: ")
    assert unknown["found"] is False and "eip155:999" in unknown["reason"]


@pytest.mark.django_db
def test_chains_are_filtered_by_caip2(viewer, chains):
    status, page = get(viewer, "/api/v1/chains/", caip2=f"solana:{SOLANA_MAINNET}")
    assert status == 200, page
    assert [c["chain_id"] for c in page["results"]] == ["solana"]
    assert [
        c["chain_id"] for c in get(viewer, "/api/v1/chains/", caip2="eip155:1")[1]["results"]
    ] == ["ethereum"]
    assert get(viewer, "/api/v1/chains/", caip2="eip155:999")[1]["results"] == []
    status, answer = get(viewer, "/api/v1/chains/", caip2="eip155:x")
    assert status == 400
    assert list(answer["error"]["fields"]) == ["caip2"]


@pytest.mark.django_db
def test_a_malformed_caip19_filter_is_a_400(viewer, deployments):
    status, answer = get(viewer, "/api/v1/deployments/", caip19="nope")
    assert status == 400
    assert list(answer["error"]["fields"]) == ["caip19"]
    assert get(viewer, "/api/v1/deployments/", caip19="eip155:7/slip44:60")[1]["results"] == []


def test_not_found_is_a_value_error_a_batch_answers_as_any_other():
    assert issubclass(NotFound, ValueError)
