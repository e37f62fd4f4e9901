"""Fiat currencies as assets: a FIAT asset's symbol is its ISO 4217 code, one live asset
per code, and it has no deployments and no relationships. Each rule is refused through
the services, the API and the admin, and by the database itself when Python is bypassed;
importers never take a token named "USD" for the currency or the currency for it."""

import json
import uuid
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from assets import services
from assets.choices import AssetType
from assets.fiat import iso_currencies, iso_currency
from assets.models import Asset, AssetDeployment, AssetRelationship
from chains.choices import ChainType
from chains.services import chain_create
from registry.exceptions import AssetNotFoundError, ConflictError
from registry.models import OutboxEvent
from registry.roles import STEWARD, VIEWER
from tests.api.conftest import assert_error
from tests.assets.test_admin_asset_page import NO_INLINES, change_url, staff
from tests.factories import AssetDeploymentFactory, AssetFactory, ChainFactory

pytestmark = pytest.mark.django_db

ASSETS = "/api/v1/assets/"
DEPLOYMENTS = "/api/v1/deployments/"
RELATIONSHIPS = "/api/v1/relationships/"
USDC_ETHEREUM = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
# Not ISO 4217 currencies: a word, a stablecoin's symbol, lower-case letters that are no
# code, a withdrawn code (the kuna, replaced by the euro in 2023), and ISO entries that
# are not currencies (gold, the testing code, "no currency").
NOT_CURRENCIES = ["DOLLAR", "USDT", "usx", "HRK", "XAU", "XTS", "XXX", "U$D", "", "US D"]


@pytest.fixture
def usd() -> Asset:
    return services.fiat_asset_get_or_create("USD")


def created_events(asset) -> int:
    return OutboxEvent.objects.filter(event_type="asset_created", entity_id=str(asset.pk)).count()


# --- the ISO 4217 list --------------------------------------------------------------------


def test_the_iso_list_holds_the_currencies_and_not_the_metals_or_test_codes():
    codes = set(iso_currencies())
    assert {"USD", "EUR", "JPY", "GBP", "CHF", "XOF", "XAF", "MNT"} <= codes
    assert not {"XAU", "XAG", "XPT", "XPD", "XTS", "XXX", "XDR", "XBA"} & codes
    assert all(len(code) == 3 and code.isascii() and code.isupper() for code in codes)
    assert len(codes) > 150
    usd, jpy = iso_currency("usd"), iso_currency("JPY")
    assert (usd.code, usd.name, usd.numeric, usd.minor_units) == ("USD", "US Dollar", "840", 2)
    assert (jpy.name, jpy.minor_units) == ("Yen", 0)


# --- fiat_asset_get_or_create -------------------------------------------------------------


class TestFiatAssetGetOrCreate:
    def test_creates_the_currency_named_by_iso_and_records_its_event(self):
        usd = services.fiat_asset_get_or_create("usd")

        usd.refresh_from_db()
        assert (usd.symbol, usd.symbol_key, usd.name, usd.asset_type) == (
            "USD",
            "USD",
            "US Dollar",
            AssetType.FIAT,
        )
        assert usd.metadata == {"iso4217": {"numeric": "840", "minor_units": 2}}
        assert usd.deployments.count() == 0
        assert created_events(usd) == 1

    def test_a_second_call_returns_the_same_asset_and_writes_nothing(self, usd):
        events = OutboxEvent.objects.count()

        again = services.fiat_asset_get_or_create(" Usd ")

        assert again.pk == usd.pk and again.version == usd.version
        assert Asset.all_objects.count() == 1 and OutboxEvent.objects.count() == events

    def test_a_token_called_usd_is_not_the_currency(self):
        token = services.asset_create(symbol="USD", name="US Dollar", asset_type="ERC20")

        usd = services.fiat_asset_get_or_create("USD")

        assert usd.pk != token.pk and usd.asset_type == AssetType.FIAT
        assert Asset.objects.with_symbol("USD").count() == 2  # a collision, as any other

    @pytest.mark.parametrize("code", NOT_CURRENCIES)
    def test_a_code_that_is_no_iso_currency_is_refused_naming_symbol(self, code):
        with pytest.raises(ValidationError) as raised:
            services.fiat_asset_get_or_create(code)
        assert list(raised.value.message_dict) == ["symbol"]
        assert "ISO 4217" in raised.value.message_dict["symbol"][0]
        assert Asset.all_objects.count() == 0 and OutboxEvent.objects.count() == 0

    def test_a_deleted_currency_is_not_made_again(self, usd):
        services.asset_soft_delete(asset=usd)

        with pytest.raises(AssetNotFoundError, match=f"USD \\(asset {usd.pk}\\) is deleted"):
            services.fiat_asset_get_or_create("USD")
        assert Asset.all_objects.count() == 1

        services.asset_restore(asset=Asset.all_objects.get(pk=usd.pk))
        assert services.fiat_asset_get_or_create("USD").pk == usd.pk


