"""Raising and resolving quality flags."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assets.models import Asset
from quality.choices import Severity
from quality.models import AssetQualityFlag
from registry.cache import invalidate, keys_for_assets
from registry.events.outbox import record
from registry.exceptions import FourEyesError
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
