"""Every admin page works for the roles that may use it and is refused to the others
(issue #7), and every changelist's search, filters and foreign-key widgets work on the
demo data.

What each role may do is written out below (``STEWARD_ADDS`` …), not read from the
admins' own ``has_*_permission``: the tests check the admins against the roles, so an
admin registered later fails until it is classified here.
"""

import html
import re
from io import StringIO

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.admin.widgets import (
    AutocompleteSelect,
    ForeignKeyRawIdWidget,
    RelatedFieldWidgetWrapper,
)
from django.contrib.auth.models import Group, User
from django.core.exceptions import FieldDoesNotExist
from django.core.management import call_command
from django.db import models, transaction
from django.test import Client, RequestFactory, TestCase
from django.urls import reverse
from knox.models import AuthToken

from assets.models import Asset
from quality.models import AssetQualityFlag
from registry.roles import AUDITOR, STEWARD, VIEWER
from tests.factories import AssetQualityFlagFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_once")]

# Reference data: a Steward adds, changes and deletes it.
STEWARD_ADDS = {
    "chains.chain",
    "assets.asset",
    "assets.assetidentifier",
    "assets.assetdeployment",
    "assets.assetrelationship",
    "assets.assetgroup",
    "assets.assetgroupmember",
    "venues.venue",
    "venues.venueasset",
    "markets.instrument",
    "markets.market",
    "markets.venuesymbol",
}
# Quality flags: an Auditor raises (adds) and resolves (changes) them.
AUDITOR_ADDS = {"quality.assetqualityflag"}
# Read only for everyone: the writes record them.
NOBODY_ADDS = {
    "assets.assetname",
    "registry.fieldsource",
    "registry.outboxevent",
    "registry.changeevent",
}
# Accounts and login records (django-axes): superusers only, no role sees them.
LOGIN_RECORDS = {"axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"}
NO_ROLE_VIEWS = {"auth.user", "auth.group", "knox.authtoken", *LOGIN_RECORDS}
# What every role reads (Viewer, and so Steward and Auditor).
ROLE_VIEWS = STEWARD_ADDS | AUDITOR_ADDS | NOBODY_ADDS
# Mappings and flags are history: never deleted, not even by the role that adds them.
NEVER_DELETED = {"markets.market", "markets.venuesymbol", "quality.assetqualityflag"}

# What each role may add (and change); the groups a staff user of that role is in.
ROLE_ADDS = {"viewer": set(), "steward": STEWARD_ADDS, "auditor": AUDITOR_ADDS}
ROLE_DELETES = {"viewer": set(), "steward": STEWARD_ADDS - NEVER_DELETED, "auditor": set()}
ROLE_GROUPS = {
    "viewer": (VIEWER,),
    "steward": (VIEWER, STEWARD),
    "auditor": (VIEWER, AUDITOR),
}

REGISTERED = {model._meta.label_lower: model for model in admin.site._registry}
LABELS = sorted(REGISTERED)
ROLES = sorted(ROLE_GROUPS)

# A term a user would search each changelist for, that the demo data matches.
SEARCH_TERMS = {
    "auth.user": "admin",
    "auth.group": "Steward",
    "knox.authtoken": "market-data",
    **dict.fromkeys(LOGIN_RECORDS, "intruder"),
    "registry.outboxevent": "binance",  # the entity id of the venue's events
    "registry.changeevent": "binance",
    "registry.fieldsource": "ethereum",  # the sources of the chain's fields
    "chains.chain": "ethereum",
    "quality.assetqualityflag": "USDC",
    "assets.asset": "USDC",
    "assets.assetidentifier": "usd-coin",
    "assets.assetdeployment": "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
    "assets.assetrelationship": "stETH",
    "assets.assetgroup": "eth",
    "assets.assetgroupmember": "WETH",
    "assets.assetname": "LUNA",  # Terra's old LUNA, LUNC since 2022-05-28
    "venues.venue": "binance",
    "venues.venueasset": "XXBT",
    "markets.instrument": "BTC-USD",
    "markets.market": "BTCUSDT",
    "markets.venuesymbol": "BTCUSDT",
}
# Terms typed into any changelist: a symbol, an address in lower case, two words.
ANY_TERMS = ("USDC", "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", "bitcoin binance")

USDC_ADDRESS = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"


