"""Chain identifiers derived from stored fields."""

import pytest

from tests.factories import AssetDeploymentFactory, ChainFactory

pytestmark = pytest.mark.django_db


def test_evm_chain_caip2_comes_from_its_network_id():
    assert ChainFactory(network_id=42161).caip2 == "eip155:42161"


def test_solana_chain_caip2_comes_from_its_genesis_reference():
    chain = ChainFactory(
        chain_type="SOLANA", network_id=None, caip2_reference="5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"
    )
    assert chain.caip2 == "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"


def test_chain_without_a_reference_has_no_caip2():
    assert ChainFactory(chain_type="OTHER", network_id=None).caip2 is None


def test_deployment_caip19_names_the_token_on_its_chain():
    deployment = AssetDeploymentFactory(
        chain=ChainFactory(network_id=1), address="0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
    )
    assert deployment.caip19 == "eip155:1/erc20:0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"


def test_nft_deployment_caip19_uses_its_token_standard():
    deployment = AssetDeploymentFactory(
        chain=ChainFactory(network_id=1), asset__asset_type="ERC721", address="0x" + "ab" * 20
    )
    assert deployment.caip19.startswith("eip155:1/erc721:0xabab")


def test_native_deployment_caip19_uses_slip44():
    chain = ChainFactory(network_id=1, metadata={"slip44": 60})
    assert (
        AssetDeploymentFactory(chain=chain, address="", is_native=True).caip19
        == "eip155:1/slip44:60"
    )
