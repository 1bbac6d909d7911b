"""The property tests, randomized and longer: a hunt for inputs the CI's fixed examples miss.

    python bench/properties.py                 # ten times the CI's examples, new ones each run
    python bench/properties.py --scale 50 --seed 7

In CI the property tests draw the same examples on every run (Hypothesis's ``ci`` profile in
``tests/conftest.py``), so a red run always means a change, never chance. This script runs the
same tests without that profile, with ``--scale`` times as many examples
(``LAGEBILD_PROPERTY_EXAMPLES``, ``LAGEBILD_FUZZ_EXAMPLES``), and a random seed unless one is
given. It prints the seed, the examples asked for, the time and the outcome; a failure prints
Hypothesis's smallest failing example and the seed that reproduces it.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: The property tests, and how many examples each draws in CI.
PROPERTY_TESTS = {
    "tests/test_numbers_property.py": ("LAGEBILD_PROPERTY_EXAMPLES", 300),
    "tests/test_fuzz.py": ("LAGEBILD_FUZZ_EXAMPLES", 150),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10, help="times the CI's examples")
    parser.add_argument("--seed", type=int, default=None, help="Hypothesis's seed (random)")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    env = {k: v for k, v in os.environ.items() if k != "CI"}  # not the derandomized profile
    print(f"seed {seed}, scale {args.scale}, on {os.cpu_count()} cores")
    failed = 0
    for path, (variable, examples) in PROPERTY_TESTS.items():
        env[variable] = str(examples * args.scale)
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0",
             f"--hypothesis-seed={seed}", path],
            cwd=REPO, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        seconds = time.perf_counter() - started
        summary = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
        outcome = "PASS" if done.returncode == 0 else "FAIL"
        print(f"{outcome}  {path}: {examples * args.scale} examples per test, "
              f"{seconds:.1f} s: {summary}")  # fmt: skip
        if done.returncode:
            failed += 1
            print(done.stdout[-4000:], done.stderr[-2000:], sep="\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
