"""manage.py import_chains PATH_OR_URL: an ethereum-lists/chains list into chains and their
native assets."""

from django.core.management.base import CommandError

from chains.importers import chain_list_source, import_chain_list, parse_chain_ids
from registry.importing import ImportCommand, read_json


class Command(ImportCommand):
    help = (
        "Import chains from an ethereum-lists/chains list (chainid.network chains.json), a "
        "file or URL: each mainnet (testnets with --include-testnets) by its EIP-155 id, "
        "with its explorer, its first RPC without a key placeholder, and its native "
        "currency as a NATIVE asset. Bad items are reported with their index and skipped; "
        "--strict imports nothing then."
    )
    source_kind = "chains"

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

    def run(self, options, report, progress) -> None:
        try:
            only = parse_chain_ids(options["only"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        import_chain_list(
            read_json(options["source"]),
            report,
            source=chain_list_source(options["source"]),
            only=only,
            include_testnets=options["include_testnets"],
            dry_run=options["dry_run"],
            strict=options["strict"],
            batch_size=options["batch_size"],
            progress=progress,
        )
