"""CAIP-2 chain ids (``namespace:reference``) and the registry chains they name.

A chain number means something only within its namespace: ``eip155:101`` is the EVM
chain EtherInc, and Solana's mainnet-beta is ``solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp``
(its genesis hash, shortened), whatever number a list gives it. Importers turn the
numbers of their sources into CAIP-2 ids by the source's own convention, then find
chains here, never by a bare ``network_id``.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from chains.choices import CAIP2_NAMESPACES, ChainType
from chains.models import Chain

EIP155 = CAIP2_NAMESPACES[ChainType.EVM]
SOLANA = CAIP2_NAMESPACES[ChainType.SOLANA]
CHAIN_TYPE_OF_NAMESPACE = {namespace: kind for kind, namespace in CAIP2_NAMESPACES.items()}


@dataclass(frozen=True)
class KnownChain:
    """A chain the registry can register by itself (import_tokenlist --create-chains)."""

    caip2: str
    slug: str
    name: str
    is_testnet: bool

    @property
    def namespace(self) -> str:
        return self.caip2.split(":", 1)[0]

    @property
    def reference(self) -> str:
        return self.caip2.split(":", 1)[1]


# The Solana clusters by name, with their CAIP-2 ids (chainagnostic.org namespaces,
# solana/caip2.md) and the slugs the registry gives them.
SOLANA_CLUSTERS = {
    "mainnet-beta": KnownChain(
        "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp", "solana", "Solana", is_testnet=False
    ),
    "testnet": KnownChain(
        "solana:4uhcVJyU9pJkvQyS88uRDiswHXSCkY3z", "solana-testnet", "Solana Testnet", True
    ),
    "devnet": KnownChain(
        "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", "solana-devnet", "Solana Devnet", True
    ),
}
KNOWN_CHAINS = {known.caip2: known for known in SOLANA_CLUSTERS.values()}


def eip155(network_id: int) -> str:
    return f"{EIP155}:{network_id}"


def chain_type_of(caip2: str) -> str:
    """The registry chain type of a CAIP-2 id's namespace (OTHER for one it lacks)."""
    return CHAIN_TYPE_OF_NAMESPACE.get(caip2.split(":", 1)[0], ChainType.OTHER)


def find_chains(caip2_ids: Iterable[str]) -> dict[str, Chain]:
    """The registry chains these CAIP-2 ids name, by id (the ones it lacks left out).

    ``eip155:<n>`` is the EVM chain with network id n; any other namespace is matched by
    chain type and CAIP-2 reference. A chain of a known id registered without its
    reference (a Solana chain made before references were recorded) is found by its
    conventional slug, if that chain has the namespace's type and no other reference.
    """
    wanted = set(caip2_ids)
    found: dict[str, Chain] = {}
    network_ids = {
        int(reference)
        for namespace, _, reference in (caip2.partition(":") for caip2 in wanted)
        if namespace == EIP155 and reference.isdigit()
    }
    for chain in Chain.objects.filter(chain_type=ChainType.EVM, network_id__in=network_ids):
        found[eip155(chain.network_id)] = chain
    others = [caip2 for caip2 in wanted if not caip2.startswith(f"{EIP155}:")]
    by_type: dict[str, set[str]] = {}
    for caip2 in others:
        by_type.setdefault(chain_type_of(caip2), set()).add(caip2.split(":", 1)[1])
    for chain_type, references in by_type.items():
        for chain in Chain.objects.filter(chain_type=chain_type, caip2_reference__in=references):
            found.setdefault(chain.caip2, chain)
    unreferenced = {
        KNOWN_CHAINS[caip2].slug: caip2
        for caip2 in others
        if caip2 not in found and caip2 in KNOWN_CHAINS
    }
    for chain in Chain.objects.filter(pk__in=unreferenced, caip2_reference=""):
        caip2 = unreferenced[chain.pk]
        if chain.chain_type == chain_type_of(caip2):
            found[caip2] = chain
    return found
