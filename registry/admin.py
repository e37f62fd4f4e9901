"""The base admin every entity admin builds on.

Admins write through the app's services, the same functions the API and importers call,
so a change made in the admin is validated, invalidates the hot cache and records
its events exactly as any other. Each admin, like the entity's viewset, names the
entity's ``writes`` declaration (``registry.services.Writes``); inlines
(``RegistryInline``) do the same.

A change form carries the version the object was loaded at (a hidden field); saving a
copy someone else changed in between is refused with a form error, not written over.
"""

from functools import partial

from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets, quote, unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import QuerySet
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst

from registry import provenance
from registry.admin_exchange import ExchangeAdminMixin
from registry.admin_filters import (
    FrequentValuesFilter,
    GroupedFacetsMixin,
    SearchableFiltersMedia,
)
from registry.history import VERBS, EventNames, field_changes, history_search, shown
from registry.models import ChangeEvent, FieldSource, OutboxEvent
from registry.services import Writes

# The change form's hidden field: the version the page was loaded at.
LOADED_VERSION = "loaded_version"
# The read-only panel of a tracked row's field sources (registry.provenance).
FIELD_SOURCES = "field_sources"


class LoadedVersionField(forms.IntegerField):
    """Hidden, and never a change of its own (it is not in the admin's change message)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, min_value=1, **kwargs)

    def has_changed(self, initial, data) -> bool:
        return False


def versioned_form(form_class: type[forms.ModelForm]) -> type[forms.ModelForm]:
    """``form_class`` with the loaded version: refuses to save a stale copy.

    The check locks the row (the admin saves in one transaction), so no write can come
    between it and the save, which also passes the version on as ``expected_version``.
    A post without the field (a script) is not checked.
    """

    class VersionedForm(form_class):
        loaded_version = LoadedVersionField()

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if self.instance.pk is not None and not self.instance._state.adding:
                self.initial.setdefault(LOADED_VERSION, self.instance.version)

        def clean(self):
            cleaned = super().clean()
            loaded = cleaned.get(LOADED_VERSION)
            instance = self.instance
            if loaded is None or instance._state.adding:
                return cleaned
            current = (
                type(instance)
                ._base_manager.select_for_update()
                .filter(pk=instance.pk)
                .values_list("version", flat=True)
                .first()
            )
            if current is not None and current != loaded:
                raise ValidationError(
                    f"Someone else changed this {instance._meta.verbose_name} since you opened "
                    f"it (version {loaded}, now {current}); reload and apply your change again.",
                    code="stale_version",
                )
            return cleaned

    VersionedForm.__name__ = VersionedForm.__qualname__ = form_class.__name__
    return VersionedForm


def _form_fields(instance: models.Model, form) -> dict:
    """The model fields the form set, plus the primary key the admin will redirect to."""
    names = {field.name for field in instance._meta.concrete_fields}
    fields = {name: value for name, value in form.cleaned_data.items() if name in names}
    for name, field in ((f.name, f) for f in instance._meta.concrete_fields):
        # Foreign keys the formset set on the instance (an inline's parent).
        if (
            isinstance(field, models.ForeignKey)
            and name not in fields
            and getattr(instance, field.attname)
        ):
            fields[name] = getattr(instance, name)
    pk = instance._meta.pk
    if not isinstance(pk, models.AutoField) and instance.pk is not None:
        fields[pk.name] = instance.pk
    return fields


class ServiceWrites:
    """Create, change and delete through the services of the entity's ``writes``."""

    writes: Writes | None = None

    def service_create(self, instance, form):
        created = self.writes.create(**_form_fields(instance, form))
        instance.__dict__.update(created.__dict__)  # the admin logs and redirects to it

    def service_update(self, instance, form):
        stored = type(instance)._base_manager.get(pk=instance.pk)
        names = {field.name for field in instance._meta.concrete_fields}
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in names}
        loaded = form.cleaned_data.get(LOADED_VERSION)
        expected = {} if loaded is None else {"expected_version": loaded}
        self.writes.update_of(stored, changes=changes, **expected)
        instance.__dict__.update(stored.__dict__)

    def service_delete(self, instance):
        self.writes.delete_of(instance)


