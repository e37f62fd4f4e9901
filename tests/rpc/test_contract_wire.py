"""The service as a platform client generated from the contracts sees it: every call made
with the suite's own stand-in of the contracts (tests/contracts), never with proto/ or
registry/pb, on the bare method path, against the real server.

- WIRE_CASES: per method, a request written in the stand-in's field names and an answer
  read with the stand-in's response message (nothing in it the contract has no field
  for) and held to the database. A method a helper adds to the server gets a case here:
  test_every_answered_method_has_a_wire_case fails until it has one.
- Reflection: the service the server describes (what grpcurl and generated clients see)
  is the stand-in's, method for method and message for message, answered yet or not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import grpc
import pytest
from google.protobuf import descriptor_pool, message_factory
from google.protobuf.message import Message
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

from chains.models import Chain
from tests.contracts.compare import assert_no_unknown_fields, service_structure, structure
from tests.contracts.loader import SERVICE, contract_service
from tests.factories import AssetFactory, ChainFactory

pytestmark = pytest.mark.django_db(transaction=True)


def stand_in_class(descriptor) -> type[Message]:
    return message_factory.GetMessageClass(descriptor)


def call_method(address: str, method: str, request: Message, metadata) -> tuple[Message, grpc.Call]:
    """One unary call of ``method`` as a generated client makes it: its path, the
    stand-in's request serialized, the answer parsed with the stand-in's response."""
    descriptor = contract_service().methods_by_name[method]
    assert request.DESCRIPTOR is descriptor.input_type, "a request of the stand-in's class"
    with grpc.insecure_channel(address) as channel:
        multicallable = channel.unary_unary(
            f"/{SERVICE}/{method}",
            request_serializer=stand_in_class(descriptor.input_type).SerializeToString,
            response_deserializer=stand_in_class(descriptor.output_type).FromString,
        )
        return multicallable.with_call(request, metadata=metadata, timeout=30)


@dataclass(frozen=True)
class WireCase:
    """``request()`` writes the rows the call needs and returns the request's fields (by
    the contract's names); ``check(answer, request)`` holds the answer to the database.
    ``token`` is the caller's role: "viewer" or "steward"."""

    method: str
    request: Callable[[], dict]
    check: Callable[[Message, Message], None]
    token: str = "viewer"
    name: str = ""

    @property
    def id(self) -> str:
        return f"{self.method}-{self.name}" if self.name else self.method


# Chains


def an_evm_chain_with_its_native_asset() -> dict:
    ether = AssetFactory(symbol="ETH", asset_type="NATIVE")
    ChainFactory(
        chain_id="ethereum",
        name="Ethereum",
        chain_type="EVM",
        network_id=1,
        explorer_url="https://etherscan.io",
        is_testnet=False,
        native_asset=ether,
    )
    return {"chain_id": "ethereum"}


def assert_chain_is(sent, chain: Chain) -> None:
    assert sent.chain_id == chain.chain_id
    assert sent.chain_name == chain.name
    assert sent.chain_type == chain.chain_type
    assert sent.explorer_url == chain.explorer_url
    assert sent.metadata["cqar_caip2"] == chain.caip2
    if chain.network_id is None:
        assert not sent.HasField("network_id")
    else:
        assert sent.HasField("network_id") and sent.network_id == chain.network_id
    if chain.native_asset_id is None:
        assert not sent.HasField("native_asset_id")
    else:
        assert sent.native_asset_id == str(chain.native_asset_id)
    # false is sent as false, not left out: the contract declares it `optional`
    assert sent.HasField("is_testnet") and sent.is_testnet is chain.is_testnet


def check_get_chain(answer, request) -> None:
    assert answer.HasField("chain")
    assert_chain_is(answer.chain, Chain.objects.get(pk=request.chain_id))


def three_chains_of_two_types() -> dict:
    ChainFactory(chain_id="polygon", chain_type="EVM", network_id=137)
    ChainFactory(chain_id="base", chain_type="EVM", network_id=8453, is_testnet=True)
    ChainFactory(chain_id="solana", chain_type="SOLANA", network_id=None)
    return {}


def check_list_chains(answer, request) -> None:
    chains = Chain.objects.order_by("chain_id")
    if request.HasField("chain_type"):
        chains = chains.filter(chain_type=request.chain_type.upper())
    assert [sent.chain_id for sent in answer.chains] == [chain.chain_id for chain in chains]
    assert len(answer.chains) > 0
    for sent, chain in zip(answer.chains, chains, strict=True):
        assert_chain_is(sent, chain)


WIRE_CASES = [
    WireCase("GetChain", an_evm_chain_with_its_native_asset, check_get_chain),
    WireCase("ListChains", three_chains_of_two_types, check_list_chains, name="all"),
    WireCase(
        "ListChains",
        lambda: {**three_chains_of_two_types(), "chain_type": "evm"},
        check_list_chains,
        name="evm",
    ),
]


@pytest.fixture
def tokens(viewer_md, steward_md) -> dict:
    return {"viewer": viewer_md, "steward": steward_md}


@pytest.mark.parametrize("case", WIRE_CASES, ids=lambda case: case.id)
def test_a_contract_client_calls_the_method(grpc_server, tokens, case):
    method = contract_service().methods_by_name[case.method]
    request = stand_in_class(method.input_type)(**case.request())

    answer, _ = call_method(grpc_server.address, case.method, request, tokens[case.token])

    assert answer.DESCRIPTOR is method.output_type
    assert_no_unknown_fields(answer)
    case.check(answer, request)


def test_every_answered_method_has_a_wire_case(grpc_server, viewer_md):
    """A method the server answers (anything but UNIMPLEMENTED to an empty request by a
    viewer, who may write nothing) is called with the stand-in by a case above."""
    with_cases = {case.method for case in WIRE_CASES}
    answered = set()
    for method in contract_service().methods:
        request = stand_in_class(method.input_type)()
        try:
            call_method(grpc_server.address, method.name, request, viewer_md)
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.UNIMPLEMENTED:
                continue
        answered.add(method.name)
    assert {"GetChain", "ListChains"} <= answered
    assert answered - with_cases == set(), "answered without a case in WIRE_CASES"
    assert with_cases - answered == set(), "a case of a method the server does not answer"


def test_reflection_describes_the_stand_ins_service(grpc_server):
    """What the server tells grpcurl and a reflecting client: the stand-in's methods, by
    path, with the stand-in's request and response messages, field for field; whether
    a handler answers them yet or not."""
    with grpc.insecure_channel(grpc_server.address) as channel:
        database = ProtoReflectionDescriptorDatabase(channel)
        assert SERVICE in set(database.get_services())
        served = descriptor_pool.DescriptorPool(database).FindServiceByName(SERVICE)

        assert service_structure(served) == service_structure(contract_service())
        stand_in = contract_service().methods_by_name
        for method in served.methods:
            assert structure(method.input_type) == structure(stand_in[method.name].input_type), (
                method.name
            )
            assert structure(method.output_type) == structure(stand_in[method.name].output_type), (
                method.name
            )
