"""Raising and resolving quality flags."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assets.models import Asset
from quality.models import AssetQualityFlag
from registry.cache import invalidate, keys_for_assets
from registry.events.outbox import record
from registry.services import validated_create, validated_update


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
    """Raise a flag on an asset. Other fields: evidence_url, metadata."""
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


@transaction.atomic
def flag_resolve(
    *, flag: AssetQualityFlag, actor: str, notes: str, expected_version: int | None = None
) -> AssetQualityFlag:
    """Close an active flag with the resolver's notes."""
    if flag.resolved_at is not None:
        raise ValidationError({"resolved_at": "The flag is already resolved."})
    if not notes.strip():
        raise ValidationError({"resolution_notes": "Say why the flag no longer applies."})
    changed = validated_update(
        flag,
        {"resolved_at": timezone.now(), "resolved_by": actor, "resolution_notes": notes.strip()},
        expected_version=expected_version,
    )
    invalidate(keys_for_assets({flag.asset_id}), recompute=lambda: keys_for_assets({flag.asset_id}))
    record("quality_flag_resolved", flag, changed_fields=changed)
    return flag