# --- lookups ------------------------------------------------------------------------------


class TestFiatLookups:
    def test_fiat_asset_finds_the_live_currency_only(self, usd):
        token = AssetFactory(symbol="EUR", name="Euro token")
        assert Asset.objects.fiat_asset("usd") == usd
        assert Asset.objects.fiat_asset("EUR") is None  # a token, not the currency
        assert Asset.objects.fiat_asset("DOLLAR") is None
        assert Asset.objects.with_symbol("EUR").get() == token

        services.asset_soft_delete(asset=usd)
        assert Asset.objects.fiat_asset("USD") is None
        assert Asset.all_objects.fiat_asset("USD") is None  # live ones only, by any manager

    def test_fiat_assets_answers_many_codes_in_one_query(self, usd, django_assert_num_queries):
        eur = services.fiat_asset_get_or_create("EUR")
        with django_assert_num_queries(1):
            found = Asset.objects.fiat_assets(["usd", "EUR", "JPY", "USDT"])
        assert found == {"USD": usd, "EUR": eur}


# --- writes through the services ----------------------------------------------------------


class TestFiatWrites:
    @pytest.mark.parametrize("symbol", NOT_CURRENCIES[:-2])  # "" and "US D": their own errors
    def test_a_fiat_asset_with_a_symbol_that_is_no_iso_code_is_refused(self, symbol):
        with pytest.raises(ValidationError) as raised:
            services.asset_create(symbol=symbol, name="Dollar", asset_type="FIAT")
        assert set(raised.value.message_dict) == {"symbol"}
        assert Asset.all_objects.count() == 0

    def test_a_fiat_symbol_is_stored_upper_case(self):
        eur = services.asset_create(symbol="\uff45ur", name="Euro", asset_type="FIAT")
        eur.refresh_from_db()
        assert eur.symbol == "EUR"

    def test_a_second_live_asset_for_one_currency_is_a_conflict(self, usd):
        with pytest.raises(ConflictError) as raised:
            services.asset_create(symbol="usd", name="Dollar", asset_type="FIAT")
        assert raised.value.details["constraint"] == "asset_one_live_fiat_per_code"
        assert Asset.all_objects.count() == 1

    def test_a_deleted_currency_makes_way_and_is_not_restored_over_the_new_one(self, usd):
        services.asset_soft_delete(asset=usd)
        again = services.asset_create(symbol="USD", name="US Dollar", asset_type="FIAT")

        deleted = Asset.all_objects.get(pk=usd.pk)
        with pytest.raises(ConflictError, match="Another live fiat asset has the code USD"):
            services.asset_restore(asset=deleted)
        assert Asset.all_objects.get(pk=usd.pk).is_deleted
        assert Asset.objects.fiat_asset("USD") == again

    def test_a_currency_may_change_its_code_to_another_iso_code_only(self, usd):
        assert services.asset_update(asset=usd, changes={"name": "Dollar"}) == ["name"]
        with pytest.raises(ValidationError) as raised:
            services.asset_update(asset=Asset.objects.get(pk=usd.pk), changes={"symbol": "USDT"})
        assert set(raised.value.message_dict) == {"symbol"}
        stored = Asset.objects.get(pk=usd.pk)
        assert services.asset_update(asset=stored, changes={"symbol": "usn"}) == ["symbol"]
        assert Asset.objects.get(pk=usd.pk).symbol == "USN"

    def test_no_asset_becomes_or_stops_being_fiat(self, usd):
        token = AssetFactory(symbol="EUR")
        with pytest.raises(ValidationError) as raised:
            services.asset_update(
                asset=Asset.objects.get(pk=token.pk), changes={"asset_type": "FIAT"}
            )
        assert set(raised.value.message_dict) == {"asset_type"}
        with pytest.raises(ValidationError) as raised:
            services.asset_update(
                asset=Asset.objects.get(pk=usd.pk), changes={"asset_type": "ERC20"}
            )
        assert set(raised.value.message_dict) == {"asset_type"}
        # An instance made in this process, not read from the database, is held to it too.
        with pytest.raises(ValidationError):
            services.asset_update(asset=usd, changes={"asset_type": "NATIVE"})
        assert Asset.objects.get(pk=usd.pk).asset_type == AssetType.FIAT
        assert Asset.objects.get(pk=token.pk).asset_type == AssetType.ERC20
        # Other types change among themselves as before.
        services.asset_update(asset=Asset.objects.get(pk=token.pk), changes={"asset_type": "SPL"})

    def test_a_currency_has_no_deployment(self, usd):
        chain = ChainFactory()
        with pytest.raises(ValidationError) as raised:
            services.deployment_create(
                asset=usd, chain=chain, address="", decimals=2, is_native=True
            )
        assert set(raised.value.message_dict) == {"asset"}
        assert "USD is a fiat currency" in raised.value.message_dict["asset"][0]
        assert not AssetDeployment.objects.exists()

    def test_a_bulk_of_deployments_refuses_the_currencys_and_writes_the_rest(self, usd):
        chain, token = ChainFactory(), AssetFactory()
        rows = [
            AssetDeployment(asset=usd, chain=chain, address=USDC_ETHEREUM, decimals=6),
            AssetDeployment(asset=token, chain=chain, address=USDC_ETHEREUM.lower(), decimals=6),
        ]
        created, errors = services.deployment_bulk_create(rows)
        assert [d.asset for d in created] == [token]
        assert list(errors) == [0] and set(errors[0].message_dict) == {"asset"}

    def test_a_deployment_cannot_move_to_a_currency(self, usd):
        deployment = AssetDeploymentFactory()
        with pytest.raises(ValidationError) as raised:
            services.deployment_update(deployment=deployment, changes={"asset": usd})
        assert set(raised.value.message_dict) == {"asset"}
        assert AssetDeployment.objects.get().asset_id != usd.pk

    @pytest.mark.parametrize("end", ["parent_asset", "child_asset"])
    def test_a_currency_is_no_end_of_a_relationship(self, usd, end):
        token = AssetFactory(symbol="USDC")
        ends = {"parent_asset": token, "child_asset": token, end: usd}
        for write in (services.relationship_create, services.relationship_check):
            with pytest.raises(ValidationError) as raised:
                write(**ends, relationship_type="SYNTHETIC_OF")
            assert set(raised.value.message_dict) == {end}
        assert not AssetRelationship.objects.exists()

    def test_a_currency_may_belong_to_a_group_and_have_identifiers(self, usd):
        group = services.group_create(group_id="usd", canonical_symbol="USD")
        services.group_member_add(group=group, asset=usd, is_canonical=True)
        services.asset_identifier_create(asset=usd, source="INTERNAL", external_id="fiat-usd")
        assert group.members.get().asset == usd


