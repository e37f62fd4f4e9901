"""Export and import in the admin: the selected rows as `manage.py export` writes them, and a
CSV or XLSX import that previews what it would do before it writes through the services.

The import runs as a job (registry/exchange/jobs.py); here its tasks run inline, as
without a broker (`make run`), so each step's page is the job's outcome. The same flow
on a real Celery worker is in test_admin_import_jobs.py.
"""

import csv
import datetime
import json
import zipfile
from io import BytesIO, StringIO

import openpyxl
import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.auth.models import Group, User
from django.contrib.messages import ERROR, WARNING
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils.html import escape

from assets.models import Asset
from assets.services import asset_update, group_create
from chains.models import Chain
from quality.services import flag_raise
from registry.admin_exchange import ExchangeAdminMixin
from registry.exchange.entities import ENTITIES
from registry.exchange.formats import read_xlsx
from registry.models import FieldSource, ImportJob, OutboxEvent
from registry.roles import AUDITOR, STEWARD, VIEWER
from tests.registry.test_csv_exchange import registry_state

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

ASSETS = reverse("admin:assets_asset_changelist")
IMPORT_ASSETS = reverse("admin:assets_asset_import")
IMPORT_CHAINS = reverse("admin:chains_chain_import")
NEW_ASSET_ID = "5f0c4a8e-2d7b-4c1e-9a63-0b8f1d2e3c4a"
# The demo's assets count as set by hand, which a CSV import keeps unless told otherwise.
OVERWRITE = {"overwrite": "on"}


def staff(client, username: str, *groups: str):
    user = User.objects.create_user(username=username, is_staff=True)
    user.groups.set(Group.objects.filter(name__in=groups))
    client.force_login(user)
    return client


def export_text(entity: str, fmt: str = "csv") -> str:
    out = StringIO()
    call_command("export", entity, "--format", fmt, stdout=out)
    return out.getvalue()


def export_selected(client, model, pks, fmt: str = "csv", **query):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return client.post(
        url, {"action": f"export_selected_{fmt}", "_selected_action": [str(pk) for pk in pks]}
    )


def key_cells(entity, obj) -> tuple[str, ...]:
    """The natural key of ``obj`` as its export's cells hold it."""
    return tuple("" if value is None else str(value) for value in entity.key_of_instance(obj))


def usdc() -> Asset:
    return Asset.objects.with_identifier("COINGECKO", "usd-coin").get()


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(StringIO(text)))


def streamed_csv(response) -> list[dict]:
    return csv_rows(b"".join(response.streaming_content).decode())


