"""Functions that tangentlike's check stage must reject, one per construct.

Each function marks the line of its (first) unsupported construct with a trailing
`# BAD` comment; tests/test_check.py reads that line number from the source.
"""
# flake8: noqa

import math

counter = 0


def bad_try(x):
    y = x * 2
    try:  # BAD
        y = math.log(x)
    except ValueError:
        y = 0.0
    return y


def bad_with(x, path):
    with open(path) as handle:  # BAD
        handle.write(str(x))
    return x


def bad_yield(x):
    for i in range(3):
        yield x * i  # BAD


def bad_yield_from(x):
    yield from [x, x]  # BAD


def bad_async_def(x):
    async def helper():  # BAD
        return x
    return x


def bad_global(x):
    global counter  # BAD
    counter = x
    return x


def make_bad_nonlocal():
    total = 0.0

    def bad_nonlocal(x):
        nonlocal total  # BAD
        total = total + x
        return total
    return bad_nonlocal


bad_nonlocal = make_bad_nonlocal()


def bad_class(x):
    class Box:  # BAD
        value = 1
    return x


def bad_del(x):
    y = x * 2
    del y  # BAD
    return x


def bad_import(x):
    import math as m  # BAD
    return m.sin(x)


def bad_import_from(x):
    from math import sin  # BAD
    return sin(x)


def bad_nested_def(x):
    return (lambda t: t * t)(x)  # BAD


def bad_walrus(x):
    if (y := x * 2) > 1:  # BAD
        return y
    return x


def bad_match(x, mode):
    match mode:  # BAD
        case "double":
            return 2 * x
        case _:
            return x


def bad_set(x):
    seen = {x, 2 * x}  # BAD
    return len(seen) * x


def bad_set_comp(xs):
    seen = {v * v for v in xs}  # BAD
    return len(seen)


def bad_dict_comp(xs):
    squares = {i: v * v for i, v in enumerate(xs)}  # BAD
    return squares[0]


def bad_starred_target(xs):
    first, *rest = xs  # BAD
    return first


def bad_starred_loop_target(pairs):
    total = 0.0
    for first, *rest in pairs:  # BAD
        total = total + first
    return total


def bad_attribute_assign(obj, x):
    obj.value = x * 2  # BAD
    return x


def bad_attribute_augassign(obj, x):
    obj.value += x  # BAD
    return x


def bad_attribute_in_unpacking(obj, x):
    obj.value, y = x, x  # BAD
    return y


def bad_subscript_of_attribute(obj, x):
    obj.items[0] = x  # BAD
    return x


def bad_item_of_item_of_attribute(obj, x):
    obj.rows[0][1] = x  # BAD
    return x


def bad_unpack_into_subscript(xs, x):
    xs[0], y = x, x  # BAD
    return y


def bad_for_else(xs):
    total = 0.0
    for v in xs:  # BAD
        total = total + v
    else:
        total = total * 2
    return total


def bad_while_else(x):
    while x > 1:  # BAD
        x = x / 2
    else:
        x = x + 1
    return x


def bad_loop_target_subscript(xs, ys):
    for xs[0] in ys:  # BAD
        pass
    return xs


def bad_star_args_call(xs):
    return math.hypot(*xs)  # BAD


def bad_kwargs_call(x, options):
    return round(x, **options)  # BAD


def bad_star_in_display(xs, x):
    ys = [x, *xs]  # BAD
    return ys


def bad_dict_unpacking(d, x):
    e = {"x": x, **d}  # BAD
    return e


def bad_varargs(*xs):  # BAD
    return xs[0]


def bad_kwargs(x, **options):  # BAD
    return x


def bad_augassign_bitor(x, n):
    n |= 1  # BAD
    return x * n


def bad_annotation_without_value(x):
    y: float  # BAD
    y = x
    return y


def bad_annotated_subscript(xs, x):
    xs[0]: float = x  # BAD
    return xs


def bad_deep_inside(xs):
    total = 0.0
    for v in xs:
        if v > 0:
            while total < 10:
                total = total + (lambda t: t)(v)  # BAD
    return total


def bad_first_of_two(x):
    try:  # BAD
        y = x
    except ValueError:
        y = 0
    with open("f") as h:  # later
        pass
    return y


def bad_first_on_line(x):
    # IfExp visits `test` before `body`; the lambda still comes first in the source.
    y = (lambda t: t)(x) if (z := x) else 0  # BAD
    return y
