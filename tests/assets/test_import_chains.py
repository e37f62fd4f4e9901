"""manage.py import_chains: an ethereum-lists/chains list becomes chains and native assets.

The list is tests/fixtures/chains-sample.json, 33 chains copied from the real
chains.json; the bad lists are copies of it with one item broken.
"""

import copy
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from assets.choices import AssetType
from assets.importers import chainlist
from assets.models import Asset, AssetDeployment
from assets.services import asset_create, asset_soft_delete, deployment_create
from chains.choices import ChainType
from chains.models import Chain
from chains.services import chain_create, chain_update
from registry.importing import ImportReport, Progress
from registry.models import FieldSource, OutboxEvent
from tests.factories import ChainFactory
from tests.reports import comparable

SAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "chains-sample.json"
SAMPLE_CHAINS = 33
# Native currencies that are not another chain's: the sample's 33 chains share 23.
SAMPLE_NATIVE_ASSETS = 23
SAMPLE_TESTNETS = 10
pytestmark = pytest.mark.django_db


def run(source: str | Path = SAMPLE, *options: str, testnets: bool = True) -> dict:
    """Run the import with --json and return its report; with the testnets (the sample's
    counts include them) unless ``testnets=False`` (the command's default)."""
    out = StringIO()
    call_command(
        "import_chains",
        str(source),
        "--json",
        "--no-progress",
        *(["--include-testnets"] if testnets else []),
        *options,
        stdout=out,
    )
    return json.loads(out.getvalue())


def sample() -> list[dict]:
    return json.loads(SAMPLE.read_text())


def write_list(tmp_path: Path, items) -> Path:
    path = tmp_path / "chains.json"
    path.write_text(json.dumps(items))
    return path


def with_blockscout_explorer(items: list[dict]) -> list[dict]:
    """The list with Ethereum's explorers replaced by Blockscout alone."""
    items[index_of(items, 1)]["explorers"] = [
        {"name": "blockscout", "url": "https://eth.blockscout.com", "standard": "EIP3091"}
    ]
    return items


def chain(network_id: int) -> Chain:
    return Chain.objects.select_related("native_asset").get(network_id=network_id)


def index_of(items: list[dict], network_id: int) -> int:
    return next(i for i, item in enumerate(items) if item["chainId"] == network_id)


def stored_state() -> dict:
    """Every row the import writes, with the version of each chain."""
    return {
        "chains": sorted(Chain.objects.values_list("chain_id", "version")),
        "assets": Asset.all_objects.count(),
        "deployments": AssetDeployment.objects.count(),
        "field_sources": FieldSource.objects.count(),
        "events": OutboxEvent.objects.count(),
    }


def test_first_import_creates_the_chains_and_their_native_assets():
    report = run()

    assert report["created"] == {
        "chains": SAMPLE_CHAINS,
        "assets": SAMPLE_NATIVE_ASSETS,
        "deployments": SAMPLE_CHAINS,
    }
    assert report["rejected"] == [] and report["updated"] == {}
    assert Chain.objects.count() == SAMPLE_CHAINS
    assert Asset.objects.filter(asset_type=AssetType.NATIVE).count() == SAMPLE_NATIVE_ASSETS
    ethereum = chain(1)
    assert ethereum.chain_id == "eth"  # the list's shortName
    assert ethereum.chain_type == ChainType.EVM
    assert ethereum.name == "Ethereum Mainnet"
    assert ethereum.caip2 == "eip155:1"
    assert ethereum.is_testnet is False
    assert ethereum.explorer_url == "https://etherscan.io"
    # The list's first two RPCs need an Infura key; the first https one without is kept.
    assert ethereum.rpc_url == "https://api.mycryptoapi.com/eth"
    assert ethereum.metadata["slip44"] == 60
    listed = ethereum.metadata["chainlist"]
    assert listed["short_name"] == "eth"
    assert listed["chain"] == "ETH"
    assert listed["info_url"] == "https://ethereum.org"
    assert listed["slip44"] == 60
    assert listed["features"] == ["EIP155", "EIP1559"]
    assert listed["rpc"][:2] == ["https://api.mycryptoapi.com/eth", "https://cloudflare-eth.com"]
    assert "network_id_differs" not in listed and "parent" not in listed
    eth = ethereum.native_asset
    assert (eth.symbol, eth.name, eth.asset_type) == ("ETH", "Ether", AssetType.NATIVE)
    native = AssetDeployment.objects.get(chain=ethereum)
    assert native.asset_id == eth.pk
    assert (native.address, native.decimals, native.is_native) == ("", 18, True)
    assert native.is_canonical is True
    assert native.caip19 == "eip155:1/slip44:60"


