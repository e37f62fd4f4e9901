"""Checking a token list (tokenlists.org, the Uniswap format) and its tokens, before
anything is planned (assets.importers.tokenlist plans and applies).

The list. Its own fields are checked against the official schema (assets/schemas/): a
file whose shape is wrong is not a token list and imports nothing. The schema's limits
that real lists break (more than 10,000 tokens, long or dashed tag names, extension
values over 42 characters, more than 10 extension keys) are warnings.

Each token is then checked on its own: a broken identity (chainId, address, decimals,
symbol, name) rejects that token, with its index and the reason in words derived from
the schema; a broken annotation (tags, extensions, logoURI) is a warning and the rest of
the token imports. One bad token never rejects the list, unless ``--strict``.

Chains. A token's ``chainId`` is read by the convention of the list's format, into a
CAIP-2 chain id (chains.caip2): Token Lists' chain ids are EIP-155 ids (``eip155:101``
is the EVM chain EtherInc), with Uniswap's 501000101 for Solana; the Solana token
list's 101, 102 and 103 are its clusters mainnet-beta, testnet and devnet. Which one a
list uses is read from the list (every token on 101-103 with a base58 address: the
Solana list's), or given with ``--chain-ids``, and the report says which was used. A
chain is then found within its namespace, never by the first chain whose number matches.
"""

import json
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
from django.core.exceptions import ValidationError

from chains import caip2
from chains.addresses import address_lookup_key, normalize_address
from chains.choices import ChainType
from chains.models import Chain
from registry.exceptions import RegistryError
from registry.importing import ImportReport, SourceError, error_text
from registry.schema_messages import explain
from registry.services import check_create

SCHEMA_PATH = Path(__file__).parent.parent / "schemas" / "tokenlist.schema.json"
# Fields of a token that make it what it is: a schema breach here rejects the token.
IDENTITY_FIELDS = ("chainId", "address", "decimals", "name", "symbol")
# Fields of the list that real lists break: a breach is a warning.
LENIENT_LIST_FIELDS = ("tags", "keywords", "logoURI", "timestamp")
INDEXES_SHOWN = 5  # token indexes named in a rejection that covers many tokens


@cache
def _schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


@cache
def _list_schema() -> dict:
    """The list's own fields; tokens are checked one by one."""
    schema = json.loads(SCHEMA_PATH.read_text())
    schema["properties"]["tokens"] = {"type": "array", "minItems": 1}
    return schema


@cache
def _list_validator():
    return jsonschema_rs.validator_for(_list_schema())


@cache
def _token_schema() -> dict:
    schema = _schema()
    return {"definitions": schema["definitions"], **schema["definitions"]["TokenInfo"]}


@cache
def _token_validator():
    return jsonschema_rs.validator_for(_token_schema())


@dataclass
class Token:
    """A token that passed its checks, with its registry chain and stored address."""

    index: int
    raw: dict
    chain: Chain  # unsaved when --create-chains registers it
    address: str  # the stored form (EIP-55 for EVM)

    @property
    def key(self) -> tuple[str, str]:
        return (self.chain.pk, address_lookup_key(self.address))

    @property
    def label(self) -> str:
        return token_label(self.index, self.raw)

    @property
    def extensions(self) -> dict:
        value = self.raw.get("extensions")
        return value if isinstance(value, dict) else {}


def token_label(index: int, raw: dict) -> str:
    """'token 12 (USDC on 1)': the index in the list, its symbol and chainId."""
    return f"token {index} ({raw.get('symbol', '?')} on {raw.get('chainId', '?')})"


def check_list(data: Any, report: ImportReport) -> list:
    """The tokens of ``data``, or SourceError when it is not a token list at all."""
    if not isinstance(data, dict):
        raise SourceError(f"not a token list: expected a JSON object, found {type(data).__name__}")
    if not isinstance(data.get("tokens"), list):
        raise SourceError("not a token list: it has no 'tokens' array")
    refusals = []
    for error in _list_validator().iter_errors(data):
        problem = explain(error, _list_schema())
        # Limits and formats real lists break ("+0000" time zones, long tag names).
        if problem.field in LENIENT_LIST_FIELDS:
            report.warn(f"the list's {problem.kind}; kept as given", _example(problem))
        else:
            refusals.append(str(problem))
    if refusals:
        raise SourceError("not a token list: " + "; ".join(sorted(refusals)[:5]))
    limit = _schema()["properties"]["tokens"]["maxItems"]
    if len(data["tokens"]) > limit:
        report.warn(
            f"the list has {len(data['tokens']):,} tokens, more than the schema's {limit:,}"
        )
    return data["tokens"]


