"""manage.py import_tokenlist: Token Lists (tokenlists.org, the Uniswap format).

The lists are samples of the real files in ../shared/datasets/tokenlists/ (see
tests/fixtures/README.md): uniswap-1000.tokenlist.json (1,000 EVM tokens, bridgeInfo on
most), solana-sample.tokenlist.json (301 Solana mainnet tokens: symbols shared by 9 and
12 mints, USDC, Wormhole copies of Ethereum tokens, four symbols the schema refuses),
and tokenlist-broken.json (ten Uniswap tokens, one with a 25-character symbol and one
with an address whose EIP-55 checksum fails). Expected numbers are derived from the
fixtures themselves, not from the importer.
"""

import json
from collections import Counter, defaultdict
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Max

from assets.choices import AssetType, IdentifierSource, RelationshipType
from assets.models import (
    Asset,
    AssetDeployment,
    AssetIdentifier,
    AssetRelationship,
)
from assets.services import asset_create, deployment_create
from chains.choices import ChainType
from chains.models import Chain
from chains.services import chain_create
from registry.models import FieldSource, OutboxEvent
from tests.api.conftest import walk_pages
from tests.reports import comparable

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
UNISWAP = FIXTURES / "uniswap-1000.tokenlist.json"
SOLANA = FIXTURES / "solana-sample.tokenlist.json"
BROKEN = FIXTURES / "tokenlist-broken.json"
SCHEMA = Path(__file__).resolve().parents[2] / "assets" / "schemas" / "tokenlist.schema.json"
CHAINS_SAMPLE = FIXTURES / "chains-sample.json"

UNISWAP_LABEL = "Uniswap Labs Default@22.21.0"
SOLANA_LABEL = "Solana Token List@0.3.3"
IMPORTER = "service:importer"
# Every EVM chainId of the Uniswap sample and of its bridgeInfo, by registry slug.
EVM_CHAINS = {
    1: "ethereum",
    3: "ropsten",
    4: "rinkeby",
    5: "goerli",
    10: "optimism",
    42: "lukso",
    56: "bsc",
    130: "unichain",
    137: "polygon",
    143: "evm-143",
    196: "xlayer",
    324: "zksync",
    480: "worldchain",
    1868: "evm-1868",
    4217: "evm-4217",
    4663: "evm-4663",
    8453: "base",
    42161: "arbitrum",
    42220: "celo",
    43114: "avalanche",
}
# The Solana sample's tokens whose symbol the schema refuses (spaces), by index.
SOLANA_BAD_SYMBOLS = {
    258: "Unlimited Energy",
    259: "Need for Speed",
    260: "ADOR OPENS",
    261: "CMS - Rare",
}
SOLANA_USDC = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
WORMHOLE_WETH = "FeGn77dhg1KXRRFeSwwMiykZnZPw5JXW6naf2aQgZDQf"  # wWETH_v1
WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
UNI = "0x1f9840a85d5aF5bf1D1762F925BDADdC4201F984"
ONE_INCH = "0x111111111117dC0aa78b770fA6A738034120C302"
# tokenlist-broken.json: the two tokens it breaks.
LONG_SYMBOL_INDEX, BAD_CHECKSUM_INDEX = 3, 6
ENTITY_MODELS = (Asset, AssetDeployment, AssetIdentifier, AssetRelationship, FieldSource)


# --- helpers ----------------------------------------------------------------------------


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def run(path: Path, *options: str) -> dict:
    """Run the import with --json and return its report."""
    out = StringIO()
    call_command("import_tokenlist", str(path), "--json", "--no-progress", *options, stdout=out)
    return json.loads(out.getvalue())


def run_failing(path: Path, *options: str) -> tuple[CommandError, str]:
    """Run an import that must fail; the error and whatever it printed."""
    out = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_tokenlist", str(path), "--no-progress", *options, stdout=out)
    return caught.value, out.getvalue()