def test_new_assets_remember_the_list_as_their_source():
    run()

    eth = chain(1).native_asset
    sources = set(FieldSource.objects.of(eth).values_list("source", flat=True))
    assert sources == {"import:chains:chains-sample.json"}
    assert set(OutboxEvent.objects.values_list("actor_id", flat=True)) == {"service:importer"}


def test_rpc_urls_with_key_placeholders_are_dropped():
    run()

    for stored in Chain.objects.all():
        urls = [stored.rpc_url, *stored.metadata["chainlist"]["rpc"]]
        assert not any("{" in url for url in urls), stored.chain_id
    ropsten = chain(3)  # every RPC of the list needs an Infura key
    assert ropsten.rpc_url == "" and ropsten.metadata["chainlist"]["rpc"] == []
    arbitrum = chain(42161)
    assert arbitrum.rpc_url == "https://arb1.arbitrum.io/rpc"
    assert arbitrum.metadata["chainlist"]["rpc"] == [
        "https://arb1.arbitrum.io/rpc",
        "https://arbitrum-one.publicnode.com",
        "wss://arbitrum-one.publicnode.com",
    ]
    onchain_points = chain(17071)  # {CONDUIT_API_KEY}, without the dollar
    assert onchain_points.metadata["chainlist"]["rpc"] == ["https://rpc.onchainpoints.xyz"]


def test_a_chain_without_a_usable_rpc_gets_none():
    run()

    kotti = chain(6)  # empty rpc, deprecated
    assert kotti.rpc_url == "" and kotti.metadata["chainlist"]["rpc"] == []
    assert kotti.metadata["chainlist"]["status"] == "deprecated"
    assert kotti.is_testnet is True
    quarkchain_root = chain(100000)  # plain http only: listed, not the chain's RPC
    assert quarkchain_root.rpc_url == ""
    assert quarkchain_root.metadata["chainlist"]["rpc"] == [
        "http://jrpc.mainnet.quarkchain.io:38391"
    ]


def test_explorer_is_the_first_eip3091_one():
    run()

    # Base lists basescan first, without a standard.
    assert chain(8453).explorer_url == "https://base.blockscout.com"
    assert chain(10).explorer_url == "https://optimistic.etherscan.io"


def test_a_network_id_that_differs_from_the_chain_id_is_kept_in_metadata():
    run()

    classic = chain(61)  # chainId 61, networkId 1
    assert classic.network_id == 61
    assert classic.metadata["chainlist"]["network_id_differs"] is True
    assert classic.metadata["chainlist"]["net_version"] == 1


def test_testnets_are_flagged():
    run()

    testnets = set(Chain.objects.filter(is_testnet=True).values_list("network_id", flat=True))
    # By name (Testnet, Sepolia, Goerli, Holesky, Ropsten), and Fuse Sparknet by its
    # faucet; Syscoin Mainnet has a faucet too, but says it is a mainnet.
    assert testnets == {3, 5, 6, 18, 123, 17000, 84532, 421614, 11155111, 11155420}
    assert len(testnets) == SAMPLE_TESTNETS
    assert chain(57).is_testnet is False


def test_l2s_reuse_the_native_asset_of_their_l1():
    run()

    eth = chain(1).native_asset
    # Arbitrum, zkSync, Linea, Scroll name eip155-1 as parent; Proof of Play Apex is an
    # L3 on Arbitrum; OP Mainnet, Base and Zora have no parent but Ethereum's family
    # and currency.
    for network_id in (42161, 324, 59144, 534352, 70700, 10, 8453, 7777777):
        assert chain(network_id).native_asset_id == eth.pk, network_id
        deployment = AssetDeployment.objects.get(chain=chain(network_id))
        assert deployment.asset_id == eth.pk
        assert deployment.is_native and not deployment.is_canonical
    assert AssetDeployment.objects.filter(asset=eth, is_canonical=True).get().chain_id == "eth"
    # A parent with another currency, and another family, are not Ethereum's ETH.
    assert chain(5000).native_asset.symbol == "MNT"
    assert chain(1313161554).native_asset_id != eth.pk
    # Testnet ETH is not ETH; an L2 of Sepolia shares Sepolia's.
    assert chain(11155111).native_asset_id != eth.pk
    assert chain(421614).native_asset_id == chain(11155111).native_asset_id
    # A shard shares its root chain's currency.
    assert chain(100001).native_asset_id == chain(100000).native_asset_id


