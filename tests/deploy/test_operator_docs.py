"""What the operator's documentation states about the code, checked against the code:
every variable gunicorn's configuration reads is in README's "Configuration", and the
/readyz time limits README gives are the ones registry/health.py uses."""

import re

from registry import health
from tests.deploy.dockerfile import REPOSITORY

README = (REPOSITORY / "README.md").read_text()


def configuration_rows() -> set[str]:
    """The variables named in the first column of README's "Configuration" table."""
    section = README.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    return {
        name
        for line in section.splitlines()
        if line.startswith("| `")
        for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split(" | ")[0])
    }


def test_every_variable_gunicorn_reads_is_in_the_configuration_table():
    read = set(
        re.findall(
            r'environ\.get\("([A-Z_]+)"', (REPOSITORY / "config" / "gunicorn.py").read_text()
        )
    )
    assert {"WEB_CONCURRENCY", "GUNICORN_TIMEOUT", "GUNICORN_ACCESS_LOG"} <= read
    assert sorted(read - configuration_rows()) == []


def test_the_readiness_time_limits_in_the_readme_are_the_code_s():
    section = README.split("\n### Health and metrics\n", 1)[1]
    paragraph = re.sub(r"\s+", " ", section.split("`/readyz` runs its checks", 1)[1][:900])
    assert f"within {health.PROBE_DEADLINE_SECONDS:g} s" in paragraph
    assert f"after {health.CHECK_TIMEOUT_SECONDS:g} s each" in paragraph
