"""The quality flag admin, the flag actions of the admin (raise on assets, resolve), and
the flags' part of the asset admin (``AssetFlagsAdmin``).

The actions ask for their input on an intermediate page (``flag_action_page``) that posts
back with the admin's action fields, and write through ``quality.services`` one flag at
a time: a flag the service refuses is reported by name with its reason, and the others
are written.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminSplitDateTime
from django.contrib.auth import get_permission_codename
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from assets.admin import AssetAdminPart, extend_asset_admin
from assets.graph import NodeMark, NodeMarks
from quality import services
from quality.choices import FlagType, Severity
from quality.models import AssetQualityFlag
from quality.palette import SEVERITY_COLOURS
from registry.actors import actor_id
from registry.admin import RegistryModelAdmin, admin_change_url
from registry.admin_filters import FrequentValuesFilter, GroupedFacetsMixin
from registry.exceptions import FourEyesError, RegistryError
from registry.rehearsal import rehearsal
from registry.text import FREE_TEXT_MAX_LENGTH


def severity_badge(severity):
    """A coloured badge naming ``severity`` (a Severity value), or None for none."""
    if severity is None:
        return None
    severity = Severity(severity)
    background, colour = SEVERITY_COLOURS[severity]
    return format_html(
        '<span class="severity-badge severity-{}" style="background:{};color:{};'
        'padding:1px 6px;border-radius:8px;font-weight:bold;white-space:nowrap">{}</span>',
        severity.name.lower(),
        background,
        colour,
        severity.label,
    )


def refusal_reason(error: RegistryError | ValidationError) -> str:
    """What a service's refusal says, in one line."""
    if isinstance(error, RegistryError):
        return error.message
    return " ".join(error.messages)


def refusals_message(heading: str, refused) -> str:
    """``heading``, then each refused (label, error) pair with its reason."""
    return format_html(
        "{}: {}",
        heading,
        format_html_join("; ", "{} ({})", ((label, refusal_reason(e)) for label, e in refused)),
    )


class FlagRaiseForm(forms.ModelForm):
    """The raise action's questions, with the model's choices, lengths and defaults.

    Never saved: the action writes through flag_raise, once per asset.
    """

    required_css_class = "required"  # bold labels, as on the admin's own forms

    class Meta:
        model = AssetQualityFlag
        fields = ("flag_type", "severity", "reason", "source")


class FlagResolveForm(forms.Form):
    required_css_class = "required"

    notes = forms.CharField(
        label="Resolution notes",
        max_length=FREE_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="Why the flags no longer apply; stored on each flag resolved.",
    )
    resolved_at = forms.SplitDateTimeField(
        label="Resolved at",
        required=False,
        widget=AdminSplitDateTime,
        help_text="When they stopped applying, if earlier than now (not before a flag was "
        "raised, never in the future); empty: now.",
    )


# The flags' styles (badges' columns, the resolve button, the serious-flags warning), on
# the flag pages and the asset's.
FLAG_STYLES = forms.Media(css={"all": ("quality/admin/flags.css",)})

# Posted by the flag page's "Resolve this flag" button: after resolving, back to the flag.
RETURN_TO_FLAG = "_return_to_flag"

# The intermediate page posts one field per selected row, and Django refuses a post of
# more than DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000) fields.
MAX_ACTION_ROWS = 500


def refuse_large_selection(model_admin, request, queryset) -> bool:
    """True, with an error message, when more rows are selected than a flag action takes."""
    count = queryset.count()
    if count <= MAX_ACTION_ROWS:
        return False
    model_admin.message_user(
        request,
        f"{count} rows are selected; this action takes at most {MAX_ACTION_ROWS} at a time. "
        "Narrow the list with its filters or search first.",
        messages.ERROR,
    )
    return True


def flag_action_page(
    model_admin,
    request,
    *,
    action: str,
    title: str,
    form,
    rows,
    selected,
    submit: str,
    hidden: dict | None = None,
) -> TemplateResponse:
    """The intermediate page of a flag action: the selected rows (label, note), the form,
    and the admin's action fields (``action``, ``_selected_action``, ``post``, and any
    ``hidden`` ones) so that posting it runs the action again, this time with the answers."""
    return TemplateResponse(
        request,
        "quality/admin/flag_action.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": title,
            "subtitle": None,
            "opts": model_admin.opts,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "form": form,
            "rows": rows,
            "selected": [obj.pk for obj in selected],
            "submit": submit,
            "hidden": hidden or {},
            "media": model_admin.media + form.media,
        },
    )


class ActiveFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return (("active", "Active"), ("resolved", "Resolved"))

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.active()
        if self.value() == "resolved":
            return queryset.resolved()
        return queryset


@admin.register(AssetQualityFlag)
class AssetQualityFlagAdmin(RegistryModelAdmin):
    list_display = ("asset", "flag_type", "coloured_severity", "source", "raised_at", "resolved_at")
    list_filter = (ActiveFilter, "severity", "flag_type", ("source", FrequentValuesFilter))
    search_fields = ("asset__symbol_key", "asset__name", "reason", "source")
    autocomplete_fields = ("asset",)
    list_select_related = ("asset",)
    actions = ("resolve_selected",)
    # A raised flag is fixed: its page shows it, and resolving it is the "Resolve this
    # flag" button (the resolve action, for this flag), never a save of the form.
    change_form_template = "quality/admin/flag_change_form.html"

    @property
    def media(self):
        return super().media + FLAG_STYLES

    @admin.display(description="Severity", ordering="severity")
    def coloured_severity(self, obj):
        return severity_badge(obj.severity)

    def flag_link(self, flag: AssetQualityFlag) -> str:
        """The flag's badge, type and asset, linked to its change page."""
        url = admin_change_url(AssetQualityFlag, flag.pk, self.admin_site.name)
        return format_html(
            '{} <a href="{}">{} on {}</a>',
            severity_badge(flag.severity),
            url,
            flag.get_flag_type_display(),
            flag.asset.symbol,
        )

    @admin.action(description="Resolve selected flags", permissions=["change"])
    def resolve_selected(self, request, queryset):
        """Asks for the resolution notes, then resolves each active flag through the service;
        four eyes is checked per flag, so a CRITICAL flag the user raised stays active."""
        if refuse_large_selection(self, request, queryset):
            return None
        flags = list(queryset.select_related("asset"))
        actor = actor_id(request.user)
        form = FlagResolveForm(request.POST if "post" in request.POST else None)
        from_flag_page = RETURN_TO_FLAG in request.POST and len(flags) == 1
        if form.is_valid():
            self._resolve(
                request, flags, actor, form.cleaned_data["notes"], form.cleaned_data["resolved_at"]
            )
            if from_flag_page:  # the "Resolve this flag" button: back to the flag
                return HttpResponseRedirect(
                    admin_change_url(AssetQualityFlag, flags[0].pk, self.admin_site.name)
                )
            return None
        rows = [(self.flag_link(flag), self._foreseen_refusal(flag, actor)) for flag in flags]
        return flag_action_page(
            self,
            request,
            action="resolve_selected",
            title="Resolve this flag" if from_flag_page else "Resolve selected flags",
            form=form,
            rows=rows,
            selected=flags,
            submit="Resolve",
            hidden={RETURN_TO_FLAG: "1"} if from_flag_page else None,
        )

    def _foreseen_refusal(self, flag: AssetQualityFlag, actor: str) -> str:
        """Why the flag will not be resolved, shown before the user confirms; "" if it will."""
        if not flag.is_active:
            return "Already resolved: skipped."
        try:
            services.check_second_person(flag=flag, actor=actor)
        except FourEyesError as error:
            return error.message
        return ""

    def _resolve(
        self, request, flags: list[AssetQualityFlag], actor: str, notes: str, resolved_at=None
    ) -> None:
        resolved, refused = 0, []
        already = [flag for flag in flags if not flag.is_active]
        for flag in (flag for flag in flags if flag.is_active):
            try:
                services.flag_resolve(flag=flag, actor=actor, notes=notes, resolved_at=resolved_at)
            except (RegistryError, ValidationError) as error:
                refused.append((self.flag_link(flag), error))
            else:
                resolved += 1
        if resolved:
            self.message_user(request, f"Resolved {resolved} flag(s).", messages.SUCCESS)
        if refused:
            self.message_user(request, refusals_message("Not resolved", refused), messages.ERROR)
        if already:
            self.message_user(
                request,
                format_html(
                    "Skipped {} already resolved: {}",
                    len(already),
                    format_html_join(", ", "{}", ((self.flag_link(f),) for f in already)),
                ),
                messages.WARNING,
            )

    def has_delete_permission(self, request, obj=None):
        """Flags are history: resolve them, never delete them."""
        return False

    def get_readonly_fields(self, request, obj=None):
        """A raised flag is fixed: every field of its page is read only."""
        readonly = super().get_readonly_fields(request, obj)
        if obj is None:
            return (*readonly, "raised_by", "resolved_at", "resolved_by", "resolution_notes")
        return (*readonly, *(f.name for f in obj._meta.concrete_fields if f.editable))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The flag, read only, with no save buttons (nothing on it can be saved) and, while
        it is active and the user may resolve flags, the "Resolve this flag" button."""
        obj = self.get_object(request, unquote(object_id))
        resolvable = (
            obj is not None
            and obj.is_active
            and self.has_change_permission(request, obj)
            and "resolve_selected" in self.get_actions(request)
        )
        context = {
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "resolve_url": reverse(f"{self.admin_site.name}:quality_assetqualityflag_changelist")
            if resolvable
            else None,
            "return_to_flag": RETURN_TO_FLAG,
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        """The add form rehearses the raise (registry.rehearsal): what the service refuses
        (a time in the future, a second active flag of the type and source) is shown on
        the form, as the API answers it, not raised from the save."""
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            return form
        actor = actor_id(request.user)

        class RaiseForm(form):
            def clean(self):
                cleaned = super().clean()
                if self.errors:
                    return cleaned
                try:
                    with rehearsal():
                        _raise(cleaned, actor)
                except ValidationError as error:
                    for field, messages_ in getattr(
                        error, "message_dict", {None: error.messages}
                    ).items():
                        self.add_error(field if field in self.fields else None, messages_)
                except RegistryError as error:
                    self.add_error(None, str(error))
                return cleaned

        RaiseForm.__name__ = RaiseForm.__qualname__ = form.__name__
        return RaiseForm

    def save_model(self, request, obj, form, change):
        """Raise through the service; a raised flag has nothing to save (resolve it)."""
        if not change:
            created = _raise(form.cleaned_data, actor_id(request.user))
            obj.__dict__.update(created.__dict__)


def _raise(cleaned: dict, actor: str) -> AssetQualityFlag:
    """A flag from the admin's add form, through the service."""
    fields = {
        name: value
        for name, value in cleaned.items()
        if name not in ("asset", "flag_type", "severity", "reason", "source")
    }
    return services.flag_raise(
        asset=cleaned["asset"],
        flag_type=cleaned["flag_type"],
        severity=cleaned["severity"],
        reason=cleaned["reason"],
        source=cleaned.get("source") or "manual",
        actor=actor,
        **fields,
    )


