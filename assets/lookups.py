"""Hot lookups of the assets app: cache keys, answers built from PostgreSQL, and the keys
a write affects. The protocol (read-through, invalidation) is registry.cache's.

Answers embed an *asset summary* (id, symbol, name, type, and what the apps above add to
it through ``register_summary_extension``, such as the active flags), so anything that
changes a summary invalidates every key embedding it (``registry.cache.keys_for_assets``).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from django.db import connection
from django.db.models import Q
from django.db.models.lookups import In

from assets import names
from assets.choices import LINEAGE_RELATIONSHIP_TYPES
from assets.models import (
    CAIP19_EVM_NAMESPACES,
    Asset,
    AssetDeployment,
    AssetGroup,
    AssetGroupMember,
    AssetName,
    AssetRelationship,
)
from assets.querysets import COLLISION_SAMPLE, VARIANT_RELATIONSHIP_TYPES
from chains import caip
from chains.addresses import AddressKey, address_lookup_key
from chains.models import Chain
from registry import cache, text, timeline
from registry.api.exceptions import error_body
from registry.api.resolve import register_read_permission
from registry.numbers import plain_decimal

_EVM_SHAPED = re.compile(r"^0[xX][0-9a-fA-F]{40}$")


def dumps(value) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_UTC_Z)


def not_found(reason: str) -> cache.Answer:
    return False, dumps(error_body("not_found", reason))


# --- keys ------------------------------------------------------------------------------


def address_lookup_form(address: str) -> str:
    """EVM addresses compare in any case; everything else exactly (base58 is case-sensitive)."""
    address = address.strip()
    return address.lower() if _EVM_SHAPED.match(address) else address


def deployment_key(chain_id: str, address: str) -> str:
    return f"v1:deployment:{chain_id}:{address_lookup_form(address)}"


def address_key(address: str) -> str:
    """The chainless lookup's key: every deployment at this address, on any chain."""
    return f"v1:address:{address_lookup_form(address)}"


def asset_key(asset_id) -> str:
    return f"v1:asset:id:{asset_id}"


def symbol_key(symbol_key_value: str) -> str:
    """The key of a symbol's answer, by the symbol's ``text.symbol_key`` (the column's)."""
    return f"v1:asset:symbol:{symbol_key_value}:*"


def group_key(canonical_symbol: str) -> str:
    return f"v1:group:{text.symbol_key(canonical_symbol)}:members"


def variants_key(asset_id) -> str:
    return f"v1:variants:{asset_id}"


# --- answers ---------------------------------------------------------------------------


# The asset fields an asset summary shows: a change to any other field is in no hot answer.
SUMMARY_FIELDS = {"symbol", "name", "asset_type"}


@dataclass(frozen=True)
class SummaryExtension:
    """What an app above adds to every asset summary (the active flags, say).

    ``annotations``: expressions by name, added to the summaries' one query (values() of
    the asset, so an aggregate over a reverse relation is grouped by asset);
    ``complete(row, summary)``: adds the app's fields to the summary from the query's row,
    in answer order (in place: no dict per row, this runs for every asset of a batch);
    ``complete_at(summaries, moment)``: the same fields as they were at a
    ``registry.timeline.Moment``, for summaries by asset id (one query for all).
    """

    annotations: dict[str, Any]
    complete: Callable[[dict, dict], None]
    complete_at: Callable[[dict, Any], None]


# In registration order (INSTALLED_APPS order): the order of their fields in the answer.
SUMMARY_EXTENSIONS: list[SummaryExtension] = []


def register_summary_extension(*, annotations: dict[str, Any], complete, complete_at) -> None:
    """Called from an upper app's AppConfig.ready(); its fields follow the asset's own."""
    SUMMARY_EXTENSIONS.append(
        SummaryExtension(annotations=annotations, complete=complete, complete_at=complete_at)
    )


# Where the assets traded somewhere come from (an app above that knows: the venues'
# tickers). The hot paths are asked about these before an order, so warm_cache loads
# their answers (the flags of each) before traffic arrives.
TRADED_ASSETS: list[Callable[[], Any]] = []


