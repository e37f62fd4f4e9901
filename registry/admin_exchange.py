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

Preview and import run as a job (``registry.exchange.jobs``), by a Celery worker: the
upload is stored and the browser sent to the job's page, ``import/<job id>/``, which
follows its progress (``import/<job id>/status/``, JSON) until the preview or the
result is there. The preview is a rehearsal (registry.rehearsal): the import is written
and rolled back, so each row it shows as created, updated or rejected is what the write
does with it. Rows an entity refuses as possible duplicates (``Entity.duplicates_choice``)
can be previewed again with duplicates allowed (``import_csv --allow-duplicates``), or
named in the file. Confirming writes exactly the file previewed (it waits in storage,
not in the session), and commits only if what it did is what the preview showed; if the
registry changed in between, it rolls back and the page shows what the file would do now.
Only the uploader, or a superuser, sees a job; anyone else gets a 404.
"""

from pathlib import PurePath

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect, JsonResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import content_disposition_header
from django.utils.text import capfirst

from registry.exchange.entities import ENTITIES, Entity
from registry.exchange.formats import DEFAULT_CHUNK_SIZE, export_chunks
from registry.exchange.jobs import (
    MAX_UPLOAD_BYTES,
    READERS,
    ImportSummary,
    JobRefused,
    import_job_confirm,
    import_job_create,
    import_job_discard,
    import_job_preview_again,
)
from registry.models import ImportJob

EXPORT_CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
CHANGE_LIST_TEMPLATE = "registry/admin/exchange/change_list.html"
IMPORT_TEMPLATE = "registry/admin/exchange/import.html"
IMPORT_JOB_TEMPLATE = "registry/admin/exchange/import_job.html"


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


def job_progress(job: ImportJob) -> dict:
    """What the job page's progress shows, and its status endpoint answers."""
    if job.status == ImportJob.Status.QUEUED:
        text = f"Waiting for a worker to {job.get_step_display()} {job.file_name} …"
    elif job.status == ImportJob.Status.RUNNING:
        text = f"{job.get_step_display().capitalize()} of {job.file_name}: " + (
            f"{job.phase}, {job.done:,} of {job.total:,} rows" if job.phase else "starting"
        )
    else:
        text = f"{job.get_status_display().capitalize()}."
    return {
        "status": job.status,
        "step": job.step,
        "running": job.is_running,
        "phase": job.phase,
        "done": job.done,
        "total": job.total,
        "text": text,
    }


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

    def _export_selected(self, request, queryset, fmt: str) -> StreamingHttpResponse | None:
        """The selected rows as ``manage.py export`` writes them, as a download streamed a
        chunk of rows at a time."""
        entity = self.exchange_entity
        selected = queryset.count()
        if selected > settings.ADMIN_EXPORT_MAX_ROWS:
            # A download still streaming when the server's request timeout ends it would
            # look complete (a CSV file has no end): refused instead.
            self.message_user(
                request,
                f"{selected:,} {self.opts.verbose_name_plural} selected: the admin exports at "
                f"most {settings.ADMIN_EXPORT_MAX_ROWS:,} at a time (ADMIN_EXPORT_MAX_ROWS), "
                "so that the download ends within the server's request timeout. Select "
                f"fewer, or export them all with `manage.py export {entity.name} --format "
                f"{fmt} --output FILE`.",
                messages.ERROR,
            )
            return None
        pks = queryset.values("pk")
        # Counted before the stream starts: a message cannot join a response under way.
        left_out = selected - entity.export_queryset().filter(pk__in=pks).count()
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
        prefix = self._url_prefix()
        view = self.admin_site.admin_view
        # Before the admin's own: its catch-all would take "import/" for an object id.
        return [
            path("import/", view(self.import_view), name=f"{prefix}_import"),
            path(
                "import/<uuid:job_id>/",
                view(self.import_job_view),
                name=f"{prefix}_import_job",
            ),
            path(
                "import/<uuid:job_id>/status/",
                view(self.import_job_status_view),
                name=f"{prefix}_import_job_status",
            ),
            *urls,
        ]

    def changelist_view(self, request, extra_context=None):
        if self.exchange_entity is not None and self.has_import_permission(request):
            extra_context = {**(extra_context or {}), "exchange_import_url": self._import_url()}
        return super().changelist_view(request, extra_context)

    def import_view(self, request):
        """Upload (GET the form, POST a file): the file is stored, its preview queued, and
        the browser sent to the job's page."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        entity = self.exchange_entity
        if request.method != "POST":
            return self._render_import(request, ImportForm(entity=entity))
        form = ImportForm(request.POST, request.FILES, entity=entity)
        if not form.is_valid():
            return self._render_import(request, form)
        job = import_job_create(
            entity=entity,
            upload=form.cleaned_data["file"],
            user=request.user,
            overwrite=form.cleaned_data["overwrite"],
            allow_duplicates=form.cleaned_data.get("allow_duplicates", False),
        )
        return HttpResponseRedirect(self._job_url(job))

    def import_job_view(self, request, job_id):
        """The job's page: its progress, its preview with "Confirm import", or what it did.
        POSTs confirm (``_confirm``, with the ``plan`` shown), preview again allowing
        duplicates (``_allow_duplicates``) or discard it (``_discard``)."""
        job = self._import_job(request, job_id)
        if request.method == "POST":
            try:
                if "_confirm" in request.POST:
                    import_job_confirm(
                        job=job, user=request.user, plan_digest=request.POST.get("plan", "")
                    )
                elif "_allow_duplicates" in request.POST and self.exchange_entity.duplicates_choice:
                    import_job_preview_again(job=job, user=request.user)
                elif "_discard" in request.POST:
                    import_job_discard(job=job)
                    self.message_user(
                        request, f"Discarded {job.file_name}; nothing was imported.", messages.INFO
                    )
                    return HttpResponseRedirect(self._import_url())
            except JobRefused as refused:
                self.message_user(request, str(refused), messages.ERROR)
            return HttpResponseRedirect(self._job_url(job))
        summary = ImportSummary.from_json(job.summary)
        context = {
            **self._import_context(request),
            "title": f"Import {job.file_name}",
            "job": job,
            "progress": job_progress(job),
            "status_url": self._job_url(job, "status"),
            "summary": summary,
            "preview": summary if job.status == ImportJob.Status.PREVIEWED else None,
        }
        return TemplateResponse(request, IMPORT_JOB_TEMPLATE, context)

    def import_job_status_view(self, request, job_id):
        """The job's progress as JSON, which its page polls while the job runs."""
        return JsonResponse(job_progress(self._import_job(request, job_id)))

    def _import_job(self, request, job_id) -> ImportJob:
        """The job, if it is of this admin's entity and the user's to see; else a 404 (the
        job of another user is not said to exist)."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        jobs = ImportJob.objects.visible_to(request.user).filter(entity=self.exchange_entity.name)
        try:
            return jobs.get(pk=job_id)
        except ImportJob.DoesNotExist:
            raise Http404("No such import job.") from None

    def _url_prefix(self) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}"

    def _import_url(self) -> str:
        return reverse(f"admin:{self._url_prefix()}_import")

    def _job_url(self, job: ImportJob, page: str = "") -> str:
        name = f"admin:{self._url_prefix()}_import_job" + (f"_{page}" if page else "")
        return reverse(name, kwargs={"job_id": job.pk})

    def _import_context(self, request) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "has_view_permission": self.has_view_permission(request),
            "entity": self.exchange_entity,
            "import_url": self._import_url(),
        }

    def _render_import(self, request, form):
        jobs = (
            ImportJob.objects.visible_to(request.user)
            .filter(entity=self.exchange_entity.name, uploaded_by=request.user)
            .unfinished()
            .order_by("-created_at")
        )
        context = {
            **self._import_context(request),
            "title": f"Import {self.opts.verbose_name_plural}",
            "columns": self.exchange_entity.columns(),
            "form": form,
            "jobs": [(job, self._job_url(job)) for job in jobs],
        }
        return TemplateResponse(request, IMPORT_TEMPLATE, context)
