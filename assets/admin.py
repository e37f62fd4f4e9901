from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from assets import services
from assets.confusables import skeleton, suspicious_characters
from assets.graph import variant_graph_svg
from assets.models import (
    Asset,
    AssetDeployment,
    AssetFieldSource,
    AssetGroup,
    AssetGroupMember,
    AssetIdentifier,
    AssetRelationship,
)
from quality.admin import severity_badge
from quality.models import AssetQualityFlag
from registry.admin import RegistryInline, RegistryModelAdmin

# How many other assets a warning lists by name before "and N more".
WARNING_SAMPLE = 10


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


def _active_flags():
    return AssetQualityFlag.objects.active().filter(asset=OuterRef("pk"))


@admin.register(Asset)
class AssetAdmin(RegistryModelAdmin):
    list_display = (
        "symbol",
        "name",
        "asset_type",
        "category",
        "active_flags",
        "highest_severity",
        "updated_at",
        "deleted_at",
    )
    list_filter = (DeletedFilter, "asset_type", "category")
    search_fields = (
        "symbol_key",
        "name",
        "=deployments__address",
        "=identifiers__external_id",
        "=venue_symbols__symbol",
    )
    readonly_fields = ("asset_id", "symbol_key", "deleted_at", "api_link", "variant_graph")
    inlines = (AssetDeploymentInline, AssetIdentifierInline)
    actions = ("restore_selected",)
    create_service = staticmethod(services.asset_create)
    update_service = staticmethod(services.asset_update)
    service_instance_name = "asset"

    def get_queryset(self, request):
        """Deleted assets too (the list shows live ones unless filtered), to restore them.

        Each row carries its active flags' count and highest severity: two correlated
        subqueries on the active-flags index, so a page costs one query, not one per row.
        """
        return Asset.all_objects.get_queryset().annotate(
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

    @admin.display(description="Active flags", ordering="active_flag_count")
    def active_flags(self, obj):
        return obj.active_flag_count

    @admin.display(description="Highest severity", ordering="highest_active_severity")
    def highest_severity(self, obj):
        return severity_badge(obj.highest_active_severity)

    @admin.display(description="API")
    def api_link(self, obj):
        if obj is None or obj.pk is None:
            return None
        url = reverse("asset-detail", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, url)

    @admin.display(description="Variant graph")
    def variant_graph(self, obj):
        """Underlying assets above, variants below, flagged ones marked (server SVG)."""
        if obj is None or obj.pk is None:
            return None
        return mark_safe(variant_graph_svg(obj))  # every text in it is XML-escaped

    def save_model(self, request, obj, form, change):
        """Saves through the services, then warns (never blocks) about lookalikes."""
        super().save_model(request, obj, form, change)
        for warning in self.save_warnings(obj):
            self.message_user(request, warning, messages.WARNING)

    def save_warnings(self, asset: Asset) -> list[str]:
        """What a steward should look at after saving ``asset``: other live assets with its
        symbol, characters of other scripts that look Latin, and existing symbols that
        ``asset``'s symbol reads as."""
        warnings = []
        collisions = self._others(Asset.objects.filter(symbol_key=asset.symbol_key), asset)
        if collisions:
            warnings.append(
                format_html(
                    "The symbol {} is already used by {} other live asset(s): {}",
                    asset.symbol,
                    collisions[0],
                    collisions[1],
                )
            )
        for label, value in (("Symbol", asset.symbol), ("Name", asset.name)):
            suspicious = suspicious_characters(value)
            if suspicious:
                warnings.append(
                    format_html(
                        "{} “{}” mixes scripts with characters that look Latin: {}.",
                        label,
                        value,
                        "; ".join(character.describe() for character in suspicious),
                    )
                )
        reads_as = skeleton(asset.symbol)
        if reads_as != asset.symbol_key:
            lookalikes = self._others(
                Asset.objects.with_symbol(reads_as).exclude(symbol_key=asset.symbol_key), asset
            )
            if lookalikes:
                warnings.append(
                    format_html(
                        "The symbol {} reads as {}, the symbol of {} other live asset(s): {}",
                        asset.symbol,
                        reads_as,
                        lookalikes[0],
                        lookalikes[1],
                    )
                )
        return warnings

    def _others(self, queryset, asset: Asset):
        """(count, linked list) of the live assets of ``queryset`` other than ``asset``,
        oldest first, at most WARNING_SAMPLE named; None if there are none."""
        others = queryset.exclude(pk=asset.pk)
        total = others.count()
        if not total:
            return None
        sample = others.order_by("created_at", "asset_id").prefetch_related("deployments")[
            :WARNING_SAMPLE
        ]
        site = self.admin_site.name
        listed = format_html_join(
            ", ",
            '<a href="{}">{}</a> ({}; {})',
            (
                (
                    reverse(f"{site}:assets_asset_change", args=[other.pk]),
                    other.symbol,
                    other.name,
                    ", ".join(sorted({d.chain_id for d in other.deployments.all()}))
                    or "no deployments",
                )
                for other in sample
            ),
        )
        more = total - len(sample)
        if more:
            listed = format_html("{} and {} more", listed, more)
        return total, format_html("{}.", listed)

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
