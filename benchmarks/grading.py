"""How fast `mlcourse grade` is: per submission, serial against parallel, and against a baseline.

Grades N synthetic submissions of ex01_losses (a mix of correct and wrong ones, built
from the release like tests/grading_fixtures) with --jobs 1 and --jobs 2, and prints
seconds per submission, the parallel/serial ratio and whether the scores agree.
Target on 2 cores: parallel <= 0.6x serial. The machine may be shared: rerun for noise.

With ``--baseline CHECKOUT`` (another checkout of the course with its own .venv, e.g.
``/work/main`` before the oracle and the sandbox landed) it also times that checkout's
grader on the same submissions, alternating with this one for ``--rounds`` rounds, and
prints the medians: the cost of the oracle and the sandbox per submission. Each round
grades with the course template already made (it is cached), so the figure is the
time per submission, not the one-off preparation of an assignment.

    .venv/bin/python benchmarks/grading.py [N] [--baseline /work/main] [--rounds 3]
"""

import argparse
import csv
import glob
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "grading_fixtures"))

import submissions as fixtures  # noqa: E402

KINDS = ["correct", "mse_grad_no_factor_2", "ce_naive_softmax", "mse_summed", "ce_grad_no_onehot", "calls_reference"]
TIMED = """
import sys, time
from mlcourse.grading.batch import grade
start = time.perf_counter()
grade({root!r}, "ex01_losses", {folder!r}, {out!r}, jobs={jobs}, progress=False)
print(time.perf_counter() - start)
"""


def timed_grade(checkout, folder, out, jobs):
    """Seconds a checkout's grader takes, results not cached (the course template is)."""
    for cached in glob.glob(os.path.join(out, ".cache", "ex01_losses", "*.json")):
        os.remove(cached)
    python = os.path.join(checkout, ".venv", "bin", "python")
    run = subprocess.run([python, "-c", TIMED.format(root=checkout, folder=folder, out=out, jobs=jobs)],
                         cwd=checkout, capture_output=True, text=True, timeout=3600)
    if run.returncode != 0:
        raise RuntimeError(run.stderr[-2000:])
    return float(run.stdout.strip().splitlines()[-1])


def table(out):
    with open(os.path.join(out, "grades.csv")) as f:
        return [(r["student"], r["score"], r["status"]) for r in csv.DictReader(f)]


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=12)
    parser.add_argument("--baseline", help="another checkout (with .venv) to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    n = args.n
    release = os.path.join(ROOT, "exercises", "ex01_losses", "ex01_losses.ipynb")
    with tempfile.TemporaryDirectory() as scratch:
        folder = os.path.join(scratch, "submissions")
        cases = {f"student{i:03d}": fixtures.EX01[KINDS[i % len(KINDS)]] for i in range(n)}
        fixtures.build(release, folder, cases)
        print(f"mlcourse grade ex01_losses, {n} submissions ({', '.join(KINDS)} in turn), {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.1f}")
        outs = {jobs: os.path.join(scratch, f"out{jobs}") for jobs in (1, 2)}
        timings = {}
        for jobs, out in outs.items():
            timed_grade(ROOT, folder, out, jobs)  # makes the template (cached), not timed
            timings[jobs] = timed_grade(ROOT, folder, out, jobs)
        for jobs, seconds in timings.items():
            print(f"  --jobs {jobs}: {seconds:6.1f} s total, {seconds / n:5.2f} s per submission")
        print(f"  parallel / serial = {timings[2] / timings[1]:.2f}  (target <= 0.60)")
        same = table(outs[1]) == table(outs[2])
        print(f"  identical scores and statuses: {'yes' if same else 'NO'}")
        print(f"  statuses seen: {', '.join(sorted({s for _, _, s in table(outs[1])}))}")
        if args.baseline:
            base_out, ours_out = os.path.join(scratch, "baseline"), os.path.join(scratch, "ours")
            timed_grade(args.baseline, folder, base_out, 1)
            timed_grade(ROOT, folder, ours_out, 1)
            rounds = {"baseline": [], "this checkout": []}
            for _ in range(args.rounds):
                rounds["baseline"].append(timed_grade(args.baseline, folder, base_out, 1) / n)
                rounds["this checkout"].append(timed_grade(ROOT, folder, ours_out, 1) / n)
            print(f"  --jobs 1, per submission, {args.rounds} alternating rounds (median, min-max):")
            for name, values in rounds.items():
                print(f"    {name:14s} {statistics.median(values):5.2f} s  ({min(values):.2f}-{max(values):.2f})")
            ratio = statistics.median(rounds["this checkout"]) / statistics.median(rounds["baseline"])
            print(f"  this checkout / baseline = {ratio:.2f}  (target <= 1.15)")
            shutil.rmtree(base_out, ignore_errors=True)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