def write_list(tmp_path: Path, data, name: str = "list.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def nonzero(counts: dict) -> dict:
    return {kind: n for kind, n in counts.items() if n}


def row_counts() -> dict[str, int]:
    """Rows of every table an import writes (soft-deleted assets included)."""
    return {
        model.__name__: model._base_manager.count()
        for model in (*ENTITY_MODELS, Chain, OutboxEvent)
    }


def events_so_far() -> int:
    """The id of the last event recorded (the set-up's, such as chain_registered)."""
    return OutboxEvent.objects.aggregate(last=Max("id"))["last"] or 0


def versions() -> dict:
    return dict(Asset.all_objects.values_list("pk", "version"))


def rejections(report: dict) -> dict[str, str]:
    return {rejection["item"]: rejection["reason"] for rejection in report["rejected"]}


def rejected_indexes(report: dict) -> set[int]:
    """The token indexes the report rejects ("token 12 (SYM on 1)")."""
    return {
        int(item.split()[1])
        for item in rejections(report)
        if item.startswith("token ") and item.split()[1].isdigit()
    }


def deployment(chain_slug: str, address: str) -> AssetDeployment:
    return AssetDeployment.objects.select_related("asset").get(
        chain_id=chain_slug, address__iexact=address
    )


def asset_at(chain_slug: str, address: str) -> Asset:
    return deployment(chain_slug, address).asset


def uniswap_token(chain_id: int, address: str) -> tuple[int, dict]:
    for index, token in enumerate(load(UNISWAP)["tokens"]):
        if token["chainId"] == chain_id and token["address"].lower() == address.lower():
            return index, token
    raise AssertionError(f"{chain_id}:{address} is not in the sample")


def accepted_solana_tokens() -> list[tuple[int, dict]]:
    return [
        (index, token)
        for index, token in enumerate(load(SOLANA)["tokens"])
        if index not in SOLANA_BAD_SYMBOLS
    ]


def create_evm_chains(*leave_out: int) -> dict[int, Chain]:
    return {
        network_id: chain_create(
            chain_id=slug, name=slug.title(), chain_type=ChainType.EVM, network_id=network_id
        )
        for network_id, slug in EVM_CHAINS.items()
        if network_id not in leave_out
    }


@pytest.fixture
def evm_chains(db) -> dict[int, Chain]:
    return create_evm_chains()


@pytest.fixture
def ethereum(db) -> Chain:
    return chain_create(
        chain_id="ethereum", name="Ethereum", chain_type=ChainType.EVM, network_id=1
    )


@pytest.fixture
def solana(db) -> Chain:
    return chain_create(chain_id="solana", name="Solana", chain_type=ChainType.SOLANA)


# --- the sample lists import --------------------------------------------------------------


def test_every_token_of_the_uniswap_sample_becomes_a_deployment_at_its_address(evm_chains):
    report = run(UNISWAP)

    data = load(UNISWAP)
    nodes = {(token["chainId"], token["address"].lower()) for token in data["tokens"]}
    for token in data["tokens"]:
        for chain_key, entry in (token.get("extensions") or {}).get("bridgeInfo", {}).items():
            nodes.add((int(chain_key), entry["tokenAddress"].lower()))
    assert report["rejected"] == []
    assert report["created"]["deployments"] == len(nodes) == AssetDeployment.objects.count()
    assert report["created"]["assets"] == Asset.objects.count()
    stored = {
        (network_id, address.lower()): decimals
        for network_id, address, decimals in AssetDeployment.objects.values_list(
            "chain__network_id", "address", "decimals"
        )
    }
    assert set(stored) == nodes
    for token in data["tokens"]:
        assert stored[(token["chainId"], token["address"].lower())] == token["decimals"]
    ethereum_assets = Asset.objects.filter(deployments__chain__network_id=1)
    assert set(ethereum_assets.values_list("asset_type", flat=True)) == {AssetType.ERC20}


def test_importing_the_uniswap_sample_twice_changes_nothing_the_second_time(evm_chains):
    first = run(UNISWAP)
    assert nonzero(first["created"]) == {
        "assets": Asset.objects.count(),
        "deployments": AssetDeployment.objects.count(),
    }
    counts, before = row_counts(), versions()

    second = run(UNISWAP)

    assert nonzero(second["created"]) == {}
    assert nonzero(second["updated"]) == {}
    assert second["rejected"] == []
    assert nonzero(second["unchanged"]) == {
        "assets": first["created"]["assets"],
        "deployments": first["created"]["deployments"],
    }
    assert row_counts() == counts
    assert versions() == before


def test_importing_the_solana_sample_twice_changes_nothing_the_second_time(evm_chains, solana):
    run(UNISWAP)  # the Ethereum originals, so the second run meets BRIDGES links too
    first = run(SOLANA)
    assert first["created"]["relationships"] > 0 and first["created"]["identifiers"] > 0
    counts, before = row_counts(), versions()

    second = run(SOLANA)

    assert nonzero(second["created"]) == {}
    assert nonzero(second["updated"]) == {}
    assert nonzero(second["unchanged"]) == {
        kind: first["created"][kind]
        for kind in ("assets", "deployments", "identifiers", "relationships")
    }
    assert rejections(second) == rejections(first)
    assert row_counts() == counts
    assert versions() == before


def test_the_solana_sample_gives_one_asset_per_mint_and_shared_symbols_stay_apart(solana):
    report = run(SOLANA)

    accepted = accepted_solana_tokens()
    mints = {token["address"] for _, token in accepted}
    assert rejected_indexes(report) == set(SOLANA_BAD_SYMBOLS)
    assert report["created"]["assets"] == len(mints) == Asset.objects.count()
    assert report["created"]["deployments"] == len(mints)
    assert set(AssetDeployment.objects.values_list("address", flat=True)) == mints
    assert set(Asset.objects.values_list("asset_type", flat=True)) == {AssetType.SPL}
    # Mints are case-sensitive base58: stored exactly as listed.
    usdc = asset_at("solana", SOLANA_USDC)
    assert deployment("solana", SOLANA_USDC).address == SOLANA_USDC
    assert (usdc.symbol, usdc.name, deployment("solana", SOLANA_USDC).decimals) == (
        "USDC",
        "USD Coin",
        6,
    )
    by_symbol = Counter(token["symbol"].upper() for _, token in accepted)
    for symbol in ("CC", "NFTP", "TYTOKN"):
        assert by_symbol[symbol] >= 9
        assert Asset.objects.with_symbol(symbol).count() == by_symbol[symbol]


def test_search_reports_the_collisions_of_a_shared_symbol(solana, viewer):
    run(SOLANA)
    shared = [token for _, token in accepted_solana_tokens() if token["symbol"] == "NFTP"]
    assert len(shared) == 12
    listed = {asset_at("solana", token["address"]).pk for token in shared}
    assert len(listed) == len(shared)

    rows, totals = walk_pages(viewer, "/api/v1/assets/search/", q="NFTP")

    exact = [row for row in rows if row["search_rank"] == 0]
    assert {row["asset_id"] for row in exact} == {str(pk) for pk in listed}
    assert totals[0] == len(rows) >= len(shared)
    for row in exact:
        collisions = row["symbol_collisions"]
        assert collisions["count"] == len(shared)
        assert len(collisions["assets"]) == 5
        assert {entry["asset_id"] for entry in collisions["assets"]} <= {str(pk) for pk in listed}
        assert all(entry["chains"] == ["solana"] for entry in collisions["assets"])


def test_a_bridgeinfo_token_is_one_asset_with_a_deployment_on_every_listed_chain(evm_chains):
    _, original = uniswap_token(1, ONE_INCH)
    bridged = original["extensions"]["bridgeInfo"]
    assert {"10", "56", "130", "42161", "43114"} <= set(bridged)
    # The list has entries of its own for some of the bridged copies too.
    copies = [
        token
        for token in load(UNISWAP)["tokens"]
        if token["symbol"] == "1INCH" and token["chainId"] != 1
    ]
    assert len(copies) >= 2

    run(UNISWAP)

    asset = asset_at("ethereum", ONE_INCH)
    stored = {d.chain.network_id: d.address for d in asset.deployments.select_related("chain")}
    assert set(stored) == {1, *map(int, bridged)}
    for chain_key, entry in bridged.items():
        assert stored[int(chain_key)].lower() == entry["tokenAddress"].lower()
    for token in copies:
        assert asset_at(EVM_CHAINS[token["chainId"]], token["address"]).pk == asset.pk
    assert Asset.objects.with_symbol("1INCH").count() == 1
    assert deployment("ethereum", ONE_INCH).is_canonical
    assert asset.name == original["name"]


def test_an_ipfs_logo_is_kept_as_the_logo_url(evm_chains):
    _, token = uniswap_token(1, UNI)
    assert token["logoURI"].startswith("ipfs://")

    run(UNISWAP)

    assert asset_at("ethereum", UNI).logo_url == token["logoURI"]


# --- what is not a token list, and bad tokens ---------------------------------------------


def _header_without(key: str) -> dict:
    data = load(BROKEN)
    data.pop(key)
    return data


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (lambda tmp: write_list(tmp, load(BROKEN)["tokens"]), "expected a JSON object"),
        (lambda tmp: write_list(tmp, {"name": "No tokens", "tokens": None}), "'tokens' array"),
        (lambda tmp: write_list(tmp, _header_without("tokens")), "'tokens' array"),
        (lambda tmp: CHAINS_SAMPLE, "expected a JSON object, found list"),
        (lambda tmp: SCHEMA, "'tokens' array"),
        (
            lambda tmp: write_list(tmp, _header_without("version")),
            "version: is missing",
        ),
        (
            lambda tmp: write_list(tmp, {**load(BROKEN), "tokens": []}),
            "tokens: must be a list of at least 1 item",
        ),
    ],
    ids=[
        "json-array-of-tokens",
        "tokens-null",
        "object-without-tokens",
        "chains-json",
        "the-schema",
        "list-without-version",
        "empty-tokens",
    ],
)
def test_a_file_that_is_not_a_token_list_imports_nothing(ethereum, tmp_path, source, reason):
    counts = row_counts()

    error, _ = run_failing(source(tmp_path), "--json", "--create-chains")

    assert str(error).startswith("Nothing imported: not a token list")
    assert reason in str(error)
    assert row_counts() == counts


