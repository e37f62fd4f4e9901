"""Import of chain lists in the ethereum-lists/chains format (chainid.network ``chains.json``).

Each chain of the list becomes, or updates, the registry Chain with its EIP-155
``network_id``; its native currency becomes a NATIVE asset deployed natively on it, and
the chain's ``native_asset``. ``plan`` decides each item (natural keys looked up in
bulk: create, update, unchanged or rejected), ``apply`` writes the plan in batches
through chains.services and assets.services (see registry.importing).

It lives in assets, not chains, because it writes native assets and their deployments:
assets builds on chains, and chains imports nothing of assets.

A native currency is one asset wherever it is the same currency: a chain whose parent
(an L2's L1, a shard's root) or whose family root (below) already has a native asset
of that symbol gets a native deployment of that asset, not an asset of its own.

Mainnets only, unless asked (``include_testnets``): a testnet's coins are worthless, and
its native asset ("USDT Testnet", "XRP", "DOGE") only makes real currencies ambiguous.

The plan checks every row it would write with the validation of the service that
writes it, so a dry run (the plan alone) reports what the real run does, chain by
chain, and names each chain it would create or update and the fields it would change.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from assets.choices import AssetType
from assets.models import Asset, AssetDeployment
from assets.services import asset_bulk_create, deployment_bulk_create
from chains.choices import ChainType
from chains.models import Chain
from chains.services import chain_create, chain_update
from registry.exceptions import RegistryError
from registry.importing import (
    ImportReport,
    ItemRejected,
    Progress,
    SourceError,
    apply_in_batches,
    error_text,
)
from registry.numbers import ascii_integer
from registry.services import bulk_create_errors, check_create, check_update
from registry.text import normalize_name, normalize_symbol, symbol_key
from registry.validators import SLUG_PATTERN, validate_rpc_url

CHAIN_ID_MAX_LENGTH = Chain._meta.get_field("chain_id").max_length
URL_MAX_LENGTH = Chain._meta.get_field("rpc_url").max_length
NETWORK_ID_MAX = 2**63 - 1  # Chain.network_id is a PostgreSQL bigint
DECIMALS_MAX = 255

# Testnet rule. The list has no testnet flag. A name or title that says "test" or
# names a test network is a testnet; otherwise one that says "mainnet" is not; otherwise
# a chain with faucets is one (faucets hand out worthless coins). Mainnets that keep a
# gas faucet and do not say "mainnet" (Gnosis, SKALE hubs) are misread as testnets.
TESTNET_WORDS = re.compile(r"test|sepolia|goerli|holesky|devnet|ropsten|rinkeby|kovan", re.I)
MAINNET_WORD = re.compile(r"mainnet", re.I)
# An RPC URL that needs the user's own key: ${INFURA_API_KEY}, {CONDUIT_API_KEY}.
URL_PLACEHOLDER = re.compile(r"\$?\{[^}]*\}")
PARENT_REFERENCE = re.compile(r"^eip155-(\d+)$")
validate_web_url = URLValidator(schemes=["http", "https"])

CHAINS, ASSETS, DEPLOYMENTS = "chains", "assets", "deployments"


@dataclass
class ChainEntry:
    """One item of the list, checked and read into the registry's terms."""

    index: int
    label: str
    network_id: int
    name: str
    short_name: str
    is_testnet: bool
    rpc_url: str
    explorer_url: str
    parent_network_id: int | None
    native_symbol: str
    native_name: str
    native_decimals: int
    # What metadata["chainlist"] keeps; slip44 also goes to metadata["slip44"], where
    # the CAIP-19 id of a native deployment reads it.
    chainlist: dict[str, Any]
    slip44: int | None

    @property
    def currency_key(self) -> tuple:
        """Chains of one family (the list's ``chain``) and one currency share its asset."""
        return (
            self.chainlist.get("chain"),
            symbol_key(self.native_symbol),
            self.native_name,
            self.native_decimals,
        )


@dataclass(eq=False)
class NativePlan:
    """How a chain gets its native asset.

    keep: the chain has one already; link: the chain has a native deployment, whose asset
    becomes its native asset; reuse: another chain's native asset (deployed here too);
    create: a new NATIVE asset (unsaved until applied).
    """

    action: str
    asset: Asset | None
    deploy: bool = False
    # The chain whose batch creates the asset, when it is new: it must be applied first.
    creator: "PlannedChain | None" = None

    @property
    def links(self) -> bool:
        return self.action != "keep"


