from django.contrib import admin

from quality.models import AssetQualityFlag
from registry.admin import RegistryModelAdmin


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
    list_display = ("asset", "flag_type", "severity", "source", "raised_at", "resolved_at")
    list_filter = (ActiveFilter, "severity", "flag_type", "source")
    search_fields = ("asset__symbol_key", "asset__name", "reason", "source")
    autocomplete_fields = ("asset",)
    list_select_related = ("asset",)

    def has_delete_permission(self, request, obj=None):
        """Flags are history: resolve them, never delete them."""
        return False
