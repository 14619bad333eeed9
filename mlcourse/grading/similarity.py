"""The similarity report: which solution cells look alike, across students and with the reference.

The oracle and the sandbox stop a notebook from *calling* the reference or reading a
classmate's file while it is graded; they cannot stop a student from copying code by
hand. ``mlcourse grade`` therefore also writes

* ``similarity.csv``: for every solution cell, every pair of students, and every student
  against the instructor's solution, how much of each one's code is found in the other
  (``share_a``: of the first's tokens, ``share_b``: of the second's), and ``similarity``,
  the larger of the two;
* ``similarity.html``: the most similar pairs first, side by side, the shared code
  highlighted; then each student's similarity to the reference solution.

The comparison is copydetect's (Stanford MOSS's winnowing: code is tokenised, names
and strings are abstracted so that renaming a variable changes nothing, and k-gram
fingerprints are compared); the release's own code (the stub, the signature) is
boilerplate and never counts. Short solutions (a one-line formula) are similar by
nature: **a high similarity is a reason to look, never proof**.
"""

import contextlib
import csv
import html
import io
import itertools
import os

import nbformat

NOISE = 12       # copydetect's k: the shortest run of tokens that counts as shared
GUARANTEE = 15   # its winnowing guarantee (>= NOISE)
SHOWN_PAIRS = 30  # pairs shown in full on the page


