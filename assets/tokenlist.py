"""Importing Token Lists (tokenlists.org, the Uniswap format) into assets and deployments.

Checking. The list's own fields are checked against the official schema
(assets/schemas/): a file whose shape is wrong is not a token list and imports nothing.
The schema's limits that real lists break (more than 10,000 tokens, long or dashed tag
names, extension values over 42 characters, more than 10 extension keys) are warnings.
Each token is then checked on its own: a broken identity (chainId, address, decimals,
symbol, name) rejects that token, with its index and the reason; a broken annotation
(tags, extensions, logoURI) is a warning and the rest of the token imports. One bad
token never rejects the list, unless ``--strict``.

Identity. A token is its ``(chain, address)``: seen again, in this list or another, it
is the same asset. Two tokens that share a symbol stay two assets (collisions are
reported by search, never merged). ``extensions.bridgeInfo`` says that addresses on
other chains are the same token: they become deployments of one asset. A token the list
marks as a bridged copy of an Ethereum token (``extensions.bridgeContract`` with the
original's ``extensions.address``, as the Solana registry does for Wormhole) gets a
BRIDGES relationship to that token's asset, when the registry knows it.

Precedence. A field a person set by hand is kept, unless ``--overwrite``
(assets.provenance). The list's tags and extensions are kept in the asset's metadata
under ``tokenlists.<list name>``, a namespace of the list's own.
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import jsonschema_rs
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower

from assets import provenance, services
from assets.choices import AssetType, IdentifierSource, RelationshipType
from assets.models import Asset, AssetDeployment, AssetIdentifier, AssetRelationship
from chains.addresses import normalize_address
from chains.choices import ChainType
from chains.models import Chain
from chains.services import chain_create
from registry.actors import acting_as, current_actor
from registry.importing import (
    ImportReport,
    Progress,
    SourceError,
    apply_in_batches,
    error_text,
)
from registry.validators import validate_logo_url

SCHEMA_PATH = Path(__file__).parent / "schemas" / "tokenlist.schema.json"
# Fields of a token that make it what it is: a schema breach here rejects the token.
IDENTITY_FIELDS = ("chainId", "address", "decimals", "name", "symbol")
# Asset fields a list sets, with the token key they come from.
LISTED_FIELDS = ("symbol", "name", "asset_type", "logo_url", "description", "website_url")
ASSET_TYPE_BY_CHAIN = {ChainType.EVM: AssetType.ERC20, ChainType.SOLANA: AssetType.SPL}
WARNING_EXAMPLES = 5


@cache
def _schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


@cache
def _list_validator():
    """The list's own fields; tokens are checked one by one."""
    schema = json.loads(SCHEMA_PATH.read_text())
    schema["properties"]["tokens"] = {"type": "array", "minItems": 1}
    return jsonschema_rs.validator_for(schema)


@cache
def _token_validator():
    schema = _schema()
    return jsonschema_rs.validator_for(
        {"definitions": schema["definitions"], **schema["definitions"]["TokenInfo"]}
    )


def _where(error) -> str:
    return ".".join(str(part) for part in error.instance_path) or "(the list)"


@dataclass
class Token:
    """A token that passed its checks, with its registry chain and stored address."""

    index: int
    raw: dict
    chain: Chain
    address: str  # the stored form (EIP-55 for EVM)
    warnings: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return (self.chain.pk, self.address.lower())

    @property
    def extensions(self) -> dict:
        value = self.raw.get("extensions")
        return value if isinstance(value, dict) else {}


class Warnings:
    """Warnings grouped by kind, each with a few example items, so a list with 11,000
    odd tags reads as a handful of lines."""

    def __init__(self) -> None:
        self._items: dict[str, list[str]] = defaultdict(list)

    def add(self, kind: str, item: str) -> None:
        items = self._items[kind]
        if not items or items[-1] != item:
            items.append(item)

    def lines(self) -> list[str]:
        lines = []
        for kind, items in self._items.items():
            examples = ", ".join(items[:WARNING_EXAMPLES])
            more = (
                f" and {len(items) - WARNING_EXAMPLES} more"
                if len(items) > WARNING_EXAMPLES
                else ""
            )
            lines.append(f"{kind} ({len(items)}: {examples}{more})")
        return lines


