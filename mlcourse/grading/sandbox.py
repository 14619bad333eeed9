"""The sandbox of a grading kernel: bubblewrap, and an ``mlcourse`` without the references.

Every notebook ``mlcourse grade`` runs gets its own IPython kernel, started through
:mod:`mlcourse.grading.kernel_launcher` inside bubblewrap (``bwrap``, Debian's
``bubblewrap`` package; we use it, we do not write a sandbox):

* **namespaces**: no network (``--unshare-net``: not even the loopback is up), its own
  PID namespace (the kernel sees only its own processes, and when the kernel stops
  every process it started, detached or not, is killed with it), IPC, UTS, cgroup;
  no capabilities; the environment is cleared (the grader's variables never reach the
  student's code);
* **files**: read-only views of the system (``/usr``, the Python installation and its
  site-packages, a few files of ``/etc``), of the *kernel library* below and of the
  oracle's socket; a private ``/tmp`` (tmpfs, also ``$HOME``) and the notebook's own
  folder (the only writable place on disk: the scratch folder of this submission,
  holding its notebook and the assignment's released files). Nothing else exists:
  not the course directory (solutions, gradebook), not the submissions folder, not
  the output folder, not another job's folder, not ``mlcourse``'s own source;
* **limits** (set by the launcher, inside): address space (``--memory``), file size.
  Time and output are limited by the grader as before (:mod:`.execute`).

The **kernel library** (:func:`build_kernel_library`) is what the kernel imports as
``mlcourse`` (first on ``PYTHONPATH``): a copy of the package in which

* ``mlcourse.checks`` holds the client only: each module that defines checkers is
  replaced by their signatures (:func:`mlcourse.checks._driver.client_checker`); no
  generator, reference call or known mistake is there to reuse;
* every module or function the assignment's checkers name in ``under_test`` (read by
  :mod:`.script`) is a stub (:mod:`mlcourse.checks._unavailable`) that raises when
  called, so ``from mlcourse.losses import mse`` imports but cannot compute anything;
  the rest (``mlcourse.problems``' data and problems, spaces, ...) works as usual;
* the grader, the authoring tools, the Sphinx extensions and every ``__pycache__``
  (compiled references) are left out.

The assignment's own modules get the same treatment (their ``under_test`` functions
stubbed) in the copy that nbgrader puts next to the notebook; the oracle imports the
instructor's originals, which the kernel never sees.

Where bubblewrap cannot run (not installed, no user namespaces, macOS),
:func:`availability` says why; ``mlcourse grade`` then says so, grades with the kernel
library but without isolation, and marks every row ``unsandboxed``.
"""

import ast
import importlib
import inspect
import json
import os
import shutil
import subprocess
import sys

from mlcourse.checks import _driver, _wire

BWRAP = "bwrap"
# Files of /etc a Python kernel needs (dynamic loader, time zone, user names for getpass).
ETC = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/nsswitch.conf",
       "/etc/passwd", "/etc/group", "/etc/fonts", "/etc/alternatives", "/etc/mime.types")
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# Parts of mlcourse that have no business in a student's kernel.
LEFT_OUT = ("grading", "authoring", "sphinxext")
KERNEL_GRADING = ("__init__.py", "kernel_launcher.py")  # the launcher runs inside the sandbox
STUB_IMPORT = "from mlcourse.checks._unavailable import unavailable as _mlcourse_unavailable"


# --- is bubblewrap usable here? ------------------------------------------------------------

