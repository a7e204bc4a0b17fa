"""The optional passes, each a module whose docstring is its contract (what it
requires, what it rewrites, why that preserves the result), in the order the
pipeline runs them (pipeline.FORMS; `pipeline.OPTIONAL` names them):

    elementwise-sweep  elementwise_sweep.py  picks the "grad-elementwise" form
    recompute          recompute.py          the restore plan of every reverse form
    simplify           simplify.py           both sweeps, as they are assembled
    in-place           in_place.py           the backward sweeps of "grad", "split", "joint"
    gradient-only      gradient_only.py      the "grad" form's joint function
    named-parts        named_parts.py        every form over arrays
    release-arrays     release_arrays.py     every form over arrays
    blocks             elementwise_sweep.py  the "grad-elementwise" form, last

Beside them, the mandatory passes: hvp.py (the "hvp" form: the tangent of the
gradient only) and tidy.py (every form: no tape binding nothing reads, no `del`
right before `return`); and what the passes share: effects.py (what code reads and
writes), dead_stores.py (stores nothing reads, removed), arrays.py (the pipeline's
side of named-parts and release-arrays).
"""
