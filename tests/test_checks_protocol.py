"""The checker framework itself: the protocol, the wire, spaces, mistakes, generic checkers
and how failures are shown (no kernels here; tests/test_checks_notebooks.py runs real ones)."""

import os
import sys

import numpy as np
import pytest

from mlcourse import checks, losses, optim, schedules
from mlcourse.checks import _compare, _driver, _wire
from mlcourse.checks._protocol import Call, Kept, ObjectiveSpec, ProblemSpec, Reply, RngSpec
from mlcourse.search import choice, integers, loguniform, uniform

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "grading_fixtures"))
import momentum_mistakes  # noqa: E402
import references  # noqa: E402
import submissions as fixtures  # noqa: E402

_student = {"np": np}
exec(fixtures.MSE + fixtures.CROSS_ENTROPY + fixtures.STEP + fixtures.LOOP + fixtures.CRITICAL, _student)
mse, mse_grad, gd_step = _student["mse"], _student["mse_grad"], _student["gd_step"]


def _fails(match, check, *args, **kwargs):
    with pytest.raises(checks.CheckFailed, match=match) as info:
        check(*args, **kwargs)
    return str(info.value)


class Spy(_driver.InProcessDriver):
    """The in-process driver, sending every message over the wire and keeping a copy."""

    def __init__(self):
        super().__init__(wire=True)
        self.calls, self.replies = [], []
        spy = self

        class Recording(_driver.Kernel):
            def execute(self, call):
                spy.calls.append(call)
                reply = super().execute(call)
                spy.replies.append(reply)
                return reply

        self.kernel = Recording


# --- every checker runs over the wire: the oracle is a change of driver -------------------------

def _adam_init(params):
    return 0, np.zeros_like(params), np.zeros_like(params)


def _adam_step(params, grads, state, lr, betas):
    (beta1, beta2), (t, m, v) = betas, state
    t, m, v = t + 1, beta1 * m + (1 - beta1) * grads, beta2 * v + (1 - beta2) * grads ** 2
    return params - lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + 1e-8), (t, m, v)


def test_every_checker_passes_correct_code_over_the_wire(capsys):
    """Arguments, requests and replies all cross a JSON wire; the verdicts do not change."""
    from test_ex03_sgd import clip_by_norm, make_epoch, make_loop

    with _driver.use_driver(_driver.InProcessDriver(wire=True)):
        checks.check_loss(mse, mse_grad, "mse", examples={"prediction": [1.0, 2.0], "target": [0.0, 0.0]})
        checks.check_update_rule(gd_step, optim.sgd, {"lr": loguniform(1e-3, 0.1)}, cases=1,
                                 examples=[{"params": [1.0, 2.0], "grads": [0.5, -1.0], "lr": 0.1}])
        checks.check_update_rule(_adam_step, optim.adam, {"lr": loguniform(1e-3, 0.1), "betas": choice([(0.9, 0.999)])},
                                 student_init=_adam_init, cases=1)
        checks.check_schedule(lambda t, lr, gamma: lr * gamma ** t, schedules.exponential,
                              {"lr": choice([0.1]), "gamma": uniform(0.5, 0.99)}, steps=10)
        checks.check_descent_loop(_student["gradient_descent"], step=gd_step, cases=1)
        checks.check_critical_lr(_student["critical_learning_rate"], cases=1)
        checks.check_clip_by_norm(clip_by_norm)
        checks.check_sgd_epoch(make_epoch(), cases=1)
        checks.check_sgd_loop(make_loop(), cases=1)
        checks.check_function(lambda lr, curvature: abs(1 - lr * curvature), references.contraction,
                              {"lr": loguniform(1e-3, 1), "curvature": loguniform(0.1, 10)})
        checks.check_distribution(lambda rng: float(np.exp(rng.uniform(np.log(1e-4), np.log(1e-1)))),
                                  references.LEARNING_RATES, samples=300)
    assert capsys.readouterr().out.count("✔") == 11
    assert set(checks.REGISTRY) >= {
        "check_loss", "check_update_rule", "check_schedule", "check_descent_loop", "check_training_loop",
        "check_critical_lr", "check_clip_by_norm", "check_sgd_epoch", "check_sgd_loop", "check_function",
        "check_distribution"}


