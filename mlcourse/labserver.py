"""The server side of ``make lab``: opening and saving a notebook leaves its file alone.

When JupyterLab starts a kernel for a notebook, it writes the kernel's own description
into the notebook's metadata: ``kernelspec`` (with this machine's display name for the
kernel, such as "Python 3 (ipykernel)") and ``language_info`` (with this machine's
Python version, such as "3.11.7"). Neither belongs to the course, both vary from one
machine to the next, and writing them marks the tab as modified the moment it opens;
saving then rewrites the chapter's header or the exercise's metadata, and
``git status`` shows files changed that nobody edited.

:class:`CourseContentsManager` is jupytext's contents manager (chapters are MyST
Markdown notebooks) with three additions:

- **open**: a notebook whose kernel is one of this server's gets, in memory, the
  ``kernelspec`` and ``language_info`` its kernel is about to report, so JupyterLab
  finds nothing to change and the tab opens unmodified;
- **save**: as long as the notebook still uses the kernel its file names, the file's
  own ``kernelspec`` and ``language_info`` are written back as they were. Choosing
  another kernel is a real change and is saved.

- **glued numbers**: the chapters' ``{glue:text}`` roles reach JupyterLab as inline
  expressions that its MyST renderer evaluates, and are saved back as they were
  (:mod:`mlcourse.labglue`).

Everything else (cells, outputs, other metadata) is saved as JupyterLab sends it.
``lab/common/jupyter_server_config.py`` installs it for ``make lab``.
"""

from __future__ import annotations

import copy
import sys
from functools import cache

from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
from jupytext.async_contentsmanager import build_async_jupytext_contents_manager_class

from mlcourse import labglue

# The keys a kernel writes into a notebook's metadata when it starts.
RUN_TO_RUN_KEYS = ("kernelspec", "language_info")

# Kernel commands that jupyter_client replaces by this very interpreter (sys.executable).
_THIS_PYTHON = {"python", f"python{sys.version_info[0]}", "python%d.%d" % sys.version_info[:2], sys.executable}


@cache
def _ipykernel_language_info() -> dict:
    """The ``language_info`` an IPython kernel running this interpreter reports."""
    from ipykernel.ipkernel import IPythonKernel

    return copy.deepcopy(IPythonKernel.language_info)


def kernel_metadata(spec) -> dict:
    """The metadata JupyterLab writes for a kernel of ``spec`` (a jupyter_client KernelSpec).

    ``kernelspec`` always; ``language_info`` only when the kernel is IPython on this very
    interpreter (the course's own kernel), whose report is known without starting it.
    """
    metadata = {
        "kernelspec": {"name": spec.name, "display_name": spec.display_name, "language": spec.language}
    }
    argv = list(spec.argv or [])
    if argv[:3] and argv[0] in _THIS_PYTHON and argv[1:3] == ["-m", "ipykernel_launcher"]:
        metadata["language_info"] = _ipykernel_language_info()
    return metadata


def keep_run_to_run_metadata(saved: dict, on_disk: dict) -> dict:
    """``saved`` (notebook metadata about to be written) with the file's kernelspec and
    language_info put back, if the kernel is still the one the file names."""
    saved_kernel = (saved.get("kernelspec") or {}).get("name")
    disk_kernel = (on_disk.get("kernelspec") or {}).get("name")
    if saved_kernel != disk_kernel:
        return saved
    kept = dict(saved)
    for key in RUN_TO_RUN_KEYS:
        if key in on_disk:
            kept[key] = copy.deepcopy(on_disk[key])
        else:
            kept.pop(key, None)
    return kept


_JupytextContentsManager = build_async_jupytext_contents_manager_class(AsyncLargeFileManager)


class CourseContentsManager(_JupytextContentsManager):
    """jupytext's contents manager whose saves keep the kernel's run-to-run metadata
    and whose chapters show their glued numbers in JupyterLab."""

    def _kernel_spec(self, name: str):
        manager = getattr(self.parent, "kernel_spec_manager", None)
        if manager is None:
            from jupyter_client.kernelspec import KernelSpecManager

            manager = KernelSpecManager()
        try:
            spec = manager.get_kernel_spec(name)
        except Exception:  # an unknown kernel: JupyterLab will ask which to use
            return None
        spec.name = name
        return spec

    async def get(self, path, content=True, type=None, format=None, **kwargs):
        model = await super().get(path, content=content, type=type, format=format, **kwargs)
        if content and model.get("type") == "notebook" and model.get("content") is not None:
            metadata = model["content"].setdefault("metadata", {})
            name = (metadata.get("kernelspec") or {}).get("name")
            spec = self._kernel_spec(name) if name else None
            if spec is not None:
                metadata.update(kernel_metadata(spec))
            model["content"] = labglue.to_lab(model["content"])
        return model

    async def save(self, model, path=""):
        if model.get("type") == "notebook" and model.get("content") is not None:
            model = dict(model)
            model["content"] = labglue.from_lab(model["content"])
            on_disk = await self._metadata_on_disk(path)
            if on_disk is not None:
                model["content"]["metadata"] = keep_run_to_run_metadata(
                    model["content"].get("metadata", {}), on_disk
                )
        return await super().save(model, path)

    async def _metadata_on_disk(self, path):
        """The metadata of the notebook now in the file, or None (no file, unreadable)."""
        try:
            if not await self.file_exists(path):
                return None
            current = await _JupytextContentsManager.get(self, path, content=True, type="notebook")
        except Exception:  # an unreadable file is simply overwritten, as before
            return None
        return current["content"].get("metadata", {})
