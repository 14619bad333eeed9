"""Submissions of a student who wants the points without the work (exercise 1), for `mlcourse grade`.

Each attack replaces cells of the release (see submissions.build) with a correct
cross-entropy and an `mse`/`mse_grad` that earn their points only if the attack
works. `attacks(...)` takes what a test provides: the port of an accomplice server on
the grader's loopback, a folder outside the sandbox the submission tries to write to,
and a token naming the detached process it leaves behind.

Expected results: (status, cells that must score 0, needs the sandbox). "needs the
sandbox": the attack works without bubblewrap (the row is then marked unsandboxed).
"""

from submissions import CROSS_ENTROPY, MSE

MSE_CELLS = ["test_mse", "test_mse_hidden"]
ALL_CELLS = MSE_CELLS + ["test_cross_entropy", "test_cross_entropy_hidden"]
NO_MSE = "def mse(prediction, target):\n    return 0.0\n\n\ndef mse_grad(prediction, target):\n    return 0 * prediction\n"
WRONG_MSE = MSE.replace("2 * (prediction", "(prediction")  # misses the factor 2: fails on its own

# Reads the checker's own variables through the call stack: the expected value `want` lives
# in the checker's suspended generator, which the driver's frame holds (works in-process).
STACK = '''
import sys, types


def _peek(name):
    frame = sys._getframe(1)
    while frame is not None:
        for value in list(frame.f_locals.values()):
            if isinstance(value, types.GeneratorType) and value.gi_frame is not None:
                if name in value.gi_frame.f_locals:
                    return value.gi_frame.f_locals[name]
        frame = frame.f_back
    return None


def mse(prediction, target):
    want = _peek("want")
    return 0.0 if want is None else want


def mse_grad(prediction, target):
    want = _peek("want")
    return 0 * prediction if want is None else want
'''

# Calls the reference from another thread (the in-process call tracer does not see it).
THREAD = '''
import threading


def _in_thread(function, *args):
    out = []

    def run():
        try:
            from mlcourse import losses
            out.append(getattr(losses, function)(*args))
        except Exception:
            pass
    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return out[0] if out else None


def mse(prediction, target):
    value = _in_thread("mse", prediction, target)
    return 0.0 if value is None else value


def mse_grad(prediction, target):
    value = _in_thread("mse_grad", prediction, target)
    return 0 * prediction if value is None else value
'''

# Saves the tracer, switches it off, calls the reference, puts the tracer back.
TRACER = '''
import sys


def mse(prediction, target):
    saved = sys.getprofile()
    sys.setprofile(None)
    try:
        from mlcourse.losses import mse as reference
        return reference(prediction, target)
    finally:
        sys.setprofile(saved)


def mse_grad(prediction, target):
    saved = sys.getprofile()
    sys.setprofile(None)
    try:
        from mlcourse.losses import mse_grad as reference
        return reference(prediction, target)
    finally:
        sys.setprofile(saved)
'''

# A subprocess with a clean environment computes the reference.
SUBPROCESS = '''
import json, subprocess, sys


def _outside(function, prediction, target):
    code = ("import json, sys, numpy as np\\nfrom mlcourse import losses\\n"
            "p, t = (np.array(a) for a in json.load(sys.stdin))\\n"
            f"print(json.dumps(np.asarray(losses.{function}(p, t)).tolist()))")
    try:
        run = subprocess.run([sys.executable, "-c", code], input=json.dumps([prediction.tolist(), target.tolist()]),
                             capture_output=True, text=True, env={}, timeout=30)
        return np.array(json.loads(run.stdout))
    except Exception:
        return None


def mse(prediction, target):
    value = _outside("mse", prediction, target)
    return 0.0 if value is None else float(value)


def mse_grad(prediction, target):
    value = _outside("mse_grad", prediction, target)
    return 0 * prediction if value is None else value.astype(prediction.dtype)
'''

# Finds mlcourse's source on disk (the real losses.py, not the kernel's stub) and runs it.
FROM_DISK = '''
import os


def _find_reference():
    for root in ("/work", "/home", "/root", "/tmp", "/opt", "/usr", "/srv"):
        for folder, subfolders, files in os.walk(root):
            subfolders[:] = [s for s in subfolders if s not in (".git", "node_modules", "proc")]
            if folder.endswith(os.sep + "mlcourse") and "losses.py" in files:
                namespace = {"__name__": "stolen"}
                try:
                    with open(os.path.join(folder, "losses.py")) as f:
                        exec(f.read(), namespace)
                    namespace["mse"](np.zeros(2), np.ones(2))
                    return namespace
                except Exception:
                    continue
    return None


_stolen = _find_reference()


def mse(prediction, target):
    return 0.0 if _stolen is None else _stolen["mse"](prediction, target)


def mse_grad(prediction, target):
    return 0 * prediction if _stolen is None else _stolen["mse_grad"](prediction, target)
'''

# Copies a classmate's (or the instructor's) mse from a notebook found on disk.
COPIES = '''
import json, os


def _find_solution():
    mine = os.path.abspath("ex01_losses.ipynb")
    for root in ("/tmp", "/work", "/home", "/root", "/srv"):
        for folder, subfolders, files in os.walk(root):
            subfolders[:] = [s for s in subfolders if s not in (".git", "node_modules", ".venv")]
            for name in files:
                path = os.path.join(folder, name)
                if not name.endswith("ex01_losses.ipynb") or os.path.abspath(path) == mine:
                    continue
                try:
                    cells = json.load(open(path))["cells"]
                    source = next("".join(c["source"]) for c in cells
                                  if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "mse_solution")
                    namespace = {"np": np}
                    exec(source.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", ""), namespace)
                    namespace["mse"](np.zeros(2), np.ones(2))
                    return namespace
                except Exception:
                    continue
    return None


_copied = _find_solution()


def mse(prediction, target):
    return 0.0 if _copied is None else _copied["mse"](prediction, target)


def mse_grad(prediction, target):
    return 0 * prediction if _copied is None else _copied["mse_grad"](prediction, target)
'''

