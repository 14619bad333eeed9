"""Glued numbers in ``make lab``: the chapters' ``{glue:text}`` roles show their values.

On the website, myst-nb replaces ``{glue:text}`name:fmt``` in the prose by the value a
code cell glued under ``name`` (``myst_nb.glue(name, value, display=False)``), formatted
with ``fmt``. JupyterLab's MyST renderer (jupyterlab-myst) knows no glue role: it would
show the bare ``name:fmt``. It does evaluate inline expressions, ``{eval}`expr```, in the
kernel when a Markdown cell is run. So, in ``make lab`` only:

- **server** (:func:`to_lab` / :func:`from_lab`, called by
  :class:`mlcourse.labserver.CourseContentsManager`): a notebook opened in JupyterLab has
  each ``{glue:text}`content``` of its Markdown cells written as
  ``{eval}`glue_text("content")```; on save the roles are written back exactly as they
  were, and the evaluated results jupyterlab-myst keeps in the cell's metadata
  (``user_expressions``) are not saved. The file on disk never changes.
- **kernel** (:func:`load_ipython_extension`, loaded by ``make lab``'s python3 kernel,
  ``lab/share/kernels/python3/kernel.json``): every value glued in the session is
  recorded (the ``text/plain`` myst-nb stores), and ``glue_text("name:fmt")`` formats it
  with myst-nb's own formatting, so a number reads in JupyterLab exactly as on the
  website. A name not glued yet (its code cell has not run) says so.

A student sees the numbers once the cells above have run (Run All, or run the Markdown
cell after the code cell that glues them), like any output.
"""

from __future__ import annotations

import re

#: The kernel function the inline expressions call.
HELPER = "glue_text"

# ``{glue:text}`content``` (myst-nb's role: content is ``key`` or ``key:format_spec``).
_GLUE_ROLE = re.compile(r"\{glue:text\}`([^`\"\\\n]+)`")
# What _GLUE_ROLE becomes in JupyterLab (any other {eval} is saved as it is).
_EVAL_ROLE = re.compile(r"\{eval\}`" + HELPER + r'\("([^`"\\\n]+)"\)`')
_EVAL_EXPRESSION = re.compile(HELPER + r'\("([^`"\\\n]+)"\)')


def _expression(content: str) -> str:
    return f'{HELPER}("{content}")'


def markdown_to_lab(source: str) -> str:
    """A Markdown cell's source with its glue roles written as inline expressions."""
    return _GLUE_ROLE.sub(lambda m: "{eval}`" + _expression(m.group(1)) + "`", source)


def markdown_from_lab(source: str) -> str:
    """The inverse of :func:`markdown_to_lab`."""
    return _EVAL_ROLE.sub(lambda m: "{glue:text}`" + m.group(1) + "`", source)


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def to_lab(notebook: dict) -> dict:
    """The notebook as JupyterLab gets it (a copy; ``notebook`` is left as it is)."""
    cells = [
        {**cell, "source": markdown_to_lab(_source(cell))} if cell.get("cell_type") == "markdown" else cell
        for cell in notebook.get("cells", [])
    ]
    return {**notebook, "cells": cells}


def _drop_glue_results(cell: dict) -> dict:
    """jupyterlab-myst keeps each evaluated expression and its result in the cell's
    metadata (``user_expressions``); the glue ones are run-to-run: never saved."""
    metadata = cell.get("metadata") or {}
    results = metadata.get("user_expressions")
    if not isinstance(results, list):
        return cell
    kept = [r for r in results if not _EVAL_EXPRESSION.fullmatch(str((r or {}).get("expression", "")))]
    if len(kept) == len(results):
        return cell
    metadata = dict(metadata)
    if kept:
        metadata["user_expressions"] = kept
    else:
        del metadata["user_expressions"]
    return {**cell, "metadata": metadata}


def from_lab(notebook: dict) -> dict:
    """The notebook JupyterLab saves, as the file has it (a copy)."""
    cells = [
        _drop_glue_results({**cell, "source": markdown_from_lab(_source(cell))})
        if cell.get("cell_type") == "markdown" else cell
        for cell in notebook.get("cells", [])
    ]
    return {**notebook, "cells": cells}


# --- the kernel side ----------------------------------------------------------------

class NotGlued(LookupError):
    """glue_text was asked for a name that no code cell of this session has glued."""


class GluedText:
    """A formatted glued value; displays as the bare text (no quotes)."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(self.text)


class GlueRecorder:
    """Records the ``text/plain`` of every value glued in a kernel (``myst_nb.glue``
    publishes it as display data whose metadata names it under ``scrapbook``)."""

    def __init__(self):
        self.values: dict[str, str] = {}

    def record(self, message: dict) -> dict:
        """A hook of ipykernel's display publisher: notes glued values, passes every
        message on unchanged."""
        content = message.get("content") or {}
        scrapbook = (content.get("metadata") or {}).get("scrapbook") or {}
        name = scrapbook.get("name")
        if isinstance(name, str):
            text = (content.get("data") or {}).get(scrapbook.get("mime_prefix", "") + "text/plain")
            if isinstance(text, str):
                self.values[name] = text
        return message

    def glue_text(self, content: str) -> GluedText:
        """What myst-nb's ``{glue:text}`content``` shows: ``content`` is ``name`` or
        ``name:format_spec``."""
        from myst_nb.core.variables import format_plain_text

        name, _, spec = content.rpartition(":") if ":" in content else (content, "", "s")
        if name not in self.values:
            raise NotGlued(f"{name!r} is not glued yet: run the code cells above this one first")
        return GluedText(format_plain_text(self.values[name], spec))


def load_ipython_extension(shell) -> None:
    """``--IPKernelApp.extra_extensions=mlcourse.labglue``: record glued values and give
    the inline expressions their ``glue_text`` (hidden from ``%who``)."""
    recorder = GlueRecorder()
    publisher = getattr(shell, "display_pub", None)
    if publisher is None or not hasattr(publisher, "register_hook"):
        return  # not an ipykernel (e.g. a terminal IPython): nothing is glued there
    publisher.register_hook(recorder.record)
    shell.push({HELPER: recorder.glue_text}, interactive=False)