def as_csv(rows: list[dict]) -> bytes:
    out = StringIO()
    writer = csv.DictWriter(out, list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def edited_assets_csv() -> bytes:
    """USDC renamed, and a new asset; the other columns as the export has them."""
    (row,) = [r for r in csv_rows(export_text("assets")) if r["asset_id"] == str(usdc().pk)]
    renamed = {**row, "name": "USD Coin (Circle)"}
    new = {name: "" for name in row}
    new.update(asset_id=NEW_ASSET_ID, symbol="NEWT", name="New Token", asset_type="ERC20")
    return as_csv([renamed, new])


def post_and_run(client, url, data: dict):
    """POST as the browser does, the job it queues run inline as without a broker (the
    after-commit hook that queues it runs at the end of the request), then GET the page
    the answer redirects to."""
    with (
        override_settings(CELERY_TASK_ALWAYS_EAGER=True),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        response = client.post(url, data)
    return client.get(response["Location"]) if response.status_code == 302 else response


def preview(client, url, data: bytes, name: str, **fields):
    """Upload a file: the page of its job, previewed (or failed)."""
    return post_and_run(client, url, {"file": SimpleUploadedFile(name, data), **fields})


def confirm(client, url, response, **fields):
    """Confirm the preview a job page shows: the job's page after the import."""
    job = response.context["job"]
    fields = {"_confirm": "1", "plan": job.plan_digest, **fields}
    return post_and_run(client, response.wsgi_request.path, fields)


def changes_by_line(response) -> dict[int, dict[str, tuple[str, str]]]:
    return {
        row.line: {name: (before, after) for name, before, after in row.changes}
        for row in response.context["preview"].rows
    }


def messages_of(response, level) -> list[str]:
    return [str(m) for m in response.context["messages"] if m.level == level]


class TestExport:
    @pytest.mark.parametrize("name", list(ENTITIES))
    def test_the_selected_rows_are_the_export_command_rows(self, name, demo, admin_client):
        """Same header, same cells as `manage.py export`, only the rows selected."""
        # The demo has one group and one flag.
        group_create(group_id="btc", canonical_symbol="BTC")
        flag_raise(
            asset=usdc(), flag_type="LOW_LIQUIDITY", severity=2, reason="Thin.", actor="user:ann"
        )
        entity = ENTITIES[name]
        full = export_text(name)
        everything = list(entity.export_queryset())
        selected = everything[::2]  # every other row, the last one included if odd
        assert len(everything) > len(selected) > 0
        response = export_selected(admin_client, entity.model, [obj.pk for obj in selected])
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        disposition = response["Content-Disposition"]
        assert disposition.startswith(f'attachment; filename="{name}-')
        assert disposition.endswith('.csv"')
        assert response.streaming
        text = b"".join(response.streaming_content).decode()
        assert text.splitlines()[0] == full.splitlines()[0]
        wanted = {key_cells(entity, obj) for obj in selected}
        expected = [
            row
            for row in csv.DictReader(StringIO(full))
            if tuple(row[column] for column in entity.key) in wanted
        ]
        assert len(expected) == len(selected)
        assert list(csv.DictReader(StringIO(text))) == expected

    def test_json_is_the_export_command_objects(self, demo, admin_client):
        chains = list(Chain.objects.order_by("pk")[1:3])
        response = export_selected(admin_client, Chain, [chain.pk for chain in chains], "json")
        assert response["Content-Type"] == "application/json"
        everything = json.loads(export_text("chains", "json"))
        wanted = {chain.pk for chain in chains}
        content = b"".join(response.streaming_content)
        assert json.loads(content) == [c for c in everything if c["chain_id"] in wanted]

    @pytest.mark.parametrize("fmt", ["csv", "json"])
    def test_every_row_selected_streams_the_export_commands_bytes(self, fmt, demo, admin_client):
        """The download is streamed, and byte for byte what `manage.py export` writes."""
        assets = list(Asset.objects.all())
        response = export_selected(admin_client, Asset, [asset.pk for asset in assets], fmt)
        assert response.streaming
        assert b"".join(response.streaming_content) == export_text("assets", fmt).encode()

    def test_a_deleted_asset_is_left_out_and_the_user_told(self, demo, admin_client):
        """The admin lists deleted assets; the export, like the API, does not."""
        from assets.services import asset_soft_delete

        gone = Asset.objects.get(symbol="rETH")
        asset_soft_delete(asset=gone)
        response = export_selected(admin_client, Asset, [gone.pk, usdc().pk], deleted="all")
        assert [row["asset_id"] for row in streamed_csv(response)] == [str(usdc().pk)]
        (warning,) = messages_of(admin_client.get(ASSETS), WARNING)
        assert "1 of the selected assets were not exported" in warning

    def test_a_selection_over_the_limit_is_refused_not_cut_short(
        self, demo, admin_client, settings
    ):
        """A download the server's request timeout would end looks complete (a CSV
        file), or is broken JSON: the admin refuses it and names the command instead."""
        settings.ADMIN_EXPORT_MAX_ROWS = Asset.objects.count() - 1
        url = reverse("admin:assets_asset_changelist")
        everything = {"action": "export_selected_json", "select_across": "1", "index": "0"}

        response = admin_client.post(url, {**everything, "_selected_action": [str(usdc().pk)]})

        assert response.status_code == 302
        (error,) = messages_of(admin_client.get(response["Location"]), ERROR)
        assert f"{Asset.objects.count():,} assets selected" in error
        assert "manage.py export assets --format json --output FILE" in error

        settings.ADMIN_EXPORT_MAX_ROWS = Asset.objects.count()
        response = admin_client.post(url, {**everything, "_selected_action": [str(usdc().pk)]})
        assert b"".join(response.streaming_content) == export_text("assets", "json").encode()

    def test_a_viewer_may_export_but_not_import(self, demo, client):
        viewer = staff(client, "vera", VIEWER)
        page = viewer.get(ASSETS)
        actions = dict(page.context["action_form"].fields["action"].choices)
        assert "export_selected_csv" in actions and "export_selected_json" in actions
        assert IMPORT_ASSETS.encode() not in page.content
        response = export_selected(viewer, Asset, [usdc().pk])
        assert [row["asset_id"] for row in streamed_csv(response)] == [str(usdc().pk)]

    def test_an_admin_of_another_model_is_left_alone(self, admin_user, rf):
        class FieldSourceAdmin(ExchangeAdminMixin, admin.ModelAdmin):
            pass

        model_admin = FieldSourceAdmin(FieldSource, AdminSite())
        request = rf.get("/")
        request.user = admin_user
        assert model_admin.exchange_entity is None
        assert model_admin.change_list_template is None
        assert list(model_admin.get_actions(request)) == ["delete_selected"]
        assert not [url for url in model_admin.get_urls() if "import" in str(url.pattern)]


class TestImportPermissions:
    def test_a_viewer_gets_403(self, demo, client):
        viewer = staff(client, "vera", VIEWER)
        assert viewer.get(IMPORT_ASSETS).status_code == 403
        response = preview(viewer, IMPORT_ASSETS, edited_assets_csv(), "assets.csv")
        assert response.status_code == 403
        assert not ImportJob.objects.exists()
        assert not Asset.objects.filter(pk=NEW_ASSET_ID).exists()

    def test_an_auditor_imports_flags_but_not_assets(self, demo, client):
        auditor = staff(client, "aud", VIEWER, AUDITOR)
        assert auditor.get(IMPORT_ASSETS).status_code == 403
        flags = auditor.get(reverse("admin:quality_assetqualityflag_import"))
        assert flags.status_code == 200

    def test_a_steward_sees_the_import_button(self, demo, client):
        steward = staff(client, "stu", VIEWER, STEWARD)
        assert steward.get(IMPORT_ASSETS).status_code == 200
        assert f'href="{IMPORT_ASSETS}"'.encode() in steward.get(ASSETS).content


class TestImport:
    def test_the_preview_shows_each_change_and_writes_nothing(self, demo, admin_client):
        before = registry_state()
        response = preview(
            admin_client, IMPORT_ASSETS, edited_assets_csv(), "assets.csv", **OVERWRITE
        )
        assert response.status_code == 200
        assert response.context["job"].status == ImportJob.Status.PREVIEWED
        shown = response.context["preview"]
        assert (shown.created, shown.updated, len(shown.rejected)) == (1, 1, 0)
        assert shown.unchanged == 0
        changes = changes_by_line(response)
        assert changes[2] == {"name": ("USD Coin", "USD Coin (Circle)")}
        assert changes[3] == {
            "asset_id": ("", NEW_ASSET_ID),
            "symbol": ("", "NEWT"),
            "name": ("", "New Token"),
            "asset_type": ("", "ERC20"),
        }
        assert b"USD Coin (Circle)" in response.content
        assert b"Confirm import" in response.content
        assert registry_state() == before
        assert OutboxEvent.objects.count() == before["events"][0]

    def test_confirming_writes_what_the_preview_showed_through_the_services(
        self, demo, admin_client
    ):
        asset = usdc()
        version, last_event = asset.version, OutboxEvent.objects.order_by("id").last().id
        shown = preview(admin_client, IMPORT_ASSETS, edited_assets_csv(), "assets.csv", **OVERWRITE)
        (_, after) = changes_by_line(shown)[2]["name"]
        stored = shown.context["job"].file.name
        assert default_storage.exists(stored)
        response = confirm(admin_client, IMPORT_ASSETS, shown)
        job = response.context["job"]
        assert job.status == ImportJob.Status.DONE
        asset.refresh_from_db()
        assert asset.name == after
        assert asset.version == version + 1
        assert Asset.objects.get(pk=NEW_ASSET_ID).symbol == "NEWT"
        recorded = list(OutboxEvent.objects.filter(id__gt=last_event))
        assert len(recorded) == 2
        assert {event.actor_id for event in recorded} == {"user:admin"}
        assert {event.entity_id for event in recorded} == {str(asset.pk), NEW_ASSET_ID}
        # Ranked as a CSV import, as `manage.py import_csv` would have it.
        source = FieldSource.objects.of(asset).get(field="name")
        assert (source.source, source.actor) == ("import:csv:assets.csv", "user:admin")
        assert response.context["summary"].text == "1 created, 1 updated, 0 unchanged, 0 rejected"
        assert b"Imported assets.csv: 1 created, 1 updated" in response.content
        # Done: the file is deleted, the job names none, and progress is at its total.
        assert (job.file.name, job.done, job.total) == ("", 2, 2)
        assert not default_storage.exists(stored)

    def test_a_job_is_imported_once(self, demo, admin_client):
        shown = preview(admin_client, IMPORT_ASSETS, edited_assets_csv(), "assets.csv")
        confirm(admin_client, IMPORT_ASSETS, shown)
        before = registry_state()
        again = confirm(admin_client, IMPORT_ASSETS, shown)  # the same form, posted again
        (error,) = messages_of(again, ERROR)
        assert "imported already" in error
        assert registry_state() == before

    def test_the_same_file_again_changes_nothing(self, demo, admin_client):
        data = edited_assets_csv()
        first = preview(admin_client, IMPORT_ASSETS, data, "a.csv", **OVERWRITE)
        confirm(admin_client, IMPORT_ASSETS, first)
        before = registry_state()
        again = preview(admin_client, IMPORT_ASSETS, data, "a.csv")
        assert again.context["preview"].rows == []
        assert again.context["preview"].unchanged == 2
        assert b"Confirm import" not in again.content
        assert registry_state() == before

    def test_a_change_in_between_is_shown_not_written(self, demo, admin_client):
        """The registry changed after the preview: confirming shows the new plan instead."""
        shown = preview(admin_client, IMPORT_ASSETS, edited_assets_csv(), "assets.csv", **OVERWRITE)
        asset_update(asset=usdc(), changes={"name": "USD Coin by Circle"})
        version = usdc().version
        response = confirm(admin_client, IMPORT_ASSETS, shown)
        assert usdc().name == "USD Coin by Circle" and usdc().version == version
        assert not Asset.objects.filter(pk=NEW_ASSET_ID).exists()
        assert response.context["job"].status == ImportJob.Status.PREVIEWED
        assert response.context["preview"].plan_changed
        assert b"The registry changed since the preview" in response.content
        assert changes_by_line(response)[2] == {"name": ("USD Coin by Circle", "USD Coin (Circle)")}
        confirm(admin_client, IMPORT_ASSETS, response)  # the plan shown now is the one written
        assert usdc().name == "USD Coin (Circle)"
        assert Asset.objects.filter(pk=NEW_ASSET_ID).exists()

    def test_a_field_a_person_set_is_kept_unless_overwritten(self, demo, admin_client):
        data = edited_assets_csv()
        kept = preview(admin_client, IMPORT_ASSETS, data, "assets.csv")
        assert 2 not in changes_by_line(kept)
        assert kept.context["preview"].kept == [("name", 1)]
        assert b"Kept because a person set them" in kept.content
        confirm(admin_client, IMPORT_ASSETS, kept)
        assert usdc().name == "USD Coin"
        assert Asset.objects.filter(pk=NEW_ASSET_ID).exists()
        shown = preview(admin_client, IMPORT_ASSETS, data, "assets.csv", **OVERWRITE)
        assert changes_by_line(shown)[2] == {"name": ("USD Coin", "USD Coin (Circle)")}
        confirm(admin_client, IMPORT_ASSETS, shown)
        assert usdc().name == "USD Coin (Circle)"

    def test_rejected_rows_are_listed_and_the_rest_imports(self, demo, admin_client):
        rows = csv_rows(edited_assets_csv().decode())
        rows.append({**rows[1], "asset_id": "", "symbol": "BAD SYMBOL WITH SPACES" * 3})
        shown = preview(admin_client, IMPORT_ASSETS, as_csv(rows), "assets.csv")
        (rejection,) = shown.context["preview"].rejected
        assert rejection.item == "line 4"
        assert rejection.reason.startswith("symbol:")
        assert b"line 4: symbol:" in shown.content
        response = confirm(admin_client, IMPORT_ASSETS, shown)
        assert Asset.objects.filter(pk=NEW_ASSET_ID).exists()
        assert [str(r) for r in response.context["summary"].rejected] == [str(rejection)]
        assert f"Rejected {rejection}".encode() in response.content

    def test_a_confirm_of_a_preview_shown_before_another_imports_nothing(self, demo, admin_client):
        """The page confirmed names the preview it showed: if the job was previewed again
        since (allowing duplicates, in another tab), that confirm imports nothing."""
        shown = preview(
            admin_client, IMPORT_ASSETS, TestDuplicateAssets.usdc_elsewhere_csv(), "usdc.csv"
        )
        job_page = shown.wsgi_request.path
        post_and_run(admin_client, job_page, {"_allow_duplicates": "1"})
        response = confirm(admin_client, IMPORT_ASSETS, shown)  # the first page's digest
        (error,) = messages_of(response, ERROR)
        assert "The preview of this import changed since that page was shown" in error
        assert Asset.objects.filter(name="USD Coin").count() == 1
        assert response.context["job"].status == ImportJob.Status.PREVIEWED

    def test_cancel_discards_the_job_and_its_file(self, demo, admin_client):
        shown = preview(admin_client, IMPORT_ASSETS, edited_assets_csv(), "assets.csv")
        stored = shown.context["job"].file.name
        response = admin_client.post(shown.wsgi_request.path, {"_discard": "1"}, follow=True)
        assert response.redirect_chain[-1][0] == IMPORT_ASSETS
        assert not ImportJob.objects.exists()
        assert not default_storage.exists(stored)
        assert admin_client.get(shown.wsgi_request.path).status_code == 404

    def test_the_upload_page_lists_the_users_unfinished_jobs(self, demo, admin_client):
        shown = preview(admin_client, IMPORT_ASSETS, edited_assets_csv(), "mine.csv")
        page = admin_client.get(IMPORT_ASSETS)
        assert [job.file_name for job, _ in page.context["jobs"]] == ["mine.csv"]
        assert f'href="{shown.wsgi_request.path}"'.encode() in page.content

    def test_a_flag_resolved_in_the_file_previews_as_resolved(self, demo, admin_client):
        from quality.models import AssetQualityFlag

        flag = AssetQualityFlag.objects.active().order_by("pk").first()
        rows = [r for r in csv_rows(export_text("quality-flags")) if r["flag_id"] == str(flag.pk)]
        rows[0].update(resolved_at="2025-01-01T00:00:00Z", resolution_notes="Checked: fine.")
        url = reverse("admin:quality_assetqualityflag_import")
        shown = preview(admin_client, url, as_csv(rows), "flags.csv")
        assert changes_by_line(shown)[2] == {
            "is_active": ("true", "false"),
            "resolution_notes": ("", "Checked: fine."),
        }
        confirm(admin_client, url, shown)
        flag.refresh_from_db()
        assert flag.resolution_notes == "Checked: fine." and not flag.is_active
        assert flag.resolved_by == "user:admin"


class TestXlsx:
    def test_an_xlsx_file_imports_like_its_csv(self, demo, admin_client):
        """Numbers, booleans and empty cells read as the CSV export's text would."""
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["chain_id", "name", "chain_type", "network_id", "is_testnet", "metadata"])
        sheet.append(["examplenet", "Example Net", "EVM", 424242, True, '{"via": "xlsx"}'])
        sheet.append([])  # a blank row is skipped, as in a CSV
        sheet.append(["ethereum", "Ethereum", "EVM", 1.0])  # its trailing cells left empty
        workbook.create_sheet("ignored").append(["not", "a", "header"])
        workbook.active = 1  # the first sheet is read, whichever is active
        data = BytesIO()
        workbook.save(data)
        shown = preview(admin_client, IMPORT_CHAINS, data.getvalue(), "chains.xlsx")
        assert shown.context["preview"].rejected == []
        assert changes_by_line(shown)[2]["network_id"] == ("", "424242")
        assert changes_by_line(shown)[2]["is_testnet"] == ("", "true")
        assert list(changes_by_line(shown)) == [2]  # Ethereum (row 4) is as the registry has it
        assert shown.context["preview"].unchanged == 1
        confirm(admin_client, IMPORT_CHAINS, shown)
        chain = Chain.objects.get(chain_id="examplenet")
        assert (chain.network_id, chain.is_testnet, chain.metadata) == (
            424242,
            True,
            {"via": "xlsx"},
        )

    def test_cells_read_as_the_csv_export_writes_them(self):
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["decimals", "is_native", "deployed_at", "address", None])
        sheet.append([18.0, False, datetime.datetime(2024, 5, 1, 12, 30), None])
        sheet.append([6, True, None, "0xabc", None, None])
        sheet.append([1, 2, 3, 4, 5, 6])  # wider than the header
        data = BytesIO()
        workbook.save(data)
        header, rows, malformed = read_xlsx(data.getvalue(), "d.xlsx")
        assert header == ["decimals", "is_native", "deployed_at", "address"]
        assert [(row.line, row.cells) for row in rows] == [
            (
                2,
                {
                    "decimals": "18",
                    "is_native": "false",
                    "deployed_at": "2024-05-01T12:30:00",
                    "address": "",
                },
            ),
            (3, {"decimals": "6", "is_native": "true", "deployed_at": "", "address": "0xabc"}),
        ]
        assert malformed == [(4, "6 cells, but the header names 4 columns.")]


