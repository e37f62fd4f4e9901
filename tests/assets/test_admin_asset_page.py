"""The asset's change page shows everything that refers to the asset, in read-only panels
that link to each row's own page, at a cost that does not grow with the rows; deleting
assets from the list is soft and restorable."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assets import services
from assets.admin import PANEL_ROWS
from assets.choices import RelationshipType
from assets.models import Asset, AssetName
from markets.models import Instrument
from quality.choices import FlagType, Severity
from registry.models import OutboxEvent
from registry.roles import STEWARD, VIEWER
from tests.factories import (
    AssetDeploymentFactory,
    AssetFactory,
    AssetGroupFactory,
    AssetGroupMemberFactory,
    AssetIdentifierFactory,
    AssetQualityFlagFactory,
    AssetRelationshipFactory,
    VenueAssetFactory,
    VenueSymbolFactory,
)

pytestmark = pytest.mark.django_db

# Every panel of the page, in its order: the markets', the venues', the asset's own, the
# flags'.
PANEL_FIELDS = (
    "markets_as_base",
    "markets_as_quote",
    "instruments_underlied",
    "instruments_settled",
    "venue_codes",
    "former_names",
    "memberships",
    "as_variant",
    "as_underlying",
    "current_flags",
    "past_flags",
)

NO_INLINES = {
    f"{prefix}-{suffix}": value
    for prefix in ("deployments", "identifiers")
    for suffix, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))
}


def change_url(obj) -> str:
    opts = obj._meta.concrete_model._meta  # a venue ticker is a market's page
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def panels(response) -> dict[str, str]:
    """Each panel's HTML (its read-only field), by field name."""
    page = response.content.decode()
    found = {}
    for name in PANEL_FIELDS:
        match = re.search(
            rf'<div class="form-row field-{name}">.*?<div class="readonly">(.*?)</div>\s*</div>',
            page,
            re.DOTALL,
        )
        assert match, f"no panel {name}"
        found[name] = match.group(1)
    return found


def links(html: str) -> set[str]:
    return set(re.findall(r'<a href="([^"]+)"', html))


def resolved_flag(**fields):
    now = timezone.now()
    return AssetQualityFlagFactory(
        raised_at=now - timedelta(days=1), resolved_at=now, resolved_by="user:bob", **fields
    )


@pytest.fixture
def weth():
    """WETH with one row of each kind that refers to it, and an unrelated asset's rows."""
    eth, usdt, other = AssetFactory(symbol="ETH"), AssetFactory(symbol="USDT"), AssetFactory()
    weth = AssetFactory(symbol="WETH", name="Wrapped Ether")
    rows = {
        "base": VenueSymbolFactory(asset=weth, quote_asset=usdt, symbol="WETHUSDT"),
        "delisted": VenueSymbolFactory(
            asset=weth, symbol="WETHBTC", is_active=False, delisted_at=timezone.now()
        ),
        "quote": VenueSymbolFactory(asset=other, quote_asset=weth, symbol="OTHERWETH"),
        "code": VenueAssetFactory(asset=weth, venue_asset_symbol="XWETH"),
        "deployment": AssetDeploymentFactory(asset=weth),
        "identifier": AssetIdentifierFactory(asset=weth),
        "member": AssetGroupMemberFactory(
            asset=weth, group=AssetGroupFactory(group_id="eth"), weight=Decimal("0.5")
        ),
        "wraps": AssetRelationshipFactory(
            parent_asset=eth,
            child_asset=weth,
            relationship_type=RelationshipType.WRAPS,
            conversion_rate=Decimal(1),
        ),
        "bridged": AssetRelationshipFactory(
            parent_asset=weth, child_asset=other, relationship_type=RelationshipType.BRIDGES
        ),
        "active_flag": AssetQualityFlagFactory(
            asset=weth, severity=Severity.CRITICAL, reason="<script>alert(1)</script>"
        ),
        "resolved_flag": resolved_flag(
            asset=weth,
            flag_type=FlagType.PAUSED,
            severity=Severity.HIGH,
            resolution_notes="Unpaused on block 19000000",
        ),
    }
    # The same kinds of rows of other assets, which WETH's page must not show.
    unrelated = [
        VenueSymbolFactory(asset=other, quote_asset=usdt, symbol="OTHERUSDT"),
        VenueAssetFactory(asset=other, venue_asset_symbol="XOTHER"),
        AssetGroupMemberFactory(asset=other),
        AssetRelationshipFactory(parent_asset=eth, child_asset=usdt),
        AssetQualityFlagFactory(asset=other, reason="Not about WETH"),
        resolved_flag(asset=usdt, resolution_notes="Not about WETH either"),
    ]
    weth.rows, weth.unrelated, weth.eth, weth.usdt, weth.other = rows, unrelated, eth, usdt, other
    return weth


