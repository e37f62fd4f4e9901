"""The quality flag admin, and the flag actions of the admin (raise on assets, resolve).

The actions ask for their input on an intermediate page (``flag_action_page``) that posts
back with the admin's action fields, and write through ``quality.services`` one flag at
a time: a flag the service refuses is reported by name with its reason, and the others
are written.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from quality import services
from quality.choices import Severity
from quality.models import AssetQualityFlag
from registry.actors import actor_id
from registry.admin import RegistryModelAdmin, admin_change_url
from registry.admin_filters import FrequentValuesFilter
from registry.exceptions import FourEyesError, RegistryError
from registry.text import FREE_TEXT_MAX_LENGTH

# Badge colours by severity (background, text): grey, blue, amber, orange, red.
SEVERITY_COLOURS = {
    Severity.INFO: ("#6c757d", "#fff"),
    Severity.LOW: ("#1c64d1", "#fff"),
    Severity.MEDIUM: ("#f0b400", "#1a1a1a"),
    Severity.HIGH: ("#e8590c", "#fff"),
    Severity.CRITICAL: ("#c92a2a", "#fff"),
}


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
            self._resolve(request, flags, actor, form.cleaned_data["notes"])
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

    def _resolve(self, request, flags: list[AssetQualityFlag], actor: str, notes: str) -> None:
        resolved, refused = 0, []
        already = [flag for flag in flags if not flag.is_active]
        for flag in (flag for flag in flags if flag.is_active):
            try:
                services.flag_resolve(flag=flag, actor=actor, notes=notes)
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

    def save_model(self, request, obj, form, change):
        """Raise through the service; a raised flag has nothing to save (resolve it)."""
        actor = actor_id(request.user)
        if not change:
            fields = {
                name: value
                for name, value in form.cleaned_data.items()
                if name not in ("asset", "flag_type", "severity", "reason", "source")
            }
            created = services.flag_raise(
                asset=form.cleaned_data["asset"],
                flag_type=form.cleaned_data["flag_type"],
                severity=form.cleaned_data["severity"],
                reason=form.cleaned_data["reason"],
                source=form.cleaned_data.get("source") or "manual",
                actor=actor,
                **fields,
            )
            obj.__dict__.update(created.__dict__)