@pytest.fixture(scope="module")
def demo_once(django_db_setup, django_db_blocker):
    """The demo data and the role users, loaded once for the module in a transaction that
    is rolled back at its end; each test runs in a savepoint inside it (as Django's
    TestCase.setUpTestData does), so loading the demo for every one of the many pages
    is not paid for each."""
    with django_db_blocker.unblock(), transaction.atomic():
        with TestCase.captureOnCommitCallbacks(execute=True):
            call_command("load_demo", stdout=StringIO())
            for role, groups in ROLE_GROUPS.items():
                make_user(role, groups)
            make_user("outsider", (VIEWER, STEWARD), is_staff=False)
            # No password: hashing one costs more than a page.
            User.objects.create_superuser(username="admin", email="", password=None)
            AuthToken.objects.create(user=make_user("market-data", (VIEWER,), is_staff=False))
            make_login_records("intruder")
        yield
        transaction.set_rollback(True)


def make_user(username: str, groups: tuple[str, ...], is_staff: bool = True) -> User:
    user = User.objects.create_user(username=username, is_staff=is_staff)
    found = Group.objects.filter(name__in=groups)
    assert sorted(group.name for group in found) == sorted(groups), "a role group is missing"
    user.groups.set(found)
    return user


def make_login_records(username: str) -> None:
    """One row of each of django-axes' records, as failed and successful logins leave."""
    seen = {
        "username": username,
        "ip_address": "192.0.2.7",
        "user_agent": "curl/8",
        "path_info": "/admin/login/",
    }
    AccessAttempt.objects.create(**seen, get_data="", post_data="", failures_since_start=5)
    AccessFailureLog.objects.create(**seen, locked_out=True)
    AccessLog.objects.create(**seen)


def logged_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


@pytest.fixture
def as_role():
    return logged_in


@pytest.fixture
def superuser_client():
    return logged_in("admin")


@pytest.fixture
def superuser():
    return User.objects.get(username="admin")


def url(label: str, page: str, *args) -> str:
    app_label, model_name = label.split(".")
    return reverse(f"admin:{app_label}_{model_name}_{page}", args=args)


def superuser_request(superuser, path: str = "/admin/"):
    request = RequestFactory().get(path)
    request.user = superuser
    return request


def existing(label: str, superuser):
    """An object the admin lists (the demo's, or the module's users and token)."""
    model = REGISTERED[label]
    found = admin.site._registry[model].get_queryset(superuser_request(superuser))
    obj = found.order_by("pk").first()
    assert obj is not None, f"no {label} in the demo data to open"
    return obj


# A raised flag is fixed: its page saves nothing (resolving it is a button of its own).
FIXED_ONCE_MADE = {"quality.assetqualityflag"}


def can_save(response) -> bool:
    """Whether the page offers to save: a view-only change page shows only "Close"."""
    return 'name="_save"' in response.content.decode()


# The table is complete.


def test_every_registered_admin_is_classified():
    """A new admin fails here until the table says who may add to it."""
    classified = STEWARD_ADDS | AUDITOR_ADDS | NOBODY_ADDS | NO_ROLE_VIEWS
    assert set(REGISTERED) - classified == set(), "classify the new admin(s) above"
    assert classified - set(REGISTERED) == set(), "the table names admins not registered"
    groups = (STEWARD_ADDS, AUDITOR_ADDS, NOBODY_ADDS, NO_ROLE_VIEWS)
    assert sum(len(group) for group in groups) == len(classified), "classified twice"


# The index lists what each role reads.

CHANGELIST_LINK = re.compile(r'href="/admin/(\w+)/(\w+)/"')


@pytest.mark.parametrize("role", ROLES)
def test_the_index_lists_every_registry_model_and_no_account_model(role, as_role):
    response = as_role(role).get(reverse("admin:index"))
    assert response.status_code == 200
    listed = {f"{app}.{model}" for app, model in CHANGELIST_LINK.findall(response.content.decode())}
    assert listed == ROLE_VIEWS


# 1-3. Each role's pages: list, add, change (editable or view only), history, delete.


@pytest.mark.parametrize("label", LABELS)
@pytest.mark.parametrize("role", ROLES)
def test_changelist_is_shown_to_every_role_and_refused_for_accounts(role, label, as_role):
    response = as_role(role).get(url(label, "changelist"))
    assert response.status_code == (200 if label in ROLE_VIEWS else 403)


@pytest.mark.parametrize("label", LABELS)
@pytest.mark.parametrize("role", ROLES)
def test_add_page_is_shown_only_to_the_role_that_adds(role, label, as_role):
    response = as_role(role).get(url(label, "add"))
    assert response.status_code == (200 if label in ROLE_ADDS[role] else 403)