def test_a_file_that_is_not_json_imports_nothing(ethereum, tmp_path):
    path = tmp_path / "list.json"
    path.write_text('{"name": "Uniswap Labs Default", "tokens": [')
    counts = row_counts()

    error, _ = run_failing(path)

    column = len(path.read_text()) + 1  # where a value should follow
    assert str(error).startswith(
        f"Nothing imported: {path} is not valid JSON: line 1, column {column}:"
    )
    assert "expected a value" in str(error)
    assert row_counts() == counts


def test_a_schema_breaking_token_and_a_bad_address_are_named_and_the_rest_imports(ethereum):
    tokens = load(BROKEN)["tokens"]

    report = run(BROKEN)

    reasons = rejections(report)
    assert rejected_indexes(report) == {LONG_SYMBOL_INDEX, BAD_CHECKSUM_INDEX}
    assert len(reasons) == 2
    (symbol_item,) = [item for item in reasons if item.startswith(f"token {LONG_SYMBOL_INDEX} ")]
    (address_item,) = [item for item in reasons if item.startswith(f"token {BAD_CHECKSUM_INDEX} ")]
    assert reasons[symbol_item].startswith("symbol:")
    assert reasons[symbol_item] == (
        f'symbol: must be 1-20 characters without spaces, or empty (is "{tokens[3]["symbol"]}")'
    )
    assert reasons[address_item].startswith("address:")
    assert "checksum" in reasons[address_item]
    good = [t for i, t in enumerate(tokens) if i not in (LONG_SYMBOL_INDEX, BAD_CHECKSUM_INDEX)]
    assert report["created"]["assets"] == len(good) == Asset.objects.count()
    assert {d.lower() for d in AssetDeployment.objects.values_list("address", flat=True)} == {
        token["address"].lower() for token in good
    }
    for index in (LONG_SYMBOL_INDEX, BAD_CHECKSUM_INDEX):
        address = tokens[index]["address"]
        assert not AssetDeployment.objects.filter(address__iexact=address).exists()