def register_traded_assets(asset_ids: Callable[[], Any]) -> None:
    """``asset_ids()`` is a query of the ids of assets traded somewhere (``values_list``)."""
    TRADED_ASSETS.append(asset_ids)


def traded_asset_ids(limit: int | None) -> list:
    """The ids of the assets traded somewhere, in id order (at most ``limit``)."""
    if not TRADED_ASSETS:
        return []
    first, *others = (asset_ids() for asset_ids in TRADED_ASSETS)
    ids = first.union(*others) if others else first.distinct()
    return list(ids.order_by("asset_id")[:limit])


def asset_summaries(asset_ids, moment=None) -> dict:
    """Summaries of live assets by id, with what the apps above add: one query for any
    number. With a ``moment``: the summaries of the assets live then, as they were."""
    if moment is not None:
        return _asset_summaries_at(set(asset_ids), moment)
    rows = Asset.objects.filter(pk__in=set(asset_ids)).values(
        "asset_id", "symbol", "name", "asset_type"
    )
    for extension in SUMMARY_EXTENSIONS:
        rows = rows.annotate(**extension.annotations)
    summaries = {}
    for row in rows:
        summary = {
            "asset_id": row["asset_id"],
            "symbol": row["symbol"],
            "name": row["name"],
            "asset_type": row["asset_type"],
        }
        for extension in SUMMARY_EXTENSIONS:
            extension.complete(row, summary)
        summaries[row["asset_id"]] = summary
    return summaries


def _asset_summaries_at(asset_ids: set, moment) -> dict:
    """Summaries as they were at ``moment``. A symbol and name are the former name whose
    period holds ``as_of`` (a rebrand is valid time: LUNA until 2022-05-28, whenever
    that was recorded), else the asset's name as the registry held it at ``known_at``;
    its type and whether it was deleted by then are facts true from when recorded
    (registry.timeline.state_at)."""
    states = timeline.state_at(Asset, moment.as_of, moment.known_at, pgh_obj_id__in=asset_ids)
    held = names.names_at(asset_ids, moment)
    not_yet = _successors_not_yet(asset_ids, moment)
    summaries = {}
    for row in states.values("asset_id", "asset_type", "deleted_at"):
        asset_id = row["asset_id"]
        if row["deleted_at"] is not None and row["deleted_at"] <= moment.as_of:
            continue
        if asset_id in not_yet:
            continue
        symbol, name = held[asset_id]
        summaries[asset_id] = {
            "asset_id": asset_id,
            "symbol": symbol,
            "name": name,
            "asset_type": row["asset_type"],
        }
    for extension in SUMMARY_EXTENSIONS:
        extension.complete_at(summaries, moment)
    return summaries


def _successors_not_yet(asset_ids, moment) -> set:
    """The assets that came into being after ``as_of`` by a lineage relationship (POL by
    MATIC's migration, the new LUNA by the fork of 2022-05-28): a successor is not there
    before the earliest of its lineage periods, however early it was recorded."""
    earliest: dict = {}
    for child, valid_from in timeline.held_rows(
        AssetRelationship,
        moment,
        child_asset_id__in=list(asset_ids),
        relationship_type__in=LINEAGE_RELATIONSHIP_TYPES,
    ).values_list("child_asset_id", "valid_from"):
        if valid_from is None or earliest.get(child, valid_from) is None:
            earliest[child] = None  # since always
        else:
            earliest[child] = min(earliest.get(child, valid_from), valid_from)
    return {
        child for child, start in earliest.items() if start is not None and start > moment.as_of
    }


def collision_set(symbol_key_value: str, sets: dict) -> dict:
    return sets.get(symbol_key_value, {"count": 0, "assets": []})


