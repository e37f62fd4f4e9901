"""Hot lookup of the quality app: an asset's active flags (its pre-trade key)."""

from assets.lookups import load_assets
from registry import cache


def flags_key(asset_id) -> str:
    return f"v1:flags:{asset_id}:active"


def register() -> None:
    """Called from QualityConfig.ready()."""
    cache.register_asset_keys(lambda asset_ids: {flags_key(asset_id) for asset_id in asset_ids})
    # The answer is the asset summary, which carries the active flags.
    cache.register_lookup(
        "flags",
        family="flags",
        parse=lambda params: {"asset": cache.uuid_param(params, "asset")},
        key_of=lambda r: flags_key(r["asset"]),
        load=load_assets,
    )
