"""Raising and resolving flags."""

import pytest
from django.core.exceptions import ValidationError

from quality.models import AssetQualityFlag
from quality.services import flag_raise, flag_resolve
from registry.exceptions import ConflictError
from tests.factories import AssetFactory

pytestmark = pytest.mark.django_db


def raise_scam(asset, source="manual"):
    return flag_raise(
        asset=asset,
        flag_type="SCAM",
        severity=5,
        reason="Impersonates USDC",
        actor="user:alice",
        source=source,
    )


def test_same_source_cannot_raise_the_same_active_flag_twice():
    asset = AssetFactory()
    raise_scam(asset)
    with pytest.raises(ConflictError):
        raise_scam(asset)
    raise_scam(asset, source="auditor-x")
    assert AssetQualityFlag.objects.active().filter(asset=asset).count() == 2


def test_resolved_flag_may_be_raised_again():
    asset = AssetFactory()
    flag_resolve(flag=raise_scam(asset), actor="user:bob", notes="False positive")
    raise_scam(asset)
    assert AssetQualityFlag.objects.filter(asset=asset).count() == 2


def test_resolve_records_who_and_why_and_needs_notes():
    flag = raise_scam(AssetFactory())
    with pytest.raises(ValidationError):
        flag_resolve(flag=flag, actor="user:bob", notes="  ")
    flag_resolve(flag=flag, actor="user:bob", notes="Contract verified by Circle")
    flag.refresh_from_db()
    assert (flag.is_active, flag.resolved_by, flag.version) == (False, "user:bob", 2)


def test_severity_outside_the_enum_is_a_field_error():
    with pytest.raises(ValidationError) as raised:
        flag_raise(asset=AssetFactory(), flag_type="SCAM", severity=9, reason="x", actor="user:a")
    assert "severity" in raised.value.message_dict