def test_failures_read_the_same_over_the_wire():
    wrong = lambda p, t: (p - t) / p.size  # noqa: E731 - the classic missing factor 2
    local = _fails("missing factor 2", checks.check_loss, mse, wrong, "mse")
    with _driver.use_driver(_driver.InProcessDriver(wire=True)):
        remote = _fails("missing factor 2", checks.check_loss, mse, wrong, "mse")
    assert local == remote


def test_requests_carry_inputs_only_and_state_stays_in_the_kernel():
    spy = Spy()
    with _driver.use_driver(spy):
        checks.check_loss(mse, mse_grad, "mse", cases=4)
        checks.check_update_rule(_adam_step, optim.adam, {"lr": choice([0.01]), "betas": choice([(0.9, 0.999)])},
                                 student_init=_adam_init, cases=1, steps=3)
    assert len(spy.calls) == len(spy.replies)
    sent = [a for call in spy.calls for a in (*call.args, *(call.kwargs or {}).values()) if isinstance(a, np.ndarray)]
    for call in spy.calls[:8]:  # the loss cases: neither the loss nor its gradient is ever sent
        if call.role == "student_grad":
            expected = losses.mse_grad(*call.args)
            assert not any(a.shape == expected.shape and np.allclose(a, expected) for a in sent)
    stateful = [(c, r) for c, r in zip(spy.calls, spy.replies) if c.role == "student_step"]
    assert stateful and all(isinstance(c.args[2], Kept) and c.pair for c, _ in stateful)
    assert all(isinstance(r.value, np.ndarray) for _, r in stateful)  # the new params; the state was kept


def test_the_wire_round_trips_and_refuses_what_it_cannot_send():
    value = {"a": np.arange(3, dtype=np.float32), "b": (1, 2.5, float("nan")), "c": [None, True, "x"],
             "d": loguniform(1e-3, 0.1), "e": choice([(0.9, 0.999)]), "f": integers(1, 5),
             "g": ProblemSpec("quadratic", (), (("condition_number", 4.0),), "grad", None), "h": RngSpec(3, (10, 2)),
             "i": np.float32(0.5), "j": optim.sgd, "k": Kept("state")}
    back = _wire.loads(_wire.dumps(value))
    assert back["a"].dtype == np.float32 and np.array_equal(back["a"], value["a"])
    assert back["b"][:2] == (1, 2.5) and np.isnan(back["b"][2]) and back["c"] == value["c"]
    assert back["d"] == value["d"] and back["e"] == value["e"] and back["f"] == value["f"]
    assert back["g"] == value["g"] and back["h"] == value["h"] and back["k"] == value["k"]
    assert back["i"] == 0.5 and isinstance(back["i"], np.float32) and back["j"] is optim.sgd
    with pytest.raises(_wire.WireError, match="refused reference"):
        _wire.loads(_wire.dumps(optim.sgd), allow_ref=lambda name: name.startswith("os"))
    with pytest.raises(TypeError, match="invalid value = <function .*<lambda>.*top level of an importable module"):
        _wire.dumps(lambda x: x)
    opaque = _wire.loads(_wire.dumps(Reply(value=object()), opaque=True))
    assert opaque.value.type == "object"