# --- the API ------------------------------------------------------------------------------


class TestFiatApi:
    def test_creating_a_currency_is_201_with_its_code_upper_case(self, steward):
        body = {"symbol": "eur", "name": "Euro", "asset_type": "FIAT"}
        response = steward.post(ASSETS, body, format="json")
        assert response.status_code == 201, response.content
        assert (response.json()["symbol"], response.json()["asset_type"]) == ("EUR", "FIAT")

    @pytest.mark.parametrize("symbol", ["DOLLAR", "USDT", "XAU"])
    def test_a_symbol_that_is_no_iso_code_is_400_naming_symbol(self, steward, symbol):
        body = {"symbol": symbol, "name": "Dollar", "asset_type": "FIAT"}
        error = assert_error(steward.post(ASSETS, body, format="json"), 400, "invalid", "symbol")
        assert "ISO 4217" in error["fields"]["symbol"][0]
        assert Asset.all_objects.count() == 0

    def test_a_second_currency_of_one_code_is_409(self, steward, usd):
        body = {"symbol": "USD", "name": "Dollar", "asset_type": "FIAT"}
        assert_error(steward.post(ASSETS, body, format="json"), 409)
        assert Asset.all_objects.count() == 1

    def test_changing_the_type_to_or_from_fiat_is_400_naming_asset_type(self, steward, usd):
        token = AssetFactory(symbol="EUR")
        for asset, asset_type in ((usd, "ERC20"), (token, "FIAT")):
            response = steward.patch(
                f"{ASSETS}{asset.pk}/", {"asset_type": asset_type}, format="json"
            )
            assert_error(response, 400, "invalid", "asset_type")
        assert Asset.objects.get(pk=usd.pk).version == usd.version

    def test_a_deployment_of_a_currency_is_400_naming_asset(self, steward, usd):
        chain = ChainFactory()
        body = {"asset": str(usd.pk), "chain": chain.pk, "address": USDC_ETHEREUM, "decimals": 6}
        assert_error(steward.post(DEPLOYMENTS, body, format="json"), 400, "invalid", "asset")
        assert not AssetDeployment.objects.exists()

    def test_a_relationship_with_a_currency_is_400_naming_the_end(self, steward, usd):
        stable = AssetFactory(symbol="USDC")
        for parent, child, field in ((usd, stable, "parent_asset"), (stable, usd, "child_asset")):
            body = {
                "parent_asset": str(parent.pk),
                "child_asset": str(child.pk),
                "relationship_type": "SYNTHETIC_OF",
            }
            response = steward.post(RELATIONSHIPS, body, format="json")
            assert_error(response, 400, "invalid", field)
        assert not AssetRelationship.objects.exists()

    def test_the_list_filters_by_fiat_and_search_finds_currencies(self, viewer, usd):
        token = AssetFactory(symbol="USD", name="A token called USD")
        response = viewer.get(ASSETS, {"asset_type": "FIAT"})
        assert [row["asset_id"] for row in response.json()["results"]] == [str(usd.pk)]
        response = viewer.get(f"{ASSETS}search/", {"q": "usd"})
        found = {row["asset_id"]: row for row in response.json()["results"]}
        assert set(found) == {str(usd.pk), str(token.pk)}
        assert found[str(usd.pk)]["symbol_collisions"]["count"] == 2


