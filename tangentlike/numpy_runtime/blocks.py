"""Cache-sized blocks: an elementwise gradient worked through in blocks of its array
arguments (api.py wraps in `in_blocks` a gradient that elementwise.py finds elementwise).

Receives the gradient function, its arguments and the positions of the arrays to cut
into blocks.  Writes none of its arguments (the function is given slices of them, views,
which generated gradients only read).  Returns the function's own result when the
arrays are not cut, else a fresh array of their shape, equal to the bit to the result
the function gives on the whole arrays.  `BLOCK`, read here at each call, is the most
elements of a block: change it in this submodule (the package's `BLOCK` is a copy).
"""

import math

import numpy as np


BLOCK = 1 << 16       # most elements in a block: its temporaries stay in the CPU's caches


def in_blocks(function, args, blocked):
    """`function(*args)` for a function elementwise in the arrays `args[i]`, `i` in
    `blocked` (the gradient of a sum of elementwise terms): worked through in equal
    blocks of at most BLOCK elements when those are NumPy arrays of one shape, laid
    out in C order, larger than one block, so that the many temporaries of a block
    stay in cache instead of each making a pass over memory.  Any other arguments
    (Dask, CuPy, shapes that broadcast, small arrays) are passed through whole.  The
    result is the same to the bit."""
    arrays = [args[i] for i in blocked]
    first = arrays[0]
    if not all(a.__class__ is np.ndarray and a.flags.c_contiguous and a.shape == first.shape
               for a in arrays) or first.size <= BLOCK:
        return function(*args)
    step = math.ceil(first.size / math.ceil(first.size / BLOCK))    # equal blocks
    flat = [a.reshape(-1) for a in arrays]                      # views, no copies
    pieces = list(args)
    out = None
    for start in range(0, first.size, step):
        for i, a in zip(blocked, flat):
            pieces[i] = a[start:start + step]
        result = function(*pieces)
        if out is None:                  # (a number stands for an array of the arguments')
            out = np.empty(first.size, dtype=result.dtype if result.__class__ is np.ndarray
                           else np.result_type(result, first.dtype))
        out[start:start + step] = result
    return out.reshape(first.shape)