def check_list(data: Any, warnings: Warnings) -> list:
    """The tokens of ``data``, or SourceError when it is not a token list at all."""
    if not isinstance(data, dict):
        raise SourceError(f"not a token list: expected a JSON object, found {type(data).__name__}")
    if not isinstance(data.get("tokens"), list):
        raise SourceError("not a token list: it has no 'tokens' array")
    refusals = []
    for error in _list_validator().iter_errors(data):
        where = _where(error)
        # Limits and formats real lists break ("+0000" time zones, long tag names).
        if where.split(".")[0] in ("tags", "keywords", "logoURI") or (
            type(error.kind).__name__ == "Format"
        ):
            warnings.add(f"list {where}: {error.message}", "the list")
        else:
            refusals.append(f"{where}: {error.message}")
    if refusals:
        raise SourceError("not a token list: " + "; ".join(sorted(refusals)[:5]))
    limit = _schema()["properties"]["tokens"]["maxItems"]
    if len(data["tokens"]) > limit:
        warnings.add(
            f"the list has {len(data['tokens'])} tokens, more than the schema's {limit}",
            "the list",
        )
    return data["tokens"]


def list_label(data: dict) -> str:
    """'Uniswap Labs Default@22.21.0': what provenance and events name the list by."""
    version = data.get("version") or {}
    numbers = ".".join(str(version.get(part, 0)) for part in ("major", "minor", "patch"))
    return f"{data['name']}@{numbers}"


class ChainResolver:
    """chainId -> registry chain: by EIP-155 network id, then TOKENLIST_CHAIN_IDS."""

    def __init__(self, create_missing: bool, dry_run: bool = False) -> None:
        self.create_missing = create_missing
        self.dry_run = dry_run
        self.created: list[Chain] = []
        self.would_create: list[Chain] = []
        self.by_network_id = {c.network_id: c for c in Chain.objects.exclude(network_id=None)}
        self.by_slug = {c.pk: c for c in Chain.objects.all()}
        self.unknown: dict[int, list[int]] = defaultdict(list)
        self.to_create: dict[int, str] = {}

    def find(self, chain_id: int) -> Chain | None:
        if chain_id in self.by_network_id:
            return self.by_network_id[chain_id]
        known = settings.TOKENLIST_CHAIN_IDS.get(chain_id)
        if known:
            return self.by_slug.get(known[0])
        made = self.by_slug.get(f"chain-{chain_id}")  # registered by --create-chains
        return made if made is not None and made.network_id is None else None

    def create(self, chain_id: int, address: str) -> Chain:
        """A chain the list names but the registry lacks (--create-chains): a known
        non-EVM id as TOKENLIST_CHAIN_IDS says, an 0x address as an EIP-155 chain."""
        known = settings.TOKENLIST_CHAIN_IDS.get(chain_id)
        if known:
            slug, chain_type, name, is_testnet = known
            fields = {"chain_type": chain_type, "name": name, "is_testnet": is_testnet}
        elif address.startswith("0x"):
            slug = f"eip155-{chain_id}"
            fields = {"chain_type": ChainType.EVM, "name": f"Chain {chain_id}"}
            fields["network_id"] = chain_id
        else:
            slug = f"chain-{chain_id}"
            fields = {"chain_type": ChainType.OTHER, "name": f"Chain {chain_id}"}
        if self.dry_run:  # what the real run would register, unsaved
            chain = Chain(chain_id=slug, **fields)
            self.would_create.append(chain)
        else:
            chain = chain_create(
                chain_id=slug, metadata={"created_by": "import_tokenlist --create-chains"}, **fields
            )
            self.created.append(chain)
        self.by_slug[chain.pk] = chain
        if chain.network_id is not None:
            self.by_network_id[chain.network_id] = chain
        return chain


