"""Time one update of every mlcourse.optim optimizer against torch.optim; print a table.

    .venv/bin/python benchmarks/optim.py [--quick] [--against DIR]

For float32 parameters of 2 elements (the widgets' case), 2,410 (the digits MLP of
chapters 2 and 3, the largest vector in the course), 10^6 and 10^7, it prints the
median time per update of ours and of torch.optim (``foreach=True``, one thread),
their ratio, and, from 10^6 on, a memory-bandwidth bound measured in the same run:
the bytes an update must move at the least (read params, grads and every state
buffer, write params and every buffer) divided by the best rate of a NumPy copy or
add on arrays of that size. Targets: ours/torch <= 1.5 at 10^7 and <= 0.5 on 2
params. No asserts: the machine may be shared, the numbers are noisy; each size ends
with a line saying how noisy (the spread of the repeats).

``--against DIR`` also times the mlcourse.optim of another checkout (say
``git worktree add /tmp/main main``, or ``git archive main mlcourse | tar -x -C DIR``),
interleaved with ours in the same run, and adds the columns "before" and
"ours/before": the fair way to measure a change on a busy machine.

The optimizers and the settings timed are the registry's (tests/optim_cases.py).
"""

import argparse
import importlib.util
import pathlib
import sys
import time

import numpy as np
import torch

from mlcourse import optim

ROOT = pathlib.Path(__file__).resolve().parents[1]


def load(name, path, package_dir=None):
    """Import the file ``path`` as module ``name`` (a package when ``package_dir`` is given)."""
    locations = None if package_dir is None else [str(package_dir)]
    spec = importlib.util.spec_from_file_location(name, path, submodule_search_locations=locations)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def median_times(steps, repeats, inner):
    """Per step: (median over ``repeats`` of the mean time of ``inner`` calls, spread).

    The steps take turns within each repeat, so that a change in the machine's load
    (it may be shared) affects them alike. The spread is the interquartile range of
    the repeats over their median.
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
    return [(float(np.median(seen)), float(np.subtract(*np.percentile(seen, [75, 25])) / np.median(seen)))
            for seen in times]


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


def ours(module, name, settings, n):
    opt = getattr(module, name)(**settings)
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


def buffers(name, settings):
    """How many state arrays the update reads and writes."""
    state = getattr(optim, name)(**settings).init(np.zeros(1, np.float32))
    return sum(isinstance(b, np.ndarray) for b in state)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats; 2, 2,410 and 10^6 parameters only")
    parser.add_argument("--against", type=pathlib.Path, metavar="DIR",
                        help="also time DIR/mlcourse/optim (a checkout to compare with), in the same run")
    args = parser.parse_args()
    cases = load("optim_cases", ROOT / "tests" / "optim_cases.py").CASES
    before = None
    if args.against is not None:
        package = args.against / "mlcourse"
        before = load("mlcourse_against", package / "__init__.py", package)
        before = load("mlcourse_against.optim", package / "optim" / "__init__.py", package / "optim")
    torch.set_num_threads(1)
    # (n, repeats, calls per repeat)
    sizes = [(2, 9, 3000), (2410, 9, 1000), (10**6, 9, 5), (10**7, 7, 2)]
    if args.quick:
        sizes = [(2, 5, 1000), (2410, 5, 300), (10**6, 3, 3)]
    print(f"torch {torch.__version__} (foreach=True, 1 thread), numpy {np.__version__}, float32; "
          "median time per update")
    rate = bandwidth(10**7)  # main memory: 40 MB arrays do not fit in cache
    print(f"memory bandwidth (best NumPy copy/add on 10^7 float32): {rate / 1e9:.1f} GB/s")
    for n, repeats, inner in sizes:
        print(f"\nn = {n:,} parameters")
        header = f"{'optimizer':22s} {'ours':>10s}"
        if before is not None:
            header += f" {'before':>10s} {'ours/before':>11s}"
        print(header + f" {'torch':>10s} {'ours/torch':>10s} {'bound':>10s} {'ours/bound':>10s}")
        spreads = []
        with torch.no_grad(), np.errstate(invalid="ignore"):  # centred RMSprop: sqrt of v - ḡ² < 0 on noise
            for case in cases:
                for label, settings in case.timed:
                    steps = [ours(optim, case.name, settings, n), theirs(case.torch_class, case.to_torch(settings), n)]
                    if before is not None:
                        steps.append(ours(before, case.name, settings, n))
                    timed = median_times(steps, repeats, inner)
                    spreads += [spread for _, spread in timed]
                    (t_ours, _), (t_torch, _) = timed[:2]
                    row = f"{label:22s} {t_ours * 1e3:8.4f}ms"
                    if before is not None:
                        row += f" {timed[2][0] * 1e3:8.4f}ms {t_ours / timed[2][0]:11.2f}"
                    row += f" {t_torch * 1e3:8.4f}ms {t_ours / t_torch:10.2f}"
                    if n >= 10**6:
                        bound = (3 + 2 * buffers(case.name, settings)) * 4 * n / rate  # read p, g, buffers; write p, buffers
                        row += f" {bound * 1e3:8.3f}ms {t_ours / bound:10.2f}"
                    else:
                        row += f" {'-':>10s} {'-':>10s}"
                    print(row)
        print(f"noise: the repeats' interquartile range is {np.median(spreads):.0%} of their median "
              f"(median over the cells; largest {np.max(spreads):.0%})")


if __name__ == "__main__":
    main()
