"""What every importer's report and exit say (registry.importing), through the commands.

The sources are the fixtures of the importers' own tests (tests/fixtures), some edited
in a temporary copy to break them.
"""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from assets.models import Asset
from chains.choices import ChainType
from chains.models import Chain
from chains.services import chain_create
from registry.importing import ImportReport, SourceSyntaxError, read_json

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
UNISWAP = FIXTURES / "uniswap-1000.tokenlist.json"
CHAINS = FIXTURES / "chains-sample.json"
KRAKEN = FIXTURES / "ccxt" / "kraken.json"


def command(name: str, *args: str) -> tuple[str, CommandError | None]:
    """Run a command; what it printed, and the error it exited with (None: exit 0)."""
    out = StringIO()
    try:
        call_command(name, *args, "--no-progress", stdout=out)
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


def write(tmp_path: Path, data, name: str = "source.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


# --- exit status --------------------------------------------------------------------


@pytest.mark.parametrize("dry_run", [(), ("--dry-run",)], ids=["real", "dry-run"])
def test_a_list_whose_every_token_is_rejected_exits_non_zero(dry_run):
    """No chain is registered, so every token of the list is rejected: the report is
    printed, and the command fails (a dry run says so too)."""
    text, error = command("import_tokenlist", str(UNISWAP), *dry_run)

    assert error is not None and error.returncode == 1
    nothing = "Nothing would be imported" if dry_run else "Nothing imported"
    assert str(error) == f"{nothing}: all 1,000 items were rejected (the report says why)."
    assert "rejected: 1,000\n" in text
    assert not Asset.objects.exists()


def test_a_run_that_imports_something_exits_zero_even_with_rejections():
    chain_create(chain_id="ethereum", name="Ethereum", chain_type=ChainType.EVM, network_id=1)

    text, error = command("import_tokenlist", str(UNISWAP))

    assert error is None
    assert "rejected: " in text and "rejected: 0" not in text


def test_strict_exits_non_zero_when_anything_is_rejected_and_counts_items():
    """The one rejection for tokens on unregistered chains counts every token it covers."""
    chain_create(chain_id="ethereum", name="Ethereum", chain_type=ChainType.EVM, network_id=1)
    on_other_chains = sum(1 for t in json.loads(UNISWAP.read_text())["tokens"] if t["chainId"] != 1)

    text, error = command("import_tokenlist", str(UNISWAP), "--strict", "--dry-run")

    assert str(error) == f"{on_other_chains} items rejected; nothing would be imported."
    assert f"rejected: {on_other_chains:,}\n" in text
    text, error = command("import_tokenlist", str(UNISWAP), "--strict")
    assert str(error) == f"{on_other_chains} items rejected; nothing imported."
    assert not Asset.objects.exists()


def test_a_chain_list_of_testnets_only_imports_nothing_and_says_why(tmp_path):
    testnets = [item for item in json.loads(CHAINS.read_text()) if "Sepolia" in item["name"]]

    text, error = command("import_chains", str(write(tmp_path, testnets)))

    assert str(error) == f"Nothing imported: none of the {len(testnets)} items was selected."
    assert "testnets left out (--include-testnets imports them)" in text
    assert not Chain.objects.exists()


def test_a_market_snapshot_whose_every_market_is_rejected_exits_non_zero(demo, tmp_path):
    snapshot = json.loads(KRAKEN.read_text())
    for market in snapshot.values():
        market["base"] = "NOSUCHCOIN"
        market["baseId"] = market["info"]["base"] = "XNOSUCH"  # the venue's own word too

    text, error = command("import_markets", "--venue", "kraken", str(write(tmp_path, snapshot)))

    assert (
        str(error)
        == f"Nothing imported: all {len(snapshot)} items were rejected (the report says why)."
    )
    assert text.count("unknown currency NOSUCHCOIN") == len(snapshot)


def test_a_second_run_that_changes_nothing_exits_zero():
    chain_create(chain_id="ethereum", name="Ethereum", chain_type=ChainType.EVM, network_id=1)
    command("import_tokenlist", str(UNISWAP))

    _, error = command("import_tokenlist", str(UNISWAP))

    assert error is None


# --- the report --------------------------------------------------------------------------


def test_like_warnings_are_one_line_with_a_count_and_examples():
    report = ImportReport(source="test")
    for index in range(12):
        report.warn("tags: each item must be letters", f"token {index}")
        report.warn("tags: each item must be letters", f"token {index}")  # the same token
    report.warn("said once", "token 3")
    report.warn("said without an example")
    report.warnings.append("a plain warning")

    assert report.warning_lines() == [
        "a plain warning",
        "tags: each item must be letters (12: token 0, token 1, token 2, token 3, token 4 "
        "and 7 more)",
        "said once: token 3",
        "said without an example",
    ]
    assert report.as_dict()["warnings"] == report.warning_lines()
    assert "  warnings: 4" in report.summary()


def test_a_rejection_covering_many_items_counts_them_in_text_and_json():
    report = ImportReport(source="test", items=700)
    report.reject("chainId 5 (614 tokens: 1, 2, 3, 4, 5…)", "no chain", count=614)
    report.reject("token 9 (X on 1)", "symbol: must be …")

    assert report.rejected_items == 615
    assert "  rejected: 615" in report.summary()
    data = report.as_dict()
    assert data["rejected_items"] == 615
    assert data["rejected"] == [
        {"item": "chainId 5 (614 tokens: 1, 2, 3, 4, 5…)", "reason": "no chain", "count": 614},
        {"item": "token 9 (X on 1)", "reason": "symbol: must be …"},
    ]


def test_a_dry_run_names_each_change_and_the_fields_of_an_update():
    report = ImportReport(source="test", dry_run=True)
    report.change("update", "chain", "eth (chain 0, Ethereum Mainnet)", ["rpc_url", "name"])
    report.change("create", "chain", "base (chain 3, Base)")

    lines = report.summary()

    assert "  would update chains: 1" in lines
    assert "    eth (chain 0, Ethereum Mainnet): rpc_url, name" in lines
    assert "  would create chains: 1" in lines
    assert "    base (chain 3, Base)" in lines
    assert report.as_dict()["changes"][0] == {
        "action": "update",
        "entity": "chain",
        "item": "eth (chain 0, Ethereum Mainnet)",
        "fields": ["rpc_url", "name"],
    }


# --- syntax errors -------------------------------------------------------------------


def test_broken_json_is_named_by_line_and_column_with_the_line(tmp_path):
    path = tmp_path / "list.json"
    path.write_text('{\n  "name": "My List",\n  "tokens": [\n    {"chainId": 1,}\n  ]\n}')

    text, error = command("import_tokenlist", str(path))

    assert str(error) == (
        f"Nothing imported: {path} is not valid JSON: line 4, column 19: expected a key in "
        "double quotes (a trailing comma, or a key in single quotes?)\n"
        '        {"chainId": 1,}\n'
        "                      ^"
    )
    assert text == ""


def test_a_file_that_is_not_utf8_is_named_by_its_first_bad_byte(tmp_path):
    path = tmp_path / "chains.json"
    path.write_bytes(b'[\n  {"name": "Caf\xe9"}\n]')

    with pytest.raises(SourceSyntaxError) as caught:
        read_json(str(path))

    assert str(caught.value) == (
        f"{path} is not valid JSON: line 2, column 16: byte 0xe9 is not UTF-8 text (save the "
        "file as UTF-8)"
    )
    assert (caught.value.line, caught.value.column) == (2, 16)


def test_a_syntax_error_of_any_format_reads_the_same():
    """What a CSV reader raises for an unclosed quote (the CSV importer's case)."""
    error = SourceSyntaxError(
        "assets.csv",
        "CSV",
        "a quoted field is never closed (the quote opened here)",
        line=7,
        column=6,
        text='USDC,"USD Coin,6',
    )

    assert str(error) == (
        "assets.csv is not valid CSV: line 7, column 6: a quoted field is never closed (the "
        'quote opened here)\n    USDC,"USD Coin,6\n         ^'
    )


def test_a_long_line_shows_the_window_around_the_column(tmp_path):
    path = tmp_path / "list.json"
    path.write_text('{"tokens": [' + ", ".join(["1"] * 200) + ", ]}")

    with pytest.raises(SourceSyntaxError) as caught:
        read_json(str(path))

    excerpt, caret = str(caught.value).split("\n")[1:]
    assert excerpt.startswith("    …") and excerpt.endswith(", ]}")
    assert excerpt[caret.index("^")] == "]"


def test_json_nested_thousands_deep_is_a_source_error_not_a_crash():
    """json gives up on such nesting with a RecursionError, which crashed every JSON
    import with a traceback (found by the fuzzer, tests/fuzz)."""
    from registry.importing import SourceSyntaxError, parse_json

    with pytest.raises(SourceSyntaxError, match="nested too deeply"):
        parse_json(b"[" * 3000 + b"]" * 3000, "deep.json")