@pytest.mark.parametrize("label", LABELS)
@pytest.mark.parametrize("role", ROLES)
def test_change_page_is_editable_only_for_the_role_that_changes(role, label, as_role, superuser):
    """Every role opens every registry object; only the role that may change it can save."""
    obj = existing(label, superuser)
    response = as_role(role).get(url(label, "change", obj.pk))
    if label not in ROLE_VIEWS:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    saves = label in ROLE_ADDS[role] and label not in FIXED_ONCE_MADE
    assert can_save(response) == saves, "the Save button does not match the role"


@pytest.mark.parametrize("label", sorted(ROLE_VIEWS - NOBODY_ADDS))
@pytest.mark.parametrize("role", ROLES)
def test_history_page_is_shown_to_every_role(role, label, as_role, superuser):
    obj = existing(label, superuser)
    assert as_role(role).get(url(label, "history", obj.pk)).status_code == 200


@pytest.mark.parametrize("label", LABELS)
@pytest.mark.parametrize("role", ROLES)
def test_delete_page_is_shown_only_to_the_role_that_deletes(role, label, as_role, superuser):
    """The confirmation page (a GET deletes nothing)."""
    obj = existing(label, superuser)
    response = as_role(role).get(url(label, "delete", obj.pk))
    assert response.status_code == (200 if label in ROLE_DELETES[role] else 403)


# 2. A Viewer's post changes nothing.


def change_form(client, change_url: str) -> dict:
    """The change form's values as a browser that may change it sends them back."""
    form = client.get(change_url).context["adminform"].form
    values = {key: value for key, value in form.initial.items() if value is not None}
    return {**values, "metadata": "{}"}


@pytest.mark.parametrize("label", sorted(STEWARD_ADDS | AUDITOR_ADDS))
def test_a_viewer_post_to_a_change_page_is_refused(label, as_role, superuser):
    obj = existing(label, superuser)
    change = url(label, "change", obj.pk)
    form = change_form(logged_in("admin"), change)
    response = as_role("viewer").post(change, form)
    assert response.status_code == 403
    assert type(obj)._base_manager.get(pk=obj.pk).version == obj.version


NO_INLINE_ROWS = {
    f"{prefix}-{suffix}": value
    for prefix in ("deployments", "identifiers")
    for suffix, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))
}


@pytest.mark.parametrize(
    ("role", "allowed"), [("viewer", False), ("auditor", False), ("steward", True)]
)
def test_renaming_an_asset_is_refused_unless_steward(role, allowed, as_role):
    """The same post that renames the asset for a Steward writes nothing for the others."""
    usdt = Asset.objects.with_identifier("COINGECKO", "tether").get()
    change = url("assets.asset", "change", usdt.pk)
    form = {**change_form(logged_in("steward"), change), **NO_INLINE_ROWS, "name": "Renamed"}
    response = as_role(role).post(change, form)
    stored = Asset.all_objects.get(pk=usdt.pk)
    if allowed:
        assert response.status_code == 302, response.content[:2000]
        assert (stored.name, stored.version) == ("Renamed", usdt.version + 1)
    else:
        assert response.status_code == 403
        assert (stored.name, stored.version) == ("Tether USD", usdt.version)


# 3. An Auditor raises and resolves flags.


RESOLVE_BUTTON = "Resolve this flag…"


def resolve_from_its_page(client, flag, notes: str):
    """What the flag page's "Resolve this flag" button posts, with the notes its page asks."""
    return client.post(
        url("quality.assetqualityflag", "changelist"),
        {
            "action": "resolve_selected",
            "_selected_action": [flag.pk],
            "_return_to_flag": "1",
            "notes": notes,
            "post": "yes",
        },
    )


def test_an_auditor_resolves_an_active_flag_with_its_button_not_its_form(as_role):
    """The flag's page has no notes to write and nothing to save; its button resolves."""
    flag = AssetQualityFlag.objects.active().get()
    change = url("quality.assetqualityflag", "change", flag.pk)
    auditor = as_role("auditor")
    page = auditor.get(change)
    assert page.status_code == 200
    assert '<textarea name="resolution_notes"' not in page.content.decode()
    assert not can_save(page)
    assert RESOLVE_BUTTON in page.content.decode()
    # Notes posted to the flag's form are no resolution.
    auditor.post(change, {"resolution_notes": "Taken down by the issuer"})
    flag.refresh_from_db()
    assert (flag.is_active, flag.resolution_notes) == (True, "")

    response = resolve_from_its_page(auditor, flag, "Taken down by the issuer")

    assert response.status_code == 302 and response["Location"] == change
    flag.refresh_from_db()
    assert (flag.is_active, flag.resolved_by) == (False, "user:auditor")
    assert RESOLVE_BUTTON not in auditor.get(change).content.decode()  # resolved: no button


