"""The chains methods over gRPC, against the real server."""

import grpc
import pytest

from tests.factories import ChainFactory
from tests.rpc.conftest import error_details, rpc_error

pytestmark = pytest.mark.django_db(transaction=True)


def test_get_chain_answers_the_contracts_chain(stub, client_modules, viewer_md):
    ChainFactory(chain_id="ethereum", name="Ethereum", network_id=1)
    answer, call = stub.GetChain.with_call(
        client_modules.service.GetChainRequest(chain_id="ethereum"), metadata=viewer_md
    )
    assert (answer.chain.chain_id, answer.chain.chain_name, answer.chain.network_id) == (
        "ethereum",
        "Ethereum",
        1,
    )
    trailers = dict(call.trailing_metadata())
    assert trailers["etag"] == '"1"'
    assert trailers["x-request-id"]


def test_an_unknown_chain_is_not_found(stub, client_modules, viewer_md):
    error = rpc_error(
        stub.GetChain, client_modules.service.GetChainRequest(chain_id="nope"), metadata=viewer_md
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error_details(error)["reason"] == "not_found"


def test_a_missing_chain_id_is_invalid_naming_the_field(stub, client_modules, viewer_md):
    error = rpc_error(stub.GetChain, client_modules.service.GetChainRequest(), metadata=viewer_md)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "chain_id" in error_details(error)["fields"]


def test_without_a_token_a_call_is_unauthenticated(stub, client_modules, transactional_db):
    error = rpc_error(stub.ListChains, client_modules.service.ListChainsRequest())
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    error = rpc_error(
        stub.ListChains,
        client_modules.service.ListChainsRequest(),
        metadata=(("authorization", "Bearer not-a-token"),),
    )
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


def test_list_chains_filters_by_type_as_rest_does(stub, client_modules, viewer_md):
    ChainFactory(chain_id="ethereum", chain_type="EVM")
    ChainFactory(chain_id="solana", chain_type="SOLANA", network_id=None)
    answer = stub.ListChains(
        client_modules.service.ListChainsRequest(chain_type="solana"), metadata=viewer_md
    )
    assert [chain.chain_id for chain in answer.chains] == ["solana"]
    error = rpc_error(
        stub.ListChains,
        client_modules.service.ListChainsRequest(chain_type="martian"),
        metadata=viewer_md,
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "chain_type" in error_details(error)["fields"]


def test_a_list_of_chains_beyond_the_limit_is_refused_not_cut(stub, client_modules, viewer_md):
    """ListChains has no page token: past fields.LIST_LIMIT it says so rather than answer
    a list cut short (or a message too large to send)."""
    from chains.models import Chain
    from registry.grpc.fields import LIST_LIMIT

    ChainFactory(chain_id="ethereum", chain_type="EVM")
    Chain.objects.bulk_create(
        Chain(chain_id=f"chain-{n:05}", name=f"Chain {n}", chain_type="OTHER")
        for n in range(LIST_LIMIT)
    )
    error = rpc_error(
        stub.ListChains, client_modules.service.ListChainsRequest(), metadata=viewer_md
    )
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert error_details(error)["reason"] == "too_many_results"
    assert "chain_type" in error.details()
    narrowed = stub.ListChains(
        client_modules.service.ListChainsRequest(chain_type="EVM"), metadata=viewer_md
    )
    assert [chain.chain_id for chain in narrowed.chains] == ["ethereum"]