def check_tokens(
    raw_tokens: list, chains: ChainResolver, report: ImportReport, warnings: Warnings
) -> list[Token]:
    """The tokens that can be imported; the others are rejected with index and reason."""
    validator = _token_validator()
    tokens: list[Token] = []
    seen: dict[tuple[str, str], int] = {}
    for index, raw in enumerate(raw_tokens):
        item = f"token {index}"
        if not isinstance(raw, dict):
            report.reject(item, "not an object")
            continue
        label = f"token {index} ({raw.get('symbol', '?')} on {raw.get('chainId', '?')})"
        identity_errors = []
        for error in validator.iter_errors(raw):
            where = _where(error)
            top = where.split(".")[0]
            if top in IDENTITY_FIELDS or type(error.kind).__name__ == "Required":
                identity_errors.append(f"{where}: {error.message}")
            else:
                kind = type(error.kind).__name__
                warnings.add(f"{top}: breaks the schema ({kind}), kept as given", f"token {index}")
        if identity_errors:
            report.reject(label, "; ".join(identity_errors))
            continue
        chain = chains.find(raw["chainId"])
        if chain is None:
            if not chains.create_missing:
                chains.unknown[raw["chainId"]].append(index)
                continue
            chain = chains.create(raw["chainId"], raw["address"])
        try:
            address = normalize_address(chain.chain_type, raw["address"])
        except ValidationError as error:
            report.reject(label, f"address: {' '.join(error.messages)}")
            continue
        token = Token(index=index, raw=raw, chain=chain, address=address)
        if token.key in seen:
            report.reject(label, f"the same (chain, address) as token {seen[token.key]}")
            continue
        seen[token.key] = index
        tokens.append(token)
    for chain_id, indexes in sorted(chains.unknown.items()):
        shown = ", ".join(map(str, indexes[:WARNING_EXAMPLES]))
        report.reject(
            f"chainId {chain_id} ({len(indexes)} tokens: {shown}{'…' if len(indexes) > 5 else ''})",
            "no registry chain has this network id; register it, or pass --create-chains",
        )
    return tokens


def _bridged_nodes(token: Token, chains: ChainResolver, warnings: Warnings) -> list[tuple]:
    """(chain, stored address) of the token's copies on other chains (bridgeInfo)."""
    info = token.extensions.get("bridgeInfo")
    if not isinstance(info, dict):
        return []
    nodes = []
    for chain_key, entry in info.items():
        address = entry.get("tokenAddress") if isinstance(entry, dict) else None
        try:
            chain = chains.find(int(chain_key))
        except (TypeError, ValueError):
            chain = None
        if chain is None or not isinstance(address, str):
            warnings.add("bridgeInfo names a chain the registry lacks", f"token {token.index}")
            continue
        try:
            nodes.append((chain, normalize_address(chain.chain_type, address)))
        except ValidationError:
            warnings.add("bridgeInfo address is not valid on its chain", f"token {token.index}")
    return nodes


class _Groups:
    """Union-find over (chain, lower(address)): the tokens bridgeInfo says are one."""

    def __init__(self) -> None:
        self.parent: dict = {}

    def find(self, key):
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, a, b) -> None:
        self.parent[self.find(a)] = self.find(b)


@dataclass
class PlannedAsset:
    """One asset of the plan: its tokens, the deployments it needs, what to change."""

    primary: Token
    tokens: list[Token]
    nodes: dict  # lower key -> (chain, stored address, decimals)
    existing: Asset | None = None
    changes: dict = field(default_factory=dict)
    new_deployments: list[tuple] = field(default_factory=list)
    decimals_changes: list[tuple] = field(default_factory=list)  # (deployment, decimals)
    coingecko_id: str = ""
    bridged_from: str = ""  # an Ethereum address this token is a bridged copy of
    deleted: bool = False  # its asset is soft-deleted: nothing is written
    link_identifier: bool = False  # plan_identifiers gave it its coingeckoId


