"""How long the answer-key check takes, per assignment and for the whole course.

Runs `mlcourse check-answer-keys` on every assignment without its cache, with the
grading workers spread over the assignments as the test suite does (one worker per
assignment, as many assignments at once as cores), and prints for each assignment the
number of submissions it grades and its wall-clock seconds, then the total wall-clock
time and the time per assignment. A rerun with the cache is also timed.
Target: the whole course (nine or more assignments) well within the CI budget, i.e.
under 3 minutes on 2 cores. The machine may be shared: rerun for noise, and compare
the CPU seconds printed with the wall clock.

    .venv/bin/python benchmarks/answer_keys.py [--jobs N]
"""

import argparse
import os
import resource
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

from mlcourse.authoring.answer_keys import check_all, submissions  # noqa: E402
from mlcourse.authoring.release import assignments  # noqa: E402


def cpu_seconds():
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main(jobs):
    names = assignments(ROOT)
    with tempfile.TemporaryDirectory() as cache:
        start, cpu = time.perf_counter(), cpu_seconds()
        reports = list(check_all(ROOT, names, jobs=jobs, cache_dir=cache))
        wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu
        start = time.perf_counter()
        list(check_all(ROOT, names, jobs=jobs, cache_dir=cache))
        cached = time.perf_counter() - start
    print(f"mlcourse check-answer-keys, {len(names)} assignments, --jobs {jobs}, {os.cpu_count()} cores")
    for report in sorted(reports, key=lambda r: r.assignment):
        count = len(submissions(ROOT, report.assignment))
        print(f"  {report.assignment:24s} {count:2d} submissions {report.seconds:6.1f} s  "
              f"{'ok' if not report.problems else 'FAILED'}")
    print(f"  total: {wall:.1f} s wall clock, {cpu:.1f} s CPU; {wall / len(names):.1f} s wall and "
          f"{cpu / len(names):.1f} s CPU per assignment")
    print(f"  rerun with the cache: {cached:.1f} s")
    return 0 if all(not r.problems for r in reports) else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    sys.exit(main(parser.parse_args().jobs))