def test_small_batches_give_the_same_result():
    """Reusers of a new asset are applied after the batch that creates it."""
    report = run(SAMPLE, "--batch-size", "2")

    assert report["created"] == {
        "chains": SAMPLE_CHAINS,
        "assets": SAMPLE_NATIVE_ASSETS,
        "deployments": SAMPLE_CHAINS,
    }
    eth = chain(1).native_asset
    assert {chain(n).native_asset_id for n in (10, 8453, 42161, 70700)} == {eth.pk}


def test_a_later_import_of_an_l2_reuses_the_l1_asset_in_the_registry():
    run(SAMPLE, "--only", "1")

    report = run(SAMPLE, "--only", "8453,42161")

    assert report["created"] == {"chains": 2, "deployments": 2}
    eth = chain(1).native_asset
    assert chain(8453).native_asset_id == eth.pk
    assert chain(42161).native_asset_id == eth.pk


def test_second_import_is_unchanged_and_writes_nothing():
    run()
    before = stored_state()

    report = run()

    assert report["unchanged"] == {"chains": SAMPLE_CHAINS}
    assert report["created"] == {} and report["updated"] == {} and report["rejected"] == []
    assert stored_state() == before


def test_dry_run_reports_what_would_be_created_and_writes_nothing():
    report = run(SAMPLE, "--dry-run")

    assert report["dry_run"] is True
    assert report["created"] == {
        "chains": SAMPLE_CHAINS,
        "assets": SAMPLE_NATIVE_ASSETS,
        "deployments": SAMPLE_CHAINS,
    }
    assert stored_state() == {
        "chains": [],
        "assets": 0,
        "deployments": 0,
        "field_sources": 0,
        "events": 0,
    }


def test_dry_run_over_an_existing_registry_reports_updates_and_writes_nothing(tmp_path):
    run()
    before = stored_state()

    report = run(write_list(tmp_path, with_blockscout_explorer(sample())), "--dry-run")

    assert report["updated"] == {"chains": 1}
    assert report["unchanged"] == {"chains": SAMPLE_CHAINS - 1}
    assert stored_state() == before


def test_a_changed_chain_is_updated_once(tmp_path):
    run()
    last_event = OutboxEvent.objects.latest("id").id

    report = run(write_list(tmp_path, with_blockscout_explorer(sample())))

    assert report["updated"] == {"chains": 1}
    assert report["unchanged"] == {"chains": SAMPLE_CHAINS - 1}
    assert chain(1).explorer_url == "https://eth.blockscout.com"
    assert chain(1).version == 2
    new_events = OutboxEvent.objects.filter(id__gt=last_event)
    assert list(new_events.values_list("event_type", "entity_id")) == [("chain_updated", "eth")]


