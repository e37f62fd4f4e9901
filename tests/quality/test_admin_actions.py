"""The flag actions of the admin: raise a flag on selected assets, resolve selected flags.

Both ask for their input on an intermediate page, write through quality.services (one
event per flag), report what the service refused by name, and write nothing on bad input.
"""

import html
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.messages import ERROR, SUCCESS, WARNING
from django.urls import reverse
from django.utils import timezone

from assets import services as asset_services
from quality.admin import MAX_ACTION_ROWS
from quality.choices import FlagType, Severity
from quality.models import AssetQualityFlag
from quality.services import flag_raise
from registry.models import OutboxEvent
from registry.roles import AUDITOR, STEWARD, VIEWER
from tests.factories import AssetFactory

pytestmark = pytest.mark.django_db

ASSETS = reverse("admin:assets_asset_changelist")
FLAGS = reverse("admin:quality_assetqualityflag_changelist")
RAISE = {
    "flag_type": FlagType.EXPLOITED,
    "severity": Severity.HIGH,
    "reason": "Bridge hack",
    "source": "manual",
}
FOUR_EYES = (
    "A CRITICAL flag needs a second person: user:alice raised it, so someone else must resolve it."
)


def staff(username: str, *groups: str) -> User:
    user = User.objects.create_user(username=username, is_staff=True)
    user.groups.set(Group.objects.filter(name__in=groups))
    return user


@pytest.fixture
def alice(client):
    client.force_login(staff("alice", VIEWER, AUDITOR))
    return client


def shown(response) -> dict[int, list[str]]:
    """The messages shown after the action, by level, as HTML with entities decoded."""
    found: dict[int, list[str]] = {}
    for message in response.context["messages"]:
        found.setdefault(message.level, []).append(html.unescape(str(message)))
    return found


def change_url(flag) -> str:
    return reverse("admin:quality_assetqualityflag_change", args=[flag.pk])


def events(event_type: str) -> list[OutboxEvent]:
    return list(OutboxEvent.objects.filter(event_type=event_type).order_by("id"))


def run(client, url: str, action: str, objects, **answers):
    """Post the action as the change list does, then (with answers) as its page does."""
    data = {"action": action, "_selected_action": [obj.pk for obj in objects]}
    if answers:
        data.update(answers, post="yes")
    return client.post(url, data, follow=True)


