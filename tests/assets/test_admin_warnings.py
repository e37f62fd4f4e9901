"""The asset admin warns before mistakes: shared symbols, lookalike characters, stale
copies; and shows flags at a glance in its list."""

import html

import pytest
from django.contrib.messages import WARNING
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assets import services
from assets.models import Asset
from quality.choices import FlagType, Severity
from quality.models import AssetQualityFlag
from quality.services import flag_raise

pytestmark = pytest.mark.django_db

SPOOF = "USD\u0421"  # the last letter is a Cyrillic ES
ADD = reverse("admin:assets_asset_add")
NO_INLINES = {
    f"{prefix}-{suffix}": value
    for prefix in ("deployments", "identifiers")
    for suffix, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))
}


def add_form(symbol: str, name: str = "Some Token") -> dict:
    return {"symbol": symbol, "name": name, "asset_type": "ERC20", "metadata": "{}", **NO_INLINES}


def change_url(asset) -> str:
    return reverse("admin:assets_asset_change", args=[asset.pk])


def warnings(response) -> list[str]:
    """The warning messages shown, as HTML with its entities decoded."""
    return [html.unescape(str(m)) for m in response.context["messages"] if m.level == WARNING]


def loaded_form(client, asset) -> dict:
    """The change form as the browser holds it after loading the page."""
    form = client.get(change_url(asset)).context["adminform"].form
    values = {key: value for key, value in form.initial.items() if value is not None}
    return {**values, "metadata": "{}", **NO_INLINES}


def usdc():
    return Asset.objects.with_identifier("COINGECKO", "usd-coin").get()


def counterfeit_usdc():
    return Asset.objects.with_identifier("INTERNAL", "demo-counterfeit-usdc").get()


class TestSymbolCollisions:
    def test_adding_a_used_symbol_saves_and_lists_the_others(self, demo, admin_client):
        response = admin_client.post(ADD, add_form("usdc", "Yet Another USDC"), follow=True)
        assert response.status_code == 200
        created = Asset.objects.get(name="Yet Another USDC")  # saved: a warning, not a block
        (warning,) = warnings(response)
        assert "The symbol usdc is already used by 2 other live asset(s)" in warning
        assert "USD Coin; arbitrum, base, ethereum, optimism, polygon, solana" in warning
        assert "Counterfeit USD Coin (demo); no deployments" in warning
        assert f'href="{change_url(usdc())}"' in warning
        assert f'href="{change_url(counterfeit_usdc())}"' in warning
        assert change_url(created) not in warning
        assert "more" not in warning

    def test_changing_an_asset_that_shares_its_symbol_lists_the_others(self, demo, admin_client):
        asset = usdc()
        form = {**loaded_form(admin_client, asset), "description": "Circle's dollar"}
        response = admin_client.post(change_url(asset), form, follow=True)
        (warning,) = warnings(response)
        assert "already used by 1 other live asset(s)" in warning
        assert change_url(counterfeit_usdc()) in warning
        assert change_url(asset) not in warning

    def test_at_most_ten_are_listed_then_how_many_more(self, demo, admin_client):
        for number in range(11):
            services.asset_create(symbol="USDC", name=f"Copy {number}", asset_type="ERC20")
        response = admin_client.post(ADD, add_form("USDC", "The fourteenth"), follow=True)
        (warning,) = warnings(response)
        assert "already used by 13 other live asset(s)" in warning
        assert warning.count("<a href=") == 10
        assert warning.endswith("and 3 more.")

    def test_deleted_assets_do_not_count(self, demo, admin_client):
        services.asset_soft_delete(asset=counterfeit_usdc())
        response = admin_client.post(ADD, add_form("USDC", "Another"), follow=True)
        (warning,) = warnings(response)
        assert "already used by 1 other live asset(s)" in warning

    def test_a_new_symbol_saves_without_a_warning(self, demo, admin_client):
        response = admin_client.post(ADD, add_form("NEWCOIN"), follow=True)
        assert warnings(response) == []
        assert Asset.objects.with_symbol("NEWCOIN").exists()


