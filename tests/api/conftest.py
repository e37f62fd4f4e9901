"""API test helpers: the one error shape, and walking every page of a list; used here and
by each app's tests/<app>/test_api*.py.

The clients per role (``viewer``, ``steward`` …) live in tests/conftest.py; what every
entity endpoint keeps is tested once, over all of them, in test_contract.py.
"""

from tests.conftest import token_client  # noqa: F401  (tests import it from here)


def assert_error(response, status: int, code: str | None = None, field: str | None = None):
    """The response is an error in the API's one shape, with this status (and code/field)."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    if code is not None:
        assert body["error"]["code"] == code, body
    if field is not None:
        assert field in body["error"]["fields"], body
    return body["error"]


def walk_pages(client, url, **params) -> tuple[list[dict], list[int]]:
    """Every row of a list, following next_page_token; also each page's total_count."""
    rows, totals, token = [], [], params.pop("page_token", None)
    for _ in range(100):
        response = client.get(url, {**params, **({"page_token": token} if token else {})})
        assert response.status_code == 200, response.content
        body = response.json()
        rows.extend(body["results"])
        totals.append(body["total_count"])
        token = body["next_page_token"]
        if token is None:
            return rows, totals
    raise AssertionError("pagination does not end")