class ConsoleAdmin(SearchableFiltersMedia):
    """The base of every admin of the console: the scripts of the searchable filters and
    the console's stylesheet (lists readable at 1,400 px, the history pages)."""

    class Media:
        css = {"all": ("registry/admin/console.css",)}


class RegistryModelAdmin(ExchangeAdminMixin, ServiceWrites, ConsoleAdmin):
    """Shows the bookkeeping fields read-only, keeps big change lists fast, and writes
    through the services."""

    list_per_page = 100
    # COUNT(*) over a million assets on every page view is not worth it.
    show_full_result_count = False
    # A URL typed without a scheme is https (Django 6's default, chosen now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    object_history_template = "registry/admin/object_history.html"

    def get_readonly_fields(self, request, obj=None):
        sources = (FIELD_SOURCES,) if self._shows_sources(obj) else ()
        return (
            *super().get_readonly_fields(request, obj),
            "created_at",
            "updated_at",
            "version",
            *sources,
        )

    def _shows_sources(self, obj) -> bool:
        return obj is not None and obj.pk is not None and bool(provenance.tracked_fields(obj))

    def get_fieldsets(self, request, obj=None):
        """The model's fieldsets, then (on a change page of a tracked model) the panel of
        its fields' sources."""
        fieldsets = super().get_fieldsets(request, obj)
        if not self._shows_sources(obj):
            return fieldsets
        own = [
            (name, {**options, "fields": [f for f in options["fields"] if f != FIELD_SOURCES]})
            for name, options in fieldsets
        ]
        return [*own, ("Field sources", {"fields": [FIELD_SOURCES]})]

    @admin.display(description="Sources")
    def field_sources(self, obj):
        """Which source last set each tracked field, to what, when and by whom."""
        rows = FieldSource.objects.of(obj).order_by("field")
        if not rows:
            return "None recorded (set before sources were kept)."
        return format_html(
            '<table class="field-sources"><thead><tr><th>Field</th><th>Value set</th>'
            "<th>Source</th><th>Actor</th><th>Set at</th></tr></thead><tbody>{}</tbody></table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (row.field, shown(row.value), row.source, row.actor, row.set_at.isoformat())
                    for row in rows
                ),
            ),
        )

    def history_view(self, request, object_id, extra_context=None):
        """Every change of the object and of the rows that refer to it (an asset's
        deployments, flags, tickers …), from every path: the history the database
        recorded, not only the admin's own log."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        changes = ChangeEvent.objects.references(obj).order_by("-pgh_created_at", "-pgh_id")
        page = ChangePaginator(changes, HISTORY_PER_PAGE).get_page(request.GET.get("p"))
        site = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "title": f"Change history: {obj}",
            "subtitle": None,
            "object": obj,
            "opts": self.opts,
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "page": page,
            "changes": [history_entry(event, site, obj) for event in page],
            **(extra_context or {}),
        }
        request.current_app = site
        return TemplateResponse(request, self.object_history_template, context)

    def _checks_version(self, request, obj) -> bool:
        return obj is not None and self.has_change_permission(request, obj)

    def get_fields(self, request, obj=None):
        fields = [name for name in super().get_fields(request, obj) if name != LOADED_VERSION]
        return [*fields, LOADED_VERSION] if self._checks_version(request, obj) else fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        """The form of the fields shown, plus the hidden loaded version on a change form."""
        if "fields" in kwargs:  # None: every field (how get_fields asks)
            fields = kwargs.pop("fields")
        else:
            fields = flatten_fieldsets(self.get_fieldsets(request, obj))
        if fields is not None:
            fields = [name for name in fields if name != LOADED_VERSION]
        form = super().get_form(request, obj, change=change, fields=fields, **kwargs)
        return versioned_form(form) if self._checks_version(request, obj) else form

    def save_model(self, request, obj, form, change):
        """Through the update or create service of ``writes``."""
        if change:
            self.service_update(obj, form)
        else:
            self.service_create(obj, form)

    def delete_model(self, request, obj):
        """Through the delete service of ``writes``."""
        self.service_delete(obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.service_delete(obj)

    def save_formset(self, request, form, formset, change):
        """Each inline row through its inline's services."""
        inline = formset.inline_admin
        # What formset.save() would record, for the admin's change message.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row in formset.initial_forms:
            if formset.can_delete and formset._should_delete_form(row):
                if row.instance.pk is not None:
                    inline.service_delete(row.instance)
                    formset.deleted_objects.append(row.instance)
            elif row.has_changed():
                inline.service_update(row.instance, row)
                formset.changed_objects.append((row.instance, row.changed_data))
        for row in formset.extra_forms:
            if row.has_changed() and not (formset.can_delete and formset._should_delete_form(row)):
                instance = row.instance
                setattr(instance, formset.fk.name, formset.instance)
                inline.service_create(instance, row)
                formset.new_objects.append(instance)


