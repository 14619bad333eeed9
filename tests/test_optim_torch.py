"""mlcourse.optim against live torch.optim: randomised hyperparameters, step by step.

For each optimizer, DRAWS seeded draws of hyperparameters (every flag, schedules
included), parameter shapes and dtypes. Both libraries run STEPS updates; before
each update ours is given torch's current parameters and state, so that every
update is checked on its own: new parameters and every state buffer must agree
with torch's to a few units in the last place (``ULPS``) of the array's scale.
(Free-running trajectories drift apart by rounding alone, and some settings
amplify it; the golden trajectories of test_optim.py check free runs on
well-conditioned problems.) Our state fields carry torch's state names. The
optimizers and their random draws come from the registry tests/optim_cases.py.
"""

import numpy as np
import optim_cases
import pytest

torch = pytest.importorskip("torch")

from mlcourse import optim  # noqa: E402

DRAWS, STEPS = 20, 40
SHAPES = [(), (1,), (7,), (3, 5), (2, 3, 4), (300,)]
ULPS = 32


# name -> (torch class, draw(rng) -> kwargs valid for both libraries)
DRAW = {case.name: (case.torch_class, case.draw) for case in optim_cases.TORCH_STYLE}


def _gradient(rng, shape):
    """A smooth gradient field: curvatures 0.2..3, a centre and a bounded nonlinearity."""
    curvature, centre = rng.uniform(0.2, 3.0, shape), rng.normal(size=shape)
    return lambda theta: np.asarray(curvature * (theta - centre) + 0.5 * np.tanh(3 * theta))


def _from_torch(state, torch_state, dtype):
    """Our state with every buffer replaced by torch's (same field names)."""
    replace = {}
    for name, value in torch_state.items():
        if name == "step":
            assert int(value) == state.step
        elif name == "mu_product":
            replace[name] = dtype(value.item())
        else:
            replace[name] = value.detach().numpy().copy()
    return state._replace(**replace)


def _assert_close(ours, theirs, before, g, exact, dtype, what):
    """Elementwise ``|ours - theirs| <= ULPS·eps·(|theirs| + |before| + |g|) + 8|theirs - exact|``.

    The first term allows a few roundings of the largest quantity entering the
    update (terms may cancel, hence not ``|theirs|`` alone). The second exists for
    float32 only (``exact`` is None for float64): torch fuses multiply-adds (its
    ``add(alpha=)``, ``lerp`` and ``addcmul`` round once, NumPy twice), so where an
    update cancels, our rounding error may exceed torch's; it may not exceed it by
    much, measured against ``exact``, the same update computed in float64.
    """
    theirs = np.asarray(theirs)
    assert ours.dtype == dtype and ours.shape == theirs.shape, what
    scale = np.abs(theirs) + np.abs(before) + np.abs(g)
    slack = 0.0 if exact is None else 8 * np.abs(theirs - exact)
    excess = np.abs(ours - theirs) - ULPS * np.finfo(dtype).eps * scale - slack
    if excess.size and np.max(excess) > 0:
        i = np.unravel_index(np.argmax(excess), excess.shape)
        raise AssertionError(f"{what}: ours {ours[i]!r} != torch's {theirs[i]!r} "
                             f"(more than {ULPS} ulps of {scale[i]:.3g})")


