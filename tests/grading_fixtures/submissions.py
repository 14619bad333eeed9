"""Wrong and hostile submissions, as edits of the student release.

Each entry maps a student id to the cells it replaces (by nbgrader grade_id) in the
released notebook (``_duplicate``: a cell pasted twice; ``_extra``: a cell with
hand-made nbgrader metadata); :func:`build` writes the notebooks. Building from the release keeps
the fixtures in step with the exercises. ``expect`` says what grading must report:
the status, and the cells that must score zero / full, and a hint in the feedback.
"""

import json
import os
import zipfile

import nbformat

MSE = '''
def mse(prediction, target):
    return float(np.mean((prediction - target) ** 2))


def mse_grad(prediction, target):
    return 2 * (prediction - target) / prediction.size
'''

CROSS_ENTROPY = '''
def cross_entropy(logits, labels):
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    return float(np.mean(np.log(np.sum(np.exp(shifted), axis=1)) - shifted[np.arange(len(labels)), labels]))


def cross_entropy_grad(logits, labels):
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    p = np.exp(shifted) / np.sum(np.exp(shifted), axis=1, keepdims=True)
    p[np.arange(len(labels)), labels] -= 1
    return p / len(labels)
'''

EX01_CORRECT = {"mse_solution": MSE, "cross_entropy_solution": CROSS_ENTROPY}

# student -> (replaced cells, expected status, cells scoring 0, hint in the feedback)
EX01 = {
    "correct": (EX01_CORRECT, "ok", [], None),
    "mse_grad_no_factor_2": ({**EX01_CORRECT, "mse_solution": MSE.replace("2 * (prediction", "(prediction")},
                             "ok", ["test_mse", "test_mse_hidden"], "missing factor 2"),
    "mse_summed": ({**EX01_CORRECT, "mse_solution": MSE.replace("np.mean((prediction - target) ** 2)",
                                                               "np.sum((prediction - target) ** 2)")},
                   "ok", ["test_mse", "test_mse_hidden"], "you summed over the batch"),
    "mse_grad_in_place": ({**EX01_CORRECT, "mse_solution": MSE.replace(
        "return 2 * (prediction - target) / prediction.size",
        "prediction -= target\n    return 2 * prediction / prediction.size")},
        "ok", ["test_mse", "test_mse_hidden"], "modified its input"),
    "ce_naive_softmax": ({**EX01_CORRECT, "cross_entropy_solution": CROSS_ENTROPY.replace(
        "shifted = logits - np.max(logits, axis=1, keepdims=True)", "shifted = logits")},
        "ok", ["test_cross_entropy", "test_cross_entropy_hidden"], "log-sum-exp"),
    "ce_grad_no_onehot": ({**EX01_CORRECT, "cross_entropy_solution": CROSS_ENTROPY.replace(
        "    p[np.arange(len(labels)), labels] -= 1\n", "")},
        "ok", ["test_cross_entropy", "test_cross_entropy_hidden"], "one-hot"),
    # hostile
    "calls_reference": ({**EX01_CORRECT, "mse_solution": "from mlcourse.losses import mse, mse_grad\n"},
                        "tampered", ["test_mse", "test_mse_hidden"], "calls the reference"),
    # under the oracle the comparisons run in the grader: a patched NumPy earns nothing
    "fakes_allclose": ({**EX01_CORRECT, "mse_solution": "np.allclose = lambda *a, **k: True\n"
                        + MSE.replace("2 * (prediction", "(prediction")},
                       "ok", ["test_mse", "test_mse_hidden"], "missing factor 2"),
    "replaces_checker": ({**EX01_CORRECT, "mse_solution": "checks.check_loss = lambda *a, **k: None\n"
                          + MSE.replace("2 * (prediction", "(prediction")},
                         "tampered", ["test_mse", "test_mse_hidden", "test_cross_entropy",
                                      "test_cross_entropy_hidden"], "replaced or bypassed"),
    "duplicates_test_cell": ({**EX01_CORRECT, "_duplicate": "test_mse"}, "ok", [], None),
    "marks_own_cell": ({**EX01_CORRECT, "_extra": ("x = 1", {"grade": True, "solution": False, "points": "lots"})},
                       "ok", [], None),
    "edits_test_cell": ({**EX01_CORRECT, "test_mse": "pass  # the test is gone\n"},
                        "tests_modified", [], None),
    "deletes_test_cell": ({**EX01_CORRECT, "test_cross_entropy": None}, "tests_modified", [], None),
    "infinite_loop": ({**EX01_CORRECT, "mse_solution": "while True:\n    pass\n" + MSE},
                      "timeout", ["test_mse", "test_mse_hidden"], None),
    "kernel_crash": ({**EX01_CORRECT, "cross_entropy_solution": "import os\nos._exit(1)\n"},
                     "kernel_died", ["test_cross_entropy", "test_cross_entropy_hidden"], None),
    "memory_hog": ({**EX01_CORRECT, "mse_solution": "def hog():\n    memory = []\n    while True:\n"
                                                 "        memory.append(np.ones(10**7))\n\n\nhog()\n"},
                   "memory", ["test_mse", "test_mse_hidden"], None),
    "output_flood": ({**EX01_CORRECT, "mse_solution": "while True:\n    print('spam' * 1000)\n"},
                     "output_limit", ["test_mse", "test_mse_hidden"], None),
}
# cells that keep full points despite the problem above (graded as far as possible)
EX01_FULL = {"mse_grad_no_factor_2": ["test_cross_entropy"], "fakes_allclose": ["test_cross_entropy"], "infinite_loop": ["test_cross_entropy"],
             "kernel_crash": ["test_mse", "test_mse_hidden"], "memory_hog": ["test_cross_entropy"],
             "output_flood": ["test_cross_entropy_hidden"], "edits_test_cell": ["test_mse"],
             "deletes_test_cell": ["test_cross_entropy"], "calls_reference": ["test_cross_entropy"]}
