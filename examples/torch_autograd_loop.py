"""The torch-autograd README examples: a loop, and the same computation by recursion.

torch-autograd (Twitter's autograd for Lua Torch) shows that control flow is just
code: `a = a * a` repeated `b` times computes a ** (2 ** b), so at (3, 2) the value
is 3 ** 4 = 81 and the derivative is 4 * 3 ** 3 = 108.  The recursive version
`f(a * a, b - 1)` computes the same thing; tangentlike differentiates it by giving
each call its own forward and backward sweep.

    python examples/torch_autograd_loop.py
"""
import tangentlike as tl


def loop(a, b):
    for i in range(b):
        a = a * a
    return a


def recursive(a, b):
    if b == 0:
        return a
    return recursive(a * a, b - 1)


print("loop(3, 2) =", loop(3.0, 2), " d/da =", tl.grad(loop)(3.0, 2))                 # 81, 108
print("recursive(3, 2) =", recursive(3.0, 2), " d/da =", tl.grad(recursive)(3.0, 2))  # 81, 108
print("d/da loop(1.1, 5) =", tl.grad(loop)(1.1, 5), " = 32 * 1.1 ** 31 =", 32 * 1.1 ** 31)
print()
print(tl.source(loop, args=(3.0, 2)))
print(tl.source(recursive, args=(3.0, 2)))
