"""mlcourse.widgets: one frame function behind the live view and the static page."""

import json
import math
import re

import numpy as np
import pytest

from mlcourse import optim, problems, schedules, widgets
from mlcourse.widgets._canvas import _clip, decode

SGD = {"SGD": lambda lr: optim.sgd(lr=lr),
       "Momentum": lambda lr, momentum: optim.sgd(lr=lr, momentum=momentum)}


def sliders():
    return [widgets.Slider("lr", [0.01, 0.05, 0.1, 0.25], value=0.05), widgets.Slider("momentum", [0.0, 0.9])]


@pytest.fixture(scope="module")
def figure():
    return widgets.trajectories(problems.quadratic(condition_number=5.0), SGD, sliders(), steps=60)


def static_data(page):
    found = re.search(r'<script type="application/json" class="mlcourse-widget-data">(.*?)</script>', page, re.S)
    return json.loads(found.group(1).replace("<\\/", "</"))


def expand(data, key):
    """A frame of the static page in the form ``Widget.frame`` returns."""
    number, lines = data["frames"][key]
    return {"key": key, "background": number, "lines": [
        {"axes": axes, "style": data["styles"][s], "label": None if label < 0 else data["labels"][label],
         "points": data["paths"][p]} for axes, s, label, p in lines]}


def pixels(figure, index, x, y, axes=0):
    """Expected tenths of a pixel: matplotlib's transform of the data, y flipped, rounded."""
    background = figure.background(index)[1]
    xy = background.transforms[axes].transform(np.column_stack([x, y]))
    xy[:, 1] = background.layout.height - xy[:, 1]
    tenths = np.rint(xy * 10).astype(int)
    keep = np.r_[True, np.any(np.diff(tenths, axis=0) != 0, axis=1)]
    return tenths[keep]


def test_frame_draws_the_minimize_trajectory(figure):
    problem = problems.quadratic(condition_number=5.0)
    frame = figure.frame((1, 1))
    assert [line["label"] for line in frame["lines"]] == ["SGD", "Momentum"]
    for line, optimizer in zip(frame["lines"], [optim.sgd(lr=0.05), optim.sgd(lr=0.05, momentum=0.9)]):
        path = problems.minimize(problem, optimizer, 60).trajectory
        (points,) = line["points"]
        np.testing.assert_array_equal(np.rint(decode(points) * 10), pixels(figure, (1, 1), path[:, 0], path[:, 1]))
    again = widgets.trajectories(problems.quadratic(condition_number=5.0), SGD, sliders(), steps=60)
    assert again.frame((1, 1)) == frame


def test_static_page_has_every_frame_as_json_and_no_network(figure):
    page = figure.html()
    data = static_data(page)
    assert sorted(data["frames"]) == sorted(f"{i},{j}" for i in range(4) for j in range(2))
    assert data["default"] == "1,0" and 'data-frame-key="1,0"' in page
    assert not re.search(r"https?://", page)
    assert len(re.findall(r'<input type="range"', page)) == 2 and 'data-name="momentum"' in page
    assert all(b.startswith("data:image/png;base64,") for b in data["backgrounds"])
    # SGD ignores momentum: its path is stored once for both momentum values
    assert data["frames"]["2,0"][1][0][3] == data["frames"]["2,1"][1][0][3]
    assert data["frames"]["2,0"][1][1][3] != data["frames"]["2,1"][1][1][3]
    ids = re.findall(r'class="mlcourse-widget" id="([^"]+)"', page + figure.html())
    assert len(ids) == 2 and ids[0] != ids[1]


def test_static_frames_equal_what_the_live_view_draws(figure):
    data = static_data(figure.html())
    box = figure.live()
    assert figure.live() is box  # built once, shown wherever the widget is displayed
    lr, momentum = figure.controls
    before = figure.image.value
    lr.value, momentum.value = 3, 1
    assert figure.image.value != before
    assert figure.image.value == figure.render((3, 1))
    assert figure.last_frame == expand(data, "3,1") == figure.frame((3, 1))
    lr.value = 0
    assert figure.last_frame == expand(data, "0,1")


def test_mimebundle_offers_the_widget_and_the_page(figure, monkeypatch):
    monkeypatch.delenv("MLCOURSE_WIDGETS_VIEW", raising=False)
    bundle = figure._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == figure.live().model_id
    assert bundle["text/html"].startswith('<div class="mlcourse-widget"')
    assert figure._repr_html_().startswith('<div class="mlcourse-widget"')


