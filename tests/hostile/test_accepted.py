"""The catalogue's accepted cases: odd input the registry stores (normalized where its
rules say so). What was stored must then be readable by every reader: the answer
itself, the list, the exports (CSV and JSON), the admin's list and change pages, the
event feed, and the event as published in protobuf and JSON; a lookalike must not join
the answers of what it looks like."""

import html
import logging

import orjson
import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.urls import reverse
from google.protobuf import json_format

from registry.events.jetstream import encode
from registry.events.outbox import sequence_pending
from registry.events.types import event_type
from registry.models import OutboxEvent
from tests.api.test_limits import exported
from tests.hostile.catalogue import CASES, fill, send

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("registry_once")]

ACCEPTED = [case for case in CASES if case.accepted]


def texts(value) -> list[str]:
    """Every string in ``value``, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in (*texts(key), *texts(item))]
    if isinstance(value, list):
        return [text for item in value for text in texts(item)]
    return []


def shows(row: dict, stored: dict) -> bool:
    return all(row.get(name) == value for name, value in stored.items())


def carries(value, stored: dict) -> bool:
    """Each string of ``stored`` is in some string of ``value`` (an event's payload)."""
    found = texts(value)
    return all(any(text in other for other in found) for text in texts(stored))


@pytest.mark.parametrize("case", ACCEPTED, ids=[case.id for case in ACCEPTED])
def test_accepted_input_is_readable_by_every_reader(case, registry_once, caplog):
    clients, ids = registry_once["clients"], registry_once["ids"]
    spec = fill(case.accepted, ids)
    stored, viewer = spec["stored"], clients["viewer"]
    model = apps.get_model(spec["model"])
    resource = case.rest["path"].strip("/")

    with caplog.at_level(logging.ERROR):
        created = send(clients[case.rest.get("as", "steward")], case.rest, ids)
        assert created.status_code == case.expect["status"], created.content[:2000]
        assert shows(created.json(), stored), created.json()
        pk = created.json()[model._meta.pk.name]

        # The list and the exports.
        listed = viewer.get(f"/api/v1/{resource}/", {"page_size": 1000})
        assert listed.status_code == 200, listed.content[:2000]
        assert [row for row in listed.json()["results"] if shows(row, stored)]
        for fmt in ("csv", "json"):
            rows = [row for row in exported(resource, fmt) if str(row[model._meta.pk.name]) == pk]
            assert len(rows) == 1, fmt
            assert shows(rows[0], stored), (fmt, rows[0])

        # A lookalike does not join the answers of what it looks like.
        if "lookup" in spec:
            lookup = spec["lookup"]
            found = viewer.get(f"/api/v1/{lookup['path']}", lookup["query"])
            assert found.status_code == 200, found.content[:2000]
            assert found.json()["total_count"] == lookup["total_count"], found.json()

        # The admin's list and change pages, as a superuser.
        admin = Client()
        admin.force_login(User.objects.get(username="admin"))
        meta = model._meta
        for page in (
            reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"),
            reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[pk]),
        ):
            answer = admin.get(page)
            assert answer.status_code == 200, page
        content = html.unescape(answer.content.decode())
        assert all(text in content for text in texts(stored)), texts(stored)

        # The feed, and the event as published in either encoding.
        sequence_pending()
        row = OutboxEvent.objects.get(event_type=spec["event"], entity_id=pk)
        feed = viewer.get("/api/v1/events/", {"type": spec["event"], "limit": 1000})
        assert feed.status_code == 200, feed.content[:2000]
        (event,) = [e for e in feed.json()["results"] if e["sequence"] == row.sequence]
        assert carries(event["payload"], stored), event["payload"]
        with override_settings(EVENTS_ENCODING="protobuf"):
            body = encode(row)[0]
        message = event_type(row.event_type).message.FromString(body)
        decoded = json_format.MessageToDict(message)
        assert carries(decoded, stored), decoded
        with override_settings(EVENTS_ENCODING="json"):
            assert orjson.loads(encode(row)[0]) == event["payload"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
