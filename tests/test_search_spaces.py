"""Search spaces: inverse-CDF maps, seeded draws, grids and argument errors."""

import math

import numpy as np
import pytest

from mlcourse.search import choice, integers, is_space, loguniform, uniform


def test_uniform_maps_the_unit_interval_linearly():
    space = uniform(-1.0, 3.0)
    assert space.from_unit(0.0) == -1.0
    assert space.from_unit(0.25) == 0.0
    assert space.from_unit(0.5) == 1.0
    assert space.grid(3) == [-1.0, 1.0, 3.0]


def test_loguniform_middle_is_the_geometric_mean_and_its_log_is_uniform():
    space = loguniform(1e-4, 1e-0)
    assert math.isclose(space.from_unit(0.5), 1e-2)
    draws = np.log10(space.sample(np.random.default_rng(0), size=20_000))
    # log10 of the draws is uniform on [-4, 0): mean -2, variance 16/12
    assert abs(draws.mean() + 2) < 0.03
    assert abs(draws.var() - 16 / 12) < 0.03
    # a quarter of the draws in each decade
    counts, _ = np.histogram(draws, bins=[-4, -3, -2, -1, 0])
    assert np.all(np.abs(counts / draws.size - 0.25) < 0.015)
    assert np.allclose(space.grid(5), [1e-4, 1e-3, 1e-2, 1e-1, 1.0])


def test_integers_include_both_ends_equally_often():
    space = integers(2, 5)
    assert [space.from_unit(u) for u in (0.0, 0.249, 0.25, 0.5, 0.75, 0.999999)] == [2, 2, 3, 4, 5, 5]
    draws = np.array(space.sample(np.random.default_rng(1), size=40_000))
    counts = np.bincount(draws - 2, minlength=4) / draws.size
    assert set(draws.tolist()) == {2, 3, 4, 5}
    assert np.all(np.abs(counts - 0.25) < 0.01)
    assert space.grid(4) == [2, 3, 4, 5]
    assert space.grid(10) == [2, 3, 4, 5]  # no more values than the range holds


def test_choice_draws_every_option_and_grids_all_of_them():
    space = choice([16, 32, "all"])
    assert [space.from_unit(u) for u in (0.0, 0.4, 0.9)] == [16, 32, "all"]
    assert space.grid() == [16, 32, "all"]
    draws = space.sample(np.random.default_rng(2), size=3000)
    assert {draws.count(o) for o in (16, 32, "all")} and min(draws.count(o) for o in (16, 32, "all")) > 900


def test_sample_is_reproducible_from_the_seed_and_returns_python_scalars():
    space = loguniform(1e-3, 1.0)
    first = space.sample(np.random.default_rng(7), size=5)
    again = space.sample(np.random.default_rng(7), size=5)
    assert first == again
    assert all(type(v) is float for v in first)
    assert type(integers(0, 3).sample(np.random.default_rng(0))) is int


def test_is_space_and_equality():
    assert is_space(uniform(0, 1)) and not is_space(0.5) and not is_space((0.1, 1.0))
    assert loguniform(1e-3, 1e-1) == loguniform(1e-3, 1e-1) != uniform(1e-3, 1e-1)
    assert repr(choice([1, 2])) == "choice([1, 2])"


@pytest.mark.parametrize("make, message", [
    (lambda: loguniform(0.0, 1.0), "invalid low = 0.0, expected low > 0"),
    (lambda: uniform(1.0, 1.0), "invalid high = 1.0, expected high > low = 1.0"),
    (lambda: uniform(0.0, math.inf), "invalid uniform bounds"),
    (lambda: integers(3, 2), "invalid high = 2, expected high >= low = 3"),
    (lambda: choice([]), "invalid options = [], expected at least one value"),
    (lambda: uniform(0, 1).from_unit(1.0), "invalid u = 1.0"),
    (lambda: uniform(0, 1).grid(0), "invalid n = 0"),
])
def test_bad_arguments_are_named(make, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[").replace("]", r"\]")):
        make()


@pytest.mark.parametrize("make, message", [
    (lambda: choice("abc"), "invalid options = 'abc', expected a list"),
    (lambda: integers(0.5, 2), "invalid low = 0.5, expected an integer"),
    (lambda: uniform(0, 1).sample(0), "invalid rng = 0, expected a numpy.random.Generator"),
])
def test_bad_types_are_named(make, message):
    with pytest.raises(TypeError, match=message):
        make()