class TestLookalikeCharacters:
    def test_a_cyrillic_letter_is_named_and_the_latin_symbol_it_copies_is_listed(
        self, demo, admin_client
    ):
        response = admin_client.post(ADD, add_form(SPOOF, "Spoof Coin"), follow=True)
        created = Asset.objects.get(name="Spoof Coin")  # saved: a warning, not a block
        assert created.symbol == SPOOF
        mixed, reads_as = warnings(response)
        assert f"Symbol “{SPOOF}” mixes scripts" in mixed
        assert "U+0421 CYRILLIC CAPITAL LETTER ES" in mixed
        assert 'looks like Latin "C" (U+0043 LATIN CAPITAL LETTER C)' in mixed
        assert f"The symbol {SPOOF} reads as USDC, the symbol of 2 other live asset(s)" in reads_as
        assert change_url(usdc()) in reads_as
        assert change_url(counterfeit_usdc()) in reads_as

    def test_a_lookalike_in_the_name_is_named(self, demo, admin_client):
        response = admin_client.post(ADD, add_form("NEWCOIN", "USD \u0421oin"), follow=True)
        (warning,) = warnings(response)
        assert warning.startswith("Name “USD \u0421oin” mixes scripts")
        assert "U+0421 CYRILLIC CAPITAL LETTER ES" in warning

    def test_a_symbol_all_in_another_script_that_reads_as_an_existing_one(self, demo, admin_client):
        response = admin_client.post(
            ADD, add_form("\u0412\u0422\u0421", "Not bitcoin"), follow=True
        )
        (warning,) = warnings(response)  # not mixed, but it reads as BTC
        assert "reads as BTC, the symbol of 1 other live asset(s)" in warning

    def test_full_width_letters_are_normalized_first_so_they_only_collide(self, demo, admin_client):
        response = admin_client.post(
            ADD, add_form("\uff35\uff33\uff24\uff23", "Full width"), follow=True
        )
        assert Asset.objects.get(name="Full width").symbol == "USDC"  # NFKC
        (warning,) = warnings(response)
        assert "already used by 2 other live asset(s)" in warning

    @pytest.mark.parametrize(
        ("invisible", "named"),
        [
            ("\u200b", "U+200B ZERO WIDTH SPACE"),
            ("\u200d", "U+200D ZERO WIDTH JOINER"),
            ("\u202e", "U+202E RIGHT-TO-LEFT OVERRIDE"),
            ("\x07", "U+0007 (control character)"),
        ],
    )
    def test_control_and_zero_width_characters_are_refused(
        self, demo, admin_client, invisible, named
    ):
        before = Asset.all_objects.count()
        response = admin_client.post(ADD, add_form(f"USD{invisible}C"))
        assert response.status_code == 200  # the form again, with the error
        errors = response.context["adminform"].form.errors["symbol"]
        assert errors == [f"Symbol contains invisible or control characters: {named}."]
        assert Asset.all_objects.count() == before


class TestStaleCopies:
    def test_the_second_of_two_loaded_forms_is_refused_and_overwrites_nothing(
        self, demo, admin_client, client, django_user_model
    ):
        asset = usdc()
        client.force_login(django_user_model.objects.create_superuser("other", "o@x.test", "x"))
        first = loaded_form(admin_client, asset)
        second = loaded_form(client, asset)
        assert first["loaded_version"] == second["loaded_version"] == asset.version

        saved = admin_client.post(change_url(asset), {**first, "description": "First"})
        assert saved.status_code == 302
        refused = client.post(change_url(asset), {**second, "description": "Second"})
        assert refused.status_code == 200  # the form again, with the error
        message = (
            "Someone else changed this asset since you opened it (version "
            f"{asset.version}, now {asset.version + 1}); reload and apply your change again."
        )
        assert refused.context["adminform"].form.non_field_errors() == [message]
        assert message in refused.content.decode()
        asset.refresh_from_db()
        assert (asset.description, asset.version) == ("First", first["loaded_version"] + 1)

        # Reloaded, the change goes through.
        again = client.post(change_url(asset), {**loaded_form(client, asset), "description": "2"})
        assert again.status_code == 302
        asset.refresh_from_db()
        assert asset.description == "2"

    def test_a_write_from_another_path_in_between_is_seen_too(self, demo, admin_client):
        asset = usdc()
        form = loaded_form(admin_client, asset)
        services.asset_update(asset=usdc(), changes={"category": "dollar"})  # e.g. the API
        response = admin_client.post(change_url(asset), {**form, "category": "stable"})
        assert response.status_code == 200
        assert "Someone else changed this asset" in response.content.decode()
        assert usdc().category == "dollar"

    def test_the_loaded_version_is_hidden_and_not_a_change(self, demo, admin_client):
        asset = usdc()
        page = admin_client.get(change_url(asset)).content.decode()
        assert f'<input type="hidden" name="loaded_version" value="{asset.version}"' in page
        form = loaded_form(admin_client, asset)
        response = admin_client.post(change_url(asset), form)
        assert response.status_code == 302
        asset.refresh_from_db()
        assert asset.version == form["loaded_version"]  # nothing changed, nothing written


