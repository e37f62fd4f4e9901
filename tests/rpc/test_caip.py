"""CAIP ids over gRPC: GetAssetDeployment by a CAIP-19 id, GetChain by a CAIP-2 id (the
REST side is tests/chains/test_caip.py). Here beside the server the RPC tests share."""

import grpc
import pytest

from tests.factories import AssetDeploymentFactory, AssetFactory, ChainFactory
from tests.rpc.conftest import error_details, rpc_error

pytestmark = pytest.mark.django_db(transaction=True)

USDC_ETHEREUM = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
USDC_SOLANA = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
SOLANA_MAINNET = "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"


@pytest.fixture
def deployments(transactional_db):
    ethereum = ChainFactory(chain_id="ethereum", name="Ethereum", network_id=1)
    solana = ChainFactory(
        chain_id="solana",
        name="Solana",
        chain_type="SOLANA",
        network_id=None,
        caip2_reference=SOLANA_MAINNET,
    )
    usdc = AssetFactory(symbol="USDC")
    return {
        "evm": AssetDeploymentFactory(asset=usdc, chain=ethereum, address=USDC_ETHEREUM),
        "solana": AssetDeploymentFactory(asset=usdc, chain=solana, address=USDC_SOLANA),
    }


def get_deployment(stub, client_modules, metadata, deployment_id: str):
    return stub.GetAssetDeployment(
        client_modules.service.GetAssetDeploymentRequest(deployment_id=deployment_id),
        metadata=metadata,
    ).deployment


@pytest.mark.parametrize("which", ["evm", "solana"])
def test_a_deployment_by_caip19_is_the_deployment_by_id(
    stub, client_modules, viewer_md, deployments, which
):
    deployment = deployments[which]
    by_id = get_deployment(stub, client_modules, viewer_md, str(deployment.deployment_id))
    for _ in range(2):  # loaded, then from the cache
        by_caip19 = get_deployment(stub, client_modules, viewer_md, deployment.caip19)
        assert by_caip19 == by_id


@pytest.mark.parametrize(
    ("deployment_id", "code"),
    [
        ("eip155:1/erc20:0x1234", grpc.StatusCode.INVALID_ARGUMENT),
        (f"eip155:1/token:{USDC_SOLANA}", grpc.StatusCode.INVALID_ARGUMENT),
        (f"eip155:999/erc20:{USDC_ETHEREUM}", grpc.StatusCode.NOT_FOUND),
        (f"eip155:1/erc20:{'0x' + '00' * 20}", grpc.StatusCode.NOT_FOUND),
    ],
)
def test_a_bad_or_unknown_caip19_id(
    stub, client_modules, viewer_md, deployments, deployment_id, code
):
    error = rpc_error(
        stub.GetAssetDeployment,
        client_modules.service.GetAssetDeploymentRequest(deployment_id=deployment_id),
        metadata=viewer_md,
    )
    assert error.code() == code, error.details()
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        assert list(error_details(error)["fields"]) == ["deployment_id"]


def test_get_chain_by_caip2(stub, client_modules, viewer_md, deployments):
    for caip2, chain_id in (("eip155:1", "ethereum"), (f"solana:{SOLANA_MAINNET}", "solana")):
        answer = stub.GetChain(
            client_modules.service.GetChainRequest(chain_id=caip2), metadata=viewer_md
        )
        assert answer.chain.chain_id == chain_id
    error = rpc_error(
        stub.GetChain,
        client_modules.service.GetChainRequest(chain_id="eip155:999"),
        metadata=viewer_md,
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND
    error = rpc_error(
        stub.GetChain,
        client_modules.service.GetChainRequest(chain_id="eip155:x"),
        metadata=viewer_md,
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert list(error_details(error)["fields"]) == ["chain_id"]
