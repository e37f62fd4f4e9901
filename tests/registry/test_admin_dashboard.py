"""The admin index: registry totals, and recent changes from every path."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from assets.models import Asset
from chains.services import chain_create

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).parents[1] / "fixtures" / "uniswap-1000.tokenlist.json"


def test_the_index_shows_the_registry_totals(admin_client, demo):
    page = admin_client.get("/admin/").content.decode()

    assert 'id="registry-totals"' in page
    assert f"<td>{Asset.objects.count()}</td>" in page
    assert "Active CRITICAL flags" in page


def test_recent_changes_show_an_api_write_and_an_import_with_who_and_how(
    admin_client, steward, tmp_path
):
    response = steward.post(
        "/api/v1/assets/",
        {"symbol": "HIST", "name": "History", "asset_type": "ERC20"},
        format="json",
    )
    assert response.status_code == 201
    chain_create(chain_id="ethereum", name="Ethereum", chain_type="EVM", network_id=1)
    data = json.loads(SAMPLE.read_text())
    data["tokens"] = [t for t in data["tokens"] if t["chainId"] == 1][:2]
    path = tmp_path / "two.json"
    path.write_text(json.dumps(data))
    call_command("import_tokenlist", str(path), "--no-progress", stdout=StringIO())

    page = admin_client.get("/admin/").content.decode()

    assert "user:steward via api" in page
    assert "service:importer via import:tokenlist:Uniswap Labs Default@" in page
    asset_id = response.json()["asset_id"]
    assert f"/admin/assets/asset/{asset_id}/change/" in page


def test_recent_changes_link_ids_quoted_as_the_admin_unquotes_them(admin_client):
    chain_create(chain_id="side_40", name="Side", chain_type="EVM", network_id=4040)

    page = admin_client.get("/admin/").content.decode()

    link = "/admin/chains/chain/side_5F40/change/"  # "_40" would unquote to "@"
    assert f'href="{link}"' in page
    assert admin_client.get(link).status_code == 200
