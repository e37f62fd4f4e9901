"""python -m tests.fuzz [--seconds N] [--target NAME …]: run each fuzz target for N
seconds (its own process, corpus seeded from tests/fixtures/ and the kept crashes);
save each crashing input under tests/fuzz/regressions/<target>/ and exit 1 on any."""

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.fuzz.seeds import REGRESSIONS, TARGET_NAMES, seeds

# Inputs up to 8 KB: enough for a few tokens, chains or markets; longer ones only slow
# each run. A single input may take 10 s before it counts as a hang.
LIBFUZZER_FLAGS = ("-max_len=8192", "-timeout=10", "-rss_limit_mb=2048", "-print_final_stats=1")


def fuzz(name: str, seconds: int) -> tuple[bool, list[Path]]:
    """Run one target; (passed, the crashing inputs saved)."""
    with tempfile.TemporaryDirectory(prefix=f"fuzz-{name}-") as work:
        corpus, artifacts = Path(work, "corpus"), Path(work, "artifacts")
        corpus.mkdir()
        artifacts.mkdir()
        for index, seed in enumerate(seeds(name)):
            (corpus / f"seed-{index}").write_bytes(seed)
        command = [
            sys.executable,
            "-m",
            "tests.fuzz.worker",
            name,
            f"-max_total_time={seconds}",
            f"-artifact_prefix={artifacts}/",
            *LIBFUZZER_FLAGS,
            str(corpus),
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        saved = []
        for artifact in sorted(artifacts.iterdir()):
            folder = REGRESSIONS / name
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy(artifact, folder / artifact.name)
            saved.append(folder / artifact.name)
        passed = result.returncode == 0 and not saved
        if not passed:
            print(result.stderr[-6000:], file=sys.stderr)
        else:
            stats = [
                line
                for line in result.stderr.splitlines()
                if "stat::number_of_executed_units" in line
            ]
            print(f"   {stats[-1].split(':')[-1].strip() if stats else '?'} inputs", flush=True)
        return passed, saved


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    parser.add_argument("--seconds", type=int, default=30, help="per target (default 30)")
    parser.add_argument("--target", action="append", choices=TARGET_NAMES, help="repeatable")
    options = parser.parse_args(argv)
    failed = []
    for name in options.target or TARGET_NAMES:
        started = time.monotonic()
        print(f"== fuzz {name} for {options.seconds} s ...", flush=True)
        passed, saved = fuzz(name, options.seconds)
        took = time.monotonic() - started
        print(f"   {'ok' if passed else 'CRASH'} in {took:.0f} s", flush=True)
        for path in saved:
            print(f"   crashing input kept: {path}", flush=True)
        if not passed:
            failed.append(name)
    if failed:
        print(f"fuzzing found crashes in: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
