"""make audit: the pinned requirements (requirements/constraints.txt) against PyPI's
advisory data, with pip-audit.

pip-audit reports a package it could not look up as skipped and still exits 0, so a run
where PyPI's advisory data is out of reach would pass as "no known vulnerabilities".
This script reads its JSON report instead and exits:

- 0: every pin was audited and none has a known vulnerability;
- 1: a pin has one (listed, with the versions that fix it);
- 2: the advisories could not be read for some pins (listed), so the audit is incomplete;
  with ``--allow-unreachable`` (``make test``) that is a warning and exit 0, since an
  offline run cannot audit and a run that can still fails on a vulnerability.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
CONSTRAINTS = REPOSITORY / "requirements" / "constraints.txt"
AUDIT_SECONDS = 300  # a network that drops packets silently must not hold `make test`


class AdvisoriesUnreachable(Exception):
    """pip-audit could not read the advisories at all."""


def run_pip_audit(requirements: Path) -> dict:
    """pip-audit's JSON report of ``requirements`` (exact pins, so no resolution)."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip_audit",
            "--requirement",
            str(requirements),
            "--no-deps",
            "--disable-pip",
            "--vulnerability-service",
            "pypi",
            "--progress-spinner",
            "off",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=AUDIT_SECONDS,
    )
    if not result.stdout.strip():
        # No network at all: pip-audit stops with a connection error and no report.
        raise AdvisoriesUnreachable(
            f"pip-audit wrote no report (exit {result.returncode}):\n{result.stderr[-2000:]}"
        )
    return json.loads(result.stdout)


def verdict(report: dict) -> tuple[int, list[str]]:
    """(exit status, lines to print) for a pip-audit JSON report."""
    vulnerable, skipped, audited = [], [], 0
    for dependency in report["dependencies"]:
        if "skip_reason" in dependency:
            skipped.append(dependency)
            continue
        audited += 1
        for vulnerability in dependency.get("vulns", []):
            fixed = ", ".join(vulnerability.get("fix_versions", [])) or "no fixed version yet"
            aliases = ", ".join(vulnerability.get("aliases", []))
            vulnerable.append(
                f"  {dependency['name']}=={dependency['version']}: {vulnerability['id']}"
                f"{f' ({aliases})' if aliases else ''}; fixed in {fixed}"
            )
    if vulnerable:
        return 1, ["Known vulnerabilities in the pinned requirements:", *vulnerable]
    if skipped:
        return 2, [
            f"Audit incomplete: {audited} pins audited, {len(skipped)} could not be looked up "
            "in PyPI's advisory data (unreachable from here?): "
            + ", ".join(dependency["name"] for dependency in skipped),
            f"  e.g. {skipped[0]['skip_reason']}",
        ]
    return 0, [f"No known vulnerabilities in the {audited} pinned requirements."]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requirements", type=Path, default=CONSTRAINTS)
    parser.add_argument(
        "--allow-unreachable",
        action="store_true",
        help="exit 0 when the advisories cannot be read (still 1 on a vulnerability)",
    )
    arguments = parser.parse_args(argv)
    try:
        status, lines = verdict(run_pip_audit(arguments.requirements))
    except (AdvisoriesUnreachable, subprocess.TimeoutExpired) as error:
        status, lines = 2, [f"Audit incomplete: the advisories could not be read: {error}"]
    print("\n".join(lines), file=sys.stderr if status else sys.stdout)
    if status == 2 and arguments.allow_unreachable:
        print("make audit: skipped, not failed (--allow-unreachable).", file=sys.stderr)
        return 0
    return status


if __name__ == "__main__":
    sys.exit(main())