def test_a_malformed_address_is_rejected_by_index(ethereum, tmp_path):
    data = load(BROKEN)
    data["tokens"][BAD_CHECKSUM_INDEX]["address"] = data["tokens"][BAD_CHECKSUM_INDEX]["address"][
        :-1
    ]  # 39 hex digits

    report = run(write_list(tmp_path, data))

    assert rejected_indexes(report) == {LONG_SYMBOL_INDEX, BAD_CHECKSUM_INDEX}
    (reason,) = [
        reason
        for item, reason in rejections(report).items()
        if item.startswith(f"token {BAD_CHECKSUM_INDEX} ")
    ]
    assert reason.startswith("address")
    assert report["created"]["assets"] == len(data["tokens"]) - 2


def test_strict_imports_nothing_and_the_json_report_names_both_bad_tokens(ethereum):
    counts = row_counts()

    error, output = run_failing(BROKEN, "--strict", "--json")

    assert "2 items rejected; nothing imported" in str(error)
    report = json.loads(output)
    assert rejected_indexes(report) == {LONG_SYMBOL_INDEX, BAD_CHECKSUM_INDEX}
    assert nonzero(report["created"]) == {}
    assert any("--strict" in warning for warning in report["warnings"])
    assert row_counts() == counts


def test_strict_imports_nothing_and_the_text_report_names_both_bad_tokens(ethereum):
    counts = row_counts()

    error, output = run_failing(BROKEN, "--strict")

    assert "nothing imported" in str(error)
    lines = [line.strip() for line in output.splitlines()]
    assert "rejected: 2" in lines
    assert any(line.startswith(f"token {LONG_SYMBOL_INDEX} (") for line in lines)
    assert any(line.startswith(f"token {BAD_CHECKSUM_INDEX} (") for line in lines)
    assert "created: none" in lines
    assert row_counts() == counts


def test_strict_with_a_good_list_imports_everything(evm_chains):
    report = run(UNISWAP, "--strict")

    assert report["rejected"] == []
    assert report["created"]["assets"] == Asset.objects.count() > 0


# --- chains -----------------------------------------------------------------------------------


def test_tokens_on_an_unknown_chain_id_are_reported_once_and_skipped(db):
    create_evm_chains(4663)
    on_it = [i for i, t in enumerate(load(UNISWAP)["tokens"]) if t["chainId"] == 4663]
    assert len(on_it) > 5

    report = run(UNISWAP)

    assert len(report["rejected"]) == 1
    (rejection,) = report["rejected"]
    assert rejection["item"].startswith(f"chainId 4663 ({len(on_it)} tokens: ")
    assert ", ".join(map(str, on_it[:5])) in rejection["item"]
    assert "--create-chains" in rejection["reason"]
    assert not Chain.objects.filter(network_id=4663).exists()
    listed = {t["address"].lower() for t in load(UNISWAP)["tokens"] if t["chainId"] == 4663}
    other = {t["address"].lower() for t in load(UNISWAP)["tokens"] if t["chainId"] != 4663}
    for address in listed - other:
        assert not AssetDeployment.objects.filter(address__iexact=address).exists()
    assert report["created"]["assets"] > 0


def test_create_chains_registers_the_unknown_chain_and_imports_its_tokens(db):
    create_evm_chains(4663)
    on_it = [t for t in load(UNISWAP)["tokens"] if t["chainId"] == 4663]

    report = run(UNISWAP, "--create-chains")

    assert report["rejected"] == []
    chain = Chain.objects.get(network_id=4663)
    assert (chain.chain_id, chain.chain_type) == ("eip155-4663", ChainType.EVM)
    assert {d.lower() for d in chain.deployments.values_list("address", flat=True)} == {
        t["address"].lower() for t in on_it
    }
    registered = OutboxEvent.objects.filter(event_type="chain_registered", entity_id=chain.pk)
    assert registered.count() == 1
    assert registered.get().payload["source"] == f"import:tokenlist:{UNISWAP_LABEL}"


