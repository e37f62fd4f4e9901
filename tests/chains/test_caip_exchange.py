"""CAIP ids in the CSV exchange: exported as read-only columns (``caip2`` of a chain,
``caip19`` of a deployment), and checked on import: a filled cell that is not the id the
row's own fields make refuses the row, naming the column."""

import pytest

from assets.models import AssetDeployment
from chains.models import Chain
from tests.registry.test_csv_exchange import csv_rows, export_text, import_csv, write_csv

pytestmark = pytest.mark.django_db

USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"


def test_exports_carry_the_caip_ids(demo):
    chains = {row["chain_id"]: row for row in csv_rows(export_text("chains"))}
    assert chains["ethereum"]["caip2"] == "eip155:1"
    deployments = {row["address"]: row for row in csv_rows(export_text("deployments"))}
    assert deployments[USDC]["caip19"] == f"eip155:1/erc20:{USDC.lower()}"
    for row in deployments.values():
        stored = AssetDeployment.objects.select_related("chain", "asset").get(
            pk=row["deployment_id"]
        )
        assert row["caip19"] == (stored.caip19 or "")


def test_a_deployment_row_whose_caip19_is_not_its_own_is_refused(demo, tmp_path):
    rows = csv_rows(export_text("deployments"))
    usdc = next(row for row in rows if row["address"] == USDC)
    other = next(row for row in rows if row["caip19"] and row["address"] != USDC)
    path = write_csv(
        tmp_path / "deployments.csv",
        [
            {**usdc, "decimals": "7", "caip19": other["caip19"]},  # another deployment's
            {
                **usdc,
                "address": USDC.lower(),
                "caip19": usdc["caip19"]
                .upper()
                .replace("EIP155", "eip155")
                .replace("ERC20", "erc20"),
            },  # its own, in upper case
        ],
    )

    report = import_csv("deployments", path)

    assert report["rejected"] == [
        {
            "item": "line 2",
            "reason": f"caip19: {other['caip19']} is not the id the row's own fields make "
            f"({usdc['caip19']}); correct the row, or empty the cell.",
        }
    ]
    assert AssetDeployment.objects.get(pk=usdc["deployment_id"]).decimals == 6


def test_a_malformed_caip19_cell_is_refused_naming_it(demo, tmp_path):
    usdc = next(row for row in csv_rows(export_text("deployments")) if row["address"] == USDC)
    path = write_csv(tmp_path / "deployments.csv", [{**usdc, "caip19": "eip155:1"}])
    report = import_csv("deployments", path, nothing_imported=True)
    assert report["rejected"][0]["reason"].startswith("caip19: ")


def test_a_chain_row_whose_caip2_is_not_its_own_is_refused(demo, tmp_path):
    chains = {row["chain_id"]: row for row in csv_rows(export_text("chains"))}
    ethereum = chains["ethereum"]
    path = write_csv(
        tmp_path / "chains.csv",
        [
            {**ethereum, "network_id": "5"},  # the id still says eip155:1
            {**chains["base"], "caip2": ""},  # an empty cell is not checked
        ],
    )
    report = import_csv("chains", path)
    assert [row["item"] for row in report["rejected"]] == ["line 2"]
    assert report["rejected"][0]["reason"].startswith("caip2: eip155:1 is not the id")
    assert "(eip155:5)" in report["rejected"][0]["reason"]
    assert Chain.objects.get(pk="ethereum").network_id == 1