class TestFlagsInTheList:
    def test_active_flags_and_the_highest_severity_are_columns(self, demo, admin_client):
        counterfeit = counterfeit_usdc()
        flag_raise(
            asset=counterfeit,
            flag_type=FlagType.LOW_LIQUIDITY,
            severity=Severity.LOW,
            reason="Thin",
            actor="user:test",
        )
        resolved = flag_raise(
            asset=usdc(), flag_type=FlagType.PAUSED, severity=Severity.HIGH, reason="x", actor="t"
        )
        AssetQualityFlag.objects.filter(pk=resolved.pk).update(resolved_at=resolved.raised_at)
        response = admin_client.get(reverse("admin:assets_asset_changelist"), {"q": "usdc"})
        rows = {asset.pk: asset for asset in response.context["cl"].result_list}
        assert rows[counterfeit.pk].active_flag_count == 2
        assert rows[counterfeit.pk].highest_active_severity == Severity.CRITICAL
        assert rows[usdc().pk].active_flag_count == 0  # resolved flags do not count
        assert rows[usdc().pk].highest_active_severity is None
        page = response.content.decode()
        assert 'class="severity-badge severity-critical" style="background:#c92a2a' in page
        assert ">Critical</span>" in page
        assert "<script" not in page.split('id="result_list"')[1].split("</table>")[0]

    def test_the_list_costs_the_same_queries_however_many_rows_are_flagged(
        self, demo, admin_client, django_assert_max_num_queries
    ):
        url = reverse("admin:assets_asset_changelist")
        admin_client.get(url)  # warm: session, content types
        with CaptureQueriesContext(connection) as baseline:
            admin_client.get(url)
        for asset in Asset.objects.all():
            for flag_type, severity in ((FlagType.PAUSED, 3), (FlagType.ADMIN_KEYS, 4)):
                flag_raise(
                    asset=asset, flag_type=flag_type, severity=severity, reason="r", actor="t"
                )
        with django_assert_max_num_queries(len(baseline)):
            response = admin_client.get(url)
        assert len(response.context["cl"].result_list) == Asset.objects.count()
        assert all(row.active_flag_count >= 2 for row in response.context["cl"].result_list)

    def test_flag_list_shows_severity_badges_in_their_colours(self, demo, admin_client):
        btc = Asset.objects.with_identifier("COINGECKO", "bitcoin").get()
        colours = {
            Severity.INFO: "#6c757d",
            Severity.LOW: "#1c64d1",
            Severity.MEDIUM: "#f0b400",
            Severity.HIGH: "#e8590c",
        }
        for (severity, _colour), flag_type in zip(
            colours.items(), list(FlagType)[1:], strict=False
        ):
            flag_raise(asset=btc, flag_type=flag_type, severity=severity, reason="r", actor="t")
        page = admin_client.get(reverse("admin:quality_assetqualityflag_changelist"))
        content = page.content.decode()
        for severity, colour in {**colours, Severity.CRITICAL: "#c92a2a"}.items():
            name = Severity(severity).name.lower()
            assert f'class="severity-badge severity-{name}" style="background:{colour}' in content


def test_the_change_page_links_to_the_asset_in_the_api(demo, admin_client):
    asset = usdc()
    page = admin_client.get(change_url(asset)).content.decode()
    api = f"/api/v1/assets/{asset.pk}/"
    assert f'<a href="{api}">{api}</a>' in page
    assert admin_client.get(api).status_code in (200, 401, 403)  # the URL exists