# How many changes a page of an object's history shows.
HISTORY_PER_PAGE = 50


class ChangePaginator(Paginator):
    """Pages of changes in two steps: the page's keys (entity table, event id) from the
    cheap columns, then the whole rows of those keys, table by table. Reading whole rows
    (each with its diff) at once computes them for every change of every table before
    the sort and LIMIT: 0.9 s for a page at 28,000 changes, against 45 ms this way."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(
            self.rows(self.object_list, bottom, bottom + self.per_page), number, self
        )

    @staticmethod
    def rows(changes, bottom: int, top: int) -> list[ChangeEvent]:
        """The changes ``bottom`` to ``top`` of the queryset ``changes``, in two steps."""
        keys = list(changes.values_list("pgh_model", "pgh_id")[bottom:top])
        ids_by_table = {}
        for table, event_id in keys:
            ids_by_table.setdefault(table, []).append(event_id)
        rows = {}
        for table, ids in ids_by_table.items():
            for event in ChangeEvent.objects.across(table).filter(pgh_id__in=ids):
                rows[table, event.pgh_id] = event
        events = [rows[key] for key in keys if key in rows]
        names = EventNames(events)  # the rows they name, read once for the page
        for event in events:
            event.names = names
        return events


def admin_change_url(model: type[models.Model], pk, site: str = "admin") -> str | None:
    """The change page of ``model``'s row ``pk`` in the admin ``site`` (the id quoted, as the
    admin unquotes it: "side_40" is "side_5F40"), or None for a model without one."""
    opts = model._meta
    try:
        return reverse(f"{site}:{opts.app_label}_{opts.model_name}_change", args=[quote(pk)])
    except NoReverseMatch:
        return None


def history_entry(event: ChangeEvent, site: str, subject: models.Model | None = None) -> dict:
    """What the history pages show of one change: when, who and how, the changed row by
    name, what changed (each field before and after, a foreign key by the name of the row
    it points to) and a link to the changed row unless it is ``subject``."""
    names = getattr(event, "names", None) or EventNames([event])
    model = apps.get_model(event.pgh_obj_model)
    is_subject = (
        subject is not None and type(subject) is model and str(subject.pk) == str(event.pgh_obj_id)
    )
    linked = not is_subject and event.pgh_label != "delete"
    url = admin_change_url(model, event.pgh_obj_id, site) if linked else None
    return {
        "when": event.pgh_created_at,
        "verb": VERBS.get(event.pgh_label, event.pgh_label),
        "entity": model._meta.verbose_name,
        "object_id": event.pgh_obj_id,
        "object": names.row(event),
        "url": url,
        "is_subject": is_subject,
        "actor": event.actor or "unattributed",
        "source": event.source or "",
        "changes": [
            (shown_change.field, shown(shown_change.before), shown(shown_change.after))
            for shown_change in map(partial(names.change, event), field_changes(event))
            if shown_change is not None
        ],
    }


class RegistryInline(ServiceWrites):
    """An inline whose rows are written through the services it names."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.inline_admin = self
        return formset


