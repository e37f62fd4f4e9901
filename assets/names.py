"""An asset's former names: what its symbol and name were at a time (a rebrand: LUNA
became LUNC on 2022-05-28, the same asset).

The asset's row holds its current name; ``AssetName`` rows hold the former ones, each a
closed period. ``close_name`` is called by the asset's services whenever a symbol or name
changes, whatever the path (API, admin, gRPC, importers, the exchange): it never rewrites
a period, it adds the one that just closed.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from assets.models import Asset, AssetName
from registry import timeline
from registry.timeline import CLOCK_SKEW, EARLIEST

NAME_FIELDS = ("symbol", "name")


def check_renamed_at(asset: Asset, renamed_at: dt.datetime | None) -> dt.datetime:
    """When a rename of ``asset`` takes effect: ``renamed_at`` (a backdated rebrand), or
    now. A ValidationError naming ``renamed_at`` when it is in the future, or not after the
    asset's last rename (the past is not rewritten)."""
    now = timezone.now()
    if renamed_at is None:
        return now
    if renamed_at > now + CLOCK_SKEW:
        raise ValidationError({"renamed_at": ["In the future; a rename is recorded once made."]})
    if renamed_at < EARLIEST:
        raise ValidationError({"renamed_at": ["The registry holds nothing before 1970-01-01."]})
    last = AssetName.objects.filter(asset=asset).order_by("-valid_to").first()
    if last is not None and renamed_at <= last.valid_to:
        raise ValidationError(
            {
                "renamed_at": [
                    f"Not after the asset's last rename ({last.valid_to.isoformat()}, from "
                    f"{last.symbol}): a rename closes the current name, it does not "
                    "rewrite a former one."
                ]
            }
        )
    return renamed_at


def close_name(asset: Asset, symbol: str, name: str, at: dt.datetime) -> AssetName:
    """Record that ``asset`` was called ``symbol`` / ``name`` until ``at``: the period
    runs from the previous rename (or since always, for its first name)."""
    last = AssetName.objects.filter(asset=asset).order_by("-valid_to").first()
    return AssetName.objects.create(
        asset=asset,
        symbol=symbol,
        name=name,
        valid_from=last.valid_to if last is not None else None,
        valid_to=at,
    )


def names_at(asset_ids, moment) -> dict:
    """``{asset_id: (symbol, name)}`` at a ``registry.timeline.Moment``: the former name
    whose period holds its ``as_of``, else the asset's name, both as the registry held
    them at its ``known_at`` (a rebrand is valid time: LUNA until 2022-05-28, however
    late that was recorded). Two queries, for every reader of names at a moment (the hot
    lookups, an asset's detail, GetAsset, the lineage answer)."""
    ids = list(set(asset_ids))
    if not ids:
        return {}
    held = timeline.held_rows(Asset, moment, pk__in=ids).values_list("asset_id", "symbol", "name")
    names = {asset_id: (symbol, name) for asset_id, symbol, name in held}
    former = timeline.held_rows(
        AssetName,
        moment,
        timeline.valid_at("valid_from", "valid_to", moment.as_of),
        asset_id__in=ids,
    ).values_list("asset_id", "symbol", "name")
    names.update({asset_id: (symbol, name) for asset_id, symbol, name in former})
    return names


def call_as_then(asset: Asset, moment) -> Asset:
    """``asset`` (an instance read as of ``moment``) with the symbol and name it had
    then (``names_at``), as every answer about the moment shows it."""
    asset.symbol, asset.name = names_at([asset.pk], moment).get(
        asset.pk, (asset.symbol, asset.name)
    )
    return asset
