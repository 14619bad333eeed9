"""Time one update of every mlcourse.optim optimizer against torch.optim; print a table.

    .venv/bin/python benchmarks/optim.py [--quick]

For float32 parameters of 10^7 and 10^6 elements, and of 2 elements (the widgets'
case), it prints the median time per update of ours and of torch.optim
(``foreach=True``, one thread), their ratio, and a memory-bandwidth bound measured
in the same run: the bytes an update must move at the least (read params, grads
and every state buffer, write params and every buffer) divided by the best rate of
a NumPy copy or add on arrays of that size. Targets: ours/torch <= 1.5 at 10^7 and
<= 0.5 on 2 params. No asserts: the machine may be shared, the numbers are noisy.
"""

import argparse
import time

import numpy as np
import torch

from mlcourse import optim

# (label, our factory and kwargs, torch class and kwargs, state buffers read and written)
CASES = [
    ("sgd", optim.sgd, {"lr": 1e-3}, "SGD", {"lr": 1e-3}, 0),
    ("sgd momentum", optim.sgd, {"lr": 1e-3, "momentum": 0.9}, "SGD", {"lr": 1e-3, "momentum": 0.9}, 1),
    ("sgd nesterov", optim.sgd, {"lr": 1e-3, "momentum": 0.9, "nesterov": True},
     "SGD", {"lr": 1e-3, "momentum": 0.9, "nesterov": True}, 1),
    ("momentum (textbook)", optim.momentum, {"lr": 1e-3, "beta": 0.9}, "SGD", {"lr": 1e-3, "momentum": 0.9}, 1),
    ("adagrad", optim.adagrad, {}, "Adagrad", {}, 1),
    ("rmsprop", optim.rmsprop, {}, "RMSprop", {}, 1),
    ("rmsprop centered+mom", optim.rmsprop, {"centered": True, "momentum": 0.9},
     "RMSprop", {"centered": True, "momentum": 0.9}, 3),
    ("adadelta", optim.adadelta, {}, "Adadelta", {}, 2),
    ("adam", optim.adam, {}, "Adam", {}, 2),
    ("adam amsgrad", optim.adam, {"amsgrad": True}, "Adam", {"amsgrad": True}, 3),
    ("adamw", optim.adamw, {}, "AdamW", {}, 2),
    ("adamax", optim.adamax, {}, "Adamax", {}, 2),
    ("nadam", optim.nadam, {}, "NAdam", {}, 2),
]


def median_times(steps, repeats, inner):
    """Median over ``repeats`` of the mean time of ``inner`` calls of each ``step()``.

    The steps take turns within each repeat, so that a change in the machine's load
    (it may be shared) affects them alike.
    """
    for step in steps:  # warm up: first-step branches, first allocations
        step()
    times = [[] for _ in steps]
    for _ in range(repeats):
        for step, seen in zip(steps, times):
            start = time.perf_counter()
            for _ in range(inner):
                step()
            seen.append((time.perf_counter() - start) / inner)
    return [float(np.median(seen)) for seen in times]


def bandwidth(n):
    """Best bytes per second of a NumPy copy (2 streams) or add (3 streams) on n float32."""
    a, b, c = (np.random.default_rng(i).random(n, dtype=np.float32) for i in range(3))
    rates = []
    for _ in range(5):
        start = time.perf_counter()
        np.copyto(c, a)
        rates.append(2 * a.nbytes / (time.perf_counter() - start))
        start = time.perf_counter()
        np.add(a, b, out=c)
        rates.append(3 * a.nbytes / (time.perf_counter() - start))
    return max(rates)


def ours(factory, kwargs, n):
    opt = factory(**kwargs)
    rng = np.random.default_rng(0)
    params = rng.standard_normal(n, dtype=np.float32)
    grads = rng.standard_normal(n, dtype=np.float32)
    state = [params, opt.init(params)]

    def step():
        state[0], state[1] = opt.update(state[0], grads, state[1])

    return step


def theirs(name, kwargs, n):
    rng = np.random.default_rng(0)
    p = torch.tensor(rng.standard_normal(n, dtype=np.float32), requires_grad=True)
    p.grad = torch.tensor(rng.standard_normal(n, dtype=np.float32))
    opt = getattr(torch.optim, name)([p], foreach=True, **kwargs)
    return opt.step


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, 10^6 and 2 only")
    args = parser.parse_args()
    torch.set_num_threads(1)
    sizes = [(10**6, 5, 3), (2, 7, 2000)] if args.quick else [(10**7, 7, 2), (10**6, 9, 5), (2, 9, 3000)]
    print(f"torch {torch.__version__} (foreach=True, 1 thread), numpy {np.__version__}, float32; "
          "median time per update")
    rate = bandwidth(10**7)  # main memory: 40 MB arrays do not fit in cache
    print(f"memory bandwidth (best NumPy copy/add on 10^7 float32): {rate / 1e9:.1f} GB/s")
    for n, repeats, inner in sizes:
        print(f"\nn = {n:,} parameters")
        print(f"{'optimizer':22s} {'ours':>10s} {'torch':>10s} {'ours/torch':>10s} {'bound':>10s} {'ours/bound':>10s}")
        with torch.no_grad():
            for label, factory, kwargs, torch_name, torch_kwargs, buffers in CASES:
                t_ours, t_torch = median_times([ours(factory, kwargs, n), theirs(torch_name, torch_kwargs, n)],
                                               repeats, inner)
                bound = (3 + 2 * buffers) * 4 * n / rate  # read p, g, buffers; write p, buffers
                bounds = f"{bound * 1e3:8.3f}ms {t_ours / bound:10.2f}" if n >= 10**6 else f"{'-':>10s} {'-':>10s}"
                print(f"{label:22s} {t_ours * 1e3:8.3f}ms {t_torch * 1e3:8.3f}ms {t_ours / t_torch:10.2f} {bounds}")


if __name__ == "__main__":
    main()
