"""manage.py import_tokenlist PATH_OR_URL: a token list into assets and deployments."""

from assets.importers import tokenlist
from assets.importers.tokenlist_checks import CONVENTIONS
from registry.importing import ImportCommand


class Command(ImportCommand):
    help = (
        "Import a token list (tokenlists.org / Uniswap format) from a file or URL: one asset "
        "per token (chain, address), bridgeInfo addresses as deployments of the same asset. "
        "Bad tokens are reported with their index and skipped; --strict imports nothing then."
    )
    source_kind = "tokenlist"
    importer = tokenlist

    def add_source_arguments(self, parser) -> None:
        parser.add_argument("source", help="Path or http(s) URL of the token list JSON.")
        parser.add_argument(
            "--create-chains",
            action="store_true",
            help="Register chains the list names by chainId but the registry lacks.",
        )
        parser.add_argument(
            "--chain-ids",
            choices=list(CONVENTIONS),
            help="How the list numbers chains: eip155 (the Token Lists standard: EIP-155 "
            "chain ids, 501000101 for Solana) or solana (the Solana token list: 101, 102, "
            "103 are the clusters mainnet-beta, testnet, devnet). Default: read from the "
            "list; the report says which was used.",
        )

    def describe_source(self, options: dict) -> str:
        return options["source"]

    def plan_options(self, options: dict) -> dict:
        return {
            "overwrite": options["overwrite"],
            "create_chains": options["create_chains"],
            "chain_ids": options["chain_ids"],
        }