@dataclass(eq=False)
class PlannedChain:
    entry: ChainEntry
    action: str  # create, update or unchanged
    chain: Chain | None  # the existing chain; the created one once applied
    values: dict[str, Any]  # chain_create's fields, or chain_update's changes
    native: NativePlan | None = None

    @property
    def waits_for_another(self) -> bool:
        return self.native.creator not in (None, self)


@dataclass
class Plan:
    """The chains to create or update, each with its native asset (registry.importing.Plan)."""

    chains: list[PlannedChain] = field(default_factory=list)
    source: str = ""  # the list in provenance and events: ``import:chains:chains.json``

    @property
    def pending(self) -> list[PlannedChain]:
        """The chains that write, creators of new native assets before their reusers."""
        writing = [item for item in self.chains if item.action != "unchanged"]
        return sorted(writing, key=lambda item: item.waits_for_another)

    def count(self, report: ImportReport) -> None:
        for item in self.pending:
            _count_write(item, report)


def chain_list_source(path_or_url: str) -> str:
    """The provenance source of an import from this file: ``import:chains:chains.json``."""
    parts = urlsplit(path_or_url)
    path = parts.path if parts.scheme in ("http", "https") else path_or_url
    return f"import:chains:{PurePosixPath(path).name or parts.netloc or path_or_url}"


def parse_chain_ids(value: str | None) -> set[int] | None:
    """``--only 1,10`` -> {1, 10}; ValueError naming what is not a chain id."""
    if value is None:
        return None
    ids = set()
    for part in filter(None, (part.strip() for part in value.split(","))):
        chain_id = ascii_integer(part, minimum=1)  # not "²", which isdigit() takes
        if chain_id is None:
            raise ValueError(f"--only: {part[:30]!r} is not a chain id (a positive integer).")
        ids.add(chain_id)
    if not ids:
        raise ValueError("--only: give at least one chain id.")
    return ids


# --- reading an item ---------------------------------------------------------------


def item_label(index: int, item: Any) -> str:
    """``chain 12 (Ethereum Mainnet)``: the index in the list and what names the item."""
    if isinstance(item, dict):
        name = item.get("name")
        if isinstance(name, str) and name.strip():
            return f"chain {index} ({name.strip()})"
        if item.get("chainId") is not None:
            return f"chain {index} ({item['chainId']})"
    return f"chain {index}"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _string(item: dict, key: str) -> str:
    value = item.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ItemRejected(f"{key} must be a string.")
    return value


def _strings(item: dict, key: str) -> list[str]:
    value = item.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ItemRejected(f"{key} must be a list of strings.")
    return value


def _passes(validator, url: str) -> bool:
    try:
        validator(url)
    except ValidationError:
        return False
    return len(url) <= URL_MAX_LENGTH


def _native_currency(item: dict) -> tuple[str, str, int]:
    currency = item.get("nativeCurrency")
    if not isinstance(currency, dict):
        raise ItemRejected("nativeCurrency is missing (an object with name, symbol, decimals).")
    decimals = currency.get("decimals")
    if not _is_int(decimals) or not 0 <= decimals <= DECIMALS_MAX:
        raise ItemRejected(
            f"nativeCurrency.decimals must be an integer from 0 to {DECIMALS_MAX}, "
            f"not {decimals!r}."
        )
    try:
        symbol = normalize_symbol(currency.get("symbol"))
    except ValidationError as error:
        raise ItemRejected(f"nativeCurrency.symbol: {' '.join(error.messages)}") from None
    try:
        name = normalize_name(currency.get("name"))
    except ValidationError as error:
        raise ItemRejected(f"nativeCurrency.name: {' '.join(error.messages)}") from None
    return symbol, name, decimals


def _is_testnet(name: str, title: str, faucets: list[str]) -> bool:
    said = f"{name} {title}"
    if TESTNET_WORDS.search(said):
        return True
    if MAINNET_WORD.search(said):
        return False
    return bool(faucets)


def _explorer_url(item: dict) -> str:
    """The first EIP-3091 explorer (its URL scheme is standard), else the first one."""
    explorers = item.get("explorers") or []
    if not isinstance(explorers, list) or not all(isinstance(e, dict) for e in explorers):
        raise ItemRejected("explorers must be a list of objects.")
    usable = [
        e
        for e in explorers
        if isinstance(e.get("url"), str) and _passes(validate_web_url, e["url"])
    ]
    standard = [e for e in usable if e.get("standard") == "EIP3091"]
    return (standard or usable or [{"url": ""}])[0]["url"]


