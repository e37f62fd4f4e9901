"""A token list's chainIds are read by the conventions of the list's format.

Token Lists (the Uniswap format) number chains by EIP-155 id; the Solana token list's
101, 102 and 103 are its clusters. The same number names different chains in the two
namespaces: eip155:101 is EtherInc (tests/fixtures/chains-tokenlists.json holds it, with
every chain of the Uniswap sample, copied from the real chain list). So whichever runs
first, chains or list, the same assets and deployments result.
"""

import json
from contextlib import contextmanager
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from assets.models import Asset, AssetDeployment
from chains.caip2 import SOLANA_CLUSTERS
from chains.choices import ChainType
from chains.models import Chain
from chains.services import chain_create

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CHAINS = FIXTURES / "chains-tokenlists.json"
UNISWAP = FIXTURES / "uniswap-1000.tokenlist.json"
SOLANA = FIXTURES / "solana-sample.tokenlist.json"
SOLANA_BAD_SYMBOLS = 4  # tokens 258-261 of the Solana sample: symbols with spaces
MAINNET = SOLANA_CLUSTERS["mainnet-beta"]


def import_tokenlist(path: Path, *options: str) -> dict:
    out = StringIO()
    call_command("import_tokenlist", str(path), "--json", "--no-progress", *options, stdout=out)
    return json.loads(out.getvalue())


def import_chains(*options: str) -> dict:
    out = StringIO()
    call_command("import_chains", str(CHAINS), "--json", "--no-progress", *options, stdout=out)
    return json.loads(out.getvalue())


def registry_assets() -> set:
    """Every asset with its deployments, each named by its chain's CAIP-2 id, so that two
    registries compare whatever slugs their chains were given."""
    assets = set()
    for asset in Asset.all_objects.prefetch_related("deployments__chain"):
        deployments = frozenset(
            (d.chain.caip2, d.address.lower(), d.decimals, d.is_native, d.is_canonical)
            for d in asset.deployments.all()
        )
        assets.add(
            (
                asset.symbol,
                asset.name,
                asset.asset_type,
                asset.logo_url,
                json.dumps(asset.metadata, sort_keys=True),
                deployments,
            )
        )
    return assets


class _Undo(Exception):
    pass


@contextmanager
def undone():
    """Run the block, then undo everything it wrote (its savepoint is rolled back)."""
    try:
        with transaction.atomic():
            yield
            raise _Undo
    except _Undo:
        pass


@pytest.mark.parametrize(
    ("token_list", "testnets"),
    [
        (UNISWAP, ()),
        (UNISWAP, ("--include-testnets",)),
        (SOLANA, ()),
        (SOLANA, ("--include-testnets",)),
    ],
    ids=["uniswap", "uniswap-with-testnets", "solana", "solana-with-testnets"],
)
def test_chains_then_list_and_list_then_chains_give_the_same_assets(token_list, testnets):
    """Whatever runs first, the same assets with the same deployments; no token is
    rejected either way (the Solana sample's four spaced symbols aside)."""
    with undone():
        import_chains(*testnets)
        chains_first = import_tokenlist(token_list, "--create-chains")
        expected = registry_assets()

    list_first = import_tokenlist(token_list, "--create-chains")
    import_chains(*testnets)

    assert registry_assets() == expected
    assert chains_first["rejected"] == list_first["rejected"]
    rejected = SOLANA_BAD_SYMBOLS if token_list == SOLANA else 0
    assert chains_first["rejected_items"] == rejected
    assert list_first["created"]["deployments"] == chains_first["created"]["deployments"] > 0


def test_a_solana_list_chain_id_is_a_cluster_not_the_evm_chain_with_that_number():
    """With EtherInc (EIP-155 101) and WorldLand (103) registered, the Solana list's 101
    is still Solana mainnet-beta, and the report says which convention was read."""
    import_chains("--include-testnets")
    etherinc = Chain.objects.get(chain_type=ChainType.EVM, network_id=101)
    accepted = len(json.loads(SOLANA.read_text())["tokens"]) - SOLANA_BAD_SYMBOLS

    report = import_tokenlist(SOLANA, "--create-chains")

    assert report["created"]["assets"] == accepted
    solana = Chain.objects.get(chain_type=ChainType.SOLANA)
    assert (solana.chain_id, solana.caip2) == ("solana", MAINNET.caip2)
    assert AssetDeployment.objects.filter(chain=solana).count() == accepted
    assert not AssetDeployment.objects.filter(chain=etherinc).exclude(is_native=True).exists()
    (note,) = report["notes"]
    assert note.startswith("chain ids: chainId read as a Solana cluster")
    assert f"101 = {MAINNET.caip2} (solana)" in note
    assert "every token is on chainId 101-103 with a base58 address" in note