def load_deployments(requests: list[dict], moment=None) -> list[cache.Answer]:
    wanted = {(r["chain"], address_lookup_form(r["address"])) for r in requests}
    chains = {chain for chain, _ in wanted}
    address_keys = {address_lookup_key(a) for _, a in wanted}
    if moment is None:
        rows = (
            AssetDeployment.objects.resolvable()
            .alias(address_key=AddressKey("address"))
            .filter(chain_id__in=chains, address_key__in=address_keys)
            .select_related("asset", "chain")
        )
        summaries = None
    else:
        rows = _deployments_at(moment, chains, address_keys)
        summaries = asset_summaries({d.asset_id for d in rows}, moment)
        rows = [d for d in rows if d.asset_id in summaries]  # the assets live then
    found = {}
    for deployment in rows:
        found[(deployment.chain_id, address_lookup_form(deployment.address))] = deployment
    if summaries is None:
        summaries = asset_summaries(d.asset_id for d in found.values())
    symbol_keys = {
        d.asset_id: text.symbol_key(summaries[d.asset_id]["symbol"]) for d in found.values()
    }
    sets = collision_sets(symbol_keys.values(), moment)
    answers = []
    for request in requests:
        deployment = found.get((request["chain"], address_lookup_form(request["address"])))
        if deployment is None:
            answers.append(
                not_found(
                    f"No deployment at {request['address']} on {request['chain']}{then(moment)}."
                    if request["address"]
                    else f"No native deployment without an address on {request['chain']}"
                    f"{then(moment)}."
                )
            )
            continue
        answers.append(
            (
                True,
                dumps(
                    {
                        "deployment": {
                            "deployment_id": deployment.deployment_id,
                            "chain": deployment.chain_id,
                            "address": deployment.address,
                            "decimals": deployment.decimals,
                            "is_native": deployment.is_native,
                            "is_canonical": deployment.is_canonical,
                            "caip19": deployment_caip19(deployment, summaries[deployment.asset_id]),
                            # What gRPC's AssetDeployment shows besides (chain_keys).
                            "chain_name": deployment.chain.name,
                            "is_verified": deployment.is_verified,
                            "deployed_at": deployment.deployed_at,
                            "metadata": deployment.metadata,
                            "created_at": deployment.created_at,
                            "updated_at": deployment.updated_at,
                            "version": deployment.version,
                        },
                        "asset": summaries[deployment.asset_id],
                        "symbol_collisions": collision_set(symbol_keys[deployment.asset_id], sets),
                    }
                ),
            )
        )
    return answers


def deployment_caip19(deployment: AssetDeployment, summary: dict) -> str | None:
    """``AssetDeployment.caip19`` from the asset's summary (no query for the asset)."""
    return caip.caip19_of(
        deployment.chain,
        address=deployment.address,
        is_native=deployment.is_native,
        evm_namespace=CAIP19_EVM_NAMESPACES.get(summary["asset_type"], "erc20"),
    )


def load_addresses(requests: list[dict], moment=None) -> list[cache.Answer]:
    """Every deployment at an address, on any chain (EVM-shaped addresses in any letter
    case, others exactly: ``address_lookup_form``), and whether they are one asset.

    Two queries for any number of addresses: the deployments (by the address-key index,
    with their chains) and the asset summaries. Different assets at one address are a
    collision: EVM addresses repeat across chains, and one address may be one token on
    Ethereum and another on BSC.
    """
    forms = {address_lookup_form(r["address"]) for r in requests}
    keys = {address_lookup_key(form) for form in forms}
    if moment is None:
        rows = list(
            AssetDeployment.objects.resolvable()
            .alias(address_key=AddressKey("address"))
            .filter(address_key__in=keys)
            .select_related("chain")
        )
    else:
        rows = _deployments_at(moment, None, keys)
    summaries = asset_summaries({d.asset_id for d in rows}, moment)
    at: dict[str, list[AssetDeployment]] = {}
    for deployment in sorted(rows, key=lambda d: d.chain_id):
        if deployment.asset_id in summaries:  # the assets live (then)
            at.setdefault(address_lookup_form(deployment.address), []).append(deployment)
    answers = []
    for request in requests:
        form = address_lookup_form(request["address"])
        deployments = at.get(form)
        if not deployments:
            answers.append(not_found(f"No deployment at {form} on any chain{then(moment)}."))
            continue
        answers.append((True, dumps(_address_answer(form, deployments, summaries))))
    return answers


