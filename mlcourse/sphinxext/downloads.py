"""Sphinx extension: a downloaded page runs, and the website points at the student edition.

The download button of a chapter or an exercise gives its notebook, whose first import
(``from mlcourse import ...``) fails wherever the course's package is not installed.
This extension

* builds the ``mlcourse`` wheel from the sources next to the book (``pyproject.toml``
  and ``mlcourse/``, with setuptools' PEP 517 backend, no network) and ships it at the
  root of the website, ``_build/html/mlcourse-<version>-py3-none-any.whl``; the wheel
  is rebuilt only when a file it is made of changes;
* puts a short note at the top of every notebook page (chapters and exercises) that says
  how to run the page elsewhere: download the notebook, ``pip install`` the wheel (and,
  for an exercise whose folder holds modules next to the notebook, download those too;
  they are shipped next to the page);
* defines the MyST substitution ``{{ student_repository }}``: the repository URL of
  ``_config.yml`` (``repository: url:``), which the launch buttons also use. It works in
  prose, as every substitution does, and, unlike MyST's own, inside code blocks too, so
  that the how-to's ``git clone`` names the repository the course is configured with.
  ``{{ mlcourse_wheel }}`` is the wheel's file name.

Enable it with ``sphinx: extra_extensions: [mlcourse.sphinxext.downloads]``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.osutil import relative_uri

logger = logging.getLogger(__name__)

# The files a wheel is made of, relative to the project root (plus the package itself).
WHEEL_INPUTS = ("pyproject.toml", "README.md", "LICENSE")
PACKAGE = "mlcourse"
SUBSTITUTIONS = ("student_repository", "mlcourse_wheel")
NOTE_CLASS = "mlcourse-run-locally"


def project_version(root: Path) -> str:
    with open(root / "pyproject.toml", "rb") as f:
        project = tomllib.load(f)["project"]
    return project["version"]


def wheel_name(root: Path) -> str:
    """The file name of the wheel ``build_wheel`` makes of the project at ``root``."""
    return f"{PACKAGE}-{project_version(root)}-py3-none-any.whl"


def _wheel_files(root: Path) -> list[Path]:
    files = [root / name for name in WHEEL_INPUTS if (root / name).is_file()]
    for path in sorted((root / PACKAGE).rglob("*")):
        relative = path.relative_to(root).parts
        if path.is_file() and "__pycache__" not in relative and not any(p.endswith(".egg-info") for p in relative):
            files.append(path)
    return files


def sources_digest(root: Path) -> str:
    """A digest of the names and bytes of every file the wheel is built from."""
    digest = hashlib.sha256()
    for path in _wheel_files(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def build_wheel(root: Path, cache: Path) -> Path:
    """Build the project's wheel (or reuse the one built from the same sources); return its path.

    The sources are copied to a temporary folder first, so that setuptools' ``build/``
    and ``*.egg-info`` never appear in the project. No build isolation: setuptools
    (a dependency of the course) is imported from the running environment, offline.
    """
    root = Path(root)
    name = wheel_name(root)
    target = Path(cache) / sources_digest(root) / name
    if target.is_file():
        return target
    with tempfile.TemporaryDirectory(prefix="mlcourse-wheel-") as tmp:
        src, out = Path(tmp) / "src", Path(tmp) / "dist"
        for path in _wheel_files(root):
            destination = src / path.relative_to(root)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
        out.mkdir()
        script = "import sys; from setuptools import build_meta; print(build_meta.build_wheel(sys.argv[1]))"
        result = subprocess.run([sys.executable, "-c", script, str(out)], cwd=src,
                                capture_output=True, text=True)
        built = out / name
        if result.returncode != 0 or not built.is_file():
            raise RuntimeError(f"building the {PACKAGE} wheel failed (exit {result.returncode}):\n"
                               f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        if Path(cache).is_dir():  # keep one wheel: the latest
            shutil.rmtree(cache)
        target.parent.mkdir(parents=True)
        shutil.copy2(built, target)
    return target


def repository_url(app: Sphinx) -> str:
    return (app.config.html_theme_options or {}).get("repository_url", "") or ""


def add_substitutions(app: Sphinx, config) -> None:
    root = Path(app.srcdir)
    if not (root / "pyproject.toml").is_file():
        # a book without the package beside it (a scratch book of the tests): nothing to ship
        logger.info(f"mlcourse.sphinxext.downloads: no pyproject.toml in {root}: no wheel, no notes")
        app.env_mlcourse_wheel = None
        return
    app.env_mlcourse_wheel = wheel_name(root)
    url = repository_url(app)
    if not url:
        logger.warning("mlcourse.sphinxext.downloads: _config.yml sets no repository url "
                       "(repository: url:), which the how-to and the launch buttons use",
                       type="mlcourse", subtype="downloads")
    substitutions = dict(config.myst_substitutions or {})
    substitutions.setdefault("student_repository", url)
    substitutions.setdefault("mlcourse_wheel", app.env_mlcourse_wheel)
    config.myst_substitutions = substitutions


def substitute_in_code(app: Sphinx, doctree: nodes.document) -> None:
    """``{{ student_repository }}`` and ``{{ mlcourse_wheel }}`` inside code (blocks and inline)."""
    values = {key: str(app.config.myst_substitutions.get(key, "")) for key in SUBSTITUTIONS}
    for block in list(doctree.findall(lambda node: isinstance(node, (nodes.literal_block, nodes.literal)))):
        text = block.astext()
        if "{{" not in text:
            continue
        new = text
        for key, value in values.items():
            for spelling in ("{{ %s }}" % key, "{{%s}}" % key):
                new = new.replace(spelling, value)
        if new != text:
            replacement = block.copy()  # the same attributes (language, classes), no children
            replacement += nodes.Text(new)
            block.replace_self(replacement)


def wheel_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{mlcourse-wheel}`the wheel``: a link to the website's wheel, relative to the page."""
    env = inliner.document.settings.env
    app = env.app
    wheel = getattr(app, "env_mlcourse_wheel", None) or wheel_name(Path(app.srcdir))
    uri = relative_uri(app.builder.get_target_uri(env.docname), wheel)
    return [nodes.reference(rawtext, text, refuri=uri, classes=["download"])], []


