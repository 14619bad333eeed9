"""Exercise 8 (random search, successive halving): its checkers pass correct code and name the usual mistakes."""

import math
import re

import numpy as np
import pytest

from mlcourse import checks, search  # noqa: F401  (checks first: it captures trusted references)
from mlcourse.checks import _integrity
from mlcourse.checks import search as search_checks
from mlcourse.checks.framework import Mistake

SPACE = {"lr": search.loguniform(1e-4, 1.0), "momentum": search.uniform(0.0, 0.99)}


# --- implementations a student might write -------------------------------------------

def sample_loguniform(low, high, size, rng):
    return np.exp(rng.uniform(np.log(low), np.log(high), size=size))


def sample_log10(low, high, size, rng):
    """Base 10 throughout: accepted."""
    return 10 ** rng.uniform(np.log10(low), np.log10(high), size)


def make_search(sampler=sample_loguniform, momentum="uniform", best=min, shared=False, budget=1, generator=None):
    """A random_search, correct by default, with one mistake switched on."""
    def random_search(train, n_trials, rng):
        rng = np.random.default_rng(0) if generator == "own" else rng
        trials = []
        for _ in range(n_trials):
            if shared:
                u = rng.uniform()
                config = {"lr": float(np.exp(np.log(1e-4) + u * np.log(1e4))), "momentum": 0.99 * u}
            else:
                lr = float(sampler(1e-4, 1.0, 1, rng)[0])
                m = (float(rng.uniform(0.0, 0.99)) if momentum == "uniform"
                     else float(sample_loguniform(1e-3, 0.99, 1, rng)[0]))
                config = {"lr": lr, "momentum": m}
            trials.append((config, train(config, budget)))
        return best(trials, key=lambda t: t[1])[0], trials
    return random_search