def _address_answer(form: str, deployments: list[AssetDeployment], summaries: dict) -> dict:
    assets: dict = {}  # asset_id -> {summary, chains}, in the order first met
    for deployment in deployments:
        entry = assets.setdefault(
            deployment.asset_id, {**summaries[deployment.asset_id], "chains": []}
        )
        entry["chains"].append(deployment.chain_id)
    collision = None
    if len(assets) > 1:
        named = "; ".join(
            f"{entry['symbol']} ({entry['name']}, {entry['asset_id']}) on "
            f"{', '.join(entry['chains'])}"
            for entry in assets.values()
        )
        collision = {
            "count": len(assets),
            "message": f"{len(assets)} different assets at {form}: {named}.",
        }
    return {
        "address": form,
        "deployments": [
            {
                "deployment_id": deployment.deployment_id,
                "chain": deployment.chain_id,
                "chain_name": deployment.chain.name,
                "caip2": deployment.chain.caip2,
                "caip19": deployment_caip19(deployment, summaries[deployment.asset_id]),
                "address": deployment.address,
                "decimals": deployment.decimals,
                "is_native": deployment.is_native,
                "is_canonical": deployment.is_canonical,
                "asset": summaries[deployment.asset_id],
            }
            for deployment in deployments
        ],
        "assets": list(assets.values()),
        "same_asset": len(assets) == 1,
        "collision": collision,
    }


def then(moment) -> str:
    """How a not-found reason names the moment it was asked about."""
    return "" if moment is None else f" {moment.in_words()}"


def _deployments_at(moment, chains: set | None, address_keys: set) -> list[AssetDeployment]:
    """The deployments at these addresses as they were at ``moment``: a deployment's
    address, asset and decimals are facts true from when recorded (a corrected value
    closes the old one's period when the correction is made). ``chains`` None: on any
    chain."""
    rows = timeline.state_at(
        AssetDeployment,
        moment.as_of,
        moment.known_at,
        In(AddressKey("address"), sorted(address_keys)),
        **({} if chains is None else {"chain_id__in": chains}),
    )
    deployments = timeline.instances(AssetDeployment, rows)
    by_chain = timeline.objects_at(Chain, moment, (d.chain_id for d in deployments))
    deployments = [d for d in deployments if d.chain_id in by_chain]
    for deployment in deployments:
        deployment.chain = by_chain[deployment.chain_id]
    return deployments


def load_assets(requests: list[dict], moment=None) -> list[cache.Answer]:
    """Asset summaries by id (also the answer of lookups above that show one asset)."""
    summaries = asset_summaries((r["asset"] for r in requests), moment)
    return [
        (True, dumps(summaries[r["asset"]]))
        if r["asset"] in summaries
        else not_found(f"No live asset {r['asset']}{then(moment)}.")
        for r in requests
    ]


def load_symbols(requests: list[dict], moment=None) -> list[cache.Answer]:
    """Every live asset with each symbol (the oldest few, and how many). With a
    ``moment``: those live then and called so then (LUNA in 2021: Terra's, LUNC since)."""
    keys = {text.symbol_key(r["symbol"]) for r in requests}
    sets = collision_sets(keys, moment)
    summaries = asset_summaries({a["asset_id"] for c in sets.values() for a in c["assets"]}, moment)
    answers = []
    for request in requests:
        key = text.symbol_key(request["symbol"])
        collisions = sets.get(key, {"count": 0, "assets": []})
        assets = [
            {**summaries[m["asset_id"]], "chains": m["chains"]}
            for m in collisions["assets"]
            if m["asset_id"] in summaries
        ]
        if not assets:
            answers.append(
                not_found(f"No live asset has the symbol {request['symbol']!r}{then(moment)}.")
            )
            continue
        answers.append(
            (True, dumps({"symbol": key, "count": collisions["count"], "assets": assets}))
        )
    return answers


