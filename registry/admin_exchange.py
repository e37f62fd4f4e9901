"""Export and import in the admin, through ``registry.exchange``, for every entity it knows.

An admin whose model is that of an entity the apps registered (``registry.exchange.entities``)
gets:

- the actions "Export selected … as CSV" and "… as JSON": what ``manage.py export``
  writes (the API's rows and columns), for the selected rows, streamed as they are read
  (a chunk of rows at a time, never the whole file in memory). Viewing is enough.
- an Import button on its change list, leading to ``<changelist>/import/`` (add and change
  permission): upload a CSV or an XLSX file with the API's field names as its header. A
  preview shows what would be created and updated (field, before → after), what is
  unchanged and what is rejected and why; "Confirm import" then writes it through the
  services as ``manage.py import_csv`` does, by the signed-in user, with the source
  ``import:csv:<file name>``, so field provenance ranks it as any CSV import.

The preview is a rehearsal (registry.rehearsal): the import is written and rolled back,
so each row it shows as created, updated or rejected is what the write does with it.
Rows an entity refuses as possible duplicates (``Entity.duplicates_choice``) can be
previewed again with duplicates allowed (``import_csv --allow-duplicates``), or named in
the file.

Between preview and confirm the file stays on the server, in the session (base64, at most
``MAX_UPLOAD_BYTES``, one pending import per session), under a random token that the
confirm form posts back: the browser never sends the file again, so what is confirmed
is the file that was previewed. Confirming writes it in one transaction and commits only
if what it did is what the preview showed; if the registry changed in between, it rolls
back and shows what the file would do now.
"""

import base64
import functools
import hashlib
import json
import secrets
from dataclasses import dataclass
from pathlib import PurePath

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import content_disposition_header
from django.utils.text import capfirst

from registry.actors import acting_as, current_actor
from registry.exceptions import RegistryError
from registry.exchange.entities import CREATED, ENTITIES, UPDATED, Entity, PlannedRow
from registry.exchange.formats import DEFAULT_CHUNK_SIZE, cell, export_chunks, read_csv, read_xlsx
from registry.exchange.run import CsvImport
from registry.importing import ImportReport, SourceError, error_text

# The file is kept in the session between preview and confirm, and a web request
# writes it: curated files, not the published lists (import_tokenlist is for those).
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
PENDING_IMPORT = "registry_pending_import"  # the session key
PREVIEW_ROWS = 500  # rows the preview details; the counts cover them all
MESSAGE_REJECTIONS = 20  # rejections listed after an import
# A web request parses the sheet in memory: its XML may be ten times the upload, no more.
READERS = {
    ".csv": read_csv,
    ".xlsx": functools.partial(read_xlsx, max_unpacked=10 * MAX_UPLOAD_BYTES),
}
EXPORT_CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
CHANGE_LIST_TEMPLATE = "registry/admin/exchange/change_list.html"
IMPORT_TEMPLATE = "registry/admin/exchange/import.html"


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text=(
            "CSV (UTF-8) or XLSX (its first sheet), with the API's field names in the first "
            "row, as the action “Export selected … as CSV” writes them. At most 2 MB."
        )
    )
    overwrite = forms.BooleanField(
        required=False,
        label="Overwrite fields set by hand",
        help_text="Replace asset fields a person set (normally kept), as import_csv --overwrite.",
    )
    allow_duplicates = forms.BooleanField(required=False)

    def __init__(self, *args, entity: Entity, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not entity.duplicates_choice:
            del self.fields["allow_duplicates"]
            return
        choice = self.fields["allow_duplicates"]
        choice.label = f"Allow duplicate {entity.model._meta.verbose_name_plural}"
        choice.help_text = f"{capfirst(entity.duplicates_rule)}, as import_csv --allow-duplicates."

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if PurePath(upload.name).suffix.lower() not in READERS:
            raise ValidationError(f"{upload.name} is neither a .csv nor an .xlsx file.")
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                f"{upload.name} is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB; "
                "split it, or use manage.py import_csv."
            )
        return upload


@dataclass
class PreviewRow:
    line: int
    action: str  # CREATE or UPDATE
    label: str  # the object updated; empty for a new one
    changes: list[tuple[str, str, str]]  # (column, before, after); before is "" on create


