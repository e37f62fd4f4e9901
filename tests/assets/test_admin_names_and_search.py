"""The asset pages in a steward's terms: rows that refer to an asset are named by its
symbol and name, a serious flag heads the asset's page, and the search puts the exact
symbol first, as the API's search does."""

import re

import pytest
from django.urls import reverse

from quality.choices import FlagType, Severity
from quality.services import flag_raise, flag_resolve
from registry.models import FieldSource
from tests.factories import (
    AssetDeploymentFactory,
    AssetFactory,
    AssetGroupMemberFactory,
    AssetQualityFlagFactory,
    AssetRelationshipFactory,
)

pytestmark = pytest.mark.django_db

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ASSETS = reverse("admin:assets_asset_changelist")


def change_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


@pytest.fixture
def usdc():
    return AssetFactory(symbol="USDC", name="USD Coin")


def test_every_row_that_refers_to_an_asset_is_named_by_its_symbol_and_name(usdc):
    weth, eth = AssetFactory(symbol="WETH", name="Wrapped Ether"), AssetFactory(symbol="ETH")
    named = {
        "deployment": AssetDeploymentFactory(asset=usdc, address="0x" + "ab" * 20),
        "flag": AssetQualityFlagFactory(
            asset=usdc, flag_type=FlagType.SCAM, severity=Severity.CRITICAL
        ),
        "member": AssetGroupMemberFactory(asset=usdc),
        "relationship": AssetRelationshipFactory(
            child_asset=weth, parent_asset=eth, relationship_type="WRAPS"
        ),
        "field source": FieldSource.objects.create(
            entity="assets.asset",
            object_key=str(usdc.pk),
            field="name",
            source="manual",
            actor="user:x",
        ),
    }
    texts = {what: str(row) for what, row in named.items()}
    for what, text in texts.items():
        assert not UUID.search(text), (what, text)
    assert texts["deployment"].startswith("USDC (USD Coin) on chain-")
    assert texts["flag"] == "Critical Scam flag on USDC (USD Coin)"
    assert texts["member"].startswith("USDC (USD Coin) in ")
    assert texts["relationship"] == f"WETH (Wrapped Ether) wraps {eth}"
    assert texts["field source"] == "name of USDC (USD Coin) set by manual"


def inline_rows(page: str) -> list[str]:
    """What heads each saved row of a page's inlines."""
    return [
        " ".join(re.sub(r"<[^>]+>", "", text).split())
        for text in re.findall(r'<td class="original">\s*<p>(.*?)</p>', page, re.S)
    ]


def test_inline_rows_name_the_asset(admin_client, usdc):
    deployment = AssetDeploymentFactory(asset=usdc)
    member = AssetGroupMemberFactory(asset=usdc)
    asset_page = admin_client.get(change_url(usdc)).content.decode()
    assert inline_rows(asset_page) == [str(deployment)]
    assert str(deployment).startswith("USDC (USD Coin) on ")
    group_page = admin_client.get(change_url(member.group)).content.decode()
    assert inline_rows(group_page) == [f"USDC (USD Coin) in {member.group_id}"]


class TestSeriousFlagWarning:
    def warning(self, client, asset) -> str | None:
        page = client.get(change_url(asset)).content.decode()
        match = re.search(r'<ul class="messagelist serious-flags">(.*?)</ul>\s*</li>', page, re.S)
        return match.group(1) if match else None

    @pytest.mark.parametrize("severity", [Severity.HIGH, Severity.CRITICAL])
    def test_a_high_or_critical_flag_heads_the_page(self, admin_client, usdc, severity):
        flag = flag_raise(
            asset=usdc,
            flag_type=FlagType.EXPLOITED,
            severity=severity,
            reason="Drained.",
            actor="a",
        )
        warning = self.warning(admin_client, usdc)
        assert warning is not None
        assert "1 active HIGH or CRITICAL flag:" in warning
        assert f'<a href="{change_url(flag)}">Exploited</a>: Drained.' in warning
        page = admin_client.get(change_url(usdc)).content.decode()
        assert page.index("serious-flags") < page.index('id="asset_form"')

    def test_lesser_or_resolved_flags_do_not(self, admin_client, usdc):
        flag_raise(
            asset=usdc, flag_type=FlagType.PAUSED, severity=Severity.MEDIUM, reason="x", actor="a"
        )
        resolved = flag_raise(
            asset=usdc, flag_type=FlagType.SCAM, severity=Severity.HIGH, reason="y", actor="a"
        )
        flag_resolve(flag=resolved, actor="b", notes="False alarm.")
        assert self.warning(admin_client, usdc) is None


class TestSearchRanking:
    @pytest.fixture
    def usdcs(self):
        """Symbols that sort before USDC but match "usdc" less exactly."""
        made = {
            symbol: AssetFactory(symbol=symbol, name=name)
            for symbol, name in (
                ("AUSDC", "Aave USDC"),
                ("USDC.E", "Bridged USDC"),
                ("ABC", "Not a usdc at all"),
                ("USDC", "USD Coin"),
            )
        }
        return made

    def symbols(self, response) -> list[str]:
        return [asset.symbol for asset in response.context["cl"].result_list]

    def test_the_exact_symbol_comes_first_then_the_symbols_it_starts(self, admin_client, usdcs):
        found = self.symbols(admin_client.get(ASSETS, {"q": "usdc"}))
        assert found[:2] == ["USDC", "USDC.E"]
        assert set(found[2:]) == {"AUSDC", "ABC"}

    def test_a_deployment_address_ranks_first_too(self, admin_client, usdcs):
        deployment = AssetDeploymentFactory(asset=usdcs["AUSDC"])
        found = self.symbols(admin_client.get(ASSETS, {"q": deployment.address}))
        assert found == ["AUSDC"]

    def test_a_column_the_user_sorts_by_wins(self, admin_client, usdcs):
        by_symbol_descending = admin_client.get(ASSETS, {"q": "usdc", "o": "-1"})
        assert self.symbols(by_symbol_descending) == ["USDC.E", "USDC", "AUSDC", "ABC"]

    def test_the_asset_autocompletes_of_other_pages_rank_the_same(self, admin_client, usdcs):
        answer = admin_client.get(
            reverse("admin:autocomplete"),
            {
                "app_label": "quality",
                "model_name": "assetqualityflag",
                "field_name": "asset",
                "term": "usdc",
            },
        ).json()
        assert answer["results"][0]["text"] == "USDC (USD Coin)"
