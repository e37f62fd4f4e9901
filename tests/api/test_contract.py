"""The contract of every entity endpoint, run over each route the URLconf registers
(tests/api/contract.py): versions as ETag and If-Match, who may read and write, keyset
pagination and ordering, a listed row equal to its detail, and the error shape.

What is particular to one entity stays in its app's tests (tests/<app>/test_api*.py).
"""

import math

import pytest

from tests.api.conftest import assert_error, walk_pages
from tests.api.contract import (
    ENDPOINTS,
    ENTITIES,
    ROLES,
    endpoint_params,
    endpoints,
    snapshot,
    tie,
    unknown_pk,
    version_of,
    written_by_someone_else,
    wrong_value,
)
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

READABLE = endpoints(offering="retrieve")
UPDATABLE = endpoints(offering="partial_update")
CREATABLE = endpoints(offering="create")
LISTED = endpoints(offering="list")


def pairs(items: list[tuple]) -> dict:
    """pytest.mark.parametrize arguments for (endpoint, x) pairs, with readable ids."""
    return {"argvalues": items, "ids": [f"{endpoint}-{rest}" for endpoint, rest in items]}


def writer_of(request, endpoint):
    return request.getfixturevalue(endpoint.entity.writer)


def listed_ids(rows, endpoint) -> list[str]:
    return [str(row[endpoint.pk_name]) for row in rows]


def ordered_ids(endpoint, pks, *ordering) -> list[str]:
    """The rows in this ordering, ties broken by the primary key: the database's word."""
    rows = endpoint.model._base_manager.filter(pk__in=pks).order_by(*ordering, "pk")
    return [str(pk) for pk in rows.values_list("pk", flat=True)]


# --- the table covers the routes ----------------------------------------------------------


def test_every_registered_endpoint_has_an_entity_entry():
    """A route registered in an app's api/urls.py is in the contract's table, so the
    generic cases run over it."""
    assert sorted(endpoint.basename for endpoint in ENDPOINTS) == sorted(ENTITIES)


@pytest.mark.parametrize("endpoint", **endpoint_params(ENDPOINTS))
def test_the_entity_entry_matches_what_its_route_offers(endpoint):
    """A create body exactly where the route creates, a change where it updates, and each
    extra action that writes is declared conditional (If-Match) or not."""
    entity = endpoint.entity
    assert (entity.create_body is not None) == endpoint.offers("create")
    assert (entity.change is not None) == endpoint.offers("partial_update")
    declared = set(entity.conditional_actions) | entity.unconditional_actions
    assert endpoint.write_action_names() == declared


# --- versions: ETag, If-None-Match, If-Match ----------------------------------------------


@pytest.mark.parametrize("endpoint", **endpoint_params(READABLE))
def test_a_read_carries_its_version_as_etag_and_an_unchanged_one_is_304(viewer, endpoint):
    """GET of one object answers ETag "<version>"; If-None-Match naming it is a 304 with the
    ETag and no body; an older or another one gets the object."""
    obj = endpoint.entity.make()
    url = endpoint.detail_url(obj.pk)
    first = viewer.get(url)
    assert first.status_code == 200, first.content
    assert (first["ETag"], first.json()["version"]) == ('"1"', 1)
    assert viewer.get(url, HTTP_IF_NONE_MATCH='"1"').status_code == 304

    version = written_by_someone_else(obj)
    response = viewer.get(url)
    assert (response["ETag"], response.json()["version"]) == (f'"{version}"', version)

    unchanged = viewer.get(url, HTTP_IF_NONE_MATCH=f'"{version}"')
    assert unchanged.status_code == 304
    assert unchanged["ETag"] == f'"{version}"'
    assert unchanged.content == b""
    for other in ('"1"', '"7"'):
        again = viewer.get(url, HTTP_IF_NONE_MATCH=other)
        assert again.status_code == 200, other
        assert again.json() == response.json()
    # RFC 9110: If-None-Match compares weakly, may list several tags, and "*" matches any.
    for matching in (f'W/"{version}"', f'"1", "{version}"', f' "7",W/"{version}" ', "*"):
        assert viewer.get(url, HTTP_IF_NONE_MATCH=matching).status_code == 304, matching
    for other in ('"1", "7"', f'"{version}0"', f"{version}", 'W/"1"'):
        assert viewer.get(url, HTTP_IF_NONE_MATCH=other).status_code == 200, other