def job_error(response) -> str:
    """The error a failed job's page shows (the job's own record of it)."""
    job = response.context["job"]
    assert job.status == ImportJob.Status.FAILED
    assert escape(job.error).encode() in response.content
    return job.error


class TestBadFiles:
    @pytest.mark.parametrize(
        ("name", "data", "error"),
        [
            ("assets.txt", b"asset_id,symbol\n", "is neither a .csv nor an .xlsx file"),
            ("assets.csv", b"", "The submitted file is empty"),
        ],
    )
    def test_a_file_the_form_refuses_is_an_error_on_the_form_and_queues_nothing(
        self, name, data, error, demo, admin_client
    ):
        before = registry_state()
        response = preview(admin_client, IMPORT_ASSETS, data, name)
        assert response.status_code == 200
        assert error in " ".join(response.context["form"].errors["file"])
        assert not ImportJob.objects.exists()
        assert registry_state() == before

    @pytest.mark.parametrize(
        ("name", "data", "error"),
        [
            ("assets.csv", b"symbol,colour\nBTC,orange\n", "not a CSV of assets: unknown columns"),
            ("assets.csv", b"\xff\xfe\x00garbage", "is not UTF-8 text"),
            ("assets.xlsx", b"symbol,name\nBTC,Bitcoin\n", "is not an XLSX workbook"),
        ],
    )
    def test_a_file_that_is_not_one_to_import_fails_its_job_and_writes_nothing(
        self, name, data, error, demo, admin_client
    ):
        before = registry_state()
        response = preview(admin_client, IMPORT_ASSETS, data, name)
        assert response.status_code == 200
        assert error in job_error(response)
        assert job_error(response).startswith("Nothing imported: ")
        assert response.context["job"].file.name == ""  # deleted with the job's end
        assert not default_storage.listdir("imports")[1]
        assert registry_state() == before

    def test_a_small_xlsx_that_unpacks_to_more_than_a_worker_parses_is_refused(
        self, demo, admin_client
    ):
        from registry.exchange import jobs

        sheet = b" " * (10 * jobs.MAX_UPLOAD_BYTES + 1)  # deflates to a few KB
        buffer = BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("xl/worksheets/sheet1.xml", sheet)
        before = registry_state()

        response = preview(admin_client, IMPORT_ASSETS, buffer.getvalue(), "assets.xlsx")

        assert len(buffer.getvalue()) < jobs.MAX_UPLOAD_BYTES
        assert "unpacks to more than" in job_error(response)
        assert registry_state() == before

    def test_a_file_too_large_is_refused(self, demo, admin_client):
        from registry.exchange import jobs

        data = edited_assets_csv()
        big = data + b"\n" * (jobs.MAX_UPLOAD_BYTES - len(data) + 1)
        response = preview(admin_client, IMPORT_ASSETS, big, "assets.csv")
        assert "is larger than 2 MB" in " ".join(response.context["form"].errors["file"])
        assert not ImportJob.objects.exists()
        assert not Asset.objects.filter(pk=NEW_ASSET_ID).exists()