class TestRaiseOnSelectedAssets:
    def test_selecting_more_than_the_page_can_post_is_refused_with_a_message(self, alice):
        AssetFactory.create_batch(MAX_ACTION_ROWS + 1)

        response = alice.post(
            ASSETS,
            {"action": "raise_flag", "select_across": "1", "_selected_action": ["x"]},
            follow=True,
        )

        assert response.status_code == 200
        (error,) = shown(response)[ERROR]
        assert f"{MAX_ACTION_ROWS + 1} rows are selected" in error
        assert not AssetQualityFlag.objects.exists()

    def test_the_action_first_asks_for_the_flag_and_writes_nothing(self, alice):
        assets = [AssetFactory(), AssetFactory()]

        response = run(alice, ASSETS, "raise_flag", assets)

        assert response.status_code == 200
        assert response.templates[0].name == "quality/admin/flag_action.html"
        assert set(response.context["form"].fields) == {"flag_type", "severity", "reason", "source"}
        assert response.context["form"]["source"].value() == "manual"
        page = response.content.decode()
        for asset in assets:
            assert f'name="_selected_action" value="{asset.pk}"' in page
        assert '<input type="hidden" name="action" value="raise_flag">' in page
        assert '<input type="hidden" name="post" value="yes">' in page
        assert not AssetQualityFlag.objects.exists()

    def test_the_answers_raise_one_flag_per_asset_through_the_service(self, alice):
        assets = [AssetFactory(), AssetFactory(), AssetFactory()]
        untouched = AssetFactory()

        response = run(alice, ASSETS, "raise_flag", assets, **{**RAISE, "source": "certik"})

        assert response.redirect_chain == [(ASSETS, 302)]
        flags = AssetQualityFlag.objects.all()
        assert {flag.asset_id for flag in flags} == {asset.pk for asset in assets}
        assert {
            (f.flag_type, f.severity, f.reason, f.source, f.raised_by, f.is_active) for f in flags
        } == {(FlagType.EXPLOITED, Severity.HIGH, "Bridge hack", "certik", "user:alice", True)}
        raised = events("quality_flag_raised")
        assert sorted(e.entity_id for e in raised) == sorted(str(f.pk) for f in flags)
        assert {e.actor_id for e in raised} == {"user:alice"}
        assert not untouched.quality_flags.exists()
        assert shown(response) == {SUCCESS: ["Raised a High Exploited flag on 3 asset(s)."]}

    @pytest.mark.parametrize(
        ("answers", "field"),
        [
            ({**RAISE, "reason": ""}, "reason"),
            ({**RAISE, "severity": "9"}, "severity"),
            ({**RAISE, "flag_type": "NOT_A_TYPE"}, "flag_type"),
            ({**RAISE, "source": "x" * 101}, "source"),
        ],
    )
    def test_bad_answers_show_the_page_again_with_the_error_and_write_nothing(
        self, alice, answers, field
    ):
        assets = [AssetFactory(), AssetFactory()]

        response = run(alice, ASSETS, "raise_flag", assets, **answers)

        assert response.status_code == 200
        assert response.redirect_chain == []
        form = response.context["form"]
        assert list(form.errors) == [field]
        assert "Please correct the errors below." in response.content.decode()
        assert not AssetQualityFlag.objects.exists()
        assert not events("quality_flag_raised")

    def test_assets_the_service_refuses_are_named_and_the_others_flagged(self, alice):
        flagged, deleted, fine = (
            AssetFactory(symbol="DUP"),
            AssetFactory(symbol="GONE"),
            AssetFactory(),
        )
        existing = flag_raise(asset=flagged, actor="user:bob", **RAISE)
        asset_services.asset_soft_delete(asset=deleted)

        response = run(
            alice,
            ASSETS + "?deleted=all",
            "raise_flag",
            [flagged, deleted, fine],
            **RAISE,
        )

        assert list(flagged.quality_flags.all()) == [existing]
        assert not deleted.quality_flags.exists()
        assert fine.quality_flags.get().raised_by == "user:alice"
        assert len(events("quality_flag_raised")) == 2  # bob's, and the one for `fine`
        messages = shown(response)
        assert messages[SUCCESS] == ["Raised a High Exploited flag on 1 asset(s)."]
        (refused,) = messages[ERROR]
        assert refused.startswith("Not raised on: ")
        assert (
            f"{flagged}</a> (This source already has an active flag of this type on the asset.)"
            in refused
        )
        assert (
            f"{deleted}</a> (deleted) (Asset {deleted.pk} is deleted; restore it first.)" in refused
        )

    def test_a_steward_without_flag_permissions_can_neither_see_nor_run_it(self, client):
        client.force_login(staff("sam", VIEWER, STEWARD))
        asset = AssetFactory()

        listed = client.get(ASSETS)
        response = run(client, ASSETS, "raise_flag", [asset], **RAISE)

        choices = dict(listed.context["action_form"].fields["action"].choices)
        assert "raise_flag" not in choices and "restore_selected" in choices
        assert not AssetQualityFlag.objects.exists()
        assert not events("quality_flag_raised")
        assert shown(response) == {WARNING: ["No action selected."]}


def raised(asset=None, *, severity=Severity.CRITICAL, actor="user:alice", **fields):
    fields.setdefault("flag_type", FlagType.SCAM)
    return flag_raise(
        asset=asset or AssetFactory(), severity=severity, reason="r", actor=actor, **fields
    )