class TestPanels:
    def test_markets_are_listed_in_both_roles_current_first(self, weth, admin_client):
        response = admin_client.get(change_url(weth))
        shown = panels(response)
        base, quote = shown["markets_as_base"], shown["markets_as_quote"]
        rows = weth.rows

        assert links(base) == {
            change_url(rows["base"]),
            change_url(rows["base"].instrument),
            change_url(weth.usdt),  # its quote
            change_url(rows["delisted"]),
            change_url(rows["delisted"].instrument),
        }
        assert base.index("WETHUSDT") < base.index("WETHBTC")  # the delisted one last
        assert links(quote) == {
            change_url(rows["quote"]),
            change_url(rows["quote"].instrument),
            change_url(weth.other),  # its base
        }
        assert "OTHERUSDT" not in base + quote
        page = response.content.decode()
        assert "<label>As base:</label>" in page and "<label>As quote:</label>" in page

    def test_venue_codes_and_group_memberships_are_the_assets_own(self, weth, admin_client):
        shown = panels(admin_client.get(change_url(weth)))
        member = weth.rows["member"]

        assert links(shown["venue_codes"]) == {change_url(weth.rows["code"])}
        assert "XWETH" in shown["venue_codes"] and "XOTHER" not in shown["venue_codes"]
        assert links(shown["memberships"]) == {change_url(member.group), change_url(member)}
        assert "<td>0.5</td>" in shown["memberships"]  # the weight, without 17 zeros

    def test_relationships_show_the_other_end_in_each_direction(self, weth, admin_client):
        shown = panels(admin_client.get(change_url(weth)))

        variant, underlying = shown["as_variant"], shown["as_underlying"]
        assert links(variant) == {change_url(weth.rows["wraps"]), change_url(weth.eth)}
        assert ">wraps</a>" in variant and "<td>1</td>" in variant
        assert links(underlying) == {change_url(weth.rows["bridged"]), change_url(weth.other)}
        assert ">bridges</a>" in underlying

    def test_a_deleted_asset_at_the_other_end_is_marked(self, weth, admin_client):
        services.asset_soft_delete(asset=weth.eth)

        variant = panels(admin_client.get(change_url(weth)))["as_variant"]

        assert f"{weth.eth}</a> (deleted)" in variant

    def test_active_and_resolved_flags_are_apart_with_badges_and_who(self, weth, admin_client):
        shown = panels(admin_client.get(change_url(weth)))
        active, resolved = shown["current_flags"], shown["past_flags"]

        assert links(active) == {change_url(weth.rows["active_flag"])}
        assert "severity-critical" in active and "user:test" in active
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in active  # escaped, not run
        assert "<script>" not in active
        assert links(resolved) == {change_url(weth.rows["resolved_flag"])}
        assert "severity-high" in resolved and "user:bob" in resolved
        assert "Unpaused on block 19000000" in resolved
        assert "Not about WETH" not in active + resolved  # the other assets' flags

    def test_a_viewer_sees_the_same_panels(self, weth, client):
        client.force_login(staff("viewer", VIEWER))

        response = client.get(change_url(weth))

        assert response.status_code == 200
        assert links(panels(response)["as_variant"]) == {
            change_url(weth.rows["wraps"]),
            change_url(weth.eth),
        }
        assert client.get(change_url(weth.rows["wraps"])).status_code == 200  # links it may follow

    def test_the_panels_come_in_their_order_under_their_titles(self, weth, admin_client):
        page = admin_client.get(change_url(weth)).content.decode()

        titles = re.findall(
            r'<h2 id="fieldset-0-\d+-heading" class="fieldset-heading">(.*?)</h2>', page
        )
        assert titles == [
            "Field sources",  # of the asset's own fields, right below them
            "Markets",
            "Instruments",
            "Venue codes",
            "Former names",
            "Groups",
            "Relationships",
            "Quality flags",
        ]
        places = [page.index(f'<div class="form-row field-{name}">') for name in PANEL_FIELDS]
        assert places == sorted(places)
        assert page.index('id="identifiers-heading"') < places[0]  # below the inlines

    def test_the_add_page_has_no_panels(self, admin_client):
        page = admin_client.get(reverse("admin:assets_asset_add")).content.decode()
        assert "field-markets_as_base" not in page and "Quality flags" not in page

    def test_saving_the_asset_posts_nothing_for_the_panels(self, weth, admin_client):
        form = admin_client.get(change_url(weth)).context["adminform"].form
        data = {k: v for k, v in form.initial.items() if v is not None}
        data = {**data, "metadata": "{}", "description": "Wrapped", **NO_INLINES}

        response = admin_client.post(change_url(weth), data)

        assert response.status_code == 302
        weth.refresh_from_db()
        assert weth.description == "Wrapped"

    def test_a_long_panel_lists_the_first_rows_and_links_to_all_of_them(self, admin_client):
        usdt = AssetFactory(symbol="USDT")
        for _ in range(PANEL_ROWS + 10):
            VenueSymbolFactory(quote_asset=usdt)

        quote = panels(admin_client.get(change_url(usdt)))["markets_as_quote"]

        assert quote.count("<tr>") == 1 + PANEL_ROWS  # the header, then the rows shown
        everything = (
            reverse("admin:markets_market_changelist") + f"?instrument__quote_asset={usdt.pk}"
        )
        assert f"{PANEL_ROWS} of {PANEL_ROWS + 10} shown" in quote
        assert f'<a href="{everything}">all {PANEL_ROWS + 10} in their list</a>' in quote
        listed = admin_client.get(everything)
        assert listed.context["cl"].result_count == PANEL_ROWS + 10

    def test_the_page_costs_the_same_queries_however_many_rows_refer_to_the_asset(
        self, weth, admin_client, django_assert_max_num_queries
    ):
        url = change_url(weth)
        admin_client.get(url)  # warm: session, content types
        with CaptureQueriesContext(connection) as baseline:
            admin_client.get(url)
        many = PANEL_ROWS - 5  # below the cap: every row is rendered
        for number in range(many):
            VenueSymbolFactory(asset=weth, quote_asset=AssetFactory())
            VenueSymbolFactory(asset=AssetFactory(), quote_asset=weth)
            Instrument.objects.create(  # a quanto contract settled in WETH
                instrument_type="PERPETUAL",
                code=f"Q{number}-QWETH",
                underlying_asset=AssetFactory(),
                quote_asset=AssetFactory(),
                settlement_asset=weth,
                is_inverse=False,
                is_quanto=True,
                contract_multiplier=1,
            )
            VenueAssetFactory(asset=weth)
            AssetGroupMemberFactory(asset=weth)
            AssetRelationshipFactory(parent_asset=AssetFactory(), child_asset=weth)
            AssetRelationshipFactory(parent_asset=weth, child_asset=AssetFactory())
            AssetQualityFlagFactory(asset=weth, source=f"auditor-{number}")
            resolved_flag(asset=weth)
            AssetDeploymentFactory(asset=weth)
            AssetIdentifierFactory(asset=weth)
            AssetName.objects.create(  # a former name
                asset=weth,
                symbol=f"OLD{number}",
                name="Old",
                valid_to=timezone.now() - timedelta(days=many - number),
            )

        with django_assert_max_num_queries(len(baseline)):
            response = admin_client.get(url)

        shown = panels(response)
        assert all(shown[name].count("<tr>") > many for name in PANEL_FIELDS)
        deployments, identifiers = response.context["inline_admin_formsets"]
        assert len(deployments.formset.forms) == len(identifiers.formset.forms) == many + 1

    def test_a_saved_deployments_chain_is_shown_not_chosen(self, weth, admin_client):
        response = admin_client.get(change_url(weth))

        deployments = response.context["inline_admin_formsets"][0].formset
        (saved,) = deployments.forms
        assert saved.fields["chain"].disabled
        assert not deployments.empty_form.fields["chain"].disabled  # a new one picks its chain
        chain = weth.rows["deployment"].chain
        assert re.search(
            rf'<select name="deployments-0-chain"[^>]* disabled[^>]*>\s*'
            rf'<option value="{chain.pk}" selected>{chain}</option>\s*</select>',
            response.content.decode(),
        )