def test_an_objective_spec_round_trips_and_brings_back_every_train_call():
    """A search's train(config, budget) crosses as a spec; the kernel records each call for the checker."""
    space = {"lr": loguniform(1e-4, 1.0), "momentum": uniform(0.0, 0.99)}
    spec = checks.objective("quadratic_bowl", space, {"lr": 0.01, "momentum": 0.5}).recorded("train")
    assert isinstance(spec, ObjectiveSpec) and spec.record == "train"
    back = _wire.loads(_wire.dumps(spec))
    assert back == spec and back.args[0] == space

    def search_twice(train, budget):
        config = {"lr": 0.1, "momentum": 0.5}
        first = train(config, budget)
        config["lr"] = 0.01  # changed after the call: the record keeps what train was given
        return first, train(config, 2 * budget)

    reply = _driver.Kernel({"search": search_twice}).execute(Call("search", (back, 3)))
    reply = _wire.loads(_wire.dumps(reply, opaque=True))
    assert reply.recorded == {"train": [({"lr": 0.1, "momentum": 0.5}, 3), ({"lr": 0.01, "momentum": 0.5}, 6)]}
    train = spec.build()  # the checker's own copy computes the same scores
    assert reply.value == (train({"lr": 0.1, "momentum": 0.5}, 3), train({"lr": 0.01, "momentum": 0.5}, 6))
    assert reply.value[1] == 0.0  # the centre of the bowl

    def misnamed(train):
        train({"learning_rate": 0.1}, 1)

    reply = _driver.Kernel({"search": misnamed}).execute(Call("search", (back,)))
    assert reply.error.type == "ValueError" and "expected a dict with the names ['lr', 'momentum']" in reply.error.message
    assert reply.recorded == {"train": [({"learning_rate": 0.1}, 1)]}  # recorded also when the function raised
    unrecorded = _driver.Kernel({"search": lambda train: train({"final": 1.0, "start": 2.0}, 4)}).execute(
        Call("search", (checks.objective("power_law_curves"),)))
    assert unrecorded.value == 1.5 and unrecorded.recorded is None
    with pytest.raises(ValueError, match="invalid objective factory = 'nope'"):
        checks.objective("nope")
    with pytest.raises(ValueError, match="invalid objective factory = 'DigitsMLP'"):
        checks.objective("DigitsMLP")


def test_the_search_checkers_send_specs_and_read_the_recorded_calls():
    """Exercise 8's searches run in the kernel on an objective spec; no closure crosses."""
    from test_ex08_search import SPACE, make_search, successive_halving

    spy = Spy()
    with _driver.use_driver(spy):
        checks.check_random_search(make_search(), SPACE)
        checks.check_successive_halving(successive_halving)
    train_arguments = [call.args[0] for call in spy.calls]
    assert all(isinstance(a, ObjectiveSpec) and a.record == "train" for a in train_arguments)
    assert {a.factory for a in train_arguments} == {"quadratic_bowl", "power_law_curves"}
    assert all(reply.recorded and len(reply.recorded["train"]) > 0 for reply in spy.replies)
    halving = [(c, r) for c, r in zip(spy.calls, spy.replies) if c.role == "student_halving"]
    call, reply = halving[0]  # 27 configurations, budgets 1 to 27, factor 3
    assert [budget for _, budget in reply.recorded["train"]] == [1] * 27 + [3] * 9 + [9] * 3 + [27]


# --- hyperparameters are spaces -----------------------------------------------------------------

def test_a_bare_tuple_is_a_type_error_naming_the_argument():
    with pytest.raises(TypeError, match=r"invalid hyperparameters\['lr'\] = \(0.001, 0.1\).*loguniform"):
        checks.check_update_rule(gd_step, optim.sgd, {"lr": (1e-3, 0.1)})
    with pytest.raises(TypeError, match=r"invalid hyperparameters\['lr'\] = \[0.1\].*choice"):
        checks.check_schedule(lambda t, lr: lr, schedules.exponential, {"lr": [0.1]})


