"""The chains methods of the AssetRegistry gRPC service (docs/GRPC.md).

CreateChain is the assets app's (it resolves the native asset's symbol to an asset).
A chain's ``chain_id`` in the contract's messages is the registry's slug
("ethereum"); its numeric id is ``network_id``.
"""

from chains.events import chain_message
from chains.filtersets import ChainFilterSet
from chains.models import Chain
from registry.grpc.calls import register_rpc
from registry.grpc.errors import not_found
from registry.grpc.fields import filtered, optional_text, required_text
from registry.pb.cqc.services.v1 import asset_registry_pb2 as service


def get_chain(request, call):
    chain_id = required_text(request, "chain_id")
    chain = Chain.objects.filter(pk=chain_id).first()
    if chain is None:
        raise not_found(f"No chain {chain_id!r}.")
    call.show_version(chain)
    return service.GetChainResponse(chain=chain_message(chain))


def list_chains(request, call):
    """Every chain, by chain_id; ``chain_type`` in any letter case (EVM, SOLANA …)."""
    chain_type = optional_text(request, "chain_type")
    data = {"chain_type": [chain_type.upper()]} if chain_type else {}
    chains = filtered(ChainFilterSet, data, Chain.objects.order_by("chain_id"))
    return service.ListChainsResponse(chains=[chain_message(chain) for chain in chains])


def register() -> None:
    register_rpc("GetChain", get_chain, permission="chains.view_chain", reads=True)
    register_rpc("ListChains", list_chains, permission="chains.view_chain", reads=True)