def _example(problem) -> str:
    return f"{problem.where} {problem.value}".strip()


def list_label(data: dict) -> str:
    """'Uniswap Labs Default@22.21.0': what provenance and events name the list by."""
    version = data.get("version") or {}
    numbers = ".".join(str(version.get(part, 0)) for part in ("major", "minor", "patch"))
    return f"{data['name']}@{numbers}"


# --- chain ids ---------------------------------------------------------------------


@dataclass(frozen=True)
class ChainIdConvention:
    """How a list format numbers chains: each chainId as a CAIP-2 id, or None."""

    key: str  # the --chain-ids value
    description: str
    # chainIds outside the format's namespace, with the chain each means.
    exceptions: dict[int, caip2.KnownChain]
    namespace: str | None  # every other chainId is <namespace>:<chainId>, or unknown

    def to_caip2(self, chain_id: int) -> str | None:
        if chain_id in self.exceptions:
            return self.exceptions[chain_id].caip2
        return f"{self.namespace}:{chain_id}" if self.namespace else None

    def known(self, caip2_id: str) -> caip2.KnownChain | None:
        return next((k for k in self.exceptions.values() if k.caip2 == caip2_id), None)

    def explain(self) -> str:
        listed = ", ".join(
            f"{chain_id} = {known.caip2} ({known.slug})"
            for chain_id, known in self.exceptions.items()
        )
        return f"{self.description}{'; ' + listed if listed else ''}"


# Token Lists (tokenlists.org): "The chain ID of the Ethereum network", i.e. EIP-155 ids;
# Uniswap numbers Solana 501000101 in its lists and apps.
TOKEN_LISTS = ChainIdConvention(
    key="eip155",
    description="chainId read as an EIP-155 chain id (Token Lists)",
    exceptions={501000101: caip2.SOLANA_CLUSTERS["mainnet-beta"]},
    namespace=caip2.EIP155,
)
# @solana/spl-token-registry: chainId is its ENV enum of clusters.
SOLANA_TOKEN_LIST = ChainIdConvention(
    key="solana",
    description="chainId read as a Solana cluster (the Solana token list's ENV numbers)",
    exceptions={
        101: caip2.SOLANA_CLUSTERS["mainnet-beta"],
        102: caip2.SOLANA_CLUSTERS["testnet"],
        103: caip2.SOLANA_CLUSTERS["devnet"],
    },
    namespace=None,
)
CONVENTIONS = {convention.key: convention for convention in (TOKEN_LISTS, SOLANA_TOKEN_LIST)}


def chain_id_convention(raw_tokens: list, given: str | None) -> tuple[ChainIdConvention, str]:
    """The convention the list's chainIds follow, and why: as given, else the Solana
    token list's when every token is on 101-103 with an address that is not 0x, else
    Token Lists' (EIP-155)."""
    if given:
        return CONVENTIONS[given], "as --chain-ids says"
    tokens = [token for token in raw_tokens if isinstance(token, dict)]
    clusters = SOLANA_TOKEN_LIST.exceptions
    if tokens and all(
        token.get("chainId") in clusters
        and isinstance(token.get("address"), str)
        and not token["address"].startswith("0x")
        for token in tokens
    ):
        return SOLANA_TOKEN_LIST, "every token is on chainId 101-103 with a base58 address"
    return TOKEN_LISTS, "the Token Lists standard"


