"""Importing Token Lists (tokenlists.org, the Uniswap format) into assets and deployments.

``plan`` checks the list and its tokens (assets.importers.tokenlist_checks: the schema,
each token's identity, its chain by the list's chainId convention), then decides each
asset; ``apply`` writes the plan (see registry.importing).

Identity. A token is its ``(chain, address)``: seen again, in this list or another, it
is the same asset. Two tokens that share a symbol stay two assets (collisions are
reported by search, never merged). ``extensions.bridgeInfo`` says that addresses on
other chains are the same token: they become deployments of one asset. A token the list
marks as a bridged copy of an Ethereum token (``extensions.bridgeContract`` with the
original's ``extensions.address``, as the Solana registry does for Wormhole) gets a
BRIDGES relationship to that token's asset, when the registry knows it.

Plan, then write. The plan builds every row the import writes (assets, deployments,
identifiers, relationships, chains) and checks it with the validation of the service
that writes it, so a dry run (the plan alone) reports what the real run does, token by
token.

Precedence. A field a person set by hand is kept, unless ``--overwrite``
(assets.provenance). The list's tags and extensions are kept in the asset's metadata
under ``tokenlists.<list name>``, a namespace of the list's own.
"""

import contextlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from assets import services
from assets.choices import AssetType, IdentifierSource, RelationshipType
from assets.importers.tokenlist_checks import (
    ChainResolver,
    Token,
    chain_id_convention,
    check_list,
    check_tokens,
    collect_chain_ids,
    list_label,
)
from assets.models import Asset, AssetDeployment, AssetIdentifier, AssetRelationship
from chains import caip2
from chains.addresses import AddressKey, address_lookup_key, normalize_address
from chains.choices import ChainType
from chains.services import chain_create
from registry import provenance
from registry.exceptions import RegistryError
from registry.importing import ImportReport, Progress, apply_in_batches, error_text
from registry.services import bulk_create_errors, check_update
from registry.text import normalize_code
from registry.validators import validate_logo_url

ASSET_TYPE_BY_CHAIN = {ChainType.EVM: AssetType.ERC20, ChainType.SOLANA: AssetType.SPL}
ETHEREUM = caip2.eip155(1)


def _bridged_nodes(token: Token, chains: ChainResolver, report: ImportReport) -> list[tuple]:
    """(chain, stored address) of the token's copies on other chains (bridgeInfo)."""
    info = token.extensions.get("bridgeInfo")
    if not isinstance(info, dict):
        return []
    nodes = []
    for chain_key, entry in info.items():
        address = entry.get("tokenAddress") if isinstance(entry, dict) else None
        chain_id = int(chain_key) if str(chain_key).isdigit() and int(chain_key) > 0 else None
        chain = chains.find(chain_id) if chain_id is not None else None
        if chain is None and chain_id is not None and chains.create_missing:
            chain = chains.plan_create(chain_id)  # the list names it: --create-chains
        if chain is None or not isinstance(address, str):
            report.warn("bridgeInfo names a chain the registry lacks", f"token {token.index}")
            continue
        try:
            nodes.append((chain, normalize_address(chain.chain_type, address)))
        except ValidationError:
            report.warn("bridgeInfo address is not valid on its chain", f"token {token.index}")
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
    stored_decimals: dict = field(default_factory=dict)  # deployment -> decimals it has
    conflicts: list[provenance.Conflict] = field(default_factory=list)  # with other sources
    coingecko_id: str = ""
    bridged_from: str = ""  # an Ethereum address this token is a bridged copy of
    deleted: bool = False  # its asset is soft-deleted: nothing is written
    link_identifier: bool = False  # plan_identifiers gave it its coingeckoId
    new_asset: Asset | None = None  # the asset to create, checked (check_writes)
    deployment_rows: list[AssetDeployment] = field(default_factory=list)  # to create


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


