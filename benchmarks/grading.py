"""How fast `mlcourse grade` is: per submission, serial, parallel and on a Dask cluster.

Grades N synthetic submissions of ex01_losses (default 24, a mix of correct and wrong
ones, built from the release like tests/grading_fixtures) with --jobs 1, --jobs 2 and
--scheduler on a two-worker LocalCluster (two worker processes of one thread each, over
TCP on the loopback interface), on the same run, and prints for each the seconds per
submission and the submissions per second, the ratios, and whether the scores agree.
Targets (issue 14, 2 cores): --jobs 1 at most 1.0 s per submission; --jobs 2 at most
0.55 of --jobs 1; the LocalCluster within 10 % of --jobs 2. It also prints the CPU
seconds the whole machine spent per submission (from /proc/stat: run it on an idle
machine), and --jobs 1 with no kernel started ahead (MLCOURSE_KERNELS_AHEAD=0: one
process at a time), since --jobs 1 itself boots the next kernel on the second core.
The machine may be shared: rerun for noise (the load average is printed).

With ``--baseline CHECKOUT`` (another checkout of the course with its own .venv, e.g.
``/work/main`` before the oracle and the sandbox landed) it also times that checkout's
grader on the same submissions, alternating with this one for ``--rounds`` rounds, and
prints the medians: the cost of the oracle and the sandbox per submission. Each round
grades with the course template already made (it is cached), so the figure is the
time per submission, not the one-off preparation of an assignment.

    .venv/bin/python benchmarks/grading.py [N] [--no-cluster] [--baseline /work/main] [--rounds 3]
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
import os, sys, time
from mlcourse.grading.batch import grade

def busy():  # CPU seconds of the whole machine so far (user, nice, system, irq, softirq)
    with open("/proc/stat") as f:
        ticks = [int(v) for v in f.readline().split()[1:]]
    return (ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6]) / os.sysconf("SC_CLK_TCK")

start, cpu = time.perf_counter(), busy()
grade({root!r}, "ex01_losses", {folder!r}, {out!r}, jobs={jobs}, progress=False{extra})
print(time.perf_counter() - start, busy() - cpu)
"""


def timed_grade(checkout, folder, out, jobs, scheduler=None, env=None):
    """``(seconds, CPU seconds of the whole machine)`` a checkout's grader takes, results not
    cached (the course template is)."""
    for cached in glob.glob(os.path.join(out, ".cache", "ex01_losses", "*.json")):
        os.remove(cached)
    python = os.path.join(checkout, ".venv", "bin", "python")
    extra = f", scheduler={scheduler!r}" if scheduler else ""  # a baseline's grade() may not know it
    run = subprocess.run([python, "-c", TIMED.format(root=checkout, folder=folder, out=out, jobs=jobs, extra=extra)],
                         cwd=checkout, capture_output=True, text=True, timeout=3600, env={**os.environ, **(env or {})})
    if run.returncode != 0:
        raise RuntimeError(run.stderr[-2000:])
    seconds, cpu = run.stdout.strip().splitlines()[-1].split()
    return float(seconds), float(cpu)


def table(out):
    with open(os.path.join(out, "grades.csv")) as f:
        return [(r["student"], r["score"], r["status"]) for r in csv.DictReader(f)]


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=24)
    parser.add_argument("--no-cluster", action="store_true", help="skip the LocalCluster")
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
        # --jobs 1 as it runs (the next kernel boots on the other core while a submission is
        # scored) and strictly one process at a time (no kernel started ahead)
        runs = {"--jobs 1": (1, None, None), "--jobs 1, no kernel ahead": (1, None, {"MLCOURSE_KERNELS_AHEAD": "0"}),
                "--jobs 2": (2, None, None)}
        cluster = None
        if not args.no_cluster:
            from distributed import LocalCluster

            cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, protocol="tcp",
                                   host="127.0.0.1", dashboard_address=None, silence_logs=40)
            runs["LocalCluster, 2 workers"] = (1, cluster.scheduler_address, None)
        try:
            outs = {name: os.path.join(scratch, f"out{index}") for index, name in enumerate(runs)}
            timings, cpus = {}, {}
            for name, (jobs, scheduler, env) in runs.items():
                timed_grade(ROOT, folder, outs[name], jobs, scheduler, env)  # makes the template (cached), not timed
                timings[name], cpus[name] = timed_grade(ROOT, folder, outs[name], jobs, scheduler, env)
        finally:
            if cluster is not None:
                cluster.close()
        print("  (CPU: seconds of CPU the whole machine spent during the run, per submission; the cluster's "
              "workers are on this machine too)")
        for name, seconds in timings.items():
            print(f"  {name:27s} {seconds:6.1f} s total, {seconds / n:5.2f} s per submission, "
                  f"{n / seconds:5.2f} submissions per second, CPU {cpus[name] / n:5.2f} s per submission")
        serial, parallel = timings["--jobs 1"], timings["--jobs 2"]
        print(f"  --jobs 1 per submission = {serial / n:.2f} s, CPU {cpus['--jobs 1'] / n:.2f} s  (target <= 1.0)")
        print(f"  --jobs 2 / --jobs 1 = {parallel / serial:.2f}  (target <= 0.55)")
        print(f"  --jobs 2 / --jobs 1 with no kernel ahead = {parallel / timings['--jobs 1, no kernel ahead']:.2f}")
        if cluster is not None:
            print(f"  LocalCluster / --jobs 2 = {timings['LocalCluster, 2 workers'] / parallel:.2f}  (target <= 1.10)")
        tables = [table(out) for out in outs.values()]
        same = all(t == tables[0] for t in tables)
        print(f"  identical scores and statuses: {'yes' if same else 'NO'}")
        print(f"  statuses seen: {', '.join(sorted({s for _, _, s in tables[0]}))}")
        if args.baseline:
            base_out, ours_out = os.path.join(scratch, "baseline"), os.path.join(scratch, "ours")
            timed_grade(args.baseline, folder, base_out, 1)
            timed_grade(ROOT, folder, ours_out, 1)
            rounds = {"baseline": [], "this checkout": []}
            for _ in range(args.rounds):
                rounds["baseline"].append(timed_grade(args.baseline, folder, base_out, 1)[0] / n)
                rounds["this checkout"].append(timed_grade(ROOT, folder, ours_out, 1)[0] / n)
            print(f"  --jobs 1, per submission, {args.rounds} alternating rounds (median, min-max):")
            for name, values in rounds.items():
                print(f"    {name:14s} {statistics.median(values):5.2f} s  ({min(values):.2f}-{max(values):.2f})")
            ratio = statistics.median(rounds["this checkout"]) / statistics.median(rounds["baseline"])
            print(f"  this checkout / baseline = {ratio:.2f}  (target <= 1.15)")
            shutil.rmtree(base_out, ignore_errors=True)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
