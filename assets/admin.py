"""The assets app's admin. The asset page shows the asset's fields, its deployments and
identifiers, then read-only panels of the tickers, venue codes, groups, relationships and
flags that refer to it; the asset list restores deleted assets and raises flags."""

from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ORDER_VAR
from django.contrib.auth import get_permission_codename
from django.core.exceptions import ValidationError
from django.db.models import Count, F, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
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
from quality.admin import (
    FlagRaiseForm,
    flag_action_page,
    refusals_message,
    refuse_large_selection,
    severity_badge,
)
from quality.choices import FlagType, Severity
from quality.models import AssetQualityFlag
from quality.services import flag_raise
from registry.actors import actor_id
from registry.admin import (
    ReadOnlyModelAdmin,
    RegistryInline,
    RegistryModelAdmin,
    admin_change_url,
)
from registry.admin_filters import (
    FrequentValuesFilter,
    GroupedFacetsMixin,
    RelatedSearchFilter,
)
from registry.exceptions import RegistryError

# How many other assets a warning lists by name before "and N more".
WARNING_SAMPLE = 10
# How many rows a panel of the asset page lists before linking to all of them in their
# own change list: USDT quotes thousands of tickers.
PANEL_ROWS = 50
# The read-only panels of the change page: everything that refers to the asset. They are
# tables, not inlines, so saving the asset posts (and validates) nothing for them; each
# row links to its own change page, which writes through its services.
PANELS = (
    ("Venues", ("tickers_as_base", "tickers_as_quote", "venue_codes")),
    ("Groups", ("memberships",)),
    ("Relationships", ("as_variant", "as_underlying")),
    ("Quality flags", ("current_flags", "past_flags")),
)
PANEL_FIELDS = tuple(name for _, names in PANELS for name in names)


class AssetDeploymentInlineForm(forms.ModelForm):
    """A saved deployment's chain is shown, not chosen: it is part of what the deployment
    is (the API refuses changing it too), and the page makes no chain query per row."""

    class Meta:
        widgets = {"address": forms.TextInput(attrs={"size": 46})}  # a whole EVM address

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:  # not pk: a new deployment has its UUID already
            chain = self.fields["chain"]
            chain.disabled = True
            chain.widget = forms.Select(choices=[(self.instance.chain_id, self.instance.chain)])


class AssetDeploymentInline(RegistryInline, admin.TabularInline):
    model = AssetDeployment
    form = AssetDeploymentInlineForm
    writes = services.DEPLOYMENT_WRITES
    fields = ("chain", "address", "decimals", "is_native", "is_canonical")
    autocomplete_fields = ("chain",)
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("chain", "asset")


class AssetIdentifierInline(RegistryInline, admin.TabularInline):
    model = AssetIdentifier
    writes = services.IDENTIFIER_WRITES
    fields = ("source", "external_id", "is_primary")
    extra = 0


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


def _decimal(value):
    """A stored decimal without the trailing zeros of its 18 places: 1, not 1.000…"""
    return None if value is None else f"{value.normalize():f}"