def solution_cells(path):
    """``{grade_id: code}`` of a notebook's code answer cells (nbgrader solution cells)."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:
        return {}
    cells = {}
    for cell in nb.cells:
        nbgrader = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "code" and nbgrader.get("solution") and nbgrader.get("grade_id"):
            cells.setdefault(nbgrader["grade_id"], "\n".join(
                line for line in cell.source.splitlines() if not line.strip().startswith("### ")))
    return cells


def _stable_hashed_kgrams(string, k):
    """copydetect's k-gram hashes, by a hash that is the same in every process.

    copydetect hashes k-grams with Python's ``hash``, which is salted per process
    (``PYTHONHASHSEED``): winnowing then keeps other k-grams in every run, and the same
    submissions got slightly different similarities, and rows in another order, from one
    run to the next (and between a local run and a cluster run). BLAKE2b's first 8 bytes
    give the same 64-bit hashes everywhere."""
    import hashlib

    import numpy as np

    return np.array([int.from_bytes(hashlib.blake2b(string[offset:offset + k].encode("utf-8", "surrogatepass"),
                                                    digest_size=8).digest(), "little", signed=True)
                     for offset in range(len(string) - k + 1)], dtype=np.int64)


@contextlib.contextmanager
def _stable_hashes():
    from copydetect import utils

    original = utils.hashed_kgrams
    utils.hashed_kgrams = _stable_hashed_kgrams
    try:
        yield
    finally:
        utils.hashed_kgrams = original


def _fingerprint(code, boilerplate):
    from copydetect import CodeFingerprint

    return CodeFingerprint("cell.py", NOISE, GUARANTEE - NOISE + 1, boilerplate, fp=io.StringIO(code))


def _boilerplate(code):
    if not code.strip():
        return []
    return list(_fingerprint(code, []).hashes)


def compare(codes, reference=None, released=None):
    """Rows ``(cell, a, b, share_a, share_b, highlighted_a, highlighted_b)`` for every pair of
    students with code in the cell, and every student against ``"reference"``.

    ``codes``: student -> cell -> code; ``reference`` and ``released``: cell -> code.
    """
    from copydetect.detector import compare_files
    from copydetect.utils import highlight_overlap

    with _stable_hashes():
        return _compare(codes, reference or {}, released or {}, compare_files, highlight_overlap)


def _compare(codes, reference, released, compare_files, highlight_overlap):
    rows = []
    cells = sorted({c for student in codes.values() for c in student})
    for cell in cells:
        boilerplate = _boilerplate(released.get(cell, ""))
        prints = {}
        for student, student_cells in codes.items():
            code = student_cells.get(cell, "")
            if code.strip() and code.strip() != released.get(cell, "").strip():
                prints[student] = _fingerprint(code, boilerplate)
        pairs = list(itertools.combinations(sorted(prints), 2))
        if reference.get(cell, "").strip():
            prints["reference"] = _fingerprint(reference[cell], boilerplate)
            pairs += [(student, "reference") for student in sorted(prints) if student != "reference"]
        for a, b in pairs:
            overlap, (share_a, share_b), (slices_a, slices_b) = compare_files(prints[a], prints[b])
            marked = []
            for fingerprint, slices in ((prints[a], slices_a), (prints[b], slices_b)):
                if overlap and len(slices[0]):
                    marked.append(highlight_overlap(fingerprint.raw_code, slices, "\x00", "\x01")[0])
                else:
                    marked.append(fingerprint.raw_code)
            rows.append((cell, a, b, float(share_a), float(share_b), *marked))
    return rows


def write_similarity(out, assignment, notebooks_by_student, reference_paths, released_paths):
    """Write ``similarity.csv`` and ``similarity.html`` into ``out``; return the rows.

    ``notebooks_by_student``: student -> list of notebook paths (a student's submission);
    ``reference_paths``/``released_paths``: the source and release notebooks.
    """
    def cells_of(paths):
        found = {}
        for path in paths:
            found.update(solution_cells(path))
        return found

    codes = {student: cells_of(paths) for student, paths in notebooks_by_student.items()}
    rows = compare(codes, cells_of(reference_paths), cells_of(released_paths))
    rows.sort(key=lambda r: (-max(r[3], r[4]), r[0], r[1], r[2]))
    with open(os.path.join(out, "similarity.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["cell", "student_a", "student_b", "share_a", "share_b", "similarity"])
        for cell, a, b, share_a, share_b, *_ in rows:
            writer.writerow([cell, a, b, f"{share_a:.3f}", f"{share_b:.3f}", f"{max(share_a, share_b):.3f}"])
    with open(os.path.join(out, "similarity.html"), "w") as f:
        f.write(_page(assignment, rows, len(codes)))
    return rows


def _code(marked):
    text = html.escape(marked).replace("\x00", "<mark>").replace("\x01", "</mark>")
    return f"<pre>{text}</pre>"


def _percent(value):
    return f"{100 * value:.0f} %"


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.5em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f6f8fa; padding: 0.6em; overflow-x: auto; font-size: 0.85em; margin: 0; }
mark { background: #ffd54f; }
.note { background: #fff8e1; border-left: 4px solid #ffb300; padding: 0.6em 1em; }
.pair { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1em; }
h3 { margin-bottom: 0.3em; }
"""


def _page(assignment, rows, students):
    pairs = [r for r in rows if r[2] != "reference"]
    to_reference = [r for r in rows if r[2] == "reference"]
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{assignment}: similarity</title>"
             f"<style>{_STYLE}</style></head><body>",
             f"<h1>{html.escape(assignment)}: similar solution cells</h1>",
             "<p class='note'><b>A reason to look, not proof.</b> Each number is the share of one student's "
             "code (tokens, with names and strings abstracted, the release's own code left out) also found in "
             "the other's, by copydetect's winnowing. Short answers to a one-line formula are alike by nature; "
             "read the code, and talk to the students, before concluding anything.</p>",
             f"<p>{students} submissions, {len(pairs)} pairs of cells compared. Shared code is "
             "<mark>highlighted</mark>.</p>",
             "<h2>Most similar pairs</h2><table><tr><th>cell</th><th>student</th><th>student</th>"
             "<th>of the first's code</th><th>of the second's code</th></tr>"]
    for cell, a, b, share_a, share_b, *_ in pairs[:200]:
        parts.append(f"<tr><td>{html.escape(cell)}</td><td>{html.escape(a)}</td><td>{html.escape(b)}</td>"
                     f"<td class='n'>{_percent(share_a)}</td><td class='n'>{_percent(share_b)}</td></tr>")
    parts.append("</table>")
    for cell, a, b, share_a, share_b, marked_a, marked_b in pairs[:SHOWN_PAIRS]:
        if max(share_a, share_b) <= 0:
            break
        parts.append(f"<h3>{html.escape(cell)}: {html.escape(a)} and {html.escape(b)} "
                     f"({_percent(max(share_a, share_b))})</h3><div class='pair'>"
                     f"<div>{html.escape(a)}{_code(marked_a)}</div><div>{html.escape(b)}{_code(marked_b)}</div></div>")
    parts.append("<h2>Similarity to the reference solution</h2><p>The instructor's solution, which students "
                 "can read in <code>mlcourse</code>'s source in other words: a high share means the answer "
                 "follows it closely.</p><table><tr><th>student</th><th>cell</th><th>of the student's code "
                 "found in the reference</th></tr>")
    for cell, a, _, share_a, _, *_ in sorted(to_reference, key=lambda r: (-r[3], r[1], r[0])):
        parts.append(f"<tr><td>{html.escape(a)}</td><td>{html.escape(cell)}</td>"
                     f"<td class='n'>{_percent(share_a)}</td></tr>")
    parts.append("</table></body></html>")
    return "\n".join(parts)