class TestResolveSelectedFlags:
    def test_the_action_first_asks_for_notes_and_says_what_will_be_refused(self, alice):
        own_critical = raised()
        high = raised(severity=Severity.HIGH)
        done = raised(actor="user:bob")
        AssetQualityFlag.objects.filter(pk=done.pk).update(
            raised_at=timezone.now() - timedelta(days=1), resolved_at=timezone.now()
        )

        response = run(alice, FLAGS, "resolve_selected", [own_critical, high, done])

        assert response.status_code == 200
        assert list(response.context["form"].fields) == ["notes", "resolved_at"]
        notes = {
            re.search(r'href="([^"]+)"', label).group(1): note
            for label, note in response.context["rows"]
        }
        assert notes == {
            change_url(own_critical): FOUR_EYES,
            change_url(high): "",
            change_url(done): "Already resolved: skipped.",
        }
        page = response.content.decode()
        assert '<input type="hidden" name="action" value="resolve_selected">' in page
        assert AssetQualityFlag.objects.active().count() == 2

    def test_four_eyes_is_checked_per_flag_and_the_others_are_resolved(self, alice):
        own_critical = raised(AssetFactory(symbol="SCAMCOIN"))
        own_high = raised(severity=Severity.HIGH, flag_type=FlagType.PAUSED)
        bobs_critical = raised(actor="user:bob")
        done = raised(AssetFactory(symbol="OLD"), actor="user:bob")
        AssetQualityFlag.objects.filter(pk=done.pk).update(
            raised_at=timezone.now() - timedelta(days=1),
            resolved_at=timezone.now(),
            resolved_by="user:carol",
        )
        selected = [own_critical, own_high, bobs_critical, done]

        response = run(alice, FLAGS, "resolve_selected", selected, notes="  False positive  ")

        assert response.redirect_chain == [(FLAGS, 302)]
        for flag in selected:
            flag.refresh_from_db()
        assert own_critical.is_active and own_critical.resolution_notes == ""
        assert (own_high.resolved_by, own_high.resolution_notes) == ("user:alice", "False positive")
        assert bobs_critical.resolved_by == "user:alice"
        assert done.resolved_by == "user:carol"  # skipped, not resolved again
        resolved = events("quality_flag_resolved")
        assert sorted(e.entity_id for e in resolved) == sorted(
            [str(own_high.pk), str(bobs_critical.pk)]
        )
        assert {e.actor_id for e in resolved} == {"user:alice"}
        messages = shown(response)
        assert messages[SUCCESS] == ["Resolved 2 flag(s)."]
        (refused,) = messages[ERROR]
        assert refused.startswith("Not resolved: ")
        assert f'<a href="{change_url(own_critical)}">Scam on SCAMCOIN</a> ({FOUR_EYES})' in refused
        assert refused.count("<a href=") == 1
        (skipped,) = messages[WARNING]
        assert skipped.startswith("Skipped 1 already resolved: ")
        assert f'<a href="{change_url(done)}">Scam on OLD</a>' in skipped

    def test_a_second_auditor_resolves_what_the_first_could_not(self, alice, client):
        flag = raised()
        run(alice, FLAGS, "resolve_selected", [flag], notes="Fine")
        assert AssetQualityFlag.objects.get(pk=flag.pk).is_active

        client.force_login(staff("bob", VIEWER, AUDITOR))
        response = run(client, FLAGS, "resolve_selected", [flag], notes="Checked: fine")

        assert shown(response) == {SUCCESS: ["Resolved 1 flag(s)."]}
        flag.refresh_from_db()
        assert (flag.is_active, flag.resolved_by) == (False, "user:bob")

    @pytest.mark.parametrize("notes", ["", "   "])
    def test_notes_are_required_and_without_them_nothing_is_resolved(self, alice, notes):
        flag = raised(severity=Severity.LOW)

        response = run(alice, FLAGS, "resolve_selected", [flag], notes=notes)

        assert response.status_code == 200
        assert response.context["form"].errors == {"notes": ["This field is required."]}
        assert AssetQualityFlag.objects.get(pk=flag.pk).is_active
        assert not events("quality_flag_resolved")

    def test_a_steward_cannot_resolve_flags(self, client):
        client.force_login(staff("sam", VIEWER, STEWARD))
        flag = raised(severity=Severity.LOW)

        listed = client.get(FLAGS)
        run(client, FLAGS, "resolve_selected", [flag], notes="Fine")

        assert listed.status_code == 200  # Stewards see flags
        actions = dict(listed.context["action_form"].fields["action"].choices)
        assert "resolve_selected" not in actions
        assert AssetQualityFlag.objects.get(pk=flag.pk).is_active


