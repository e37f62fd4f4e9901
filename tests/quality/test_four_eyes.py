"""Four eyes: a CRITICAL flag is resolved by someone other than the actor who raised it,
in the service, and so through the API and the admin alike."""

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from quality.choices import Severity
from quality.models import AssetQualityFlag
from quality.services import flag_raise, flag_resolve
from registry.exceptions import FourEyesError
from registry.roles import AUDITOR, VIEWER
from tests.api.conftest import assert_error, token_client
from tests.factories import AssetFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/quality-flags/"
MESSAGE = (
    "A CRITICAL flag needs a second person: user:{} raised it, so someone else must resolve it."
)


def raise_flag(severity=Severity.CRITICAL, actor="user:alice", **fields):
    return flag_raise(
        asset=AssetFactory(),
        flag_type="SCAM",
        severity=severity,
        reason="Impersonates USDC",
        actor=actor,
        **fields,
    )


# The API


def test_the_raiser_of_a_critical_flag_cannot_resolve_it_but_a_second_auditor_can(auditor):
    body = {"asset": str(AssetFactory().pk), "flag_type": "SCAM", "severity": 5, "reason": "x"}
    raised = auditor.post(URL, body, format="json")
    assert raised.status_code == 201, raised.content
    flag = AssetQualityFlag.objects.get(pk=raised.json()["flag_id"])
    resolve = f"{URL}{flag.pk}/resolve/"

    refused = auditor.post(resolve, {"notes": "Looked again, fine"}, format="json")

    error = assert_error(refused, 403, "four_eyes_required")
    assert error["message"] == MESSAGE.format("auditor")
    unchanged = AssetQualityFlag.objects.get(pk=flag.pk)
    assert (unchanged.is_active, unchanged.version) == (True, flag.version)
    assert (unchanged.resolved_by, unchanged.resolution_notes) == ("", "")

    second = token_client("auditor-b", VIEWER, AUDITOR)
    resolved = second.post(resolve, {"notes": "Confirmed false positive"}, format="json")

    assert resolved.status_code == 200, resolved.content
    assert resolved.json()["resolved_by"] == "user:auditor-b"
    assert resolved.json()["is_active"] is False
    flag.refresh_from_db()
    assert (flag.is_active, flag.resolved_by, flag.version) == (False, "user:auditor-b", 2)


def test_the_raiser_of_a_high_flag_resolves_it_through_the_api(auditor):
    body = {"asset": str(AssetFactory().pk), "flag_type": "PAUSED", "severity": 4, "reason": "x"}
    flag_id = auditor.post(URL, body, format="json").json()["flag_id"]

    response = auditor.post(f"{URL}{flag_id}/resolve/", {"notes": "Resumed"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["resolved_by"] == "user:auditor"


# The service


def test_the_service_refuses_the_raiser_of_a_critical_flag():
    flag = raise_flag(actor="user:alice")

    with pytest.raises(FourEyesError) as refused:
        flag_resolve(flag=flag, actor="user:alice", notes="Fine after all")

    assert refused.value.code == "four_eyes_required"
    assert refused.value.message == MESSAGE.format("alice")
    flag.refresh_from_db()
    assert (flag.is_active, flag.version) == (True, 1)
    flag_resolve(flag=flag, actor="user:bob", notes="Fine after all")
    flag.refresh_from_db()
    assert (flag.is_active, flag.resolved_by) == (False, "user:bob")


@pytest.mark.parametrize("severity", [Severity.INFO, Severity.MEDIUM, Severity.HIGH])
def test_the_raiser_of_a_non_critical_flag_may_resolve_it(severity):
    flag = raise_flag(severity=severity, actor="user:alice")

    flag_resolve(flag=flag, actor="user:alice", notes="Fixed")

    flag.refresh_from_db()
    assert (flag.is_active, flag.resolved_by) == (False, "user:alice")


def test_a_legacy_critical_flag_without_a_raiser_is_not_blocked():
    flag = raise_flag(actor="")

    flag_resolve(flag=flag, actor="user:alice", notes="Old flag, checked")

    flag.refresh_from_db()
    assert (flag.is_active, flag.resolved_by) == (False, "user:alice")


# The admin


def staff_auditor(username: str) -> User:
    user = User.objects.create_user(username=username, is_staff=True)
    user.groups.set(Group.objects.filter(name__in=[VIEWER, AUDITOR]))
    return user


def resolve_from_its_page(client, flag, notes: str):
    """What the flag page's "Resolve this flag" button posts, with the notes its page asks."""
    return client.post(
        reverse("admin:quality_assetqualityflag_changelist"),
        {
            "action": "resolve_selected",
            "_selected_action": [flag.pk],
            "_return_to_flag": "1",
            "notes": notes,
            "post": "yes",
        },
        follow=True,
    )


def test_the_admin_shows_the_refusal_and_saves_nothing(client):
    alice = staff_auditor("alice")
    flag = raise_flag(actor="user:alice")
    client.force_login(alice)

    response = resolve_from_its_page(client, flag, "Fine after all")

    assert response.status_code == 200, response.content[:2000]
    assert MESSAGE.format("alice") in response.content.decode()
    stored = AssetQualityFlag.objects.get(pk=flag.pk)
    assert (stored.is_active, stored.version, stored.resolution_notes) == (True, 1, "")

    client.force_login(staff_auditor("bob"))
    response = resolve_from_its_page(client, flag, "Confirmed false positive")

    assert response.redirect_chain[-1][0] == reverse(
        "admin:quality_assetqualityflag_change", args=[flag.pk]
    )
    stored.refresh_from_db()
    assert (stored.is_active, stored.resolved_by) == (False, "user:bob")


def test_the_admin_lets_the_raiser_resolve_a_high_flag(client):
    client.force_login(staff_auditor("alice"))
    flag = raise_flag(severity=Severity.HIGH, actor="user:alice")

    resolve_from_its_page(client, flag, "Resumed")

    flag.refresh_from_db()
    assert (flag.is_active, flag.resolved_by) == (False, "user:alice")