class ReadOnlyModelAdmin(ConsoleAdmin):
    """Records that writes make (the outbox, field sources, history): shown, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventTypeFilter(GroupedFacetsMixin, admin.SimpleListFilter):
    """The registered event types (not a scan of the outbox for the ones it holds)."""

    title = "event type"
    parameter_name = facet_column = "event_type"

    def lookups(self, request, model_admin):
        from registry.events.types import event_type_names

        return [(name, name) for name in event_type_names()]

    def queryset(self, request, queryset):
        return queryset.filter(event_type=self.value()) if self.value() else queryset


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyModelAdmin):
    """The outbox, read only: what was recorded, and whether it reached the bus."""

    list_display = (
        "sequence",
        "event_type",
        "status",
        "attempts",
        "actor_id",
        "entity_id",
        "occurred_at",
        "published_at",
    )
    list_filter = ("status", EventTypeFilter)
    search_fields = ("=event_id", "=entity_id", "=request_id", "actor_id")
    ordering = ("-id",)
    readonly_fields = [field.name for field in OutboxEvent._meta.fields]


class TrackedEntityFilter(GroupedFacetsMixin, admin.SimpleListFilter):
    """The kind of entity changed: reads only that entity's history table."""

    title = "entity"
    parameter_name = "entity"
    facet_column = "pgh_obj_model"

    def facet_value(self, lookup: str) -> str:
        return _event_models()[lookup].pgh_tracked_model._meta.label

    def lookups(self, request, model_admin):
        return sorted(
            (label, capfirst(event_model.pgh_tracked_model._meta.verbose_name))
            for label, event_model in _event_models().items()
        )

    def queryset(self, request, queryset):
        if self.value():
            event_model = _event_models().get(self.value())
            if event_model is not None:
                return queryset.across(event_model)
        return queryset


def _event_models() -> dict:
    from pghistory.core import event_models

    return {model.pgh_tracked_model._meta.label_lower: model for model in event_models()}


class VerbFilter(GroupedFacetsMixin, admin.SimpleListFilter):
    title = "change"
    parameter_name = "change"
    facet_column = "pgh_label"

    def lookups(self, request, model_admin):
        return list(VERBS.items())

    def queryset(self, request, queryset):
        return queryset.filter(pgh_label=self.value()) if self.value() else queryset


class ChangedAtFilter(admin.DateFieldListFilter):
    """When the change was made (the field's own name is pghistory's)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "date"


class RecentContextFilter(GroupedFacetsMixin, admin.SimpleListFilter):
    """Filter by a context value (actor, source); offers those of the latest changes,
    and takes any value from the URL (``?actor=service:importer``)."""

    RECENT = 1000

    def lookups(self, request, model_admin):
        # One read of the latest contexts serves both filters (each read sorts every change).
        recent = getattr(request, "_recent_change_contexts", None)
        if recent is None:
            recent = request._recent_change_contexts = list(
                ChangeEvent.objects.order_by("-pgh_created_at").values("actor", "source")[
                    : self.RECENT
                ]
            )
        values = {context[self.parameter_name] for context in recent} - {None, ""}
        if self.value():
            values.add(self.value())
        return [(value, value) for value in sorted(values)]

    def queryset(self, request, queryset):
        return queryset.filter(**{self.parameter_name: self.value()}) if self.value() else queryset


class ActorFilter(RecentContextFilter):
    title = "actor"
    parameter_name = facet_column = "actor"


class SourceFilter(RecentContextFilter):
    title = "source"
    parameter_name = facet_column = "source"


class ChangeHistoryList(ChangeList):
    """The change list of the history, whose rows are always read in ChangePaginator's two
    steps: Django reads a list that fits on one page (a selective search) as one query of
    whole rows, which computes every change's diff of every table before filtering."""

    def get_results(self, request):
        super().get_results(request)
        if isinstance(self.result_list, QuerySet):
            self.result_list = ChangePaginator.rows(self.queryset, 0, self.result_count)


