"""CAIP-2 chain ids and CAIP-19 asset ids: their grammar, the ids the registry writes for
its chains and deployments, and the exact inverse (an id back to a chain and an address).

The registry stores neither (docs/DESIGN.md, "Addresses and standard identifiers"): a
chain's CAIP-2 id is derived from its type and ``network_id`` or ``caip2_reference``, a
deployment's CAIP-19 id from its chain, address and asset type. ``caip19_of`` writes
them; ``deployment_address`` reads one back into the address it names, so that every
id the registry writes looks up the deployment it was written for.

The grammar (chainagnostic.org, CAIP-2 and CAIP-19)::

    chain_id:    namespace ":" reference          [-a-z0-9]{3,8} ":" [-_a-zA-Z0-9]{1,32}
    asset_type:  chain_id "/" asset_namespace ":" asset_reference
                                                  [-a-z0-9]{3,8} ":" [-.%a-zA-Z0-9]{1,128}
    asset_id:    asset_type "/" token_id          [-.%a-zA-Z0-9]{1,78}

The asset namespaces, per chain namespace (the chain-agnostic namespaces' profiles):

- ``eip155``: ``erc20`` / ``erc721`` / ``erc1155`` and the contract address (written
  lower-case; read in any case), ``slip44:<coin type>`` for the native coin.
- ``solana``: ``token:<mint>`` (base58, exact), ``slip44:501`` for SOL.
- ``bip122``: ``slip44:0`` for the native coin; tokens on Bitcoin have no CAIP-19 form.
- ``cosmos``: ``slip44:<coin type>`` for the native coin; ``ibc:<hash>`` for an
  ``ibc/<hash>`` denomination and ``native:<denom>`` for any other denomination (the
  Cosmos CAIP-19 profile's proposal, CAIPs#111), the characters of a denomination
  outside ``[-.a-zA-Z0-9]`` percent-encoded (``factory/osmo1…/x`` is
  ``native:factory%2Fosmo1…%2Fx``).

A malformed id is a ``ValueError`` ``"<field>: <reason>"`` (a 400 naming the field); an
id of no registered chain is ``registry.cache.NotFound`` (a 404).
"""

import re
from dataclasses import dataclass
from urllib.parse import unquote

from django.core.exceptions import ValidationError

from chains.addresses import normalize_address
from chains.choices import CAIP2_NAMESPACES, ChainType
from chains.models import Chain
from registry.cache import NotFound

_NAMESPACE = r"[-a-z0-9]{3,8}"
_CAIP2 = re.compile(rf"^(?P<namespace>{_NAMESPACE}):(?P<reference>[-_a-zA-Z0-9]{{1,32}})$")
_ASSET = re.compile(
    rf"^(?P<namespace>{_NAMESPACE}):(?P<reference>[-.%a-zA-Z0-9]{{1,128}})"
    r"(?:/(?P<token_id>[-.%a-zA-Z0-9]{1,78}))?$"
)
CHAIN_TYPE_OF_NAMESPACE = {namespace: kind for kind, namespace in CAIP2_NAMESPACES.items()}
# The asset namespaces of a token (a deployment with an address), per chain namespace.
TOKEN_NAMESPACES = {
    "eip155": ("erc20", "erc721", "erc1155"),
    "solana": ("token",),
    "cosmos": ("ibc", "native"),
    "bip122": (),
}
SLIP44 = "slip44"
# Characters a CAIP-19 asset reference may hold as they are; the rest are percent-encoded.
_UNRESERVED = re.compile(r"[-.a-zA-Z0-9]")


@dataclass(frozen=True)
class Caip2:
    namespace: str
    reference: str

    def __str__(self) -> str:
        return f"{self.namespace}:{self.reference}"


@dataclass(frozen=True)
class Caip19:
    chain: Caip2
    asset_namespace: str
    asset_reference: str
    token_id: str | None = None

    def __str__(self) -> str:
        asset = f"{self.chain}/{self.asset_namespace}:{self.asset_reference}"
        return f"{asset}/{self.token_id}" if self.token_id else asset


def looks_like_caip2(value: str) -> bool:
    """A chain given by CAIP-2 id rather than by slug (a slug has no ':')."""
    return ":" in value


def parse_caip2(value: str, field: str = "chain") -> Caip2:
    """``eip155:1`` -> Caip2; ValueError ``"<field>: <reason>"`` when malformed."""
    if not isinstance(value, str):
        raise ValueError(f"{field}: a CAIP-2 chain id is a string.")
    match = _CAIP2.match(value.strip())
    if match is None:
        raise ValueError(
            f"{field}: {value.strip()[:80]!r} is not a CAIP-2 chain id (namespace:reference, "
            "e.g. eip155:1: a namespace of 3-8 of a-z 0-9 -, a reference of 1-32 of "
            "a-z A-Z 0-9 - _)."
        )
    caip2 = Caip2(match["namespace"], match["reference"])
    if caip2.namespace == "eip155" and not (
        caip2.reference.isascii() and caip2.reference.isdigit() and caip2.reference[0] != "0"
    ):
        raise ValueError(f"{field}: an eip155 reference is an EIP-155 chain id (1, 42161 …).")
    return caip2


