"""Run an update rule on whole arrays, or on large arrays one cache-sized block at a time.

Each optimizer writes its update as a *rule*: a function of the parameters, the
gradient and the state buffers that returns their new values, in plain NumPy
expressions that read like the docstring's formula. Every operation of a rule is
elementwise, so a rule can be applied to consecutive slices of the arrays and give
exactly the same numbers as on the whole.

:func:`apply` does that. Arrays of at most :data:`BLOCK_BYTES` (every parameter
vector of the course: the digits MLP has 2,410 values, 19 KB) go through the rule
whole. Larger ones are cut into blocks of that size, so that the temporaries of the
rule stay in the processor's cache while the rule runs on a block, and the data cross
the memory bus about once rather than once per operation: on 10^7 float32 parameters,
Adam, RMSprop and NAdam take about half the time or less than the same rule on the
whole arrays (SGD, with few operations, gains little).
"""

import numpy as np

# Bytes per block and array: the inputs, outputs and temporaries of a rule on one
# block (a dozen arrays) fit in a core's L2 cache (2 MB here), while a block is long
# enough (32768 float32) for the per-call cost of a NumPy operation (~1 us) to be
# small next to its work. Chosen with benchmarks/optim.py: 2**16 to 2**18 differ
# little; 2**19 and more are slower for the rules with many temporaries (NAdam).
BLOCK_BYTES = 2**17


def apply(rule, params, *arrays):
    """Return ``rule(params, *arrays)``: a tuple of new arrays of ``params``' shape and dtype.

    ``arrays`` (the gradient, the state buffers) have the shape and dtype of ``params``
    (:func:`~mlcourse.optim._base.check_update` sees to it), or are ``None`` (a buffer
    the settings do not use), passed to the rule as ``None``. The rule returns one
    value per output, ``None`` for an unused one. The outputs never share memory with
    the inputs: a value the rule returns unchanged (SGD's first step keeps the
    gradient as its buffer) is copied.
    """
    if params.ndim == 0:  # NumPy turns results on 0-d arrays into scalars: use shape (1,)
        values = apply(rule, params.reshape(1), *[None if a is None else a.reshape(1) for a in arrays])
        return tuple(None if value is None else value.reshape(()) for value in values)
    if params.nbytes <= BLOCK_BYTES:
        inputs = (params, *arrays)
        return tuple(value.copy() if value is not None and any(value is a for a in inputs) else value
                     for value in rule(params, *arrays))
    block = max(1, BLOCK_BYTES // params.itemsize)
    flat = [None if a is None else a.reshape(-1) for a in (params, *arrays)]
    outputs = None
    for start in range(0, params.size, block):
        values = rule(*[None if a is None else a[start:start + block] for a in flat])
        if outputs is None:
            outputs = [None if value is None else np.empty(params.size, params.dtype) for value in values]
        for output, value in zip(outputs, values):
            if output is not None:
                output[start:start + block] = value
    return tuple(None if output is None else output.reshape(params.shape) for output in outputs)