def availability(executable=None):
    """``(True, path)`` if bubblewrap can make a sandbox here, else ``(False, why)``."""
    if sys.platform != "linux":
        return False, f"bubblewrap needs Linux (this is {sys.platform})"
    path = executable or shutil.which(BWRAP)
    if not path:
        return False, "bubblewrap (bwrap) is not installed: on Debian/Ubuntu, apt-get install bubblewrap"
    try:
        run = subprocess.run([path, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "--proc", "/proc",
                              "--dev", "/dev", "--cap-drop", "ALL", "true"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return False, f"bwrap could not be started ({error})"
    if run.returncode != 0:
        why = (run.stderr.strip().splitlines() or ["no message"])[-1]
        return False, f"bwrap cannot create namespaces here ({why}; user namespaces may be disabled)"
    return True, path


# --- the kernel library --------------------------------------------------------------------

def _package_dir():
    import mlcourse

    return os.path.dirname(os.path.abspath(mlcourse.__file__))


def _checker_modules():
    """Modules of mlcourse.checks that define public checkers -> [(name, public)]."""
    import mlcourse.checks  # noqa: F401  (fills the registry)

    found = {}
    for public in _driver.REGISTRY.values():
        module = public.__module__
        if module.startswith("mlcourse.checks.") and _wire.reference_name(public):
            found.setdefault(module, []).append(public)
    return found


def client_module_source(module, publics):
    """The kernel's version of a checker module: the public checkers' signatures only."""
    lines = [f'"""{module} in a grading kernel: its checkers run in the grader\'s oracle '
             '(written by mlcourse.grading.sandbox)."""', "",
             "from mlcourse.checks._driver import client_checker", ""]
    for public in publics:
        parameters = []
        for parameter in inspect.signature(public.generator).parameters.values():
            default = None if parameter.default is inspect.Parameter.empty else _wire.dumps(parameter.default)
            parameters.append([parameter.name, parameter.kind.name, default])
        lines.append(f"{public.__name__} = client_checker({module!r}, {public.__name__!r}, "
                     f"{json.dumps(parameters)!r}, {tuple(public.students)!r}, {inspect.getdoc(public)!r})")
    return "\n".join(lines) + "\n"


def _stub_line(name, qualified, reference):
    return f"{name} = _mlcourse_unavailable({qualified!r}, {reference!r})"


def _reference(obj, module, name):
    return _wire.reference_name(obj) or f"{module}:{name}"


def stub_module_source(module):
    """A whole module under test, as the kernel sees it: each public callable a stub."""
    public = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
    is_package = os.path.basename(getattr(module, "__file__", "") or "") == "__init__.py"
    lines = [f'"""{module.__name__} is under test: not available while grading (written by '
             'mlcourse.grading.sandbox)."""', "", STUB_IMPORT, ""]
    for name in public:
        obj = getattr(module, name, None)
        if inspect.ismodule(obj):
            continue
        own = getattr(obj, "__module__", None) == module.__name__ or (
            is_package and str(getattr(obj, "__module__", "")).startswith(module.__name__ + "."))
        if callable(obj) and own:
            lines.append(_stub_line(name, f"{module.__name__}.{name}", _reference(obj, module.__name__, name)))
        elif isinstance(obj, (int, float, str, bool, type(None))):
            lines.append(f"{name} = {obj!r}")
    if "__all__" in vars(module):
        lines.append(f"__all__ = {list(module.__all__)!r}")
    return "\n".join(lines) + "\n"


def stub_objects_source(path, module, names):
    """The source of ``module`` (file ``path``) with the top-level ``names`` replaced by stubs."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    body, placed = [], False
    for node in tree.body:
        defined = None
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined = node.name
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            defined = node.targets[0].id
        if defined in names:
            obj = getattr(importlib.import_module(module), defined, None)
            body += ast.parse(_stub_line(defined, f"{module}.{defined}", _reference(obj, module, defined))).body
        else:
            body.append(node)
    for index, node in enumerate(body):  # the stub import goes after the docstring and __future__ imports
        is_doc = index == 0 and isinstance(node, ast.Expr) and isinstance(getattr(node, "value", None), ast.Constant)
        if not (is_doc or (isinstance(node, ast.ImportFrom) and node.module == "__future__")):
            body.insert(index, ast.parse(STUB_IMPORT).body[0])
            placed = True
            break
    if not placed:
        body += ast.parse(STUB_IMPORT).body
    tree.body = body
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def _module_file(name, package_dir, lib_package, assignment_dir, assignment_kernel_dir):
    """(real file, kernel file) of module ``name`` (mlcourse's or the assignment's)."""
    if name == "mlcourse" or name.startswith("mlcourse."):
        relative = name.split(".")[1:]
        base = os.path.join(package_dir, *relative)
        kernel = os.path.join(lib_package, *relative)
        if os.path.isdir(base):
            return os.path.join(base, "__init__.py"), os.path.join(kernel, "__init__.py")
        return base + ".py", kernel + ".py"
    return os.path.join(assignment_dir, f"{name}.py"), os.path.join(assignment_kernel_dir, f"{name}.py")


def build_kernel_library(lib, targets, assignment_dir=None, assignment_kernel_dir=None):
    """Write the kernel's ``mlcourse`` into ``lib/mlcourse`` and the assignment's modules
    (stubbed where under test) into ``assignment_kernel_dir``. ``targets`` are
    :func:`mlcourse.grading.script.stub_targets`. Returns ``lib``."""
    package_dir = _package_dir()
    package = os.path.join(lib, "mlcourse")
    if os.path.exists(package):
        shutil.rmtree(package)

    def ignore(folder, entries):
        skipped = {e for e in entries if e == "__pycache__" or e.endswith((".pyc", ".pyo"))}
        if os.path.realpath(folder) == os.path.realpath(package_dir):
            skipped |= {e for e in entries if e in LEFT_OUT}
        return skipped

    shutil.copytree(package_dir, package, ignore=ignore)
    os.makedirs(os.path.join(package, "grading"))
    for name in KERNEL_GRADING:
        shutil.copy(os.path.join(package_dir, "grading", name), os.path.join(package, "grading", name))
    for module, publics in _checker_modules().items():
        with open(os.path.join(package, *module.split(".")[1:]) + ".py", "w") as f:
            f.write(client_module_source(module, publics))
    if assignment_dir and assignment_kernel_dir:
        os.makedirs(assignment_kernel_dir, exist_ok=True)
        for entry in os.listdir(assignment_dir):
            if entry.endswith(".py"):
                shutil.copy(os.path.join(assignment_dir, entry), os.path.join(assignment_kernel_dir, entry))

    wholesale = [t[1] for t in targets if t[0] == "module"]
    by_module = {}
    for kind, module, *name in targets:
        if kind == "object" and not any(module == m or module.startswith(m + ".") for m in wholesale):
            by_module.setdefault(module, set()).add(name[0])
    from .script import trusted_modules  # the assignment's modules (ex04_reference) by name, from its folder

    with trusted_modules(assignment_dir):
        for module_name in wholesale:
            module = importlib.import_module(module_name)
            real, kernel = _module_file(module_name, package_dir, package, assignment_dir, assignment_kernel_dir)
            if os.path.basename(real) == "__init__.py":  # a package: every module in it
                folder, kernel_folder = os.path.dirname(real), os.path.dirname(kernel)
                for root, _, files in os.walk(folder):
                    for file in files:
                        if not file.endswith(".py"):
                            continue
                        relative = os.path.relpath(os.path.join(root, file), folder)
                        parts = [p for p in relative[:-3].split(os.sep) if p != "__init__"]
                        name = ".".join([module_name, *parts])
                        if name in ("mlcourse.search.spaces",):
                            continue
                        with open(os.path.join(kernel_folder, relative), "w") as f:
                            f.write(stub_module_source(importlib.import_module(name)))
            else:
                with open(kernel, "w") as f:
                    f.write(stub_module_source(module))
        for module_name, names in by_module.items():
            real, kernel = _module_file(module_name, package_dir, package, assignment_dir, assignment_kernel_dir)
            with open(kernel, "w") as f:
                f.write(stub_objects_source(real, module_name, names))
    return lib


def matplotlib_config(folder):
    """A matplotlib configuration folder with its font cache built, for kernels to copy:
    a fresh ``/tmp`` would otherwise rebuild it (seconds) in every kernel that plots."""
    marker = os.path.join(folder, ".built")
    if not os.path.exists(marker):
        os.makedirs(folder, exist_ok=True)
        subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], capture_output=True,
                       env={**os.environ, "MPLCONFIGDIR": folder}, timeout=300)
        open(marker, "w").close()
    return folder


# --- the command that starts a kernel ------------------------------------------------------

def _inside(path, folder):
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return path != folder and path.startswith(folder.rstrip(os.sep) + os.sep)


def _python_roots():
    roots = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    roots.add(os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))))
    return sorted(r for r in roots if os.path.isdir(r) and r != "/")


def kernel_environment(lib, oracle_socket, memory_bytes, mplconfig=None, tmp="/tmp"):
    """The kernel's whole environment (in the sandbox nothing of the grader's is passed on)."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": tmp, "LANG": "C.UTF-8", "TMPDIR": tmp,
           "PYTHONPATH": lib, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1",
           "MPLCONFIGDIR": os.path.join(tmp, "matplotlib"), "IPYTHONDIR": os.path.join(tmp, "ipython"),
           "MPLBACKEND": "Agg",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "PYDEVD_DISABLE_FILE_VALIDATION": "1", "MLCOURSE_ORACLE": oracle_socket}
    if memory_bytes:
        env["MLCOURSE_KERNEL_MEMORY"] = str(int(memory_bytes))
    if mplconfig:
        env["MLCOURSE_MPLCONFIG"] = mplconfig
    return env