def write_list(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "list.tokenlist.json"
    path.write_text(json.dumps(data))
    return path


def test_the_solana_chain_is_found_by_its_caip2_reference_whatever_its_slug():
    chain_create(
        chain_id="sol-main",
        name="Solana",
        chain_type=ChainType.SOLANA,
        caip2_reference=MAINNET.reference,
    )

    report = import_tokenlist(SOLANA)

    assert report["rejected_items"] == SOLANA_BAD_SYMBOLS
    assert set(AssetDeployment.objects.values_list("chain_id", flat=True)) == {"sol-main"}


def test_a_uniswap_list_chain_id_is_an_eip155_id(tmp_path):
    import_chains()
    etherinc = Chain.objects.get(network_id=101)
    token = {
        "chainId": 101,
        "address": "0x1f9840a85d5aF5bf1D1762F925BDADdC4201F984",
        "name": "Token on EtherInc",
        "symbol": "ETIT",
        "decimals": 18,
    }
    data = {**json.loads(UNISWAP.read_text()), "tokens": [token]}

    report = import_tokenlist(write_list(tmp_path, data))

    assert report["created"] == {"assets": 1, "deployments": 1}
    assert AssetDeployment.objects.get(address=token["address"]).chain == etherinc
    assert report["notes"][0].startswith("chain ids: chainId read as an EIP-155 chain id")


def test_chain_ids_given_on_the_command_line_win_and_are_said():
    """--chain-ids eip155 reads the Solana list's 101 as EtherInc: every base58 address
    is then refused, token by token, as not an EVM address."""
    import_chains()

    with pytest.raises(CommandError, match="Nothing imported: all 301 items were rejected"):
        import_tokenlist(SOLANA, "--chain-ids", "eip155")

    out = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_tokenlist", str(SOLANA), "--no-progress", "--chain-ids", "eip155", stdout=out
        )
    text = out.getvalue()
    assert "chain ids: chainId read as an EIP-155 chain id (Token Lists)" in text
    assert "(as --chain-ids says)" in text
    assert "token 0 (" in text and "Not an EVM address" in text
    assert not AssetDeployment.objects.exclude(is_native=True).exists()


def test_an_unknown_cluster_is_one_rejection_that_counts_its_tokens(tmp_path):
    chain_create(
        chain_id="solana",
        name="Solana",
        chain_type=ChainType.SOLANA,
        caip2_reference=MAINNET.reference,
    )
    data = json.loads(SOLANA.read_text())
    for token in data["tokens"][:7]:
        token["chainId"] = 103  # devnet: no registry chain

    report = import_tokenlist(write_list(tmp_path, data))

    devnet = SOLANA_CLUSTERS["devnet"]
    (rejection,) = [r for r in report["rejected"] if r["item"].startswith("chainId 103 ")]
    assert rejection == {
        "item": "chainId 103 (7 tokens: 0, 1, 2, 3, 4…)",
        "reason": f"no registry chain is {devnet.caip2}; register it (import_chains, the "
        "admin), or pass --create-chains",
        "count": 7,
    }
    assert report["rejected_items"] == 7 + SOLANA_BAD_SYMBOLS


def test_create_chains_plans_each_cluster_and_a_dry_run_names_them(tmp_path):
    data = json.loads(SOLANA.read_text())
    for token in data["tokens"][:7]:
        token["chainId"] = 103

    report = import_tokenlist(write_list(tmp_path, data), "--create-chains", "--dry-run")

    devnet = SOLANA_CLUSTERS["devnet"]
    assert report["created"]["chains"] == 2
    assert {change["item"] for change in report["changes"] if change["entity"] == "chain"} == {
        f"solana ({MAINNET.caip2}, Solana)",
        f"solana-devnet ({devnet.caip2}, Solana Devnet)",
    }
    assert report["rejected_items"] == SOLANA_BAD_SYMBOLS
    assert not Chain.objects.exists()


def test_create_chains_does_not_register_an_id_another_namespace_holds(tmp_path):
    """A Cosmos chain that was given network id 1 is not eip155:1; --create-chains cannot
    register eip155:1 beside it (the database holds one chain per network id)."""
    chain_create(
        chain_id="cosmos-one", name="Cosmos One", chain_type=ChainType.COSMOS, network_id=1
    )
    tokens = [t for t in json.loads(UNISWAP.read_text())["tokens"] if t["chainId"] == 1][:3]
    data = {**json.loads(UNISWAP.read_text()), "tokens": [{**t, "extensions": {}} for t in tokens]}

    with pytest.raises(CommandError, match="Nothing imported: all 3 items were rejected"):
        import_tokenlist(write_list(tmp_path, data), "--create-chains")

    out = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_tokenlist", str(write_list(tmp_path, data)), "--create-chains", "--json",
            stdout=out,
        )  # fmt: skip
    (rejection,) = json.loads(out.getvalue())["rejected"]
    assert rejection == {
        "item": "chainId 1 (3 tokens: 0, 1, 2)",
        "reason": "cannot register eip155:1: chain cosmos-one (Cosmos) holds its slug or "
        "network id, and it is not this chain",
        "count": 3,
    }
    assert Chain.objects.count() == 1