def _asset_fields(token: Token, list_name: str, check_urls: bool = True) -> dict:
    """The asset as the list describes it. ``check_urls=False``: URLs as given, for a
    cheap first comparison with what is stored."""
    raw, extensions = token.raw, token.extensions
    logo = raw.get("logoURI") if isinstance(raw.get("logoURI"), str) else ""
    fields = {
        "symbol": raw["symbol"],
        "name": raw["name"],
        "asset_type": ASSET_TYPE_BY_CHAIN.get(token.chain.chain_type, AssetType.ERC20),
        "logo_url": _valid(logo, validate_logo_url) if check_urls else logo,
        "description": extensions.get("description")
        if isinstance(extensions.get("description"), str)
        else "",
        "website_url": (
            _valid(extensions.get("website"), validate_logo_url, web_only=True)
            if check_urls
            else extensions.get("website") or ""
        ),
    }
    annotations = {
        key: value
        for key, value in {
            "tags": raw.get("tags"),
            "extensions": {k: v for k, v in extensions.items() if k != "bridgeInfo"} or None,
        }.items()
        if value
    }
    fields["metadata"] = {"tokenlists": {list_name: annotations}} if annotations else {}
    return fields


def _stored_form(fields: dict) -> dict:
    """The values as the asset would store them (normalized), so that comparing with
    the stored asset finds real changes only."""
    probe = Asset(**fields)
    try:
        probe.normalize()
    except ValidationError:
        return fields  # the update will report why
    return {name: getattr(probe, name) for name in fields}


def _valid(value, validator, web_only: bool = False) -> str:
    if not isinstance(value, str) or not value or len(value) > 500:
        return ""
    if web_only and not value.startswith(("http://", "https://")):
        return ""
    try:
        validator(value)
    except ValidationError:
        return ""
    return value


def plan(
    tokens: list[Token],
    chains: ChainResolver,
    list_name: str,
    warnings: Warnings,
    report: ImportReport,
) -> list[PlannedAsset]:
    groups = _Groups()
    decimals_at: dict = {}
    stored: dict = {}
    for token in tokens:
        groups.find(token.key)
        decimals_at[token.key] = token.raw["decimals"]
        stored[token.key] = (token.chain, token.address)
        for chain, address in _bridged_nodes(token, chains, warnings):
            key = (chain.pk, address.lower())
            stored.setdefault(key, (chain, address))
            groups.union(token.key, key)
    members: dict = defaultdict(list)
    for token in tokens:
        members[groups.find(token.key)].append(token)
    nodes_of: dict = defaultdict(dict)
    for key, (chain, address) in stored.items():
        nodes_of[groups.find(key)][key] = (chain, address, decimals_at.get(key))

    existing = _existing_deployments(stored.keys())
    assets = Asset.all_objects.in_bulk({row.asset_id for row in existing.values()})
    planned = []
    for root, group_tokens in members.items():
        nodes = _one_per_chain(nodes_of[root], group_tokens, existing, report, warnings)
        listed = {key for key, (_, _, decimals) in nodes.items() if decimals is not None}
        group_tokens = [t for t in group_tokens if t.key in nodes]
        if not group_tokens:  # every listed token of the group was rejected above
            continue
        # The token whose bridgeInfo lists the others is the original; else the first.
        primary = min(
            group_tokens,
            key=lambda t: (not t.extensions.get("bridgeInfo"), t.chain.network_id != 1, t.index),
        )
        for key, (chain, address, decimals) in list(nodes.items()):
            if decimals is None:  # a bridgeInfo address the list has no entry for
                nodes[key] = (chain, address, primary.raw["decimals"])
        found = {
            existing[key].asset_id: assets[existing[key].asset_id]
            for key in nodes
            if key in existing
        }
        item = PlannedAsset(primary=primary, tokens=group_tokens, nodes=nodes)
        if found:
            asset = found.get(existing[primary.key].asset_id) if primary.key in existing else None
            item.existing = asset or next(iter(found.values()))
            if len(found) > 1:
                warnings.add(
                    "bridgeInfo joins addresses the registry holds as different assets "
                    "(not merged)",
                    f"token {primary.index}",
                )
        for key, (chain, address, decimals) in nodes.items():
            deployment = existing.get(key)
            if deployment is None:
                item.new_deployments.append((chain, address, decimals, key == primary.key))
            elif (
                deployment.asset_id == getattr(item.existing, "pk", None)
                and deployment.decimals != decimals
                and key in listed  # decimals the list states, never inherited ones
            ):
                item.decimals_changes.append((deployment.deployment_id, decimals))
        coingecko = primary.extensions.get("coingeckoId")
        item.coingecko_id = coingecko if isinstance(coingecko, str) and coingecko else ""
        item.bridged_from = _ethereum_original(primary)
        planned.append(item)
    return _skip_taken_chains(_merge_by_asset(planned), warnings)