def parse_caip19(value: str, field: str = "caip19") -> Caip19:
    """``eip155:1/erc20:0x…`` -> Caip19; ValueError ``"<field>: <reason>"`` when malformed."""
    if not isinstance(value, str):
        raise ValueError(f"{field}: a CAIP-19 asset id is a string.")
    chain, slash, asset = value.strip().partition("/")
    if not slash:
        raise ValueError(
            f"{field}: {value.strip()[:80]!r} is not a CAIP-19 asset id "
            "(<CAIP-2 chain id>/<asset namespace>:<asset reference>, e.g. "
            "eip155:1/erc20:0xa0b8…)."
        )
    caip2 = parse_caip2(chain, field)
    match = _ASSET.match(asset)
    if match is None:
        raise ValueError(
            f"{field}: {asset[:80]!r} is not a CAIP-19 asset part (namespace:reference, a "
            "namespace of 3-8 of a-z 0-9 -, a reference of 1-128 of a-z A-Z 0-9 - . %)."
        )
    return Caip19(caip2, match["namespace"], match["reference"], match["token_id"])


def chain_of(caip2: Caip2, field: str = "chain") -> Chain:
    """The registry chain a CAIP-2 id names (one query); NotFound when none has it."""
    chain_type = CHAIN_TYPE_OF_NAMESPACE.get(caip2.namespace)
    chain = None
    if chain_type == ChainType.EVM:
        chain = Chain.objects.filter(
            chain_type=ChainType.EVM, network_id=int(caip2.reference)
        ).first()
    elif chain_type is not None:
        chain = Chain.objects.filter(chain_type=chain_type, caip2_reference=caip2.reference).first()
    if chain is None:
        raise NotFound(f"{field}: no chain in the registry has the CAIP-2 id {caip2}.")
    return chain


def chain_id_of(value: str, field: str = "chain") -> str:
    """A chain given as a slug or a CAIP-2 id -> its slug (a CAIP-2 id costs one query)."""
    value = value.strip()
    if not looks_like_caip2(value):
        return value
    return chain_of(parse_caip2(value, field), field).chain_id


def _encode(denom: str) -> str:
    return "".join(c if _UNRESERVED.match(c) else f"%{ord(c):02X}" for c in denom)


def caip19_of(chain: Chain, *, address: str, is_native: bool, evm_namespace: str = "erc20"):
    """The CAIP-19 id of a deployment (``AssetDeployment.caip19``), or None where no
    namespace names it: a chain without a CAIP-2 id, a native coin whose chain records
    no SLIP-44 coin type (``metadata["slip44"]``), a token on Bitcoin or another chain."""
    caip2 = chain.caip2
    if caip2 is None:
        return None
    if is_native and not address:
        coin_type = chain.metadata.get("slip44")
        return f"{caip2}/{SLIP44}:{coin_type}" if coin_type is not None else None
    if chain.chain_type == ChainType.EVM:
        return f"{caip2}/{evm_namespace}:{address.lower()}"
    if chain.chain_type == ChainType.SOLANA:
        return f"{caip2}/token:{address}"
    if chain.chain_type == ChainType.COSMOS:
        if address.startswith("ibc/"):
            return f"{caip2}/ibc:{address[4:]}"
        return f"{caip2}/native:{_encode(address)}"
    return None


def deployment_address(caip19: Caip19, chain: Chain, field: str = "caip19") -> str:
    """The address a CAIP-19 id names on its chain (``""``: the native coin without
    one), the inverse of ``caip19_of``: ValueError when the asset part cannot name a
    deployment there; NotFound for a SLIP-44 coin type that is not the chain's."""
    namespace, reference = caip19.asset_namespace, caip19.asset_reference
    if caip19.token_id is not None:
        raise ValueError(
            f"{field}: {caip19} names one token of a collection; the registry keys "
            "deployments (the collection): drop the token id."
        )
    if namespace == SLIP44:
        coin_type = chain.metadata.get("slip44")
        if not reference.isascii() or not reference.isdigit():
            raise ValueError(f"{field}: a slip44 reference is a coin type (an integer).")
        if coin_type is None or str(coin_type) != reference:
            raise NotFound(
                f"{field}: {caip19.chain} ({chain.chain_id}) does not record SLIP-44 coin "
                f"type {reference} as its native coin."
            )
        return ""
    allowed = TOKEN_NAMESPACES.get(caip19.chain.namespace, ())
    if namespace not in allowed:
        known = ", ".join((*allowed, SLIP44))
        raise ValueError(
            f"{field}: {namespace!r} is not an asset namespace of {caip19.chain.namespace} "
            f"chains the registry reads ({known})."
        )
    if namespace == "ibc":
        address = f"ibc/{reference}"
    elif namespace == "native":
        address = unquote(reference)
    else:
        address = reference
    try:
        return normalize_address(chain.chain_type, address)
    except ValidationError as error:
        raise ValueError(f"{field}: {error.messages[0]}") from None
