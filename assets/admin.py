from django.contrib import admin

from assets.models import (
    Asset,
    AssetDeployment,
    AssetGroup,
    AssetGroupMember,
    AssetIdentifier,
    AssetRelationship,
)
from registry.admin import RegistryModelAdmin


class AssetDeploymentInline(admin.TabularInline):
    model = AssetDeployment
    fields = ("chain", "address", "decimals", "is_native", "is_canonical")
    autocomplete_fields = ("chain",)
    extra = 0


class AssetIdentifierInline(admin.TabularInline):
    model = AssetIdentifier
    fields = ("source", "external_id", "is_primary")
    extra = 0


@admin.register(Asset)
class AssetAdmin(RegistryModelAdmin):
    list_display = ("symbol", "name", "asset_type", "category", "updated_at")
    list_filter = ("asset_type", "category")
    search_fields = (
        "symbol_key",
        "name",
        "=deployments__address",
        "=identifiers__external_id",
        "=venue_symbols__symbol",
    )
    readonly_fields = ("asset_id", "symbol_key", "deleted_at")
    inlines = (AssetDeploymentInline, AssetIdentifierInline)


@admin.register(AssetIdentifier)
class AssetIdentifierAdmin(RegistryModelAdmin):
    list_display = ("source", "external_id", "asset", "is_primary")
    list_filter = ("source", "is_primary")
    search_fields = ("external_id", "asset__symbol_key")
    autocomplete_fields = ("asset",)


@admin.register(AssetDeployment)
class AssetDeploymentAdmin(RegistryModelAdmin):
    list_display = ("asset", "chain", "address", "decimals", "is_native", "is_canonical")
    list_filter = ("chain", "is_native", "is_canonical", "is_verified")
    search_fields = ("address", "asset__symbol_key", "asset__name")
    autocomplete_fields = ("asset", "chain")
    list_select_related = ("asset", "chain")


@admin.register(AssetRelationship)
class AssetRelationshipAdmin(RegistryModelAdmin):
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


class AssetGroupMemberInline(admin.TabularInline):
    model = AssetGroupMember
    fields = ("asset", "is_canonical", "weight")
    autocomplete_fields = ("asset",)
    extra = 0


@admin.register(AssetGroup)
class AssetGroupAdmin(RegistryModelAdmin):
    list_display = ("group_id", "canonical_symbol", "issuer")
    search_fields = ("group_id", "canonical_symbol", "issuer")
    inlines = (AssetGroupMemberInline,)


@admin.register(AssetGroupMember)
class AssetGroupMemberAdmin(RegistryModelAdmin):
    list_display = ("group", "asset", "is_canonical", "weight", "created_at")
    list_filter = ("group", "is_canonical")
    search_fields = ("group__group_id", "asset__symbol_key")
    autocomplete_fields = ("group", "asset")
    list_select_related = ("group", "asset")