@pytest.mark.parametrize("endpoint", **endpoint_params(UPDATABLE))
def test_a_write_moves_the_etag_and_the_current_if_match_lets_it_through(request, endpoint):
    """A change answers, and later reads carry, the next version; If-Match naming the
    current version ("2", or weak W/"3") lets a change through."""
    writer = writer_of(request, endpoint)
    change = endpoint.entity.change
    url = endpoint.detail_url(endpoint.entity.make().pk)
    read = writer.get(url)
    assert read["ETag"] == '"1"'
    before = {name: read.json()[name] for name in change}

    response = writer.patch(url, change, format="json")
    assert response.status_code == 200, response.content
    assert {name: response.json()[name] for name in change} == change
    assert (response["ETag"], response.json()["version"]) == ('"2"', 2)
    assert writer.get(url)["ETag"] == '"2"'

    for if_match, body, version in (('"2"', before, 3), ('W/"3"', change, 4)):
        response = writer.patch(url, body, format="json", HTTP_IF_MATCH=if_match)
        assert response.status_code == 200, (if_match, response.content)
        assert {name: response.json()[name] for name in body} == body
        assert (response["ETag"], response.json()["version"]) == (f'"{version}"', version)
        assert writer.get(url)["ETag"] == f'"{version}"'


@pytest.mark.parametrize(
    ("endpoint", "method"),
    **pairs([(e, method) for e in UPDATABLE for method in ("patch", "put")]),
)
def test_an_update_with_a_stale_if_match_is_412_and_writes_nothing(request, endpoint, method):
    """Someone else wrote since version 1: a PATCH or PUT naming version 1 is a 412 that
    names the stored version, and nothing is written."""
    writer = writer_of(request, endpoint)
    obj = endpoint.entity.make()
    body = endpoint.entity.change if method == "patch" else endpoint.put_body(obj)
    version = written_by_someone_else(obj)
    before = snapshot()

    response = getattr(writer, method)(
        endpoint.detail_url(obj.pk), body, format="json", HTTP_IF_MATCH='"1"'
    )

    error = assert_error(response, 412, "stale_version", "If-Match")
    assert f"version {version}" in error["message"]
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", **endpoint_params(UPDATABLE))
def test_an_if_match_that_names_no_version_is_412_and_writes_nothing(request, endpoint):
    """An If-Match that is no version number is refused like a stale one."""
    writer = writer_of(request, endpoint)
    obj = endpoint.entity.make()
    before = snapshot()

    response = writer.patch(
        endpoint.detail_url(obj.pk), endpoint.entity.change, format="json", HTTP_IF_MATCH="abc"
    )

    assert_error(response, 412, "stale_version", "If-Match")
    assert snapshot() == before


DELETABLE = endpoints(offering="destroy")


@pytest.mark.parametrize("endpoint", **endpoint_params(DELETABLE))
def test_a_delete_with_a_stale_if_match_is_412_and_keeps_the_object(request, endpoint):
    """DELETE honours If-Match as PUT and PATCH do (docs/API.md): a stale version is a 412
    and the object stays; the current one deletes it."""
    writer = writer_of(request, endpoint)
    obj = endpoint.entity.make()
    url = endpoint.detail_url(obj.pk)
    version = written_by_someone_else(obj)
    before = snapshot()

    assert_error(writer.delete(url, HTTP_IF_MATCH='"1"'), 412, "stale_version", "If-Match")
    assert snapshot() == before
    assert writer.delete(url, HTTP_IF_MATCH=f'"{version}"').status_code == 204
    assert_error(writer.get(url), 404, "not_found")


CONDITIONAL_ACTIONS = [(e, name) for e in ENDPOINTS for name in e.entity.conditional_actions]


@pytest.mark.parametrize(("endpoint", "action"), **pairs(CONDITIONAL_ACTIONS))
def test_an_action_with_a_stale_if_match_is_412_and_writes_nothing(request, endpoint, action):
    """The actions that write one object (restore, delist, resolve) read If-Match as PATCH
    does: a stale version is a 412 naming the stored one; the current one goes through."""
    writer = writer_of(request, endpoint)
    obj = endpoint.entity.make()
    endpoint.entity.conditional_actions[action].prepare(obj)
    stale = version_of(obj)
    current = written_by_someone_else(obj)
    operation = endpoint.action_operation(action, obj.pk)
    before = snapshot()

    error = assert_error(
        operation.send(writer, HTTP_IF_MATCH=f'"{stale}"'), 412, "stale_version", "If-Match"
    )
    assert f"version {current}" in error["message"]
    assert snapshot() == before

    done = operation.send(writer, HTTP_IF_MATCH=f'"{current}"')
    assert done.status_code == 200, done.content
    assert done["ETag"] == f'"{version_of(obj)}"' == f'"{current + 1}"'


# --- who may read and write ---------------------------------------------------------------

NON_WRITERS = [(e, role) for e in ENDPOINTS for role in ROLES if role != e.entity.writer]