def test_a_choice_of_tuples_reaches_the_rule_as_a_tuple(capsys):
    """`{"betas": (0.9, 0.999)}` used to fail inside the checker; as a choice it works."""
    checks.check_update_rule(_adam_step, optim.adam, {"lr": loguniform(1e-3, 0.1), "betas": choice([(0.9, 0.999)])},
                             student_init=_adam_init, seed=None)
    assert capsys.readouterr().out.startswith("✔ _adam_step matches mlcourse.optim.adam")

    def ignores_betas(params, grads, state, lr, betas):
        return _adam_step(params, grads, state, lr, (0.9, 0.999))

    message = _fails("wrong value", checks.check_update_rule, ignores_betas, optim.adam,
                     {"lr": choice([0.01]), "betas": choice([(0.5, 0.9)])}, student_init=_adam_init)
    assert "lr=0.01, betas=(0.5, 0.9)" in message


# --- known mistakes are data ---------------------------------------------------------------------

def test_an_instructors_mistake_gets_its_hint():
    """Issue 16: without the mistake, only "wrong value"; with it, its hint."""
    space = {"lr": loguniform(1e-3, 0.1), "beta": uniform(0.5, 0.95)}
    wrong = momentum_mistakes.beta_on_the_gradient
    plain = _fails("wrong value", checks.check_update_rule, wrong, optim.momentum, space,
                   student_init=momentum_mistakes.momentum_init)
    assert "hint" not in plain
    _fails("β multiplies the old velocity", checks.check_update_rule, wrong, optim.momentum, space,
           student_init=momentum_mistakes.momentum_init, mistakes=[momentum_mistakes.BETA_ON_THE_GRADIENT])
    checks.check_update_rule(momentum_mistakes.momentum_step, optim.momentum, space,
                             student_init=momentum_mistakes.momentum_init,
                             mistakes=[momentum_mistakes.BETA_ON_THE_GRADIENT])


def test_a_mistake_must_be_importable_so_that_the_grader_can_run_it():
    inline = checks.Mistake("a hint", lambda params, grads, lr: params + lr * grads)
    with pytest.raises(TypeError, match=r"invalid mistakes\[0\]\.wrong = .*top level of an importable module"):
        checks.check_update_rule(gd_step, optim.sgd, {"lr": loguniform(1e-3, 0.1)}, mistakes=[inline])
    with pytest.raises(TypeError, match="invalid hint"):
        checks.Mistake("", references.error_rate)
    with pytest.raises(TypeError, match=r"invalid mistakes\[0\] = 'oops'"):
        checks.check_loss(mse, mse_grad, "mse", mistakes=["oops"])


def _no_tracing(monkeypatch, check):
    monkeypatch.setattr(check, "under_test", ())  # the fixtures are built from the reference itself


@pytest.mark.parametrize("name", ["mse", "cross_entropy"])
def test_each_builtin_loss_mistake_gets_its_own_hint(name, monkeypatch):
    from mlcourse.checks.losses import builtin_mistakes

    _no_tracing(monkeypatch, checks.check_loss)
    reference, grad = getattr(losses, name), getattr(losses, f"{name}_grad")
    for mistake in builtin_mistakes(name):
        pair = (reference, mistake.wrong) if mistake.role == "student_grad" else (mistake.wrong, grad)
        _fails(mistake.hint.replace("*", r"\*").replace("(", r"\(").replace(")", r"\)").replace(".", r"\."),
               checks.check_loss, *pair, name)


def test_each_builtin_update_rule_mistake_gets_its_own_hint(monkeypatch):
    from mlcourse.checks.optim import builtin_mistakes

    _no_tracing(monkeypatch, checks.check_update_rule)
    space = {"lr": loguniform(1e-3, 0.1), "eps": loguniform(1e-3, 1e-1), "weight_decay": choice([0.0])}
    for mistake in builtin_mistakes(optim.adam):
        if mistake.kind == "optimizer":
            def init(params, mistake=mistake):
                return ("t", params)

            def step(params, grads, state, mistake=mistake, **hp):
                if state[0] == "t":
                    optimizer = mistake.wrong(**hp)
                    state = (optimizer, optimizer.init(state[1]))
                new, inner = state[0].update(params, grads, state[1])
                return new, (state[0], inner)
            student = (step, init)
        else:
            student = (mistake.wrong, mistake.init)
        hp = {**space, "weight_decay": choice([0.1])} if "AdamW" in mistake.hint else space
        message = _fails("wrong value", checks.check_update_rule, student[0], optim.adam, hp, student_init=student[1])
        assert mistake.hint in message