def collision_sets(keys, moment=None) -> dict:
    """Who shares each symbol key: now, the live assets with it
    (``Asset.objects.collision_sets``); at a ``moment``, the assets live then and called
    so then: one renamed since counts under its name of then (a former name), and a
    lineage successor not yet there does not count."""
    keys = set(keys)
    sets = Asset.objects.collision_sets(keys, moment=moment)
    if moment is None:
        return sets
    renamed = _called_then(keys, moment)
    sampled = {a["asset_id"] for entry in sets.values() for a in entry["assets"]}
    extra = set(renamed) - sampled
    if extra:  # the renamed ones live then
        extra = set(
            Asset._base_manager.filter(pk__in=extra)
            .filter(Q(deleted_at__isnull=True) | Q(deleted_at__gt=moment.as_of))
            .values_list("asset_id", flat=True)
        )
    names_then = names.names_at(sampled | extra, moment)
    not_yet = _successors_not_yet(sampled | extra, moment)
    chains_of = _chains_of(extra)
    adjusted = {}
    for key in keys:
        entry = sets.get(key, {"count": 0, "assets": []})
        members = [(m["asset_id"], m["chains"]) for m in entry["assets"]]
        members += [(a, chains_of.get(a, [])) for a in extra if renamed[a] == key]
        kept = []
        for asset_id, chains in members:
            name = names_then.get(asset_id)
            if name is None or asset_id in not_yet or text.symbol_key(name[0]) != key:
                continue
            kept.append({"asset_id": asset_id, "name": name[1], "chains": chains})
        listed = {m["asset_id"] for m in entry["assets"]}
        shown = {m["asset_id"] for m in kept}
        # Today's count, less the listed ones called otherwise then, plus those called
        # so then and otherwise now.
        count = entry["count"] - len(listed - shown) + len(shown - listed)
        if count > 0:
            adjusted[key] = {"count": count, "assets": kept[:COLLISION_SAMPLE]}
    return adjusted


def _called_then(keys: set, moment) -> dict:
    """{asset_id: symbol key} of the assets whose former name at ``moment`` has one of
    these symbol keys."""
    rows = timeline.held_rows(
        AssetName,
        moment,
        timeline.valid_at("valid_from", "valid_to", moment.as_of),
        In(text.SymbolKey("symbol"), sorted(keys)),
    )
    return {
        asset_id: text.symbol_key(symbol)
        for asset_id, symbol in rows.values_list("asset_id", "symbol")
    }


def _chains_of(asset_ids) -> dict:
    chains: dict = {}
    for asset_id, chain_id in (
        AssetDeployment.objects.filter(asset_id__in=list(asset_ids))
        .order_by("chain_id")
        .values_list("asset_id", "chain_id")
        .distinct()
    ):
        chains.setdefault(asset_id, []).append(chain_id)
    return chains


def _variants_of(root_ids, moment=None) -> list[dict]:
    """The variant closure of several roots, each variant once, by its shortest path."""
    return AssetRelationship.objects.variant_paths(
        root_ids, VARIANT_RELATIONSHIP_TYPES, moment=moment
    )


def _variant_entries(rows: list[dict], exclude=(), summaries=None, moment=None) -> list[dict]:
    if summaries is None:
        summaries = asset_summaries({asset for row in rows for asset in row["path"]}, moment)
    return [
        {
            "asset": summaries[row["asset_id"]],
            "depth": row["depth"],
            "relationship_types": row["relationship_types"],
            # Plain notation, as the schema says: "1000", never str()'s "1E+3".
            "conversion_rate": f"{row['conversion_rate']:f}"
            if row["conversion_rate"] is not None
            else None,
            "path": [str(asset) for asset in row["path"]],
        }
        for row in rows
        if row["asset_id"] not in exclude and row["asset_id"] in summaries
    ]


def _members(group, moment) -> list[dict]:
    """A group's members (asset, canonical, weight), the canonical first, then the
    oldest: now, or as they were at ``moment`` (a membership is a fact true from when
    recorded)."""
    order = ("-is_canonical", "created_at", "id")
    fields = ("asset_id", "is_canonical", "weight")
    if moment is None:
        members = AssetGroupMember.objects.of_live("asset").filter(group=group)
    else:
        members = timeline.state_at(
            AssetGroupMember, moment.as_of, moment.known_at, group_id=group.pk
        )
    return list(members.order_by(*order).values(*fields))


