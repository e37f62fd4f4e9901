"""Every API error has one shape: {"error": {"code", "message", "fields"}}; none is a 500.

The 403, 404, 412 and pagination errors of every entity endpoint are tested over all of
them in tests/api/test_contract.py; hostile input (what a body, a parameter or a page
token may not be) in the catalogue of tests/hostile/; here, each other status."""

import json

import pytest

from chains.models import Chain
from markets.models import VenueSymbol
from tests.api.conftest import assert_error
from tests.factories import ChainFactory, VenueSymbolFactory

pytestmark = pytest.mark.django_db

CHAINS = "/api/v1/chains/"
FLAGS = "/api/v1/quality-flags/"


def new_chain(**overrides) -> dict:
    return {"chain_id": "fresh", "name": "Fresh", "chain_type": "OTHER", **overrides}


def test_400_has_the_error_shape_with_field_reasons(steward):
    """Invalid input is a 400 whose fields map each bad field to a list of reasons."""
    response = steward.post(CHAINS, new_chain(chain_type="PLASMA", network_id="abc"), format="json")

    error = assert_error(response, 400, "invalid")
    assert set(error["fields"]) >= {"chain_type", "network_id"}
    assert all(
        isinstance(reasons, list) and reasons and all(isinstance(r, str) for r in reasons)
        for reasons in error["fields"].values()
    )
    assert error["message"]
    assert not Chain.objects.exists()


def test_400_for_a_missing_required_field(steward):
    """A missing required field is named in fields."""
    response = steward.post(CHAINS, {"chain_id": "x"}, format="json")

    error = assert_error(response, 400, "invalid")
    assert {"name", "chain_type"} <= set(error["fields"])


def test_400_for_a_rule_about_the_whole_object(steward):
    """What is wrong with the object as a whole, not one field (a list where an object
    belongs), is reported under non_field_errors."""
    response = steward.post(CHAINS, [new_chain()], format="json")

    error = assert_error(response, 400, "invalid", "non_field_errors")
    assert error["fields"]["non_field_errors"]


def test_401_has_the_error_shape(anonymous):
    """No token: a 401 in the error shape, with empty fields."""
    error = assert_error(anonymous.get(CHAINS), 401, "not_authenticated")
    assert error["fields"] == {}
    assert error["message"]


def test_405_has_the_error_shape(steward):
    """A method the endpoint does not offer: a 405 in the error shape.

    Venue tickers are history: they are delisted, never deleted.
    """
    mapping = VenueSymbolFactory()

    deleted = steward.delete(f"/api/v1/venue-symbols/{mapping.pk}/")
    assert_error(deleted, 405, "method_not_allowed")
    assert_error(steward.put(CHAINS, new_chain(), format="json"), 405, "method_not_allowed")
    assert VenueSymbol.objects.filter(pk=mapping.pk).exists()


def test_409_has_the_error_shape(steward):
    """A duplicate key: a 409 in the error shape with a machine code and a message."""
    ChainFactory(chain_id="fresh")

    error = assert_error(steward.post(CHAINS, new_chain(), format="json"), 409)
    assert error["code"]
    assert error["message"]


@pytest.mark.parametrize(
    "header",
    [
        "abc",
        '"v1"',
        '"1.5"',
        '"-1"',
        '"0"',
        '"²"',
        '"\u0661"',  # ARABIC-INDIC DIGIT ONE
        '"1_0"',
        '"9999999999"',
        pytest.param('"' + "9" * 5000 + '"', id="5000-digits"),
    ],
)
def test_412_for_an_if_match_that_is_not_a_version(steward, header):
    """An If-Match that is not a version number is a 412 and writes nothing: a version is
    ASCII digits within the version column's range ("²" and the Arabic-Indic one are
    digits to str.isdigit(); int() refuses the first and reads the second as 1)."""
    chain = ChainFactory(name="Before")

    response = steward.patch(
        f"{CHAINS}{chain.chain_id}/", {"name": "Mine"}, format="json", HTTP_IF_MATCH=header
    )

    assert_error(response, 412, "stale_version", "If-Match")
    chain.refresh_from_db()
    assert chain.name == "Before"