def _skip_taken_chains(planned: list[PlannedAsset], warnings: Warnings) -> list[PlannedAsset]:
    """An existing asset already deployed on a chain at another address keeps that one:
    the list's address there is a warning, not a second deployment."""
    taken = set(
        AssetDeployment.objects.filter(
            asset_id__in=[item.existing.pk for item in planned if item.existing is not None]
        ).values_list("asset_id", "chain_id")
    )
    for item in planned:
        if item.existing is None:
            continue
        keep = []
        for new in item.new_deployments:
            if (item.existing.pk, new[0].pk) in taken:
                warnings.add(
                    "the asset is already deployed on this chain at another address "
                    "(kept the registry's)",
                    f"{new[0].pk}:{new[1]}",
                )
            else:
                keep.append(new)
        item.new_deployments = keep
    return planned


def _one_per_chain(nodes: dict, tokens: list[Token], existing: dict, report, warnings) -> dict:
    """An asset has one deployment per chain: where bridgeInfo names several addresses
    on one chain, keep the one the registry already has, else the list's own entry,
    else the first; a listed token dropped so is rejected, a bridgeInfo address warned."""
    own = {token.key: token for token in tokens}
    by_chain: dict = defaultdict(list)
    for key in nodes:
        by_chain[key[0]].append(key)
    kept = {}
    for chain_id, keys in by_chain.items():
        keys.sort(key=lambda k: (k not in existing, k not in own, own[k].index if k in own else 0))
        kept[keys[0]] = nodes[keys[0]]
        for key in keys[1:]:
            if key in own:
                report.reject(
                    f"token {own[key].index}",
                    f"bridgeInfo makes it the same asset as another address on {chain_id} "
                    f"({nodes[keys[0]][1]}); an asset has one deployment per chain",
                )
            else:
                warnings.add(
                    f"bridgeInfo names a second address on one chain (kept {chain_id}: "
                    "the listed or registered one)",
                    f"{chain_id}:{key[1]}",
                )
    return kept


def _ethereum_original(token: Token) -> str:
    """The Ethereum address a token says it is a bridged copy of, or ''. The Solana
    registry names the original in extensions.address and its contract's explorer page
    in assetContract; only etherscan.io pages are Ethereum (others are BSC, Polygon …)."""
    extensions = token.extensions
    origin, page = extensions.get("address"), extensions.get("assetContract")
    if not extensions.get("bridgeContract") or not isinstance(origin, str):
        return ""
    if not isinstance(page, str) or not page.startswith("https://etherscan.io/"):
        return ""
    return origin if origin.startswith("0x") else ""