def load_groups(requests: list[dict], moment=None) -> list[cache.Answer]:
    answers = []
    for request in requests:
        group = AssetGroup.objects.with_canonical_symbol(request["group"]).first()
        if group is not None and moment is not None:
            group = timeline.object_at(AssetGroup, moment, pk=group.pk)  # recorded by then?
        if group is None:
            answers.append(
                not_found(f"No group with the canonical symbol {request['group']!r}{then(moment)}.")
            )
            continue
        members = _members(group, moment)
        member_ids = [m["asset_id"] for m in members]
        summaries = asset_summaries(member_ids, moment)
        body = {
            "group": {"group_id": group.group_id, "canonical_symbol": group.canonical_symbol},
            "members": [
                {
                    **summaries[m["asset_id"]],
                    "is_canonical": m["is_canonical"],
                    "weight": plain_decimal(m["weight"]),
                }
                for m in members
                if m["asset_id"] in summaries
            ],
            "variants": _variant_entries(
                _variants_of(member_ids, moment), exclude=set(member_ids), moment=moment
            ),
        }
        answers.append((True, dumps(body)))
    return answers


def load_variants(requests: list[dict], moment=None) -> list[cache.Answer]:
    """Three queries for any number of roots (a batch of 1,000 made 2,000 of them)."""
    roots = asset_summaries((r["asset"] for r in requests), moment)
    paths = AssetRelationship.objects.variant_paths_per_root(
        roots, VARIANT_RELATIONSHIP_TYPES, moment
    )
    summaries = asset_summaries(
        {asset for rows in paths.values() for row in rows for asset in row["path"]}, moment
    )
    answers = []
    for request in requests:
        root = roots.get(request["asset"])
        if root is None:
            answers.append(not_found(f"No live asset {request['asset']}{then(moment)}."))
            continue
        variants = _variant_entries(paths.get(root["asset_id"], []), summaries=summaries)
        answers.append((True, dumps({"root": root, "variants": variants})))
    return answers


# --- keys a write affects ----------------------------------------------------------------


def ancestor_ids(asset_ids) -> set:
    """The assets and every asset they are (transitively) a variant of."""
    ids = [str(asset_id) for asset_id in asset_ids]
    if not ids:
        return set()
    table = AssetRelationship._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH RECURSIVE up(asset_id) AS (
                SELECT unnest(%s::uuid[])
                UNION
                SELECT r.parent_asset_id FROM {table} r JOIN up ON r.child_asset_id = up.asset_id
            )
            SELECT asset_id FROM up
            """,
            [ids],
        )
        return {row[0] for row in cursor.fetchall()}


def aggregation_keys(asset_ids) -> set[str]:
    """Group and variant answers that can show these assets: theirs and their ancestors'."""
    roots = ancestor_ids(asset_ids)
    symbols = AssetGroup.objects.filter(members__asset_id__in=roots).values_list(
        "canonical_symbol", flat=True
    )
    return {variants_key(root) for root in roots} | {group_key(symbol) for symbol in symbols}


def asset_keys(asset_ids: set) -> set[str]:
    """The assets app's share of registry.cache.keys_for_assets."""
    keys = {asset_key(asset_id) for asset_id in asset_ids}
    for chain_id, address in AssetDeployment.objects.filter(asset_id__in=asset_ids).values_list(
        "chain_id", "address"
    ):
        keys |= deployment_keys(chain_id, address)
    for value in Asset.all_objects.filter(pk__in=asset_ids).values_list("symbol_key", flat=True):
        keys.add(symbol_key(value))
    return keys | aggregation_keys(asset_ids)


def keys_for_symbols(symbol_key_values, fresh_asset_ids=()) -> set[str]:
    """Everything that shows the collision set of these symbols (who shares them, where).

    ``fresh_asset_ids``: assets created in the current transaction, which no cached
    answer can show yet, so their own keys are left out (a bulk import's thousands).
    """
    values = set(symbol_key_values)
    ids = set(
        Asset.objects.filter(symbol_key__in=values)
        .exclude(pk__in=list(fresh_asset_ids))
        .values_list("asset_id", flat=True)
    )
    return cache.keys_for_assets(ids) | {symbol_key(value) for value in values}


def chain_keys(chain_ids: set) -> set[str]:
    """The keys of the deployment and address answers that show these chains (their
    names, CAIP-2 ids and the CAIP-19 ids derived from them)."""
    rows = AssetDeployment.objects.filter(chain_id__in=chain_ids).values_list("chain_id", "address")
    return {key for chain_id, address in rows for key in deployment_keys(chain_id, address)}


