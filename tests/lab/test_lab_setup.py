"""What `make lab` installs and configures, checked without a browser (fast).

- jupyterlab-myst (the chapters' MyST in notebooks) is installed, enabled and
  compatible with the installed JupyterLab: an incompatible one is listed but never
  loaded, which no import or build would notice.
- The student role hides nbgrader's instructor tools; the instructor role shows them.
- Opening a chapter or an exercise and saving it unchanged writes the same bytes
  (mlcourse.labserver.CourseContentsManager and chapters/jupytext.toml).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lab_harness import ROOT

pytestmark = [pytest.mark.lab, pytest.mark.xdist_group("lab")]

JUPYTER = str(Path(sys.executable).with_name("jupyter"))
CHAPTERS = sorted((ROOT / "chapters").glob("*.md"))
EXERCISES = sorted((ROOT / "exercises").glob("*/*.ipynb"))
NBGRADER_INSTRUCTOR_PLUGINS = (
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:assignment-list",
    "@jupyter/nbgrader:course-list",
    "@jupyter/nbgrader:menu",
)


@functools.cache
def labextension_list(role: str) -> str:
    """`jupyter labextension list` with the Jupyter config path `make lab ROLE=role` uses."""
    env = {**os.environ, "JUPYTER_CONFIG_PATH": f"{ROOT}/lab/{role}{os.pathsep}{ROOT}/lab/common"}
    result = subprocess.run([JUPYTER, "labextension", "list"], capture_output=True, text=True, env=env)
    return re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)


def test_jupyterlab_myst_is_enabled_and_compatible():
    listing = labextension_list("student")
    assert re.search(r"jupyterlab-myst v\S+ enabled OK", listing), listing
    assert "not compatible" not in listing, listing


def test_students_do_not_get_nbgrader_instructor_tools():
    """(The instructor role's Formgrader and Create Assignment panel: test_lab_browser.py.)"""
    listing = labextension_list("student")
    disabled = listing.partition("Disabled extensions:")[2]
    for plugin in NBGRADER_INSTRUCTOR_PLUGINS:
        assert plugin in disabled, (plugin, listing)
    assert "@jupyter/nbgrader:validate-assignment" not in disabled, listing  # Validate stays


# --- saving unchanged leaves the file alone -------------------------------------------

def _kernel_metadata(spec) -> dict:
    """The metadata JupyterLab writes when the notebook's kernel starts (packages/notebook
    panel.ts: kernelspec in this key order, and the kernel's language_info)."""
    from ipykernel.ipkernel import IPythonKernel

    return {
        "kernelspec": {"name": "python3", "display_name": spec.display_name, "language": spec.language},
        "language_info": json.loads(json.dumps(IPythonKernel.language_info)),
    }


@pytest.fixture
def course_copy(tmp_path):
    """A copy of the chapters (with their jupytext.toml) and the exercises."""
    shutil.copytree(ROOT / "chapters", tmp_path / "chapters")
    shutil.copytree(ROOT / "exercises", tmp_path / "exercises")
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    return tmp_path


def _run(coroutine):
    """Run a coroutine to its end, in a thread of its own (Playwright's sync API, used by
    the browser tests in the same process, keeps an event loop running in this one)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def open_and_save(root: Path, path: str, edit) -> dict:
    """Open ``path`` through the lab's contents manager, let ``edit`` change the notebook
    JupyterLab sends back, save it; return the model as opened."""
    from nbformat.sign import NotebookNotary

    from mlcourse.labserver import CourseContentsManager

    async def round_trip():
        manager = CourseContentsManager(root_dir=str(root))
        manager.notary = NotebookNotary(db_file=":memory:")  # not the user's trust database
        model = await manager.get(path, content=True, type="notebook")
        opened = json.loads(json.dumps(model["content"]))
        sent = json.loads(json.dumps(model["content"]))
        edit(sent)
        await manager.save({"type": "notebook", "content": sent}, path)
        return opened

    return _run(round_trip())


def _kernel_spec():
    from jupyter_client.kernelspec import KernelSpecManager

    return KernelSpecManager().get_kernel_spec("python3")


@pytest.mark.parametrize("path", [p.relative_to(ROOT).as_posix() for p in CHAPTERS + EXERCISES])
def test_opening_and_saving_unchanged_writes_the_same_bytes(course_copy, path):
    kernel = _kernel_metadata(_kernel_spec())
    before = (course_copy / path).read_bytes()
    # JupyterLab sends the notebook back with the kernel's metadata (in its key order).
    opened = open_and_save(course_copy, path, lambda notebook: notebook["metadata"].update(kernel))
    # What the kernel reports was there when the notebook opened: JupyterLab changes
    # nothing, and the tab does not open as modified.
    for key, value in kernel.items():
        assert opened["metadata"].get(key) == value, (key, opened["metadata"].get(key))
    assert (course_copy / path).read_bytes() == before


def test_a_plain_markdown_page_opened_as_a_notebook_saves_unchanged(course_copy):
    """.md files open as notebooks; README.md has no notebook header and must not get one."""
    before = (course_copy / "README.md").read_bytes()
    open_and_save(course_copy, "README.md", lambda notebook: None)
    assert (course_copy / "README.md").read_bytes() == before


def test_a_real_change_is_saved(course_copy):
    """Editing a cell, or choosing another kernel, does reach the file."""
    path = CHAPTERS[0].relative_to(ROOT).as_posix()

    def edit(notebook):
        notebook["cells"][0]["source"] += "\n\nA sentence added by the student."
        notebook["metadata"]["kernelspec"] = {"name": "other", "display_name": "Other", "language": "python"}

    open_and_save(course_copy, path, edit)
    text = (course_copy / path).read_text()
    assert "A sentence added by the student." in text
    assert "name: other" in text
