"""The roles hold exactly their permissions, whichever app declares its models' kind."""

import pytest
from django.contrib.auth.models import Group, Permission

from registry.roles import AUDITOR, STEWARD, VIEWER, sync_roles

pytestmark = pytest.mark.django_db


def _codenames(app_labels: tuple[str, ...], actions: tuple[str, ...]) -> set[str]:
    found = Permission.objects.filter(content_type__app_label__in=app_labels)
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in found
        if p.codename.split("_", 1)[0] in actions
    }


def _held(role: str) -> set[str]:
    group = Group.objects.get(name=role)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


def test_viewer_reads_every_entity_the_event_feed_and_the_history():
    sync_roles()
    view = _codenames(("chains", "assets", "venues", "quality", "markets"), ("view",))
    view |= {"registry.view_outboxevent", "registry.view_changeevent", "registry.view_fieldsource"}

    assert _held(VIEWER) == view
    assert "assets.view_asset" in view and "quality.view_assetqualityflag" in view


def test_steward_writes_reference_data_and_not_flags():
    sync_roles()
    writes = _codenames(("chains", "assets", "venues", "markets"), ("add", "change", "delete"))

    assert _held(STEWARD) == _held(VIEWER) | writes
    assert "markets.delete_market" in writes
    assert not any(name.startswith("quality.") for name in _held(STEWARD) - _held(VIEWER))


def test_auditor_raises_and_resolves_flags_only():
    sync_roles()

    flags = _codenames(("quality",), ("add", "change"))

    assert _held(AUDITOR) == _held(VIEWER) | flags
    assert {"quality.add_assetqualityflag", "quality.change_assetqualityflag"} <= flags
    assert not any(name.startswith("quality.delete_") for name in _held(AUDITOR))