@admin.register(ChangeEvent)
class ChangeHistoryAdmin(ReadOnlyModelAdmin):
    """Every change of every entity, newest first; filter by entity, kind of change, actor,
    source and time, or search by symbol, name, address or id. A change's own page says
    the same in the same words (not pghistory's fields)."""

    list_display = ("when", "change", "changed_object", "who", "via", "changed_fields_in_brief")
    list_filter = (
        TrackedEntityFilter,
        VerbFilter,
        ActorFilter,
        SourceFilter,
        ("pgh_created_at", ChangedAtFilter),
    )
    # The search is search_history's; naming a field makes the admin show the box.
    search_fields = ("pgh_obj_id",)
    search_help_text = (
        "A symbol, a name or part of one, an address, or an id: the changes of what "
        "matches (in any of its versions) and of the rows that refer to it."
    )
    ordering = ("-pgh_created_at", "-pgh_id")
    list_per_page = HISTORY_PER_PAGE
    paginator = ChangePaginator
    show_full_result_count = False
    fields = ("when", "change", "changed_object", "who", "via", "changed_fields")
    readonly_fields = fields
    change_form_template = "registry/admin/change_event.html"

    def get_queryset(self, request):
        return ChangeEvent.objects.all()  # the default manager is empty by design (pghistory)

    def get_changelist(self, request, **kwargs):
        return ChangeHistoryList

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        # Once per request: the list builds its queryset again for each facet count.
        cached = getattr(request, "_history_search", None)
        if cached is None or cached[0] != search_term:
            cached = request._history_search = (search_term, history_search(search_term))
        return queryset.filter(cached[1]), False

    def get_object(self, request, object_id, from_field=None):
        """One change, read from its entity's table only: its id names the table
        (``<app_label>.<Model>Event:42``), and a lookup by id across all tables reads them
        all."""
        table, _, event_id = object_id.rpartition(":")
        known = {model._meta.label for model in _event_models().values()}
        if table not in known or not event_id.isascii() or not event_id.isdigit():
            return None
        event = ChangeEvent.objects.across(table).filter(pgh_id=int(event_id)).first()
        if event is not None:
            event.names = EventNames([event])
        return event

    def _entry(self, obj: ChangeEvent) -> dict:
        cached = getattr(obj, "_history_entry", None)
        if cached is None:
            cached = obj._history_entry = history_entry(obj, self.admin_site.name)
        return cached

    @admin.display(description="When", ordering="pgh_created_at")
    def when(self, obj):
        return obj.pgh_created_at

    @admin.display(description="Change")
    def change(self, obj):
        entry = self._entry(obj)
        return f"{capfirst(entry['entity'])} {entry['verb']}"

    @admin.display(description="Object")
    def changed_object(self, obj):
        """The changed row by name (symbol and name for an asset), linked to its page."""
        entry = self._entry(obj)
        if entry["url"]:
            return format_html('<a href="{}">{}</a>', entry["url"], entry["object"])
        return entry["object"]

    @admin.display(description="Who")
    def who(self, obj):
        return self._entry(obj)["actor"]

    @admin.display(description="Via")
    def via(self, obj):
        return self._entry(obj)["source"]

    @admin.display(description="Fields (before → after)")
    def changed_fields(self, obj):
        return _field_lines(self._entry(obj)["changes"])

    @admin.display(description="Fields (before → after)")
    def changed_fields_in_brief(self, obj):
        """The first fields, each value cut short: the change's own page has them all."""
        changes = self._entry(obj)["changes"]
        brief = [
            (field, _cut(before, LIST_VALUE_LENGTH), _cut(after, LIST_VALUE_LENGTH))
            for field, before, after in changes[:LIST_FIELDS]
        ]
        more = len(changes) - len(brief)
        if more <= 0:
            return _field_lines(brief)
        return format_html(
            '{}<div class="history-more">… and {} more field{}</div>',
            _field_lines(brief),
            more,
            "s" if more > 1 else "",
        )


# How many fields, and how much of each value, a row of the change history list shows.
LIST_FIELDS = 6
LIST_VALUE_LENGTH = 60


def _cut(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _field_lines(changes) -> str:
    return format_html_join(
        "",
        '<div class="history-field"><b>{}</b>: <span class="history-before">{}</span>'
        ' → <span class="history-after">{}</span></div>',
        changes,
    )


@admin.register(FieldSource)
class FieldSourceAdmin(ReadOnlyModelAdmin):
    """Which source last set each tracked field of every entity, and to what (read only:
    writes record it; registry.provenance)."""

    list_display = ("entity", "object_key", "field", "source", "actor", "set_at")
    list_filter = (
        ("entity", FrequentValuesFilter),
        ("field", FrequentValuesFilter),
        ("source", FrequentValuesFilter),
    )
    search_fields = ("=object_key", "source", "actor")
    readonly_fields = (
        "entity",
        "object_key",
        "target_label",
        "field",
        "value",
        "source",
        "actor",
        "set_at",
    )
    fields = readonly_fields

    @admin.display(description="Row")
    def target_label(self, obj):
        url = None
        if obj.target is not None:
            url = admin_change_url(type(obj.target), obj.target.pk, self.admin_site.name)
        if url is None:
            return obj.target_label
        return format_html('<a href="{}">{}</a>', url, obj.target_label)