def successive_halving(train, configs, min_budget, max_budget, factor):
    alive, budget, history, total = list(range(len(configs))), min_budget, [], 0
    while True:
        scores = {k: train(configs[k], budget) for k in alive}
        history.append({"budget": budget, "scores": scores})
        total += budget * len(alive)
        if len(alive) < factor or budget * factor > max_budget:
            break
        alive = sorted(sorted(alive, key=lambda k: (scores[k], k))[:len(alive) // factor])
        budget *= factor
    last = history[-1]["scores"]
    return min(last, key=lambda k: (last[k], k)), history, total


def halving_with(**mistake):
    """The checker's own student-style halving with one known mistake's hook."""
    def student(train, configs, min_budget, max_budget, factor):
        return search_checks.halving(train, configs, min_budget, max_budget, factor, **mistake)
    return student


def halving_total(total):
    def student(train, configs, min_budget, max_budget, factor):
        best, history, _ = successive_halving(train, configs, min_budget, max_budget, factor)
        return best, history, total(history)
    return student


# an instructor's own mistake: importable (top level of a module), as the checkers require
def adds_the_factor(train, configs, min_budget, max_budget, factor):
    return search_checks.halving(train, configs, min_budget, max_budget, factor, grow=lambda b, f: b + f)


ADDS_THE_FACTOR = Mistake("the budget is multiplied, not increased, by the factor.", adds_the_factor)


def square_root_sampler(low, high, size, rng):
    return np.exp(np.sqrt(rng.uniform(0, 1, size)) * np.log(high / low)) * low


OWN_HINT = Mistake("own hint", square_root_sampler)


# --- correct code passes, visibly and with inputs drawn at grading time --------------------

@pytest.mark.parametrize("seed", [0, None])
def test_correct_implementations_pass(seed, capsys):
    checks.check_loguniform_sampler(sample_loguniform, seed=seed)
    checks.check_loguniform_sampler(sample_log10, seed=seed)
    checks.check_random_search(make_search(), SPACE, seed=seed)
    checks.check_successive_halving(successive_halving, seed=seed)
    checks.check_successive_halving(halving_with(), seed=seed)
    assert capsys.readouterr().out.count("✔") == 5


def test_the_exercise_solution_matches_the_reference_on_the_chapter_example():
    configs = [{"x": x} for x in np.linspace(0, 1, 27)]

    def curve(config, budget):
        return (config["x"] - 0.6) ** 2 + abs(math.sin(7 * config["x"])) / budget

    best, history, total = successive_halving(curve, configs, 1, 27, 3)
    reference = search.successive_halving(curve, configs, 1, 27, factor=3)
    assert best == reference.best.index and total == reference.total_budget == 108
    assert [sorted(r["scores"]) for r in history] == [
        sorted(t.index for t in reference.trials if t.rung == i) for i in range(4)]


# --- each mistake fails, with a message that says what is wrong ----------------------------

@pytest.mark.parametrize("student, words", [
    (lambda low, high, size, rng: rng.uniform(low, high, size), "uniform on \\[low, high\\), not log-uniform"),
    (lambda low, high, size, rng: np.exp(rng.uniform(0, np.log(high / low), size)), "outside|lower end"),
    (lambda low, high, size, rng: rng.uniform(np.log(low), np.log(high), size), "return the logarithms"),
    (lambda low, high, size, rng: 10 ** rng.uniform(np.log(low), np.log(high), size), "bases"),
    (lambda low, high, size, rng: np.exp(np.random.uniform(np.log(low), np.log(high), size)), "np.random"),
    (lambda low, high, size, rng: sample_loguniform(low, high, size, np.random.default_rng(0)), "of your own"),
    (lambda low, high, size, rng: list(sample_loguniform(low, high, size, rng)), "NumPy array"),
    (lambda low, high, size, rng: np.exp(np.sqrt(rng.uniform(0, 1, size)) * np.log(high / low)) * low,
     "not log-uniform"),
])
def test_sampler_mistakes_are_named(student, words):
    with pytest.raises(AssertionError, match=words):
        checks.check_loguniform_sampler(student)


@pytest.mark.parametrize("student, words", [
    (make_search(sampler=lambda low, high, size, rng: rng.uniform(low, high, size)), "lr is drawn uniformly"),
    (make_search(momentum="log"), "momentum is drawn log-uniformly"),
    (make_search(best=max), "lower is better"),
    (make_search(shared=True), "correlated"),
    (make_search(budget=9), "budget = 1"),
    (make_search(generator="own"), "of your own"),
])
def test_random_search_mistakes_are_named(student, words):
    with pytest.raises(AssertionError, match=words):
        checks.check_random_search(student, SPACE)


def test_random_search_must_call_train_once_per_trial_and_report_it():
    def twice(train, n_trials, rng):
        best, trials = make_search()(train, n_trials, rng)
        for config, _ in trials:
            train(config, 1)
        return best, trials

    with pytest.raises(AssertionError, match="called train 2 times for n_trials = 1"):
        checks.check_random_search(twice, SPACE)

    def no_trials(train, n_trials, rng):
        return make_search()(train, n_trials, rng)[0]

    with pytest.raises(AssertionError, match="should return a pair"):
        checks.check_random_search(no_trials, SPACE)


@pytest.mark.parametrize("student, words", [
    (halving_with(order=lambda s, alive, first: sorted(alive, key=lambda k: (-s[k], k))), "lowest"),
    (halving_with(keep=lambda m, f: -(-m // f)), "rounded \\*down\\*"),
    (halving_with(order=lambda s, alive, first: sorted(alive, key=lambda k: (first[k], k))), "current rung"),
    (halving_with(grow=lambda b, f: b), "budget = budget \\* factor"),
    (halving_with(grow=lambda b, f: b * 2), "not by 2"),
    (halving_with(stop=lambda m, b, f, top: m < f), "exceed max_budget"),
    (halving_with(keep=lambda m, f: max(1, m // f), stop=lambda m, b, f, top: b * f > top),
     "single configuration"),
    (halving_with(renumber=True), "positions in `configs`"),
    (halving_total(lambda history: sum(r["budget"] for r in history)), "count every call"),
    (halving_total(lambda history: sum(len(r["scores"]) * (r["budget"] - (history[i - 1]["budget"] if i else 0))
                                       for i, r in enumerate(history))), "resume from checkpoints"),
])
def test_halving_mistakes_are_named(student, words):
    with pytest.raises(AssertionError, match=words):
        checks.check_successive_halving(student)


def test_every_known_halving_mistake_differs_from_the_reference_on_the_visible_cases():
    """A mistake that never shows on the visible cases could not be hinted at; each one does."""
    rng = np.random.default_rng(0)
    spec = checks.objective(search_checks.CURVES)
    cases = [(search_checks._toy_configs(rng, n), low, high, factor)
             for n, low, high, factor in search_checks._halving_cases(rng, True)]
    for mistake in search_checks.HALVING_MISTAKES:
        differs = []
        for args in cases:
            wrong = search_checks._mistake_outcome(mistake, spec, *args)
            expected = search_checks._reference_outcome(spec, *args)
            differs.append(not (wrong.same_training(expected) and wrong.same_answer(expected)))
        assert any(differs), mistake.hint


def test_instructors_can_add_their_own_mistakes():
    with pytest.raises(AssertionError, match="multiplied, not increased"):
        checks.check_successive_halving(adds_the_factor, mistakes=[ADDS_THE_FACTOR])
    with pytest.raises(AssertionError, match="own hint"):
        checks.check_loguniform_sampler(lambda low, high, size, rng: low * (high / low) ** np.sqrt(
            rng.uniform(0, 1, size)), mistakes=[OWN_HINT])


def test_a_mistake_from_the_notebook_is_refused_at_once():
    """A mistake runs where the checker runs (under the oracle: the grader), so it travels by reference."""
    with pytest.raises(TypeError, match="top level of an importable module"):
        checks.check_successive_halving(successive_halving,
                                        mistakes=[Mistake("no", lambda train, configs, *a: (0, [], 0))])


def test_a_wrong_halving_without_a_known_mistake_still_says_where():
    def swaps_one(train, configs, min_budget, max_budget, factor):
        """Trains a configuration that was cut instead of the best survivor, from the second rung on."""
        def swapped(config, budget):
            if budget > min_budget and config is survivor[0]:
                config = outsider[0]
            return train(config, budget)

        first = {k: train(config, min_budget) for k, config in enumerate(configs)}
        ranked = sorted(first, key=lambda k: (first[k], k))
        survivor[:] = [configs[ranked[0]]]
        outsider[:] = [configs[ranked[-1]]]
        return successive_halving(lambda c, b: first[configs.index(c)] if b == min_budget else swapped(c, b),
                                  configs, min_budget, max_budget, factor)

    survivor, outsider = [], []
    with pytest.raises(AssertionError, match="rung 1 \\(budget 3\\) trained the wrong configurations"):
        checks.check_successive_halving(swaps_one)


def test_a_history_that_is_not_what_was_trained_is_named():
    """The rungs come from the recorded calls; the history must report them."""
    def misreports(train, configs, min_budget, max_budget, factor):
        best, history, total = successive_halving(train, configs, min_budget, max_budget, factor)
        scores = history[1]["scores"]
        outsider = min(set(range(len(configs))) - set(scores))
        scores[outsider] = scores.pop(min(scores))
        return best, history, total

    def fakes(train, configs, min_budget, max_budget, factor):
        return successive_halving(lambda config, budget: config["final"] + config["start"] / budget,
                                  configs, min_budget, max_budget, factor)

    with pytest.raises(AssertionError, match=re.escape("rung 1 (budget 3): history reports the configurations")):
        checks.check_successive_halving(misreports)
    with pytest.raises(AssertionError, match=re.escape("rungs trained, as (budget, configurations): expected "
                                                       "[(1, 27), (3, 9), (9, 3), (27, 1)]")):
        checks.check_successive_halving(fakes)


def test_train_must_be_called_with_the_configurations_themselves():
    def copies(train, configs, min_budget, max_budget, factor):
        return successive_halving(train, [{**c, "final": c["final"] + 1} for c in configs],
                                  min_budget, max_budget, factor)

    with pytest.raises(AssertionError, match="which is not one of `configs`"):
        checks.check_successive_halving(copies)


def test_random_search_with_other_names_gets_train_s_own_message():
    def misnamed(train, n_trials, rng):
        config = {"learning_rate": 0.1, "momentum": 0.5}
        return config, [(config, train(config, 1))]

    with pytest.raises(AssertionError, match=r"misnamed raised ValueError: invalid config = .*'learning_rate'"
                                             r".*expected a dict with the names \['lr', 'momentum'\]"):
        checks.check_random_search(misnamed, SPACE)


def test_a_sampler_must_draw_each_value_of_a_call():
    def repeats(low, high, size, rng):
        return np.full(size, sample_loguniform(low, high, 1, rng)[0])

    with pytest.raises(AssertionError, match="the same value more than once in one call"):
        checks.check_loguniform_sampler(repeats)


def test_calling_the_reference_is_tampering():
    def borrowed_sampler(low, high, size, rng):
        return np.array(search.loguniform(low, high).sample(rng, size))

    def borrowed_search(train, n_trials, rng):
        configs = search.random(SPACE, n_trials, seed=rng)
        trials = [(config, train(config, 1)) for config in configs]
        return min(trials, key=lambda t: t[1])[0], trials

    def borrowed_halving(train, configs, min_budget, max_budget, factor):
        result = search.successive_halving(train, configs, min_budget, max_budget, factor=factor)
        history = [{"budget": t.budget, "scores": {}} for t in result.trials]
        return result.best.index, history, result.total_budget

    with pytest.raises(_integrity.TamperingError, match="calls the reference implementation"):
        checks.check_loguniform_sampler(borrowed_sampler)
    with pytest.raises(_integrity.TamperingError, match="calls the reference implementation"):
        checks.check_random_search(borrowed_search, SPACE)
    with pytest.raises(_integrity.TamperingError, match="calls the reference implementation"):
        checks.check_successive_halving(borrowed_halving)


def test_the_checkers_are_public_generators_that_name_the_reference_under_test():
    for name in ("check_loguniform_sampler", "check_random_search", "check_successive_halving"):
        public = getattr(checks, name)
        assert name in checks.__all__ and checks.REGISTRY[name] is public
        assert search.objectives not in public.under_test
        assert {search.spaces, search.samplers, search.halving} <= set(public.under_test)


# --- a failure names the function that caused it: random_search calls sample_loguniform ----------

SAMPLER_STUB = ("def sample_loguniform(low, high, size, rng):\n"
                "    raise NotImplementedError('implement this function')\n")
OWN_DRAWS = '''
def random_search(train, n_trials, rng):
    """Draws the logarithm itself: never calls sample_loguniform."""
    trials = []
    for _ in range(n_trials):
        config = {"lr": float(np.exp(rng.uniform(np.log(LR_RANGE[0]), np.log(LR_RANGE[1])))),
                  "momentum": float(rng.uniform(*MOMENTUM_RANGE))}
        trials.append((config, train(config, 1)))
    return min(trials, key=lambda trial: trial[1])[0], trials
'''


def notebook_student(sampler=None, search_code=None):
    """The exercise's solution namespace with the student's sampler and/or search (source,
    or a wrong implementation)."""
    from notebook_cells import with_student

    return with_student("ex08_search", {"sample_loguniform": sampler, "random_search": search_code})


def _search_message(glob, cell="test_random_search"):
    from notebook_cells import failure

    return failure("ex08_search", cell, glob)


def test_a_stub_sampler_is_named_by_its_own_name_in_the_search_test():
    message = _search_message(notebook_student(sampler=SAMPLER_STUB))
    assert message.startswith("sample_loguniform is not implemented yet")
    assert "random_search is not implemented" not in message


@pytest.mark.parametrize("mistake", search_checks.SAMPLER_MISTAKES, ids=lambda m: m.wrong.__name__)
def test_a_wrong_sampler_is_blamed_in_the_search_test_with_its_hint(mistake):
    message = _search_message(notebook_student(sampler=mistake.wrong))
    assert message.startswith("random_search fails because of sample_loguniform, which it calls:")
    assert mistake.hint in message and "the range of lr that random_search draws" in message
    assert "Fix sample_loguniform first" in message


def test_a_sampler_using_np_random_is_blamed_in_the_hidden_search_test():
    global_state = "def sample_loguniform(low, high, size, rng):\n" \
                   "    return np.exp(np.random.uniform(np.log(low), np.log(high), size))\n"
    message = _search_message(notebook_student(sampler=global_state), "test_random_search_hidden")
    assert message.startswith("random_search fails because of sample_loguniform, which it calls:")
    assert "never with np.random" in message


@pytest.mark.parametrize("search_code, words", [
    ("RETURN_MAX", "lower is better"),
    ("BUDGET_9", "random search gives every trial budget = 1"),
])
def test_the_search_s_own_mistakes_keep_their_own_hints(search_code, words):
    from notebook_cells import cells

    solution = "\n".join(line for line in cells("ex08_search")["random_search_solution"].splitlines()
                         if "### " not in line)
    code = {"RETURN_MAX": solution.replace("min(trials", "max(trials"),
            "BUDGET_9": solution.replace("train(config, 1)", "train(config, 9)")}[search_code]
    assert code != solution
    message = _search_message(notebook_student(search_code=code))
    assert words in message and "fails because of" not in message
    assert message.startswith("random_search ")


def test_a_wrong_sampler_the_search_does_not_call_is_not_blamed(capsys):
    from notebook_cells import run_cell

    run_cell("ex08_search", "test_random_search",
             notebook_student(sampler=search_checks.SAMPLER_MISTAKES[0].wrong, search_code=OWN_DRAWS))
    assert "✔ random_search samples lr, momentum" in capsys.readouterr().out


def test_attribution_works_through_the_graders_oracle():
    from notebook_cells import oracle

    wrong = search_checks.SAMPLER_MISTAKES[0]
    with oracle("ex08_search") as run:
        verdict, text = run("test_random_search", notebook_student(sampler=wrong.wrong))
        assert verdict == "failed" and text.startswith("random_search fails because of sample_loguniform")
        assert wrong.hint in text
        verdict, text = run("test_random_search_hidden", notebook_student(sampler=SAMPLER_STUB))
        assert verdict == "failed" and text.startswith("sample_loguniform is not implemented yet")


def test_a_sampler_that_is_not_a_function_is_reported_by_its_role():
    with pytest.raises(checks.CheckFailed, match="sampler is int, not a function"):
        checks.check_random_search(make_search(sampler=lambda low, high, size, rng: rng.uniform(low, high, size)),
                                   SPACE, sampler=3)