def _parent(item: dict) -> tuple[dict | None, int | None]:
    """The list's parent object, and the EIP-155 id it names (``eip155-1`` -> 1)."""
    parent = item.get("parent")
    if parent is None:
        return None, None
    if not isinstance(parent, dict):
        raise ItemRejected("parent must be an object.")
    match = PARENT_REFERENCE.match(str(parent.get("chain", "")))
    return parent, int(match.group(1)) if match else None


def parse_chain(index: int, item: Any) -> ChainEntry:
    """Check one item of the list and read it; ItemRejected saying why not."""
    if not isinstance(item, dict):
        raise ItemRejected(f"not an object but {type(item).__name__}.")
    network_id = item.get("chainId")
    if network_id is None:
        raise ItemRejected("chainId is missing.")
    if not _is_int(network_id) or not 1 <= network_id <= NETWORK_ID_MAX:
        raise ItemRejected(f"chainId must be a positive integer, not {network_id!r}.")
    try:
        name = normalize_name(item.get("name"))
    except ValidationError as error:
        reason = " ".join(error.messages)
        raise ItemRejected(
            "name is missing." if item.get("name") is None else f"name: {reason}"
        ) from None
    native_symbol, native_name, native_decimals = _native_currency(item)

    # The usable RPCs: no placeholder for a key, and a URL the registry accepts.
    usable_rpcs = list(
        dict.fromkeys(
            url
            for url in _strings(item, "rpc")
            if not URL_PLACEHOLDER.search(url) and _passes(validate_rpc_url, url)
        )
    )
    secure = [url for url in usable_rpcs if url.startswith("https://")] or [
        url for url in usable_rpcs if url.startswith("wss://")
    ]
    parent, parent_network_id = _parent(item)
    slip44 = item.get("slip44") if _is_int(item.get("slip44")) else None
    features = item.get("features")
    chainlist = {
        "short_name": _string(item, "shortName") or None,
        "chain": _string(item, "chain") or None,
        "info_url": _string(item, "infoURL") or None,
        "rpc": usable_rpcs,
        "status": _string(item, "status") or None,
        "parent": parent,
        "slip44": slip44,
        "features": [f["name"] for f in features if isinstance(f, dict) and "name" in f]
        if isinstance(features, list)
        else None,
    }
    if _is_int(item.get("networkId")) and item["networkId"] != network_id:
        # What net_version answers: the pre-EIP-155 network id, 1 on Ethereum Classic.
        chainlist |= {"network_id_differs": True, "net_version": item["networkId"]}
    return ChainEntry(
        index=index,
        label=item_label(index, item),
        network_id=network_id,
        name=name,
        short_name=chainlist["short_name"] or "",
        is_testnet=_is_testnet(name, _string(item, "title"), _strings(item, "faucets")),
        rpc_url=secure[0] if secure else "",
        explorer_url=_explorer_url(item),
        parent_network_id=parent_network_id,
        native_symbol=native_symbol,
        native_name=native_name,
        native_decimals=native_decimals,
        chainlist={key: value for key, value in chainlist.items() if value is not None},
        slip44=slip44,
    )


def chain_slug(short_name: str) -> str:
    """The registry slug of a short name (``BobaRinkeby`` -> ``bobarinkeby``), or ""."""
    slug = re.sub(r"[^a-z0-9_]+", "-", short_name.lower())
    slug = re.sub(r"[-_]{2,}", "-", slug).strip("-_")
    return slug if re.match(SLUG_PATTERN, slug) and len(slug) <= CHAIN_ID_MAX_LENGTH else ""


# --- planning ----------------------------------------------------------------------


