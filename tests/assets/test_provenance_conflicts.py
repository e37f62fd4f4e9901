"""Provenance of every fact, and two sources disagreeing as a DATA_CONFLICT flag.

The token lists are built from tests/fixtures/uniswap-1000.tokenlist.json: its UNI token
on Ethereum, each list under its own name (two publishers) saying its own decimals. The
chains come from chains-sample.json and the markets from the real ccxt kraken snapshot,
each through its own importer.
"""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from assets.choices import IdentifierSource
from assets.models import AssetDeployment, AssetIdentifier
from assets.services import asset_create, asset_identifier_create, deployment_update
from chains.choices import ChainType
from chains.models import Chain
from chains.services import chain_create
from markets.models import Market
from quality.choices import FlagType, Severity
from quality.models import AssetQualityFlag
from registry.models import FieldSource, OutboxEvent

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
UNISWAP = FIXTURES / "uniswap-1000.tokenlist.json"
UNI = "0x1f9840a85d5aF5bf1D1762F925BDADdC4201F984"
FLAGS = "/api/v1/quality-flags/"


def token_list(tmp_path: Path, name: str, decimals: int, **extensions) -> Path:
    """A list named ``name`` (version 1.0.0) holding UNI on Ethereum with ``decimals``."""
    data = json.loads(UNISWAP.read_text())
    (uni,) = [
        token
        for token in data["tokens"]
        if token["chainId"] == 1 and token["address"].lower() == UNI.lower()
    ]
    token = {key: value for key, value in uni.items() if key != "extensions"}
    if extensions:
        token["extensions"] = extensions
    data.update(
        name=name,
        version={"major": 1, "minor": 0, "patch": 0},
        tokens=[{**token, "decimals": decimals}],
    )
    path = tmp_path / f"{name.replace(' ', '-')}-{decimals}.json"
    path.write_text(json.dumps(data))
    return path


def run(path: Path, *options: str) -> dict:
    out = StringIO()
    call_command("import_tokenlist", str(path), "--json", "--no-progress", *options, stdout=out)
    return json.loads(out.getvalue())


def source_of(name: str) -> str:
    return f"import:tokenlist:{name}@1.0.0"


def uni_deployment() -> AssetDeployment:
    return AssetDeployment.objects.select_related("asset").get(
        chain_id="ethereum", address__iexact=UNI
    )


def conflict_flags(**filters):
    return AssetQualityFlag.objects.filter(flag_type=FlagType.DATA_CONFLICT, **filters)


@pytest.fixture
def ethereum(db) -> Chain:
    return chain_create(
        chain_id="ethereum", name="Ethereum", chain_type=ChainType.EVM, network_id=1
    )


def test_two_lists_disagreeing_on_decimals_raise_one_flag_with_both_values(ethereum, tmp_path):
    """The second list's decimals win (two published lists rank alike, the later one
    wins) and one MEDIUM DATA_CONFLICT flag on the asset names both values, both sources
    and when each was set."""
    run(token_list(tmp_path, "List A", 18))
    first_set = FieldSource.objects.of(uni_deployment()).get(field="decimals").set_at

    report = run(token_list(tmp_path, "List B", 8))

    assert report["conflicts"] == {"decimals": 1}
    assert report["updated"] == {"deployments": 1}
    deployment = uni_deployment()
    assert deployment.decimals == 8
    source = FieldSource.objects.of(deployment).get(field="decimals")
    assert (source.source, source.value) == (source_of("List B"), 8)
    flag = conflict_flags().get()
    assert flag.asset_id == deployment.asset_id
    assert flag.severity == Severity.MEDIUM
    assert flag.source == f"conflict:assetdeployment:{deployment.pk}:decimals"
    evidence = flag.metadata["conflict"]
    assert (evidence["kind"], evidence["entity"], evidence["field"]) == (
        "decimals",
        "assets.assetdeployment",
        "decimals",
    )
    assert evidence["object_key"] == str(deployment.pk)
    assert (evidence["kept"]["value"], evidence["kept"]["source"]) == (8, source_of("List B"))
    assert (evidence["other"]["value"], evidence["other"]["source"]) == (18, source_of("List A"))
    assert evidence["other"]["set_at"] == first_set.isoformat()
    assert evidence["kept"]["set_at"] is not None
    event = OutboxEvent.objects.get(event_type="quality_flag_raised", entity_id=str(flag.pk))
    assert event.actor_id == "service:importer"  # the import raised it, as its writes


def test_the_same_conflict_met_again_raises_no_second_flag(ethereum, tmp_path):
    run(token_list(tmp_path, "List A", 18))
    run(token_list(tmp_path, "List B", 8))

    again = run(token_list(tmp_path, "List B", 8))
    assert again.get("conflicts", {}) == {}
    # List A again: the same two sources disagree on the same fact, one flag still.
    back = run(token_list(tmp_path, "List A", 18))

    assert back["conflicts"] == {}
    assert uni_deployment().decimals == 18
    assert conflict_flags().count() == 1