def _merge_by_asset(planned: list[PlannedAsset]) -> list[PlannedAsset]:
    """Tokens the list does not link but the registry already holds as one asset (its
    deployments on several chains) are one item, so the asset is changed once."""
    merged: dict = {}
    result = []
    for item in planned:
        if item.existing is None:
            result.append(item)
            continue
        first = merged.get(item.existing.pk)
        if first is None:
            merged[item.existing.pk] = item
            result.append(item)
            continue
        first.tokens += item.tokens
        first.nodes.update(item.nodes)
        first.new_deployments += item.new_deployments
        first.decimals_changes += item.decimals_changes
        first.coingecko_id = first.coingecko_id or item.coingecko_id
        first.bridged_from = first.bridged_from or item.bridged_from
        if item.primary.extensions.get("bridgeInfo") and not first.primary.extensions.get(
            "bridgeInfo"
        ):
            first.primary = item.primary
    return result


class _DeploymentRow(NamedTuple):
    deployment_id: object
    asset_id: object
    decimals: int


def _existing_deployments(keys) -> dict[tuple, _DeploymentRow]:
    """The deployments at these (chain, lower(address)) keys: ids and decimals only
    (one query per chain; an unchanged list of 13,000 tokens reads no more)."""
    by_chain: dict = defaultdict(set)
    for chain_id, address in keys:
        by_chain[chain_id].add(address)
    found = {}
    for chain_id, addresses in by_chain.items():
        rows = (
            AssetDeployment.objects.annotate(address_key=Lower("address"))
            .filter(chain_id=chain_id, address_key__in=addresses)
            .values_list("address_key", "deployment_id", "asset_id", "decimals")
        )
        for address_key, *row in rows:
            found[(chain_id, address_key)] = _DeploymentRow(*row)
    return found


def decide_changes(
    planned: list[PlannedAsset],
    list_name: str,
    incoming: str,
    overwrite: bool,
    report: ImportReport,
) -> None:
    """For assets that exist: the fields the list changes, by provenance."""
    candidates: dict[int, dict] = {}
    differs: list = []
    for item in planned:
        asset = item.existing
        if asset is None:
            continue
        if asset.deleted_at is not None:
            item.deleted = True
            continue
        raw = _asset_fields(item.primary, list_name, check_urls=False)
        differing = {
            name
            for name, value in raw.items()
            if name != "metadata" and value != getattr(asset, name)
        }
        # Only values that differ as given are normalized and checked (most do not).
        wanted = _stored_form(_asset_fields(item.primary, list_name)) if differing else raw
        candidates[id(item)] = wanted
        if differing:
            differs.append(asset.pk)
    # Field sources matter only where a field differs (an unchanged list reads none).
    sources = provenance.sources_of(differs)
    for item in planned:
        wanted = candidates.get(id(item))
        if wanted is None:
            continue
        asset = item.existing
        current_sources = sources.get(asset.pk, {})
        for name, value in wanted.items():
            if name == "metadata":
                # The list's own namespace; other lists' and our own keys stay as they are.
                merged = {**asset.metadata}
                lists = {**merged.get("tokenlists", {})}
                annotations = value.get("tokenlists", {}).get(list_name)
                if annotations:
                    lists[list_name] = annotations
                else:
                    lists.pop(list_name, None)
                if lists:
                    merged["tokenlists"] = lists
                else:
                    merged.pop("tokenlists", None)
                if merged != asset.metadata:
                    item.changes["metadata"] = merged
                continue
            if value == getattr(asset, name) or (value == "" and name not in ("symbol", "name")):
                continue  # a list that says nothing about a field does not blank it
            if provenance.may_change(current_sources.get(name), incoming, overwrite=overwrite):
                item.changes[name] = value
            else:
                report.kept[name] += 1