def test_bad_items_are_rejected_by_index_and_the_rest_imports(tmp_path):
    items = sample()
    no_chain_id = index_of(items, 250)
    del items[no_chain_id]["chainId"]
    bad_decimals = index_of(items, 137)
    items[bad_decimals]["nativeCurrency"]["decimals"] = 300
    items.append("not a chain")

    report = run(write_list(tmp_path, items))

    assert report["rejected"] == [
        {
            "item": f"chain {bad_decimals} (Polygon Mainnet)",
            "reason": "nativeCurrency.decimals must be an integer from 0 to 255, not 300.",
        },
        {"item": f"chain {no_chain_id} (Fantom Opera)", "reason": "chainId is missing."},
        {"item": f"chain {len(items) - 1}", "reason": "not an object but str."},
    ]
    assert report["created"]["chains"] == SAMPLE_CHAINS - 2
    assert not Chain.objects.filter(network_id=137).exists()
    assert not Asset.objects.filter(symbol__in=["POL", "FTM"]).exists()
    assert chain(1).native_asset.symbol == "ETH"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"chainId": -5}, "chainId must be a positive integer, not -5."),
        ({"chainId": "1"}, "chainId must be a positive integer, not '1'."),
        ({"name": None}, "name is missing."),
        ({"nativeCurrency": None}, "nativeCurrency is missing"),
        ({"nativeCurrency": {"name": "Ether", "decimals": 18}}, "nativeCurrency.symbol:"),
        (
            {"nativeCurrency": {"name": "Ether", "symbol": "TWO WORDS", "decimals": 18}},
            "nativeCurrency.symbol: Symbol must not contain whitespace.",
        ),
        ({"rpc": "https://rpc.example"}, "rpc must be a list of strings."),
    ],
)
def test_each_required_field_is_checked(tmp_path, change, reason):
    items = sample()
    broken = index_of(items, 56)
    items[broken] = {key: value for key, value in items[broken].items() if key not in change}
    items[broken].update({key: value for key, value in change.items() if value is not None})

    report = run(write_list(tmp_path, items))

    [rejected] = report["rejected"]
    assert rejected["item"].startswith(f"chain {broken} (")
    assert rejected["reason"].startswith(reason)
    assert report["created"]["chains"] == SAMPLE_CHAINS - 1


def test_a_chain_id_listed_twice_is_rejected_the_second_time(tmp_path):
    items = sample()
    duplicate = copy.deepcopy(items[index_of(items, 1)]) | {"name": "Ethereum again"}
    items.append(duplicate)

    report = run(write_list(tmp_path, items))

    assert report["rejected"] == [
        {
            "item": f"chain {len(items) - 1} (Ethereum again)",
            "reason": f"chainId 1 is listed twice (first as chain {index_of(items, 1)}).",
        }
    ]
    assert chain(1).name == "Ethereum Mainnet"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (
            {"chains": []},
            "not a chain list: expected a JSON array of chain objects, got a JSON dict",
        ),
        ([1, 2, 3], "not a chain list: the array holds no chain objects."),
        ([], "not a chain list: the array holds no chain objects."),
    ],
)
def test_a_source_that_is_not_a_chain_list_imports_nothing(tmp_path, content, reason):
    path = tmp_path / "chains.json"
    path.write_text(json.dumps(content))

    with pytest.raises(CommandError) as raised:
        run(path)

    assert str(raised.value).startswith(f"Nothing imported: {reason}")
    assert Chain.objects.count() == 0 and OutboxEvent.objects.count() == 0


def test_a_file_that_is_not_json_imports_nothing(tmp_path):
    path = tmp_path / "chains.json"
    path.write_text("module.exports = [")

    with pytest.raises(CommandError) as caught:
        run(path)

    assert str(caught.value) == (
        f"Nothing imported: {path} is not valid JSON: line 1, column 1: expected a value "
        "(a string, number, object, array, true, false or null)\n"
        "    module.exports = [\n"
        "    ^"
    )


def test_strict_with_one_bad_item_imports_nothing(tmp_path):
    items = sample()
    items[index_of(items, 8453)]["nativeCurrency"]["decimals"] = 300

    with pytest.raises(CommandError, match="1 items rejected; nothing imported"):
        run(write_list(tmp_path, items), "--strict")

    assert stored_state() == {
        "chains": [],
        "assets": 0,
        "deployments": 0,
        "field_sources": 0,
        "events": 0,
    }


def test_strict_with_a_good_list_imports_everything():
    report = run(SAMPLE, "--strict")

    assert report["created"]["chains"] == SAMPLE_CHAINS
    assert Chain.objects.count() == SAMPLE_CHAINS


def test_an_existing_chain_is_updated_not_duplicated():
    existing = chain_create(
        chain_id="ethereum",
        name="Ethereum",
        chain_type=ChainType.EVM,
        network_id=1,
        rpc_url="https://cloudflare-eth.com",
        metadata={"slip44": 60, "layer": 1},
    )

    report = run(SAMPLE, "--only", "1")

    assert report["updated"] == {"chains": 1}
    assert report["created"] == {"assets": 1, "deployments": 1}
    [stored] = Chain.objects.filter(network_id=1)
    assert stored.chain_id == "ethereum"  # the registry's slug stays
    assert stored.name == "Ethereum Mainnet"
    assert stored.explorer_url == "https://etherscan.io"
    assert stored.rpc_url == "https://api.mycryptoapi.com/eth"
    assert stored.metadata["layer"] == 1  # our own key is kept
    assert stored.metadata["chainlist"]["short_name"] == "eth"
    assert stored.version == existing.version + 1
    assert stored.native_asset.symbol == "ETH"


