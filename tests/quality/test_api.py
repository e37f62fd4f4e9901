"""/api/v1/quality-flags/: raising, resolving and listing flags, and who may do it.

What every entity endpoint keeps (ETag and If-Match, roles, pagination and ordering,
the error shape) is tested once for all in tests/api/test_contract.py."""

import pytest

from assets.models import Asset
from quality.choices import FlagType, Severity
from quality.models import AssetQualityFlag
from tests.api.conftest import assert_error
from tests.factories import AssetFactory, AssetQualityFlagFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/quality-flags/"


def resolve_url(flag) -> str:
    return f"{URL}{flag.flag_id}/resolve/"


def flag_body(asset, **overrides) -> dict:
    return {
        "asset": str(asset.asset_id),
        "flag_type": "EXPLOITED",
        "severity": 4,
        "reason": "Bridge contract drained.",
        **overrides,
    }


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["flag_id"] for row in response.json()["results"]]


def test_auditor_raises_a_flag_recorded_as_its_user(auditor):
    """An auditor raises a flag: 201, stored active, raised_by 'user:<name>'."""
    asset = AssetFactory()

    response = auditor.post(URL, flag_body(asset), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["raised_by"] == "user:auditor"
    assert body["is_active"] is True
    assert body["severity_name"] == "High"
    assert body["source"] == "manual"
    flag = AssetQualityFlag.objects.get(flag_id=body["flag_id"])
    assert flag.asset_id == asset.asset_id
    assert flag.raised_by == "user:auditor"
    assert response["ETag"] == f'"{flag.version}"'


def test_service_account_raises_a_flag_recorded_as_service(service):
    """A service account's flag is recorded as raised_by 'service:<account>'."""
    response = service.post(URL, flag_body(AssetFactory(), source="certik"), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["raised_by"] == "service:market-data"
    flag = AssetQualityFlag.objects.get(flag_id=response.json()["flag_id"])
    assert flag.raised_by == "service:market-data"
    assert flag.source == "certik"


def test_raised_by_in_the_body_is_ignored(auditor):
    """A client cannot claim to be someone else: raised_by comes from the token."""
    response = auditor.post(
        URL, flag_body(AssetFactory(), raised_by="user:somebody-else"), format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["raised_by"] == "user:auditor"


def test_raise_with_invalid_fields_is_400(auditor):
    """Unknown flag type, out-of-range severity and missing reason are 400s naming the field."""
    asset = AssetFactory()

    assert_error(
        auditor.post(URL, flag_body(asset, flag_type="UGLY"), format="json"),
        400,
        "invalid",
        "flag_type",
    )
    assert_error(
        auditor.post(URL, flag_body(asset, severity=9), format="json"), 400, "invalid", "severity"
    )
    body = flag_body(asset)
    del body["reason"]
    assert_error(auditor.post(URL, body, format="json"), 400, "invalid", "reason")
    assert not AssetQualityFlag.objects.exists()


def test_raise_on_unknown_asset_is_400(auditor):
    """A flag on an asset that does not exist is a 400 on asset."""
    response = auditor.post(
        URL,
        {**flag_body(AssetFactory()), "asset": "00000000-0000-0000-0000-000000000000"},
        format="json",
    )

    assert_error(response, 400, "invalid", "asset")


def test_same_active_flag_from_the_same_source_is_409(auditor):
    """A source re-raising an active flag of one type on one asset is a duplicate: 409."""
    existing = AssetQualityFlagFactory(flag_type=FlagType.HONEYPOT, source="certik")

    response = auditor.post(
        URL,
        flag_body(existing.asset, flag_type="HONEYPOT", source="certik"),
        format="json",
    )

    assert_error(response, 409)
    assert AssetQualityFlag.objects.count() == 1


def test_resolve_with_notes(auditor):
    """POST {id}/resolve/ closes the flag with the notes and the resolver's actor id."""
    flag = AssetQualityFlagFactory()

    response = auditor.post(resolve_url(flag), {"notes": "  False positive.  "}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["is_active"] is False
    assert body["resolved_by"] == "user:auditor"
    assert body["resolution_notes"] == "False positive."
    assert body["resolved_at"] is not None
    flag.refresh_from_db()
    assert flag.resolved_at is not None
    assert flag.resolved_by == "user:auditor"
    assert response["ETag"] == f'"{flag.version}"'


def test_service_account_resolves_as_service(service):
    """A service account's resolution is recorded as 'service:<account>'."""
    flag = AssetQualityFlagFactory()

    response = service.post(resolve_url(flag), {"notes": "Patched upstream."}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["resolved_by"] == "service:market-data"


def test_resolving_twice_is_400(auditor):
    """A resolved flag cannot be resolved again; the first resolution is kept."""
    flag = AssetQualityFlagFactory()
    auditor.post(resolve_url(flag), {"notes": "First."}, format="json")

    response = auditor.post(resolve_url(flag), {"notes": "Second."}, format="json")

    assert_error(response, 400, "invalid", "resolved_at")
    flag.refresh_from_db()
    assert flag.resolution_notes == "First."


@pytest.mark.parametrize("notes", ["", "   "])
def test_resolve_with_empty_notes_is_400(auditor, notes):
    """Notes saying why are required: empty or blank notes are a 400; the flag stays active."""
    flag = AssetQualityFlagFactory()

    response = auditor.post(resolve_url(flag), {"notes": notes}, format="json")

    assert_error(response, 400, "invalid", "notes")
    flag.refresh_from_db()
    assert flag.resolved_at is None


def test_resolve_without_notes_is_400(auditor):
    """A resolve without a notes field is a 400 on notes."""
    flag = AssetQualityFlagFactory()

    assert_error(auditor.post(resolve_url(flag), {}, format="json"), 400, "invalid", "notes")


def test_resolve_unknown_flag_is_404(auditor):
    """Resolving a flag that does not exist is a 404."""
    response = auditor.post(
        f"{URL}00000000-0000-0000-0000-000000000000/resolve/", {"notes": "x"}, format="json"
    )

    assert_error(response, 404)


def test_flags_cannot_be_edited_or_deleted(auditor):
    """Flags are raised and resolved, never rewritten: PATCH is a 405; DELETE is refused
    (no role holds the delete permission, so 403 before 405); the flag is unchanged."""
    flag = AssetQualityFlagFactory()

    assert_error(auditor.patch(f"{URL}{flag.flag_id}/", {"severity": 1}, format="json"), 405)
    deleted = auditor.delete(f"{URL}{flag.flag_id}/")
    assert_error(deleted, deleted.status_code)
    assert deleted.status_code in (403, 405)
    flag.refresh_from_db()
    assert flag.severity == Severity.CRITICAL


def test_list_filters_by_asset(viewer):
    """asset keeps the flags of that asset only."""
    target = AssetFactory()
    mine = AssetQualityFlagFactory(asset=target)
    AssetQualityFlagFactory()

    assert ids(viewer.get(URL, {"asset": str(target.asset_id)})) == [str(mine.flag_id)]


def test_list_filters_by_flag_type(viewer):
    """flag_type keeps flags of the given types (one or several)."""
    scam = AssetQualityFlagFactory(flag_type=FlagType.SCAM)
    paused = AssetQualityFlagFactory(flag_type=FlagType.PAUSED)
    AssetQualityFlagFactory(flag_type=FlagType.DEPRECATED)

    assert ids(viewer.get(URL, {"flag_type": "PAUSED"})) == [str(paused.flag_id)]
    assert sorted(ids(viewer.get(URL, {"flag_type": ["SCAM", "PAUSED"]}))) == sorted(
        [str(scam.flag_id), str(paused.flag_id)]
    )


def test_list_filters_by_min_severity(viewer):
    """min_severity keeps flags at least that severe, most severe first."""
    critical = AssetQualityFlagFactory(severity=Severity.CRITICAL)
    high = AssetQualityFlagFactory(severity=Severity.HIGH)
    AssetQualityFlagFactory(severity=Severity.MEDIUM)
    AssetQualityFlagFactory(severity=Severity.INFO)

    assert ids(viewer.get(URL, {"min_severity": 4})) == [str(critical.flag_id), str(high.flag_id)]
    assert len(ids(viewer.get(URL, {"min_severity": 1}))) == 4


def test_min_severity_out_of_range_is_400(viewer):
    """A min_severity outside 1..5 is a 400 naming the parameter."""
    assert_error(viewer.get(URL, {"min_severity": 7}), 400, "invalid", "min_severity")


def test_list_filters_active_only(viewer, auditor):
    """active_only=true hides resolved flags; without it, resolved flags are listed too."""
    active = AssetQualityFlagFactory()
    resolved = AssetQualityFlagFactory()
    auditor.post(resolve_url(resolved), {"notes": "Fixed."}, format="json")

    assert ids(viewer.get(URL, {"active_only": "true"})) == [str(active.flag_id)]
    assert sorted(ids(viewer.get(URL))) == sorted([str(active.flag_id), str(resolved.flag_id)])
    assert len(ids(viewer.get(URL, {"active_only": "false"}))) == 2


def test_list_filters_by_source(viewer):
    """source keeps the flags of that auditor."""
    certik = AssetQualityFlagFactory(source="certik")
    AssetQualityFlagFactory(source="manual")

    assert ids(viewer.get(URL, {"source": "certik"})) == [str(certik.flag_id)]


def test_list_filters_combine(viewer):
    """Filters combine: asset + min_severity + active_only."""
    asset = AssetFactory()
    wanted = AssetQualityFlagFactory(asset=asset, severity=Severity.CRITICAL)
    AssetQualityFlagFactory(asset=asset, severity=Severity.LOW, flag_type=FlagType.PAUSED)
    AssetQualityFlagFactory(severity=Severity.CRITICAL)

    response = viewer.get(
        URL, {"asset": str(asset.asset_id), "min_severity": 5, "active_only": "true"}
    )

    assert ids(response) == [str(wanted.flag_id)]
    assert response.json()["total_count"] == 1


def test_flags_of_a_deleted_asset_are_not_listed(viewer):
    """A soft-deleted asset's flags are hidden from the list and from get (404)."""
    flag = AssetQualityFlagFactory()
    Asset.objects.filter(pk=flag.asset_id).update(deleted_at="2024-01-01T00:00:00Z")

    assert ids(viewer.get(URL)) == []
    assert_error(viewer.get(f"{URL}{flag.flag_id}/"), 404)


def test_raise_on_a_soft_deleted_asset_is_400(auditor):
    """A flag cannot be raised on a soft-deleted asset: 400 on asset, nothing stored."""
    asset = AssetFactory()
    Asset.objects.filter(pk=asset.pk).update(deleted_at="2024-01-01T00:00:00Z")

    response = auditor.post(URL, flag_body(asset), format="json")

    assert_error(response, 400, "invalid", "asset")
    assert not AssetQualityFlag.objects.exists()


def test_resolve_with_current_if_match_succeeds(auditor):
    """A resolve naming the flag's current version goes through."""
    flag = AssetQualityFlagFactory()

    response = auditor.post(
        resolve_url(flag), {"notes": "Done."}, format="json", HTTP_IF_MATCH=f'"{flag.version}"'
    )

    assert response.status_code == 200, response.content
    assert response.json()["is_active"] is False


def test_a_resolved_flag_may_be_raised_again(auditor):
    """Once resolved, the same source may raise the same flag type on the asset anew."""
    first = AssetQualityFlagFactory(flag_type=FlagType.PAUSED, source="manual")
    auditor.post(resolve_url(first), {"notes": "Unpaused."}, format="json")

    response = auditor.post(URL, flag_body(first.asset, flag_type="PAUSED"), format="json")

    assert response.status_code == 201, response.content
    assert AssetQualityFlag.objects.filter(asset=first.asset).count() == 2