def staff(username: str, *groups: str) -> User:
    user = User.objects.create_user(username=username, is_staff=True)
    user.groups.set(Group.objects.filter(name__in=groups))
    return user


class TestSoftDeleteAndRestore:
    changelist = reverse("admin:assets_asset_changelist")

    def test_deleting_selected_assets_hides_them_and_keeps_their_rows(self, client):
        client.force_login(staff("steward", VIEWER, STEWARD))
        deployment = AssetDeploymentFactory()
        asset, kept = deployment.asset, AssetFactory()

        confirm = client.post(
            self.changelist, {"action": "delete_selected", "_selected_action": [asset.pk]}
        )
        assert confirm.status_code == 200  # the confirmation page first
        assert not Asset.all_objects.get(pk=asset.pk).is_deleted
        response = client.post(
            self.changelist,
            {"action": "delete_selected", "_selected_action": [asset.pk], "post": "yes"},
        )

        assert response.status_code == 302
        assert Asset.all_objects.get(pk=asset.pk).is_deleted
        assert not Asset.objects.filter(pk=asset.pk).exists()
        assert asset.deployments.get() == deployment  # nothing else was removed
        assert not Asset.all_objects.get(pk=kept.pk).is_deleted
        (event,) = OutboxEvent.objects.filter(event_type="asset_deleted")
        assert (event.entity_id, event.actor_id) == (str(asset.pk), "user:steward")

    def test_restoring_selected_assets_brings_back_the_deleted_ones(self, client):
        client.force_login(staff("steward", VIEWER, STEWARD))
        deleted, live = AssetFactory(), AssetFactory()
        services.asset_soft_delete(asset=deleted)

        response = client.post(
            self.changelist + "?deleted=all",
            {"action": "restore_selected", "_selected_action": [deleted.pk, live.pk]},
            follow=True,
        )

        assert not Asset.all_objects.get(pk=deleted.pk).is_deleted
        messages = [str(message) for message in response.context["messages"]]
        assert messages == ["Restored 1 assets."]  # the live one was left alone
        (event,) = OutboxEvent.objects.filter(event_type="asset_restored")
        assert event.entity_id == str(deleted.pk)

    def test_a_viewer_can_neither_delete_nor_restore(self, client):
        client.force_login(staff("viewer", VIEWER))
        asset, deleted = AssetFactory(), AssetFactory()
        services.asset_soft_delete(asset=deleted)

        for action, pk in (("delete_selected", asset.pk), ("restore_selected", deleted.pk)):
            client.post(
                self.changelist + "?deleted=all",
                {"action": action, "_selected_action": [pk], "post": "yes"},
            )

        assert not Asset.all_objects.get(pk=asset.pk).is_deleted
        assert Asset.all_objects.get(pk=deleted.pk).is_deleted
