"""Every refused case of the catalogue, sent to the REST API: a 4xx in the error shape
(or, for a read whose input is odd but harmless, the answer the case states), no error
logged, and not one row of any table written, changed or deleted."""

import logging

import pytest

from tests.api.conftest import assert_error
from tests.hostile.catalogue import CASES, changed_tables, send, table_fingerprints

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("registry_once")]

REFUSED = [case for case in CASES if case.rest and not case.accepted]


@pytest.mark.parametrize("case", REFUSED, ids=[case.id for case in REFUSED])
def test_hostile_input_is_refused_and_writes_nothing(case, registry_once, caplog):
    clients, ids = registry_once["clients"], registry_once["ids"]
    before = table_fingerprints()

    with caplog.at_level(logging.ERROR):
        response = send(clients[case.rest.get("as", "steward")], case.rest, ids)

    expect = case.expect
    assert b"Traceback" not in response.content
    if expect["status"] >= 400:
        assert_error(response, expect["status"], expect.get("code"), expect.get("field"))
        if "reason" in expect:
            reasons = response.json()["error"]["fields"].get(expect.get("field"), [])
            assert any(expect["reason"] in reason for reason in reasons), response.json()
    else:
        assert response.status_code == expect["status"], response.content[:2000]
        if "total_count" in expect:
            assert response.json()["total_count"] == expect["total_count"], response.json()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    assert changed_tables(before, table_fingerprints()) == {}
