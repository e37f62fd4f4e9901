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


def names_at(asset_ids, instant: dt.datetime) -> dict:
    """``{asset_id: (symbol, name)}`` of the assets whose symbol or name at ``instant``
    was not today's; an asset called then as now is absent. One query, for the hot
    lookups' "as of" answers."""
    ids = list(asset_ids)
    if not ids:
        return {}
    rows = (
        AssetName.objects.valid_at(instant)
        .filter(asset_id__in=ids)
        .values_list("asset_id", "symbol", "name", "asset__symbol", "asset__name")
    )
    return {
        asset_id: (symbol, name)
        for asset_id, symbol, name, current_symbol, current_name in rows
        if (symbol, name) != (current_symbol, current_name)
    }