def deployment_keys(chain_id: str, address: str) -> set[str]:
    """The keys that show a deployment at ``address`` on a chain: its (chain, address)
    key (``""``: the native coin without an address, which its CAIP-19 id names) and,
    with an address, the chainless key."""
    keys = {deployment_key(chain_id, address)}
    if address:
        keys.add(address_key(address))
    return keys


def deployments_to_warm(limit: int | None):
    """warm_cache: every resolvable deployment that has an address."""
    rows = (
        AssetDeployment.objects.resolvable()
        .exclude(address="")
        .order_by("deployment_id")
        .values_list("chain_id", "address")
    )
    return ({"chain": chain, "address": address} for chain, address in rows[:limit])


def addresses_to_warm(limit: int | None):
    """warm_cache: every address a resolvable deployment has, once (on any chain)."""
    rows = (
        AssetDeployment.objects.resolvable()
        .exclude(address="")
        .order_by("deployment_id")
        .values_list("address", flat=True)
    )
    seen: set[str] = set()
    for address in rows.iterator():
        form = address_lookup_form(address)
        if form not in seen:
            if limit is not None and len(seen) >= limit:
                return
            seen.add(form)
            yield {"address": address}


def groups_to_warm(limit: int | None):
    """warm_cache: every group, by its canonical symbol."""
    symbols = AssetGroup.objects.order_by("group_id").values_list("canonical_symbol", flat=True)
    return ({"group": symbol} for symbol in symbols[:limit])


def deployment_request(params: dict) -> dict:
    """A deployment lookup's (chain, address): ``chain`` (a slug, or a CAIP-2 id: one
    query for the chain) and ``address``, or ``caip19`` alone (chains.caip; a native
    coin's ``slip44`` id is the chain's deployment without an address)."""
    if params.get("caip19") is not None:
        if params.get("chain") is not None or params.get("address") is not None:
            raise ValueError("caip19: give caip19, or chain and address; not both.")
        parsed = caip.parse_caip19(cache.text_param(params, "caip19"), "caip19")
        chain = caip.chain_of(parsed.chain, "caip19")
        return {"chain": chain.chain_id, "address": caip.deployment_address(parsed, chain)}
    chain = cache.text_param(params, "chain")
    return {
        "chain": caip.chain_id_of(chain)
        if caip.looks_like_caip2(chain)
        else cache.slug_param(params, "chain"),
        "address": cache.text_param(params, "address"),
    }


def register() -> None:
    """The asset lookups, their warm-up, and who may read them (whoever may read assets)."""
    register_read_permission("assets.view_asset")
    cache.register_asset_keys(asset_keys)
    cache.register_chain_keys(chain_keys)
    lookups = {
        "deployment": (
            "deployment",
            deployment_request,
            lambda r: deployment_key(r["chain"], r["address"]),
            load_deployments,
        ),
        "address": (
            "address",
            lambda p: {"address": cache.text_param(p, "address")},
            lambda r: address_key(r["address"]),
            load_addresses,
        ),
        "asset": (
            "asset",
            lambda p: {"asset": cache.uuid_param(p, "asset")},
            lambda r: asset_key(r["asset"]),
            load_assets,
        ),
        "symbol": (
            "symbol",
            lambda p: {"symbol": cache.text_param(p, "symbol")},
            lambda r: symbol_key(text.symbol_key(r["symbol"])),
            load_symbols,
        ),
        "group": (
            "group",
            lambda p: {"group": cache.text_param(p, "group")},
            lambda r: group_key(r["group"]),
            load_groups,
        ),
        "variants": (
            "variants",
            lambda p: {"asset": cache.uuid_param(p, "asset")},
            lambda r: variants_key(r["asset"]),
            load_variants,
        ),
    }
    for lookup_type, (family, parse, key_of, load) in lookups.items():
        cache.register_lookup(lookup_type, family=family, parse=parse, key_of=key_of, load=load)
    cache.register_warm_up("deployment", deployments_to_warm, weight=20)
    cache.register_warm_up("address", addresses_to_warm, weight=25)
    cache.register_warm_up("group", groups_to_warm, weight=30)
