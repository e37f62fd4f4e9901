"""No token, password or secret in any log line: a representative run (password logins
right and wrong up to a lockout, on the API and the admin; tokens on REST, on the hot
path and over gRPC, also sent without a scheme; /metrics with its token and a wrong one;
PostgreSQL and Redis unreachable at URLs holding a password) with every logger at DEBUG,
its output scrubbed for every secret used.

gunicorn's access log (config/gunicorn_logging.py) writes the path and the query string,
never a header: no secret travels in a query string here (tokens, passwords and the
metrics token are headers or bodies).
"""

import base64
import json
import logging
import secrets

import grpc
import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import DatabaseError, connections
from django.http import HttpResponse
from django.test import Client
from rest_framework.test import APIClient

from registry import cache
from registry.api.exceptions import log_database_unreachable
from registry.grpc.calls import invoke, registered
from registry.pb.cqc.services.v1 import asset_registry_pb2 as service
from registry.roles import VIEWER
from tests.factories import AssetDeploymentFactory
from tests.redis_server import free_port

# Committed: the gRPC calls run as the server runs them, closing the connection as Django
# does around a request (which a test's open transaction would not survive).
pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Tr0ub4dor&3-" + secrets.token_hex(6)
WRONG_PASSWORD = "wr0ng-" + secrets.token_hex(6)
METRICS_TOKEN = "metrics-" + secrets.token_hex(12)
DATABASE_PASSWORD = "pg-" + secrets.token_hex(8)
REDIS_PASSWORD = "redis-" + secrets.token_hex(8)


@pytest.fixture
def every_logger_at_debug(settings, json_lines):
    """Every logger of the logging module at DEBUG (those set higher in LOGGING too);
    structlog's render at the level they were configured with (none of ours logs below
    INFO)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.METRICS_TOKEN = METRICS_TOKEN
    loggers = [logging.getLogger(), *map(logging.getLogger, logging.root.manager.loggerDict)]
    levels = {logger: logger.level for logger in loggers}
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    yield json_lines
    for logger, level in levels.items():
        logger.setLevel(level)


class GrpcContext:
    """What registry.grpc.calls.invoke needs of grpcio's ServicerContext."""

    def __init__(self, metadata: dict[str, str]) -> None:
        self.metadata = list(metadata.items())

    def invocation_metadata(self):
        return self.metadata

    def set_trailing_metadata(self, trailers) -> None:
        self.trailers = trailers

    def abort(self, code, details):
        raise grpc.RpcError(code, details)


def leaks(secret: str, text: str) -> list[str]:
    """The pieces of ``secret`` (any 10 characters in a row) that ``text`` holds."""
    return [secret[i : i + 10] for i in range(len(secret) - 9) if secret[i : i + 10] in text]


def test_no_secret_reaches_a_log_line(
    every_logger_at_debug, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        deployment = AssetDeploymentFactory()
    user = User.objects.create_user("alice", password=PASSWORD)
    user.groups.set(Group.objects.filter(name=VIEWER))
    answers: list[bytes] = []
    api = APIClient()

    def login(password: str):
        response = api.post(
            "/api/v1/auth/tokens/", {"username": "alice", "password": password}, format="json"
        )
        answers.append(response.content)
        return response

    # Password logins: wrong ones up to a lockout, on the API and the admin; the right one.
    for _ in range(5):
        login(WRONG_PASSWORD)
    admin = Client()
    for _ in range(5):
        admin.post("/admin/login/", {"username": "alice", "password": WRONG_PASSWORD})
    call_command("axes_reset", verbosity=0)
    token = login(PASSWORD).json()["token"]
    answers.pop()  # the token's own answer
    basic = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()

    # The token on REST and on the hot path, under each scheme, without one, and a
    # password sent as Basic credentials.
    lookup = {"chain": deployment.chain.chain_id, "address": deployment.address}
    for header in (
        f"Token {token}",
        f"Bearer {token}",
        token,
        f"{token} {token}",
        f"Basic {basic}",
    ):
        for path, params in (("/api/v1/chains/", {}), ("/api/v1/resolve/deployment/", lookup)):
            answers.append(api.get(path, params, HTTP_AUTHORIZATION=header).content)

    # The token over gRPC: a hot read (twice: the second from the cache), a plain read,
    # and the token without a scheme.
    deployment_id = f"{lookup['chain']}:{lookup['address']}"
    calls = [
        ("GetAssetDeployment", service.GetAssetDeploymentRequest(deployment_id=deployment_id)),
        ("GetAssetDeployment", service.GetAssetDeploymentRequest(deployment_id=deployment_id)),
        ("ListChains", service.ListChainsRequest()),
    ]
    for header in (f"Bearer {token}", token):
        for name, request in calls:
            try:
                invoke(registered()[name], request, GrpcContext({"authorization": header}))
            except grpc.RpcError as error:
                answers.append(str(error.args).encode())

    # /metrics with its token and with a wrong one (a near miss of it).
    for bearer in (METRICS_TOKEN, METRICS_TOKEN[:-1] + "x"):
        api.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {bearer}")

    # PostgreSQL unreachable at a URL with a password: the error the app logs as it would.
    params = {**connections["default"].settings_dict, "PASSWORD": DATABASE_PASSWORD}
    params["PORT"] = free_port()
    unreachable = connections["default"].__class__(params, alias="unreachable")
    with pytest.raises(DatabaseError) as failed:
        unreachable.ensure_connection()
    log_database_unreachable(None, failed.value, HttpResponse())

    # Redis unreachable at a URL with a password: a hot lookup through a tripped breaker.
    redis_url = f"redis://:{REDIS_PASSWORD}@127.0.0.1:{free_port()}/0"
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": redis_url}}
    cache.redis_state.reset()
    try:
        response = api.get(
            "/api/v1/resolve/deployment/", lookup, HTTP_AUTHORIZATION=f"Token {token}"
        )
        assert response.status_code == 200, response.content
    finally:
        cache.redis_state.reset()

    lines = every_logger_at_debug()
    logged = json.dumps(lines)
    events = {line.get("event") for line in lines}
    assert {"login_failed", "login_locked_out", "request", "rpc"} <= events
    assert any("Redis failed" in str(line.get("event")) for line in lines)
    assert any("Database unreachable" in str(line.get("event")) for line in lines)
    for name, secret in {
        "password": PASSWORD,
        "wrong password": WRONG_PASSWORD,
        "Basic credentials": basic,
        "token": token,
        "token without its prefix": token.removeprefix("cqar_"),
        "SECRET_KEY": settings.SECRET_KEY,
        "METRICS_TOKEN": METRICS_TOKEN,
        "DATABASE_URL's password": DATABASE_PASSWORD,
        "REDIS_URL's password": REDIS_PASSWORD,
    }.items():
        assert leaks(secret, logged) == [], f"the {name} is in a log line"
    # Nor do the answers echo a token or password a client sent where none belongs.
    echoed = b"".join(answers).decode()
    assert leaks(token.removeprefix("cqar_"), echoed) == []
    assert leaks(PASSWORD, echoed) == [] and leaks(basic, echoed) == []
