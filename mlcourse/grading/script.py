"""What each test cell checks: the oracle's script, read from the instructor's source notebook.

Before any submission is graded, :func:`read_script` runs the *test cells* of the source
notebook (hidden tests included) in the grader's own process with a recording driver:
every checker a cell calls is noted with its arguments (as ``_wire`` JSON) and the roles
of the student's functions it is given, and nothing is run. Student functions are
placeholders: any name a test cell uses that the notebook's imports do not define.

The oracle then accepts, in test cell ``X``, exactly the checks the script lists for
``X``, in that order, with exactly those arguments. So a notebook cannot run a check
from an answer cell, repeat one until it passes, skip one, or ask for an easier one
(``cases=0``, ``seed=0`` instead of the hidden ``seed=None``, a wider tolerance): the
arguments come from the instructor's cell, not from the student's kernel.

The script also lists what the checks name in ``under_test``: the modules and functions
:mod:`mlcourse.grading.sandbox` removes from the kernel's ``mlcourse``.

A test cell's checker arguments must therefore be written in the cell (constants,
``checks.problem(...)``, spaces, mistakes imported from a module), imported, or bound by a
top-level ``NAME = ...`` of a cell that is not an answer cell (``SPACE = {"lr":
search.loguniform(*LR_RANGE)}``: the script evaluates those assignments, with the imports
they need, from the instructor's notebook); not computed by anything else (loops,
functions, answer cells). A student who rebinds such a name changes the arguments the
kernel sends, which the oracle refuses. A test cell whose checks cannot be read so
(that, or a checker that still runs in the student's process) is listed in the script's
``warnings``: it is scored from its output, as nbgrader does, without the oracle.
"""

import ast
import builtins
import contextlib
import importlib.util
import inspect
import json
import os
import sys

from mlcourse.checks import _driver, _wire

# Modules the grading kernel needs whole (the checkers' client, the wire, argument checks):
# a checker may not name them in under_test.
KERNEL_NEEDS = ("mlcourse", "mlcourse._checks", "mlcourse.checks", "mlcourse.search.spaces")


class ScriptError(ValueError):
    """A test cell whose checks cannot be read; the message names it."""


def assignment_modules(folder):
    """Names of the instructor's importable modules in the assignment folder."""
    return sorted(os.path.splitext(f)[0] for f in os.listdir(folder)
                  if f.endswith(".py") and f[:-3].isidentifier())


@contextlib.contextmanager
def trusted_modules(folder):
    """Import the assignment folder's modules from ``folder`` (the instructor's copy) only.

    Modules of that name already imported from elsewhere are replaced for the duration;
    on exit they are removed again, so that two assignments never share one.
    """
    names = assignment_modules(folder) if folder and os.path.isdir(folder) else []
    saved = {name: sys.modules.pop(name) for name in names if name in sys.modules}
    sys.path.insert(0, folder)
    try:
        for name in names:
            spec = importlib.util.spec_from_file_location(name, os.path.join(folder, f"{name}.py"))
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                del sys.modules[name]
                raise
        yield names
    finally:
        if folder in sys.path:
            sys.path.remove(folder)
        for name in names:
            sys.modules.pop(name, None)
        sys.modules.update(saved)


def trusted_reference(modules):
    """``allow_ref`` for ``_wire.loads``: references into mlcourse and the assignment's modules."""
    allowed = set(modules)

    def allow(name):
        module = name.partition(":")[0]
        root = module.partition(".")[0]
        return root == "mlcourse" or module in allowed

    return allow


class _Recorder:
    """A driver that notes each checker call and runs nothing."""

    def __init__(self):
        self.calls = []

    def run(self, check, functions, arguments):
        reference = _wire.reference_name(check)
        if reference is None:
            raise ScriptError(f"{check.__name__} is not importable by name")
        under_test = check.under_test(arguments) if callable(check.under_test) else check.under_test
        self.calls.append(({"check": reference, "arguments": _wire.dumps(arguments),
                            "roles": sorted(role for role, f in functions.items() if f is not None)},
                           tuple(under_test)))