def plan_assets(
    tokens: list[Token],
    chains: ChainResolver,
    list_name: str,
    report: ImportReport,
) -> list[PlannedAsset]:
    groups = _Groups()
    decimals_at: dict = {}
    stored: dict = {}
    for token in tokens:
        groups.find(token.key)
        decimals_at[token.key] = token.raw["decimals"]
        stored[token.key] = (token.chain, token.address)
        for chain, address in _bridged_nodes(token, chains, report):
            key = (chain.pk, address_lookup_key(address))
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
        nodes = _one_per_chain(nodes_of[root], group_tokens, existing, report)
        listed = {key for key, (_, _, decimals) in nodes.items() if decimals is not None}
        group_tokens = [t for t in group_tokens if t.key in nodes]
        if not group_tokens:  # every listed token of the group was rejected above
            continue
        # The token whose bridgeInfo lists the others is the original; else the first.
        primary = min(
            group_tokens,
            key=lambda t: (not t.extensions.get("bridgeInfo"), t.chain.caip2 != ETHEREUM, t.index),
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
                report.warn(
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
                item.stored_decimals[deployment.deployment_id] = deployment.decimals
        coingecko = primary.extensions.get("coingeckoId")
        item.coingecko_id = coingecko if isinstance(coingecko, str) and coingecko else ""
        item.bridged_from = _ethereum_original(primary)
        planned.append(item)
    return _skip_taken_chains(_merge_by_asset(planned), report)


def _skip_taken_chains(planned: list[PlannedAsset], report: ImportReport) -> list[PlannedAsset]:
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
                report.warn(
                    "the asset is already deployed on this chain at another address "
                    "(kept the registry's)",
                    f"{new[0].pk}:{new[1]}",
                )
            else:
                keep.append(new)
        item.new_deployments = keep
    return planned


def _one_per_chain(nodes: dict, tokens: list[Token], existing: dict, report) -> dict:
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
                report.warn(
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
        first.stored_decimals.update(item.stored_decimals)
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
    """The deployments at these (chain, address_lookup_key(address)) keys: ids and decimals only
    (one query per chain; an unchanged list of 13,000 tokens reads no more)."""
    by_chain: dict = defaultdict(set)
    for chain_id, address in keys:
        by_chain[chain_id].add(address)
    found = {}
    for chain_id, addresses in by_chain.items():
        rows = (
            AssetDeployment.objects.annotate(address_key=AddressKey("address"))
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
    sources = provenance.sources_of(Asset, differs)
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


def decide_decimals(
    planned: list[PlannedAsset], incoming: str, overwrite: bool, report: ImportReport
) -> None:
    """Decimals the list states that differ from a deployment's: changed when the
    deployment's recorded source gives way to the list's (registry.provenance), else
    kept; either way, two sources disagreeing is a conflict (a DATA_CONFLICT flag)."""
    recorded = provenance.recorded_of(
        AssetDeployment, [pk for item in planned for pk, _ in item.decimals_changes]
    )
    for item in planned:
        keep = []
        for deployment_id, decimals in item.decimals_changes:
            stored = AssetDeployment(
                pk=deployment_id,
                asset_id=item.existing.pk,
                decimals=item.stored_decimals[deployment_id],
            )
            allowed, conflict = provenance.decide(
                stored,
                "decimals",
                decimals,
                incoming,
                recorded.get(deployment_id, {}).get("decimals"),
                overwrite=overwrite,
                asset_id=item.existing.pk,
                kind="decimals",
            )
            if conflict is not None:
                item.conflicts.append(conflict)
            if allowed:
                keep.append((deployment_id, decimals))
            else:
                report.kept["decimals"] += 1
        item.decimals_changes = keep


def _reject_item(item: PlannedAsset, reason: str, report: ImportReport) -> None:
    """The whole asset is refused: its tokens (bridgeInfo may join several) with it."""
    others = [str(token.index) for token in item.tokens if token is not item.primary]
    joined = f" (with token {', '.join(others)}: the same asset by bridgeInfo)" if others else ""
    report.reject(item.primary.label, f"{reason}{joined}", count=len(item.tokens))


def check_writes(
    planned: list[PlannedAsset], chains: ChainResolver, list_name: str, report: ImportReport
) -> list[PlannedAsset]:
    """Check every row the apply will write with the validation of the service that
    writes it (asset_bulk_create, asset_update, deployment_bulk_create,
    deployment_update), so the plan rejects what the write would refuse. Returns the
    assets that remain; each new one holds its unsaved Asset and every one its
    deployments to create."""
    refused: set[int] = set()
    new_items = [item for item in planned if item.existing is None]
    for item in new_items:
        item.new_asset = Asset(**_asset_fields(item.primary, list_name))
    for index, error in bulk_create_errors([item.new_asset for item in new_items]).items():
        _reject_item(new_items[index], error_text(error), report)
        refused.add(id(new_items[index]))
    for item in planned:
        if item.existing is not None and item.changes:
            try:
                check_update(item.existing, item.changes)
            except (ValidationError, RegistryError) as error:
                _reject_item(item, error_text(error), report)
                refused.add(id(item))
    kept = [item for item in planned if id(item) not in refused]
    fresh = {item.new_asset.pk for item in kept if item.new_asset is not None}
    fresh |= {chain.pk for chain in chains.to_create.values()}

    rows, owners = [], []
    for item in kept:
        for chain, address, decimals, is_primary in item.new_deployments:
            rows.append(
                AssetDeployment(
                    asset=item.existing or item.new_asset,
                    chain=chain,
                    address=address,
                    decimals=decimals,
                    is_canonical=is_primary and item.existing is None,
                )
            )
            owners.append(item)
    errors = bulk_create_errors(rows, fresh=fresh)
    for index, row in enumerate(rows):
        item = owners[index]
        if index in errors:
            _refuse_node(
                item, (row.chain_id, address_lookup_key(row.address)), errors[index], report
            )
        else:
            item.deployment_rows.append(row)

    changing = AssetDeployment.objects.select_related("asset", "chain").in_bulk(
        [pk for item in kept for pk, _ in item.decimals_changes]
    )
    for item in kept:
        for change in list(item.decimals_changes):
            deployment = changing[change[0]]
            try:
                check_update(deployment, {"decimals": change[1]})
            except (ValidationError, RegistryError) as error:
                item.decimals_changes.remove(change)
                key = (deployment.chain_id, address_lookup_key(deployment.address))
                _refuse_node(item, key, error, report)
    # An asset none of whose tokens is left is not made (nor changed).
    kept = [item for item in kept if item.tokens]
    for item in kept:
        if item.changes:
            report.change("update", "asset", _asset_label(item), sorted(item.changes))
    for caip2_id, chain in chains.to_create.items():
        report.change("create", "chain", f"{chain.pk} ({caip2_id}, {chain.name})")
    return kept


def _refuse_node(item: PlannedAsset, key: tuple, error: Exception, report: ImportReport) -> None:
    """A deployment the write would refuse: the token listed there is rejected; an
    address only bridgeInfo names is a warning."""
    token = next((token for token in item.tokens if token.key == key), None)
    if token is None:
        report.warn("a bridgeInfo address cannot be recorded (not imported)", f"{key[0]}:{key[1]}")
        return
    report.reject(token.label, f"deployment on {key[0]}: {error_text(error)}")
    item.tokens.remove(token)


def _asset_label(item: PlannedAsset) -> str:
    asset = item.existing
    return f"{asset.symbol} {asset.pk} ({item.primary.label})"


def plan_identifiers(planned: list[PlannedAsset], source: str, report: ImportReport) -> None:
    """Decide which coingeckoIds to link, over the whole list: the first token that names
    an id gets it; a later one, or an id another asset holds, is a warning; an id the
    write would refuse (asset_identifier_bulk_create's checks) too. An id another asset
    holds is also a conflict, unless the two are related (a bridged copy, a wrapper)."""
    for item in planned:
        if item.coingecko_id:
            # Compared in the stored form (trimmed); a refused id is reported below.
            with contextlib.suppress(ValidationError):
                item.coingecko_id = normalize_code(item.coingecko_id)
    claimed: dict[str, PlannedAsset] = {}
    for item in sorted(planned, key=lambda i: min(t.index for t in i.tokens)):
        if not item.coingecko_id:
            continue
        first = claimed.setdefault(item.coingecko_id, item)
        if first is not item:
            report.warn(
                "coingeckoId already on an earlier token of the list; linked there only",
                f"token {item.primary.index} ({item.coingecko_id}, first on token "
                f"{first.primary.index})",
            )
            item.coingecko_id = ""
    taken = dict(
        AssetIdentifier.objects.filter(
            source=IdentifierSource.COINGECKO, external_id__in=list(claimed)
        ).values_list("external_id", "asset_id")
    )
    linking, disputed = [], []
    for external_id, item in claimed.items():
        holder = taken.get(external_id)
        if holder is None:
            linking.append(item)
        elif item.existing is not None and holder == item.existing.pk:
            report.unchanged["identifiers"] += 1
        else:
            report.warn(
                "coingeckoId already belongs to another asset; not linked",
                f"token {item.primary.index} ({external_id}: asset {holder})",
            )
            disputed.append((external_id, holder, item))
    _identifier_conflicts(disputed, source)
    rows = [_identifier(item) for item in linking]
    fresh = {item.new_asset.pk for item in linking if item.existing is None}
    errors = bulk_create_errors(rows, fresh=fresh)
    for index, item in enumerate(linking):
        if index in errors:
            _identifier_refused(rows[index], errors[index], report)
        else:
            item.link_identifier = True


def _identifier_conflicts(disputed: list[tuple], source: str) -> None:
    """One external id the list gives to an asset while the registry links it to
    another, unrelated one: a conflict on the asset that holds the id (kept), with the
    list's asset as the other claim. Reads the holders' identifiers and the pairs'
    relationships once."""
    if not disputed:
        return
    identifiers = {
        row.external_id: row
        for row in AssetIdentifier.objects.select_related("asset").filter(
            source=IdentifierSource.COINGECKO, external_id__in=[d[0] for d in disputed]
        )
    }
    claimants = {item.existing.pk for _, _, item in disputed if item.existing is not None}
    holders = {holder for _, holder, _ in disputed}
    related = set()
    for parent, child in AssetRelationship.objects.filter(
        Q(parent_asset_id__in=holders, child_asset_id__in=claimants)
        | Q(parent_asset_id__in=claimants, child_asset_id__in=holders)
    ).values_list("parent_asset_id", "child_asset_id"):
        related |= {(parent, child), (child, parent)}
    recorded = provenance.recorded_of(AssetIdentifier, [row.pk for row in identifiers.values()])
    for external_id, holder, item in disputed:
        claimant = item.existing or item.new_asset
        if (holder, claimant.pk) in related or item.bridged_from:
            continue  # a bridged copy naming its origin's id is not a second asset
        row = identifiers[external_id]
        said = recorded.get(row.pk, {}).get("asset")
        item.conflicts.append(
            provenance.Conflict(
                kind="external_id",
                asset_id=holder,
                entity="assets.assetidentifier",
                object_key=str(row.pk),
                field="asset",
                kept=provenance.Claim(
                    str(holder), said.source if said else "unknown", said and said.set_at
                ),
                other=provenance.Claim(str(claimant.pk), source, timezone.now()),
                extra={
                    "external_id": f"{IdentifierSource.COINGECKO}:{external_id}",
                    "kept_asset": f"{row.asset.symbol} ({row.asset.name})",
                    "other_asset": f"{claimant.symbol} ({claimant.name})",
                },
            )
        )


def _identifier(item: PlannedAsset) -> AssetIdentifier:
    return AssetIdentifier(
        asset=item.existing or item.new_asset,
        source=IdentifierSource.COINGECKO,
        external_id=item.coingecko_id,
    )


def _identifier_refused(row: AssetIdentifier, error: Exception, report: ImportReport) -> None:
    report.warn("coingeckoId refused (not linked)", f"{row.external_id}: {error_text(error)}")


def _identifiers(items: list[PlannedAsset], report: ImportReport) -> None:
    rows = [_identifier(item) for item in items if item.link_identifier]
    made, errors = services.asset_identifier_bulk_create(rows)
    report.created["identifiers"] += len(made)
    for index, error in errors.items():
        _identifier_refused(rows[index], error, report)


@dataclass
class Bridge:
    """A BRIDGES link to make: from the Ethereum original (an asset of the registry, or
    one this list makes) to a token's asset."""

    child: PlannedAsset
    parent: "Asset | PlannedAsset"
    protocol: str

    def assets(self) -> tuple[Asset | None, Asset | None]:
        parent = self.parent if isinstance(self.parent, Asset) else self.parent.existing
        return parent, self.child.existing

    def link(self, parent: Asset, child: Asset) -> dict[str, Any]:
        """The relationship, as relationship_create is given it (and the plan checks it)."""
        return {
            "parent_asset": parent,
            "child_asset": child,
            "relationship_type": RelationshipType.BRIDGES,
            "conversion_rate": 1,
            "protocol": self.protocol,
        }


def plan_bridges(
    items: list[PlannedAsset], chains: ChainResolver, source: str, report: ImportReport
) -> list[Bridge]:
    """The BRIDGES links from Ethereum originals to the list's bridged copies, each
    checked as relationship_create checks it. The original may be an asset the registry
    holds or one this same list creates."""
    bridged = [item for item in items if item.bridged_from]
    ethereum = caip2.find_chains([ETHEREUM]).get(ETHEREUM) or chains.to_create.get(ETHEREUM)
    if not bridged or ethereum is None:
        return []
    addresses = [address_lookup_key(item.bridged_from) for item in bridged]
    originals: dict[str, Any] = {
        address: asset_id
        for address, asset_id in AssetDeployment.objects.annotate(address_key=AddressKey("address"))
        .filter(chain_id=ethereum.pk, address_key__in=addresses)
        .values_list("address_key", "asset_id")
    }
    parents: dict[Any, Any] = Asset.objects.in_bulk(originals.values())  # live ones
    for item in items:  # originals this same list creates or holds
        for key in item.nodes:
            if key[0] == ethereum.pk and key[1] not in originals:
                originals[key[1]] = id(item)
                parents[id(item)] = item
    linked = set(
        AssetRelationship.objects.filter(
            relationship_type=RelationshipType.BRIDGES,
            parent_asset_id__in=[pk for pk in originals.values() if pk in parents],
        ).values_list("parent_asset_id", "child_asset_id")
    )
    fresh = {item.new_asset.pk for item in items if item.new_asset is not None}
    canonical = _canonical_decimals([pk for pk in originals.values() if pk in parents])
    bridges = []
    for item in bridged:
        parent_id = originals.get(address_lookup_key(item.bridged_from))
        if parent_id is None:
            continue
        parent = parents.get(parent_id)
        if parent is None:
            report.warn(
                "the Ethereum original's asset is deleted; no BRIDGES link",
                f"token {item.primary.index}",
            )
            continue
        parent_asset = (
            parent if isinstance(parent, Asset) else (parent.existing or parent.new_asset)
        )
        child_asset = item.existing or item.new_asset
        if parent_asset.pk == child_asset.pk:
            continue
        if isinstance(parent, Asset):
            origin = canonical.get(parent.pk)
        else:  # an original this same list holds: its own decimals
            origin = (parent.primary.raw["decimals"], source, None)
        if origin is not None and origin[0] != item.primary.raw["decimals"]:
            conflict = _bridged_decimals(item, child_asset, parent_asset, origin, source)
            item.conflicts.append(conflict)
        if (parent_asset.pk, child_asset.pk) in linked:
            report.unchanged["relationships"] += 1
            continue
        bridge = Bridge(item, parent, _bridge_protocol(item))
        try:
            services.relationship_check(**bridge.link(parent_asset, child_asset), fresh=fresh)
        except (ValidationError, RegistryError) as error:
            _bridge_refused(item, error, report)
            continue
        bridges.append(bridge)
    return bridges


def _canonical_decimals(asset_ids: list) -> dict:
    """{asset: (decimals, source, set_at)} of these assets' canonical deployments."""
    rows = {
        row.pk: row
        for row in AssetDeployment.objects.filter(asset_id__in=asset_ids, is_canonical=True)
    }
    recorded = provenance.recorded_of(AssetDeployment, rows)
    found = {}
    for pk, row in rows.items():
        said = recorded.get(pk, {}).get("decimals")
        source = said.source if said else "unknown"
        found[row.asset_id] = (row.decimals, source, said.set_at if said else None)
    return found


def _bridged_decimals(
    item: PlannedAsset, child: Asset, parent: Asset, origin: tuple, source: str
) -> provenance.Conflict:
    """A bridged copy whose decimals differ from its origin's canonical deployment's."""
    token = item.primary
    return provenance.Conflict(
        kind="bridged_decimals",
        asset_id=child.pk,
        entity="assets.asset",
        object_key=str(child.pk),
        field="bridged_decimals",
        kept=provenance.Claim(token.raw["decimals"], source, timezone.now()),
        other=provenance.Claim(origin[0], origin[1], origin[2]),
        extra={
            "bridged_copy": f"{token.chain.pk}:{token.address}",
            "origin_asset": f"{parent.pk} ({parent.symbol})",
        },
    )


def _bridge_protocol(item: PlannedAsset) -> str:
    return "wormhole" if "wormhole" in (item.primary.raw.get("tags") or []) else ""


def _bridge_refused(item: PlannedAsset, error: Exception, report: ImportReport) -> None:
    report.warn("no BRIDGES link", f"token {item.primary.index}: {error_text(error)}")


def _link_bridges(bridges: list[Bridge], report: ImportReport) -> None:
    for bridge in bridges:
        parent, child = bridge.assets()
        if parent is None or child is None:  # refused when written
            continue
        try:
            services.relationship_create(**bridge.link(parent, child))
        except (ValidationError, RegistryError) as error:  # a concurrent change
            _bridge_refused(bridge.child, error, report)
            continue
        report.created["relationships"] += 1


def count_unchanged(planned: list[PlannedAsset], report: ImportReport) -> None:
    for item in planned:
        if item.existing is not None and not item.changes:
            report.unchanged["assets"] += 1
        existing_nodes = len(item.nodes) - len(item.new_deployments) - len(item.decimals_changes)
        report.unchanged["deployments"] += existing_nodes if item.existing is not None else 0


@dataclass
class Plan:
    """The list's assets to create or change, with their deployments, identifiers and
    BRIDGES links, and the chains to register (registry.importing.Plan)."""

    assets: list[PlannedAsset]
    bridges: list[Bridge]
    chains: ChainResolver
    source: str  # import:tokenlist:<list name>@<version>

    @property
    def pending(self) -> list[PlannedAsset]:
        """The assets that write something."""
        return [
            item
            for item in self.assets
            if item.existing is None
            or item.changes
            or item.deployment_rows
            or item.decimals_changes
            or item.link_identifier
            or item.conflicts
        ]

    def count(self, report: ImportReport) -> None:
        report.created["chains"] += len(self.chains.to_create)
        for item in self.assets:
            if item.existing is None:
                report.created["assets"] += 1
            elif item.changes:
                report.updated["assets"] += 1
            report.created["deployments"] += len(item.deployment_rows)
            report.updated["deployments"] += len(item.decimals_changes)
            report.created["identifiers"] += int(item.link_identifier)
            report.conflicts.update(conflict.kind for conflict in item.conflicts)
        report.created["relationships"] += len(self.bridges)


def plan(
    data: Any,
    *,
    report: ImportReport,
    overwrite: bool = False,
    create_chains: bool = False,
    chain_ids: str | None = None,
) -> Plan:
    """Check the token list ``data`` and its tokens, and decide each asset. ``chain_ids``
    names the list's chainId convention ("eip155" or "solana"); by default it is read
    from the list. ``create_chains``: plan the chains the registry lacks."""
    raw_tokens = check_list(data, report)
    report.items = len(raw_tokens)
    label = list_label(data)
    report.source = f"token list {label}"
    source = f"import:tokenlist:{label}"
    convention, why = chain_id_convention(raw_tokens, chain_ids)
    report.notes.append(f"chain ids: {convention.explain()} ({why})")
    chains = ChainResolver(convention, collect_chain_ids(raw_tokens), create_missing=create_chains)
    tokens = check_tokens(raw_tokens, chains, report)
    planned = plan_assets(tokens, chains, data["name"], report)
    decide_changes(planned, data["name"], source, overwrite, report)
    for item in planned:
        if item.deleted:
            report.reject(
                item.primary.label,
                f"its asset {item.existing.pk} is deleted; restore it first",
                count=len(item.tokens),
            )
    planned = [item for item in planned if not item.deleted]
    decide_decimals(planned, source, overwrite, report)
    planned = check_writes(planned, chains, data["name"], report)
    count_unchanged(planned, report)
    plan_identifiers(planned, source, report)
    bridges = plan_bridges(planned, chains, source, report)
    return Plan(planned, bridges, chains, source)


def apply(
    plan: Plan, *, report: ImportReport, batch_size: int, strict: bool, progress: Progress
) -> None:
    """Write the plan: chains to register, then per batch the new assets, their
    deployments, the updates and identifiers, then the BRIDGES links."""
    pending = plan.pending
    progress.start(len(pending), "tokens")
    with transaction.atomic():
        for chain in plan.chains.to_create.values():
            chain_create(
                **{
                    name: getattr(chain, name)
                    for name in (
                        "chain_id",
                        "name",
                        "chain_type",
                        "network_id",
                        "caip2_reference",
                        "is_testnet",
                        "metadata",
                    )
                }
            )
            report.created["chains"] += 1

    def write(batch):
        new_items = [item for item in batch if item.existing is None]
        created, errors = services.asset_bulk_create([item.new_asset for item in new_items])
        refused = {id(new_items[i]) for i in errors}
        for index, error in errors.items():
            _reject_item(new_items[index], error_text(error), report)
        for item in new_items:
            if id(item) not in refused:
                item.existing = item.new_asset
        report.created["assets"] += len(created)
        created_pks = {asset.pk for asset in created}
        live = [item for item in batch if item.existing is not None and id(item) not in refused]
        deployments = [row for item in live for row in item.deployment_rows]
        made, errors = services.deployment_bulk_create(deployments, fresh_asset_ids=created_pks)
        for index, error in errors.items():
            row = deployments[index]
            owner = next(item for item in live if row in item.deployment_rows)
            _refuse_node(owner, (row.chain_id, address_lookup_key(row.address)), error, report)
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
        provenance.report_conflicts(
            [conflict for item in live for conflict in item.conflicts], report.conflicts
        )

    apply_in_batches(pending, write, batch_size=batch_size, strict=strict, progress=progress)
    with transaction.atomic():
        _link_bridges(plan.bridges, report)
