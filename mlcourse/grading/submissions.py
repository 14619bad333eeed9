"""Find the submissions in a folder and the student each belongs to.

Three layouts are recognised (see ``guide/instructors.md``):

* **nbgrader's**: ``SUBMISSIONS/<student>/<assignment>/*.ipynb`` (what
  ``nbgrader collect`` or ``nbgrader zip_collect`` leaves); the student id is the folder.
* **Moodle**: one folder per student, ``Full Name_12345_assignsubmission_file_/``, holding
  the files; the id is the number (Moodle's participant id).
* **Loose files** (Canvas and other LMS exports): ``.ipynb`` or ``.zip`` files side by
  side. Canvas names them ``name_[LATE_]<user id>_<submission id>_<file name>``; the id
  is the user id (``lastname_12345_67890_ex01.ipynb`` -> ``12345``). Any other file
  name gives its stem, without a trailing ``_<assignment>`` or ``_<notebook>``
  (``alice_ex01_losses.ipynb`` -> ``alice``).

A ``.zip`` counts as one submission holding notebooks. Each notebook is matched to the
assignment's notebook whose name ends its file name, or, when the assignment has one
notebook, to that one.
"""

import hashlib
import os
import re
import zipfile
from typing import NamedTuple

_CANVAS = re.compile(r"^[^_]+_(?:LATE_)?(\d+)_(\d+)_(.+)$")
_MOODLE = re.compile(r"^.+?_(\d+)_assignsubmission_\w*$")
MAX_UNZIPPED_BYTES = 50_000_000


class Submission(NamedTuple):
    student: str
    files: tuple  # paths of .ipynb or .zip files


def safe_id(text):
    """A student id usable as a folder name."""
    return re.sub(r"[^A-Za-z0-9_.@-]", "_", text).strip("._") or "unknown"


def _student_from_name(filename, assignment, notebooks):
    stem = os.path.splitext(os.path.basename(filename))[0]
    canvas = _CANVAS.match(stem)
    if canvas:
        return canvas.group(1)
    for suffix in sorted({assignment, *notebooks}, key=len, reverse=True):
        if stem.endswith("_" + suffix) and len(stem) > len(suffix) + 1:
            return stem[: -len(suffix) - 1]
    return stem


def discover(folder, assignment, notebooks):
    """Return the submissions in ``folder``, one per student, sorted by student id."""
    found = {}
    for entry in sorted(os.listdir(folder)):
        path = os.path.join(folder, entry)
        if os.path.isdir(path):
            nested = os.path.join(path, assignment)
            if os.path.isdir(nested):  # nbgrader layout
                student, where = entry, nested
            else:
                moodle = _MOODLE.match(entry)
                student, where = (moodle.group(1) if moodle else entry), path
            files = tuple(os.path.join(where, f) for f in sorted(os.listdir(where))
                          if f.endswith((".ipynb", ".zip")) and not f.startswith("."))
            if files:
                found[safe_id(student)] = files
        elif entry.endswith((".ipynb", ".zip")) and not entry.startswith("."):
            student = safe_id(_student_from_name(entry, assignment, notebooks))
            # several files of one student (resubmissions): the last in name order wins
            found[student] = found.get(student, ()) + (path,)
    return [Submission(student, files) for student, files in sorted(found.items())]


def match_notebooks(submission, notebooks, unpack_dir):
    """Map notebook name -> file path for one submission (zips are unpacked into ``unpack_dir``)."""
    candidates = []
    for path in submission.files:
        if path.endswith(".zip"):
            candidates += _unzip(path, unpack_dir)
        else:
            candidates.append(path)
    matched = {}
    for path in candidates:
        stem = os.path.splitext(os.path.basename(path))[0]
        names = [n for n in notebooks if stem == n or stem.endswith(n)]
        if not names and len(notebooks) == 1:
            names = list(notebooks)
        if names:
            matched[max(names, key=len)] = path  # later files replace earlier ones
    return matched


def _unzip(path, unpack_dir):
    """Extract the .ipynb members of a zip (flattened, size-capped); [] if it is broken."""
    out = []
    try:
        with zipfile.ZipFile(path) as archive:
            total = 0
            for member in archive.infolist():
                name = os.path.basename(member.filename)
                if not name.endswith(".ipynb") or name.startswith(".") or "__MACOSX" in member.filename:
                    continue
                total += member.file_size
                if total > MAX_UNZIPPED_BYTES:
                    break
                os.makedirs(unpack_dir, exist_ok=True)
                target = os.path.join(unpack_dir, name)
                with archive.open(member) as source, open(target, "wb") as sink:
                    sink.write(source.read(MAX_UNZIPPED_BYTES))
                out.append(target)
    except (zipfile.BadZipFile, OSError):
        return [path]  # graded as an invalid notebook
    return out


def content_hash(paths, *extra):
    """SHA-256 of the files' bytes (and of ``extra`` strings): what a rerun compares."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(os.path.basename(path).encode())
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    for item in extra:
        digest.update(str(item).encode())
    return digest.hexdigest()
