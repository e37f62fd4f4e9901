"""Change history: every change from every path, with who, how, and before and after."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.migrations.loader import MigrationLoader

from assets.models import Asset, AssetDeployment
from assets.services import asset_create, asset_update
from chains.services import chain_create
from registry.actors import acting_as
from registry.models import ChangeEvent
from registry.roles import AUDITOR, STEWARD, VIEWER
from tests.factories import AssetFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "tests" / "fixtures" / "uniswap-1000.tokenlist.json"


def history_page(client, obj) -> str:
    opts = obj._meta
    response = client.get(f"/admin/{opts.app_label}/{opts.model_name}/{obj.pk}/history/")
    assert response.status_code == 200
    return response.content.decode()


def changes_of(obj) -> list[ChangeEvent]:
    return list(ChangeEvent.objects.tracks(obj).order_by("pgh_created_at", "pgh_id"))


def test_an_api_write_is_history_with_its_user_and_fields_before_and_after(admin_client, steward):
    created = steward.post(
        "/api/v1/assets/",
        {"symbol": "HIST", "name": "History", "asset_type": "ERC20"},
        format="json",
    ).json()
    response = steward.patch(
        f"/api/v1/assets/{created['asset_id']}/",
        {"name": "History Two", "version": created["version"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    asset = Asset.objects.get(pk=created["asset_id"])

    insert, update = changes_of(asset)
    assert (insert.pgh_label, insert.actor, insert.source) == ("insert", "user:steward", "api")
    assert (update.pgh_label, update.actor, update.source) == ("update", "user:steward", "api")
    assert update.pgh_diff["name"] == ["History", "History Two"]

    page = history_page(admin_client, asset)
    assert page.count('class="history-changed"') == 1
    # The asset's creation, and the former name its rename left (assets.AssetName).
    assert page.count('class="history-created"') == 2
    assert "Asset name created" in page
    assert '<span class="history-before">History</span>' in page
    assert '<span class="history-after">History Two</span>' in page
    assert '<td class="history-actor">user:steward</td>' in page


def test_an_import_written_with_copy_is_history_with_the_importer(admin_client, tmp_path):
    chain_create(chain_id="ethereum", name="Ethereum", chain_type="EVM", network_id=1)
    data = json.loads(SAMPLE.read_text())
    data["tokens"] = [token for token in data["tokens"] if token["chainId"] == 1][:3]
    path = tmp_path / "three.json"
    path.write_text(json.dumps(data))

    call_command("import_tokenlist", str(path), "--no-progress", stdout=StringIO())

    deployment = AssetDeployment.objects.get(address__iexact=data["tokens"][0]["address"])
    for row in (deployment.asset, deployment):
        (created,) = changes_of(row)
        assert created.pgh_label == "insert"
        assert created.actor == "service:importer"
        assert created.source.startswith("import:tokenlist:Uniswap Labs Default@")
    # The asset's page lists its deployment's creation too, linked.
    page = history_page(admin_client, deployment.asset)
    assert f'/admin/assets/assetdeployment/{deployment.pk}/change/">{deployment}</a>' in page
    assert "service:importer" in page


def test_queryset_update_outside_the_services_is_history_too(admin_client):
    asset = AssetFactory(symbol="RAW", name="Raw")

    with acting_as("service:maintenance", source="sql"):
        Asset.objects.filter(pk=asset.pk).update(name="Raw Two")

    update = changes_of(asset)[-1]
    assert (update.actor, update.source) == ("service:maintenance", "sql")
    assert update.pgh_diff["name"] == ["Raw", "Raw Two"]


def test_one_block_acting_as_two_actors_records_each_change_with_its_own():
    with acting_as("service:first", source="a"):
        first = asset_create(symbol="ONE", name="One", asset_type="ERC20")
        with acting_as("service:second", source="b"):
            asset_update(asset=first, changes={"name": "One Two"})

    created, changed = changes_of(first)
    assert (created.actor, created.source) == ("service:first", "a")
    assert (changed.actor, changed.source) == ("service:second", "b")


@pytest.mark.django_db(transaction=True)
def test_a_change_in_the_shell_is_history_with_the_default_actor():
    asset = AssetFactory(symbol="SHELL", name="Shell")
    settings = connection.settings_dict
    database = (
        f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    )
    script = (
        "from assets.models import Asset; "
        f"Asset.objects.filter(pk='{asset.pk}').update(name='Shell Two')"
    )

    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database},
        check=True,
        capture_output=True,
    )

    update = changes_of(asset)[-1]
    assert update.pgh_diff["name"] == ["Shell", "Shell Two"]
    assert (update.actor, update.source) == ("service:cqar", "cli")


def test_history_cannot_be_rewritten():
    asset = AssetFactory()
    event_model = apps.get_model("assets", "AssetEvent")
    with pytest.raises(DatabaseError), transaction.atomic():
        event_model.objects.filter(pgh_obj=asset).update(name="forged")


def test_the_global_history_filters_by_entity_change_actor_and_source(admin_client):
    with acting_as("service:alpha", source="import:csv"):
        kept = asset_create(symbol="KEEP", name="Keep", asset_type="ERC20")
        asset_update(asset=kept, changes={"name": "Kept"})
    with acting_as("service:beta", source="api"):
        asset_create(symbol="OTHER", name="Other", asset_type="ERC20")

    def results(**query) -> str:
        page = admin_client.get("/admin/registry/changeevent/", query).content.decode()
        start = page.index('id="result_list"')
        return page[start : page.index("</table>", start)]

    updates = results(entity="assets.asset", change="update", actor="service:alpha")
    assert (
        '<b>name</b>: <span class="history-before">Keep</span> → '
        '<span class="history-after">Kept</span>'
    ) in updates
    assert updates.count("<tr") == 2  # the header and the one update

    by_source = results(source="api")
    assert "service:beta" in by_source and "service:alpha" not in by_source
    by_id = results(q=str(kept.pk))
    assert by_id.count(f"/admin/assets/asset/{kept.pk}/change/") == 2


def test_a_viewer_reads_the_history_and_a_user_without_a_role_does_not(client, django_user_model):
    asset = AssetFactory()
    viewer = django_user_model.objects.create_user("reader", is_staff=True)
    viewer.groups.set(Group.objects.filter(name=VIEWER))
    nobody = django_user_model.objects.create_user("nobody", is_staff=True)

    client.force_login(viewer)
    assert client.get(f"/admin/assets/asset/{asset.pk}/history/").status_code == 200
    assert client.get("/admin/registry/changeevent/").status_code == 200
    client.force_login(nobody)
    assert client.get(f"/admin/assets/asset/{asset.pk}/history/").status_code == 403
    assert client.get("/admin/registry/changeevent/").status_code == 403


def test_the_roles_migration_creates_the_groups_with_their_permissions():
    migration = __import__("registry.migrations.0004_roles", fromlist=["create_roles"])
    Group.objects.filter(name__in=[VIEWER, STEWARD, AUDITOR]).delete()
    # The models as that migration sees them (it changes its app registry's configs).
    state = MigrationLoader(connection).project_state(("registry", "0004_roles"))

    migration.create_roles(state.apps, None)

    steward = set(Group.objects.get(name=STEWARD).permissions.values_list("codename", flat=True))
    auditor = set(Group.objects.get(name=AUDITOR).permissions.values_list("codename", flat=True))
    viewer = set(Group.objects.get(name=VIEWER).permissions.values_list("codename", flat=True))
    assert {"add_asset", "change_chain", "delete_venue", "view_changeevent"} <= steward
    assert "add_assetqualityflag" not in steward
    assert {"add_assetqualityflag", "change_assetqualityflag", "view_asset"} <= auditor
    assert "add_asset" not in auditor
    assert viewer == {codename for codename in viewer if codename.startswith("view_")}


def test_a_tasks_writes_are_history_with_the_service_account_and_the_task():
    from config.celery import app

    @app.task(name="tests.rename_asset")
    def rename_asset(asset_id):
        Asset.objects.filter(pk=asset_id).update(name="Renamed by a task")

    asset = AssetFactory(name="Named")
    rename_asset.apply(args=[str(asset.pk)]).get()

    update = changes_of(asset)[-1]
    assert update.pgh_diff["name"] == ["Named", "Renamed by a task"]
    assert (update.actor, update.source) == ("service:cqar", "task:tests.rename_asset")


def test_history_links_reach_objects_whose_ids_the_admin_quotes(admin_client):
    chain_create(chain_id="side_40", name="Side", chain_type="EVM", network_id=4040)

    page = admin_client.get("/admin/registry/changeevent/", {"q": "side_40"}).content.decode()

    link = "/admin/chains/chain/side_5F40/change/"  # "_40" would unquote to "@"
    assert f'href="{link}"' in page
    assert admin_client.get(link).status_code == 200
