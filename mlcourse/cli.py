"""The ``mlcourse`` command, run at the course root.

    mlcourse new-assignment NAME [--title T]   scaffold solutions/NAME/NAME.ipynb
    mlcourse release [ASSIGNMENT ...]          regenerate exercises/ from solutions/ (and list them in _toc.yml)
    mlcourse check-answer-keys [ASSIGNMENT ...] [--jobs N]
                                               grade each solution, release and wrong answers with their own tests
    mlcourse grade ASSIGNMENT SUBMISSIONS [--jobs N | --scheduler ADDRESS] [--out DIR] [--timeout S]
                                          [--notebook-timeout S] [--memory MB] [--no-sandbox]

See ``guide/instructors.md`` for a walk-through.
"""

import argparse
import os
import sys


def _parser():
    parser = argparse.ArgumentParser(prog="mlcourse", description="Course tools: write, release and grade exercises.")
    commands = parser.add_subparsers(dest="command", required=True)

    new = commands.add_parser("new-assignment", help="scaffold solutions/NAME/NAME.ipynb with the course's cells")
    new.add_argument("name", metavar="NAME", help="e.g. ex10_schedules (folder and notebook share it)")
    new.add_argument("--title", default=None, help='default from NAME, e.g. "Exercise 10: schedules"')
    new.add_argument("--root", default=".", help="course root (default: the current directory)")

    release = commands.add_parser("release", help="regenerate exercises/ from solutions/ (nbgrader generate_assignment)")
    release.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: all of solutions/")
    release.add_argument("--root", default=".", help="course root (default: the current directory)")

    keys = commands.add_parser("check-answer-keys",
                               help="grade each assignment's solution (full marks), release (0) and wrong answers "
                                    "(each test cell must fail one)")
    keys.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: all of solutions/")
    keys.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1, help="parallel workers (default: cores)")
    keys.add_argument("--cache", default=os.path.join("_build", "answer-keys"),
                      help="folder of cached verdicts, relative to the root (default _build/answer-keys)")
    keys.add_argument("--no-cache", action="store_true", help="grade everything again")
    keys.add_argument("--root", default=".", help="course root (default: the current directory)")

    grade = commands.add_parser("grade", help="autograde a folder of submissions")
    grade.add_argument("assignment", metavar="ASSIGNMENT", help="e.g. ex01_losses")
    grade.add_argument("submissions", metavar="SUBMISSIONS",
                       help="nbgrader layout <student>/<assignment>/*.ipynb, or loose .ipynb/.zip files from an LMS")
    grade.add_argument("--jobs", "-j", type=int, default=None, help="parallel workers (default: cores)")
    grade.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="grade on a Dask cluster: the scheduler's address, e.g. tcp://10.0.0.5:8786 "
                            "(its workers need the course's environment; guide/instructors.md)")
    grade.add_argument("--out", default=None, help="output folder (default: grades/<assignment>)")
    grade.add_argument("--timeout", type=int, default=None,
                       help="seconds per cell (default: ExecutePreprocessor.timeout of nbgrader_config.py)")
    grade.add_argument("--notebook-timeout", type=int, default=180,
                       help="seconds all the cells of one notebook may take together (default 180)")
    grade.add_argument("--memory", type=int, default=2048, help="memory limit per kernel in MiB (default 2048)")
    grade.add_argument("--max-output", type=int, default=1_000_000, help="bytes of output per cell (default 1e6)")
    grade.add_argument("--root", default=".", help="course root (default: the current directory)")
    grade.add_argument("--no-sandbox", action="store_true",
                       help="run the kernels without bubblewrap (every row is then marked unsandboxed)")
    grade.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def _configured_timeout(root):
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=root).load_config()
    return int(config.ExecutePreprocessor.get("timeout", 60))


def main(argv=None):
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except ValueError as error:  # a wrong assignment name and the like: say it, no traceback
        print(f"mlcourse: {error}", file=sys.stderr)
        return 2