def bwrap_command(bwrap, *, lib, notebook_dir, run_dir, oracle_dir, env, hidden=(), readonly=()):
    """``bwrap ...`` arguments that run the rest of the command line in the kernel's sandbox.

    ``notebook_dir`` (writable, the working directory) and ``run_dir`` (writable: the
    kernel's sockets and connection file) are the only writable places on disk; ``lib``,
    ``oracle_dir`` and ``readonly`` are read-only; ``hidden`` folders (the course, the
    submissions, the output) are covered by an empty tmpfs wherever a system mount
    would show them.
    """
    # bubblewrap's own process is the sandbox's PID 1, whose /proc/1/environ the kernel can
    # read: start it with an empty environment too.
    env_command = shutil.which("env") or "/usr/bin/env"
    args = [env_command, "-i", bwrap, "--unshare-all", "--die-with-parent", "--cap-drop", "ALL", "--clearenv",
            "--hostname", "grading"]
    # The private /tmp first: bubblewrap mounts in order, and a Python installation (a course's
    # .venv) under /tmp, mounted before it, would be hidden by it: every kernel would fail to start.
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/dev/shm"]
    for path in SYSTEM:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    roots = _python_roots()
    for root in roots:
        if not any(_inside(root, s) or root == s for s in SYSTEM if os.path.isdir(s) and not os.path.islink(s)):
            args += ["--ro-bind", root, root]
    for path in ETC:
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    mounted = [s for s in SYSTEM if os.path.isdir(s) and not os.path.islink(s)] + roots
    for folder in {os.path.realpath(h) for h in hidden if h}:
        if any(_inside(folder, m) for m in mounted):
            args += ["--tmpfs", folder]
    for folder in [lib, oracle_dir, *readonly]:
        args += ["--ro-bind", folder, folder]
    for folder in (run_dir, notebook_dir):
        args += ["--bind", folder, folder]
    for key, value in env.items():
        args += ["--setenv", key, value]
    args += ["--chdir", notebook_dir, "--"]
    return args
