from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from assets import services
from assets.models import (
    Asset,
    AssetDeployment,
    AssetFieldSource,
    AssetGroup,
    AssetGroupMember,
    AssetIdentifier,
    AssetRelationship,
)
from registry.admin import RegistryInline, RegistryModelAdmin


class AssetDeploymentInline(RegistryInline, admin.TabularInline):
    model = AssetDeployment
    create_service = staticmethod(services.deployment_create)
    update_service = staticmethod(services.deployment_update)
    delete_service = staticmethod(services.deployment_delete)
    service_instance_name = "deployment"
    fields = ("chain", "address", "decimals", "is_native", "is_canonical")
    autocomplete_fields = ("chain",)
    extra = 0


class AssetIdentifierInline(RegistryInline, admin.TabularInline):
    model = AssetIdentifier
    create_service = staticmethod(services.asset_identifier_create)
    update_service = staticmethod(services.asset_identifier_update)
    delete_service = staticmethod(services.asset_identifier_delete)
    service_instance_name = "identifier"
    fields = ("source", "external_id", "is_primary")
    extra = 0


class DeletedFilter(admin.SimpleListFilter):
    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return (("no", "Live"), ("yes", "Deleted"), ("all", "All"))

    def choices(self, changelist):
        # "Live" is the default, so Django's own "All" entry would repeat it.
        for lookup, title in self.lookup_choices:
            yield {
                "selected": (self.value() or "no") == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or "no"
        if value == "no":
            return queryset.live()
        if value == "yes":
            return queryset.deleted()
        return queryset


@admin.register(Asset)
class AssetAdmin(RegistryModelAdmin):
    list_display = ("symbol", "name", "asset_type", "category", "updated_at", "deleted_at")
    list_filter = (DeletedFilter, "asset_type", "category")
    search_fields = (
        "symbol_key",
        "name",
        "=deployments__address",
        "=identifiers__external_id",
        "=venue_symbols__symbol",
    )
    readonly_fields = ("asset_id", "symbol_key", "deleted_at")
    inlines = (AssetDeploymentInline, AssetIdentifierInline)
    actions = ("restore_selected",)
    create_service = staticmethod(services.asset_create)
    update_service = staticmethod(services.asset_update)
    service_instance_name = "asset"

    def get_queryset(self, request):
        """Deleted assets too (the list shows live ones unless filtered), to restore them."""
        return Asset.all_objects.get_queryset()

    def get_deleted_objects(self, objs, request):
        """Deleting is soft: nothing else is removed and nothing blocks it."""
        return [str(obj) for obj in objs], {}, set(), []

    def service_delete(self, instance):
        """Soft delete through the service, like the API."""
        if not instance.is_deleted:
            services.asset_soft_delete(asset=instance)

    @admin.action(description="Restore selected deleted assets", permissions=["change"])
    def restore_selected(self, request, queryset):
        restored = [services.asset_restore(asset=asset) for asset in queryset.deleted()]
        self.message_user(request, f"Restored {len(restored)} assets.", messages.SUCCESS)


@admin.register(AssetIdentifier)
class AssetIdentifierAdmin(RegistryModelAdmin):
    create_service = staticmethod(services.asset_identifier_create)
    update_service = staticmethod(services.asset_identifier_update)
    delete_service = staticmethod(services.asset_identifier_delete)
    service_instance_name = "identifier"
    list_display = ("source", "external_id", "asset", "is_primary")
    list_filter = ("source", "is_primary")
    search_fields = ("external_id", "asset__symbol_key")
    autocomplete_fields = ("asset",)


@admin.register(AssetDeployment)
class AssetDeploymentAdmin(RegistryModelAdmin):
    create_service = staticmethod(services.deployment_create)
    update_service = staticmethod(services.deployment_update)
    delete_service = staticmethod(services.deployment_delete)
    service_instance_name = "deployment"
    list_display = ("asset", "chain", "address", "decimals", "is_native", "is_canonical")
    list_filter = ("chain", "is_native", "is_canonical", "is_verified")
    search_fields = ("address", "asset__symbol_key", "asset__name")
    autocomplete_fields = ("asset", "chain")
    list_select_related = ("asset", "chain")


class AssetRelationshipForm(forms.ModelForm):
    class Meta:
        model = AssetRelationship
        fields = (
            "parent_asset",
            "child_asset",
            "relationship_type",
            "conversion_rate",
            "protocol",
            "description",
            "metadata",
        )

    def clean(self):
        cleaned = super().clean()
        parent, child = cleaned.get("parent_asset"), cleaned.get("child_asset")
        adding = self.instance._state.adding and parent and child and parent != child
        if adding and AssetRelationship.objects.would_create_cycle(
            parent_id=parent.pk, child_id=child.pk
        ):
            raise ValidationError(
                f"{parent.symbol} is already reachable from {child.symbol}: this link "
                "would close a cycle."
            )
        return cleaned


@admin.register(AssetRelationship)
class AssetRelationshipAdmin(RegistryModelAdmin):
    form = AssetRelationshipForm
    create_service = staticmethod(services.relationship_create)
    update_service = staticmethod(services.relationship_update)
    delete_service = staticmethod(services.relationship_delete)
    service_instance_name = "relationship"
    list_display = (
        "child_asset",
        "relationship_type",
        "parent_asset",
        "conversion_rate",
        "protocol",
    )
    list_filter = ("relationship_type", "protocol")
    search_fields = ("child_asset__symbol_key", "parent_asset__symbol_key", "protocol")
    autocomplete_fields = ("parent_asset", "child_asset")
    list_select_related = ("parent_asset", "child_asset")

    def get_readonly_fields(self, request, obj=None):
        # The ends and type of a link are what it is; change them by a new link.
        ends = ("parent_asset", "child_asset", "relationship_type") if obj else ()
        return (*super().get_readonly_fields(request, obj), *ends)


class AssetGroupMemberInline(RegistryInline, admin.TabularInline):
    model = AssetGroupMember
    create_service = staticmethod(services.group_member_add)
    update_service = staticmethod(services.group_member_update)
    delete_service = staticmethod(services.group_member_delete)
    service_instance_name = "member"
    fields = ("asset", "is_canonical", "weight")
    autocomplete_fields = ("asset",)
    extra = 0


@admin.register(AssetGroup)
class AssetGroupAdmin(RegistryModelAdmin):
    create_service = staticmethod(services.group_create)
    update_service = staticmethod(services.group_update)
    delete_service = staticmethod(services.group_delete)
    service_instance_name = "group"
    list_display = ("group_id", "canonical_symbol", "issuer")
    search_fields = ("group_id", "canonical_symbol", "issuer")
    inlines = (AssetGroupMemberInline,)


@admin.register(AssetGroupMember)
class AssetGroupMemberAdmin(RegistryModelAdmin):
    create_service = staticmethod(services.group_member_add)
    update_service = staticmethod(services.group_member_update)
    delete_service = staticmethod(services.group_member_delete)
    service_instance_name = "member"
    list_display = ("group", "asset", "is_canonical", "weight", "created_at")
    list_filter = ("group", "is_canonical")
    search_fields = ("group__group_id", "asset__symbol_key")
    autocomplete_fields = ("group", "asset")
    list_select_related = ("group", "asset")


@admin.register(AssetFieldSource)
class AssetFieldSourceAdmin(admin.ModelAdmin):
    """Which source last set each field of an asset (read only: writes record it)."""

    list_display = ("asset", "field", "source", "actor", "set_at")
    list_filter = ("field", "source")
    search_fields = ("=asset__asset_id", "asset__symbol", "source", "actor")
    list_select_related = ("asset",)
    readonly_fields = ("asset", "field", "source", "actor", "set_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
