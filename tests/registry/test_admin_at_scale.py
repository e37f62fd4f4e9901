"""The admin at the registry's real size: the full chain list's 2,000 chains, 100,000 assets,
and thousands of venues, groups, flag sources and protocols.

Every change list answers, with and without "Show counts" (facets), and no filter lists
thousands of links: filters over large related sets are autocompletes, filters over
free text list their most frequent values, and facets are counted with a bounded number
of columns (PostgreSQL refuses a SELECT of more than 1,664).
"""

import re

import pytest
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.db import connection, models
from django.urls import reverse

from registry.admin_filters import FrequentValuesFilter, RelatedSearchFilter
from tests.scale import load_registry_at_scale

pytestmark = pytest.mark.django_db

OUR_APPS = {"registry", "chains", "assets", "venues", "quality"}
# The most filter choices (links and options) a list may render, all filters together.
MAX_FILTER_CHOICES = 80


def our_admins():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in OUR_APPS
    ]


def changelist_url(app_label: str, model_name: str) -> str:
    return reverse(f"admin:{app_label}_{model_name}_changelist")


def filter_choices(page: str) -> int:
    """How many choices the filter sidebar offers (links and options)."""
    sidebar = re.search(r'<nav id="changelist-filter".*?</nav>', page, re.S)
    return len(re.findall(r"<li|<option", sidebar.group(0))) if sidebar else 0


def listed_ids(page: str) -> list[str]:
    return re.findall(r'name="_selected_action" value="([^"]+)"', page)


def test_every_filter_over_a_growing_set_is_searchable():
    """A filter over a relation is an autocomplete, over a free-text column a list of the
    most frequent values: none lists every value of a set that grows with the data."""
    for model, model_admin in our_admins():
        for entry in model_admin.list_filter:
            if not isinstance(entry, (str, tuple)):
                continue  # a SimpleListFilter: its lookups are its own (checked at scale)
            path, filter_class = (entry, None) if isinstance(entry, str) else entry
            field = get_fields_from_path(model, path)[-1]
            where = f"{type(model_admin).__name__}.list_filter {path!r}"
            if field.is_relation:
                assert filter_class is not None and issubclass(filter_class, RelatedSearchFilter), (
                    f"{where}: a related set, filter it with RelatedSearchFilter"
                )
            elif isinstance(field, (models.CharField, models.TextField)) and not field.choices:
                assert filter_class is not None and issubclass(
                    filter_class, FrequentValuesFilter
                ), f"{where}: free text, filter it with FrequentValuesFilter"


def test_every_list_answers_with_and_without_counts_at_2000_chains_and_100000_assets(
    admin_client,
):
    """No 500 (``target lists can have at most 1664 entries``), and no filter sidebar of
    thousands of links; the searchable filters find and filter by any of the 2,000."""
    scale = load_registry_at_scale()
    with connection.cursor() as cursor:
        # A list that regresses to reading the world fails here instead of hanging.
        cursor.execute("SET LOCAL statement_timeout = '60s'")

    for model, _ in our_admins():
        url = changelist_url(model._meta.app_label, model._meta.model_name)
        for query in ({}, {"_facets": "1"}):
            response = admin_client.get(url, query)
            assert response.status_code == 200, (url, query)
            page = response.content.decode()
            assert filter_choices(page) <= MAX_FILTER_CHOICES, (url, query)

    # Counts are shown: by enum, by the free-text column's values, by the annotation.
    assets = admin_client.get(changelist_url("assets", "asset"), {"_facets": "1"})
    page = assets.content.decode()
    assert f"ERC-20 ({scale.assets})" in page
    assert "Info (400)" in page  # one active flag per 50 assets, severities in turn
    flags = admin_client.get(changelist_url("quality", "assetqualityflag"), {"_facets": "1"})
    assert re.search(r"auditor-\d+ \(1\)", flags.content.decode())

    # The chain filter is one search box; it searches the 2,000 chains, and filters by any.
    deployments_url = changelist_url("assets", "assetdeployment")
    page = admin_client.get(deployments_url).content.decode()
    assert 'data-lookup-kwarg="chain__chain_id__exact"' in page
    found = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "assets",
            "model_name": "assetdeployment",
            "field_name": "chain",
            "term": "chain-1999",
        },
    ).json()
    assert [result["id"] for result in found["results"]] == ["chain-1999"]
    on_chain = admin_client.get(
        changelist_url("assets", "asset"),
        {"deployments__chain__chain_id__exact": "chain-7", "_facets": "1"},
    )
    assert on_chain.status_code == 200
    assert len(listed_ids(on_chain.content.decode())) == scale.assets // scale.chains

    # A free-text value that is not among the most frequent is typed into the box.
    by_protocol = admin_client.get(
        changelist_url("assets", "assetrelationship"),
        {"protocol__exact": "protocol-1234", "_facets": "1"},
    )
    assert len(listed_ids(by_protocol.content.decode())) == 1
    assert "protocol-1234 (1)" in by_protocol.content.decode()
