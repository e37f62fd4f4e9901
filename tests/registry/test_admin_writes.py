"""The admin writes through the services: validation, normalization and exact cache
invalidation happen as they do through the API."""

import orjson
import pytest
from django.urls import reverse

from assets.models import Asset, AssetDeployment
from quality.models import AssetQualityFlag
from registry import cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_breaker():
    cache.redis_state.reset()
    yield
    cache.redis_state.reset()


def pretrade(client, asset) -> dict:
    response = client.get("/api/v1/resolve/pretrade/", {"asset": str(asset.pk)})
    return orjson.loads(response.content)


def ticker(client, venue, symbol) -> dict:
    response = client.get("/api/v1/resolve/venue-symbol/", {"venue": venue, "symbol": symbol})
    return orjson.loads(response.content)


def initial_form(client, url) -> dict:
    """The change form's current values, as the browser would send them back."""
    page = client.get(url)
    initial = page.context["adminform"].form.initial
    return {key: value for key, value in initial.items() if value is not None}


def test_a_flag_raised_in_the_admin_blocks_trading_at_once(
    demo, viewer, admin_client, django_capture_on_commit_callbacks
):
    btc = Asset.objects.with_identifier("COINGECKO", "bitcoin").get()
    assert pretrade(viewer, btc)["tradeable"] is True  # now cached
    assert ticker(viewer, "kraken", "XXBTZUSD")["asset"]["highest_active_severity"] == 0
    form = {
        "asset": btc.pk,
        "flag_type": "EXPLOITED",
        "severity": 5,
        "source": "manual",
        "reason": "Bridge drained",
        "raised_at_0": "2026-12-01",
        "raised_at_1": "09:00:00",
        "metadata": "{}",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:quality_assetqualityflag_add"), form)
    assert response.status_code == 302, response.content[:2000]
    flag = AssetQualityFlag.objects.get(asset=btc)
    assert flag.raised_by == "user:admin"
    assert pretrade(viewer, btc)["tradeable"] is False
    assert ticker(viewer, "kraken", "XXBTZUSD")["asset"]["highest_active_severity"] == 5


def test_resolving_a_flag_in_the_admin_makes_its_asset_tradeable(
    demo, viewer, admin_client, django_capture_on_commit_callbacks
):
    flag = AssetQualityFlag.objects.active().get()
    assert pretrade(viewer, flag.asset)["tradeable"] is False
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:quality_assetqualityflag_changelist"),
            {
                "action": "resolve_selected",
                "_selected_action": [flag.pk],
                "_return_to_flag": "1",
                "notes": "Taken down by the issuer",
                "post": "yes",
            },
        )
    assert response.status_code == 302
    flag.refresh_from_db()
    assert (flag.is_active, flag.resolved_by) == (False, "user:admin")
    assert pretrade(viewer, flag.asset)["tradeable"] is True


def test_renaming_an_asset_in_the_admin_shows_in_its_tickers(
    demo, viewer, admin_client, django_capture_on_commit_callbacks
):
    btc = Asset.objects.with_identifier("COINGECKO", "bitcoin").get()
    assert ticker(viewer, "kraken", "XXBTZUSD")["asset"]["name"] == "Bitcoin"
    change = reverse("admin:assets_asset_change", args=[btc.pk])
    form = initial_form(admin_client, change)
    form.update(
        name="Bitcoin (renamed)",
        metadata="{}",
        **{
            f"{prefix}-{suffix}": value
            for prefix in ("deployments", "identifiers")
            for suffix, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(change, form)
    assert response.status_code == 302, response.content[:3000]
    assert ticker(viewer, "kraken", "XXBTZUSD")["asset"]["name"] == "Bitcoin (renamed)"


def test_a_deployment_added_inline_is_normalized_by_the_service(demo, admin_client):
    btc = Asset.objects.with_identifier("COINGECKO", "wrapped-bitcoin").get()
    change = reverse("admin:assets_asset_change", args=[btc.pk])
    form = initial_form(admin_client, change)
    existing = list(btc.deployments.all())
    form.update(metadata="{}")
    form.update(
        {
            "deployments-TOTAL_FORMS": str(len(existing) + 1),
            "deployments-INITIAL_FORMS": str(len(existing)),
            "identifiers-TOTAL_FORMS": "0",
            "identifiers-INITIAL_FORMS": "0",
        }
    )
    for index, deployment in enumerate(existing):
        form.update(
            {
                f"deployments-{index}-deployment_id": str(deployment.pk),
                f"deployments-{index}-asset": str(btc.pk),
                f"deployments-{index}-chain": deployment.chain_id,
                f"deployments-{index}-address": deployment.address,
                f"deployments-{index}-decimals": str(deployment.decimals),
                f"deployments-{index}-is_canonical": "on" if deployment.is_canonical else "",
            }
        )
    new = len(existing)
    form.update(
        {
            f"deployments-{new}-asset": str(btc.pk),
            f"deployments-{new}-chain": "arbitrum",
            f"deployments-{new}-address": "0x2f2a2543b76a4166549f7aab2e75bef0aefc5b0f",
            f"deployments-{new}-decimals": "8",
        }
    )
    response = admin_client.post(change, form)
    assert response.status_code == 302, response.content[:3000]
    added = AssetDeployment.objects.get(asset=btc, chain_id="arbitrum")
    assert added.address == "0x2f2a2543B76A4166549F7aaB2e75Bef0aefC5B0f"
