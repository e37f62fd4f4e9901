"""The chains methods of the AssetRegistry gRPC service (docs/GRPC.md).

CreateChain is the assets app's (it resolves the native asset's symbol to an asset).
A chain's ``chain_id`` in the contract's messages is the registry's slug
("ethereum"); its numeric id is ``network_id``. GetChain also takes a CAIP-2 id
("eip155:1", "solana:5eykt…") as ``chain_id``. ListChains answers at most
fields.LIST_LIMIT chains (the contract has no page token), in REST's order.
"""

from chains.api.views import ChainViewSet
from chains.caip import chain_of, looks_like_caip2, parse_caip2
from chains.events import chain_message
from chains.filtersets import ChainFilterSet
from chains.models import Chain
from registry.api.pagination import complete_ordering
from registry.cache import NotFound
from registry.grpc.calls import answers_for_a_moment, register_rpc
from registry.grpc.errors import invalid, not_found
from registry.grpc.fields import (
    capped,
    filtered,
    get_by_slug,
    object_then,
    optional_text,
    required_text,
)
from registry.pb.cqc.services.v1 import asset_registry_pb2 as service


@answers_for_a_moment
def get_chain(request, call):
    """By slug ("ethereum") or by CAIP-2 id ("eip155:1", chains.caip); as it was at the
    moment the metadata asks about."""
    chain_id = required_text(request, "chain_id")
    if looks_like_caip2(chain_id):
        try:
            chain = chain_of(parse_caip2(chain_id, "chain_id"), "chain_id")
        except NotFound as error:
            raise not_found(str(error).partition(": ")[2]) from None
        except ValueError as error:
            raise invalid("chain_id", str(error).partition(": ")[2]) from None
        if (moment := call.moment()) is not None:
            chain = object_then(Chain, moment, "chain", chain.pk)
    else:
        chain = get_by_slug(request, "chain_id", Chain.objects.all(), "chain", call)
    call.show_version(chain)
    return service.GetChainResponse(chain=chain_message(chain))


def list_chains(request, call):
    """Every chain, in REST's order; ``chain_type`` in any letter case (EVM, SOLANA …)."""
    chain_type = optional_text(request, "chain_type")
    data = {"chain_type": [chain_type.upper()]} if chain_type else {}
    chains = filtered(ChainFilterSet, data, Chain.objects.all())
    chains = capped(
        chains.order_by(*complete_ordering(ChainViewSet.ordering, Chain)),
        what="chains",
        narrow="narrow the list by chain_type, or page through GET /api/v1/chains/",
    )
    return service.ListChainsResponse(chains=[chain_message(chain) for chain in chains])


def register() -> None:
    register_rpc("GetChain", get_chain, permission="chains.view_chain", reads=True)
    register_rpc("ListChains", list_chains, permission="chains.view_chain", reads=True)