@pytest.mark.parametrize(("endpoint", "role"), **pairs(NON_WRITERS))
def test_a_role_without_the_write_permission_reads_but_every_write_is_403(request, endpoint, role):
    """Every role reads; a role the entity's permissions do not let write gets 403 on every
    write the route offers (actions included), and nothing is written."""
    client = request.getfixturevalue(role)
    obj = endpoint.entity.make()
    operations = endpoint.operations(obj)
    before = snapshot()

    for operation in operations:
        response = operation.send(client)
        if operation.name in ("list", "retrieve"):
            assert response.status_code == 200, (str(operation), response.content)
            if operation.name == "retrieve":
                assert str(response.json()[endpoint.pk_name]) == str(obj.pk)
        elif operation.writes:
            error = assert_error(response, 403, "permission_denied")
            assert error["fields"] == {}, str(operation)
        else:
            assert response.status_code not in (401, 403), (str(operation), response.content)
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", **endpoint_params(ENDPOINTS))
def test_an_anonymous_call_is_401_everywhere_and_writes_nothing(anonymous, endpoint):
    """Without a token every operation is a 401 that says how to authenticate."""
    operations = endpoint.operations(endpoint.entity.make())
    before = snapshot()

    for operation in operations:
        response = operation.send(anonymous)
        error = assert_error(response, 401, "not_authenticated")
        assert error["fields"] == {} and error["message"], str(operation)
        assert response.has_header("WWW-Authenticate"), str(operation)
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", **endpoint_params(ENDPOINTS))
def test_an_account_without_a_role_is_403_everywhere_and_writes_nothing(db, endpoint):
    """A valid token whose account holds no role is authenticated, but may neither read
    nor write."""
    client = token_client("nobody")
    operations = endpoint.operations(endpoint.entity.make())
    before = snapshot()

    for operation in operations:
        assert_error(operation.send(client), 403, "permission_denied")
    assert snapshot() == before


# --- keyset pagination and ordering -------------------------------------------------------


@pytest.mark.parametrize("page_size", [1, 3])
@pytest.mark.parametrize("endpoint", **endpoint_params(LISTED))
def test_walking_every_page_serves_every_object_once_in_the_default_order(
    viewer, endpoint, page_size
):
    """Following next_page_token serves every object exactly once, in the list's default
    order with ties (made where the table allows) broken by id, each page with the same
    total_count; one big page answers the same order."""
    pks = [obj.pk for obj in endpoint.make_many(7)]
    for term in endpoint.default_ordering:
        tie(endpoint.model, pks[:4], term.lstrip("-"))

    rows, totals = walk_pages(viewer, endpoint.list_url, page_size=page_size)

    listed = listed_ids(rows, endpoint)
    assert len(listed) == len(set(listed)) == 7
    assert set(listed) == {str(pk) for pk in pks}
    assert listed == ordered_ids(endpoint, pks, *endpoint.default_ordering)
    assert totals == [7] * math.ceil(7 / page_size)
    one_page = viewer.get(endpoint.list_url, {"page_size": 1000}).json()
    assert set(one_page) == {"results", "next_page_token", "total_count"}
    assert (one_page["next_page_token"], one_page["total_count"]) == (None, 7)
    assert listed_ids(one_page["results"], endpoint) == listed


ORDERINGS = [
    (e, term) for e in LISTED for field in e.ordering_fields for term in (field, f"-{field}")
]


@pytest.mark.parametrize(("endpoint", "term"), **pairs(ORDERINGS))
def test_ordering_by_each_declared_field_serves_every_object_once_in_that_order(
    viewer, endpoint, term
):
    """ordering=<field> and ordering=-<field> page through every object once in that
    order, ties (made where the table allows) broken by id ascending."""
    pks = [obj.pk for obj in endpoint.make_many(5)]
    tie(endpoint.model, pks[:3], endpoint.model_term(term).lstrip("-"))

    rows, totals = walk_pages(viewer, endpoint.list_url, ordering=term, page_size=1)

    listed = listed_ids(rows, endpoint)
    assert len(listed) == len(set(listed)) == 5
    assert listed == ordered_ids(endpoint, pks, endpoint.model_term(term))
    assert totals == [5] * 5


def _other_than_default(endpoint) -> str:
    return next(f for f in endpoint.ordering_fields if [f] != endpoint.default_ordering)