class ChainResolver:
    """chainId -> registry chain, by the list's convention and within its namespace.

    With ``create_missing`` (--create-chains), a chain the registry lacks is planned:
    an unsaved Chain, checked as chain_create would check it, created by the apply.
    """

    def __init__(self, convention: ChainIdConvention, chain_ids, *, create_missing: bool):
        self.convention = convention
        self.create_missing = create_missing
        wanted = {convention.to_caip2(chain_id) for chain_id in chain_ids} - {None}
        self.found: dict[str, Chain] = caip2.find_chains(wanted)
        self.to_create: dict[str, Chain] = {}  # caip2 -> unsaved chain
        self.refused: dict[str, str] = {}  # caip2 -> why it cannot be registered

    def find(self, chain_id: int) -> Chain | None:
        caip2_id = self.convention.to_caip2(chain_id)
        if caip2_id is None:
            return None
        return self.found.get(caip2_id) or self.to_create.get(caip2_id)

    def chain_type(self, chain_id: int) -> str | None:
        caip2_id = self.convention.to_caip2(chain_id)
        return caip2.chain_type_of(caip2_id) if caip2_id else None

    def plan_create(self, chain_id: int) -> Chain | None:
        """The chain --create-chains would register for ``chain_id``, checked; None (and
        the reason in ``refused``) when it cannot be."""
        caip2_id = self.convention.to_caip2(chain_id)
        if caip2_id is None or caip2_id in self.refused:
            return None
        known = self.convention.known(caip2_id)
        if known is not None:
            fields = {
                "chain_id": known.slug,
                "name": known.name,
                "chain_type": caip2.chain_type_of(caip2_id),
                "caip2_reference": known.reference,
                "is_testnet": known.is_testnet,
            }
        else:  # eip155:<n>
            fields = {
                "chain_id": f"eip155-{chain_id}",
                "name": f"Chain {chain_id}",
                "chain_type": ChainType.EVM,
                "network_id": chain_id,
            }
        chain = Chain(**fields, metadata={"created_by": "import_tokenlist --create-chains"})
        try:
            taken = Chain.objects.filter(pk=chain.pk)
            if chain.network_id is not None:
                taken |= Chain.objects.filter(network_id=chain.network_id)
            other = taken.first()
            if other is not None:  # the database would refuse a second chain with either
                raise ValidationError(
                    f"chain {other.pk} ({other.get_chain_type_display()}) holds its slug or "
                    "network id, and it is not this chain"
                )
            check_create(chain)
        except (ValidationError, RegistryError) as error:
            self.refused[caip2_id] = f"cannot register {caip2_id}: {error_text(error)}"
            return None
        self.to_create[caip2_id] = chain
        return chain


def check_tokens(raw_tokens: list, chains: ChainResolver, report: ImportReport) -> list[Token]:
    """The tokens that can be imported; the others are rejected with index and reason."""
    validator = _token_validator()
    tokens: list[Token] = []
    seen: dict[tuple[str, str], int] = {}
    unknown: dict[int, list[int]] = defaultdict(list)
    for index, raw in enumerate(raw_tokens):
        if not isinstance(raw, dict):
            report.reject(f"token {index}", "not an object")
            continue
        label = token_label(index, raw)
        identity_errors = []
        for error in validator.iter_errors(raw):
            problem = explain(error, _token_schema())
            if problem.field in IDENTITY_FIELDS or not problem.field:
                identity_errors.append(str(problem))
            else:
                report.warn(f"{problem.kind}; kept as given", f"token {index}")
        if identity_errors:
            report.reject(label, "; ".join(identity_errors))
            continue
        chain_type = chains.chain_type(raw["chainId"])
        if chain_type is None:
            unknown[raw["chainId"]].append(index)
            continue
        try:
            address = normalize_address(chain_type, raw["address"])
        except ValidationError as error:
            report.reject(label, f"address: {' '.join(error.messages)}")
            continue
        chain = chains.find(raw["chainId"])
        if chain is None and chains.create_missing:
            chain = chains.plan_create(raw["chainId"])
        if chain is None:
            unknown[raw["chainId"]].append(index)
            continue
        token = Token(index=index, raw=raw, chain=chain, address=address)
        if token.key in seen:
            report.reject(label, f"the same (chain, address) as token {seen[token.key]}")
            continue
        seen[token.key] = index
        tokens.append(token)
    for chain_id, indexes in sorted(unknown.items()):
        shown = ", ".join(map(str, indexes[:INDEXES_SHOWN]))
        more = "…" if len(indexes) > INDEXES_SHOWN else ""
        report.reject(
            f"chainId {chain_id} ({len(indexes)} tokens: {shown}{more})",
            _unknown_chain_reason(chains, chain_id),
            count=len(indexes),
        )
    return tokens


def _unknown_chain_reason(chains: ChainResolver, chain_id: int) -> str:
    caip2_id = chains.convention.to_caip2(chain_id)
    if caip2_id is None:
        return (
            f"not a chain of this list's convention ({chains.convention.explain()}); "
            "if the list numbers chains otherwise, say so with --chain-ids"
        )
    if caip2_id in chains.refused:
        return chains.refused[caip2_id]
    return (
        f"no registry chain is {caip2_id}; register it (import_chains, the admin), or "
        "pass --create-chains"
    )


def collect_chain_ids(raw_tokens: list) -> set[int]:
    """Every chainId the list names, its tokens' and their bridgeInfo's."""
    chain_ids = set()
    for raw in raw_tokens:
        if not isinstance(raw, dict):
            continue
        if isinstance(raw.get("chainId"), int):
            chain_ids.add(raw["chainId"])
        extensions = raw.get("extensions")
        info = extensions.get("bridgeInfo") if isinstance(extensions, dict) else None
        for key in info if isinstance(info, dict) else ():
            if str(key).isdigit():
                chain_ids.add(int(key))
    return chain_ids