@pytest.mark.parametrize("view, keys", [
    ("static", {"text/plain", "text/html"}),
    ("live", {"text/plain", "application/vnd.jupyter.widget-view+json"}),
    ("", {"text/plain", "text/html", "application/vnd.jupyter.widget-view+json"}),
])
def test_environment_chooses_the_views(monkeypatch, view, keys):
    monkeypatch.setenv("MLCOURSE_WIDGETS_VIEW", view)
    figure = widgets.interactive(lambda a: {"line": ([0, 1], [0, a])}, [widgets.Slider("a", [1, 2])])
    assert set(figure._repr_mimebundle_()) == keys
    assert (figure._live is None) == (view == "static")  # the website build makes no ipywidgets


def test_divergence_is_cut_and_named():
    problem = problems.quadratic(condition_number=10.0)  # diverges for lr > 2/10
    figure = widgets.trajectories(problem, {"SGD": lambda lr: optim.sgd(lr=lr)},
                                  [widgets.Slider("lr", [0.1, 0.25, 5.0])], steps=300)
    for index in [(1,), (2,)]:
        result = problems.minimize(problem, optim.sgd(lr=figure.sliders[0].values[index[0]]), 300)
        assert result.status == "diverged"
        (line,) = figure.frame(index)["lines"]
        assert line["label"] == f"SGD: diverged at step {result.diverged_at}"
        for points in line["points"]:
            assert np.isfinite(decode(points)).all() and np.abs(decode(points)).max() < 5000
    data = static_data(figure.html())  # json.dumps(allow_nan=False) passed
    assert data["labels"][data["frames"]["0"][1][0][2]] == "SGD"
    curves = widgets.loss_curves(problem, {"SGD": lambda lr: optim.sgd(lr=lr)}, [widgets.Slider("lr", [0.1, 5.0], value=0.1)])
    assert curves.frame((1,))["lines"][0]["label"].startswith("SGD: diverged at step")