# The flags' part of the asset admin: a column, a filter and the raise action in the
# asset list; a warning, two panels and the variant graph's marks on the asset's page.


def _active_flags():
    return AssetQualityFlag.objects.active().filter(asset=OuterRef("pk"))


class FlagSeverityFilter(GroupedFacetsMixin, admin.SimpleListFilter):
    """Assets by the highest severity of their active flags (the list's annotation)."""

    title = "active flags"
    parameter_name = "flagged"
    facet_column = "highest_active_severity"

    def facet_value(self, lookup: str) -> int | None:
        return None if lookup == "none" else int(lookup)

    def lookups(self, request, model_admin):
        return (("none", "None"), *((str(value), label) for value, label in Severity.choices))

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(highest_active_severity__isnull=True)
        if self.value() in {str(value) for value in Severity.values}:
            return queryset.filter(highest_active_severity=int(self.value()))
        return queryset


def severity_mark(severity) -> NodeMark | None:
    """The variant graph's mark of an asset whose active flags' highest severity is
    ``severity`` (None: no active flag), in the badges' colours."""
    if severity is None:
        return None
    severity = Severity(severity)
    background, colour = SEVERITY_COLOURS[severity]
    return NodeMark(
        badge=f"⚠ {severity.label.upper()}",
        background=background,
        foreground=colour,
        description=f"active flag: {severity.label}",
        data=("severity", str(severity.value)),
    )


# Each shown asset's highest active severity, read with the graph's assets.
ACTIVE_FLAG_MARKS = NodeMarks(
    annotation=Max("quality_flags__severity", filter=Q(quality_flags__resolved_at__isnull=True)),
    mark=severity_mark,
)


# The columns of both flag panels of the asset page; the resolved one adds three.
RAISED_COLUMNS = ("Severity", "Flag", "Source", "Reason", "Raised", "Raised by")