@pytest.mark.parametrize(
    "endpoint", **endpoint_params(endpoints(offering="list", where=lambda e: e.ordering_fields))
)
def test_a_page_token_serves_only_the_ordering_it_was_issued_for(viewer, endpoint):
    """A token continues its own ordering; with another ordering (or the default) it is a
    400 on page_token, not a page of another list."""
    endpoint.make_many(3)
    url, field = endpoint.list_url, _other_than_default(endpoint)
    token = viewer.get(url, {"ordering": field, "page_size": 1}).json()["next_page_token"]
    default_token = viewer.get(url, {"page_size": 1}).json()["next_page_token"]
    assert token and default_token

    assert viewer.get(url, {"ordering": field, "page_token": token}).status_code == 200
    assert viewer.get(url, {"page_token": default_token}).status_code == 200
    for params in (
        {"page_token": token},
        {"ordering": f"-{field}", "page_token": token},
        {"ordering": field, "page_token": default_token},
        {"ordering": f"-{field}", "page_token": default_token},
    ):
        assert_error(viewer.get(url, params), 400, "invalid", "page_token")


@pytest.mark.parametrize("endpoint", **endpoint_params(LISTED))
def test_a_page_token_this_api_did_not_issue_is_400(viewer, endpoint):
    """Garbage, base64 of something else, or of JSON that is not a position: a 400."""
    endpoint.make_many(2)
    for token in ("garbage", "garbage!!", "bm90LWpzb24", "W10", "%%%", "xyz", "zz"):
        response = viewer.get(endpoint.list_url, {"page_token": token})
        assert_error(response, 400, "invalid", "page_token")


@pytest.mark.parametrize("endpoint", **endpoint_params(LISTED))
def test_a_page_size_from_1_to_1000_is_taken_and_any_other_is_400(viewer, endpoint):
    endpoint.make_many(3)
    for size in ("0", "1001", "-1", "-5", "abc", "ten"):
        response = viewer.get(endpoint.list_url, {"page_size": size})
        assert_error(response, 400, "invalid", "page_size")
    body = viewer.get(endpoint.list_url, {"page_size": 1000}).json()
    assert (len(body["results"]), body["next_page_token"], body["total_count"]) == (3, None, 3)


# --- a listed row is its detail ---------------------------------------------------------


@pytest.mark.parametrize(
    "endpoint",
    **endpoint_params(
        endpoints(offering="list", where=lambda e: e.offers("retrieve") or e.entity.detail_basename)
    ),
)
def test_a_listed_row_equals_the_objects_detail_body(viewer, endpoint):
    """A list may build its rows another way than the detail (assets do, for speed); what
    it answers is the same, field for field."""
    endpoint.make_many(3)
    rows = viewer.get(endpoint.list_url, {"page_size": 1000}).json()["results"]
    assert len(rows) == 3
    for row in rows:
        detail = viewer.get(endpoint.detail_url(row[endpoint.pk_name]))
        assert detail.status_code == 200, detail.content
        assert row == detail.json()


# --- the error shape ----------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", **endpoint_params(READABLE))
def test_an_unknown_or_malformed_id_is_a_404_in_the_error_shape(request, endpoint):
    """Every operation on an id that names nothing is a 404 in the one error shape, for a
    role that may do it; an id that cannot be one is a 404 too, and one with a NUL
    character a client error, never a 500."""
    writer = writer_of(request, endpoint)
    unknown = unknown_pk(endpoint.model)
    operations = [operation for operation in endpoint.operations(pk=unknown) if operation.detail]
    before = snapshot()
    for operation in operations:
        error = assert_error(operation.send(writer), 404, "not_found")
        assert error["fields"] == {} and error["message"], str(operation)
    assert snapshot() == before

    detail = endpoint.detail_url(unknown)
    assert_error(writer.get(detail.replace(str(unknown), "not-an-id")), 404, "not_found")
    response = writer.get(detail.replace(str(unknown), "x%00"))
    assert_error(response, 404 if response.status_code == 404 else 400)


WRITTEN_FIELDS = [(e, name) for e in CREATABLE for name in e.writable_fields()]


@pytest.mark.parametrize(("endpoint", "name"), **pairs(WRITTEN_FIELDS))
def test_a_wrong_value_in_a_written_field_is_a_400_naming_it_and_writes_nothing(
    request, endpoint, name
):
    """A value of the wrong kind in any field a client writes is a 400 whose fields name
    it with its reasons, and nothing is stored."""
    writer = writer_of(request, endpoint)
    field = endpoint.writable_fields()[name]
    body = {**endpoint.entity.create_body(), name: wrong_value(field)}
    before = snapshot()

    error = assert_error(writer.post(endpoint.list_url, body, format="json"), 400, "invalid", name)

    assert error["message"]
    reasons = error["fields"][name]
    assert isinstance(reasons, list) and reasons and all(isinstance(r, str) for r in reasons)
    assert snapshot() == before