# --- the admin ----------------------------------------------------------------------------


class TestFiatAdmin:
    add_url = reverse("admin:assets_asset_add")

    def test_adding_a_currency_whose_symbol_is_no_iso_code_is_a_form_error(self, client):
        client.force_login(staff("steward", VIEWER, STEWARD))
        form = {"symbol": "DOLLAR", "name": "Dollar", "asset_type": "FIAT", "metadata": "{}"}
        response = client.post(self.add_url, {**form, **NO_INLINES})
        assert response.status_code == 200
        assert "ISO 4217" in str(response.context["adminform"].form.errors["symbol"])
        assert Asset.all_objects.count() == 0

        response = client.post(self.add_url, {**form, "symbol": "usd", **NO_INLINES})
        assert response.status_code == 302
        assert Asset.objects.get().symbol == "USD"

    def test_adding_a_currency_with_a_deployment_row_is_refused(self, client):
        client.force_login(staff("steward", VIEWER, STEWARD))
        chain = ChainFactory()
        form = {"symbol": "USD", "name": "US Dollar", "asset_type": "FIAT", "metadata": "{}"}
        rows = {
            **NO_INLINES,
            "deployments-TOTAL_FORMS": "1",
            "deployments-0-chain": chain.pk,
            "deployments-0-address": USDC_ETHEREUM,
            "deployments-0-decimals": "6",
        }
        response = client.post(self.add_url, {**form, **rows})
        assert response.status_code == 200
        assert "USD is a fiat currency" in response.content.decode()
        assert Asset.all_objects.count() == 0 and not AssetDeployment.objects.exists()

    def test_a_currencys_page_has_no_deployments_to_edit(self, client, usd):
        client.force_login(staff("steward", VIEWER, STEWARD))
        token = AssetFactory()
        assert 'name="deployments-TOTAL_FORMS"' not in client.get(change_url(usd)).content.decode()
        assert 'name="deployments-TOTAL_FORMS"' in client.get(change_url(token)).content.decode()
        listed = client.get(reverse("admin:assets_asset_changelist"), {"asset_type__exact": "FIAT"})
        assert listed.status_code == 200 and list(listed.context["cl"].result_list) == [usd]

    def test_restoring_a_currency_a_live_one_replaced_says_why_not(self, client, usd):
        client.force_login(staff("steward", VIEWER, STEWARD))
        services.asset_soft_delete(asset=usd)
        again = services.asset_create(symbol="USD", name="US Dollar", asset_type="FIAT")

        response = client.post(
            reverse("admin:assets_asset_changelist") + "?deleted=all",
            {"action": "restore_selected", "_selected_action": [usd.pk]},
            follow=True,
        )

        assert response.status_code == 200
        messages = [str(message) for message in response.context["messages"]]
        assert any("Another live fiat asset has the code USD" in m for m in messages)
        assert "Restored 0 assets." in messages
        assert Asset.all_objects.get(pk=usd.pk).is_deleted
        assert Asset.objects.fiat_asset("USD") == again