def plan(
    items: Any,
    *,
    report: ImportReport,
    source: str = "",
    only: set[int] | None = None,
    include_testnets: bool = False,
) -> Plan:
    """Check every item of the parsed list, look up what exists, and decide each chain and
    native asset. ``source`` names the list in provenance (``chain_list_source``);
    ``only``: these EIP-155 ids (testnets too); ``include_testnets``: testnets too."""
    if not isinstance(items, list):
        raise SourceError(
            f"not a chain list: expected a JSON array of chain objects, got a JSON "
            f"{type(items).__name__}."
        )
    if not any(isinstance(item, dict) for item in items):
        raise SourceError("not a chain list: the array holds no chain objects.")
    report.items = len(items)

    entries: list[ChainEntry] = []  # every valid item (family roots look at them all)
    selected: list[ChainEntry] = []
    first_index: dict[int, int] = {}
    listed_ids = {item.get("chainId") for item in items if isinstance(item, dict)}
    left_out_testnets: list[str] = []
    for index, item in enumerate(items):
        wanted = only is None or (isinstance(item, dict) and item.get("chainId") in only)
        try:
            entry = parse_chain(index, item)
            if entry.network_id in first_index:
                raise ItemRejected(
                    f"chainId {entry.network_id} is listed twice (first as chain "
                    f"{first_index[entry.network_id]})."
                )
        except ItemRejected as error:
            if wanted:
                report.reject(item_label(index, item), str(error))
            continue
        first_index[entry.network_id] = index
        entries.append(entry)
        if not wanted:
            continue
        if entry.is_testnet and not include_testnets and only is None:  # --only names it
            left_out_testnets.append(entry.label)
            continue
        selected.append(entry)
    for label in left_out_testnets:
        report.warn("testnets left out (--include-testnets imports them)", label)
    for missing in sorted((only or set()) - listed_ids):
        report.warnings.append(f"--only: chainId {missing} is not in the list.")

    # The family root of a mainnet currency: the lowest chain id of the family that has
    # it (Ethereum for the ETH of OP Mainnet and Base, which the list gives no parent).
    family_roots: dict[tuple, int] = {}
    for entry in sorted(entries, key=lambda e: e.network_id):
        if not entry.is_testnet:
            family_roots.setdefault(entry.currency_key, entry.network_id)

    planner = _Planner(selected, family_roots, report)
    return Plan(planner.decide(), source=source)