def test_an_existing_native_asset_is_kept_and_reused_by_l2s():
    ether = asset_create(symbol="ETH", name="Ether", asset_type=AssetType.NATIVE)
    ethereum = chain_create(chain_id="ethereum", name="Ethereum", chain_type="EVM", network_id=1)
    chain_update(chain=ethereum, changes={"native_asset": ether})

    report = run()

    assert chain(1).native_asset_id == ether.pk
    assert chain(8453).native_asset_id == ether.pk
    assert chain(42161).native_asset_id == ether.pk
    # Ethereum's currency was not created again, nor deployed (its deployment is ours).
    assert report["created"]["assets"] == SAMPLE_NATIVE_ASSETS - 1
    assert report["created"]["deployments"] == SAMPLE_CHAINS - 1
    assert Asset.objects.filter(symbol="ETH", name="Ether").count() == 3  # + Mind, Aurora


def test_a_chain_with_a_native_deployment_but_no_native_asset_links_it():
    coin = asset_create(symbol="BNB", name="BNB", asset_type=AssetType.NATIVE)
    bsc = chain_create(chain_id="bsc", name="BSC", chain_type="EVM", network_id=56)
    deployment_create(asset=coin, chain=bsc, address="", decimals=18, is_native=True)

    report = run(SAMPLE, "--only", "56")

    assert report["created"] == {}
    assert report["updated"] == {"chains": 1}
    assert chain(56).native_asset_id == coin.pk
    assert AssetDeployment.objects.filter(chain=bsc).count() == 1


def test_a_taken_slug_falls_back_to_the_eip155_id():
    ChainFactory(chain_id="eth", network_id=999_001)

    run(SAMPLE, "--only", "1,10")

    assert chain(1).chain_id == "eip155-1"
    assert chain(10).chain_id == "oeth"


def test_upper_case_short_names_become_slugs():
    run(SAMPLE, "--only", "18,54")

    assert chain(18).chain_id == "tst"  # shortName TST
    assert chain(54).chain_id == "op"  # shortName OP


def test_only_imports_the_chains_named_and_reuses_the_l1_asset():
    report = run(SAMPLE, "--only", "1,8453,999999")

    assert report["created"] == {"chains": 2, "assets": 1, "deployments": 2}
    assert report["warnings"] == ["--only: chainId 999999 is not in the list."]
    assert set(Chain.objects.values_list("network_id", flat=True)) == {1, 8453}
    assert chain(8453).native_asset_id == chain(1).native_asset_id


def test_only_with_a_bad_value_is_refused():
    with pytest.raises(CommandError, match="--only: 'base' is not a chain id"):
        run(SAMPLE, "--only", "1,base")


def test_testnets_are_left_out_unless_asked_for():
    """Mainnets by default; the testnets left out are one warning, counted, with examples."""
    report = run(SAMPLE, testnets=False)

    assert report["created"]["chains"] == SAMPLE_CHAINS - SAMPLE_TESTNETS
    (warning,) = report["warnings"]
    assert warning.startswith(
        f"testnets left out (--include-testnets imports them) ({SAMPLE_TESTNETS}: chain "
    )
    assert "(Sepolia)" in warning or "Ropsten" in warning
    assert not Chain.objects.filter(is_testnet=True).exists()
    assert not Chain.objects.filter(network_id=11155111).exists()

    report = run(SAMPLE)

    assert report["created"]["chains"] == SAMPLE_TESTNETS
    assert Chain.objects.filter(is_testnet=True).count() == SAMPLE_TESTNETS


def test_a_testnet_named_with_only_is_imported():
    report = run(SAMPLE, "--only", "11155111", testnets=False)

    assert report["created"]["chains"] == 1 and report["warnings"] == []
    assert chain(11155111).is_testnet


def test_the_text_summary_gives_the_counts():
    out = StringIO()
    call_command("import_chains", str(SAMPLE), "--no-progress", "--include-testnets", stdout=out)

    text = out.getvalue()
    assert f"created: {SAMPLE_NATIVE_ASSETS} assets, {SAMPLE_CHAINS} chains" in text
    assert "rejected: 0" in text