@pytest.mark.parametrize("role", ["viewer", "steward"])
def test_resolving_a_flag_is_refused_for_viewers_and_stewards(role, as_role):
    flag = AssetQualityFlag.objects.active().get()
    change = url("quality.assetqualityflag", "change", flag.pk)
    client = as_role(role)
    assert RESOLVE_BUTTON not in client.get(change).content.decode()
    assert client.post(change, {"resolution_notes": "Not a scam"}).status_code == 403
    resolve_from_its_page(client, flag, "Not a scam")
    stored = AssetQualityFlag.objects.get(pk=flag.pk)
    assert (stored.is_active, stored.version) == (True, flag.version)


# 4. Not staff, or not logged in: the login page.


@pytest.mark.parametrize("page", ["index", "changelist", "add"])
@pytest.mark.parametrize("label", LABELS)
@pytest.mark.parametrize("who", ["anonymous", "not-staff"])
def test_anonymous_and_non_staff_users_are_sent_to_log_in(who, label, page):
    client = Client() if who == "anonymous" else logged_in("outsider")
    target = reverse("admin:index") if page == "index" else url(label, page)
    response = client.get(target)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login") + "?next="), response.url


# 5. Search and every filter link of every changelist.


def searchable(label: str) -> bool:
    model = REGISTERED[label]
    return bool(admin.site._registry[model].search_fields)


def test_every_searchable_changelist_has_a_realistic_term():
    assert {label for label in LABELS if searchable(label)} <= set(SEARCH_TERMS)


@pytest.mark.parametrize("label", [label for label in LABELS if searchable(label)])
def test_changelist_search_finds_the_demo_term(label, superuser_client):
    response = superuser_client.get(url(label, "changelist"), {"q": SEARCH_TERMS[label]})
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) > 0, f"{SEARCH_TERMS[label]!r} found nothing"


@pytest.mark.parametrize("term", ANY_TERMS)
@pytest.mark.parametrize("label", [label for label in LABELS if searchable(label)])
def test_changelist_search_takes_any_term(label, term, superuser_client):
    """A term that fits no field of the admin (an address in the outbox's UUID search)
    finds nothing; it is not an error."""
    assert superuser_client.get(url(label, "changelist"), {"q": term}).status_code == 200


FILTER_NAV = re.compile(r'<nav id="changelist-filter".*?</nav>', re.DOTALL)
HREF = re.compile(r'href="([^"]*)"')


def filter_links(page: str) -> list[str]:
    nav = FILTER_NAV.search(page)
    return [html.unescape(href) for href in HREF.findall(nav.group(0))] if nav else []


@pytest.mark.parametrize(
    "label", [label for label in LABELS if admin.site._registry[REGISTERED[label]].list_filter]
)
def test_every_filter_choice_of_every_changelist_works(label, superuser_client):
    changelist = url(label, "changelist")
    links = filter_links(superuser_client.get(changelist).content.decode())
    assert links, "the changelist shows no filter links"
    broken = {}
    for link in links:
        status = superuser_client.get(changelist + link).status_code
        if status != 200:
            broken[link] = status  # 302 to ?e=1 is the admin's "bad lookup"
    assert broken == {}


# 6. One search box finds an asset by anything a user knows of it.


@pytest.mark.parametrize(
    ("term", "source", "external_id"),
    [
        ("usdc", "COINGECKO", "usd-coin"),
        ("USD Coin", "COINGECKO", "usd-coin"),
        ("stETH", "COINGECKO", "staked-ether"),
        (USDC_ADDRESS, "COINGECKO", "usd-coin"),
        (USDC_ADDRESS.lower(), "COINGECKO", "usd-coin"),
        ("0x" + USDC_ADDRESS[2:].upper(), "COINGECKO", "usd-coin"),
        ("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", "COINGECKO", "usd-coin"),
        ("usd-coin", "COINGECKO", "usd-coin"),
        ("wrapped-steth", "COINGECKO", "wrapped-steth"),
        ("demo-counterfeit-usdc", "INTERNAL", "demo-counterfeit-usdc"),
        ("BTCUSDT", "COINGECKO", "bitcoin"),
        ("btcusdt", "COINGECKO", "bitcoin"),
        ("XXBTZUSD", "COINGECKO", "bitcoin"),
        ("ETH-USD", "COINGECKO", "ethereum"),
    ],
)
def test_asset_search_finds_the_asset(term, source, external_id, as_role):
    wanted = Asset.objects.with_identifier(source, external_id).get()
    response = as_role("steward").get(url("assets.asset", "changelist"), {"q": term})
    assert response.status_code == 200
    found = list(response.context["cl"].result_list)
    assert wanted in found, f"{term!r} found {[asset.symbol for asset in found]}"
    assert len(found) == len(set(found)), "an asset is listed twice"