class _Planner:
    """Decides each selected entry against what the registry holds (looked up in bulk)."""

    def __init__(self, entries: list[ChainEntry], family_roots: dict, report: ImportReport):
        self.entries = entries
        self.family_roots = family_roots
        self.report = report
        wanted_ids = {e.network_id for e in entries}
        wanted_ids |= {e.parent_network_id for e in entries if e.parent_network_id}
        wanted_ids |= {family_roots[e.currency_key] for e in entries if not e.is_testnet}
        self.existing = {
            chain.network_id: chain
            for chain in Chain.objects.filter(network_id__in=wanted_ids).select_related(
                "native_asset"
            )
        }
        slugs = {chain_slug(e.short_name) for e in entries} | {
            f"eip155-{e.network_id}" for e in entries
        }
        self.taken_slugs = set(
            Chain.objects.filter(chain_id__in=slugs - {""}).values_list("chain_id", flat=True)
        )
        self.items: dict[int, PlannedChain] = {}

    def decide(self) -> list[PlannedChain]:
        for entry in self.entries:
            try:
                item = self._plan_chain(entry)
            except ItemRejected as error:
                self.report.reject(entry.label, str(error))
                continue
            self.items[entry.network_id] = item
        self._load_deployments()
        for item in self.items.values():
            self._plan_native(item, visiting=set())
        self._check_writes()
        for item in self.items.values():
            self._note(item)
        return list(self.items.values())

    def _check_writes(self) -> None:
        """Check each row the apply writes with the validation of the service that writes
        it (asset_bulk_create, chain_create or chain_update, deployment_bulk_create); a
        refused row rejects its chain, and the chains that would share its new asset."""
        items = list(self.items.values())
        creating = [item for item in items if item.native.action == "create"]
        refused: dict[PlannedChain, str] = {}
        errors = bulk_create_errors([item.native.asset for item in creating])
        for index, error in errors.items():
            refused[creating[index]] = f"native asset: {error_text(error)}"
        # What the apply creates first; a refused creator's sharers are rejected below.
        fresh = {item.native.asset.pk for item in creating}
        fresh |= {item.values["chain_id"] for item in items if item.action == "create"}
        for item in items:
            if item in refused:
                continue
            native = {"native_asset": item.native.asset} if item.native.links else {}
            try:
                if item.action == "create":
                    check_create(Chain(**item.values, **native), fresh=fresh)
                elif item.values or native:
                    check_update(item.chain, {**item.values, **native}, fresh=fresh)
            except (ValidationError, RegistryError) as error:
                refused[item] = error_text(error)
        deploying = [item for item in items if item.native.deploy and item not in refused]
        rows = [_native_deployment(item) for item in deploying]
        for index, error in bulk_create_errors(rows, fresh=fresh).items():
            refused[deploying[index]] = f"native deployment: {error_text(error)}"
        for item in items:
            if item not in refused and item.native.creator in refused:
                refused[item] = (
                    f"its native asset is to be created with {item.native.creator.entry.label}, "
                    "which is rejected"
                )
        for item, reason in refused.items():
            self.report.reject(item.entry.label, reason)
            del self.items[item.entry.network_id]

    def _plan_chain(self, entry: ChainEntry) -> PlannedChain:
        chain = self.existing.get(entry.network_id)
        if chain is not None and chain.chain_type != ChainType.EVM:
            # The list's ids are EIP-155 ids: a chain of another namespace is not this one.
            raise ItemRejected(
                f"network id {entry.network_id} belongs to chain {chain.chain_id}, a "
                f"{chain.get_chain_type_display()} chain, not to eip155:{entry.network_id}."
            )
        listed = {
            "name": entry.name,
            "is_testnet": entry.is_testnet,
            # A list without an explorer or usable RPC leaves ours alone.
            **({"explorer_url": entry.explorer_url} if entry.explorer_url else {}),
            **({"rpc_url": entry.rpc_url} if entry.rpc_url else {}),
        }
        if chain is None:
            metadata = {"chainlist": entry.chainlist}
            if entry.slip44 is not None:
                metadata["slip44"] = entry.slip44
            values = {
                "chain_id": self._new_slug(entry),
                "chain_type": ChainType.EVM,
                "network_id": entry.network_id,
                **listed,
                "metadata": metadata,
            }
            _check_chain(Chain(**values))
            self.taken_slugs.add(values["chain_id"])
            return PlannedChain(entry, "create", None, values)
        # Our own metadata keys stay as they are; only the list's part is replaced.
        metadata = {**chain.metadata, "chainlist": entry.chainlist}
        if entry.slip44 is not None:
            metadata.setdefault("slip44", entry.slip44)
        listed["metadata"] = metadata
        candidate = Chain(
            chain_id=chain.chain_id,
            chain_type=chain.chain_type,
            network_id=chain.network_id,
            caip2_reference=chain.caip2_reference,
            **{
                "rpc_url": chain.rpc_url,
                "explorer_url": chain.explorer_url,
                **listed,
            },
        )
        _check_chain(candidate)
        changes = {name: value for name, value in listed.items() if getattr(chain, name) != value}
        return PlannedChain(entry, "update" if changes else "unchanged", chain, changes)

    def _new_slug(self, entry: ChainEntry) -> str:
        for slug in (chain_slug(entry.short_name), f"eip155-{entry.network_id}"):
            if slug and slug not in self.taken_slugs:
                return slug
        raise ItemRejected(f"chain_id eip155-{entry.network_id} is taken by another chain.")

    def _load_deployments(self) -> None:
        """What the existing chains without a native asset already have deployed."""
        chains = [
            item.chain.chain_id
            for item in self.items.values()
            if item.chain is not None and item.chain.native_asset_id is None
        ]
        self.native_deployments: dict[str, AssetDeployment] = {}
        self.deployed: set[tuple[str, object]] = set()
        for deployment in AssetDeployment.objects.filter(chain_id__in=chains).select_related(
            "asset"
        ):
            self.deployed.add((deployment.chain_id, deployment.asset_id))
            if deployment.is_native:
                self.native_deployments[deployment.chain_id] = deployment

    def _plan_native(self, item: PlannedChain, visiting: set[int]) -> NativePlan | None:
        """Decide (once) where ``item``'s native asset comes from; None while deciding."""
        if item.native is not None:
            return item.native
        if item.entry.network_id in visiting:  # a parent loop in the list
            return None
        visiting.add(item.entry.network_id)
        chain, entry = item.chain, item.entry
        if chain is not None and chain.native_asset is not None:
            item.native = NativePlan("keep", chain.native_asset)
        elif chain is not None and chain.chain_id in self.native_deployments:
            item.native = NativePlan("link", self.native_deployments[chain.chain_id].asset)
        else:
            item.native = self._reused(item, visiting) or NativePlan(
                "create",
                Asset(
                    symbol=entry.native_symbol,
                    name=entry.native_name,
                    asset_type=AssetType.NATIVE,
                ),
                deploy=True,
                creator=item,
            )
        return item.native

    def _reused(self, item: PlannedChain, visiting: set[int]) -> NativePlan | None:
        """The native asset of the chain's parent, else of its family root, if it is the
        same currency (same symbol)."""
        entry = item.entry
        sources = [entry.parent_network_id]
        if not entry.is_testnet:
            sources.append(self.family_roots.get(entry.currency_key))
        for network_id in sources:
            if network_id is None or network_id == entry.network_id:
                continue
            asset, creator = self._native_of(network_id, visiting)
            if asset is None or asset.deleted_at is not None:
                continue
            if symbol_key(asset.symbol) != symbol_key(entry.native_symbol):
                continue
            deployed = item.chain is not None and (item.chain.chain_id, asset.pk) in self.deployed
            return NativePlan("reuse", asset, deploy=not deployed, creator=creator)
        return None

    def _native_of(self, network_id: int, visiting: set[int]) -> tuple[Asset | None, Any]:
        """The native asset chain ``network_id`` has or is planned to get, and the chain
        whose batch creates it when it is new."""
        other = self.items.get(network_id)
        if other is not None:
            native = self._plan_native(other, visiting)
            return (native.asset, native.creator) if native else (None, None)
        chain = self.existing.get(network_id)
        return (chain.native_asset, None) if chain is not None else (None, None)

    def _note(self, item: PlannedChain) -> None:
        """The chain in the report: counted when unchanged, else named with its changes
        (what it creates and updates is counted by Plan.count, or as it is written)."""
        if item.native.links and item.action == "unchanged":
            item.action = "update"  # only the native asset is new
        if item.action == "unchanged":
            self.report.unchanged[CHAINS] += 1
        elif item.action == "create":
            self.report.change("create", "chain", f"{item.values['chain_id']}, {item.entry.label}")
        else:
            fields = [*item.values, *(["native_asset"] if item.native.links else [])]
            self.report.change("update", "chain", f"{item.chain.pk}, {item.entry.label}", fields)


