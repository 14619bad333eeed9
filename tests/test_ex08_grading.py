"""Exercise 8 through `mlcourse grade`: the solution scores full marks, the untouched release
0, and each named mistake, submitted as a wrong implementation, loses its points with its hint."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "grading_fixtures"))
import submissions as fixtures  # noqa: E402
from test_grading_batch import add_reference_notebooks, feedback_text, grade  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ASSIGNMENT = "ex08_search"
# one batch grading for the whole module: under `pytest -n auto --dist loadgroup` its
# tests stay on one worker instead of each worker grading the batch again
pytestmark = pytest.mark.xdist_group("ex08_grading")

SAMPLER = '''
def sample_loguniform(low, high, size, rng):
    return np.exp(rng.uniform(np.log(low), np.log(high), size=size))
'''

RANDOM_SEARCH = '''
def random_search(train, n_trials, rng):
    trials = []
    for _ in range(n_trials):
        config = {"lr": float(sample_loguniform(*LR_RANGE, 1, rng)[0]),
                  "momentum": float(rng.uniform(*MOMENTUM_RANGE))}
        trials.append((config, train(config, 1)))
    return min(trials, key=lambda trial: trial[1])[0], trials
'''

HALVING = '''
def successive_halving(train, configs, min_budget, max_budget, factor):
    alive, budget, history, total_budget = list(range(len(configs))), min_budget, [], 0
    while True:
        scores = {k: train(configs[k], budget) for k in alive}
        history.append({"budget": budget, "scores": scores})
        total_budget += budget * len(alive)
        if len(alive) < factor or budget * factor > max_budget:
            break
        alive = sorted(sorted(alive, key=lambda k: (scores[k], k))[:len(alive) // factor])
        budget *= factor
    last = history[-1]["scores"]
    return min(last, key=lambda k: (last[k], k)), history, total_budget
'''

CORRECT = {"sample_loguniform_solution": SAMPLER, "random_search_solution": RANDOM_SEARCH,
           "successive_halving_solution": HALVING}
SAMPLER_CELLS = ["test_sample_loguniform", "test_sample_loguniform_hidden"]
SEARCH_CELLS = ["test_random_search", "test_random_search_hidden"]
HALVING_CELLS = ["test_successive_halving", "test_successive_halving_hidden"]

# student -> (replaced cells, status, cells scoring 0, cells scoring full, hint in the feedback)
CASES = {
    "correct": (CORRECT, "ok", [], SAMPLER_CELLS + SEARCH_CELLS + HALVING_CELLS, None),
    "uniform_lr": ({**CORRECT, "sample_loguniform_solution": SAMPLER.replace(
        "np.exp(rng.uniform(np.log(low), np.log(high), size=size))", "rng.uniform(low, high, size=size)")},
        "ok", SAMPLER_CELLS + SEARCH_CELLS, HALVING_CELLS, "uniform on [low, high), not log-uniform"),
    "best_is_max": ({**CORRECT, "random_search_solution": RANDOM_SEARCH.replace("return min(", "return max(")},
                    "ok", SEARCH_CELLS, SAMPLER_CELLS + HALVING_CELLS, "lower is better"),
    "keeps_worst": ({**CORRECT, "successive_halving_solution": HALVING.replace("(scores[k], k)", "(-scores[k], k)", 1)},
                    "ok", HALVING_CELLS, SAMPLER_CELLS + SEARCH_CELLS, "lowest scores"),
    "rounds_up": ({**CORRECT, "successive_halving_solution": HALVING.replace(
        "[:len(alive) // factor]", "[:-(-len(alive) // factor)]")},
        "ok", HALVING_CELLS, SAMPLER_CELLS + SEARCH_CELLS, "rounded *down*"),
    "budget_fixed": ({**CORRECT, "successive_halving_solution": HALVING.replace("budget *= factor", "pass")},
                     "ok", HALVING_CELLS, SAMPLER_CELLS + SEARCH_CELLS, "budget = budget * factor"),
    "total_resumed": ({**CORRECT, "successive_halving_solution": HALVING.replace(
        "total_budget += budget * len(alive)",
        "total_budget += (budget - (history[-2]['budget'] if len(history) > 1 else 0)) * len(alive)")},
        "ok", HALVING_CELLS, SAMPLER_CELLS + SEARCH_CELLS, "resume from checkpoints"),
    "calls_reference": ({**CORRECT, "successive_halving_solution": HALVING.replace(
        "    alive, budget", "    search.halving_schedule(len(configs), min_budget, max_budget, factor)\n"
        "    alive, budget")}, "tampered", HALVING_CELLS, [], "reference"),
}


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ex08_submissions")
    fixtures.build(os.path.join(ROOT, "exercises", ASSIGNMENT, f"{ASSIGNMENT}.ipynb"), folder, CASES)
    add_reference_notebooks(folder, ASSIGNMENT)
    out = tmp_path_factory.mktemp("ex08_grades")
    return grade(ASSIGNMENT, folder, out, jobs=2), out


def test_solution_scores_full_marks_and_the_release_zero(graded):
    rows, _ = graded
    assert (rows["instructor"]["status"], float(rows["instructor"]["score"])) == ("ok", 10.0)
    assert (rows["correct"]["status"], float(rows["correct"]["score"])) == ("ok", 10.0)
    assert float(rows["untouched"]["score"]) == 0.0


@pytest.mark.parametrize("student", [s for s in CASES if s != "correct"])
def test_each_named_mistake_loses_its_points_with_its_hint(graded, student):
    rows, out = graded
    _, status, zero, full, hint = CASES[student]
    assert rows[student]["status"] == status
    assert all(float(rows[student][cell]) == 0 for cell in zero), {c: rows[student][c] for c in zero}
    assert all(float(rows[student][cell]) > 0 for cell in full), {c: rows[student][c] for c in full}
    assert hint in feedback_text(out, student)


def test_a_wrong_sampler_is_blamed_in_the_search_s_feedback(graded):
    """Through the oracle, random_search's test names the student's sampler as the cause."""
    _, out = graded
    assert "random_search fails because of sample_loguniform, which it calls" in feedback_text(out, "uniform_lr")
