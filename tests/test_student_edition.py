"""The student edition (`make student-edition`): the course without what only instructors may see.

Generated into a temporary folder: no solutions/, no solution code, no hidden test, no
instructor-only file; the same sources give the same edition; its Makefile, book and
exercises work as a student uses them. The book build reuses the execution cache of
the course's own `make book` (`make test` builds it first), so it only re-reads and
writes the pages.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from mlcourse import student_edition
from mlcourse.student_edition import StudentEditionError, generate, leaks

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


@pytest.fixture(scope="session")
def edition(tmp_path_factory) -> Path:
    return generate(tmp_path_factory.mktemp("edition") / "course-student", ROOT, make_zip=True)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and ".git" not in p.relative_to(folder).parts}


def _tracked() -> list[str]:
    out = subprocess.run(["git", "-C", str(ROOT), "ls-files"], capture_output=True, text=True, check=True).stdout
    return [f for f in out.splitlines() if (ROOT / f).is_file()]


def test_no_solutions_folder_and_no_instructor_files(edition):
    names = set(_files(edition))
    assert not [n for n in names if "solutions" in n.split("/")]
    for instructor_only in ("nbgrader_config.py", "CONTRIBUTING.md"):
        assert instructor_only not in names
    for folder in ("tests/", "benchmarks/", ".ci/", "lab/instructor/"):
        assert not [n for n in names if n.startswith(folder)], folder
    # ... and what students need is there
    for needed in ("Makefile", "README.md", "_config.yml", "_toc.yml", "pyproject.toml", "LICENSE",
                   "mlcourse/__init__.py", "binder/postBuild", "exercises/ex01_losses/ex01_losses.ipynb",
                   "chapters/01_loss_functions.md", "guide/how-to-use.md"):
        assert needed in names, needed
    # Binder runs binder/postBuild only if it is executable, in the folder and in the zip
    assert os.access(edition / "binder" / "postBuild", os.X_OK)
    with zipfile.ZipFile(edition.with_name(edition.name + ".zip")) as archive:
        info = archive.getinfo(f"{edition.name}/binder/postBuild")
        assert (info.external_attr >> 16) & 0o111
        assert f"{edition.name}/README.md" in archive.namelist()


def test_it_is_exactly_the_tracked_student_files(edition):
    """Copied files are byte-identical to the sources; only README, Makefile, _config.yml differ."""
    expected = {f for f in _tracked()
                if f.split("/")[0] in student_edition.STUDENT and not f.startswith("lab/instructor/")}
    files = _files(edition)
    assert set(files) == expected | {student_edition.MARKER}
    for name in expected - student_edition.GENERATED:
        assert files[name] == (ROOT / name).read_bytes(), name
    config = files["_config.yml"].decode()
    assert "solutions" not in config
    assert "exercises/*/*.ipynb" in config  # the rest of the configuration is kept
    readme = files["README.md"].decode()
    assert "make lab" in readme and "solutions" not in readme


def test_no_solution_code_and_no_hidden_tests_in_released_notebooks(edition):
    """Each answer cell is the stub and each hidden-test cell empty, cell by cell (grade_id)."""
    sources = sorted((ROOT / "solutions").glob("*/*.ipynb"))
    assert sources
    for source_path in sources:
        assignment = source_path.parent.name
        released = nbformat.read(edition / "exercises" / assignment / source_path.name, as_version=4)
        released_cells = {c.metadata["nbgrader"]["grade_id"]: c for c in released.cells if "nbgrader" in c.metadata}
        for cell in nbformat.read(source_path, as_version=4).cells:
            if not any(m in cell.source for m in MARKERS):
                continue
            secret = re.findall(r"### BEGIN (?:SOLUTION|HIDDEN TESTS)\n(.*?)### END", cell.source, re.S)
            assert secret, f"{assignment}: markers without a region?"
            shown = released_cells[cell.metadata["nbgrader"]["grade_id"]].source.split("\n")
            outside = re.sub(r"### BEGIN.*?### END[^\n]*", "", cell.source, flags=re.S).split("\n")
            for region in secret:
                for line in region.splitlines():
                    if len(line.strip()) >= 12 and not line.strip().startswith("#") and line not in outside:
                        assert line not in shown, f"{assignment}: {line.strip()!r} reached the release"
            assert not any(m in "\n".join(shown) for m in MARKERS)
    for notebook in edition.rglob("*.ipynb"):
        text = notebook.read_text()
        assert not [m for m in MARKERS if m in text], notebook


def test_the_leak_check_finds_a_solution_line(edition, tmp_path):
    """The generator's own check would stop an edition whose release held a solution line."""
    copy = tmp_path / "copy"
    shutil.copytree(edition, copy)
    assert leaks(copy, ROOT) == []
    source = nbformat.read(ROOT / "solutions/ex01_losses/ex01_losses.ipynb", as_version=4)
    solution = next(c for c in source.cells if "### BEGIN SOLUTION" in c.source)
    line = next(l for l in solution.source.split("### BEGIN SOLUTION")[1].splitlines() if len(l.strip()) >= 12)
    path = copy / "exercises/ex01_losses/ex01_losses.ipynb"
    released = nbformat.read(path, as_version=4)
    cell = next(c for c in released.cells if c.metadata.get("nbgrader", {}).get("grade_id")
                == solution.metadata["nbgrader"]["grade_id"])
    cell.source = cell.source.replace('raise NotImplementedError("implement this function")', line.strip())
    nbformat.write(released, path)
    (copy / "solutions").mkdir()
    (copy / "solutions" / "x.txt").write_text("x")
    problems = leaks(copy, ROOT)
    assert any("a line of the solution" in p and line.strip() in p for p in problems), problems
    assert any(p.startswith("solutions/x.txt") for p in problems), problems


