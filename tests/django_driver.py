"""A Django process of a test's own, configured by its environment (a PostgreSQL of the
test's own, replicas, a pooler), which the test drives over its stdin and stdout.

The test (``DjangoDriver``) sends one JSON line per call, ``{"call": name, "kwargs":
{...}}``; the process (``python -m tests.django_driver``) runs the function ``name`` of
``CALLS`` and answers one JSON line: its result (or the traceback), the SQL each database
alias ran during the call, and how many connections it opened to each. A test can so
ask a real request where its queries went, between stopping and pausing servers.
"""

import json
import os
import select
import subprocess
import sys
import traceback
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Reply:
    result: object
    queries: dict[str, list[str]]
    connects: dict[str, int]

    def ran_on(self, alias: str, fragment: str) -> bool:
        """Did ``alias`` run a statement containing ``fragment``?"""
        return any(fragment in sql for sql in self.queries.get(alias, []))


class DjangoDriver:
    """The test's end: starts the process, calls functions in it, stops it."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> "DjangoDriver":
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.django_driver"],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                start_new_session=True,
            )
        self._read(timeout=120)  # {"ready": true} once Django is set up
        return self

    def call(self, name: str, **kwargs) -> Reply:
        self.process.stdin.write(json.dumps({"call": name, "kwargs": kwargs}).encode() + b"\n")
        self.process.stdin.flush()
        answer = self._read(timeout=120)
        if "error" in answer:
            raise AssertionError(f"{name}({kwargs}) failed in the driver:\n{answer['error']}")
        return Reply(answer["result"], answer["queries"], answer["connects"])

    def _read(self, timeout: float) -> dict:
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline() if ready else b""
        if not line:
            raise AssertionError(f"the driver did not answer:\n{self.log()}")
        return json.loads(line)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:] if self.log_path.exists() else ""


# --- the process's end ------------------------------------------------------------------

_queries: dict[str, list[str]] = defaultdict(list)
_connects: dict[str, int] = defaultdict(int)
_client = None


def _observe_connections() -> None:
    """Record every statement and every connection attempt, per alias."""
    from django.db import connections

    for alias in connections:
        wrapper = connections[alias]

        def record(execute, sql, params, many, context, alias=alias):
            _queries[alias].append(sql if isinstance(sql, str) else sql.decode())
            return execute(sql, params, many, context)

        wrapper.execute_wrappers.append(record)
        connect = wrapper.get_new_connection

        def counted(conn_params, alias=alias, connect=connect):
            _connects[alias] += 1
            return connect(conn_params)

        wrapper.get_new_connection = counted


def login() -> str:
    """An API client with every role, as the driver's account."""
    global _client
    from django.contrib.auth.models import Group, User
    from knox.models import AuthToken
    from rest_framework.test import APIClient

    from registry.roles import AUDITOR, STEWARD, VIEWER

    user, _ = User.objects.get_or_create(username="driver")
    user.groups.set(Group.objects.filter(name__in=[VIEWER, STEWARD, AUDITOR]))
    _, token = AuthToken.objects.create(user=user)
    _client = APIClient()
    _client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return user.username


def _answer(response) -> dict:
    body = json.loads(response.content) if response.content else None
    return {"status": response.status_code, "body": body}


def api(method: str, path: str, data=None) -> dict:
    """One request through the whole middleware stack, as the driver's account."""
    send = getattr(_client, method.lower())
    if method.upper() == "GET":
        return _answer(send(path, data))
    return _answer(send(path, data, format="json"))


def _view_request(method: str, path: str, data=None):
    """Call the view of ``path`` directly (no middleware), authenticated as the driver."""
    from django.contrib.auth.models import User
    from django.urls import resolve
    from rest_framework.test import APIRequestFactory, force_authenticate

    factory = APIRequestFactory()
    request = getattr(factory, method.lower())(path, data, format="json")
    force_authenticate(request, user=User.objects.get(username="driver"))
    match = resolve(path)
    response = match.func(request, *match.args, **match.kwargs)
    response.render()
    return _answer(response)


def _aliases_of(run) -> tuple[object, dict[str, list[str]]]:
    """``run()`` and the statements each alias ran meanwhile."""
    before = {alias: len(sqls) for alias, sqls in _queries.items()}
    result = run()
    return result, {alias: sqls[before.get(alias, 0) :] for alias, sqls in _queries.items()}


def create_then_retrieve(collection: str, payload: dict, id_field: str) -> dict:
    """In one request: create through the API's view, then read it back through the
    detail view. Returns both answers and where the read's statements ran."""
    from django.http import HttpRequest, HttpResponse

    from registry.replicas import ReplicaRoutingMiddleware

    outcome = {}

    def view(request):
        outcome["created"] = _view_request("POST", collection, payload)
        detail = f"{collection}{outcome['created']['body'][id_field]}/"
        outcome["retrieved"], outcome["retrieve_queries"] = _aliases_of(
            lambda: _view_request("GET", detail)
        )
        return HttpResponse()

    ReplicaRoutingMiddleware(view)(HttpRequest())
    return outcome