class _Names(dict):
    """A namespace in which every unknown name is a student's function (a placeholder)."""

    def __missing__(self, name):
        if hasattr(builtins, name) or name.startswith("__"):
            raise KeyError(name)

        def placeholder(*args, **kwargs):
            raise RuntimeError(f"{name} is the student's: not run while reading the script")

        placeholder.__name__ = placeholder.__qualname__ = name
        self[name] = placeholder
        return placeholder


def _grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def is_test_cell(cell):
    nbgrader = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(nbgrader.get("grade")) and not nbgrader.get("solution")


def is_manual_cell(cell):
    """An answer graded by a person: nbgrader's "manually graded answer" (solution and grade)."""
    nbgrader = cell.get("metadata", {}).get("nbgrader", {})
    return bool(nbgrader.get("grade")) and bool(nbgrader.get("solution"))


def _imports(source, used):
    """The cell's top-level imports of names in ``used`` (a notebook's plotting imports
    cost seconds and no test cell needs them), and its top-level assignments to names in
    ``used`` (constants such as ``SPACE = {"lr": search.loguniform(1e-4, 1.0)}``)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    nodes = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            aliases = [a for a in node.names
                       if (a.asname or a.name.partition(".")[0]) in used or a.name == "*"]
            if aliases:
                node.names = aliases
                nodes.append(node)
        elif _assigned(node) & used:
            nodes.append(node)
    return ast.Module(body=nodes, type_ignores=[]) if nodes else None


def _assigned(node):
    """The names a top-level ``NAME = ...`` (or ``A, B = ...``) statement binds, else none."""
    if not isinstance(node, ast.Assign):
        return set()
    names = set()
    for target in node.targets:
        elements = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
        if not all(isinstance(e, ast.Name) for e in elements):
            return set()
        names |= {e.id for e in elements}
    return names


def _names_needed(test_sources, other_sources):
    """Names the test cells use, with those that the other cells' top-level assignments
    to them use in turn (``SPACE = {"lr": search.loguniform(*LR_RANGE)}`` needs LR_RANGE)."""
    needed = _names_used(test_sources)
    assignments = []
    for source in other_sources:
        try:
            assignments += [node for node in ast.parse(source).body if _assigned(node)]
        except SyntaxError:
            pass
    while True:
        more = set()
        for node in assignments:
            if _assigned(node) & needed:
                more |= {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
        if more <= needed:
            return needed
        needed |= more


def _names_used(sources):
    used = set()
    for source in sources:
        try:
            used |= {node.id for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Name)}
        except SyntaxError:
            pass
    return used


def read_script(notebook, folder=None):
    """``{"cells": {grade_id: [expected check, ...]}, "under_test": [...], "warnings": [...]}`` of a
    source notebook.

    ``notebook`` is an nbformat notebook; ``folder`` the instructor's assignment folder
    (its modules are importable while the cells run). Each expected check is
    ``{"check": "module:name", "arguments": wire JSON, "roles": [given student roles]}``.
    """
    recorder = _Recorder()
    cells, under_test, warnings, calls = {}, [], [], []
    with trusted_modules(folder), _driver.use_driver(recorder):
        names = _Names(__name__="__main__")
        scope = {"__builtins__": builtins}
        others = [cell for cell in notebook.cells if cell.cell_type == "code" and not is_test_cell(cell)
                  and not cell.get("metadata", {}).get("nbgrader", {}).get("solution")]
        used = _names_needed([cell.source for cell in notebook.cells if is_test_cell(cell)],
                             [cell.source for cell in others])
        for cell in others:
            imports = _imports(cell.source, used)
            if imports is not None:
                try:
                    exec(compile(imports, f"<cell {_grade_id(cell) or '?'}>", "exec"), scope, names)
                except Exception as error:
                    raise ScriptError(f"the imports or constants of cell {_grade_id(cell) or '?'} fail in the grader: "
                                      f"{type(error).__name__}: {error}") from None
        for cell in notebook.cells:
            if not is_test_cell(cell):
                continue
            grade_id = _grade_id(cell)
            recorder.calls = []
            try:
                exec(compile(cell.source, f"<test cell {grade_id}>", "exec"), scope, names)
            except Exception as error:
                # e.g. a checker that still runs in the student's process (not a generator), or
                # arguments computed by earlier cells: the cell is scored from its output, as
                # nbgrader does, without the oracle's protection; the grader says so.
                # Checks recorded before the failure are dropped too: the oracle expects all of a
                # cell's checks or none.
                warnings.append(f"test cell {grade_id!r} is not protected by the oracle: reading its checks "
                                f"failed ({type(error).__name__}: {str(error)[:200]}); it is scored from its output")
                cells[grade_id] = []
                continue
            cells[grade_id] = [expected for expected, _ in recorder.calls]
            calls += recorder.calls
            under_test += [target for _, targets in recorder.calls for target in targets]
    kept, modules = [], assignment_modules(folder) if folder else []
    targets = stub_targets(under_test, modules, kept)
    # What the kernel builds from the checks' arguments (ex05's loop check hands the student's
    # loop optim.nesterov, which its step checks compare with) must stay real in the kernel.
    # A reference in a check's arguments that the check itself does not name under test is
    # handed to the kernel (built there); one it names is used by the oracle only.
    needed = [ref for expected, own in calls for ref in _references(expected["arguments"])
              if not any(_covers(target, ref) for target in stub_targets(own, modules, []))]
    for target in list(targets):
        if any(_covers(target, ref) for ref in needed):
            targets.remove(target)
            name = target[1] if target[0] == "module" else f"{target[1]}.{target[2]}"
            if name not in kept:
                kept.append(name)
    warnings += [f"{module} is under test but the grading kernel needs it (test cells or checks use it): a "
                 "student's function that "
                 "calls it is not flagged by the grader (only by the checks in the student's own kernel)"
                 for module in kept]
    return {"cells": cells, "under_test": targets, "warnings": warnings}


def _references(arguments):
    """The ``module:qualname`` references in a check's wire-encoded arguments."""
    found = []

    def walk(value):
        if isinstance(value, dict):
            if isinstance(value.get("__ref__"), str):
                found.append(value["__ref__"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(json.loads(arguments))
    return found


def _covers(target, ref):
    """Whether the stub ``target`` replaces the object ``ref`` (``module:qualname``)."""
    module, _, qualname = ref.partition(":")
    if target[0] == "module":
        return module == target[1] or module.startswith(target[1] + ".")
    return module == target[1] and qualname.split(".")[0] == target[2]


def stub_targets(objects, modules=(), kept=None):
    """``under_test`` objects as what the sandbox stubs: ``["module", name]`` for a module
    (a package: all of it), ``["object", module, name]`` for a top-level function or class.

    Modules the kernel needs whole (``KERNEL_NEEDS``) are not stubbed; their names are
    appended to ``kept`` (a list) when one is given."""
    targets = []
    for obj in objects:
        if inspect.ismodule(obj):
            module, name = obj.__name__, None
        else:
            module = getattr(obj, "__module__", None)
            name = getattr(obj, "__qualname__", getattr(obj, "__name__", "")).split(".")[0]
        root = (module or "").partition(".")[0]
        if root != "mlcourse" and module not in modules:
            raise ScriptError(f"invalid under_test entry {obj!r}: only modules and functions of mlcourse or of "
                              "the assignment's own modules can be removed from the grading kernel")
        if module.startswith("mlcourse.checks") or module.startswith("mlcourse.grading"):
            raise ScriptError(f"invalid under_test entry {obj!r}: the grading kernel needs {module}")
        if module in KERNEL_NEEDS:
            # e.g. exercise 8's sampler check names mlcourse.search.spaces, which test cells need
            # to describe their ranges: it stays whole in the kernel (the in-process check in the
            # student's own JupyterLab still flags a call to it; the grader cannot)
            if kept is not None and module not in kept:
                kept.append(module)
            continue
        target = ["module", module] if name is None else ["object", module, name]
        if target not in targets:
            targets.append(target)
    return targets
