from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from quality import services
from quality.choices import Severity
from quality.models import AssetQualityFlag
from registry.actors import actor_id
from registry.admin import RegistryModelAdmin
from registry.exceptions import FourEyesError

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
    list_filter = (ActiveFilter, "severity", "flag_type", "source")
    search_fields = ("asset__symbol_key", "asset__name", "reason", "source")
    autocomplete_fields = ("asset",)
    list_select_related = ("asset",)

    @admin.display(description="Severity", ordering="severity")
    def coloured_severity(self, obj):
        return severity_badge(obj.severity)

    def has_delete_permission(self, request, obj=None):
        """Flags are history: resolve them, never delete them."""
        return False

    def get_readonly_fields(self, request, obj=None):
        """A raised flag is fixed; writing resolution notes on an active one resolves it."""
        readonly = super().get_readonly_fields(request, obj)
        if obj is None:
            return (*readonly, "raised_by", "resolved_at", "resolved_by", "resolution_notes")
        fixed = [f.name for f in obj._meta.concrete_fields if f.editable]
        if obj.is_active:
            fixed.remove("resolution_notes")
        return (*readonly, *fixed)

    def get_form(self, request, obj=None, change=False, **kwargs):
        """On an active flag, notes the service would refuse (four eyes) are a form error:
        the page shows why, and nothing is saved."""
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None or not obj.is_active:
            return form
        actor = actor_id(request.user)

        class ResolutionForm(form):
            def clean_resolution_notes(self):
                notes = self.cleaned_data.get("resolution_notes", "")
                if notes.strip():
                    try:
                        services.check_second_person(flag=self.instance, actor=actor)
                    except FourEyesError as error:
                        raise ValidationError(error.message, code=error.code) from error
                return notes

        return ResolutionForm

    def save_model(self, request, obj, form, change):
        """Raise (add) or resolve (notes on an active flag) through the services."""
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
        elif form.cleaned_data.get("resolution_notes", "").strip():
            stored = AssetQualityFlag.objects.get(pk=obj.pk)
            services.flag_resolve(
                flag=stored, actor=actor, notes=form.cleaned_data["resolution_notes"]
            )
            obj.__dict__.update(stored.__dict__)