@pytest.mark.parametrize("name", DRAW)
def test_every_update_matches_torch(name):
    torch_class, draw = DRAW[name]
    rng = np.random.default_rng(sum(map(ord, name)))
    for trial in range(DRAWS):
        kwargs = draw(rng)
        shape = SHAPES[rng.integers(len(SHAPES))]
        dtype = (np.float64, np.float32)[rng.integers(2)]
        gradient = _gradient(rng, shape)
        scheduled = bool(rng.integers(3) == 0)
        what = f"{name}({kwargs}) on {shape} {dtype.__name__}{' with a schedule' if scheduled else ''}"
        # torch keeps step and NAdam's mu_product in its default dtype
        torch.set_default_dtype(torch.float64 if dtype == np.float64 else torch.float32)
        try:
            p = torch.tensor(rng.normal(size=shape).astype(dtype), requires_grad=True)
            reference = getattr(torch.optim, torch_class)([p], **kwargs)
            scheduler = torch.optim.lr_scheduler.ExponentialLR(reference, gamma=0.93) if scheduled else None
            lrs = []  # torch's lr at each update, which our schedule returns
            opt = getattr(optim, name)(**{**kwargs, "lr": (lambda t: lrs[t]) if scheduled else kwargs["lr"]})
            state = opt.init(p.detach().numpy())
            for step in range(STEPS):
                old_theta = p.detach().numpy().copy()
                old_state = _from_torch(state, reference.state[p], dtype)
                g = gradient(opt.lookahead(old_theta, old_state)).astype(dtype)
                lrs.append(reference.param_groups[0]["lr"])
                theta, state = opt.update(old_theta, g, old_state)
                exact = None
                if dtype == np.float32:  # the same update in float64, for torch's rounding error
                    exact = opt.update(old_theta.astype(np.float64), g.astype(np.float64), old_state)
                p.grad = torch.tensor(g)
                reference.step()
                if scheduler is not None:
                    scheduler.step()
                _assert_close(theta, p.detach().numpy(), old_theta, g, exact and exact[0], dtype,
                              f"{what}, step {step}: params")
                for field, value in reference.state[p].items():
                    if field == "step":
                        assert state.step == int(value) == step + 1
                    else:
                        before = getattr(old_state, field) if step else 0.0
                        _assert_close(np.asarray(getattr(state, field)), value.numpy(), before, g,
                                      exact and np.asarray(getattr(exact[1], field)), dtype,
                                      f"{what}, step {step}: {field}")
        finally:
            torch.set_default_dtype(torch.float32)


def test_textbook_forms_follow_torch_sgd():
    """momentum(lr, β) visits torch's SGD(momentum=β) points; nesterov(lr, β) looks
    ahead to exactly the points torch's SGD(nesterov=True) holds (float64, constant lr)."""
    rng = np.random.default_rng(7)
    torch.set_default_dtype(torch.float64)
    try:
        for _ in range(DRAWS):
            lr, beta = float(rng.uniform(0.001, 0.1)), float(rng.uniform(0, 0.95))
            shape = SHAPES[rng.integers(len(SHAPES))]
            gradient = _gradient(rng, shape)
            theta0 = rng.normal(size=shape)
            for textbook, nesterov in ((optim.momentum(lr, beta), False), (optim.nesterov(lr, beta), True)):
                p = torch.tensor(theta0, requires_grad=True)
                reference = torch.optim.SGD([p], lr=lr, momentum=beta, nesterov=nesterov)
                theta, state = theta0, textbook.init(theta0)
                for step in range(STEPS):
                    theta, state = textbook.update(theta, gradient(textbook.lookahead(theta, state)), state)
                    p.grad = torch.tensor(gradient(p.detach().numpy()))
                    reference.step()
                    np.testing.assert_allclose(textbook.lookahead(theta, state), p.detach().numpy(),
                                               rtol=1e-10, atol=1e-12,
                                               err_msg=f"lr={lr}, beta={beta}, nesterov={nesterov}, step {step}")
    finally:
        torch.set_default_dtype(torch.float32)


OMITTED = {"params", "self", "maximize", "foreach", "capturable", "differentiable", "fused"}


@pytest.mark.parametrize("name", DRAW)
def test_names_and_defaults_are_torchs(name):
    """Every hyperparameter of the torch class (but the omitted flags) exists here,
    in torch's order, with torch's default; we add none of our own."""
    import inspect

    theirs = [p for p in inspect.signature(getattr(torch.optim, DRAW[name][0]).__init__).parameters.values()
              if p.name not in OMITTED]
    ours = list(inspect.signature(getattr(optim, name)).parameters.values())
    assert [p.name for p in ours] == [p.name for p in theirs]
    for mine, torchs in zip(ours, theirs):
        assert mine.default == torchs.default, f"{name}: {mine.name} = {mine.default!r}, torch's {torchs.default!r}"
