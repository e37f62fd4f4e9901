"""The admin index: registry totals, and recent changes from every path."""

import json
import re
import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from assets.models import Asset, AssetDeployment
from chains.models import Chain
from chains.services import chain_create
from registry.roles import VIEWER

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


def test_the_totals_are_these_tiles_in_this_order_each_linking_its_list(admin_client, demo):
    """Each app contributes its tiles; the index shows them in one fixed order."""
    from markets.models import Instrument, VenueSymbol
    from quality.models import AssetQualityFlag
    from registry.models import OutboxEvent
    from venues.models import Venue

    flags = AssetQualityFlag.objects.filter(resolved_at__isnull=True)
    expected = [
        ("/admin/assets/asset/", "Assets", Asset.objects.count()),
        ("/admin/assets/assetdeployment/", "Deployments", AssetDeployment.objects.count()),
        ("/admin/chains/chain/", "Chains", Chain.objects.count()),
        ("/admin/venues/venue/", "Venues", Venue.objects.count()),
        (
            "/admin/markets/market/",
            "Current markets",
            VenueSymbol.objects.filter(delisted_at__isnull=True).count(),
        ),
        ("/admin/markets/instrument/", "Instruments", Instrument.objects.count()),
        ("/admin/quality/assetqualityflag/", "Active quality flags", flags.count()),
        (
            "/admin/quality/assetqualityflag/",
            "Active CRITICAL flags",
            flags.filter(severity=5).count(),
        ),
        (
            "/admin/registry/outboxevent/",
            "Events not yet on the bus",
            OutboxEvent.objects.exclude(status=OutboxEvent.Status.PUBLISHED).count(),
        ),
    ]
    assert min(count for _, _, count in expected[:7]) > 0  # the demo has some of each

    page = admin_client.get("/admin/").content.decode()
    totals = page.split('id="registry-totals"')[1].split("</table>")[0]

    rows = re.findall(r'<a href="([^"]+)">([^<]+)</a></th><td>(\d+)</td>', totals)
    assert rows == [(url, label, str(count)) for url, label, count in expected]


# Each event type's entity and the admin page a recent change links to (None: the row is
# gone, so there is no page to link).
EVENT_PAGES = {
    "asset_created": "assets.asset",
    "asset_deleted": None,
    "asset_deployment_created": "assets.assetdeployment",
    "asset_deployment_deleted": None,
    "asset_deployment_updated": "assets.assetdeployment",
    "asset_group_created": "assets.assetgroup",
    "asset_group_deleted": None,
    "asset_group_updated": "assets.assetgroup",
    "asset_identifier_created": "assets.assetidentifier",
    "asset_identifier_deleted": None,
    "asset_identifier_updated": "assets.assetidentifier",
    "asset_restored": "assets.asset",
    "asset_updated": "assets.asset",
    "chain_deleted": None,
    "chain_registered": "chains.chain",
    "chain_updated": "chains.chain",
    "group_member_added": "assets.assetgroupmember",
    "group_member_removed": None,
    "group_member_updated": "assets.assetgroupmember",
    "quality_flag_raised": "quality.assetqualityflag",
    "quality_flag_resolved": "quality.assetqualityflag",
    "relationship_established": "assets.assetrelationship",
    "relationship_removed": None,
    "relationship_updated": "assets.assetrelationship",
    "venue_asset_listed": "venues.venueasset",
    "venue_asset_removed": None,
    "venue_asset_updated": "venues.venueasset",
    "venue_created": "venues.venue",
    "venue_deleted": None,
    "venue_symbol_delisted": "markets.market",
    "venue_symbol_mapped": "markets.market",
    "venue_symbol_updated": "markets.market",
    "instrument_created": "markets.instrument",
    "instrument_registered": "markets.instrument",
    "instrument_updated": "markets.instrument",
    "instrument_deleted": None,
    "market_created": "markets.market",
    "market_updated": "markets.market",
    "venue_market_listed": "markets.market",
    "venue_market_delisted": "markets.market",
    "venue_updated": "venues.venue",
}


def test_a_recent_change_links_the_admin_page_of_its_entity(admin_user):
    """Every registered event type links the change page of the entity it is about."""
    from django.apps import apps

    from registry.admin import admin_change_url
    from registry.events.types import event_type_names
    from registry.models import OutboxEvent
    from registry.templatetags.registry_dashboard import recent_changes

    assert sorted(EVENT_PAGES) == event_type_names()
    for name, model in EVENT_PAGES.items():
        OutboxEvent.objects.all().delete()
        OutboxEvent.objects.create(
            event_id=uuid.uuid4(),
            event_type=name,
            message_type="cqar.events.v1.AssetEvent",
            entity_id="some_1",
            actor_id="user:steward",
            body=b"",
            occurred_at=timezone.now(),
        )

        [change] = recent_changes(admin_user)

        expected = model and admin_change_url(apps.get_model(model), "some_1")
        assert change["url"] == expected, name


def staff_client(username: str, *roles: str, permissions: tuple[str, ...] = ()) -> Client:
    """The admin signed in as a staff account with these roles and permissions."""
    user = User.objects.create_user(username=username, is_staff=True)
    user.groups.set(Group.objects.filter(name__in=roles))
    user.user_permissions.set(Permission.objects.filter(codename__in=permissions))
    client = Client()
    client.force_login(user)
    return client


def test_a_staff_account_without_a_role_sees_no_totals_and_no_changes(steward):
    """The index shows what the registry holds and who changed what only to an account
    that may read it: staff without a role gets the page (it can do nothing there) with
    neither the totals nor the recent changes, nor anyone's name."""
    chain = {"chain_id": "seen", "name": "Seen", "chain_type": "OTHER"}
    assert steward.post("/api/v1/chains/", chain, format="json").status_code == 201

    no_role = staff_client("staff-no-role").get("/admin/").content.decode()
    viewer = staff_client("staff-viewer", VIEWER).get("/admin/").content.decode()

    assert 'id="registry-totals"' not in no_role
    assert 'id="recent-changes-module"' not in no_role
    assert "user:steward" not in no_role
    assert 'id="registry-totals"' in viewer
    assert "user:steward via api" in viewer


def test_a_total_shows_only_to_an_account_that_may_view_what_it_counts(demo):
    """An account that may view flags and nothing else sees the flags' totals only."""
    client = staff_client("flags-only", permissions=("view_assetqualityflag",))

    page = client.get("/admin/").content.decode()

    totals = page.split('id="registry-totals"')[1].split("</table>")[0]
    labels = re.findall(r'<a href="[^"]+">([^<]+)</a></th>', totals)
    assert labels == ["Active quality flags", "Active CRITICAL flags"]
    assert 'id="recent-changes-module"' not in page