@pytest.mark.parametrize("header", ["*", 'W/"1"', "1", '"1"'])
def test_if_match_star_weak_and_bare_forms_are_accepted(steward, header):
    """If-Match * is unconditional; W/"1", "1" and 1 name version 1 and let the write through."""
    chain = ChainFactory(name="Before")

    response = steward.patch(
        f"{CHAINS}{chain.chain_id}/", {"name": "After"}, format="json", HTTP_IF_MATCH=header
    )

    assert response.status_code == 200, response.content
    chain.refresh_from_db()
    assert chain.name == "After"


def test_406_for_an_unservable_accept_header(viewer):
    """Asking for a representation the API cannot give is a 406, still in the JSON shape."""
    response = viewer.get(CHAINS, HTTP_ACCEPT="application/xml")

    assert_error(response, 406, "not_acceptable")


def test_a_host_allowed_hosts_does_not_name_is_400_saying_so(viewer):
    """The operator's mistake, not a malformed request: the message names the setting
    and does not echo the host the client sent."""
    response = viewer.get(CHAINS, HTTP_HOST="<script>.example")

    error = assert_error(response, 400, "bad_request")
    assert error["message"] == "Host header not allowed: set ALLOWED_HOSTS."
    assert "script" not in response.content.decode()


def test_unknown_api_path_is_a_json_404(viewer):
    """A path under /api/v1/ that names no endpoint answers JSON 404 in the error shape."""
    response = viewer.get("/api/v1/no-such-endpoint/")

    assert response["Content-Type"].startswith("application/json")
    assert_error(response, 404, "not_found")


def test_unknown_api_path_is_a_json_404_even_anonymously(anonymous):
    """The JSON 404 does not depend on authentication."""
    response = anonymous.get("/api/v1/chains/a/b/c/")

    assert response["Content-Type"].startswith("application/json")
    assert_error(response, 404)


@pytest.mark.parametrize("method", ["put", "patch", "delete", "post"])
def test_a_write_to_a_malformed_path_with_a_session_cookie_is_a_json_404(db, method):
    """A browser session's cookie without a CSRF token must not turn an unknown path into
    Django's HTML 403 page: the path is still a JSON 404 (schemathesis found it)."""
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.create_superuser("csrf-admin", password="x"))
    response = getattr(client, method)(
        "/api/v1/assets/null%2Cnull/", "{}", content_type="application/json"
    )

    assert response["Content-Type"].startswith("application/json")
    assert_error(response, 404, "not_found")


def test_a_refused_csrf_check_under_the_api_has_the_error_shape(rf):
    from registry.api.exceptions import csrf_failure

    response = csrf_failure(rf.post("/api/v1/anything/"), reason="CSRF cookie not set.")

    assert response.status_code == 403
    body = json.loads(response.content)
    assert body["error"]["code"] == "csrf_failed"
    assert "CSRF cookie not set." in body["error"]["message"]
    assert not csrf_failure(rf.post("/admin/x/"), reason="r")["Content-Type"].startswith(
        "application/json"
    )


def test_non_api_404_is_not_forced_into_json(anonymous):
    """Outside /api/ a missing page is an ordinary (HTML) 404."""
    response = anonymous.get("/definitely-not-here/")

    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_failed_write_leaves_the_database_unchanged(steward):
    """A write refused halfway (invalid change among valid ones) changes nothing."""
    chain = ChainFactory(name="Stable", network_id=4242)

    response = steward.patch(
        f"{CHAINS}{chain.chain_id}/",
        {"name": "Half written", "network_id": None},
        format="json",
    )

    assert_error(response, 400)
    chain.refresh_from_db()
    assert (chain.name, chain.network_id, chain.version) == ("Stable", 4242, 1)