@admin.register(Asset)
class AssetAdmin(RegistryModelAdmin):
    list_display = (
        "symbol",
        "name",
        "asset_type",
        "category",
        "active_flags",
        "updated_at",
        "deleted_at",
    )
    list_filter = (
        DeletedFilter,
        "asset_type",
        ("category", FrequentValuesFilter),
        FlagSeverityFilter,
        ("deployments__chain", RelatedSearchFilter),
        ("venue_symbols__venue", RelatedSearchFilter),
        "identifiers__source",
    )
    search_fields = (
        "symbol_key",
        "name",
        "=deployments__address",
        "=identifiers__external_id",
        "=venue_symbols__symbol",
    )
    readonly_fields = ("asset_id", "symbol_key", "deleted_at", "api_link", "variant_graph")
    inlines = (AssetDeploymentInline, AssetIdentifierInline)
    actions = ("restore_selected", "raise_flag")
    # The panels below the editable inlines.
    change_form_template = "assets/admin/asset_change_form.html"
    writes = services.ASSET_WRITES

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

    def get_search_results(self, request, queryset, search_term):
        """Django's search over ``search_fields``, ranked as the API's search ranks: the
        exact symbol (or a deployment's address) first, then symbols that start with the
        term, then the rest, each in the list's order; a column the user sorts by wins.
        The autocompletes of other pages (a flag's asset) rank the same way."""
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip() and ORDER_VAR not in request.GET:
            ordering = ("search_rank", *(queryset.query.order_by or Asset._meta.ordering))
            queryset = queryset.with_search_rank(search_term).order_by(*ordering)
        return queryset, may_have_duplicates

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return readonly if obj is None else (*readonly, *PANEL_FIELDS)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        """The change page, headed by a warning when the asset has an active HIGH or
        CRITICAL flag: a steward editing it must know before anything else."""
        if obj is not None and obj.pk is not None and not add:
            context["serious_flags"] = [
                {
                    "badge": severity_badge(flag.severity),
                    "link": self.change_link(flag, flag.get_flag_type_display()),
                    "reason": flag.reason,
                    "raised_by": flag.raised_by or flag.source,
                    "raised_at": flag.raised_at,
                }
                for flag in obj.quality_flags.active().filter(severity__gte=Severity.HIGH)
            ]
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_fieldsets(self, request, obj=None):
        """The asset's own fields first, then one fieldset per panel (change page only)."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        (name, options), *others = fieldsets
        own = [field for field in options["fields"] if field not in PANEL_FIELDS]
        panels = [(title, {"fields": names}) for title, names in PANELS]
        return [(name, {**options, "fields": own}), *others, *panels]

    @admin.display(description="Active flags", ordering="highest_active_severity")
    def active_flags(self, obj):
        """How many, after the badge of the most severe (one column: the list is wide)."""
        if not obj.active_flag_count:
            return None
        return format_html(
            "{} {}", severity_badge(obj.highest_active_severity), obj.active_flag_count
        )

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

    def change_link(self, obj, text=None) -> str:
        """``obj`` (or ``text``) linked to ``obj``'s change page."""
        url = admin_change_url(type(obj), obj.pk, self.admin_site.name)
        return format_html('<a href="{}">{}</a>', url, obj if text is None else text)

    def asset_link(self, asset: Asset | None):
        if asset is None:
            return None
        link = self.change_link(asset)
        return format_html("{} (deleted)", link) if asset.is_deleted else link

    def related_panel(self, queryset, columns, cells, *, changelist: str, filters: dict) -> str:
        """A table of ``queryset``, one row of ``cells(obj)`` per object under ``columns``.

        Lists at most PANEL_ROWS rows (one query, and a count when there are more), then
        links to all of them in ``changelist`` (an admin URL name) filtered by ``filters``.
        """
        objects = list(queryset[: PANEL_ROWS + 1])
        total = queryset.count() if len(objects) > PANEL_ROWS else len(objects)
        rows = [cells(obj) for obj in objects[:PANEL_ROWS]]
        list_url = reverse(f"{self.admin_site.name}:{changelist}") + "?" + urlencode(filters)
        return render_to_string(
            "assets/admin/related_panel.html",
            {"columns": columns, "rows": rows, "total": total, "list_url": list_url},
        )

    @admin.display(description="As base")
    def tickers_as_base(self, obj):
        """The venue tickers that resolve to the asset, current ones first."""
        return self._tickers_panel(obj.venue_symbols, "Quote", "quote_asset", "asset", obj)

    @admin.display(description="As quote")
    def tickers_as_quote(self, obj):
        """The venue tickers quoted in the asset, current ones first."""
        return self._tickers_panel(obj.quoted_venue_symbols, "Base", "asset", "quote_asset", obj)

    def _tickers_panel(self, tickers, other_label: str, other: str, role: str, obj):
        """``tickers`` of the asset in ``role`` (asset or quote_asset), each with the asset
        at its ``other`` end."""
        return self.related_panel(
            tickers.select_related(other).order_by(
                F("delisted_at").desc(nulls_first=True), "venue_id", "symbol", "market_type"
            ),
            ("Ticker", "Venue", "Market", other_label, "Active", "Delisted"),
            lambda symbol: (
                self.change_link(symbol, symbol.symbol),
                symbol.venue_id,
                symbol.get_market_type_display(),
                self.asset_link(getattr(symbol, other)),
                symbol.is_active,
                symbol.delisted_at,
            ),
            changelist="venues_venuesymbol_changelist",
            filters={role: obj.pk},
        )

    @admin.display(description="Venue codes")
    def venue_codes(self, obj):
        """The venues' own codes for the asset (Kraken's XXBT)."""
        return self.related_panel(
            obj.venue_assets.all(),
            ("Code", "Venue", "Trading", "Deposit", "Withdraw", "Active"),
            lambda code: (
                self.change_link(code, code.venue_asset_symbol),
                code.venue_id,
                code.trading_enabled,
                code.deposit_enabled,
                code.withdraw_enabled,
                code.is_active,
            ),
            changelist="venues_venueasset_changelist",
            filters={"asset": obj.pk},
        )

    @admin.display(description="Memberships")
    def memberships(self, obj):
        return self.related_panel(
            obj.group_memberships.select_related("group"),
            ("Group", "Canonical member", "Weight", "Membership"),
            lambda member: (
                self.change_link(member.group, f"{member.group_id} ({member.group})"),
                member.is_canonical,
                _decimal(member.weight),
                self.change_link(member, "Change"),
            ),
            changelist="assets_assetgroupmember_changelist",
            filters={"asset": obj.pk},
        )

    @admin.display(description="As variant")
    def as_variant(self, obj):
        """The links where the asset is the child: WETH wraps ETH, on WETH's page."""
        return self._links_panel(obj.relationships_as_child, "Underlying", "parent_asset", obj)

    @admin.display(description="As underlying")
    def as_underlying(self, obj):
        """The links where the asset is the parent: WETH wraps ETH, on ETH's page."""
        return self._links_panel(obj.relationships_as_parent, "Variant", "child_asset", obj)

    def _links_panel(self, links, other_label: str, other: str, obj):
        """The relationships ``links`` of the asset, each with the asset at its ``other``
        end (parent_asset or child_asset)."""
        role = "child_asset" if other == "parent_asset" else "parent_asset"
        return self.related_panel(
            links.select_related(other),
            ("Relationship", other_label, "Conversion rate", "Protocol"),
            lambda link: (
                self.change_link(link, link.get_relationship_type_display()),
                self.asset_link(getattr(link, other)),
                _decimal(link.conversion_rate),
                link.protocol,
            ),
            changelist="assets_assetrelationship_changelist",
            filters={role: obj.pk},
        )

    @admin.display(description="Active")
    def current_flags(self, obj):
        """The active flags, most severe first."""
        return self.related_panel(
            obj.quality_flags.active(),
            ("Severity", "Flag", "Source", "Reason", "Raised", "Raised by"),
            lambda flag: (
                severity_badge(flag.severity),
                self.change_link(flag, flag.get_flag_type_display()),
                flag.source,
                flag.reason,
                flag.raised_at,
                flag.raised_by,
            ),
            changelist="quality_assetqualityflag_changelist",
            filters={"asset": obj.pk, "status": "active"},
        )

    @admin.display(description="Resolved")
    def past_flags(self, obj):
        """The resolved flags, the latest resolved first."""
        return self.related_panel(
            obj.quality_flags.resolved().order_by("-resolved_at", "flag_id"),
            (
                "Severity",
                "Flag",
                "Source",
                "Reason",
                "Raised",
                "Raised by",
                "Resolved",
                "Resolved by",
                "Notes",
            ),
            lambda flag: (
                severity_badge(flag.severity),
                self.change_link(flag, flag.get_flag_type_display()),
                flag.source,
                flag.reason,
                flag.raised_at,
                flag.raised_by,
                flag.resolved_at,
                flag.resolved_by,
                flag.resolution_notes,
            ),
            changelist="quality_assetqualityflag_changelist",
            filters={"asset": obj.pk, "status": "resolved"},
        )

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
                    admin_change_url(Asset, other.pk, site),
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
                flag_raise(asset=asset, actor=actor, **form.cleaned_data)
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


