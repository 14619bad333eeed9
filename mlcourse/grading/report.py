"""What ``mlcourse grade`` writes: grades.csv, results.json and summary.png.

Answers graded by a person (nbgrader's manually graded cells, such as the written
answers of exercise 9) are neither zero nor full until someone grades them: their
column says ``pending`` (or the points a person gave, merged from the formgrader's
gradebook, :mod:`.manual`), ``score`` counts the points given so far and the column
``awaiting_manual`` (present when the assignment has such cells) the points still to
be given by a person.
"""

import csv
import json
import os


def write_reports(results, out, assignment):
    """Write the CSV (one row per student), the full results and the summary figure."""
    cells = sorted({name for r in results for name in r.get("cells", {})}, key=_cell_order(results))
    manual = any(r.get("manual") for r in results)
    with open(os.path.join(out, "grades.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "assignment", "score", "max_score", "status",
                         *(["awaiting_manual"] if manual else []), *cells])
        for r in results:
            writer.writerow([r["student"], assignment, _number(r.get("score", 0.0)),
                             _number(r.get("max_score", 0.0)), "+".join(r["status"]),
                             *([_number(awaiting_manual(r))] if manual else []),
                             *[_cell(r, c) for c in cells]])
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
    if results:
        write_summary_figure(results, cells, os.path.join(out, "summary.png"), assignment)


def _cell_order(results):
    """Cells in notebook order (as the first complete result lists them)."""
    order = {}
    for r in results:
        for name in r.get("cells", {}):
            order.setdefault(name, len(order))
    return lambda name: order[name]


def _number(value):
    return f"{float(value):g}"


def _cell(result, cell):
    value = result.get("cells", {}).get(cell, 0.0)
    return "pending" if value is None else _number(value)


def awaiting_manual(result):
    """Points of the answers that still await a person."""
    return sum(result.get("manual", {}).get(c, 0.0) for c, v in result.get("cells", {}).items() if v is None)


def write_summary_figure(results, cells, path, assignment):
    """Score distribution and, per test cell, the share of students who passed it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [1, 1.6]})
    top = max((r.get("max_score") or 0) for r in results) or 1
    scores = [r.get("score", 0.0) for r in results]
    left.hist(scores, bins=min(20, max(5, int(top) + 1)), range=(0, top), color="#4c72b0", edgecolor="white")
    left.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    pending = max((awaiting_manual(r) for r in results), default=0)
    title = f"{assignment}: scores of {len(results)} submissions"
    if pending:
        title += f"\n(up to {pending:g} points of written answers await a person)"
    left.set(title=title, xlabel=f"score so far (out of {top:g})", ylabel="students")
    maxima = {}
    for r in results:
        maxima.update(r.get("cell_max", {}))
    waiting = [sum(1 for r in results if c in r.get("cells", {}) and r["cells"][c] is None) / len(results)
               for c in cells]
    rates = [sum(1 for r in results if maxima.get(c, 0) > 0 and (r.get("cells", {}).get(c) or 0.0) >= maxima[c])
             / len(results) for c in cells]
    right.barh(range(len(cells)), rates, color="#55a868", label="full points")
    if any(waiting):
        right.barh(range(len(cells)), waiting, left=rates, color="white", edgecolor="#8c8c8c", hatch="//",
                   label="awaiting a person (manually graded)")
        right.legend(loc="lower right", fontsize=8)
    right.set_yticks(range(len(cells)), cells, fontsize=8)
    right.invert_yaxis()
    right.set(xlim=(0, 1), title="pass rate per test cell", xlabel="share of students with full points")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
