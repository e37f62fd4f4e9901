"""Raising and resolving quality flags."""

import json
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assets.models import Asset
from quality.choices import FlagType, Severity
from quality.models import AssetQualityFlag
from registry.actors import current_actor
from registry.cache import invalidate, keys_for_assets
from registry.events.outbox import record
from registry.exceptions import ConflictError, FourEyesError
from registry.provenance import Conflict
from registry.services import lock_and_reload, validated_create, validated_update


@transaction.atomic
def flag_raise(
    *,
    asset: Asset,
    flag_type: str,
    severity: int,
    reason: str,
    actor: str,
    source: str = "manual",
    **fields: Any,
) -> AssetQualityFlag:
    """Raise a flag on an asset. Other fields: evidence_url, metadata, and ``raised_at``
    (default now; earlier when the flag records what was already true, such as an exploit
    found later: what an ``as_of`` lookup then answers. Never in the future: a flag is
    active from when it is raised)."""
    _refuse_future(fields.get("raised_at"), "raised_at")
    flag = AssetQualityFlag(
        asset=asset,
        flag_type=flag_type,
        severity=severity,
        reason=reason,
        source=source,
        raised_by=actor,
        **fields,
    )
    validated_create(flag)
    # Its pre-trade key, tickers, deployments …; again after commit, for rows made meanwhile.
    invalidate(keys_for_assets({flag.asset_id}), recompute=lambda: keys_for_assets({flag.asset_id}))
    record("quality_flag_raised", flag)
    return flag


def check_second_person(*, flag: AssetQualityFlag, actor: str) -> None:
    """Four eyes: a CRITICAL flag is resolved by someone other than the actor who raised it.

    Flags from before the rule (no ``raised_by``) are not blocked. ``flag_resolve`` calls
    this; the admin also asks it while validating its form, to show the refusal there.
    """
    if flag.severity == Severity.CRITICAL and flag.raised_by and actor == flag.raised_by:
        raise FourEyesError(
            f"A CRITICAL flag needs a second person: {actor} raised it, "
            "so someone else must resolve it.",
            flag_id=str(flag.pk),
            raised_by=flag.raised_by,
        )


@transaction.atomic
def flag_resolve(
    *,
    flag: AssetQualityFlag,
    actor: str,
    notes: str,
    expected_version: int | None = None,
    resolved_at: datetime | None = None,
) -> AssetQualityFlag:
    """Close an active flag with the resolver's notes (a CRITICAL one by a second person),
    now or at ``resolved_at``: when it stopped applying, if that was earlier (not before
    it was raised, never in the future)."""
    _refuse_future(resolved_at, "resolved_at")
    lock_and_reload(flag, expected_version=expected_version)
    if flag.resolved_at is not None:
        raise ValidationError({"resolved_at": "The flag is already resolved."})
    check_second_person(flag=flag, actor=actor)
    if resolved_at is not None and resolved_at < flag.raised_at:
        raise ValidationError(
            {"resolved_at": f"Not before the flag was raised ({flag.raised_at.isoformat()})."}
        )
    if not notes.strip():
        raise ValidationError({"resolution_notes": "Say why the flag no longer applies."})
    validated_update(
        flag,
        {
            "resolved_at": resolved_at or timezone.now(),
            "resolved_by": actor,
            "resolution_notes": notes.strip(),
        },
        expected_version=expected_version,
        event="quality_flag_resolved",
    )
    invalidate(keys_for_assets({flag.asset_id}), recompute=lambda: keys_for_assets({flag.asset_id}))
    return flag


def _refuse_future(value: datetime | None, field: str) -> None:
    if value is not None and value > timezone.now():
        raise ValidationError(
            {field: "Not in the future: a flag's period starts and ends when it happened."}
        )


# No registry.services.Writes declaration for flags: a flag is raised by an actor (stored
# as raised_by, which the four-eyes rule reads) and closed by flag_resolve with notes,
# never changed field by field or deleted, so no reader could call its writes generically;
# the viewset, the admin and the CSV import call flag_raise and flag_resolve by name.


# How much a disagreement of two sources matters, by the fact they disagree on
# (registry.provenance.Conflict.kind). Decimals scale every amount: MEDIUM. Which asset
# an external id names decides what a price or a position is of: HIGH. A bridged copy
# whose decimals differ from its origin's is LOW: bridges often carry fewer decimals
# than the original (Wormhole caps them at 8), so the difference is usually right, but a
# reader converting amounts across the bridge must know it.
CONFLICT_SEVERITY = {
    "decimals": Severity.MEDIUM,
    "external_id": Severity.HIGH,
    "identifier_asset": Severity.HIGH,
    "bridged_decimals": Severity.LOW,
}


def flag_conflicts(conflicts: list[Conflict]) -> list[Conflict]:
    """A DATA_CONFLICT flag on the asset of each conflict, with both values and their
    sources as evidence; returns the conflicts flagged now. A conflict with an active
    flag already (its source names the conflict: ``conflict:<entity>:<key>:<field>``)
    raises none: the flag stays until a steward resolves it, whatever imports come."""
    by_key = {(conflict.asset_id, conflict.key): conflict for conflict in conflicts}
    active = set(
        AssetQualityFlag.objects.active()
        .filter(
            flag_type=FlagType.DATA_CONFLICT,
            asset_id__in={asset_id for asset_id, _ in by_key},
            source__in={key for _, key in by_key},
        )
        .values_list("asset_id", "source")
    )
    # What a steward resolved stays resolved: the same disagreement (the same two
    # values) met again by the next import raises nothing; a new value does.
    judged = {
        (asset_id, source, _values(metadata.get("conflict")))
        for asset_id, source, metadata in AssetQualityFlag.objects.filter(
            flag_type=FlagType.DATA_CONFLICT,
            resolved_at__isnull=False,
            asset_id__in={asset_id for asset_id, _ in by_key},
            source__in={key for _, key in by_key},
        ).values_list("asset_id", "source", "metadata")
    }
    assets = Asset.all_objects.in_bulk({asset_id for asset_id, _ in by_key})
    raised = []
    for (asset_id, key), conflict in by_key.items():
        if (asset_id, key) in active or asset_id not in assets:
            continue
        if (asset_id, key, _values(conflict.evidence())) in judged:
            continue
        try:
            with transaction.atomic():
                flag_raise(
                    asset=assets[asset_id],
                    flag_type=FlagType.DATA_CONFLICT,
                    severity=CONFLICT_SEVERITY.get(conflict.kind, Severity.LOW),
                    reason=_conflict_reason(conflict),
                    actor=current_actor(),
                    source=key,
                    metadata={"conflict": conflict.evidence()},
                )
        except ConflictError:  # a concurrent import raised it first
            continue
        raised.append(conflict)
    return raised


def _values(evidence) -> frozenset:
    """The two values a conflict's evidence weighs, in either order (JSON text, so that
    any value compares)."""
    if not isinstance(evidence, dict):
        return frozenset()
    return frozenset(
        json.dumps((evidence.get(side) or {}).get("value"), sort_keys=True, default=str)
        for side in ("kept", "other")
    )


def _conflict_reason(conflict: Conflict) -> str:
    return (
        f"{conflict.field} of {conflict.entity} {conflict.object_key}: "
        f"{conflict.kept.source} says {conflict.kept.value!r} (kept), "
        f"{conflict.other.source} says {conflict.other.value!r}"
    )[:1000]