def test_loop_and_clipping_mistakes_are_the_fixtures_of_their_own_hints():
    from mlcourse.checks.loops import LOOP_MISTAKES
    from mlcourse.checks.sgd import CLIP_MISTAKES

    for mistake in LOOP_MISTAKES:
        assert mistake.hint in _fails("wrong value", checks.check_descent_loop, mistake.wrong)
    for mistake in CLIP_MISTAKES:
        assert mistake.hint in _fails("wrong value", checks.check_clip_by_norm, mistake.wrong)


# --- generic checkers: functions and random functions --------------------------------------------

def test_check_function_on_spaces_generators_tuples_and_mistakes(capsys):
    checks.check_function(lambda lr, curvature: abs(1 - lr * curvature), references.contraction,
                          {"lr": loguniform(1e-3, 1), "curvature": loguniform(0.1, 10)}, seed=None)
    message = _fails("wrong value", checks.check_function, lambda lr, curvature: 1 - lr * curvature,
                     references.contraction, {"lr": loguniform(0.5, 1), "curvature": loguniform(3, 10)},
                     examples=[{"lr": 0.5, "curvature": 4.0}])
    assert "worked example: lr = 0.5, curvature = 4.0" in message and "got:      -1.0" in message
    checks.check_function(lambda y, p: float(np.mean(y == p)), references.accuracy, references.label_cases)
    _fails("error rate", checks.check_function, lambda y, p: float(np.mean(y != p)), references.accuracy,
           references.label_cases, mistakes=[references.ERROR_RATE])
    checks.check_function(lambda lr, curvature: (abs(1 - lr * curvature), float(abs(1 - lr * curvature) < 1)),
                          references.contraction_and_verdict, {"lr": loguniform(1e-3, 1), "curvature": choice([1.0])})
    _fails(r"\(\.\.\.\)\[1\] gives the wrong value", checks.check_function,
           lambda lr, curvature: (abs(1 - lr * curvature), 2.0), references.contraction_and_verdict,
           {"lr": loguniform(1e-3, 1), "curvature": choice([1.0])})
    assert capsys.readouterr().out.count("✔") == 3


def _loguniform_lr(rng):
    return float(np.exp(rng.uniform(np.log(1e-4), np.log(1e-1))))


@pytest.mark.parametrize("seed", [0, None])
def test_check_distribution_passes_a_correct_sampler(seed, capsys):
    checks.check_distribution(_loguniform_lr, references.LEARNING_RATES, seed=seed)
    checks.check_distribution(lambda rng: {"lr": _loguniform_lr(rng), "batch_size": int(rng.choice([16, 32, 64]))},
                              references.configuration, samples=1000, seed=seed)
    assert capsys.readouterr().out.count("✔") == 2


def test_check_distribution_names_what_is_wrong():
    message = _fails("do not follow the reference's distribution", checks.check_distribution,
                     references.uniform_learning_rate, references.LEARNING_RATES,
                     mistakes=[references.UNIFORM_NOT_LOG])
    assert "Kolmogorov" in message and "hint: that draws uniformly" in message
    _fails("drew 6, a value the reference never draws", checks.check_distribution,
           lambda rng: int(rng.integers(1, 7)), integers(1, 5))
    _fails("chi-square", checks.check_distribution, lambda rng: int(rng.integers(1, 5)), integers(1, 5))
    _fails("same np.random.default_rng", checks.check_distribution,
           lambda rng: float(np.exp(np.random.uniform(np.log(1e-4), np.log(1e-1)))), references.LEARNING_RATES)
    _fails(r"of lr do not follow", checks.check_distribution,
           lambda rng: {"lr": float(rng.uniform(1e-4, 1e-1)), "batch_size": int(rng.choice([16, 32, 64]))},
           references.configuration, samples=1000)