def apply(
    planned: list[PlannedAsset],
    list_name: str,
    report: ImportReport,
    *,
    batch_size: int,
    strict: bool,
    progress: Progress,
) -> None:
    def write(batch):
        new_assets = [item for item in batch if item.existing is None]
        created, errors = services.asset_bulk_create(
            [Asset(**_asset_fields(item.primary, list_name)) for item in new_assets]
        )
        refused = {id(new_assets[i]) for i in errors}
        for index, error in errors.items():
            report.reject(f"token {new_assets[index].primary.index}", error_text(error))
        for item, asset in zip(
            [i for i in new_assets if id(i) not in refused], created, strict=True
        ):
            item.existing = asset
        report.created["assets"] += len(created)
        created_pks = {asset.pk for asset in created}
        live = [item for item in batch if item.existing is not None and id(item) not in refused]
        deployments = [
            AssetDeployment(
                asset=item.existing,
                chain=chain,
                address=address,
                decimals=decimals,
                is_canonical=is_primary and item.existing.pk in created_pks,
            )
            for item in live
            for chain, address, decimals, is_primary in item.new_deployments
        ]
        made, errors = services.deployment_bulk_create(deployments, fresh_asset_ids=created_pks)
        for index, error in errors.items():
            report.reject(
                f"deployment {deployments[index].chain_id}:{deployments[index].address}",
                error_text(error),
            )
        report.created["deployments"] += len(made)
        changing = AssetDeployment.objects.select_related("asset", "chain").in_bulk(
            [pk for item in live for pk, _ in item.decimals_changes]
        )
        for item in live:
            if item.changes:
                services.asset_update(asset=item.existing, changes=item.changes)
                report.updated["assets"] += 1
            for deployment_id, decimals in item.decimals_changes:
                services.deployment_update(
                    deployment=changing[deployment_id], changes={"decimals": decimals}
                )
                report.updated["deployments"] += 1
        _identifiers(live, report)

    apply_in_batches(planned, write, batch_size=batch_size, strict=strict, progress=progress)
    with transaction.atomic():
        _bridges(planned, report, dry_run=False)


def plan_identifiers(planned: list[PlannedAsset], report: ImportReport) -> None:
    """Decide which coingeckoIds to link, over the whole list: the first token that names
    an id gets it; a later one, or an id another asset holds, is a warning."""
    claimed: dict[str, PlannedAsset] = {}
    for item in sorted(planned, key=lambda i: min(t.index for t in i.tokens)):
        if not item.coingecko_id:
            continue
        first = claimed.setdefault(item.coingecko_id, item)
        if first is not item:
            report.warnings.append(
                f"token {item.primary.index}: coingeckoId {item.coingecko_id} is also on "
                f"token {first.primary.index}; linked there only"
            )
            item.coingecko_id = ""
    taken = dict(
        AssetIdentifier.objects.filter(
            source=IdentifierSource.COINGECKO, external_id__in=list(claimed)
        ).values_list("external_id", "asset_id")
    )
    for external_id, item in claimed.items():
        holder = taken.get(external_id)
        if holder is None:
            item.link_identifier = True
        elif item.existing is not None and holder == item.existing.pk:
            report.unchanged["identifiers"] += 1
        else:
            report.warnings.append(
                f"token {item.primary.index}: coingeckoId {external_id} already belongs "
                f"to asset {holder}; not linked"
            )


def _identifiers(items: list[PlannedAsset], report: ImportReport) -> None:
    rows = [
        AssetIdentifier(
            asset=item.existing, source=IdentifierSource.COINGECKO, external_id=item.coingecko_id
        )
        for item in items
        if item.link_identifier
    ]
    made, errors = services.asset_identifier_bulk_create(rows)
    report.created["identifiers"] += len(made)
    for index, error in errors.items():
        report.warnings.append(f"coingeckoId {rows[index].external_id}: {error_text(error)}")


