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


# --- glued numbers (mlcourse.labglue) ---------------------------------------------------

GLUE_ROLE = re.compile(r"\{glue:text\}`([^`]+)`")


@pytest.mark.parametrize("path", [p.relative_to(ROOT).as_posix() for p in CHAPTERS])
def test_glue_roles_reach_jupyterlab_as_inline_expressions(course_copy, path):
    """Each {glue:text} role of a chapter opens as an {eval} of glue_text with the same
    content, and nothing else in the Markdown changes."""
    source = (course_copy / path).read_text()
    opened = open_and_save(course_copy, path, lambda notebook: None)
    markdown = "\n".join(c["source"] for c in opened["cells"] if c["cell_type"] == "markdown")
    assert "{glue:text}" not in markdown
    roles = GLUE_ROLE.findall(source)
    assert re.findall(r'\{eval\}`glue_text\("([^"`]+)"\)`', markdown) == roles
    assert GLUE_ROLE.sub("", source).count("{eval}") == 0  # the chapters write no {eval} of their own


def test_saving_drops_the_glue_results_and_keeps_the_rest(course_copy):
    """jupyterlab-myst stores each evaluated expression in the cell's metadata: the glue
    ones are not saved; a user's own {eval} and its result are."""
    path = "chapters/01_loss_functions.md"
    before = (course_copy / path).read_bytes()

    def run_markdown(notebook):
        for cell in notebook["cells"]:
            expressions = re.findall(r"\{eval\}`([^`]+)`", cell["source"]) if cell["cell_type"] == "markdown" else []
            if expressions:
                cell["metadata"]["user_expressions"] = [
                    {"expression": e, "result": {"status": "ok", "data": {"text/plain": "1.0"}, "metadata": {}}}
                    for e in expressions
                ]

    open_and_save(course_copy, path, run_markdown)
    assert (course_copy / path).read_bytes() == before

    def add_own_eval(notebook):
        run_markdown(notebook)
        cell = next(c for c in notebook["cells"] if "user_expressions" in c["metadata"])
        cell["source"] += "\n\nTwice: {eval}`2 * x`."
        cell["metadata"]["user_expressions"].append(
            {"expression": "2 * x", "result": {"status": "ok", "data": {"text/plain": "4"}, "metadata": {}}}
        )

    open_and_save(course_copy, path, add_own_eval)
    text = (course_copy / path).read_text()
    assert "Twice: {eval}`2 * x`." in text and '"expression": "2 * x"' in text
    assert "glue_text" not in text
    assert text.count("{glue:text}") == before.decode().count("{glue:text}")


def test_the_lab_kernel_formats_glued_values_as_the_website_does():
    """`make lab`'s python3 kernel (lab/share/kernels) records what myst_nb.glue glues;
    glue_text formats it with myst-nb's own rule, and names a value not glued yet."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from myst_nb.core.variables import format_plain_text

    specs = KernelSpecManager(kernel_dirs=[str(ROOT / "lab" / "share" / "kernels")])
    spec = specs.get_kernel_spec("python3")
    assert "--IPKernelApp.extra_extensions=mlcourse.labglue" in spec.argv
    assert spec.display_name == _kernel_spec().display_name  # notebooks' metadata unchanged
    values = {"ratio": 0.123456, "count": 12, "names": "a, b", "share": 0.0734}
    manager = KernelManager(kernel_name="python3", kernel_spec_manager=specs)
    manager.start_kernel()
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
        glue = "; ".join(f"glue({k!r}, {v!r}, display=False)" for k, v in values.items())
        client.execute_interactive("from myst_nb import glue; " + glue, timeout=60)
        contents = ["ratio:.2f", "count:d", "names", "share:.1%", "ratio"]
        expressions = {str(i): f'glue_text("{c}")' for i, c in enumerate(contents + ["missing:.1f"])}
        reply = client.execute_interactive("", user_expressions=expressions, timeout=60)
        results = reply["content"]["user_expressions"]
        for i, content in enumerate(contents):
            name, _, spec_ = content.partition(":")
            expected = format_plain_text(repr(values[name]), spec_ or "s")
            assert results[str(i)] == {"status": "ok", "data": {"text/plain": expected}, "metadata": {}}, content
        missing = results[str(len(contents))]
        assert missing["status"] == "error" and "'missing' is not glued yet" in missing["evalue"]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


# --- one stable jupytext header ----------------------------------------------------------

COURSE_HEADER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_chapter_has_the_course_header(path):
    """One header for every chapter: the format, the kernel, nothing that varies with the
    machine or the jupytext version that last wrote it."""
    assert path.read_text().startswith(COURSE_HEADER), path.read_text()[: len(COURSE_HEADER) + 80]


def test_jupytext_command_line_rewrites_a_chapter_unchanged(course_copy):
    """`jupytext --to myst` (what a contributor runs to sync or reformat a chapter) reads
    chapters/jupytext.toml and writes the chapter back byte for byte: no jupytext_version."""
    path = course_copy / "chapters" / "04_momentum.md"
    before = path.read_bytes()
    jupytext = str(Path(sys.executable).with_name("jupytext"))
    result = subprocess.run([jupytext, "--to", "myst", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert path.read_bytes() == before
