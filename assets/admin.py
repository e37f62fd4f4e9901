"""The assets app's admin. The asset page shows the asset's fields, its deployments and
identifiers, then read-only panels of the groups and relationships that refer to it; the
asset list restores deleted assets.

Apps above assets show their rows on the asset's list and page too (tickers, flags): each
declares an ``AssetAdminPart`` and ``extend_asset_admin`` registers the asset admin again
with it, as projects extend Django's ``UserAdmin``.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.admin.views.main import ORDER_VAR
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from assets import names, services
from assets.confusables import skeleton, suspicious_characters
from assets.graph import NodeMarks, variant_graph_svg
from assets.models import (
    Asset,
    AssetDeployment,
    AssetGroup,
    AssetGroupMember,
    AssetIdentifier,
    AssetName,
    AssetRelationship,
)
from registry.admin import (
    LOADED_VERSION,
    ReadOnlyModelAdmin,
    RegistryInline,
    RegistryModelAdmin,
    admin_change_url,
)
from registry.admin_filters import FrequentValuesFilter, RelatedSearchFilter
from registry.exceptions import RegistryError
from registry.numbers import plain_decimal

# How many other assets a warning lists by name before "and N more".
WARNING_SAMPLE = 10
# How many rows a panel of the asset page lists before linking to all of them in their
# own change list: USDT quotes thousands of tickers.
PANEL_ROWS = 50
# The read-only panels of the change page, (title, fields): everything that refers to the
# asset (apps above assets add theirs, see AssetAdminPart). They are tables, not inlines,
# so saving the asset posts (and validates) nothing for them; each row links to its own
# change page, which writes through its services.
PANELS = (
    ("Former names", ("former_names",)),
    ("Groups", ("memberships",)),
    ("Relationships", ("as_variant", "as_underlying")),
)


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

    def _post_clean(self):
        super()._post_clean()
        # The asset is the page's own, a hidden field: what is wrong with it (a fiat
        # currency has no deployments) heads the row instead of going unseen.
        for error in self.errors.pop("asset", []):
            self.add_error(None, error)


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


RENAMED_AT = "renamed_at"


def renamed_at_field() -> forms.DateTimeField:
    return forms.DateTimeField(
        required=False,
        help_text="When a change of symbol or name took effect (a rebrand recorded after "
        "the fact), UTC; empty: now. The old symbol and name become a former name.",
    )


class RenameFormMixin:
    """An asset's change form with ``renamed_at``: when its change of symbol or name took
    effect, checked as asset_update checks it (a form error, not a failed save)."""

    def clean(self):
        cleaned = super().clean()
        renamed_at = cleaned.get(RENAMED_AT)
        if renamed_at is None:
            return cleaned
        if not set(self.changed_data) & set(names.NAME_FIELDS):
            self.add_error(RENAMED_AT, "Given without a rename: change the symbol or name.")
            return cleaned
        try:
            names.check_renamed_at(self.instance, renamed_at)
        except ValidationError as error:
            for message in error.message_dict.get(RENAMED_AT, error.messages):
                self.add_error(RENAMED_AT, message)
        return cleaned


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


def _decimal(value):
    """A stored decimal without the trailing zeros of its 18 places: 1, not 1.000…"""
    return plain_decimal(value)


@admin.register(Asset)
class AssetAdmin(RegistryModelAdmin):
    """The asset admin of assets' own; the registered one adds the parts of the apps above
    (``extend_asset_admin``)."""

    list_display = ("symbol", "name", "asset_type", "category", "updated_at", "deleted_at")
    list_filter = (
        DeletedFilter,
        "asset_type",
        ("category", FrequentValuesFilter),
        ("deployments__chain", RelatedSearchFilter),
        "identifiers__source",
    )
    search_fields = ("symbol_key", "name", "=deployments__address", "=identifiers__external_id")
    readonly_fields = ("asset_id", "symbol_key", "deleted_at", "api_link", "variant_graph")
    inlines = (AssetDeploymentInline, AssetIdentifierInline)
    actions = ("restore_selected",)
    # The panels below the editable inlines, and the banners above the form.
    change_form_template = "assets/admin/asset_change_form.html"
    panels = PANELS
    # How the variant graph marks assets (the parts' contribution), or not at all.
    variant_graph_marks: NodeMarks | None = None
    writes = services.ASSET_WRITES

    def get_queryset(self, request):
        """Deleted assets too (the list shows live ones unless filtered), to restore them."""
        return Asset.all_objects.get_queryset()

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

    def get_inlines(self, request, obj):
        """A fiat currency's page has no deployments to edit: it lives on no chain."""
        inlines = super().get_inlines(request, obj)
        if obj is not None and obj.is_fiat:
            return [inline for inline in inlines if inline is not AssetDeploymentInline]
        return inlines

    def get_form(self, request, obj=None, change=False, **kwargs):
        """The model's form and, on a change page, ``renamed_at`` (not a model field, so
        added to the form the admin builds rather than named to it)."""
        if "fields" not in kwargs:
            kwargs["fields"] = flatten_fieldsets(self.get_fieldsets(request, obj))
        if kwargs["fields"] is not None:
            kwargs["fields"] = [name for name in kwargs["fields"] if name != RENAMED_AT]
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            return form
        return type(form.__name__, (RenameFormMixin, form), {RENAMED_AT: renamed_at_field()})

    def service_update(self, instance, form):
        """Through asset_update, with the form's renamed_at."""
        renamed_at = form.cleaned_data.get(RENAMED_AT)
        if renamed_at is None:
            return super().service_update(instance, form)
        stored = Asset._base_manager.get(pk=instance.pk)
        names_ = {field.name for field in Asset._meta.concrete_fields}
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in names_}
        loaded = form.cleaned_data.get(LOADED_VERSION)
        services.asset_update(
            asset=stored,
            changes=changes,
            expected_version=loaded,
            renamed_at=renamed_at,
        )
        instance.__dict__.update(stored.__dict__)
        return None

    @property
    def panel_fields(self) -> tuple[str, ...]:
        return tuple(name for _, names in self.panels for name in names)

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return readonly if obj is None else (*readonly, *self.panel_fields)

    def page_banners(self, request, obj: Asset) -> list[str]:
        """What heads the change page of ``obj`` before anything else (HTML warnings);
        none of assets' own, the parts add theirs."""
        return []

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None and not add:
            context["banners"] = self.page_banners(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_fieldsets(self, request, obj=None):
        """The asset's own fields first, then one fieldset per panel (change page only)."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        (name, options), *others = fieldsets
        own = [field for field in options["fields"] if field not in self.panel_fields]
        panels = [(title, {"fields": names}) for title, names in self.panels]
        return [(name, {**options, "fields": own}), *others, *panels]

    @admin.display(description="API")
    def api_link(self, obj):
        if obj is None or obj.pk is None:
            return None
        url = reverse("asset-detail", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, url)

    @admin.display(description="Variant graph")
    def variant_graph(self, obj):
        """Underlying assets above, variants below, marked as a part says (flagged ones),
        drawn on the server as SVG."""
        if obj is None or obj.pk is None:
            return None
        svg = variant_graph_svg(obj, marks=self.variant_graph_marks)
        return mark_safe(svg)  # every text in it is XML-escaped

    def change_link(self, obj, text=None) -> str:
        """``obj`` (or ``text``) linked to ``obj``'s change page."""
        url = admin_change_url(type(obj), obj.pk, self.admin_site.name)
        return format_html('<a href="{}">{}</a>', url, obj if text is None else text)

    def asset_link(self, asset: Asset | None):
        if asset is None:
            return None
        link = self.change_link(asset)
        return format_html("{} (deleted)", link) if asset.is_deleted else link

    def related_panel(self, queryset, columns, cells, *, filters: dict) -> str:
        """A table of ``queryset``, one row of ``cells(obj)`` per object under ``columns``.

        Lists at most PANEL_ROWS rows (one query, and a count when there are more), then
        links to all of them in their model's change list filtered by ``filters``.
        """
        objects = list(queryset[: PANEL_ROWS + 1])
        total = queryset.count() if len(objects) > PANEL_ROWS else len(objects)
        rows = [cells(obj) for obj in objects[:PANEL_ROWS]]
        opts = queryset.model._meta
        changelist = f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_changelist"
        list_url = reverse(changelist) + "?" + urlencode(filters)
        return render_to_string(
            "assets/admin/related_panel.html",
            {"columns": columns, "rows": rows, "total": total, "list_url": list_url},
        )

    @admin.display(description="Former names")
    def former_names(self, obj):
        """Its rebrands, oldest first: the symbols and names it had, and until when."""
        return self.related_panel(
            obj.former_names.order_by("valid_to"),
            ("Symbol", "Name", "From", "Until", "Recorded"),
            lambda former: (
                former.symbol,
                former.name,
                former.valid_from or "since always",
                former.valid_to,
                former.recorded_at,
            ),
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
            filters={role: obj.pk},
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
        restored = 0
        for asset in queryset.deleted():
            try:
                services.asset_restore(asset=asset)
            except RegistryError as error:  # a fiat currency whose code a live one has
                self.message_user(request, f"{asset}: {error.message}", messages.ERROR)
            else:
                restored += 1
        self.message_user(request, f"Restored {restored} assets.", messages.SUCCESS)


class AssetAdminPart:
    """What an app above assets adds to the asset admin: a mixin of the methods its
    entries name (columns, panels, actions) and of its overrides (``get_queryset``
    annotations, ``page_banners``, ``variant_graph_marks``), with where each entry goes.
    Register it with ``@extend_asset_admin``.

    An entry goes right after the entry of assets' own that its key names, so the page is
    the same whatever order the apps load in; the entries of two parts after one entry
    come in the order of the parts' module names.
    """

    # {a column of AssetAdmin.list_display: (the columns after it)}
    columns_after: dict[str, tuple[str, ...]] = {}
    # {a filter of AssetAdmin.list_filter, by its field or parameter name: (the filters
    # after it)}
    filters_after: dict[str, tuple] = {}
    # {a panel's title, None for the asset's own fields: ((title, fields) of the panels
    # after it)}
    panels_after: dict[str | None, tuple[tuple[str, tuple[str, ...]], ...]] = {}
    # Searched too, and offered after the list's own actions.
    search_fields_added: tuple[str, ...] = ()
    actions_added: tuple[str, ...] = ()


def _filter_name(spec) -> str:
    """A list filter's name: its field (alone or with its filter class) or parameter."""
    if isinstance(spec, str):
        return spec
    if isinstance(spec, tuple):
        return spec[0]
    return spec.parameter_name


def _placed(own: tuple, parts, after: str, name=str) -> tuple:
    """``own``'s entries, each followed by the entries the parts put ``after`` it (the
    parts' attribute of that name maps the ``name`` of an own entry to them)."""
    names = [name(entry) for entry in own]
    following: dict = {entry_name: [] for entry_name in names}
    for part in parts:
        for anchor, entries in getattr(part, after).items():
            if anchor not in following:
                raise ImproperlyConfigured(
                    f"{part.__qualname__}.{after} follows {anchor!r}; the asset admin has {names}"
                )
            following[anchor] += entries
    return tuple(
        placed for entry, key in zip(own, names, strict=True) for placed in (entry, *following[key])
    )


def compose_asset_admin(parts) -> type[AssetAdmin]:
    """AssetAdmin extended by ``parts``: their mixins (in the order of their module names)
    and its lists with their entries in place."""
    parts = sorted(parts, key=lambda part: f"{part.__module__}.{part.__qualname__}")
    marking = [part.__qualname__ for part in parts if "variant_graph_marks" in vars(part)]
    if len(marking) > 1:
        raise ImproperlyConfigured(f"The variant graph takes the marks of one part: {marking}")

    class ExtendedAssetAdmin(*parts, AssetAdmin):
        __doc__ = AssetAdmin.__doc__
        list_display = _placed(AssetAdmin.list_display, parts, "columns_after")
        list_filter = _placed(AssetAdmin.list_filter, parts, "filters_after", _filter_name)
        # None: the asset's own fields, which come before every panel.
        panels = _placed(
            ((None, ()), *AssetAdmin.panels), parts, "panels_after", lambda panel: panel[0]
        )[1:]
        search_fields = (
            *AssetAdmin.search_fields,
            *(field for part in parts for field in part.search_fields_added),
        )
        actions = (*AssetAdmin.actions, *(name for part in parts for name in part.actions_added))

    return ExtendedAssetAdmin


_asset_admin_parts: set[type[AssetAdminPart]] = set()


def extend_asset_admin(part: type[AssetAdminPart]) -> type[AssetAdminPart]:
    """Registers the asset admin again, with ``part`` among its parts (a class decorator,
    used by the admin modules of the apps above, which Django imports at start-up)."""
    _asset_admin_parts.add(part)
    admin.site.unregister(Asset)
    admin.site.register(Asset, compose_asset_admin(_asset_admin_parts))
    return part


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
            "chain",
            "valid_from",
            "valid_to",
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
        "chain",
        "period",
        "protocol",
    )

    @admin.display(description="in effect", ordering="valid_from")
    def period(self, relationship):
        """The effective period by day (its page has the exact times): a list this wide
        keeps to a 1,400-pixel window."""
        start, end = relationship.valid_from, relationship.valid_to
        if start is None and end is None:
            return "always"
        if end is None:
            return f"from {start:%Y-%m-%d}"
        return f"{start:%Y-%m-%d} to {end:%Y-%m-%d}" if start else f"until {end:%Y-%m-%d}"

    list_filter = (
        "relationship_type",
        ("chain", RelatedSearchFilter),
        ("protocol", FrequentValuesFilter),
    )
    search_fields = ("child_asset__symbol_key", "parent_asset__symbol_key", "protocol")
    autocomplete_fields = ("parent_asset", "child_asset", "chain")
    list_select_related = ("parent_asset", "child_asset")

    def get_readonly_fields(self, request, obj=None):
        # The ends, type and chain of a link are what it is; change them by a new link
        # (close this one by its valid_to).
        ends = ("parent_asset", "child_asset", "relationship_type", "chain") if obj else ()
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


@admin.register(AssetName)
class AssetNameAdmin(ReadOnlyModelAdmin):
    """Assets' former names (read only: the asset's services record one at each rename)."""

    list_display = ("asset", "symbol", "name", "valid_from", "valid_to", "recorded_at")
    search_fields = ("=asset__asset_id", "symbol", "name")
    list_select_related = ("asset",)
    readonly_fields = ("asset", "symbol", "name", "valid_from", "valid_to", "recorded_at")