def _bridges(items: list[PlannedAsset], report: ImportReport, *, dry_run: bool) -> None:
    """BRIDGES links from Ethereum originals to the list's bridged copies. Run after every
    batch, since the original may come later in the list (or from another list)."""
    bridged = [item for item in items if item.bridged_from]
    ethereum = Chain.objects.filter(network_id=1).first()
    if not bridged or ethereum is None:
        return
    addresses = [item.bridged_from.lower() for item in bridged]
    originals = {
        address: asset_id
        for address, asset_id in AssetDeployment.objects.annotate(address_key=Lower("address"))
        .filter(chain=ethereum, address_key__in=addresses)
        .values_list("address_key", "asset_id")
    }
    if dry_run:  # originals this same list would create
        for item in items:
            for key in item.nodes:
                if key[0] == ethereum.pk and item.existing is None:
                    originals.setdefault(key[1], ("new", id(item)))
    linked = set(
        AssetRelationship.objects.filter(
            relationship_type=RelationshipType.BRIDGES,
            parent_asset_id__in=[v for v in originals.values() if not isinstance(v, tuple)],
        ).values_list("parent_asset_id", "child_asset_id")
    )
    parents = Asset.objects.in_bulk([v for v in originals.values() if not isinstance(v, tuple)])
    for item in bridged:
        parent_id = originals.get(item.bridged_from.lower())
        child_id = item.existing.pk if item.existing is not None else None
        if parent_id is None or parent_id == child_id:
            continue
        if (parent_id, child_id) in linked:
            report.unchanged["relationships"] += 1
            continue
        if dry_run:
            report.created["relationships"] += 1
            continue
        if parent_id not in parents:  # the original's asset is deleted
            continue
        try:
            services.relationship_create(
                parent_asset=parents[parent_id],
                child_asset=item.existing,
                relationship_type=RelationshipType.BRIDGES,
                conversion_rate=1,
                protocol="wormhole" if "wormhole" in (item.primary.raw.get("tags") or []) else "",
            )
            report.created["relationships"] += 1
        except Exception as error:  # a cycle or a deleted asset: the token itself imported
            report.warnings.append(
                f"token {item.primary.index}: no BRIDGES link: {error_text(error)}"
            )


def count_unchanged(planned: list[PlannedAsset], report: ImportReport) -> None:
    for item in planned:
        if item.existing is not None and not item.changes:
            report.unchanged["assets"] += 1
        existing_nodes = len(item.nodes) - len(item.new_deployments) - len(item.decimals_changes)
        report.unchanged["deployments"] += existing_nodes if item.existing is not None else 0


def import_tokenlist(
    data: Any,
    report: ImportReport,
    *,
    dry_run: bool,
    strict: bool,
    overwrite: bool,
    create_chains: bool,
    batch_size: int,
    progress: Progress,
) -> None:
    warnings = Warnings()
    raw_tokens = check_list(data, warnings)
    report.items = len(raw_tokens)
    label = list_label(data)
    report.source = f"token list {label}"
    source = f"import:tokenlist:{label}"
    with acting_as(current_actor(), source=source):
        chains = ChainResolver(create_missing=create_chains, dry_run=dry_run)
        tokens = check_tokens(raw_tokens, chains, report, warnings)
        planned = plan(tokens, chains, data["name"], warnings, report)
        decide_changes(planned, data["name"], source, overwrite, report)
        count_unchanged(planned, report)
        report.warnings.extend(warnings.lines())
        for item in planned:
            if item.deleted:
                report.reject(
                    f"token {item.primary.index}",
                    f"its asset {item.existing.pk} is deleted; restore it first",
                )
        planned = [item for item in planned if not item.deleted]
        plan_identifiers(planned, report)
        if dry_run:
            for item in planned:
                if item.existing is None:
                    report.created["assets"] += 1
                elif item.changes:
                    report.updated["assets"] += 1
                report.created["deployments"] += len(item.new_deployments)
                report.updated["deployments"] += len(item.decimals_changes)
                report.created["identifiers"] += int(item.link_identifier)
            _bridges(planned, report, dry_run=True)
            report.created["chains"] += len(chains.would_create)
            return
        report.created["chains"] += len(chains.created)
        todo = [
            item
            for item in planned
            if item.existing is None
            or item.changes
            or item.new_deployments
            or item.decimals_changes
            or item.link_identifier
            or item.bridged_from
        ]
        progress.start(len(todo), "tokens")
        apply(todo, data["name"], report, batch_size=batch_size, strict=strict, progress=progress)