class TestPreviewTellsTheTruth:
    def test_a_row_the_write_refuses_is_previewed_as_rejected(self, demo, admin_client):
        """The preview is the write, rolled back: an address the model refuses is a
        rejection there, not "to create 1" that confirming then rejects."""
        asset = usdc()
        rows = [{"asset": asset.pk, "chain": "base", "address": "0xNOTANADDRESS", "decimals": 6}]
        url = reverse("admin:assets_assetdeployment_import")
        before = registry_state()

        shown = preview(admin_client, url, as_csv(rows), "deployments.csv")

        assert (shown.context["preview"].created, shown.context["preview"].rows) == (0, [])
        (rejection,) = shown.context["preview"].rejected
        assert rejection.item == "line 2" and rejection.reason.startswith("address: Not an EVM")
        assert b"Confirm import" not in shown.content
        assert registry_state() == before


class TestDuplicateAssets:
    @staticmethod
    def usdc_elsewhere_csv() -> bytes:
        """A row without asset_id: USD Coin, at an address the registry's USDC is not."""
        deployments = json.dumps([{"chain": "base", "address": "0x" + "cd" * 20}])
        row = {"symbol": "USDC", "name": "USD Coin", "asset_type": "ERC20"}
        return as_csv([{**row, "deployments": deployments}])

    def test_a_row_that_needs_a_choice_is_refused_and_the_choice_offered(self, demo, admin_client):
        before = registry_state()
        shown = preview(admin_client, IMPORT_ASSETS, self.usdc_elsewhere_csv(), "usdc.csv")

        (rejection,) = shown.context["preview"].rejected
        assert str(usdc().pk) in rejection.reason
        assert shown.context["preview"].duplicate_choices == [2]
        assert b'name="_allow_duplicates"' in shown.content
        assert registry_state() == before

        allowed = post_and_run(admin_client, shown.wsgi_request.path, {"_allow_duplicates": "1"})

        assert allowed.context["preview"].created == 1
        assert allowed.context["preview"].rejected == []
        assert b"Duplicate assets are allowed" in allowed.content
        assert registry_state() == before
        confirm(admin_client, IMPORT_ASSETS, allowed)
        assert Asset.objects.filter(name="USD Coin").count() == 2

    def test_the_upload_form_offers_the_choice_for_assets_only(self, demo, admin_client):
        shown = preview(
            admin_client,
            IMPORT_ASSETS,
            self.usdc_elsewhere_csv(),
            "usdc.csv",
            allow_duplicates="on",
        )
        assert shown.context["preview"].created == 1
        assert "allow_duplicates" not in admin_client.get(IMPORT_CHAINS).context["form"].fields


def test_an_unclosed_quote_is_an_error_on_the_page_naming_its_line(demo, admin_client):
    data = b'symbol,name,asset_type\nNEWA,New A,ERC20\nNEWB,"New B,ERC20\nNEWC,New C,ERC20\n'
    response = preview(admin_client, IMPORT_ASSETS, data, "assets.csv")
    assert "line 3: a quoted cell opens on this line and is never closed" in job_error(response)
    assert not Asset.objects.filter(symbol__in=["NEWA", "NEWB"]).exists()