# --- the database itself ------------------------------------------------------------------


def assert_refused(constraint: str, write) -> None:
    """As tests/test_database_constraints.py: PostgreSQL refuses, naming the constraint."""
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        write()


def fiat(symbol: str, **fields) -> Asset:
    return Asset(symbol=symbol, name="Currency", asset_type=AssetType.FIAT, **fields)


class TestFiatDatabaseConstraints:
    @pytest.mark.parametrize("symbol", ["usd", "USDT", "US", "U1D", "\uff35\uff33\uff24"])
    def test_a_fiat_symbol_not_shaped_as_an_iso_code_is_refused(self, symbol):
        assert_refused(
            "asset_fiat_symbol_is_iso_code", lambda: Asset.objects.bulk_create([fiat(symbol)])
        )

    def test_a_token_may_have_any_symbol(self):
        Asset.objects.bulk_create([Asset(symbol="usd", name="Token", asset_type="ERC20")])

    def test_a_second_live_currency_of_one_code_is_refused(self):
        Asset.objects.bulk_create([fiat("USD")])
        assert_refused(
            "asset_one_live_fiat_per_code", lambda: Asset.objects.bulk_create([fiat("USD")])
        )

    def test_deleted_currencies_and_tokens_share_the_code_freely(self):
        Asset.objects.bulk_create(
            [
                fiat("USD", deleted_at=timezone.now()),
                fiat("USD", deleted_at=timezone.now()),
                fiat("USD"),
                Asset(symbol="USD", name="Token", asset_type="ERC20"),
            ]
        )
        assert Asset.all_objects.filter(symbol="USD").count() == 4

    def test_undeleting_a_second_currency_of_one_code_is_refused(self):
        deleted = fiat("EUR", deleted_at=timezone.now())
        Asset.objects.bulk_create([fiat("EUR"), deleted])
        assert_refused(
            "asset_one_live_fiat_per_code",
            lambda: Asset.all_objects.filter(pk=deleted.pk).update(deleted_at=None),
        )

    def test_a_token_cannot_be_turned_into_a_currency_under_a_taken_code(self):
        token = Asset(symbol="USD", name="Token", asset_type="ERC20")
        Asset.objects.bulk_create([fiat("USD"), token])
        assert_refused(
            "asset_one_live_fiat_per_code",
            lambda: Asset.objects.filter(pk=token.pk).update(asset_type=AssetType.FIAT),
        )


# --- importers ----------------------------------------------------------------------------


def token_list(*tokens: dict) -> dict:
    return {
        "name": "Fiat named tokens",
        "timestamp": "2026-12-01T00:00:00Z",
        "version": {"major": 1, "minor": 0, "patch": 0},
        "tokens": list(tokens),
    }


