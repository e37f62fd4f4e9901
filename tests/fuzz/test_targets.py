"""The fuzz targets in the suite: every seed and every kept crashing input is parsed or
refused with the parser's documented error (a regression test per crash the fuzzer
found). The fuzz run itself is `make fuzz` (in `make reliability`): each target's process
takes a while to start, too long for the suite."""

import contextlib

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
        with contextlib.suppress(target.refusals):
            target.run(data)