def test_same_sources_same_edition_and_updates_keep_git(edition, tmp_path):
    again = generate(tmp_path / "course-student", ROOT, make_zip=True)
    assert _files(again) == _files(edition)
    zips = [hashlib.sha256(p.with_name(p.name + ".zip").read_bytes()).hexdigest() for p in (edition, again)]
    assert zips[0] == zips[1]
    # regenerating into a clone of the student repository keeps its .git and drops stale files
    (again / ".git").mkdir()
    (again / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (again / "chapters" / "stale.md").write_text("removed from the course")
    generate(again, ROOT)
    assert (again / ".git" / "HEAD").read_text() == "ref: refs/heads/main\n"
    assert _files(again) == _files(edition)


def test_refuses_to_replace_a_folder_that_is_not_an_edition(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(StudentEditionError, match="holds no earlier student edition"):
        generate(tmp_path, ROOT)
    assert (tmp_path / "notes.txt").read_text() == "mine"
    with pytest.raises(StudentEditionError, match="holds the course itself"):
        generate(ROOT, ROOT)


def test_an_unclassified_top_level_entry_stops_it():
    with pytest.raises(StudentEditionError, match=r"unclassified top-level entries \['secrets'\]"):
        student_edition.select(["chapters/01.md", "secrets/key.txt"])


def test_makefile_has_book_and_lab_but_no_instructor_targets(edition):
    dry = subprocess.run(["make", "-n", "-C", str(edition), "book", "lab", "-o", ".venv/.mlcourse-installed",
                          "-o", ".venv/share/jupyter/lab/settings/overrides.json"],
                         capture_output=True, text=True)
    assert dry.returncode == 0, dry.stderr
    assert "jupyter-book build ." in dry.stdout and "jupyter lab" in dry.stdout
    for target in ("test", "student-edition"):
        missing = subprocess.run(["make", "-n", "-C", str(edition), target], capture_output=True, text=True)
        assert missing.returncode != 0 and "No rule to make target" in missing.stderr, target


def test_a_released_exercise_runs_its_visible_tests_against_the_editions_mlcourse(edition):
    """As a student opens it: the stubs fail the first test with the checkers' message."""
    folder = edition / "exercises" / "ex01_losses"
    nb = nbformat.read(folder / "ex01_losses.ipynb", as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell("import mlcourse; print(mlcourse.__file__)"))
    env = dict(os.environ, PYTHONPATH=str(edition))
    client = NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(folder)}})
    client.km = client.create_kernel_manager()
    client.execute(env=env)
    assert nb.cells[0].outputs[0]["text"].strip() == str(edition / "mlcourse" / "__init__.py")
    errors = [(c.source, o) for c in nb.cells if c.cell_type == "code"
              for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors, "the untouched release passed its tests"
    source, first = errors[0]
    assert source.lstrip().startswith('"""'), "the first error must come from a test cell"
    assert first["ename"] == "CheckFailed"
    assert "is not implemented yet" in first["evalue"], first["evalue"]


@pytest.mark.xdist_group("student-edition-book")
def test_make_book_builds_the_edition_with_zero_warnings(edition):
    """`make book` in the edition, strict (-W), with the course's environment and execution cache."""
    cache = ROOT / "_build" / ".jupyter_cache"
    if cache.is_dir():  # the notebooks are the same: their outputs come from the cache
        shutil.copytree(cache, edition / "_build" / ".jupyter_cache")
    venv = VENV_BIN.parent
    start = time.perf_counter()
    result = subprocess.run(
        ["make", "-C", str(edition), "book", f"VENV={venv}", "-o", str(venv / ".mlcourse-installed")],
        capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(edition)))
    seconds = time.perf_counter() - start
    executed = (result.stdout + result.stderr).count("Executing notebook")
    print(f"student edition: make book took {seconds:.0f} s "
          f"({executed} notebooks executed, the others from the course's execution cache)")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    log = result.stdout + result.stderr
    assert "WARNING" not in log and "build succeeded" in log
    site = edition / "_build" / "html"
    pages = {p.relative_to(site).as_posix() for p in site.rglob("*.html")}
    assert "chapters/01_loss_functions.html" in pages and "exercises/ex01_losses/ex01_losses.html" in pages
    assert not [p for p in site.rglob("*") if "solutions" in p.relative_to(site).parts]
    assert list(site.glob("mlcourse-*-py3-none-any.whl"))
    howto = (site / "guide" / "how-to-use.html").read_text()
    assert "git clone https://github.com/" in howto and "{{" not in howto


def test_makefile_rules_are_dropped_one_by_one_when_a_paragraph_mixes_them():
    text = (".PHONY: book test clean\n\n# build\nbook:\n\tbuild it\n\n"
            "clean:\n\trm -rf _build\ntest: book\n\tpytest\n")
    assert student_edition.student_makefile(text) == (
        ".PHONY: book clean\n\n# build\nbook:\n\tbuild it\n\nclean:\n\trm -rf _build\n")
