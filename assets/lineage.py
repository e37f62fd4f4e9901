"""An asset's lineage: what it came from and what it became, and the origin of a variant.

- **Predecessors and successors** follow the lineage types (MIGRATES_TO, FORKS_FROM,
  REDENOMINATES) transitively: MATIC's successor is POL (1:1, on Ethereum from
  2023-10-25, on Polygon PoS from 2024-09-04); the new LUNA's predecessor is LUNC. Each
  entry carries its relationship's ratio (units of the successor per unit of the
  predecessor), chain scope and effective period, and the cumulative ratio along the path
  from the asset.
- **Former names** are the asset's rebrands (assets.names): the same asset, other names.
- **Origin**: for a variant, the path up to its root underlying along the variant types
  (wstETH -> stETH -> ETH), each step's conversion rate (units of the underlying per unit
  of the variant) and their product (None when a step floats).

A ``Moment`` asks as of a time: only relationships and names whose period holds
``as_of``; with ``known_at``, the rows as the registry recorded them then
(registry.timeline.as_recorded). Without a moment: every lineage relationship with its
period, and the origin along the relationships in effect now.
"""

from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone

from assets.choices import LINEAGE_RELATIONSHIP_TYPES
from assets.models import Asset, AssetName, AssetRelationship
from assets.names import names_at
from assets.querysets import VARIANT_RELATIONSHIP_TYPES
from registry.numbers import exact_normal
from registry.timeline import Moment, as_recorded, valid_at

# How far the walks go: a lineage is a handful of steps; this bounds a malformed graph.
MAX_DEPTH = 32


class NotRecordedError(LookupError):
    """The asset was not in the registry at the moment's known_at."""


def _relationships(moment: Moment | None, types: Iterable[str], *, in_effect_now: bool = False):
    """The relationships of ``types`` the question sees: as recorded at ``known_at``, whose
    period holds ``as_of`` (or now, for ``in_effect_now`` without a moment)."""
    if moment is not None and moment.known_at is not None:
        rows = as_recorded(AssetRelationship, moment.known_at)
    else:
        rows = AssetRelationship.objects.all()
    rows = rows.filter(relationship_type__in=list(types))
    if moment is not None:
        return rows.filter(valid_at("valid_from", "valid_to", moment.as_of))
    if in_effect_now:
        return rows.filter(valid_at("valid_from", "valid_to", timezone.now()))
    return rows


def _former_names(moment: Moment | None, asset_ids):
    if moment is not None and moment.known_at is not None:
        return as_recorded(AssetName, moment.known_at).filter(asset_id__in=list(asset_ids))
    return AssetName.objects.filter(asset_id__in=list(asset_ids))


def _summaries(asset_ids, moment: Moment | None) -> dict:
    """Each live asset's id, type and its symbol and name at the moment (its former name
    whose period holds ``as_of``, else the name it had, as recorded at ``known_at``)."""
    ids = set(asset_ids)
    if moment is not None and moment.known_at is not None:
        assets = as_recorded(Asset, moment.known_at).filter(
            asset_id__in=list(ids), deleted_at__isnull=True
        )
    else:
        assets = Asset.objects.filter(asset_id__in=list(ids))
    summaries = {
        row["asset_id"]: row for row in assets.values("asset_id", "symbol", "name", "asset_type")
    }
    if moment is not None:
        for asset_id, (symbol, name) in names_at(summaries, moment).items():
            summaries[asset_id].update(symbol=symbol, name=name)
    return summaries


def _times(row) -> dict:
    return {"valid_from": row.valid_from, "valid_to": row.valid_to}