def retrieve_in_one_request(path: str, *, in_transaction: bool = False) -> dict:
    """In one request that wrote nothing: read ``path`` through its view (inside
    ``transaction.atomic`` if asked)."""
    from django.db import transaction
    from django.http import HttpRequest, HttpResponse

    from registry.replicas import ReplicaRoutingMiddleware

    outcome = {}

    def view(request):
        if in_transaction:
            with transaction.atomic():
                outcome["retrieved"] = _view_request("GET", path)
        else:
            outcome["retrieved"] = _view_request("GET", path)
        return HttpResponse()

    ReplicaRoutingMiddleware(view)(HttpRequest())
    return outcome


def repeat_query(model: str, pk: str, times: int) -> dict:
    """In one request context, on one connection: the same ORM query ``times`` times;
    the same statement ``times`` times through a server-side-binding psycopg cursor (the
    kind psycopg prepares after ``prepare_threshold`` runs); and a read through
    ``iterator()`` (a named cursor, unless server-side cursors are disabled)."""
    import psycopg
    from django.apps import apps
    from django.db import connection

    from registry.replicas import request_context

    model_class = apps.get_model(model)
    table = model_class._meta.db_table
    with request_context():
        orm_rows = [
            list(model_class.objects.filter(pk=pk).values_list("pk", flat=True))
            for _ in range(times)
        ]
        connection.ensure_connection()
        bound = psycopg.Cursor(connection.connection)
        bound_rows = [
            bound.execute(
                f"SELECT count(*) FROM {table} WHERE {model_class._meta.pk.column} = %s", [pk]
            ).fetchone()[0]
            for _ in range(times)
        ]
        iterated = sum(1 for _ in model_class.objects.all().iterator(chunk_size=2))
    return {
        "orm_rows": [str(row[0]) if row else None for row in orm_rows],
        "bound_rows": bound_rows,
        "iterated": iterated,
        "prepare_threshold": connection.connection.prepare_threshold,
        "server_side_cursors_disabled": connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"],
    }


def raw_read_on_replica(model: str, sql: str) -> list[str]:
    """The primary keys ``model.objects.raw(sql)`` returns, read through
    ``read_on_replica`` in a request context."""
    from django.apps import apps

    from registry.replicas import read_on_replica, request_context

    model_class = apps.get_model(model)
    with request_context():
        return read_on_replica(lambda: [str(row.pk) for row in model_class.objects.raw(sql)])


def backend_pids(times: int) -> list[int]:
    """pg_backend_pid() of ``times`` statements in a row on the default connection."""
    from django.db import connection

    with connection.cursor() as cursor:
        pids = []
        for _ in range(times):
            cursor.execute("SELECT pg_backend_pid()")
            pids.append(cursor.fetchone()[0])
    return pids


def configure(**values) -> None:
    """Change settings of this process, and forget what it knew of its replicas and of
    Redis (its breaker and its lease)."""
    from django.conf import settings

    from registry.cache import redis_state
    from registry.replicas import replicas

    for name, value in values.items():
        setattr(settings, name, value)
    replicas.reset()
    redis_state.reset()


def replica_status() -> list[dict]:
    from registry.replicas import replicas

    return [health.describe() for health in replicas.health()]


def server_of(alias: str) -> dict:
    """Which server ``alias`` is connected to, and whether it is a standby."""
    from django.db import connections

    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), inet_server_port()")
        in_recovery, port = cursor.fetchone()
    return {"in_recovery": in_recovery, "port": port}


def cached_answer(lookup_type: str, params: dict) -> str | None:
    """What Redis holds for a hot lookup (None when nothing)."""
    from registry import cache

    lookup = cache.lookup(lookup_type)
    value = cache.redis_state.raw().get(lookup.key_of(lookup.parse(params)))
    return None if value is None else value.decode(errors="replace")


CALLS = {
    function.__name__: function
    for function in (
        login,
        api,
        create_then_retrieve,
        retrieve_in_one_request,
        repeat_query,
        raw_read_on_replica,
        backend_pids,
        configure,
        replica_status,
        server_of,
        cached_answer,
    )
}


def main() -> None:
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # whatever else prints goes to the log, not into the protocol
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    _observe_connections()
    protocol.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        request = json.loads(line)
        _queries.clear()
        _connects.clear()
        try:
            answer = {"result": CALLS[request["call"]](**request["kwargs"])}
        except Exception:
            answer = {"error": traceback.format_exc()}
        answer.update(queries=dict(_queries), connects=dict(_connects))
        protocol.write(json.dumps(answer, default=str) + "\n")


if __name__ == "__main__":
    main()