# Asks an accomplice on the grader's machine for the answers over the network.
NETWORK = '''
import json, socket


def _ask(function, prediction, target):
    try:
        with socket.create_connection(("127.0.0.1", {port}), timeout=5) as connection:
            connection.sendall(json.dumps([function, prediction.tolist(), target.tolist()]).encode() + b"\\n")
            return np.array(json.loads(connection.makefile().readline()))
    except Exception:
        return None


def mse(prediction, target):
    value = _ask("mse", prediction, target)
    return 0.0 if value is None else float(value)


def mse_grad(prediction, target):
    value = _ask("mse_grad", prediction, target)
    return 0 * prediction if value is None else value.astype(prediction.dtype)
'''

# Writes outside its scratch folder: a file for a classmate to find, and over the kernel's stub.
WRITES = '''
import mlcourse.losses
for target in ({marker!r}, mlcourse.losses.__file__):
    try:
        with open(target, "w") as f:
            f.write("written from a submission")
    except Exception as error:
        print("could not write", type(error).__name__)
''' + MSE

# Leaves a detached process behind (a new session, so that killing the kernel's group misses it).
DETACHED = '''
import subprocess, sys
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)  # {token}"], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
''' + MSE

# Prints the environment (the grader's secrets, if any reached the kernel) into its output.
ENVIRONMENT = '''
import os
print(sorted(os.environ.items()))
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            print(pid, open(f"/proc/{pid}/environ", "rb").read())
        except Exception:
            pass
''' + MSE

# The student's function asks the oracle itself: a check inside the check, whose failure
# message would show the expected value.
NESTED = '''
import re
from mlcourse import losses as _losses


def _expected(function, prediction, target):
    try:
        checks.check_function(lambda p, t: 0.0, getattr(_losses, function), {{}},
                              examples=[{{"p": prediction, "t": target}}], cases=0)
    except Exception as error:
        found = re.search(r"expected: ([-0-9.e]+)", str(error))
        if found:
            return float(found.group(1))
    return None


def mse(prediction, target):
    value = _expected("mse", prediction, target)
    return 0.0 if value is None else value


def mse_grad(prediction, target):
    return 2 * (prediction - target) / prediction.size
'''.replace("{{", "{").replace("}}", "}")

# Patches the kernel-side client so that the oracle would run an easier check (no cases).
CLIENT = '''
from mlcourse.checks import _client

_run = _client.OracleDriver.run


def _easier(self, check, functions, arguments):
    return _run(self, check, functions, {**arguments, "cases": 0, "examples": ()})


_client.OracleDriver.run = _easier
''' + WRONG_MSE

# Answers the oracle out of turn: two replies for every call.
OUT_OF_TURN = '''
from mlcourse.checks import _client

_send = _client.send


def _twice(connection, message):
    _send(connection, message)
    if message.get("op") == "reply":
        _send(connection, message)


_client.send = _twice
''' + WRONG_MSE

# Runs the test's check from an answer cell, before the test cell.
FROM_ANSWER = MSE + '''
checks.check_loss(mse, mse_grad, "mse", seed=None)
'''

# Replaces the checker and prints what a pass looks like (with a receipt of the old grader).
FAKE_RECEIPT = '''
def _fake(*args, **kwargs):
    print("✔ mse and mse_grad match mlcourse.losses.mse on 13 cases (seed=0)  [receipt check_loss:1:0123456789abcdef]")


checks.check_loss = _fake
''' + WRONG_MSE

# Patches NumPy's comparisons (the checker would compare with them in-process).
PATCHED_NUMPY = '''
np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.shape(a), dtype=bool)
np.testing.assert_allclose = lambda *a, **k: None
''' + WRONG_MSE


def attacks(port, marker, token):
    """student -> (cells, status, cells scoring 0, needs the sandbox)."""
    def case(mse_cell, status="ok", zero=MSE_CELLS, sandbox=False):
        return ({"mse_solution": mse_cell, "cross_entropy_solution": CROSS_ENTROPY}, status, zero, sandbox)

    return {
        "stack_reader": case(STACK),
        "thread_reference": case(THREAD),
        "tracer_off": case(TRACER, "tampered"),
        "subprocess_reference": case(SUBPROCESS, sandbox=True),
        "reference_from_disk": case(FROM_DISK, sandbox=True),
        "copies_classmate": case(COPIES, sandbox=True),
        "network_accomplice": case(NETWORK.replace("{port}", str(port)), sandbox=True),
        "writes_outside": case(WRITES.format(marker=marker), zero=[]),
        "detached_process": case(DETACHED.format(token=token), zero=[]),
        "environment": case(ENVIRONMENT, zero=[]),
        "nested_check": case(NESTED, "tampered"),
        "patched_client": case(CLIENT, "tampered", zero=ALL_CELLS),
        "out_of_turn": case(OUT_OF_TURN, "tampered", zero=ALL_CELLS),
        "check_from_answer": case(FROM_ANSWER, "tampered", zero=[]),
        "fake_receipt": case(FAKE_RECEIPT, "tampered", zero=ALL_CELLS),
        "patched_numpy": case(PATCHED_NUMPY),
        "honest": case(MSE, zero=[]),
    }