def _walk(asset_id, moment: Moment | None, *, upward: bool) -> list[dict]:
    """The lineage on one side of ``asset_id``, breadth first: each relationship once,
    with its depth and the cumulative ratio from the asset (units of the later asset per
    unit of the earlier, the product of the ratios along the path; None where one is
    unknown)."""
    near, far = (
        ("child_asset_id", "parent_asset_id") if upward else ("parent_asset_id", "child_asset_id")
    )
    cumulative = {asset_id: Decimal(1)}
    frontier, seen, entries = [asset_id], {asset_id}, []
    for depth in range(1, MAX_DEPTH + 1):
        if not frontier:
            break
        edges = (
            _relationships(moment, LINEAGE_RELATIONSHIP_TYPES)
            .filter(**{f"{near}__in": frontier})
            .order_by("valid_from", "created_at", "relationship_id")
        )
        next_frontier = []
        for edge in edges:
            other, via = getattr(edge, far), getattr(edge, near)
            rate, before = edge.conversion_rate, cumulative.get(via)
            ratio = rate * before if rate is not None and before is not None else None
            entries.append(
                {
                    "asset_id": other,
                    "via": via,
                    "depth": depth,
                    "relationship_id": getattr(edge, "relationship_id", None),
                    "relationship_type": edge.relationship_type,
                    "conversion_rate": rate,
                    "chain": edge.chain_id,
                    **_times(edge),
                    "cumulative_ratio": ratio,
                }
            )
            if other not in seen:
                seen.add(other)
                cumulative[other] = ratio
                next_frontier.append(other)
        frontier = next_frontier
    return entries


def _origin(asset_id, moment: Moment | None) -> dict | None:
    """The path from ``asset_id`` up to its root underlying along the variant types; None
    for an asset that is no variant."""
    steps, current, seen = [], asset_id, {asset_id}
    while len(steps) < MAX_DEPTH:
        edge = (
            _relationships(moment, VARIANT_RELATIONSHIP_TYPES, in_effect_now=True)
            .filter(child_asset_id=current)
            .order_by("relationship_type", "created_at", "parent_asset_id")
            .first()
        )
        if edge is None or edge.parent_asset_id in seen:
            break
        steps.append(
            {
                "asset_id": edge.parent_asset_id,
                "from_asset_id": current,
                "relationship_type": edge.relationship_type,
                "conversion_rate": edge.conversion_rate,
            }
        )
        current = edge.parent_asset_id
        seen.add(current)
    if not steps:
        return None
    product: Decimal | None = Decimal(1)
    for step in steps:
        rate = step["conversion_rate"]
        product = product * rate if product is not None and rate is not None else None
    return {
        "root_asset_id": current,
        "steps": steps,
        "conversion_rate": exact_normal(product) if product is not None else None,
    }


def lineage(asset_id, moment: Moment | None = None) -> dict:
    """The lineage answer of ``asset_id`` (a live asset) at ``moment``.

    Raises NotRecordedError when ``known_at`` is before the registry recorded it."""
    predecessors = _walk(asset_id, moment, upward=True)
    successors = _walk(asset_id, moment, upward=False)
    origin = _origin(asset_id, moment)
    related = {asset_id}
    related |= {e["asset_id"] for e in predecessors + successors}
    related |= {e["via"] for e in predecessors + successors}
    if origin is not None:
        related |= {step["asset_id"] for step in origin["steps"]}
    summaries = _summaries(related, moment)
    if asset_id not in summaries:
        raise NotRecordedError(asset_id)

    def shown(entries):
        return [
            {**e, "asset": summaries[e["asset_id"]]} for e in entries if e["asset_id"] in summaries
        ]

    former = _former_names(moment, [asset_id]).order_by("valid_to")
    if origin is not None:
        origin["steps"] = [
            {**step, "asset": summaries[step["asset_id"]]}
            for step in origin["steps"]
            if step["asset_id"] in summaries
        ]
        origin["root"] = summaries.get(origin.pop("root_asset_id"))
    return {
        "asset": summaries[asset_id],
        "as_of": moment.as_of if moment else None,
        "known_at": moment.known_at if moment else None,
        # The names it had by then (as of a time), or all of them.
        "former_names": [
            {"symbol": f.symbol, "name": f.name, **_times(f)}
            for f in former
            if moment is None or f.valid_from is None or f.valid_from <= moment.as_of
        ],
        "predecessors": shown(predecessors),
        "successors": shown(successors),
        "origin": origin,
    }