def test_check_distribution_holds_array_draws_to_the_reference_s_type_and_the_generator_given():
    from mlcourse.checks.search import loguniform_reference

    def correct(low, high, size, rng):
        return np.exp(rng.uniform(np.log(low), np.log(high), size))

    _fails(r"should return a NumPy array of shape \(3,\), but returned list of length 3",
           checks.check_distribution, lambda low, high, size, rng: list(correct(low, high, size, rng)),
           loguniform_reference, (1e-3, 1.0, 3), samples=200)
    _fails("(?s)same draw.*for each of 200 generators.*generator of your own", checks.check_distribution,
           lambda low, high, size, rng: correct(low, high, size, np.random.default_rng(0)),
           loguniform_reference, (1e-3, 1.0, 3), samples=200)
    _fails(r"draws \(entry \[1\]\) do not follow", checks.check_distribution,
           lambda low, high, size, rng: np.r_[correct(low, high, 1, rng), rng.uniform(low, high, size - 1)],
           loguniform_reference, (1e-3, 1.0, 3), samples=500)


# --- what the student sees -------------------------------------------------------------------

def test_numbers_are_shown_plainly_with_the_tolerance():
    assert _compare.show(np.float64(0.55)) == "0.55" and _compare.show(np.float32(0.1)) == "0.1"
    assert _compare.show(3) == "3" and _compare.show(np.array(2.5)) == "2.5"
    message = _fails("wrong value", _compare.compare, "f", np.float64(0.55), 0.5, "", rtol=0.03, atol=0,
                     show_tolerance=True)
    assert "expected: 0.5  (accepted within 3%: 0.485 to 0.515)" in message and "got:      0.55" in message
    assert "np.float64" not in message


def test_a_failure_renders_as_its_message_alone():
    """IPython (JupyterLab, nbgrader's feedback) shows `_render_traceback_`: no checker frames."""
    try:
        checks.check_update_rule(lambda th, g, lr: th + lr * g, optim.sgd, {"lr": loguniform(1e-3, 0.1)})
    except checks.CheckFailed as failure:
        lines = failure._render_traceback_()
    assert "CheckFailed" in lines[0] and "gives the wrong value" in lines[0]
    assert not any("File " in line or "contextlib" in line or "skipping" in line for line in lines)


def test_errors_are_named_after_the_students_function_that_raised():
    def helper(x):
        return x[10]

    def loss(prediction, target):
        return helper(prediction)

    message = _fails("raised IndexError in helper, which it calls", checks.check_loss, loss, mse_grad, "mse")
    assert "loss → helper" in message and "in helper, line" in message and "return x[10]" in message


def test_warnings_never_reach_stderr(capsys):
    """nbgrader scores a test cell that wrote to stderr as failed: the kernel silences warnings."""
    def noisy(prediction, target):
        import warnings
        warnings.warn("careful")
        np.log(-np.ones(1))
        return mse(prediction, target)

    checks.check_loss(noisy, mse_grad, "mse")
    assert capsys.readouterr().err == ""


def test_a_checker_refuses_unknown_example_keys():
    with pytest.raises(ValueError, match=r"invalid examples\[0\]: unknown key 'pred'"):
        checks.check_loss(mse, mse_grad, "mse", examples=[{"pred": [1.0], "prediction": [1.0], "target": [1.0]}])
    with pytest.raises(ValueError, match=r"invalid examples\[0\]: missing target"):
        checks.check_loss(mse, mse_grad, "mse", examples=[{"prediction": [1.0]}])


def test_call_handles_build_requests_not_results():
    handle = checks._protocol.StudentFunction("student_step", "gd_step")
    call = handle(np.ones(2), np.ones(2), lr=0.1)
    assert isinstance(call, Call) and call.name == "gd_step" and call.kwargs == {"lr": 0.1}
    kept = handle.keeping("state", np.ones(2), pair=True)
    assert kept.keep == "state" and kept.pair