def described_rows(entity: Entity, plans: list[PlannedRow]) -> list[PreviewRow]:
    """Each planned row's fields, before → after, as cells. Read before the write, which
    changes the instances it updates."""
    fields = entity.serializer_class().fields

    def text(name: str, value) -> str:
        return "" if value is None else cell(fields[name].to_representation(value))

    rows = []
    for planned in plans:
        after = {**planned.data, **entity.follow_up_values(planned)}
        instance = planned.instance
        if instance is None:  # a new row: its values, the empty ones left out
            label = ""
            changes = [(name, "", text(name, value)) for name, value in after.items()]
            changes = [change for change in changes if change[2]]
        else:
            label = str(instance)
            changes = [
                (name, text(name, getattr(instance, name)), text(name, value))
                for name, value in after.items()
            ]
        rows.append(PreviewRow(planned.line, planned.action, label, changes))
    return rows


@dataclass
class Preview:
    """What an import of a file does, row by row, as the page shows it: the rows written
    (described before the write), and the report of the write."""

    rows: list[PreviewRow]
    report: ImportReport
    entity_name: str
    duplicate_choices: list[int]  # lines refused for want of allowing duplicates
    duplicates_refusal: str  # what the page says of them

    @classmethod
    def of(cls, run: CsvImport, described: list[PreviewRow]) -> "Preview":
        written = [row for row in described if run.verdicts.get(row.line) in (CREATED, UPDATED)]
        choices = run.duplicate_choices
        refusal = run.entity.duplicates_refusal(choices) if choices else ""
        return cls(written, run.report, run.entity.name, choices, refusal)

    @property
    def created(self) -> int:
        return self.report.created[self.entity_name]

    @property
    def updated(self) -> int:
        return self.report.updated[self.entity_name]

    @property
    def unchanged(self) -> int:
        return self.report.unchanged[self.entity_name]

    @property
    def kept(self) -> list[tuple[str, int]]:
        """(field, how many rows keep it because a person set it)."""
        return sorted(self.report.kept.items())

    @property
    def shown_rows(self) -> list[PreviewRow]:
        return self.rows[:PREVIEW_ROWS]

    @property
    def hidden_rows(self) -> int:
        return max(len(self.rows) - PREVIEW_ROWS, 0)

    @property
    def digest(self) -> str:
        """Equal for two runs that write the same, reject the same and keep the same."""
        plan = [
            [(row.line, row.action, row.changes) for row in self.rows],
            self.unchanged,
            [(rejection.item, rejection.reason) for rejection in self.report.rejected],
            self.kept,
            self.report.warnings,
        ]
        return hashlib.sha256(json.dumps(plan).encode()).hexdigest()


class PlanChanged(Exception):
    """The confirmed import did not do what its preview showed: roll it back."""

    def __init__(self, preview: Preview) -> None:
        self.preview = preview


