"""A sibling module imported by demo.py."""


def square(x):
    return x * x
