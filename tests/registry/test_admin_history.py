"""The history pages in a steward's terms: rows name what changed by symbol and name, a
change's own page uses the registry's words, the history is searched by symbol, name,
address and id, and its counts ("Show counts") are one GROUP BY per filter."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assets.services import (
    asset_create,
    asset_update,
    deployment_create,
    deployment_delete,
    group_create,
    group_member_add,
)
from chains.services import chain_create
from quality.choices import FlagType, Severity
from quality.services import flag_raise
from registry.actors import acting_as
from registry.models import ChangeEvent

pytestmark = pytest.mark.django_db

HISTORY = "/admin/registry/changeevent/"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ADDRESS = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"


@pytest.fixture
def usdc():
    """USDC on Ethereum, in a group, with a CRITICAL flag; then renamed."""
    with acting_as("user:steward", source="admin"):
        chain = chain_create(chain_id="ethereum", name="Ethereum", chain_type="EVM", network_id=1)
        asset = asset_create(symbol="USDC", name="USD Coin (old name)", asset_type="ERC20")
        asset_update(asset=asset, changes={"name": "USD Coin"})
        deployment = deployment_create(asset=asset, chain=chain, address=ADDRESS, decimals=6)
        group_member_add(group=group_create(group_id="usd", canonical_symbol="USD"), asset=asset)
        flag_raise(
            asset=asset,
            flag_type=FlagType.SCAM,
            severity=Severity.CRITICAL,
            reason="Impostor.",
            actor="user:auditor",
        )
    return asset, deployment


def cells(page: str, column: str) -> list[str]:
    """The text of a column of the change list, one entry per row."""
    return [
        " ".join(re.sub(r"<[^>]+>", "", cell).split())
        for cell in re.findall(rf'<td class="field-{column}">(.*?)</td>', page, re.S)
    ]


def test_history_rows_name_what_changed_by_symbol_and_name(admin_client, usdc):
    _, deployment = usdc
    page = admin_client.get(HISTORY).content.decode()

    objects = cells(page, "changed_object")
    assert f"USDC (USD Coin) on ethereum at {deployment.address}" in objects
    assert "Critical Scam flag on USDC (USD Coin)" in objects
    assert "USDC (USD Coin) in usd" in objects
    assert not any(UUID.search(text) for text in objects), objects
    fields = " | ".join(cells(page, "changed_fields_in_brief"))
    # A foreign key by the name of the row it points to, a choice by its label, and not
    # the row's own id (the row's name says what it is).
    assert "asset: — → USDC (USD Coin)" in fields
    assert "severity: — → Critical" in fields
    assert "flag_id" not in fields and "deployment_id" not in fields
    assert not UUID.search(fields), fields


def test_an_objects_history_names_the_rows_that_refer_to_it(admin_client, usdc):
    asset, deployment = usdc
    page = admin_client.get(f"/admin/assets/asset/{asset.pk}/history/").content.decode()
    assert f"USDC (USD Coin) on ethereum at {deployment.address}</a>" in page
    assert "Critical Scam flag on USDC (USD Coin)</a>" in page


def test_a_deleted_row_is_named_from_its_history(admin_client, usdc):
    _, deployment = usdc
    with acting_as("user:steward", source="admin"):
        deployment_delete(deployment=deployment)
    page = admin_client.get(HISTORY, {"change": "delete"}).content.decode()
    assert cells(page, "changed_object") == [f"USDC (USD Coin) on ethereum at {deployment.address}"]


def test_a_changes_page_speaks_the_registrys_terms(admin_client, usdc):
    """Not pghistory's "Pgh slug", "Pgh data", "Pgh context": when, what, who, via, fields."""
    asset, _ = usdc
    update = ChangeEvent.objects.tracks(asset).filter(pgh_label="update").get()
    page = admin_client.get(f"{HISTORY}{update.pgh_slug.replace(':', '_3A')}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "<h2>Asset changed: USDC (USD Coin)</h2>" in text
    breadcrumbs = text.split('<div class="breadcrumbs">')[1].split("</div>")[0]
    assert breadcrumbs.strip().endswith("Asset changed: USDC (USD Coin)"), breadcrumbs
    for label in ("When:", "Change:", "Object:", "Who:", "Via:", "Fields (before → after):"):
        assert f">{label}</label>" in text, label
    assert 'class="history-before">USD Coin (old name)</span>' in text
    assert "user:steward" in text
    assert not re.search(r"[Pp]gh", re.sub(r"<(script|link)[^>]*>", "", text).split("<form")[1])


@pytest.mark.parametrize(
    "object_id", ["assets.AssetEvent_3A99999999", "nothing", "assets.AssetEvent_3A1x", "x_3A1"]
)
def test_an_unknown_change_is_not_found_not_an_error(admin_client, object_id):
    response = admin_client.get(f"{HISTORY}{object_id}/change/")
    assert response.status_code == 302  # the admin's "does not exist" redirect


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        # The symbol, any case; the rename left a former name (assets.AssetName) too.
        ("usdc", {"asset", "former name", "deployment", "member", "flag"}),
        ("USD Coin (old", {"asset", "former name", "deployment", "member", "flag"}),
        (ADDRESS.lower(), {"deployment"}),  # an address, any case
        ("ethereum", {"chain", "deployment"}),  # a chain's id
        ("no such thing", set()),
        ("99999999999999999999999999", set()),  # no id of any table, and no error
    ],
)
def test_the_history_is_searched_by_symbol_name_address_and_id(admin_client, usdc, term, expected):
    with acting_as("user:steward", source="admin"):
        asset_create(symbol="DAI", name="Dai Stablecoin", asset_type="ERC20")
    response = admin_client.get(HISTORY, {"q": term})
    assert response.status_code == 200
    kinds = {
        "Asset": "asset",
        "Asset name": "former name",
        "Asset deployment": "deployment",
        "Asset group member": "member",
        "Asset quality flag": "flag",
        "Chain": "chain",
    }
    found = {
        kinds.get(change.rsplit(" ", 1)[0], change)
        for change in cells(response.content.decode(), "change")
    }
    assert found == expected, (term, found)


def test_a_deleted_deployment_is_found_by_its_address(admin_client, usdc):
    _, deployment = usdc
    with acting_as("user:steward", source="admin"):
        deployment_delete(deployment=deployment)
    page = admin_client.get(HISTORY, {"q": ADDRESS}).content.decode()
    assert cells(page, "change") == ["Asset deployment deleted", "Asset deployment created"]


def test_history_counts_are_one_group_by_per_filter(admin_client, usdc):
    """Django counts each choice of a SimpleListFilter with a subquery of the whole list
    (every change of every table, once per entity, kind, actor and source)."""
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(HISTORY, {"_facets": "1"})
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r">created \(\d+\)</a>", page)
    assert re.search(r">Asset quality flag \(1\)</a>", page)
    assert re.search(r">user:steward \(\d+\)</a>", page)
    per_choice = [
        q["sql"] for q in queries if re.search(r"FILTER \(WHERE .* IN \(SELECT", q["sql"])
    ]
    assert not per_choice, per_choice[0][:500]
    grouped = [q["sql"] for q in queries if "GROUP BY" in q["sql"]]
    assert len(grouped) == 4  # entity, change, actor, source
