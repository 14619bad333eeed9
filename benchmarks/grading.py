"""How fast `mlcourse grade` is, serial against parallel.

Grades N synthetic submissions of ex01_losses (a mix of correct and wrong ones, built
from the release like tests/grading_fixtures) with --jobs 1 and --jobs 2, and prints
seconds per submission, the parallel/serial ratio and whether the scores agree.
Target on 2 cores: parallel <= 0.6x serial. The machine may be shared: rerun for noise.

    .venv/bin/python benchmarks/grading.py [N]
"""

import csv
import os
import shutil
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "grading_fixtures"))

import submissions as fixtures  # noqa: E402

from mlcourse.grading.batch import grade  # noqa: E402

KINDS = ["correct", "mse_grad_no_factor_2", "ce_naive_softmax", "mse_summed", "ce_grad_no_onehot", "calls_reference"]


def main(n=12):
    release = os.path.join(ROOT, "exercises", "ex01_losses", "ex01_losses.ipynb")
    with tempfile.TemporaryDirectory() as scratch:
        folder = os.path.join(scratch, "submissions")
        cases = {f"student{i:03d}": fixtures.EX01[KINDS[i % len(KINDS)]] for i in range(n)}
        fixtures.build(release, folder, cases)
        timings, tables = {}, {}
        for jobs in (1, 2):
            out = os.path.join(scratch, f"out{jobs}")
            start = time.perf_counter()
            grade(ROOT, "ex01_losses", folder, out, jobs=jobs, progress=False)
            timings[jobs] = time.perf_counter() - start
            with open(os.path.join(out, "grades.csv")) as f:
                tables[jobs] = [(r["student"], r["score"], r["status"]) for r in csv.DictReader(f)]
            shutil.rmtree(out)
    print(f"mlcourse grade ex01_losses, {n} submissions ({', '.join(KINDS)} in turn), {os.cpu_count()} cores")
    for jobs, seconds in timings.items():
        print(f"  --jobs {jobs}: {seconds:6.1f} s total, {seconds / n:5.2f} s per submission")
    print(f"  parallel / serial = {timings[2] / timings[1]:.2f}  (target <= 0.60)")
    same = tables[1] == tables[2]
    print(f"  identical scores and statuses: {'yes' if same else 'NO'}")
    for serial, parallel in zip(tables[1], tables[2]):
        if serial != parallel:
            print(f"    differs: --jobs 1 {serial}  --jobs 2 {parallel}")
    scores = sorted({score for _, score, _ in tables[1]})
    print(f"  scores seen: {', '.join(scores)}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 12))
