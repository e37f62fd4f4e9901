"""API test fixtures: clients that authenticate with real knox tokens, one per role."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from knox.models import AuthToken
from rest_framework.test import APIClient

from registry.actors import SERVICE_ACCOUNTS_GROUP
from registry.roles import AUDITOR, STEWARD, VIEWER


def token_client(username: str, *groups: str, service: bool = False) -> APIClient:
    user = User.objects.create_user(username=username)
    names = [*groups, *([SERVICE_ACCOUNTS_GROUP] if service else [])]
    user.groups.set(Group.objects.filter(name__in=names))
    _, token = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    client.user = user
    return client


@pytest.fixture
def anonymous():
    return APIClient()


@pytest.fixture
def viewer(db):
    return token_client("viewer", VIEWER)


@pytest.fixture
def steward(db):
    return token_client("steward", VIEWER, STEWARD)


@pytest.fixture
def auditor(db):
    return token_client("auditor", VIEWER, AUDITOR)


@pytest.fixture
def service(db):
    """A service account with every role, as `create_service_account --role …` makes."""
    return token_client("market-data", VIEWER, STEWARD, AUDITOR, service=True)


@pytest.fixture
def demo(db, django_capture_on_commit_callbacks):
    """The demo data, committed as far as the cache can tell (its after-commit hooks ran)."""
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", stdout=StringIO())


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
