"""The request id and the request's log line (registry/requestlog.py), in the JSON format
of production (config/structured_logging.py), and the id in the outbox events a request's
writes record."""

import json

import pytest
from django.test import Client

from assets import services as asset_services
from config import structured_logging
from registry.events.jetstream import encode
from registry.events.outbox import sequence_pending
from registry.models import OutboxEvent
from tests.conftest import token_client
from tests.factories import AssetFactory

pytestmark = pytest.mark.django_db

HOSTILE_REQUEST_IDS = [
    "",
    "x" * 129,  # longer than any id a proxy makes
    'abc" "level":"critical',  # quotes and spaces: a forged field
    "abc\ninjected line",
    "abc\r\nSet-Cookie: a=b",
    "\u0415TH-id",  # not ASCII (a Cyrillic IE)
    "a,b",  # two X-Request-ID headers, joined
]


def test_a_request_logs_one_json_line_with_who_what_and_how_long(viewer, json_lines):
    AssetFactory(symbol="LOGX")

    response = viewer.get("/api/v1/assets/", {"symbol": "LOGX"}, HTTP_X_REQUEST_ID="req-1")

    assert response.status_code == 200
    (line,) = json_lines("request")
    assert line["request_id"] == "req-1"
    assert line["method"] == "GET"
    assert line["route"] == "asset-list"
    assert line["path"] == "/api/v1/assets/"
    assert line["status"] == 200
    assert line["actor"] == "user:viewer"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert line["level"] == "info"
    assert line["logger"] == "registry.requestlog"
    assert line["timestamp"].endswith("Z")


def test_a_hot_lookup_logs_its_route_and_the_token_s_actor(demo, service, json_lines):
    for _ in range(2):  # the full path, then the one-round-trip path from Redis
        response = service.get(
            "/api/v1/resolve/venue-symbol/", {"venue": "binance", "symbol": "ETHUSDT"}
        )
        assert response.status_code == 200

    lines = json_lines("request")
    assert [line["route"] for line in lines] == ["resolve-venue-symbol"] * 2
    assert [line["actor"] for line in lines] == ["service:market-data"] * 2
    assert lines[0]["request_id"] != lines[1]["request_id"]


def test_an_anonymous_request_has_no_actor_and_an_unknown_path_no_route(json_lines):
    response = Client().get("/no-such-page")

    assert response.status_code == 404
    (line,) = json_lines("request")
    assert (line["route"], line["status"], line["actor"]) == ("unmatched", 404, None)


def test_what_the_code_logs_while_serving_carries_the_request_id(json_lines):
    """A record of the logging module (here Django's refusal of a host) is JSON with the
    same keys, the request id among them."""
    Client(HTTP_HOST="evil.example").get("/api/v1/assets/", HTTP_X_REQUEST_ID="host-1")

    (line,) = [line for line in json_lines() if line["logger"] == "django.security.DisallowedHost"]
    assert line["request_id"] == "host-1"
    assert line["level"] == "error"
    assert "evil.example" in line["event"]
    assert line["exception"].startswith("Traceback")


def test_a_given_request_id_is_returned_and_a_missing_one_is_made(viewer):
    given = viewer.get("/api/v1/assets/", HTTP_X_REQUEST_ID="0f8c2a-edge:7/x+y=")
    made = viewer.get("/api/v1/assets/")
    again = viewer.get("/api/v1/assets/")

    assert given["X-Request-ID"] == "0f8c2a-edge:7/x+y="
    assert len(made["X-Request-ID"]) == 36  # a UUID
    assert made["X-Request-ID"] != again["X-Request-ID"]


@pytest.mark.parametrize("hostile", HOSTILE_REQUEST_IDS)
def test_a_hostile_request_id_is_replaced_not_logged(viewer, json_lines, hostile):
    """Anything but a short run of letters, digits and -_.:+=/ is an attacker's (or a
    bug's): it never reaches a log line or the response."""
    response = viewer.get("/api/v1/assets/", HTTP_X_REQUEST_ID=hostile)

    returned = response["X-Request-ID"]
    assert returned != hostile and len(returned) == 36
    (line,) = json_lines("request")
    assert line["request_id"] == returned
    assert "injected" not in json.dumps(json_lines()) and "critical" not in json.dumps(json_lines())


def test_every_kind_of_answer_carries_the_request_id(demo, viewer, admin_client):
    """API, hot lookups (found, not found, unauthenticated), the admin, a redirect, 404s
    inside and outside the API, a refused host: each answers with the id it was given."""
    answers = [
        viewer.get("/api/v1/assets/", HTTP_X_REQUEST_ID="id-1"),
        viewer.get(
            "/api/v1/resolve/venue-symbol/",
            {"venue": "binance", "symbol": "ETHUSDT"},
            HTTP_X_REQUEST_ID="id-1",
        ),
        viewer.get(
            "/api/v1/resolve/venue-symbol/",
            {"venue": "binance", "symbol": "NOPE"},
            HTTP_X_REQUEST_ID="id-1",
        ),
        Client().get("/api/v1/resolve/symbol/", {"symbol": "ETH"}, HTTP_X_REQUEST_ID="id-1"),
        admin_client.get("/admin/", HTTP_X_REQUEST_ID="id-1"),
        Client().get("/admin/", HTTP_X_REQUEST_ID="id-1"),
        Client().get("/api/v1/nope/", HTTP_X_REQUEST_ID="id-1"),
        Client().get("/nope", HTTP_X_REQUEST_ID="id-1"),
        Client(HTTP_HOST="evil.example").get("/api/v1/assets/", HTTP_X_REQUEST_ID="id-1"),
    ]

    assert [answer.status_code for answer in answers] == [
        200,
        200,
        404,
        401,
        200,
        302,
        404,
        404,
        400,
    ]
    assert all(answer["X-Request-ID"] == "id-1" for answer in answers)


def test_an_api_write_records_its_request_id_in_the_event(steward, viewer):
    response = steward.post(
        "/api/v1/assets/",
        {"symbol": "RQID", "name": "Request id token", "asset_type": "ERC20"},
        format="json",
        HTTP_X_REQUEST_ID="write-42",
    )

    assert response.status_code == 201, response.content
    event = OutboxEvent.objects.get(event_type="asset_created")
    assert event.request_id == "write-42"
    sequence_pending()
    (item,) = viewer.get("/api/v1/events/").json()["results"]
    assert item["request_id"] == "write-42"
    event.refresh_from_db()
    _, headers = encode(event)
    assert headers["Cqar-Request-Id"] == "write-42"


def test_a_write_outside_a_request_records_no_request_id():
    """A command or the shell: no id, no header, and no id left over from an earlier
    request of the same thread."""
    token_client("someone").get("/api/v1/assets/", HTTP_X_REQUEST_ID="earlier")

    asset_services.asset_create(symbol="CLI", name="Command token", asset_type="ERC20")

    event = OutboxEvent.objects.get(event_type="asset_created")
    assert event.request_id == ""
    sequence_pending()
    event.refresh_from_db()
    assert "Cqar-Request-Id" not in encode(event)[1]


def test_the_log_format_follows_debug_unless_log_format_is_set():
    assert structured_logging.log_format("", debug=False) == "json"
    assert structured_logging.log_format("", debug=True) == "console"
    assert structured_logging.log_format("JSON", debug=True) == "json"
    with pytest.raises(ValueError, match="LOG_FORMAT must be json or console"):
        structured_logging.log_format("xml", debug=False)
    with pytest.raises(ValueError, match="LOG_LEVEL must be"):
        structured_logging.log_level("loud")
