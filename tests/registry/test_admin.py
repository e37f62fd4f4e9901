"""Every model is in the admin, and its pages render with real data."""

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from assets.models import Asset

pytestmark = pytest.mark.django_db

REGISTRY_APPS = {"chains", "assets", "venues", "quality"}


@pytest.fixture
def demo_admin_client(admin_client):
    call_command("load_demo")
    return admin_client


def registry_models():
    return [model for model in admin.site._registry if model._meta.app_label in REGISTRY_APPS]


def test_every_registry_model_is_registered():
    from django.apps import apps

    expected = {
        model for label in REGISTRY_APPS for model in apps.get_app_config(label).get_models()
    }
    assert expected == set(registry_models())


@pytest.mark.parametrize("page", ["changelist", "add"])
def test_admin_pages_render_for_every_model(demo_admin_client, page):
    for model in registry_models():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}")
        response = demo_admin_client.get(url, {"q": "usdc"} if page == "changelist" else {})
        assert response.status_code == 200, url


def test_asset_search_finds_by_symbol_in_any_case_and_by_address(demo_admin_client):
    url = reverse("admin:assets_asset_changelist")
    by_symbol = demo_admin_client.get(url, {"q": "steth"})
    assert {asset.symbol for asset in by_symbol.context["cl"].result_list} == {"stETH", "wstETH"}
    by_address = demo_admin_client.get(url, {"q": "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"})
    assert [asset.symbol for asset in by_address.context["cl"].result_list] == ["USDC"]


def test_asset_change_page_renders_with_its_inlines(demo_admin_client):
    eth = Asset.objects.with_identifier("COINGECKO", "ethereum").get()
    response = demo_admin_client.get(reverse("admin:assets_asset_change", args=[eth.pk]))
    assert response.status_code == 200
    assert b"arbitrum" in response.content