@admin.register(AssetIdentifier)
class AssetIdentifierAdmin(RegistryModelAdmin):
    writes = services.IDENTIFIER_WRITES
    list_display = ("source", "external_id", "asset", "is_primary")
    list_filter = ("source", "is_primary")
    search_fields = ("external_id", "asset__symbol_key")
    autocomplete_fields = ("asset",)


@admin.register(AssetDeployment)
class AssetDeploymentAdmin(RegistryModelAdmin):
    writes = services.DEPLOYMENT_WRITES
    list_display = ("asset", "chain", "address", "decimals", "is_native", "is_canonical")
    list_filter = (("chain", RelatedSearchFilter), "is_native", "is_canonical", "is_verified")
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
    writes = services.RELATIONSHIP_WRITES
    list_display = (
        "child_asset",
        "relationship_type",
        "parent_asset",
        "conversion_rate",
        "protocol",
    )
    list_filter = ("relationship_type", ("protocol", FrequentValuesFilter))
    search_fields = ("child_asset__symbol_key", "parent_asset__symbol_key", "protocol")
    autocomplete_fields = ("parent_asset", "child_asset")
    list_select_related = ("parent_asset", "child_asset")

    def get_readonly_fields(self, request, obj=None):
        # The ends and type of a link are what it is; change them by a new link.
        ends = ("parent_asset", "child_asset", "relationship_type") if obj else ()
        return (*super().get_readonly_fields(request, obj), *ends)


class AssetGroupMemberInline(RegistryInline, admin.TabularInline):
    model = AssetGroupMember
    writes = services.GROUP_MEMBER_WRITES
    fields = ("asset", "is_canonical", "weight")
    autocomplete_fields = ("asset",)
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("asset")


@admin.register(AssetGroup)
class AssetGroupAdmin(RegistryModelAdmin):
    writes = services.GROUP_WRITES
    list_display = ("group_id", "canonical_symbol", "issuer")
    search_fields = ("group_id", "canonical_symbol", "issuer")
    inlines = (AssetGroupMemberInline,)


@admin.register(AssetGroupMember)
class AssetGroupMemberAdmin(RegistryModelAdmin):
    writes = services.GROUP_MEMBER_WRITES
    list_display = ("group", "asset", "is_canonical", "weight", "created_at")
    list_filter = (("group", RelatedSearchFilter), "is_canonical")
    search_fields = ("group__group_id", "asset__symbol_key")
    autocomplete_fields = ("group", "asset")
    list_select_related = ("group", "asset")


@admin.register(AssetFieldSource)
class AssetFieldSourceAdmin(ReadOnlyModelAdmin):
    """Which source last set each field of an asset (read only: writes record it)."""

    list_display = ("asset", "field", "source", "actor", "set_at")
    list_filter = (("field", FrequentValuesFilter), ("source", FrequentValuesFilter))
    search_fields = ("=asset__asset_id", "asset__symbol", "source", "actor")
    list_select_related = ("asset",)
    readonly_fields = ("asset", "field", "source", "actor", "set_at")
