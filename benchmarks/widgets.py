"""How fast does a live widget answer a slider move? (target: median <= 50 ms)

A trajectories widget with 4 optimizers x 200 steps on Rosenbrock; every measured
update is a frame never seen before (fresh ``problems.minimize`` runs, no cache), timed
from the slider change to the new JPEG in the ``ipywidgets.Image``. Also times the
static page build and reports its size.

    .venv/bin/python benchmarks/widgets.py
"""

import time

import numpy as np

from mlcourse import optim, problems, widgets

OPTIMIZERS = {
    "SGD": lambda lr: optim.sgd(lr=lr),
    "Momentum": lambda lr, momentum: optim.sgd(lr=lr, momentum=momentum),
    "Nesterov": lambda lr, momentum: optim.sgd(lr=lr, momentum=momentum, nesterov=True),
    "Adam": lambda lr: optim.adam(lr=100 * lr),
}


def main(updates=60):
    lr = widgets.Slider("lr", np.geomspace(2e-4, 2e-3, updates), label="η")
    momentum = widgets.Slider("momentum", [0.5, 0.9])
    figure = widgets.trajectories(problems.rosenbrock(), OPTIMIZERS, [lr, momentum], steps=200)
    figure.live()
    slider = figure.controls[0]
    total, compute = [], []
    for i in range(updates):
        if i == slider.value:
            continue
        start = time.perf_counter()
        figure.frame((i, figure.controls[1].value))  # the runs (cached: render below only draws)
        compute.append(time.perf_counter() - start)
        figure._rendered.clear()
        slider.value = i  # observe -> render -> Image.value, as in JupyterLab
        total.append(time.perf_counter() - start)
    total, compute = np.array(total) * 1e3, np.array(compute) * 1e3
    print(f"live update, 4 optimizers x 200 steps, {len(total)} new frames:")
    print(f"  compute (minimize + projection): median {np.median(compute):5.1f} ms   "
          f"p90 {np.percentile(compute, 90):5.1f} ms")
    print(f"  compute + draw + JPEG:           median {np.median(total):5.1f} ms   "
          f"p90 {np.percentile(total, 90):5.1f} ms   (target median <= 50 ms)")
    print(f"  image size: {len(figure.image.value) / 1e3:.0f} kB")

    grid = [widgets.Slider("lr", np.geomspace(2e-4, 2e-3, 10)), widgets.Slider("momentum", [0.3, 0.5, 0.8, 0.9, 0.95])]
    small = widgets.trajectories(problems.rosenbrock(), OPTIMIZERS, grid, steps=200)
    start = time.perf_counter()
    page = small.html()
    print(f"static page, {small.frame_count()} frames: built in {time.perf_counter() - start:.2f} s, "
          f"{len(page) / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