def _run(args):
    root = os.path.abspath(args.root)
    if not os.path.exists(os.path.join(root, "nbgrader_config.py")):
        print(f"mlcourse: no nbgrader_config.py in {root}; run at the course root or pass --root", file=sys.stderr)
        return 2
    if args.command == "new-assignment":
        return _new_assignment(root, args)
    if args.command == "release":
        from mlcourse.authoring.release import add_to_toc, release

        written = release(root, args.assignments or None)
        for path in written:
            print(os.path.relpath(path, root))
        for line in add_to_toc(root, [p for p in written if p.endswith(".ipynb")]):
            print(f"_toc.yml: added '{line.strip()}' to the Exercises part")
        return 0
    if args.command == "check-answer-keys":
        return _check_answer_keys(root, args)

    from mlcourse.grading.batch import grade

    if args.jobs is not None and args.jobs < 1:
        print(f"mlcourse: invalid --jobs = {args.jobs}, expected >= 1", file=sys.stderr)
        return 2
    if args.jobs is not None and args.scheduler:
        print(f"mlcourse: invalid --jobs = {args.jobs} with --scheduler: on a cluster its workers (and their "
              "threads) set how many submissions are graded at once", file=sys.stderr)
        return 2
    for name in ("timeout", "notebook_timeout"):
        value = getattr(args, name)
        if value is not None and value < 1:
            print(f"mlcourse: invalid --{name.replace('_', '-')} = {value}, expected >= 1", file=sys.stderr)
            return 2
    if not os.path.isdir(args.submissions):
        print(f"mlcourse: invalid SUBMISSIONS = {args.submissions!r}: not a folder", file=sys.stderr)
        return 2
    out = args.out or os.path.join("grades", args.assignment)
    timeout = args.timeout or _configured_timeout(root)
    results = grade(root, args.assignment, args.submissions, out, jobs=args.jobs or os.cpu_count() or 1,
                    timeout=timeout, memory_mb=args.memory, max_output_bytes=args.max_output,
                    progress=not args.quiet, notebook_timeout=args.notebook_timeout, sandboxed=not args.no_sandbox,
                    scheduler=args.scheduler)
    from mlcourse.grading.report import awaiting_manual

    flagged = [r for r in results if [s for s in r["status"] if s != "unsandboxed"] != ["ok"]]
    print(f"graded {len(results)} submissions of {args.assignment} -> {os.path.join(out, 'grades.csv')}")
    waiting = [r for r in results if awaiting_manual(r)]
    if waiting:
        print(f"  written answers of {len(waiting)} submissions await a person "
              f"({max(awaiting_manual(r) for r in waiting):g} points each at most): grade them in nbgrader's "
              f"formgrader in {os.path.join(out, 'nbgrader')} and run this command again to merge them "
              "(guide/instructors.md, 'Answers graded by a person')")
    if os.path.exists(os.path.join(out, "similarity.html")):
        print(f"  similarity report: {os.path.join(out, 'similarity.html')}")
    for r in flagged:
        print(f"  {r['student']}: {'+'.join(r['status'])} ({r.get('score', 0):g}/{r.get('max_score', 0):g})"
              + "".join(f"\n    {note}" for note in r.get("notes", [])))
    return 0


def _new_assignment(root, args):
    from mlcourse.authoring.scaffold import new_assignment

    path = new_assignment(root, args.name, args.title)
    name = args.name
    print(f"created {os.path.relpath(path, root)}\n"
          "next (guide/instructors.md, 'Adding an exercise'):\n"
          "  1. write it: replace every '(scaffold: replace this)' and the example task with yours\n"
          "  2. run it top to bottom in JupyterLab (make lab): every test passes\n"
          f"  3. mlcourse release {name}              (also lists it in _toc.yml)\n"
          f"  4. mlcourse check-answer-keys {name}    (solution full marks, release 0, wrong answers fail)\n"
          f"  5. link it from its chapter; git add solutions/{name} exercises/{name} _toc.yml; git commit")
    return 0


def _check_answer_keys(root, args):
    from mlcourse.authoring.answer_keys import check_all

    if args.jobs < 1:
        print(f"mlcourse: invalid --jobs = {args.jobs}, expected >= 1", file=sys.stderr)
        return 2
    cache = None if args.no_cache else os.path.join(root, args.cache)
    failed = 0
    for report in check_all(root, args.assignments or None, jobs=args.jobs, cache_dir=cache):
        timing = "cached" if report.cached else f"{report.seconds:.1f} s"
        print(f"{report.assignment}: {'ok' if not report.problems else 'FAILED'} ({report.summary}; {timing})",
              flush=True)
        for problem in report.problems:
            print(f"  {problem}")
        failed += bool(report.problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