class ExchangeAdminMixin:
    """Export actions and an import page for an admin of an exchangeable entity; an admin
    of another model is left as it is."""

    @cached_property
    def exchange_entity(self) -> Entity | None:
        return ENTITIES.of_model(self.model)

    @property
    def change_list_template(self):
        """Ours, with the Import button; an admin that names its own template keeps it."""
        return CHANGE_LIST_TEMPLATE if self.exchange_entity is not None else None

    def has_import_permission(self, request) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    # ---- export -------------------------------------------------------------------

    def get_actions(self, request):
        """The admin's actions, and the exports for anyone who may view the rows."""
        actions = super().get_actions(request)
        if (
            self.exchange_entity is None
            or self.actions is None  # the admin turned actions off
            or IS_POPUP_VAR in request.GET
            or not self.has_view_permission(request)
        ):
            return actions
        for name in ("export_selected_csv", "export_selected_json"):
            actions[name] = self.get_action(name)
        return actions

    @admin.action(description="Export selected %(verbose_name_plural)s as CSV")
    def export_selected_csv(self, request, queryset):
        return self._export_selected(request, queryset, "csv")

    @admin.action(description="Export selected %(verbose_name_plural)s as JSON")
    def export_selected_json(self, request, queryset):
        return self._export_selected(request, queryset, "json")

    def _export_selected(self, request, queryset, fmt: str) -> StreamingHttpResponse:
        """The selected rows as ``manage.py export`` writes them, as a download streamed a
        chunk of rows at a time."""
        entity = self.exchange_entity
        pks = queryset.values("pk")
        # Counted before the stream starts: a message cannot join a response under way.
        left_out = queryset.count() - entity.export_queryset().filter(pk__in=pks).count()
        if left_out:
            # The admin also lists deleted assets, and what belongs to them; the API does not.
            self.message_user(
                request,
                f"{left_out} of the selected {self.opts.verbose_name_plural} were not exported: "
                "the API does not list them (a deleted asset, or what belongs to one).",
                messages.WARNING,
            )
        filename = f"{entity.name}-{timezone.now():%Y%m%d-%H%M%S}.{fmt}"
        response = StreamingHttpResponse(
            export_chunks(entity, fmt, DEFAULT_CHUNK_SIZE, pks),
            content_type=EXPORT_CONTENT_TYPES[fmt],
        )
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response

    # ---- import -------------------------------------------------------------------

    def get_urls(self):
        urls = super().get_urls()
        if self.exchange_entity is None:
            return urls
        name = f"{self.opts.app_label}_{self.opts.model_name}_import"
        # Before the admin's own: its catch-all would take "import/" for an object id.
        return [path("import/", self.admin_site.admin_view(self.import_view), name=name), *urls]

    def changelist_view(self, request, extra_context=None):
        if self.exchange_entity is not None and self.has_import_permission(request):
            extra_context = {**(extra_context or {}), "exchange_import_url": self._import_url()}
        return super().changelist_view(request, extra_context)

    def import_view(self, request):
        """Upload (GET), preview (POST of a file), preview again allowing duplicates and
        confirm (POSTs of the pending token)."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        entity = self.exchange_entity
        if request.method == "POST" and "_confirm" in request.POST:
            return self._confirm_import(request)
        if (
            request.method == "POST"
            and "_allow_duplicates" in request.POST
            and entity.duplicates_choice
        ):
            return self._preview_allowing_duplicates(request)
        if request.method != "POST":
            # A fresh upload page ends any pending import, and frees its session space.
            request.session.pop(PENDING_IMPORT, None)
            return self._render_import(request, form=ImportForm(entity=entity))
        form = ImportForm(request.POST, request.FILES, entity=entity)
        if not form.is_valid():
            return self._render_import(request, form=form)
        upload = form.cleaned_data["file"]
        pending = {
            "token": secrets.token_urlsafe(16),
            "entity": entity.name,
            "name": upload.name,
            "data": base64.b64encode(upload.read()).decode("ascii"),
            "overwrite": form.cleaned_data["overwrite"],
            "allow_duplicates": form.cleaned_data.get("allow_duplicates", False),
        }
        try:
            preview = self._rehearse_import(pending)
        except SourceError as error:
            form.add_error("file", f"Nothing imported: {error}")
            return self._render_import(request, form=form)
        request.session[PENDING_IMPORT] = {**pending, "plan": preview.digest}
        return self._render_import(request, pending=pending, preview=preview)

    def _pending_import(self, request) -> dict | None:
        """The import pending in the session, if the form posted its token back."""
        pending = request.session.get(PENDING_IMPORT)
        if (
            pending is None
            or pending["entity"] != self.exchange_entity.name
            or not secrets.compare_digest(pending["token"], request.POST.get("token", ""))
        ):
            self.message_user(
                request,
                "That import is no longer pending (the upload page was opened again, another "
                "file was previewed, or the session ended); nothing was imported. Upload the "
                "file again.",
                messages.ERROR,
            )
            return None
        return pending

    def _preview_allowing_duplicates(self, request):
        pending = self._pending_import(request)
        if pending is None:
            return HttpResponseRedirect(self._import_url())
        pending = {**pending, "allow_duplicates": True}
        preview = self._rehearse_import(pending)
        request.session[PENDING_IMPORT] = {**pending, "plan": preview.digest}
        return self._render_import(request, pending=pending, preview=preview)

    def _confirm_import(self, request):
        pending = self._pending_import(request)
        if pending is None:
            return HttpResponseRedirect(self._import_url())
        # One transaction, committed only if the write did what the preview showed: what
        # the steward confirmed is what is written, whatever changed in between.
        try:
            with transaction.atomic():
                run, preview = self._run_import(pending, dry_run=False)
                if preview.digest != pending["plan"]:
                    raise PlanChanged(preview)
        except PlanChanged as changed:
            request.session[PENDING_IMPORT] = {**pending, "plan": changed.preview.digest}
            self.message_user(
                request,
                "The registry changed since the preview, and so did what this file would do; "
                "nothing was imported. This is what it would do now: confirm again to import it.",
                messages.WARNING,
            )
            return self._render_import(request, pending=pending, preview=changed.preview)
        except (RegistryError, ValidationError) as error:  # a batch the database refused
            del request.session[PENDING_IMPORT]
            self.message_user(
                request, f"Import stopped, nothing imported: {error_text(error)}", messages.ERROR
            )
            return HttpResponseRedirect(self._import_url())
        except DatabaseError as error:  # a rule no check caught; all of it rolled back
            del request.session[PENDING_IMPORT]
            self.message_user(
                request,
                f"Import stopped by the database, nothing imported: {error}",
                messages.ERROR,
            )
            return HttpResponseRedirect(self._import_url())
        del request.session[PENDING_IMPORT]
        report = run.report
        self.message_user(
            request,
            f"Imported {pending['name']}: {sum(report.created.values())} created, "
            f"{sum(report.updated.values())} updated, {sum(report.unchanged.values())} "
            f"unchanged, {len(report.rejected)} rejected.",
            messages.SUCCESS if report.wrote else messages.INFO,
        )
        for rejection in report.rejected[:MESSAGE_REJECTIONS]:
            self.message_user(request, f"Rejected {rejection}", messages.WARNING)
        if len(report.rejected) > MESSAGE_REJECTIONS:
            more = len(report.rejected) - MESSAGE_REJECTIONS
            self.message_user(request, f"… and {more} more rejected.", messages.WARNING)
        return HttpResponseRedirect(reverse(f"admin:{self._url_prefix()}_changelist"))

    def _importing(self, pending: dict):
        """The import's change context: the signed-in user, with a CSV import's source."""
        return acting_as(current_actor(), source=f"import:csv:{pending['name']}")

    def _rehearse_import(self, pending: dict) -> Preview:
        """What importing the pending file does, written and rolled back. SourceError if
        the file is not one to import."""
        return self._run_import(pending, dry_run=True)[1]

    def _run_import(self, pending: dict, *, dry_run: bool) -> tuple[CsvImport, Preview]:
        """Import the pending file (in a rehearsal, if ``dry_run``): the run and what it did."""
        entity = self.exchange_entity
        name = pending["name"]
        run = CsvImport(
            entity,
            ImportReport(source=f"{entity.name} from {name}", dry_run=dry_run),
            source=f"import:csv:{name}",
            overwrite=pending["overwrite"],
            allow_duplicates=pending.get("allow_duplicates", False),
            dry_run=dry_run,
        )
        read = READERS[PurePath(name).suffix.lower()]
        with self._importing(pending):
            plans = run.plan_source(base64.b64decode(pending["data"]), name, read)
            described = described_rows(entity, plans)
            run.write(plans)
        return run, Preview.of(run, described)

    def _url_prefix(self) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}"

    def _import_url(self) -> str:
        return reverse(f"admin:{self._url_prefix()}_import")

    def _render_import(self, request, *, form=None, pending=None, preview=None):
        context = {
            **self.admin_site.each_context(request),
            "title": f"Import {self.opts.verbose_name_plural}",
            "opts": self.opts,
            "has_view_permission": self.has_view_permission(request),
            "entity": self.exchange_entity,
            "columns": self.exchange_entity.columns(),
            "form": form,
            "pending": pending,
            "preview": preview,
        }
        return TemplateResponse(request, IMPORT_TEMPLATE, context)