def test_non_finite_points_split_a_line_and_far_points_are_clipped():
    def function(shift):
        x = np.linspace(-1, 1, 9)
        y = x + shift
        y[4] = np.nan
        return {"line": (x, y), "far": ([0, 0], [0, 1e30])}

    figure = widgets.interactive(function, [widgets.Slider("shift", [0, 1])], xlim=(-1, 1), ylim=(-1, 2))
    line, far = figure.frame((0,))["lines"]
    assert [len(p) // 2 for p in line["points"]] == [4, 4]
    (segment,) = far["points"]
    left, top, width, height = figure.background((0,))[1].clips[0]
    assert decode(segment)[1, 1] == pytest.approx(top - max(width, height), abs=0.1)  # clipped one axes-size out
    pieces = _clip(np.array([[-5.0, 0.5], [0.5, 0.5], [5.0, 0.5], [0.5, 0.5]]), np.zeros(2), np.ones(2))
    np.testing.assert_allclose(np.vstack(pieces), [[0, 0.5], [0.5, 0.5], [1, 0.5], [1, 0.5], [0.5, 0.5]])


def test_problem_sliders_get_one_background_each():
    figure = widgets.trajectories(lambda condition_number: problems.quadratic(condition_number=condition_number),
                                  {"SGD": lambda lr: optim.sgd(lr=lr)},
                                  [widgets.Slider("lr", [0.01, 0.1]), widgets.Slider("condition_number", [1, 4, 9])], steps=20)
    data = static_data(figure.html())
    assert len(data["backgrounds"]) == 3 and len(set(data["backgrounds"])) == 3
    assert [data["frames"][f"0,{j}"][0] for j in range(3)] == [0, 1, 2]


def test_loss_curves_draw_the_minimize_losses_on_a_log_axis():
    problem = problems.rosenbrock()
    figure = widgets.loss_curves(problem, {"Adam": lambda lr: optim.adam(lr=lr)}, [widgets.Slider("lr", [0.01, 0.1])],
                                 steps=80)
    losses = problems.minimize(problem, optim.adam(lr=0.1), 80).losses
    assert figure.background((1,))[1].axes[0].get_yscale() == "log"
    (line,) = figure.frame((1,))["lines"]
    drawn = np.vstack([decode(p) for p in line["points"]])
    np.testing.assert_array_equal(np.rint(drawn * 10), pixels(figure, (1,), np.arange(81), losses))


def test_panels_put_each_optimizer_in_its_own_clipped_axes():
    figure = widgets.trajectories(problems.rosenbrock(), SGD, sliders(), steps=20, panels=True)
    assert [line["axes"] for line in figure.frame((0, 0))["lines"]] == [0, 1]
    (left, right), = static_data(figure.html())["clips"]
    assert left[0] + left[2] < right[0]  # side by side, not overlapping


def test_schedule_curves_draw_the_schedule():
    figure = widgets.schedule_curves({"cosine": lambda lr, T_max: schedules.cosine_annealing(lr, T_max)},
                                     [widgets.Slider("lr", [0.1, 1.0]), widgets.Slider("T_max", [10, 40])], steps=50)
    t = np.arange(50)
    (line,) = figure.frame((1, 0))["lines"]
    expected = pixels(figure, (1, 0), t, schedules.cosine_annealing(1.0, 10)(t))
    np.testing.assert_array_equal(np.rint(decode(line["points"][0]) * 10), expected)


@pytest.mark.parametrize("call, error, message", [
    (lambda: widgets.Slider("lr", [0.1, 0.01]), ValueError, "invalid values = [0.1, 0.01] for slider 'lr', expected strictly increasing"),
    (lambda: widgets.Slider("lr", [0.1, float("nan")]), ValueError, "invalid values = [0.1, nan] for slider 'lr', expected finite"),
    (lambda: widgets.Slider("lr", []), ValueError, "invalid values = [] for slider 'lr'"),
    (lambda: widgets.Slider("lr", ["a"]), TypeError, "invalid values = ['a'] for slider 'lr'"),
    (lambda: widgets.Slider("lr", [0.1, 0.2], value=0.3), ValueError, "invalid value = 0.3 for slider 'lr'"),
    (lambda: widgets.Slider("learning rate", [0.1]), ValueError, "invalid name = 'learning rate'"),
    (lambda: widgets.Slider(3, [0.1]), TypeError, "invalid name = 3"),
    (lambda: widgets.Slider("lr", [0.1], fmt="{:q}"), ValueError, "invalid fmt = '{:q}'"),
    (lambda: widgets.trajectories(problems.quadratic(), {"SGD": lambda lr: optim.sgd(lr=lr)}, [widgets.Slider("eta", [0.1])]),
     TypeError, "invalid optimizers['SGD']: its parameter 'lr' matches no slider (sliders: eta)"),
    (lambda: widgets.trajectories(problems.quadratic(), {"SGD": lambda lr: optim.sgd(lr=lr)},
                                  [widgets.Slider("lr", [0.1]), widgets.Slider("momentm", [0.9])]),
     ValueError, "slider 'momentm' is not a parameter"),
    (lambda: widgets.trajectories(problems.quadratic(), {"SGD": lambda lr: optim.sgd(lr=lr)},
                                  [widgets.Slider("lr", [0.1]), widgets.Slider("lr", [0.2])]), ValueError, "two sliders are named 'lr'"),
    (lambda: widgets.trajectories(problems.quadratic(), {}, [widgets.Slider("lr", [0.1])]), TypeError, "invalid optimizers = {}"),
    (lambda: widgets.trajectories(problems.quadratic(), SGD, [widgets.Slider("lr", [0.1]), widgets.Slider("momentum", [0.9])], steps=0),
     ValueError, "invalid steps = 0"),
    (lambda: widgets.interactive(lambda a: [1, 2], [widgets.Slider("a", [1])]), TypeError, "invalid function: it returned list"),
    (lambda: widgets.interactive(lambda a: {}, ["a"]), TypeError, "invalid sliders: 'a' is not a widgets.Slider"),
])
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error) as caught:
        call()
    assert message in str(caught.value)


def test_an_error_in_a_frame_says_which_frame():
    def bad(lr, momentum):
        return optim.sgd(lr=lr, momentum=momentum, nesterov=True)  # torch refuses momentum = 0

    figure = widgets.loss_curves(problems.quadratic(), {"Nesterov": bad},
                                 [widgets.Slider("lr", [0.1]), widgets.Slider("momentum", [0.0, 0.9], value=0.9)])
    with pytest.raises(ValueError, match="invalid nesterov") as caught:
        figure.html()
    assert "while computing the frame at lr = 0.1, momentum = 0.0" in caught.value.__notes__[0]


def test_too_many_frames_is_refused_before_any_work():
    grid = [widgets.Slider("lr", np.linspace(0.01, 1, 50)), widgets.Slider("momentum", np.linspace(0, 0.9, 41))]
    with pytest.raises(ValueError, match=r"invalid sliders: 2050 frames \(50 × 41 grid points\), more than the 2000"):
        widgets.trajectories(problems.quadratic(), SGD, grid)
    assert widgets.MAX_FRAMES == 2000 and math.prod([50, 40]) <= widgets.MAX_FRAMES
