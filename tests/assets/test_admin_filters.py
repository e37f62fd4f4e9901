"""The asset list's filters: by active flag severity, chain, venue and identifier source."""

import re

import pytest

from quality.choices import Severity
from tests.factories import (
    AssetDeploymentFactory,
    AssetFactory,
    AssetIdentifierFactory,
    AssetQualityFlagFactory,
    VenueSymbolFactory,
)

pytestmark = pytest.mark.django_db


def listed(admin_client, **query) -> list[str]:
    """The asset ids of the change list's rows, in order."""
    response = admin_client.get("/admin/assets/asset/", query)
    assert response.status_code == 200
    return re.findall(r'name="_selected_action" value="([^"]+)"', response.content.decode())


def test_the_severity_filter_lists_assets_by_their_highest_active_flag(admin_client):
    critical, low, resolved, clean = AssetFactory.create_batch(4)
    AssetQualityFlagFactory(asset=critical, severity=Severity.CRITICAL)
    AssetQualityFlagFactory(asset=critical, severity=Severity.LOW, flag_type="DEPRECATED")
    AssetQualityFlagFactory(asset=low, severity=Severity.LOW)
    flag = AssetQualityFlagFactory(asset=resolved, severity=Severity.CRITICAL)
    flag.resolved_at, flag.resolved_by = flag.raised_at, "user:other"
    flag.save()

    assert listed(admin_client, flagged=str(Severity.CRITICAL.value)) == [str(critical.pk)]
    assert listed(admin_client, flagged=str(Severity.LOW.value)) == [str(low.pk)]
    assert set(listed(admin_client, flagged="none")) == {str(resolved.pk), str(clean.pk)}


def test_the_chain_venue_and_source_filters_list_each_asset_once(admin_client):
    on_chain, elsewhere, third = AssetFactory.create_batch(3)
    first = AssetDeploymentFactory(asset=on_chain)
    AssetDeploymentFactory(asset=elsewhere)
    ticker = VenueSymbolFactory(asset=on_chain)
    VenueSymbolFactory(asset=on_chain, venue=ticker.venue)  # a second ticker: no second row
    # Django shows (and applies) a related filter only when it offers two choices or more.
    VenueSymbolFactory(asset=third)
    AssetIdentifierFactory(asset=elsewhere, source="COINGECKO")

    assert listed(admin_client, deployments__chain__chain_id__exact=first.chain_id) == [
        str(on_chain.pk)
    ]
    on_venue = listed(
        admin_client, underlying_instruments__markets__venue__venue_id__exact=ticker.venue_id
    )
    assert on_venue == [str(on_chain.pk)]
    assert listed(admin_client, identifiers__source__exact="COINGECKO") == [str(elsewhere.pk)]