# 7. Every foreign key is picked by autocomplete or raw id, never a full <select>.


def inline_cases() -> list:
    cases = []
    for label in LABELS:
        model_admin = admin.site._registry[REGISTERED[label]]
        cases.append(pytest.param(label, None, id=label))
        cases += [
            pytest.param(label, inline, id=f"{label}/{inline.__name__}")
            for inline in model_admin.inlines
        ]
    return cases


def foreign_key_select_fields(model, form_class, skip: str = "") -> list[str]:
    """The form's editable foreign keys that are a plain <select> of every row."""
    plain = []
    for name, form_field in form_class.base_fields.items():
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:  # a form-only field (the loaded version)
            continue
        if name == skip or not isinstance(model_field, models.ForeignKey):  # 1:1 included
            continue
        widget = form_field.widget
        if isinstance(widget, RelatedFieldWidgetWrapper):
            widget = widget.widget
        if not isinstance(widget, AutocompleteSelect | ForeignKeyRawIdWidget):
            plain.append(name)
    return plain


@pytest.mark.parametrize(("label", "inline_class"), inline_cases())
def test_every_editable_foreign_key_uses_autocomplete_or_raw_id(label, inline_class, superuser):
    """In the add form and in the change form of an existing object, as a superuser."""
    model_admin = admin.site._registry[REGISTERED[label]]
    request = superuser_request(superuser)
    obj = existing(label, superuser)
    plain = {}
    for page, instance in (("add", None), ("change", obj)):
        if inline_class is None:
            editable = (
                model_admin.has_add_permission(request)
                if instance is None
                else model_admin.has_change_permission(request, instance)
            )
            if editable:
                form = model_admin.get_form(request, instance, change=instance is not None)
                plain[page] = foreign_key_select_fields(model_admin.model, form)
        else:
            inline = inline_class(model_admin.model, admin.site)
            formset = inline.get_formset(request, instance)
            plain[page] = foreign_key_select_fields(inline.model, formset.form, formset.fk.name)
    assert {page: names for page, names in plain.items() if names} == {}


def autocomplete_cases() -> list:
    cases = []
    for label in sorted(STEWARD_ADDS | AUDITOR_ADDS):
        model_admin = admin.site._registry[REGISTERED[label]]
        role = "steward" if label in STEWARD_ADDS else "auditor"
        sources = [(model_admin.model, model_admin.autocomplete_fields)] + [
            (inline.model, inline.autocomplete_fields) for inline in model_admin.inlines
        ]
        cases += [
            pytest.param(role, model, field, id=f"{model._meta.label_lower}.{field}")
            for model, fields in sources
            for field in fields
        ]
    return cases


# What to type into each autocomplete box, by the model it picks.
AUTOCOMPLETE_TERMS = {"assets.asset": "USD", "chains.chain": "eth", "venues.venue": "bin"}


@pytest.mark.parametrize(("role", "model", "field"), autocomplete_cases())
def test_autocomplete_answers_the_role_that_edits_the_form(role, model, field, as_role):
    remote = model._meta.get_field(field).related_model._meta.label_lower
    term = AUTOCOMPLETE_TERMS.get(remote, "e")
    response = as_role(role).get(
        reverse("admin:autocomplete"),
        {
            "app_label": model._meta.app_label,
            "model_name": model._meta.model_name,
            "field_name": field,
            "term": term,
        },
    )
    assert response.status_code == 200
    assert response.json()["results"], f"{term!r} found no {remote}"


# The asset list costs a fixed number of queries, not one per row.

# Measured: 7 for a page of 63 assets or 51 flags; a column that queries per row makes
# it 70.
QUERY_BUDGET = 15


@pytest.mark.parametrize("label", ["assets.asset", "quality.assetqualityflag"])
def test_a_changelist_page_does_not_query_per_row(label, as_role, django_assert_max_num_queries):
    AssetQualityFlagFactory.create_batch(50)  # 50 more assets, each with an active flag
    client = as_role("steward")
    client.get(url(label, "changelist"))  # the session and the permissions, once
    with django_assert_max_num_queries(QUERY_BUDGET):
        response = client.get(url(label, "changelist"))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) >= 51  # the 50 added and the demo's