def is_notebook_page(app: Sphinx, docname: str) -> bool:
    """A page the download button gives as a notebook (chapters and exercises)."""
    return "kernelspec" in app.env.metadata.get(docname, {})


def companion_files(app: Sphinx, docname: str) -> list[str]:
    """Modules next to an exercise notebook that it imports (e.g. ex04_mistakes.py)."""
    source = Path(app.env.doc2path(docname))
    if source.suffix != ".ipynb" or not docname.startswith("exercises/"):
        return []
    return sorted(p.name for p in source.parent.glob("*.py"))


def _download(name: str, uri: str) -> nodes.Node:
    """A link that downloads (HTML ``download`` attribute) rather than opens the file.

    Made after the environment's download collector ran, so Sphinx neither copies the
    file nor looks for it: ``ship_downloads`` puts it where ``uri`` points.
    """
    return addnodes.download_reference("", "", nodes.literal(text=name), refuri=uri)


def add_run_locally_note(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    if app.builder.format != "html" or not getattr(app, "env_mlcourse_wheel", None):
        return
    if not is_notebook_page(app, docname):
        return
    page = app.builder.get_target_uri(docname)
    wheel = app.env_mlcourse_wheel
    note = nodes.admonition(classes=["note", "dropdown", NOTE_CLASS])
    note += nodes.title(text="Run this page on your own computer")
    steps = nodes.enumerated_list()
    first = nodes.paragraph()
    first += nodes.Text("Download it as a notebook: the download button at the top of the page, then ")
    first += nodes.literal(text=".ipynb")
    first += nodes.Text(".")
    steps += nodes.list_item("", first)
    companions = companion_files(app, docname)
    if companions:
        para = nodes.paragraph()
        para += nodes.Text("Save these modules, which the notebook imports, in the same folder: ")
        for i, name in enumerate(companions):
            if i:
                para += nodes.Text(", ")
            para += _download(name, name)
        para += nodes.Text(".")
        steps += nodes.list_item("", para)
    second = nodes.paragraph()
    second += nodes.Text("Install the course's package once: download ")
    second += _download(wheel, relative_uri(page, wheel))
    second += nodes.Text(" and run ")
    second += nodes.literal(text=f"pip install {wheel}")
    second += nodes.Text(" in the folder you saved it to (it installs NumPy, Matplotlib and the "
                         "course's other dependencies from your usual package index). Then open "
                         "the notebook in JupyterLab and run it.")
    steps += nodes.list_item("", second)
    note += steps
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        doctree.insert(0, note)
        return
    title = next((i for i, child in enumerate(section.children) if isinstance(child, nodes.title)), -1)
    section.insert(title + 1, note)


def ship_downloads(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html" or not getattr(app, "env_mlcourse_wheel", None):
        return
    root = Path(app.srcdir)
    cache = Path(app.doctreedir).parent / ".mlcourse-wheel"
    wheel = build_wheel(root, cache)
    shutil.copy2(wheel, Path(app.outdir) / wheel.name)
    for docname in app.env.found_docs:
        for name in companion_files(app, docname):
            target = Path(app.outdir) / os.path.dirname(app.builder.get_target_uri(docname)) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(Path(app.env.doc2path(docname)).parent / name, target)


def setup(app: Sphinx) -> dict:
    app.add_role("mlcourse-wheel", wheel_role)
    app.connect("config-inited", add_substitutions, priority=900)
    app.connect("doctree-read", substitute_in_code)
    app.connect("doctree-resolved", add_run_locally_note)
    app.connect("build-finished", ship_downloads)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
