"""One severity palette: a flag's badge in the lists and its mark in the variant graph
have the same colours for every severity."""

import re

import pytest
from django.urls import reverse

from quality.admin import ACTIVE_FLAG_MARKS, severity_badge
from quality.choices import Severity
from quality.palette import SEVERITY_COLOURS
from tests.factories import AssetFactory, AssetQualityFlagFactory

pytestmark = pytest.mark.django_db

BADGE = re.compile(
    r'class="severity-badge severity-(\w+)" style="background:([^;]+);color:([^;]+);'
)
GRAPH_BADGE = re.compile(
    r'<g class="badge" data-severity="(\d)"><rect [^>]* fill="([^"]+)"/>'
    r'<text [^>]* fill="([^"]+)">'
)


def test_every_severity_has_a_colour():
    assert set(SEVERITY_COLOURS) == set(Severity)


def test_the_badge_and_the_graph_mark_have_the_same_colours_for_every_severity():
    for severity in Severity:
        ((name, background, colour),) = BADGE.findall(severity_badge(severity))
        mark = ACTIVE_FLAG_MARKS.mark(severity.value)
        assert name == severity.name.lower()
        assert (mark.background, mark.foreground) == (background, colour), severity.label


def test_the_asset_list_and_the_asset_pages_graph_agree_for_every_severity(admin_client):
    """As a user sees them: the list's badge, and the badge of the graph on the asset's page."""
    flagged = {}
    for severity in Severity:
        flagged[severity] = AssetFactory(symbol=f"FLAG{severity.value}")
        AssetQualityFlagFactory(asset=flagged[severity], severity=severity)
    listed = admin_client.get(reverse("admin:assets_asset_changelist"), {"q": "FLAG"})
    in_list = {
        name: (background, colour)
        for name, background, colour in BADGE.findall(listed.content.decode())
    }
    for severity, asset in flagged.items():
        page = admin_client.get(reverse("admin:assets_asset_change", args=[asset.pk]))
        ((value, background, colour),) = GRAPH_BADGE.findall(page.content.decode())
        assert int(value) == severity.value
        assert in_list[severity.name.lower()] == (background, colour), severity.label
    assert len(in_list) == len(Severity)