EX02_FULL = {"loop_drops_theta0": ["test_gd_step_hidden", "test_critical_lr_hidden"],
             "critical_is_one_over_L": ["test_gd_step", "test_gradient_descent_hidden"]}

STEP = "def gd_step(theta, grad, lr):\n    return theta - lr * grad\n"
LOOP = '''
def gradient_descent(grad, theta0, lr, steps):
    trajectory = [np.asarray(theta0)]
    for _ in range(steps):
        trajectory.append(gd_step(trajectory[-1], grad(trajectory[-1]), lr))
    return np.stack(trajectory)
'''
CRITICAL = '''
def critical_learning_rate(grad, theta0):
    def diverges(lr):
        with np.errstate(all="ignore"):
            final = gradient_descent(grad, theta0, lr, 200)[-1]
        return not np.all(np.isfinite(final)) or np.linalg.norm(final) > 1e3 * np.linalg.norm(theta0)
    low, high = 1e-3, 10.0
    for _ in range(30):
        middle = np.sqrt(low * high)
        low, high = (low, middle) if diverges(middle) else (middle, high)
    return float(np.sqrt(low * high))
'''
EX02_CORRECT = {"gd_step_solution": STEP, "gradient_descent_solution": LOOP, "critical_lr_solution": CRITICAL}
EX02 = {
    "correct": (EX02_CORRECT, "ok", [], None),
    "ascends": ({**EX02_CORRECT, "gd_step_solution": STEP.replace("theta - lr", "theta + lr")},
                "ok", ["test_gd_step", "test_gd_step_hidden", "test_gradient_descent",
                       "test_gradient_descent_hidden", "test_critical_lr", "test_critical_lr_hidden"], "wrong sign"),
    "loop_drops_theta0": ({**EX02_CORRECT, "gradient_descent_solution": LOOP.replace(
        "return np.stack(trajectory)", "return np.stack(trajectory[1:])")},
        "ok", ["test_gradient_descent", "test_gradient_descent_hidden"], "starts with theta0"),
    "critical_is_one_over_L": ({**EX02_CORRECT, "critical_lr_solution": CRITICAL.replace(
        "return float(np.sqrt(low * high))", "return float(np.sqrt(low * high)) / 2")},
        "ok", ["test_critical_lr", "test_critical_lr_hidden"], "1/λ_max"),
    "step_calls_sgd": ({**EX02_CORRECT, "gd_step_solution":
                        "def gd_step(theta, grad, lr):\n    opt = optim.sgd(lr=lr)\n"
                        "    return opt.update(theta, grad, opt.init(theta))[0]\n"},
                       "tampered", ["test_gd_step", "test_gd_step_hidden", "test_gradient_descent",
                                    "test_gradient_descent_hidden"], "calls the reference"),
    # every test cell calls the endless step: the notebook's time budget, not one
    # timeout per cell, bounds what it costs, and the cells after it are not run
    "step_loops_forever": ({**EX02_CORRECT, "gd_step_solution": "def gd_step(theta, grad, lr):\n    while True:\n"
                                                                "        pass\n"},
                           "timeout", ["test_gd_step", "test_gd_step_hidden", "test_gradient_descent",
                                       "test_gradient_descent_hidden", "test_critical_lr", "test_critical_lr_hidden"],
                           "used up its"),
}


def build(release_path, folder, cases, name_format="{student}_{notebook}.ipynb"):
    """Write one notebook per case into ``folder``; return {student: path}."""
    os.makedirs(folder, exist_ok=True)
    notebook = os.path.splitext(os.path.basename(release_path))[0]
    paths = {}
    for student, (cells, *_ignored) in cases.items():
        nb = nbformat.read(release_path, as_version=4)
        kept = []
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in cells:
                if cells[grade_id] is None:
                    continue
                cell.source = cells[grade_id].strip()
            kept.append(cell)
            if grade_id == cells.get("_duplicate"):  # a copy-pasted cell, same metadata
                kept.append(nbformat.from_dict({**cell, "id": cell.id + "copy"}))
        if "_extra" in cells:  # a cell the student marked by hand, with broken metadata
            source, metadata = cells["_extra"]
            kept.append(nbformat.v4.new_code_cell(source, metadata={"nbgrader": metadata}))
        nb.cells = kept
        path = os.path.join(folder, name_format.format(student=student, notebook=notebook))
        nbformat.write(nb, path)
        paths[student] = path
    return paths


def add_broken(folder, notebook):
    """An invalid-JSON notebook and a zipped correct one named as Canvas exports it."""
    with open(os.path.join(folder, f"broken_json_{notebook}.ipynb"), "w") as f:
        f.write('{"cells": [{"cell_type": "code", "source": "trunc')
    source = os.path.join(folder, f"correct_{notebook}.ipynb")
    with zipfile.ZipFile(os.path.join(folder, f"doe_55555_99999_{notebook}.zip"), "w") as archive:
        archive.write(source, f"{notebook}.ipynb")


def load_json(path):
    with open(path) as f:
        return json.load(f)