def test_the_agreeing_value_clears_nothing_until_the_flag_is_resolved(ethereum, tmp_path, auditor):
    run(token_list(tmp_path, "List A", 18))
    run(token_list(tmp_path, "List B", 8))
    flag = conflict_flags().get()

    agreeing = run(token_list(tmp_path, "List C", 8))

    assert agreeing.get("conflicts", {}) == {}
    flag.refresh_from_db()
    assert flag.is_active
    response = auditor.post(
        f"{FLAGS}{flag.flag_id}/resolve/", {"notes": "8 is right: checked on-chain"}, format="json"
    )
    assert response.status_code == 200, response.content
    flag.refresh_from_db()
    assert not flag.is_active and flag.resolved_by == "user:auditor"


def test_a_resolved_conflict_stays_resolved_until_a_new_value_disagrees(
    ethereum, tmp_path, steward, auditor
):
    """A steward keeps 6 against a list's 18 and resolves the flag: the nightly import
    of the same list raises nothing more; the list saying 9 is a new disagreement."""
    run(token_list(tmp_path, "List A", 18))
    deployment = uni_deployment()
    url = f"/api/v1/deployments/{deployment.pk}/"
    steward.patch(url, {"decimals": 6}, format="json", HTTP_IF_MATCH=steward.get(url)["ETag"])
    run(token_list(tmp_path, "List A", 18))
    flag = conflict_flags().get()
    resolved = auditor.post(
        f"{FLAGS}{flag.flag_id}/resolve/", {"notes": "6 is right"}, format="json"
    )
    assert resolved.status_code == 200, resolved.content

    again = run(token_list(tmp_path, "List A", 18))

    assert again.get("conflicts", {}) == {}  # judged already: no flag anew
    assert not conflict_flags(resolved_at__isnull=True).exists()
    run(token_list(tmp_path, "List A", 9))
    new = conflict_flags(resolved_at__isnull=True).get()
    assert new.metadata["conflict"]["other"]["value"] == 9


def test_a_stewards_decimals_beat_an_import_which_records_the_conflict(ethereum, tmp_path, steward):
    run(token_list(tmp_path, "List A", 18))
    deployment = uni_deployment()
    url = f"/api/v1/deployments/{deployment.pk}/"
    response = steward.patch(
        url, {"decimals": 6}, format="json", HTTP_IF_MATCH=steward.get(url)["ETag"]
    )
    assert response.status_code == 200, response.content
    source = FieldSource.objects.of(deployment).get(field="decimals")
    assert (source.source, source.actor, source.value) == ("manual", "user:steward", 6)

    report = run(token_list(tmp_path, "List A", 18))

    assert report["kept_manual_fields"] == {"decimals": 1}
    assert report["conflicts"] == {"decimals": 1}
    assert uni_deployment().decimals == 6
    evidence = conflict_flags().get().metadata["conflict"]
    assert (evidence["kept"]["value"], evidence["kept"]["source"]) == (6, "manual")
    assert (evidence["other"]["value"], evidence["other"]["source"]) == (18, source_of("List A"))


def test_overwrite_lets_the_list_replace_a_stewards_decimals(ethereum, tmp_path):
    run(token_list(tmp_path, "List A", 18))
    deployment_update(deployment=uni_deployment(), changes={"decimals": 6})

    report = run(token_list(tmp_path, "List A", 18), "--overwrite")

    assert report["updated"] == {"deployments": 1}
    assert uni_deployment().decimals == 18
    kept = conflict_flags().get().metadata["conflict"]["kept"]
    assert (kept["value"], kept["source"]) == (18, source_of("List A"))


def test_a_coingecko_id_another_unrelated_asset_holds_is_a_high_conflict(ethereum, tmp_path):
    holder = asset_create(symbol="UNI2", name="Another token", asset_type="ERC20")
    asset_identifier_create(asset=holder, source=IdentifierSource.COINGECKO, external_id="uniswap")

    report = run(token_list(tmp_path, "List A", 18, coingeckoId="uniswap"))

    assert report["conflicts"] == {"external_id": 1}
    flag = conflict_flags().get()
    assert (flag.asset_id, flag.severity) == (holder.pk, Severity.HIGH)
    evidence = flag.metadata["conflict"]
    assert evidence["external_id"] == "COINGECKO:uniswap"
    assert evidence["kept"] == {
        "value": str(holder.pk),
        "source": "manual",
        "set_at": evidence["kept"]["set_at"],
    }
    assert evidence["other"]["value"] == str(uni_deployment().asset_id)
    assert evidence["other"]["source"] == source_of("List A")
    assert AssetIdentifier.objects.get(external_id="uniswap").asset_id == holder.pk


def test_a_dry_run_counts_the_conflicts_and_raises_no_flag(ethereum, tmp_path):
    run(token_list(tmp_path, "List A", 18))

    report = run(token_list(tmp_path, "List B", 8), "--dry-run")

    assert report["conflicts"] == {"decimals": 1}
    assert not conflict_flags().exists()
    assert uni_deployment().decimals == 18


# --- provenance of every entity -----------------------------------------------------------