def test_a_token_list_never_matches_or_changes_the_currency_its_token_is_named_after(tmp_path):
    """A token called USD ("US Dollar") is a token: the import creates it, deployed, and
    the currency keeps no deployment and not a field of the list's."""
    chain_create(chain_id="ethereum", name="Ethereum", chain_type=ChainType.EVM, network_id=1)
    usd = services.fiat_asset_get_or_create("USD")
    token = {
        "chainId": 1,
        "address": USDC_ETHEREUM,
        "name": "US Dollar",
        "symbol": "USD",
        "decimals": 6,
        "logoURI": "https://example.com/usd.png",
    }
    path = tmp_path / "list.json"
    path.write_text(json.dumps(token_list(token)))
    out = StringIO()

    call_command("import_tokenlist", str(path), "--json", "--no-progress", stdout=out)

    report = json.loads(out.getvalue())
    assert report["created"] == {"assets": 1, "deployments": 1} and report["rejected"] == []
    imported = AssetDeployment.objects.get().asset
    assert imported.pk != usd.pk and imported.asset_type == AssetType.ERC20
    stored = Asset.objects.get(pk=usd.pk)
    assert (stored.version, stored.logo_url, stored.deployments.count()) == (usd.version, "", 0)
    assert Asset.objects.fiat_asset("USD") == usd


def test_a_csv_row_finds_the_currency_only_when_it_says_fiat(tmp_path):
    """A row without asset_id is found by symbol and name: a token row named like the
    currency is a new token, and a FIAT row finds the currency (unchanged)."""
    usd = services.fiat_asset_get_or_create("USD")
    path = tmp_path / "assets.csv"

    def import_rows(*rows: str) -> dict:
        path.write_text("symbol,name,asset_type\n" + "\n".join(rows) + "\n")
        out = StringIO()
        call_command("import_csv", "assets", str(path), "--json", stdout=out)
        return json.loads(out.getvalue())

    report = import_rows("USD,US Dollar,ERC20")
    assert report["created"] == {"assets": 1} and report["rejected"] == []
    token = Asset.objects.exclude(pk=usd.pk).get()
    assert (token.symbol, token.asset_type) == ("USD", AssetType.ERC20)

    report = import_rows("USD,US Dollar,FIAT")
    assert report["unchanged"] == {"assets": 1} and report["created"] == {}
    assert Asset.objects.get(pk=usd.pk).version == usd.version


def test_a_csv_deployment_of_the_currency_is_rejected_naming_asset(tmp_path):
    usd = services.fiat_asset_get_or_create("USD")
    chain = ChainFactory()
    path = tmp_path / "deployments.csv"
    path.write_text(f"asset,chain,address,decimals\n{usd.pk},{chain.pk},{USDC_ETHEREUM},6\n")
    out = StringIO()
    with pytest.raises(Exception, match="Nothing imported"):
        call_command("import_csv", "deployments", str(path), "--json", stdout=out)
    (rejection,) = json.loads(out.getvalue())["rejected"]
    assert "asset" in rejection["reason"] and "fiat currency" in rejection["reason"]
    assert not AssetDeployment.objects.exists()


def test_a_deployment_naming_an_unknown_asset_is_refused_as_missing_not_crashed():
    """The fiat check of a deployment leaves a missing asset to the reference check."""
    row = AssetDeployment(
        asset_id=uuid.uuid4(), chain=ChainFactory(), address="", decimals=0, is_native=True
    )
    created, errors = services.deployment_bulk_create([row])
    assert created == [] and "does not exist" in str(errors[0].message_dict["asset"])


# --- the demo -----------------------------------------------------------------------------


def test_the_demo_holds_usd_and_eur_and_keeps_a_deleted_one_deleted():
    call_command("load_demo", stdout=StringIO())
    usd, eur = Asset.objects.fiat_asset("USD"), Asset.objects.fiat_asset("EUR")
    assert (usd.name, eur.name) == ("US Dollar", "Euro")
    assert not AssetDeployment.objects.filter(asset__in=[usd, eur]).exists()

    services.asset_soft_delete(asset=eur)
    call_command("load_demo", stdout=StringIO())

    assert Asset.objects.fiat_asset("EUR") is None
    assert Asset.all_objects.fiat().filter(symbol="EUR").count() == 1