# --- what a dry run says ----------------------------------------------------------------


def test_a_dry_run_gives_the_real_runs_verdict_chain_by_chain(tmp_path):
    """Good chains and bad ones: an item without chainId, and Ethereum, registered with a
    native deployment whose asset was deleted since (the plan would link it; the write
    refuses a deleted asset). The dry run reports exactly what the real run then does."""
    ethereum = chain_create(chain_id="eth", name="Ethereum", chain_type=ChainType.EVM, network_id=1)
    ether = asset_create(symbol="ETH", name="Ether", asset_type=AssetType.NATIVE)
    deployment_create(asset=ether, chain=ethereum, address="", decimals=18, is_native=True)
    asset_soft_delete(asset=ether)
    items = sample()
    del items[index_of(items, 10)]["chainId"]
    path = write_list(tmp_path, items)
    before = stored_state()

    dry = run(path, "--dry-run")

    assert stored_state() == before
    real = run(path)
    assert comparable(dry) == comparable(real)
    reasons = {rejection["item"]: rejection["reason"] for rejection in real["rejected"]}
    assert reasons == {
        f"chain {index_of(items, 1)} (Ethereum Mainnet)": (
            f"native_asset: Asset {ether.pk} is deleted; restore it first."
        ),
        f"chain {index_of(sample(), 10)} (OP Mainnet)": "chainId is missing.",
    }
    assert real["created"]["chains"] == SAMPLE_CHAINS - 2


def test_a_dry_run_names_the_chains_and_the_fields_it_would_update(tmp_path):
    run(SAMPLE, "--only", "1,10,8453")
    items = sample()
    items[index_of(items, 1)]["name"] = "Ethereum"
    items[index_of(items, 10)]["explorers"] = [
        {"name": "blockscout", "url": "https://optimism.blockscout.com", "standard": "EIP3091"}
    ]
    out = StringIO()

    call_command(
        "import_chains", str(write_list(tmp_path, items)), "--only", "1,10,8453,42161",
        "--dry-run", "--no-progress", stdout=out,
    )  # fmt: skip

    text = out.getvalue()
    assert "  would update chains: 2\n" in text
    assert f"    eth, chain {index_of(items, 1)} (Ethereum): name\n" in text
    assert f"    oeth, chain {index_of(items, 10)} (OP Mainnet): explorer_url\n" in text
    assert "  would create chains: 1\n" in text
    assert f"    arb1, chain {index_of(items, 42161)} (Arbitrum One)\n" in text
    assert chain(1).name == "Ethereum Mainnet"


class ChainsSoFar(Progress):
    """A progress bar that notes, at each step, how many chains are written."""

    def __init__(self) -> None:
        super().__init__(enabled=False)
        self.seen: list[int] = []

    def __call__(self, count: int) -> None:
        self.seen.append(Chain.objects.count())


def test_the_progress_moves_with_each_chain_written():
    """One batch of 33 chains: the bar moves 33 times, each time a chain more is written,
    not once at the end."""
    report = ImportReport(source="sample")
    plan = chainlist.plan(sample(), report=report, only=None, include_testnets=True)
    progress = ChainsSoFar()

    chainlist.apply(plan, report=report, batch_size=1000, strict=False, progress=progress)

    assert progress.seen == list(range(1, SAMPLE_CHAINS + 1))


def test_a_network_id_held_by_a_chain_of_another_namespace_is_not_that_chain():
    """The list's ids are EIP-155 ids: a Cosmos chain given network id 10 is not OP Mainnet
    (eip155:10), so the item is rejected and the Cosmos chain left as it is."""
    cosmos = chain_create(
        chain_id="cosmos-ten", name="Cosmos Ten", chain_type=ChainType.COSMOS, network_id=10
    )

    report = run(SAMPLE, "--only", "1,10")

    assert report["rejected"] == [
        {
            "item": f"chain {index_of(sample(), 10)} (OP Mainnet)",
            "reason": "network id 10 belongs to chain cosmos-ten, a Cosmos chain, not to "
            "eip155:10.",
        }
    ]
    cosmos.refresh_from_db()
    assert (cosmos.name, cosmos.version) == ("Cosmos Ten", 1)
