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
from quality.models import AssetQualityFlag
from quality.services import flag_raise, flag_resolve
from registry.exchange import ENTITIES
from registry.models import OutboxEvent
from tests.api.conftest import walk_pages
from venues.models import VenueSymbol
from venues.services import venue_symbol_create, venue_symbol_delist

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
    kraken_eth = VenueSymbol.objects.get(venue_id="kraken", symbol="XETHZUSD")
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


def import_csv(entity: str, path, *options: str) -> dict:
    out = StringIO()
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
    tickers = VenueSymbol.objects.filter(venue_id="kraken", symbol="XETHZUSD")
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
    new = {**base, "chain_id": "zora", "name": "Zora", "network_id": "7777777"}
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
    report = import_csv("quality-flags", lowered)

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

    report = import_csv("quality-flags", path, *(["--dry-run"] if dry_run else []))

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
    assert not VenueSymbol.objects.current().filter(venue_id="coinbase", symbol="BTC-USD").exists()


def test_an_identifier_cannot_be_changed_as_the_api_cannot(demo, tmp_path):
    rows = csv_rows(export_text("identifiers"))
    row = next(r for r in rows if r["external_id"] == "weth")
    path = write_csv(tmp_path / "identifiers.csv", [{**row, "is_primary": "false"}])

    report = import_csv("identifiers", path)

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
