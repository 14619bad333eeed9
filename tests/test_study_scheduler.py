"""The website's spaced-review scheduler agrees with FSRS's Python implementation.

study.js schedules reviews with the vendored ts-fsrs (JavaScript). Here Node runs
study.js's own `simulate` (the code path of the Review mode: confidence 1-5 mapped onto
FSRS ratings, then ts-fsrs) on rating histories, and the `fsrs` package (py-fsrs, the
same algorithm from the same authors) replays them: the due dates must agree to the
second, once two documented details of how ts-fsrs rounds an interval are applied
(see ``replay``); stability and difficulty agree to 1e-6 (ts-fsrs keeps 8 decimals). The histories mix on-time, early and late reviews, lapses, and long runs.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from mlcourse import study
from mlcourse.study._render import STATIC_DIR

fsrs = pytest.importorskip("fsrs")
NODE = shutil.which("node") or shutil.which("nodejs")
# Skipped on a contributor's machine without Node.js; never in CI, which installs it.
pytestmark = pytest.mark.skipif(NODE is None and os.environ.get("CI") != "true",
                                reason="Node.js is needed to run study.js")

RUNNER = """
const path = require("path");
globalThis.FSRS = require(path.join(process.argv[1], "ts-fsrs", "ts-fsrs.umd.js"));
require(path.join(process.argv[1], "study.js"));
const S = globalThis.MlcourseStudy;
const histories = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify({
  settings: S.FSRS_SETTINGS, mapping: S.CONFIDENCE_TO_RATING, mastered: S.MASTERED_STABILITY_DAYS,
  dues: histories.map((h) => S.simulate(h)),
  states: histories.map((h) => { let saved = null;
    return h.map((step) => (saved = S.review(saved, step.confidence, new Date(step.at)))); }),
  errors: [0, 6, 2.5].map((c) => { try { S.review(null, c, new Date()); return null; } catch (e) { return e.message; } }),
}));
"""


def run_js(histories):
    assert NODE is not None, "Node.js is not installed (.ci/run installs Debian's nodejs)"
    result = subprocess.run([NODE, "-e", RUNNER, str(STATIC_DIR)], input=json.dumps(histories),
                            capture_output=True, text=True, timeout=60, check=True)
    return json.loads(result.stdout)


def python_scheduler():
    settings = study.FSRS_SETTINGS

    def steps(values):
        return tuple(timedelta(minutes=int(value.removesuffix("m"))) for value in values)

    return fsrs.Scheduler(desired_retention=settings["request_retention"],
                          learning_steps=steps(settings["learning_steps"]),
                          relearning_steps=steps(settings["relearning_steps"]),
                          maximum_interval=settings["maximum_interval"],
                          enable_fuzzing=settings["enable_fuzz"])


def parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def replay(history):
    """py-fsrs's cards after each review of ``history``, and the due dates ts-fsrs gives.

    The memory model (stability, difficulty) of the two libraries is the same; how they
    turn it into a due date differs in two documented details, applied here:

    * a card in review keeps its Hard < Good < Easy intervals at least a day apart
      (ts-fsrs: hard = min(hard, good); good = max(good, hard + 1); easy = max(easy, good + 1));
      py-fsrs rounds each interval on its own, so two ratings can give the same day;
    * "Hard" on a learning (or relearning) step: ts-fsrs always waits the mean of the
      first two steps (or 1.5 times the only one), rounded to whole minutes: 6 min with
      steps of 1 and 10 min. py-fsrs waits 5.5 min on the first step and repeats the
      current step on later ones (10 min).
    """
    scheduler = python_scheduler()
    card = fsrs.Card()
    cards, dues, rules = [], [], []
    for step in history:
        when = parse(step["at"])
        rating = fsrs.Rating(study.CONFIDENCE_TO_RATING[step["confidence"]])
        before = card
        card, _ = scheduler.review_card(before, rating, when)
        due, rule = card.due, None
        if before.state == fsrs.State.Review and rating != fsrs.Rating.Again:
            days = {r: round((scheduler.review_card(before, r, when)[0].due - when) / timedelta(days=1))
                    for r in (fsrs.Rating.Hard, fsrs.Rating.Good, fsrs.Rating.Easy)}
            hard = min(days[fsrs.Rating.Hard], days[fsrs.Rating.Good])
            good = max(days[fsrs.Rating.Good], hard + 1)
            easy = max(days[fsrs.Rating.Easy], good + 1)
            ordered = {fsrs.Rating.Hard: hard, fsrs.Rating.Good: good, fsrs.Rating.Easy: easy}[rating]
            if ordered != days[rating]:
                due, rule = when + timedelta(days=ordered), "ordered"
        elif rating == fsrs.Rating.Hard and card.state in (fsrs.State.Learning, fsrs.State.Relearning):
            steps = scheduler.relearning_steps if card.state == fsrs.State.Relearning else scheduler.learning_steps
            minutes = [step / timedelta(minutes=1) for step in steps]
            hard = (minutes[0] + minutes[1]) / 2 if len(minutes) > 1 else 1.5 * minutes[0]
            expected = when + timedelta(minutes=math.floor(hard + 0.5))
            if expected != card.due:
                due, rule = expected, "hard step"
        cards.append(card)
        dues.append(due)
        rules.append(rule)
    return cards, dues, rules


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def random_history(rng: random.Random, length: int):
    """Reviews on random days around the due date (early, on time, late, much later).

    Elapsed time is counted in whole days by both libraries, but ts-fsrs counts UTC
    calendar days (as Anki does) and py-fsrs 24-hour periods: a review at 08:00 the
    day after one at 20:00 is one day later for ts-fsrs and zero for py-fsrs. The two
    agree when no review is at an earlier time of day than the one before, so the
    histories move forward in days and, within the day, only later.
    """
    now = datetime(2026, 1, 5, 0, 0, tzinfo=timezone.utc)
    history = []
    for _ in range(length):
        confidence = rng.choices([1, 2, 3, 4, 5], weights=[1, 1, 2, 4, 2])[0]
        history.append({"confidence": confidence, "at": iso(now)})
        due = replay(history)[1][-1]
        if due - now < timedelta(hours=1):  # a learning step: at the due minute, or a bit later
            now = due + timedelta(seconds=rng.randrange(0, 300))
        elif due - now > timedelta(days=3 * 365):
            break  # (ts-fsrs caps stability at maximum_interval, 100 years; py-fsrs does not)
        else:
            days = (due - now) / timedelta(days=1) * rng.choice([0.3, 1.0, 1.0, 1.7, 4.0])
            now = now + timedelta(days=max(0, math.floor(days)), seconds=rng.randrange(0, 1800))
    assert all(parse(a["at"]).time() <= parse(b["at"]).time() for a, b in zip(history, history[1:]))
    return history


FIXED = [
    [5, 5, 5, 5, 5, 5],  # always perfect
    [1, 1, 1, 2, 2, 3],  # struggling
    [4, 4, 1, 4, 4, 4, 1, 3, 4],  # lapses
    [3, 3, 3, 3, 3],  # always "somewhat" (FSRS's Hard)
]


def test_js_and_python_fsrs_agree_on_due_dates():
    rng = random.Random(0)
    histories = []
    for ratings in FIXED:
        history, now = [], datetime(2026, 3, 1, 8, 30, tzinfo=timezone.utc)
        for confidence in ratings:
            history.append({"confidence": confidence, "at": iso(now)})
            now = replay(history)[1][-1]  # review exactly when due
        histories.append(history)
    histories += [random_history(rng, rng.randrange(3, 16)) for _ in range(60)]
    js = run_js(histories)
    rules_used = set()
    for history, js_dues, js_states in zip(histories, js["dues"], js["states"]):
        cards, dues, rules = replay(history)
        assert len(js_dues) == len(dues) == len(history)
        rules_used.update(rules)
        for step, (js_due, js_state, card, due) in enumerate(zip(js_dues, js_states, cards, dues)):
            where = f"review {step + 1} of {[h['confidence'] for h in history]}"
            assert js_state["state"] == int(card.state), where
            assert js_state["stability"] == pytest.approx(card.stability, rel=1e-6), where
            assert js_state["difficulty"] == pytest.approx(card.difficulty, rel=1e-6), where
            assert abs((parse(js_due) - due).total_seconds()) < 1, f"{where}: JS due {js_due}, Python {due}"
    # the histories exercise both documented differences, and reach long intervals
    assert rules_used == {None, "ordered", "hard step"}
    longest = max(parse(dues[-1]) - parse(history[-1]["at"]) for history, dues in zip(histories, js["dues"]))
    assert longest > timedelta(days=60)


def test_js_uses_the_documented_mapping_and_settings():
    js = run_js([])
    assert {int(k): v for k, v in js["mapping"].items()} == study.CONFIDENCE_TO_RATING
    assert js["settings"] == study.FSRS_SETTINGS
    assert js["mastered"] == study.MASTERED_STABILITY_DAYS
    # a bad rating is refused with a message naming it
    assert js["errors"] == [f"invalid confidence = {c}, expected 1, 2, 3, 4 or 5" for c in (0, 6, 2.5)]


def test_a_higher_confidence_never_brings_a_card_back_sooner():
    start = "2026-03-01T08:30:00.000Z"
    js = run_js([[{"confidence": c, "at": start}] for c in range(1, 6)] +
                [[{"confidence": 4, "at": start}, {"confidence": c, "at": "2026-03-04T08:30:00.000Z"}]
                 for c in range(1, 6)])
    first = [dues[0] for dues in js["dues"][:5]]
    second = [dues[1] for dues in js["dues"][5:]]
    assert first == sorted(first) and second == sorted(second)
    assert first[0] == first[1]  # 1 and 2 are both FSRS's Again
    assert len(set(second[1:])) == 4
