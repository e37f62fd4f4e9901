"""The hostile-input catalogue (catalogue.yaml) as Python: its cases, the requests they
make, and the one check every refused case shares, that nothing was written.

The YAML holds each case as data: what is sent (REST, and gRPC where a twin RPC takes
the same input), what must come back, and why the input is hostile. Tags build
values too large to write out: ``!nested N`` (a JSON object N levels deep), ``!wide N``
(an object of N keys), ``!repeat [text, N]`` (text repeated N times), ``!page_token
{o: [...], k: [...]}`` (a page token as the API encodes one) and ``!base64 text``. In any string,
``<<name>>`` stands for an id of the demo data (``ids`` of the test modules).
"""

import base64
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import yaml
from django.db import connection

CATALOGUE = Path(__file__).with_name("catalogue.yaml")
PLACEHOLDER = re.compile(r"<<(\w+)>>")


class _Loader(yaml.SafeLoader):
    """YAML with the three value-building tags."""


def _nested(loader, node) -> dict:
    value: object = "bottom"
    for _ in range(int(loader.construct_scalar(node)) - 1):
        value = {"k": value}
    return {"k": value}


def _wide(loader, node) -> dict:
    return {f"k{index}": index for index in range(int(loader.construct_scalar(node)))}


def _repeat(loader, node) -> str:
    text, times = loader.construct_sequence(node)
    return text * int(times)


def _page_token(loader, node) -> str:
    """A page token as the API encodes one, from its ordering ``o`` and key values ``k``."""
    from registry.api.pagination import _encode

    position = loader.construct_mapping(node, deep=True)
    return _encode(position["o"], position["k"])


def _base64(loader, node) -> str:
    return base64.urlsafe_b64encode(loader.construct_scalar(node).encode()).decode()


_Loader.add_constructor("!page_token", _page_token)
_Loader.add_constructor("!base64", _base64)
_Loader.add_constructor("!nested", _nested)
_Loader.add_constructor("!wide", _wide)
_Loader.add_constructor("!repeat", _repeat)


@dataclass(frozen=True)
class Case:
    """One hostile input: ``rest`` and/or ``grpc`` say what is sent, ``expect`` and
    ``grpc_expect`` what must come back; ``accepted`` cases are stored, then read back."""

    id: str
    kind: str
    why: str
    rest: dict | None = None
    expect: dict = field(default_factory=dict)
    grpc: dict | None = None
    accepted: dict | None = None


def load() -> list[Case]:
    entries = yaml.load(CATALOGUE.read_text(encoding="utf-8"), Loader=_Loader)
    cases = [Case(**entry) for entry in entries["cases"]]
    ids = [case.id for case in cases]
    assert len(ids) == len(set(ids)), "two catalogue cases share an id"
    return cases


CASES = load()


def fill(value, ids: dict):
    """``value`` with every ``<<name>>`` replaced by ``ids[name]``, at any depth."""
    if isinstance(value, str):
        return PLACEHOLDER.sub(lambda match: str(ids[match.group(1)]), value)
    if isinstance(value, dict):
        return {fill(key, ids): fill(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, ids) for item in value]
    return value


def _wsgi(text: str, encoding: str) -> str:
    """A header or query string as WSGI hands it to Django: its bytes, read as latin-1."""
    return text.encode(encoding, "surrogatepass").decode("latin-1")


def send(client, rest: dict, ids: dict):
    """Make the case's REST request with ``client`` (Django's test client, in process).

    ``json`` is a body sent as JSON; ``raw`` a body sent as is, in ``encoding`` (utf-8
    by default; latin-1 turns "\\xff" into the byte 0xFF, i.e. invalid UTF-8);
    ``query`` parameters are percent-encoded as UTF-8, ``raw_query`` sent unencoded.
    """
    rest = fill(rest, ids)
    encoding = rest.get("encoding", "utf-8")
    path = "/api/v1/" + rest["path"]
    extra = {}
    if "query" in rest:
        path += "?" + urlencode(rest["query"], doseq=True)
    if "raw_query" in rest:
        extra["QUERY_STRING"] = _wsgi(rest["raw_query"], encoding)
    for name, value in rest.get("headers", {}).items():
        extra["HTTP_" + name.upper().replace("-", "_")] = _wsgi(value, encoding)
    if "json" in rest:
        # The standard library's JSON writes integers of any size (2**64), orjson not.
        body = json.dumps(rest["json"], ensure_ascii=False, allow_nan=False).encode()
        content_type = rest.get("content_type", "application/json")
    elif "raw" in rest:
        body = rest["raw"].encode(encoding, "surrogatepass")
        content_type = rest.get("content_type", "application/json")
    else:
        body, content_type = b"", rest.get("content_type", "application/octet-stream")
    if content_type is None:  # no Content-Type header at all
        extra["CONTENT_TYPE"] = ""
        content_type = ""
    return client.generic(rest["method"], path, body, content_type, **extra)


# Not the registry's data: a process's lease on serving from Redis, which any hot read
# may take or renew (registry.models.CacheLease).
NOT_DATA = {"registry_cachelease"}


def table_fingerprints() -> dict[str, tuple[int, str]]:
    """Every table of the database (each model's, the outbox, the sessions, the
    migrations …) but NOT_DATA: its row count and a digest of its rows, so that an
    update is seen as well as an insert or a delete."""
    tables = sorted(set(connection.introspection.table_names()) - NOT_DATA)
    quote = connection.ops.quote_name
    query = " UNION ALL ".join(
        f"SELECT %s, count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
        f" FROM {quote(table)} t"
        for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(query, tables)
        return {name: (count, digest) for name, count, digest in cursor.fetchall()}


def changed_tables(before: dict, after: dict) -> dict:
    return {
        table: (before.get(table), after.get(table))
        for table in before.keys() | after.keys()
        if before.get(table) != after.get(table)
    }