def test_create_chains_reuses_the_registered_solana_chain(solana):
    report = run(SOLANA, "--create-chains")

    assert list(Chain.objects.values_list("chain_id", flat=True)) == ["solana"]
    assert set(AssetDeployment.objects.values_list("chain_id", flat=True)) == {"solana"}
    assert rejected_indexes(report) == set(SOLANA_BAD_SYMBOLS)


def test_create_chains_registers_solana_under_its_slug_as_a_solana_chain(db):
    report = run(SOLANA, "--create-chains")

    chain = Chain.objects.get()
    assert (chain.chain_id, chain.chain_type, chain.is_testnet) == (
        "solana",
        ChainType.SOLANA,
        False,
    )
    assert report["created"]["assets"] == len(accepted_solana_tokens())


# --- dry run ----------------------------------------------------------------------------------


def test_dry_run_writes_nothing_and_reports_what_the_real_run_then_does(evm_chains):
    counts = row_counts()

    dry = run(UNISWAP, "--dry-run")

    assert dry["dry_run"] is True
    assert row_counts() == counts
    real = run(UNISWAP)
    assert nonzero(dry["created"]) == nonzero(real["created"]) != {}
    assert nonzero(dry["updated"]) == nonzero(real["updated"])
    assert nonzero(dry["unchanged"]) == nonzero(real["unchanged"])
    assert dry["rejected"] == real["rejected"]

    counts = row_counts()
    dry_again = run(UNISWAP, "--dry-run")
    again = run(UNISWAP)
    assert nonzero(dry_again["unchanged"]) == nonzero(again["unchanged"]) != {}
    assert nonzero(dry_again["created"]) == nonzero(again["created"]) == {}
    assert row_counts() == counts


def test_dry_run_over_changes_reports_the_updates_and_writes_nothing(evm_chains, tmp_path):
    run(UNISWAP)
    data = load(UNISWAP)
    index, _ = uniswap_token(1, UNI)
    data["tokens"][index]["name"] = "Uniswap Governance"
    data["version"]["minor"] += 1
    changed = write_list(tmp_path, data)
    counts, before = row_counts(), versions()

    dry = run(changed, "--dry-run")

    assert nonzero(dry["updated"]) == {"assets": 1}
    assert row_counts() == counts and versions() == before
    assert asset_at("ethereum", UNI).name == "Uniswap"
    real = run(changed)
    assert nonzero(real["updated"]) == nonzero(dry["updated"])


def test_dry_run_counts_the_identifiers_and_bridges_the_real_run_creates(evm_chains, solana):
    run(UNISWAP)
    counts = row_counts()

    dry = run(SOLANA, "--dry-run")

    assert row_counts() == counts
    real = run(SOLANA)
    assert real["created"]["identifiers"] > 0 and real["created"]["relationships"] > 0
    assert nonzero(dry["created"]) == nonzero(real["created"])


def test_dry_run_with_create_chains_reports_what_the_real_run_then_does(db):
    create_evm_chains(4663)
    counts = row_counts()

    dry = run(UNISWAP, "--dry-run", "--create-chains")

    assert row_counts() == counts
    real = run(UNISWAP, "--create-chains")
    assert real["rejected"] == []
    assert dry["rejected"] == real["rejected"]
    assert nonzero(dry["created"]) == nonzero(real["created"])


# --- provenance -------------------------------------------------------------------------------


