"""The asset admin is assets' own plus the parts the apps above add to it (the markets,
the venue codes, the quality flags): each entry after the own one it names, in one order
whatever order the parts are added in."""

import pytest
from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured

from assets.admin import AssetAdmin, AssetAdminPart, DeletedFilter, compose_asset_admin
from assets.graph import NodeMarks
from assets.models import Asset
from markets.admin import AssetMarketsAdmin
from quality.admin import ACTIVE_FLAG_MARKS, AssetFlagsAdmin, FlagSeverityFilter
from registry.admin_filters import FrequentValuesFilter, RelatedSearchFilter
from venues.admin import AssetVenuesAdmin

REGISTERED = type(admin.site._registry[Asset])
COMPOSED = ("list_display", "list_filter", "search_fields", "actions", "panels")


def test_the_registered_asset_admin_has_every_part_in_its_place():
    assert REGISTERED.list_display == (
        "symbol",
        "name",
        "asset_type",
        "category",
        "active_flags",
        "updated_at",
        "deleted_at",
    )
    assert REGISTERED.list_filter == (
        DeletedFilter,
        "asset_type",
        ("category", FrequentValuesFilter),
        FlagSeverityFilter,
        ("deployments__chain", RelatedSearchFilter),
        ("underlying_instruments__markets__venue", RelatedSearchFilter),
        "identifiers__source",
    )
    assert REGISTERED.search_fields == (
        "symbol_key",
        "name",
        "=deployments__address",
        "=identifiers__external_id",
        "=underlying_instruments__markets__venue_symbol",
    )
    assert REGISTERED.actions == ("restore_selected", "raise_flag")
    assert REGISTERED.panels == (
        ("Markets", ("markets_as_base", "markets_as_quote")),
        ("Instruments", ("instruments_underlied", "instruments_settled")),
        ("Venue codes", ("venue_codes",)),
        ("Former names", ("former_names",)),
        ("Groups", ("memberships",)),
        ("Relationships", ("as_variant", "as_underlying")),
        ("Quality flags", ("current_flags", "past_flags")),
    )
    assert REGISTERED.variant_graph_marks is ACTIVE_FLAG_MARKS
    assert issubclass(REGISTERED, AssetFlagsAdmin) and issubclass(REGISTERED, AssetVenuesAdmin)
    assert issubclass(REGISTERED, AssetMarketsAdmin)


def test_the_parts_come_in_one_order_whatever_order_they_are_added_in():
    one = compose_asset_admin([AssetFlagsAdmin, AssetMarketsAdmin, AssetVenuesAdmin])
    other = compose_asset_admin([AssetVenuesAdmin, AssetFlagsAdmin, AssetMarketsAdmin])

    for name in COMPOSED:
        assert getattr(one, name) == getattr(other, name) == getattr(REGISTERED, name), name
    assert one.__mro__[1:] == other.__mro__[1:] == REGISTERED.__mro__[1:]


def test_without_parts_the_asset_admin_is_assets_own():
    bare = compose_asset_admin([])

    for name in COMPOSED:
        assert getattr(bare, name) == getattr(AssetAdmin, name), name
    assert [title for title, _ in bare.panels] == ["Former names", "Groups", "Relationships"]
    assert bare.variant_graph_marks is None


def test_two_parts_after_one_entry_come_in_the_order_of_their_modules():
    class Early(AssetAdminPart):
        columns_after = {"name": ("early",)}

    class Late(AssetAdminPart):
        columns_after = {"name": ("late",)}

    Early.__module__, Late.__module__ = "a.admin", "b.admin"
    for parts in ([Early, Late], [Late, Early]):
        columns = compose_asset_admin(parts).list_display
        assert columns[:4] == ("symbol", "name", "early", "late")


def test_a_part_that_follows_an_entry_the_asset_admin_lacks_is_refused():
    class Misplaced(AssetAdminPart):
        panels_after = {"Quality flags": (("More", ("more",)),)}  # a part's, not assets' own

    with pytest.raises(ImproperlyConfigured, match="Quality flags"):
        compose_asset_admin([Misplaced])


def test_the_variant_graph_takes_the_marks_of_one_part():
    class OtherMarks(AssetAdminPart):
        variant_graph_marks = NodeMarks(annotation=ACTIVE_FLAG_MARKS.annotation, mark=repr)

    with pytest.raises(ImproperlyConfigured, match="one part"):
        compose_asset_admin([AssetFlagsAdmin, OtherMarks])


def test_the_flag_styles_come_with_the_flags_part():
    """The serious-flags warning and the badge column are styled by quality's stylesheet,
    which the asset admin loads with the flags' part, after the console's."""
    css = admin.site._registry[Asset].media._css["all"]
    assert css.index("registry/admin/console.css") < css.index("quality/admin/flags.css")
    bare = compose_asset_admin([])(Asset, admin.AdminSite())
    assert "quality/admin/flags.css" not in bare.media._css["all"]
