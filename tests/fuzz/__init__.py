"""Fuzz targets (atheris) for the registry's parsers of outside input, and their runner.

``python -m tests.fuzz [--seconds N] [--target NAME]`` runs each target (all by default)
for N seconds in a process of its own, its corpus seeded from tests/fixtures/ samples
and the kept crashing inputs (tests/fuzz/regressions/<target>/). A target may refuse
an input only with its documented error (SourceError, ItemRejected, the page token's
400); any other exception is a crash: the runner saves the input next to the kept ones
and exits non-zero. ``make fuzz`` runs it; ``make reliability`` runs it after the
scenarios. tests/fuzz/test_targets.py replays the seeds and the kept inputs in the suite.
"""