def test_an_imported_deployment_records_its_facts_sources(ethereum, tmp_path):
    run(token_list(tmp_path, "List A", 18))

    deployment = uni_deployment()
    recorded = {row.field: (row.source, row.value) for row in FieldSource.objects.of(deployment)}
    assert recorded["decimals"] == (source_of("List A"), 18)
    assert recorded["address"] == (source_of("List A"), deployment.address)
    assert recorded["is_canonical"] == (source_of("List A"), True)


def test_imported_chains_record_their_facts_sources(db):
    out = StringIO()
    call_command(
        "import_chains",
        str(FIXTURES / "chains-sample.json"),
        "--json",
        "--no-progress",
        stdout=out,
    )
    chain = Chain.objects.get(network_id=1, chain_type=ChainType.EVM)
    recorded = {row.field: (row.source, row.value) for row in FieldSource.objects.of(chain)}
    assert recorded["name"] == ("import:chains:chains-sample.json", chain.name)
    assert recorded["network_id"] == ("import:chains:chains-sample.json", 1)


def test_imported_markets_record_their_trading_rules_sources(demo):
    out = StringIO()
    call_command(
        "import_markets",
        "--venue",
        "kraken",
        str(FIXTURES / "ccxt" / "kraken.json"),
        "--json",
        stdout=out,
    )
    market = Market.objects.get(venue_id="kraken", venue_symbol="XXBTZUSD", delisted_at=None)
    recorded = {row.field: (row.source, row.value) for row in FieldSource.objects.of(market)}
    assert recorded["tick_size"] == ("import:markets:kraken", "0.1")
    assert recorded["lot_size"] == ("import:markets:kraken", "1E-8")


# --- the admin shows them ------------------------------------------------------------------


def test_the_admin_shows_a_rows_field_sources(ethereum, tmp_path, admin_client):
    run(token_list(tmp_path, "List A", 18))
    deployment = uni_deployment()

    page = admin_client.get(
        reverse("admin:assets_assetdeployment_change", args=[deployment.pk])
    ).content.decode()

    assert "Field sources" in page
    assert source_of("List A") in page
    listing = admin_client.get(
        reverse("admin:registry_fieldsource_changelist"), {"q": str(deployment.pk)}
    )
    assert listing.status_code == 200
    assert listing.content.decode().count(str(deployment.pk)) >= 3  # decimals, address …
    row = FieldSource.objects.of(deployment).get(field="decimals")
    detail = admin_client.get(reverse("admin:registry_fieldsource_change", args=[row.pk]))
    assert detail.status_code == 200
    assert "UNI" in detail.content.decode()  # the row it describes, by name


def test_the_chain_and_market_pages_show_their_sources_too(demo, admin_client):
    """The panel is every tracked model's: a chain the demo registered (by hand) and a
    market the ccxt import gave its trading rules."""
    call_command(
        "import_markets",
        "--venue",
        "kraken",
        str(FIXTURES / "ccxt" / "kraken.json"),
        stdout=StringIO(),
    )
    market = Market.objects.get(venue_id="kraken", venue_symbol="XXBTZUSD", delisted_at=None)
    chain = Chain.objects.get(pk="ethereum")

    market_page = admin_client.get(reverse("admin:markets_market_change", args=[market.pk]))
    chain_page = admin_client.get(reverse("admin:chains_chain_change", args=[chain.pk]))

    assert "Field sources" in market_page.content.decode()
    assert "import:markets:kraken" in market_page.content.decode()
    assert "Field sources" in chain_page.content.decode()
    assert "<td>network_id</td><td>1</td><td>manual</td>" in chain_page.content.decode()


def test_a_bridged_copy_whose_decimals_differ_from_its_origins_is_a_low_conflict(
    ethereum, tmp_path
):
    """Wormhole v1's WETH on Solana has 9 decimals, WETH on Ethereum 18: the BRIDGES link
    is made and the copy gets a LOW flag naming both (bridges often carry fewer)."""
    weth = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
    chain_create(chain_id="solana", name="Solana", chain_type=ChainType.SOLANA)
    evm = json.loads(UNISWAP.read_text())
    (original,) = [t for t in evm["tokens"] if t["chainId"] == 1 and t["address"] == weth]
    evm["tokens"] = [{k: v for k, v in original.items() if k != "extensions"}]
    (tmp_path / "weth.json").write_text(json.dumps(evm))
    solana = json.loads((FIXTURES / "solana-sample.tokenlist.json").read_text())
    solana["tokens"] = [t for t in solana["tokens"] if t["symbol"] == "wWETH_v1"]
    (tmp_path / "wormhole.json").write_text(json.dumps(solana))
    run(tmp_path / "weth.json")

    report = run(tmp_path / "wormhole.json")

    assert report["created"]["relationships"] == 1
    assert report["conflicts"] == {"bridged_decimals": 1}
    flag = conflict_flags().get()
    copy = AssetDeployment.objects.get(chain_id="solana").asset
    assert (flag.asset_id, flag.severity) == (copy.pk, Severity.LOW)
    evidence = flag.metadata["conflict"]
    assert (evidence["kept"]["value"], evidence["other"]["value"]) == (9, 18)
    assert evidence["other"]["source"] == "import:tokenlist:Uniswap Labs Default@22.21.0"