@extend_asset_admin
class AssetFlagsAdmin(AssetAdminPart):
    """An asset's quality flags on its list and its page."""

    columns_after = {"category": ("active_flags",)}
    filters_after = {"category": (FlagSeverityFilter,)}
    panels_after = {"Relationships": (("Quality flags", ("current_flags", "past_flags")),)}
    actions_added = ("raise_flag",)
    variant_graph_marks = ACTIVE_FLAG_MARKS

    @property
    def media(self):
        return super().media + FLAG_STYLES

    def get_queryset(self, request):
        """Each row carries its active flags' count and highest severity: two correlated
        subqueries on the active-flags index, so a page costs one query, not one per row.
        """
        return (
            super()
            .get_queryset(request)
            .annotate(
                active_flag_count=Coalesce(
                    Subquery(
                        _active_flags()
                        .order_by()
                        .values("asset")
                        .annotate(count=Count("pk"))
                        .values("count"),
                        output_field=IntegerField(),
                    ),
                    0,
                ),
                highest_active_severity=Subquery(
                    _active_flags().order_by("-severity").values("severity")[:1],
                    output_field=IntegerField(),
                ),
            )
        )

    @admin.display(description="Active flags", ordering="highest_active_severity")
    def active_flags(self, obj):
        """How many, after the badge of the most severe (one column: the list is wide)."""
        if not obj.active_flag_count:
            return None
        return format_html(
            "{} {}", severity_badge(obj.highest_active_severity), obj.active_flag_count
        )

    def page_banners(self, request, obj):
        """A warning when the asset has an active HIGH or CRITICAL flag: a steward editing
        it must know before anything else."""
        banners = super().page_banners(request, obj)
        serious = [
            {
                "badge": severity_badge(flag.severity),
                "link": self.change_link(flag, flag.get_flag_type_display()),
                "reason": flag.reason,
                "raised_by": flag.raised_by or flag.source,
                "raised_at": flag.raised_at,
            }
            for flag in obj.quality_flags.active().filter(severity__gte=Severity.HIGH)
        ]
        if serious:
            banners.append(
                render_to_string(
                    "quality/admin/serious_flags.html", {"serious_flags": serious}, request
                )
            )
        return banners

    def _raised_cells(self, flag) -> tuple:
        return (
            severity_badge(flag.severity),
            self.change_link(flag, flag.get_flag_type_display()),
            flag.source,
            flag.reason,
            flag.raised_at,
            flag.raised_by,
        )

    @admin.display(description="Active")
    def current_flags(self, obj):
        """The active flags, most severe first."""
        return self.related_panel(
            obj.quality_flags.active(),
            RAISED_COLUMNS,
            self._raised_cells,
            filters={"asset": obj.pk, "status": "active"},
        )

    @admin.display(description="Resolved")
    def past_flags(self, obj):
        """The resolved flags, the latest resolved first."""
        return self.related_panel(
            obj.quality_flags.resolved().order_by("-resolved_at", "flag_id"),
            (*RAISED_COLUMNS, "Resolved", "Resolved by", "Notes"),
            lambda flag: (
                *self._raised_cells(flag),
                flag.resolved_at,
                flag.resolved_by,
                flag.resolution_notes,
            ),
            filters={"asset": obj.pk, "status": "resolved"},
        )

    def has_raise_flag_permission(self, request) -> bool:
        """Raising a flag takes the flag's add permission (Auditors), not the asset's."""
        opts = AssetQualityFlag._meta
        return request.user.has_perm(f"{opts.app_label}.{get_permission_codename('add', opts)}")

    @admin.action(description="Raise a quality flag on selected assets", permissions=["raise_flag"])
    def raise_flag(self, request, queryset):
        """Asks for the flag, then raises it on each selected asset through flag_raise; an
        asset the service refuses (deleted, already flagged so) is named with the reason."""
        if refuse_large_selection(self, request, queryset):
            return None
        assets = list(queryset)
        form = FlagRaiseForm(request.POST if "post" in request.POST else None)
        if not form.is_valid():
            return flag_action_page(
                self,
                request,
                action="raise_flag",
                title="Raise a quality flag",
                form=form,
                rows=[(self.asset_link(asset), "") for asset in assets],
                selected=assets,
                submit="Raise",
            )
        actor = actor_id(request.user)
        raised, refused = 0, []
        for asset in assets:
            try:
                services.flag_raise(asset=asset, actor=actor, **form.cleaned_data)
            except (RegistryError, ValidationError) as error:
                refused.append((self.asset_link(asset), error))
            else:
                raised += 1
        if raised:
            severity = Severity(form.cleaned_data["severity"]).label
            flag_type = FlagType(form.cleaned_data["flag_type"]).label
            self.message_user(
                request,
                f"Raised a {severity} {flag_type} flag on {raised} asset(s).",
                messages.SUCCESS,
            )
        if refused:
            self.message_user(request, refusals_message("Not raised on", refused), messages.ERROR)
