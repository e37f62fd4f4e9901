"""The fuzz targets in the suite: every seed and every kept crashing input is parsed or
refused with the parser's documented error (a regression test per crash the fuzzer
found), and a short fuzz run of each target finds no crash."""

import subprocess
import sys

import pytest

from tests.fuzz.seeds import TARGET_NAMES, seeds
from tests.fuzz.targets import TARGETS


def test_every_target_has_seeds():
    assert set(TARGETS) == set(TARGET_NAMES)
    assert all(seeds(name) for name in TARGET_NAMES)


@pytest.mark.parametrize("name", TARGET_NAMES)
def test_seeds_and_kept_crashes_are_parsed_or_refused_with_the_documented_error(name):
    target = TARGETS[name]
    for data in seeds(name):
        try:
            target.run(data)
        except target.refusals:
            pass


def test_a_short_fuzz_run_of_every_target_finds_no_crash():
    """Two seconds per target (the full run is `make fuzz`, in `make reliability`)."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.fuzz", "--seconds", "2"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr[-4000:]
