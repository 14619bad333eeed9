"""Exercise 2 (gradient descent): a failure names the function that caused it.

The loop calls the student's gd_step and the search calls the loop. Each test cell's
checker is given those functions too, so that an inner stub is named by its own name,
a wrong inner function is blamed (with its hint) instead of the function that calls
it, and the outer function's own mistakes still get their own hints.
"""

import os
import sys

import numpy as np
import pytest

from mlcourse import checks, optim
from mlcourse.search import loguniform

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "grading_fixtures"))
import submissions as fixtures  # noqa: E402

STUB = "def gd_step(theta, grad, lr):\n    raise NotImplementedError('implement this function')\n"
WRONG_SIGN = fixtures.STEP.replace("theta - lr", "theta + lr")


def notebook(step=fixtures.STEP, loop=fixtures.LOOP, critical=fixtures.CRITICAL):
    """The student's three functions, defined in one namespace as a notebook defines them."""
    namespace = {"np": np}
    exec(step + loop + critical, namespace)
    return namespace["gd_step"], namespace["gradient_descent"], namespace["critical_learning_rate"]


def check_loop(step, loop, critical):
    checks.check_descent_loop(loop, step=step)


def check_search(step, loop, critical):
    checks.check_critical_lr(critical, loop=loop, step=step)


def _message(check, functions):
    with pytest.raises(checks.CheckFailed) as info:
        check(*functions)
    return str(info.value)


@pytest.mark.parametrize("check", [check_loop, check_search])
def test_an_inner_stub_is_named_by_its_own_name(check):
    message = _message(check, notebook(step=STUB))
    assert message.startswith("gd_step is not implemented yet")
    assert "critical_learning_rate is not implemented" not in message
    assert "gradient_descent is not implemented" not in message


@pytest.mark.parametrize("check, outer", [(check_loop, "gradient_descent"), (check_search, "critical_learning_rate")])
def test_an_inner_wrong_sign_is_blamed_on_the_step_with_its_hint(check, outer):
    message = _message(check, notebook(step=WRONG_SIGN))
    assert message.startswith(f"{outer} fails because of gd_step, which it calls")
    assert "hint: wrong sign" in message and "Fix gd_step first" in message


def test_the_step_s_own_test_shows_the_worked_example_and_the_hint():
    step, _, _ = notebook(step=WRONG_SIGN)
    with pytest.raises(checks.CheckFailed) as info:
        checks.check_update_rule(step, optim.sgd, {"lr": loguniform(1e-3, 0.1)},
                                 examples=[{"params": [1.0, 2.0], "grads": [0.5, -1.0], "lr": 0.1}])
    message = str(info.value)
    assert "worked example, lr=0.1" in message
    assert "expected: [0.95 2.1 ]" in message and "got:      [1.05 1.9 ]" in message
    assert "hint: wrong sign" in message


def test_the_outer_functions_own_mistakes_keep_their_own_hints():
    dropped = fixtures.LOOP.replace("return np.stack(trajectory)", "return np.stack(trajectory[1:])")
    message = _message(check_loop, notebook(loop=dropped))
    assert message.startswith("gradient_descent returned 30 iterates") and "starts with theta0" in message
    halved = fixtures.CRITICAL.replace("return float(np.sqrt(low * high))", "return float(np.sqrt(low * high)) / 2")
    message = _message(check_search, notebook(critical=halved))
    assert message.startswith("critical_learning_rate gives the wrong value")
    assert "hint: that is 1/λ_max" in message and "gd_step" not in message


def test_a_wrong_loop_is_blamed_in_the_search():
    frozen = fixtures.LOOP.replace("grad(trajectory[-1])", "grad(trajectory[0])")
    message = _message(check_search, notebook(loop=frozen))
    assert message.startswith("critical_learning_rate fails because of gradient_descent, which it calls")
    assert "recomputed at the current θ" in message


def test_an_unused_wrong_callee_is_not_blamed_when_the_outer_is_right():
    """A loop that does not call gd_step passes even if gd_step is wrong: only failures are explained."""
    own_step = fixtures.LOOP.replace("gd_step(trajectory[-1], grad(trajectory[-1]), lr)",
                                     "trajectory[-1] - lr * grad(trajectory[-1])")
    step, loop, _ = notebook(step=WRONG_SIGN, loop=own_step)
    checks.check_descent_loop(loop, step=step)