def _count_write(item: PlannedChain, report: ImportReport) -> None:
    """What writing the chain creates and updates: itself, a new native asset, a native
    deployment."""
    (report.created if item.action == "create" else report.updated)[CHAINS] += 1
    if item.native.action == "create":
        report.created[ASSETS] += 1
    if item.native.deploy:
        report.created[DEPLOYMENTS] += 1


def _check_chain(chain: Chain) -> None:
    """The chain's field rules, so a bad value rejects its item before anything is written."""
    try:
        chain.full_clean(
            exclude=["native_asset"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        raise ItemRejected(error_text(error)) from None


# --- applying ----------------------------------------------------------------------


def apply(
    plan: Plan, *, report: ImportReport, batch_size: int, strict: bool, progress: Progress
) -> None:
    """Write the plan in batches; the progress moves with each chain written."""
    pending = plan.pending
    progress.start(len(pending), "chains")

    def write(batch: Sequence[PlannedChain]) -> None:
        _write_batch(batch, progress)
        for item in batch:
            _count_write(item, report)

    apply_in_batches(pending, write, batch_size=batch_size, strict=strict)


def _native_deployment(item: PlannedChain) -> AssetDeployment:
    return AssetDeployment(
        asset=item.native.asset,
        # The chain itself once applied; its slug (a new chain's) while planning.
        chain=item.chain if item.chain is not None else Chain(chain_id=item.values["chain_id"]),
        address="",
        decimals=item.entry.native_decimals,
        is_native=True,
        # A currency's reference deployment is on the chain it was created for.
        is_canonical=item.native.action == "create",
    )


def _write_batch(batch: Sequence[PlannedChain], progress: Progress) -> None:
    """One batch, in one transaction: new native assets, the chains, native deployments.

    A write refused here (a concurrent change since planning: the plan checked every
    row) stops the import with the item named; the batch's transaction rolls back.
    """
    creating = [item for item in batch if item.native.action == "create"]
    if creating:
        _, refused = asset_bulk_create([item.native.asset for item in creating])
        _stop_on_refusal(refused, creating, "native asset")
    for item in batch:
        native = {"native_asset": item.native.asset} if item.native.links else {}
        try:
            if item.action == "create":
                item.chain = chain_create(**item.values, **native)
            else:
                chain_update(chain=item.chain, changes={**item.values, **native})
        except (ValidationError, RegistryError) as error:
            raise ValidationError(f"{item.entry.label}: {error_text(error)}") from None
        progress(1)
    deploying = [item for item in batch if item.native.deploy]
    if deploying:
        _, refused = deployment_bulk_create([_native_deployment(item) for item in deploying])
        _stop_on_refusal(refused, deploying, "native deployment")


def _stop_on_refusal(refused: dict, items: Sequence[PlannedChain], what: str) -> None:
    if refused:
        index, error = next(iter(refused.items()))
        raise ValidationError(f"{items[index].entry.label}: {what}: {error_text(error)}")
