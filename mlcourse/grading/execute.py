"""``GuardedExecute``: nbgrader's Execute preprocessor, hardened for hostile notebooks.

nbgrader already interrupts a cell that runs past ``timeout`` and records the error.
Two more failures must not stop a batch or lose the cells already graded:

* **The kernel dies** (``os._exit``, a segfault): nbgrader would abandon the whole
  submission. Here the cell that killed it and every later code cell get an error
  output (so their tests score zero) and the cells before keep their scores.
* **A cell that times out while still sending output** (nbclient raises instead of
  recording it): recorded as a ``CellTimeoutError`` in that cell.
* **A flood of output** (a print in an endless loop): each cell may send at most
  ``max_output_bytes``; past that its output is dropped, the kernel interrupted, and
  an ``OutputLimitExceeded`` error recorded.
* **The oracle's cell attribution**: before each code cell runs, the grader tells the
  submission's :class:`~mlcourse.grading.oracle.Oracle` which cell it is (test,
  answer or other cell), and after it ends, that it ended: a checker's session is
  attributed by the grader, never by what the kernel says.
* **A notebook that loops in every test** (an endless loop in a function that all
  test cells call): each cell would wait out its own timeout, minutes in all. The
  whole notebook gets ``notebook_timeout`` seconds: no cell may run past what is
  left of it, and once it is spent the remaining cells are not run and get a
  ``NotebookTimeout`` error (so they score zero).
"""

import asyncio
import json
import time

from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_output
from traitlets import Integer

from nbgrader.preprocessors import Execute

from .kernels import wait_until_ready

ORACLE = [None]  # the worker's oracle for the notebook being graded (one job at a time per worker)
KERNELS = [None]  # the worker's kernels (:class:`.kernels.Kernels`) and this job's settings for them

KERNEL_DIED = "KernelDied"
OUTPUT_LIMIT = "OutputLimitExceeded"
NOTEBOOK_TIMEOUT = "NotebookTimeout"


def _error(ename, evalue):
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _cell_kind(cell, index):
    """``(grade_id, kind, label)`` of a code cell: kind is "test", "answer", "copy" (a pasted
    copy of a source cell, whose nbgrader marks the worker removed) or "other"."""
    nbgrader = cell.get("metadata", {}).get("nbgrader", {})
    grade_id = nbgrader.get("grade_id")
    copy_of = cell.get("metadata", {}).get("mlcourse_copy_of")  # worker.COPY_MARK
    if nbgrader.get("solution"):
        kind = "answer"
    elif nbgrader.get("grade"):
        kind = "test"
    elif copy_of:
        kind = "copy"
    else:
        kind = "other"
    label = f"{'test' if kind == 'test' else 'answer' if kind == 'answer' else 'code'} cell " + (
        repr(grade_id) if grade_id else f"number {index + 1}")
    if kind == "copy":
        label += f" (a copy of {str(copy_of)[:100]!r})"
    return grade_id, kind, label


class GuardedExecute(Execute):
    max_output_bytes = Integer(1_000_000, help="Output a single cell may produce, in bytes.").tag(config=True)
    notebook_timeout = Integer(180, help="Seconds all the cells of a notebook may take together.").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._notebook = (resources or {}).get("unique_key")
        self._kernel_dead = False
        self._cell_timeout = self.timeout
        if KERNELS[0] is None or km is not None:
            self._deadline = time.monotonic() + self.notebook_timeout
            return super().preprocess(nb, resources, km)
        # a fresh kernel from the worker's pool (started ahead), given this notebook's folder;
        # the oracle listens in the kernel's folder too
        kernels, settings = KERNELS[0]
        kernel = self._kernel = kernels.take(settings)
        kernels.prepare(settings)  # the next notebook's kernel boots while this one runs
        try:
            kernel.receive((resources or {}).get("metadata", {}).get("path") or ".")
            if ORACLE[0] is not None:
                ORACLE[0].listen(kernel.oracle_socket)
            self._deadline = time.monotonic() + self.notebook_timeout
            return super().preprocess(nb, resources, kernel.manager)
        finally:  # nbclient leaves alone a kernel it did not start: the pool kills it
            self.km = self.kc = self._kernel = None
            kernels.release(kernel)

    async def async_start_new_kernel_client(self):
        """The pool's kernel's own client (connected while it booted), else a new one as
        nbclient makes."""
        kernel = getattr(self, "_kernel", None)
        if kernel is None:
            return await super().async_start_new_kernel_client()
        self.kc = kernel.client
        await wait_until_ready(kernel, self.startup_timeout)
        self.kc.allow_stdin = False
        return self.kc

    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not cell.source.strip():
            return cell, resources
        if self._kernel_dead:
            cell.outputs = [_error(KERNEL_DIED, "not run: the kernel died in an earlier cell")]
            return cell, resources
        left = self._deadline - time.monotonic()
        if left < 1:
            cell.outputs = [_error(NOTEBOOK_TIMEOUT, f"not run: the notebook used up its {self.notebook_timeout} s "
                                   "of running time in earlier cells")]
            return cell, resources
        self.timeout = min(self._cell_timeout, int(left))
        self._cell_bytes = 0
        self._cell_limited = False
        oracle = ORACLE[0]
        if oracle is not None:
            oracle.begin_cell(self._notebook, *_cell_kind(cell, index))
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._kernel_dead = True
            cell.outputs.append(_error(
                KERNEL_DIED, "the kernel died while running this cell (os._exit, a crash, "
                "or memory exhausted); later cells were not run"))
            return cell, resources
        except CellTimeoutError as error:  # e.g. output still arriving long after the reply
            cell.outputs.append(_error("CellTimeoutError", str(error).splitlines()[0]))
            return cell, resources
        finally:
            if oracle is not None:
                oracle.end_cell()

    def output(self, outs, msg, display_id, cell_index):
        self._cell_bytes += len(json.dumps(msg.get("content", {})))
        if self._cell_bytes <= self.max_output_bytes:
            return super().output(outs, msg, display_id, cell_index)
        if not self._cell_limited:
            self._cell_limited = True
            outs.append(_error(OUTPUT_LIMIT, f"the cell printed more than {self.max_output_bytes} "
                               "bytes; the rest was dropped and the cell interrupted"))
            asyncio.ensure_future(self.km.interrupt_kernel())
        return None
