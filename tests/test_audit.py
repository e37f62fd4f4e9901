"""make audit (scripts/audit.py): pip-audit's JSON report read so that a pin it could not
look up is never taken for a clean one, and a vulnerability always fails."""

import pytest

from scripts.audit import main, verdict

CLEAN = {"name": "django", "version": "5.2.19", "vulns": []}
VULNERABLE = {
    "name": "jinja2",
    "version": "3.1.4",
    "vulns": [
        {
            "id": "GHSA-q2x7-8rv6-6q7h",
            "fix_versions": ["3.1.5"],
            "aliases": ["CVE-2024-56201"],
            "description": "Jinja has a sandbox breakout through indirect reference.",
        }
    ],
}
SKIPPED = {
    "name": "requests",
    "skip_reason": "Dependency not found on PyPI and could not be audited: requests (2.34.2)",
}


def report(*dependencies: dict) -> dict:
    return {"dependencies": list(dependencies), "fixes": []}


def test_every_pin_audited_and_clean_passes():
    status, lines = verdict(report(CLEAN))
    assert status == 0 and "1 pinned" in lines[0]


def test_a_vulnerability_fails_naming_its_fix_even_when_other_pins_were_skipped():
    status, lines = verdict(report(CLEAN, VULNERABLE, SKIPPED))
    assert status == 1
    assert "jinja2==3.1.4: GHSA-q2x7-8rv6-6q7h (CVE-2024-56201); fixed in 3.1.5" in lines[1]


def test_pins_that_could_not_be_looked_up_make_the_audit_incomplete_not_clean():
    status, lines = verdict(report(CLEAN, SKIPPED))
    assert status == 2
    assert "1 pins audited, 1 could not be looked up" in lines[0] and "requests" in lines[0]


@pytest.mark.parametrize(
    ("dependencies", "allow_unreachable", "expected"),
    [
        ((SKIPPED,), True, 0),  # make test where the advisories are out of reach
        ((SKIPPED,), False, 2),  # make audit there
        ((VULNERABLE, SKIPPED), True, 1),  # a vulnerability fails make test anyway
    ],
)
def test_make_test_warns_where_the_advisories_are_out_of_reach(
    monkeypatch, capsys, dependencies, allow_unreachable, expected
):
    monkeypatch.setattr("scripts.audit.run_pip_audit", lambda requirements: report(*dependencies))
    arguments = ["--allow-unreachable"] if allow_unreachable else []
    assert main(arguments) == expected


def test_no_network_at_all_is_an_incomplete_audit_not_a_crash(monkeypatch, tmp_path, capsys):
    """With no route to PyPI pip-audit writes no report at all (a connection error), not
    skipped pins: `make test` warns, `make audit` says the audit is incomplete (2)."""
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("django==5.2.19\n")
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # the discard port: refused
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)

    assert main(["--requirements", str(requirements), "--allow-unreachable"]) == 0
    assert "could not be read" in capsys.readouterr().err
    assert main(["--requirements", str(requirements)]) == 2