class TestFlagPeriodsInTheAdmin:
    """A steward records what was found out later: a flag raised and resolved at earlier
    times, what the point-in-time lookups answer; never in the future."""

    def test_a_flag_raised_and_resolved_earlier(self, alice):
        asset = AssetFactory(symbol="LATE")
        raised_at = timezone.now() - timedelta(days=30)
        added = alice.post(
            reverse("admin:quality_assetqualityflag_add"),
            {
                "asset": str(asset.pk),
                **RAISE,
                "raised_at_0": raised_at.strftime("%Y-%m-%d"),
                "raised_at_1": raised_at.strftime("%H:%M:%S"),
                "evidence_url": "",
                "metadata": "{}",
            },
            follow=True,
        )
        assert added.status_code == 200
        flag = AssetQualityFlag.objects.get(asset=asset)
        assert abs(flag.raised_at - raised_at).total_seconds() < 1
        resolved_at = raised_at + timedelta(days=2)
        run(
            alice,
            FLAGS,
            "resolve_selected",
            [flag],
            notes="Patched",
            resolved_at_0=resolved_at.strftime("%Y-%m-%d"),
            resolved_at_1=resolved_at.strftime("%H:%M:%S"),
        )
        flag.refresh_from_db()
        assert abs(flag.resolved_at - resolved_at).total_seconds() < 1

    def test_a_resolution_before_the_raise_is_refused_by_name(self, alice):
        asset = AssetFactory(symbol="LATE")
        flag = flag_raise(
            asset=asset,
            flag_type=FlagType.SCAM,
            severity=Severity.HIGH,
            reason="x",
            actor="user:bob",
        )
        before = flag.raised_at - timedelta(days=1)
        response = run(
            alice,
            FLAGS,
            "resolve_selected",
            [flag],
            notes="Patched",
            resolved_at_0=before.strftime("%Y-%m-%d"),
            resolved_at_1=before.strftime("%H:%M:%S"),
        )
        flag.refresh_from_db()
        assert flag.is_active
        (refused,) = shown(response)[ERROR]
        assert "Not before the flag was raised" in refused


class TestRaiseFormRefusals:
    """What the service refuses on a raise is shown on the add form, never a 500."""

    @pytest.mark.parametrize(
        ("raised_at", "expected"),
        [
            (timezone.now() + timedelta(days=3650), "Not in the future"),
            (None, "already"),  # a second active flag of the type and source
        ],
    )
    def test_the_add_form_shows_what_the_service_refuses(self, alice, raised_at, expected):
        asset = AssetFactory(symbol="DUP")
        flag_raise(asset=asset, actor="user:bob", **RAISE)
        when = raised_at or timezone.now() - timedelta(days=1)
        response = alice.post(
            reverse("admin:quality_assetqualityflag_add"),
            {
                "asset": str(asset.pk),
                **RAISE,
                "raised_at_0": when.strftime("%Y-%m-%d"),
                "raised_at_1": when.strftime("%H:%M:%S"),
                "evidence_url": "",
                "metadata": "{}",
            },
        )
        assert response.status_code == 200  # the form again, with the reason
        assert expected in html.unescape(response.content.decode())
        assert AssetQualityFlag.objects.filter(asset=asset).count() == 1
