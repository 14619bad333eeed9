"""The book's build configuration: strict, cached, and complete.

The scratch-book tests build tiny books with the course's own ``_config.yml`` to
show that the strictness `make book` relies on is real: a failing cell and a broken
reference each fail the build, while the same book without them builds.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
STRICT = ["--builder", "html", "-W", "-n", "--keep-going", "--all"]  # as in the Makefile


def toc_files(toc: dict) -> list[str]:
    """Every file named in a jb-book table of contents, root first."""
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or ():
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", ()):
        walk(part.get("chapters"))
    return files


def resolve(name: str) -> Path | None:
    """The source file behind a TOC entry (which may omit its suffix)."""
    for candidate in (ROOT / name, *(ROOT / f"{name}{s}" for s in (".md", ".ipynb"))):
        if candidate.is_file():
            return candidate
    return None


def test_every_toc_entry_exists():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    missing = [name for name in toc_files(toc) if resolve(name) is None]
    assert missing == [], f"_toc.yml lists files that do not exist: {missing}"


def test_every_chapter_and_exercise_is_in_the_toc():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    listed = {resolve(name) for name in toc_files(toc)}
    sources = sorted(ROOT.glob("chapters/*.md")) + sorted(ROOT.glob("exercises/*/*.ipynb"))
    unlisted = [str(p.relative_to(ROOT)) for p in sources if p not in listed]
    assert unlisted == [], f"not in _toc.yml, so not on the website: {unlisted}"


def test_make_book_builds_with_the_strict_flags_tested_here():
    makefile = (ROOT / "Makefile").read_text()
    build_lines = [line for line in makefile.splitlines() if "jupyter-book build" in line]
    assert build_lines and all(flag in build_lines[0].split() for flag in STRICT), build_lines


def test_execution_is_cached_strict_and_skips_the_exercises():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    execute = config["execute"]
    assert execute["execute_notebooks"] == "cache"
    assert execute["allow_errors"] is False
    assert "exercises/*/*.ipynb" in execute["exclude_patterns"]
    assert config["only_build_toc_files"] is True
    assert {"solutions", "tests", "benchmarks", ".venv", "_build"} <= set(config["exclude_patterns"])


def test_the_website_variant_of_widgets_needs_no_cdn():
    sphinx = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]
    assert sphinx["config"]["nb_ipywidgets_js"] == {}
    assert ["*", "application/vnd.jupyter.widget-view+json", None] in sphinx["config"][
        "nb_mime_priority_overrides"
    ]
    assert "mlcourse.sphinxext.offline" in sphinx["extra_extensions"]


SCRATCH_PAGE = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

(scratch-target)=
# Scratch page

See {{ref}}`{target}` and $\\theta \\leftarrow \\theta - \\eta g$.

```{{code-cell}} python
import numpy as np
{code}
```
"""


def build_scratch_book(tmp_path: Path, *, code: str, target: str, extra_sphinx_config=None):
    """Build a one-page book that uses the course's _config.yml (plus `extra_sphinx_config`)."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["sphinx"]["config"].update(extra_sphinx_config or {})
    (tmp_path / "_config.yml").write_text(yaml.safe_dump(config, allow_unicode=True))
    shutil.copy(ROOT / "references.bib", tmp_path / "references.bib")
    shutil.copytree(ROOT / "_static", tmp_path / "_static")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: scratch\n")
    (tmp_path / "scratch.md").write_text(SCRATCH_PAGE.format(code=code, target=target))
    return subprocess.run(
        [str(JUPYTER_BOOK), "build", str(tmp_path), *STRICT],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )




def test_scratch_book_builds_when_everything_is_right(tmp_path):
    result = build_scratch_book(tmp_path, code="print(np.ones(2).sum())", target="scratch-target")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    html = (tmp_path / "_build" / "html" / "scratch.html").read_text()
    assert "2.0" in html  # the cell ran and its output is on the page
    assert (tmp_path / "_build" / "html" / "_static" / "mathjax" / "startup.js").is_file()


def test_a_failing_cell_fails_the_build(tmp_path):
    result = build_scratch_book(tmp_path, code="1 / np.array([0])[5]", target="scratch-target")
    assert result.returncode != 0
    assert "IndexError" in result.stdout + result.stderr


def test_a_broken_reference_fails_the_build(tmp_path):
    result = build_scratch_book(tmp_path, code="print(1)", target="no-such-label")
    assert result.returncode != 0
    assert "no-such-label" in result.stdout + result.stderr


def test_a_script_from_another_host_fails_the_build(tmp_path):
    remote = "https://cdn.example.org/library.js"
    result = build_scratch_book(tmp_path, code="print(1)", target="scratch-target",
                                extra_sphinx_config={"html_js_files": [remote]})
    assert result.returncode != 0
    assert f"would load {remote} from the network" in result.stdout + result.stderr


def test_make_lab_opens_markdown_chapters_as_notebooks_and_starts_as_root():
    """`make lab` sets jupytext as the .md viewer and passes --allow-root only when run as root (dry run)."""
    import os
    import subprocess

    dry_run = subprocess.run(["make", "-n", "-B", "lab"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout
    import json

    overrides = json.loads((ROOT / "lab" / "overrides.json").read_text())
    assert overrides["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]["markdown"] == "Jupytext Notebook"
    assert "cp lab/overrides.json .venv/share/jupyter/lab/settings/overrides.json" in dry_run
    lab_line = next(line for line in dry_run.splitlines() if "jupyter lab" in line)
    assert ("--allow-root" in lab_line) == (os.geteuid() == 0)


GROUPED = '''
import os, time, pytest

@pytest.fixture(scope="session")
def batch():
    time.sleep(0.5)
    return os.getpid()

@pytest.mark.xdist_group("batch")
@pytest.mark.parametrize("i", range(4))
def test_grouped(batch, i):
    assert batch == os.getpid()
    open(f"grouped-in-{os.getpid()}", "w").close()

@pytest.mark.parametrize("i", range(4))
def test_other(i):
    time.sleep(0.3)
'''


def test_xdist_groups_keep_a_batch_on_one_worker(tmp_path):
    """make test relies on `--dist loadgroup` to grade each batch once: the tests of a group
    must run in one worker. (pytest 9.2 with pytest-xdist 3.8 silently split them.)"""
    (tmp_path / "test_grouped.py").write_text(GROUPED)
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "2", "--dist",
                          "loadgroup", "-q", str(tmp_path / "test_grouped.py")],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    workers = sorted(path.name for path in tmp_path.glob("grouped-in-*"))
    assert len(workers) == 1, f"the group ran in {len(workers)} worker processes: {workers}"