def _rename_through_the_api(client, asset: Asset, name: str) -> None:
    url = f"/api/v1/assets/{asset.pk}/"
    etag = client.get(url)["ETag"]
    response = client.patch(url, {"name": name}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.content
    assert response.json()["name"] == name


def test_a_name_a_steward_edited_is_kept_on_reimport_and_replaced_with_overwrite(
    evm_chains, steward
):
    run(UNISWAP)
    uni = asset_at("ethereum", UNI)
    _rename_through_the_api(steward, uni, "Uniswap (curated)")
    assert FieldSource.objects.of(uni).get(field="name").source == "manual"

    again = run(UNISWAP)

    assert again["kept_manual_fields"] == {"name": 1}
    assert nonzero(again["updated"]) == {}
    uni.refresh_from_db()
    assert uni.name == "Uniswap (curated)"
    assert FieldSource.objects.of(uni).get(field="name").source == "manual"

    overwritten = run(UNISWAP, "--overwrite")

    assert nonzero(overwritten["updated"]) == {"assets": 1}
    assert overwritten["kept_manual_fields"] == {}
    uni.refresh_from_db()
    assert uni.name == "Uniswap"
    source = FieldSource.objects.of(uni).get(field="name")
    assert (source.source, source.actor) == (f"import:tokenlist:{UNISWAP_LABEL}", IMPORTER)


def test_a_steward_edit_survives_a_later_version_of_the_list(evm_chains, steward, tmp_path):
    run(UNISWAP)
    uni = asset_at("ethereum", UNI)
    _rename_through_the_api(steward, uni, "Uniswap (curated)")
    data = load(UNISWAP)
    index, _ = uniswap_token(1, UNI)
    data["tokens"][index]["name"] = "Uniswap Governance"
    data["version"]["minor"] += 1

    report = run(write_list(tmp_path, data))

    assert report["kept_manual_fields"] == {"name": 1}
    uni.refresh_from_db()
    assert uni.name == "Uniswap (curated)"


def test_a_field_the_list_set_is_updated_by_a_later_version_of_the_list(evm_chains, tmp_path):
    run(UNISWAP)
    uni = asset_at("ethereum", UNI)
    version = uni.version
    data = load(UNISWAP)
    index, _ = uniswap_token(1, UNI)
    data["tokens"][index]["name"] = "Uniswap Governance"
    data["version"] = {"major": 22, "minor": 22, "patch": 0}
    events = OutboxEvent.objects.count()

    report = run(write_list(tmp_path, data))

    assert nonzero(report["updated"]) == {"assets": 1}
    assert report["kept_manual_fields"] == {}
    uni.refresh_from_db()
    assert (uni.name, uni.version) == ("Uniswap Governance", version + 1)
    source = FieldSource.objects.of(uni).get(field="name")
    assert source.source == "import:tokenlist:Uniswap Labs Default@22.22.0"
    (event,) = OutboxEvent.objects.order_by("id")[events:]
    assert (event.event_type, event.entity_id, event.actor_id) == (
        "asset_updated",
        str(uni.pk),
        IMPORTER,
    )
    assert event.payload["changed_fields"] == ["name"]
    assert event.payload["source"] == "import:tokenlist:Uniswap Labs Default@22.22.0"


# --- wormhole bridges ---------------------------------------------------------------------


def _wormhole_copies_of(ethereum_addresses: set[str]) -> dict[str, str]:
    """Solana mint -> Ethereum address, for the sample's bridged copies of those."""
    return {
        token["address"]: token["extensions"]["address"]
        for _, token in accepted_solana_tokens()
        if (token.get("extensions") or {}).get("bridgeContract")
        and str(token["extensions"].get("address", "")).lower() in ethereum_addresses
    }


def _uniswap_ethereum_addresses() -> set[str]:
    addresses = set()
    for token in load(UNISWAP)["tokens"]:
        if token["chainId"] == 1:
            addresses.add(token["address"].lower())
        bridged = (token.get("extensions") or {}).get("bridgeInfo", {}).get("1")
        if bridged:
            addresses.add(bridged["tokenAddress"].lower())
    return addresses


def test_a_wormhole_token_bridges_from_its_ethereum_original(evm_chains, solana):
    run(UNISWAP)
    copies = _wormhole_copies_of(_uniswap_ethereum_addresses())
    assert WORMHOLE_WETH in copies and len(copies) >= 5

    report = run(SOLANA)

    bridges = AssetRelationship.objects.filter(relationship_type=RelationshipType.BRIDGES)
    assert report["created"]["relationships"] == len(copies) == bridges.count()
    for mint, original in copies.items():
        link = bridges.get(child_asset=asset_at("solana", mint))
        assert link.parent_asset_id == asset_at("ethereum", original).pk
        assert link.conversion_rate == 1
    weth = bridges.get(child_asset=asset_at("solana", WORMHOLE_WETH))
    assert weth.parent_asset.symbol == "WETH"
    assert weth.protocol == "wormhole"
    # A bridged copy is an asset of its own, not a deployment of the original.
    assert not asset_at("ethereum", WETH).deployments.filter(chain_id="solana").exists()
    events = OutboxEvent.objects.filter(event_type="relationship_established")
    assert events.count() == len(copies)

    counts = row_counts()
    again = run(SOLANA)

    assert again["unchanged"]["relationships"] == len(copies)
    assert "relationships" not in nonzero(again["created"])
    assert row_counts() == counts


def test_a_wormhole_token_bridges_from_an_original_made_through_the_services(ethereum, solana):
    weth = asset_create(symbol="WETH", name="Wrapped Ether", asset_type=AssetType.ERC20)
    deployment_create(asset=weth, chain=ethereum, address=WETH.lower(), decimals=18)

    report = run(SOLANA)

    assert report["created"]["relationships"] == 1
    link = AssetRelationship.objects.get()
    assert (link.parent_asset_id, link.child_asset_id, link.relationship_type) == (
        weth.pk,
        asset_at("solana", WORMHOLE_WETH).pk,
        RelationshipType.BRIDGES,
    )
    assert run(SOLANA)["unchanged"]["relationships"] == 1
    assert AssetRelationship.objects.count() == 1


def test_bridges_are_made_when_the_original_arrives_after_the_copy(evm_chains, solana):
    run(SOLANA)
    assert not AssetRelationship.objects.exists()
    run(UNISWAP)

    report = run(SOLANA)

    copies = _wormhole_copies_of(_uniswap_ethereum_addresses())
    assert report["created"]["relationships"] == len(copies) == AssetRelationship.objects.count()
    assert nonzero(report["created"]) == {"relationships": len(copies)}


# --- coingecko identifiers -------------------------------------------------------------------


def _coingecko_ids() -> dict[str, list[int]]:
    by_id = defaultdict(list)
    for index, token in accepted_solana_tokens():
        coingecko = (token.get("extensions") or {}).get("coingeckoId")
        if coingecko:
            by_id[coingecko].append(index)
    return by_id


@pytest.mark.parametrize("batch_size", [None, "1"], ids=["default-batches", "batch-size-1"])
def test_a_coingecko_id_links_its_first_token_and_a_repeat_is_a_warning(solana, batch_size):
    by_id = _coingecko_ids()
    repeated = {coingecko: indexes for coingecko, indexes in by_id.items() if len(indexes) > 1}
    assert {"usd-coin", "ethereum"} <= set(repeated)
    tokens = load(SOLANA)["tokens"]

    report = run(SOLANA, *(["--batch-size", batch_size] if batch_size else []))

    assert rejected_indexes(report) == set(SOLANA_BAD_SYMBOLS)
    assert report["created"]["identifiers"] == len(by_id)
    identifiers = AssetIdentifier.objects.filter(source=IdentifierSource.COINGECKO)
    assert identifiers.count() == len(by_id)
    for coingecko, indexes in by_id.items():
        first = asset_at("solana", tokens[indexes[0]]["address"])
        assert identifiers.get(external_id=coingecko).asset_id == first.pk, coingecko
    usdc = identifiers.get(external_id="usd-coin")
    assert usdc.asset_id == asset_at("solana", SOLANA_USDC).pk
    # The repeats are one warning: how many, and the first few by index.
    repeats = sorted(
        (index, coingecko) for coingecko, indexes in repeated.items() for index in indexes[1:]
    )
    (warning,) = [w for w in report["warnings"] if w.startswith("coingeckoId already on")]
    assert f"linked there only ({len(repeats)}: " in warning
    index, coingecko = repeats[0]
    assert f"token {index} ({coingecko}, first on token {by_id[coingecko][0]})" in warning


# --- events ---------------------------------------------------------------------------------


def test_the_first_import_records_one_event_per_new_asset_and_deployment(solana):
    accepted = accepted_solana_tokens()
    before = events_so_far()

    report = run(SOLANA)

    events = list(OutboxEvent.objects.filter(id__gt=before).order_by("id"))
    by_type = Counter(event.event_type for event in events)
    assert by_type == {
        "asset_created": len(accepted),
        "asset_deployment_created": len(accepted),
        "asset_identifier_created": report["created"]["identifiers"],
    }
    assert {e.entity_id for e in events if e.event_type == "asset_created"} == {
        str(pk) for pk in Asset.objects.values_list("pk", flat=True)
    }
    assert {e.entity_id for e in events if e.event_type == "asset_deployment_created"} == {
        str(pk) for pk in AssetDeployment.objects.values_list("pk", flat=True)
    }
    for event in events:
        assert event.actor_id == IMPORTER
        assert event.payload["actor_id"] == IMPORTER
        assert event.payload["source"] == f"import:tokenlist:{SOLANA_LABEL}"
    usdc = asset_at("solana", SOLANA_USDC)
    (created,) = [e for e in events if e.entity_id == str(usdc.pk)]
    assert created.payload["asset"]["symbol"] == "USDC"


def test_events_and_provenance_name_the_actor_given(solana):
    before = events_so_far()

    run(SOLANA, "--actor", "user:alice")

    events = OutboxEvent.objects.filter(id__gt=before)
    assert events.count() > 0
    assert set(events.values_list("actor_id", flat=True)) == {"user:alice"}
    usdc = asset_at("solana", SOLANA_USDC)
    source = FieldSource.objects.of(usdc).get(field="symbol")
    assert (source.source, source.actor) == (f"import:tokenlist:{SOLANA_LABEL}", "user:alice")


def test_the_list_annotations_are_kept_in_the_list_namespace_of_the_metadata(solana):
    run(SOLANA)

    usdc = asset_at("solana", SOLANA_USDC)
    (token,) = [t for t in load(SOLANA)["tokens"] if t["address"] == SOLANA_USDC]
    annotations = usdc.metadata["tokenlists"]["Solana Token List"]
    assert annotations["tags"] == token["tags"]
    assert annotations["extensions"] == token["extensions"]
    assert usdc.website_url == token["extensions"]["website"]
    assert usdc.metadata == {"tokenlists": {"Solana Token List": annotations}}


# --- one deployment per chain (from a review) ------------------------------------------

A_ETH = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
X_POLY = "0x2791Bca1f2de4661ED88A30C99A7a9449Aa84174"
Z_POLY = "0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359"


def _list(tokens, version=(1, 0, 0)) -> dict:
    major, minor, patch = version
    return {
        "name": "Review list",
        "timestamp": "2026-12-01T00:00:00Z",
        "version": {"major": major, "minor": minor, "patch": patch},
        "tokens": tokens,
    }


def _token(chain_id, address, decimals=6, bridge=None) -> dict:
    token = {
        "chainId": chain_id,
        "address": address,
        "name": "USD Coin",
        "symbol": "USDC",
        "decimals": decimals,
    }
    if bridge:
        token["extensions"] = {"bridgeInfo": {str(c): {"tokenAddress": a} for c, a in bridge}}
    return token


def test_bridgeinfo_naming_a_second_address_on_a_chain_keeps_one_deployment(evm_chains, tmp_path):
    """Token A says its Polygon copy is X; the list also lists Z on Polygon saying its
    Ethereum original is A. One asset cannot have two Polygon deployments: the listed Z
    wins over the bridgeInfo-only X, and nothing crashes."""
    tokens = [
        _token(1, A_ETH, bridge=[(137, X_POLY)]),
        _token(137, Z_POLY, bridge=[(1, A_ETH)]),
    ]
    report = run(write_list(tmp_path, _list(tokens)))

    assert report["created"] == {"assets": 1, "deployments": 2}
    asset = asset_at("ethereum", A_ETH)
    polygon = [d.address for d in asset.deployments.all() if d.chain.network_id == 137]
    assert polygon == [Z_POLY]
    assert any("second address on one chain" in warning for warning in report["warnings"])


def test_a_list_naming_another_address_on_a_chain_the_asset_has_keeps_the_registered_one(
    evm_chains, tmp_path
):
    run(write_list(tmp_path, _list([_token(1, A_ETH, bridge=[(137, X_POLY)])]), "first.json"))
    report = run(write_list(tmp_path, _list([_token(1, A_ETH, bridge=[(137, Z_POLY)])], (2, 0, 0))))

    assert "deployments" not in report["created"]
    polygon = [
        d.address
        for d in asset_at("ethereum", A_ETH).deployments.all()
        if d.chain.network_id == 137
    ]
    assert polygon == [X_POLY]
    assert any("already deployed on this chain" in warning for warning in report["warnings"])


def test_decimals_a_list_only_implies_through_bridgeinfo_never_change_a_deployment(
    evm_chains, tmp_path
):
    """USDC has 6 decimals on Ethereum and may have others elsewhere: a list that names
    the Polygon address only in bridgeInfo says nothing about its decimals."""
    run(write_list(tmp_path, _list([_token(1, A_ETH, 6), _token(137, X_POLY, 18)]), "b.json"))
    before = AssetDeployment.objects.get(chain__network_id=137, address=X_POLY)
    report = run(write_list(tmp_path, _list([_token(1, A_ETH, 6, bridge=[(137, X_POLY)])])))

    polygon = AssetDeployment.objects.get(chain__network_id=137, address=X_POLY)
    assert polygon.decimals == 18
    assert polygon.version == before.version
    assert "deployments" not in report["updated"]


# --- a dry run is the real run's verdict ------------------------------------------------------


def test_a_dry_run_gives_the_real_runs_verdict_token_by_token(ethereum, tmp_path):
    """Good tokens and bad ones: a symbol the schema accepts but an asset refuses (a zero
    width space), a coingeckoId no identifier may have (a space), a chain --create-chains
    cannot register (an id beyond the database's range), and the fixture's long symbol
    and failed checksum. The dry run reports exactly what the real run then does."""
    data = load(BROKEN)
    spare = [t for t in load(UNISWAP)["tokens"] if t["chainId"] == 1][20:23]
    zero_width, bad_identifier, far_chain = (dict(token) for token in spare)
    zero_width["symbol"] += "\u200b"
    bad_identifier["extensions"] = {"coingeckoId": "usd coin"}
    far_chain["chainId"] = 2**63
    data["tokens"] += [zero_width, bad_identifier, far_chain]
    path = write_list(tmp_path, data)
    counts = row_counts()

    dry = run(path, "--dry-run", "--create-chains")

    assert row_counts() == counts
    real = run(path, "--create-chains")
    assert comparable(dry) == comparable(real)
    reasons = rejections(real)
    assert set(reasons) == {
        f"token {LONG_SYMBOL_INDEX} (ABTXXXXXXXXXXXXXXXXXXXXXX on 1)",
        f"token {BAD_CHECKSUM_INDEX} ({data['tokens'][BAD_CHECKSUM_INDEX]['symbol']} on 1)",
        f"token 10 ({zero_width['symbol']} on 1)",
        f"chainId {2**63} (1 tokens: 12)",
    }
    assert reasons[f"token 10 ({zero_width['symbol']} on 1)"] == (
        "symbol: Symbol contains invisible or control characters: U+200B ZERO WIDTH SPACE."
    )
    assert reasons[f"chainId {2**63} (1 tokens: 12)"].startswith(
        f"cannot register eip155:{2**63}: network_id: "
    )
    assert "coingeckoId refused (not linked): usd coin: external_id: " in "\n".join(
        real["warnings"]
    )
    # The bad identifier's token imports, without it; bridgeInfo's chains are registered.
    assert real["created"]["assets"] == len(data["tokens"]) - 4
    assert real["created"]["chains"] == Chain.objects.count() - 1  # all but ethereum
