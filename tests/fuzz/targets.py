"""The fuzz targets: each takes the bytes of one input, as an importer or the API reads
them, and may refuse it only with the parser's documented error.

- ``json_source``: registry.importing.parse_json, what every JSON importer reads first.
- ``token_list``: a Uniswap token list: the JSON, the list's checks, its chain ids.
- ``chain_list``: a chainlist.org chains.json: each item read as import_chains reads it.
- ``ccxt_markets``: a CCXT market snapshot: each market's terms and currencies, read
  for one of the exchanges whose precision modes the importer knows.
- ``csv_table``: registry.exchange.formats.read_csv, the CSV import's reader.
- ``page_token``: the keyset pagination cursor's decoder (a 400 is its refusal).
"""

from collections.abc import Callable
from dataclasses import dataclass

from rest_framework.exceptions import ValidationError as ApiValidationError

from assets.importers import chainlist
from assets.importers.tokenlist_checks import chain_id_convention, check_list, collect_chain_ids
from markets.importers import ccxt
from markets.importers.ccxt_terms import PRECISION_MODES
from registry.api.pagination import _decode
from registry.exchange.formats import read_csv
from registry.importing import ImportReport, ItemRejected, SourceError, parse_json
from tests.fuzz.seeds import TARGET_NAMES

EXCHANGES = sorted(PRECISION_MODES)


@dataclass(frozen=True)
class Target:
    name: str
    run: Callable[[bytes], None]
    refusals: tuple[type[BaseException], ...]  # the documented ways to refuse an input


def json_source(data: bytes) -> None:
    parse_json(data, "fuzz.json")


def token_list(data: bytes) -> None:
    tokens = check_list(parse_json(data, "fuzz.tokenlist.json"), ImportReport("fuzz"))
    collect_chain_ids(tokens)
    chain_id_convention(tokens, None)


def chain_list(data: bytes) -> None:
    items = parse_json(data, "fuzz-chains.json")
    if not isinstance(items, list):
        raise SourceError("not a chain list")  # as import_chains refuses it
    for index, item in enumerate(items):
        try:
            chainlist.parse_chain(index, item)
        except ItemRejected:
            continue


def ccxt_markets(data: bytes) -> None:
    exchange = EXCHANGES[data[0] % len(EXCHANGES)] if data else EXCHANGES[0]
    markets = ccxt.markets_of(parse_json(data[1:], "fuzz-markets.json"))
    for name, raw in markets.items():
        ccxt.snapshot_key(raw)
        try:
            ccxt.read_market(exchange, name, raw)
        except ItemRejected:
            continue


def csv_table(data: bytes) -> None:
    read_csv(data, "fuzz.csv")


def page_token(data: bytes) -> None:
    _decode(data.decode("utf-8", "replace"))


TARGETS = {
    target.name: target
    for target in (
        Target("json_source", json_source, (SourceError,)),
        Target("token_list", token_list, (SourceError,)),
        Target("chain_list", chain_list, (SourceError,)),
        Target("ccxt_markets", ccxt_markets, (SourceError,)),
        Target("csv_table", csv_table, (SourceError,)),
        Target("page_token", page_token, (ApiValidationError,)),
    )
}
assert set(TARGETS) == set(TARGET_NAMES), "each target has its seeds (tests/fuzz/seeds.py)"
