"""Hot lookups of the quality app: an asset's active flags (its pre-trade key), and the
active flags every asset summary of the hot answers shows (an extension of assets')."""

from datetime import datetime

from django.contrib.postgres.aggregates import JSONBAgg
from django.db.models import F, JSONField, Q, Value
from django.db.models.functions import JSONObject

from assets.lookups import load_assets, register_summary_extension, traded_asset_ids
from quality.models import AssetQualityFlag
from registry import cache, timeline

# An asset's unresolved flags, aggregated in the summaries' one query over the asset's
# reverse relation: the most severe first, then the oldest.
ACTIVE_FLAGS = JSONBAgg(
    JSONObject(
        flag_id="quality_flags__flag_id",
        flag_type="quality_flags__flag_type",
        severity="quality_flags__severity",
        source="quality_flags__source",
        reason="quality_flags__reason",
        evidence_url="quality_flags__evidence_url",
        raised_at="quality_flags__raised_at",
        raised_by="quality_flags__raised_by",
        metadata="quality_flags__metadata",
    ),
    filter=Q(quality_flags__resolved_at__isnull=True, quality_flags__flag_id__isnull=False),
    order_by=(F("quality_flags__severity").desc(), F("quality_flags__raised_at")),
    default=Value([], output_field=JSONField()),
)


def add_flags_to_summary(row: dict, summary: dict) -> None:
    """The summary's flag fields (quality.api.serializers.SUMMARY_FLAG_FIELDS describes them)."""
    flags = row["active_flags"]
    for flag in flags:  # written as the API writes times ("…Z"), not as PostgreSQL does
        flag["raised_at"] = datetime.fromisoformat(flag["raised_at"])
    summary["highest_active_severity"] = max((flag["severity"] for flag in flags), default=0)
    summary["active_flags"] = flags


# The fields of a flag in a summary, as ACTIVE_FLAGS builds them.
SUMMARY_FLAG_FIELDS = (
    "flag_id",
    "flag_type",
    "severity",
    "source",
    "reason",
    "evidence_url",
    "raised_at",
    "raised_by",
    "metadata",
)


def add_flags_at(summaries: dict, moment) -> None:
    """The flags each summary's asset had active at ``moment``: raised by its ``as_of``
    and not resolved by then (a flag's period is its own valid time), as the registry
    held them at its ``known_at``; in the order of the current summaries."""
    rows = timeline.held_rows(
        AssetQualityFlag,
        moment,
        timeline.valid_at("raised_at", "resolved_at", moment.as_of),
        asset_id__in=list(summaries),
    ).values("asset_id", *SUMMARY_FLAG_FIELDS)
    flags: dict = {asset_id: [] for asset_id in summaries}
    for row in sorted(rows, key=lambda row: (-row["severity"], row["raised_at"])):
        flags[row.pop("asset_id")].append(row)
    for asset_id, summary in summaries.items():
        summary["highest_active_severity"] = max(
            (flag["severity"] for flag in flags[asset_id]), default=0
        )
        summary["active_flags"] = flags[asset_id]


def flags_key(asset_id) -> str:
    return f"v1:flags:{asset_id}:active"


def traded_assets_to_warm(limit: int | None):
    """warm_cache: the flags of every asset traded somewhere, which pretrade asks before
    an order."""
    return ({"asset": asset_id} for asset_id in traded_asset_ids(limit))


def register() -> None:
    """Called from QualityConfig.ready()."""
    register_summary_extension(
        annotations={"active_flags": ACTIVE_FLAGS},
        complete=add_flags_to_summary,
        complete_at=add_flags_at,
    )
    cache.register_asset_keys(lambda asset_ids: {flags_key(asset_id) for asset_id in asset_ids})
    # The answer is the asset summary, which carries the active flags.
    cache.register_lookup(
        "flags",
        family="flags",
        parse=lambda params: {"asset": cache.uuid_param(params, "asset")},
        key_of=lambda r: flags_key(r["asset"]),
        load=load_assets,
    )
    cache.register_warm_up("flags", traded_assets_to_warm, weight=40)
