"""manage.py import_chains PATH_OR_URL: an ethereum-lists/chains list into chains and their
native assets."""

from django.core.management.base import CommandError

from assets.importers import chainlist
from registry.importing import ImportCommand


class Command(ImportCommand):
    help = (
        "Import chains from an ethereum-lists/chains list (chainid.network chains.json), a "
        "file or URL: each mainnet (testnets with --include-testnets) by its EIP-155 id, "
        "with its explorer, its first RPC without a key placeholder, and its native "
        "currency as a NATIVE asset. Bad items are reported with their index and skipped; "
        "--strict imports nothing then."
    )
    source_kind = "chains"
    importer = chainlist

    def add_source_arguments(self, parser) -> None:
        parser.add_argument("source", help="Path or http(s) URL of the chains JSON array.")
        parser.add_argument(
            "--include-testnets",
            action="store_true",
            help="Import testnets too (by default only mainnets: a testnet's native asset "
            "would make real currencies such as USDT or XRP ambiguous).",
        )
        parser.add_argument(
            "--only",
            metavar="CHAIN_ID[,CHAIN_ID]",
            help="Import only these EIP-155 chain ids, e.g. --only 1,10,8453.",
        )

    def describe_source(self, options: dict) -> str:
        return options["source"]

    def plan_options(self, options: dict) -> dict:
        try:
            only = chainlist.parse_chain_ids(options["only"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        return {
            "source": chainlist.chain_list_source(options["source"]),
            "only": only,
            "include_testnets": options["include_testnets"],
        }
