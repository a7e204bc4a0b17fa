"""An exception raised inside generated code names the user's line it comes from."""

import numpy as np
import pytest

import debug_functions as df
import tangentlike as tl


def test_backward_failure_names_the_original_line():
    with pytest.raises(ZeroDivisionError) as info:
        tl.grad(df.sqrt_at_zero)(0.0)
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "backward sweep" in notes
    assert "y = math.sqrt(x)  (line 9)" in notes
    assert "generated line" in notes and "/ y" in notes


def test_primal_failure_points_at_the_generated_line():
    with pytest.raises(ValueError) as info:
        tl.grad(df.log_of_negative)(-1.0)
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "raised in generated code" in notes and "math.log(x)" in notes


def test_source_is_a_string_with_an_html_view_for_notebooks():
    text = tl.source(df.sqrt_at_zero)
    assert isinstance(text, str) and "def value_and_grad_sqrt_at_zero" in text
    html = text._repr_html_()
    assert "<" in html and "value_and_grad_sqrt_at_zero" in html


def test_source_given_arguments_in_place_of_mode_says_where_they_go():
    with pytest.raises(tl.TangentlikeError, match=r"args=\(\.\.\.\)"):
        tl.source(df.sqrt_at_zero, np.ones(3))


def test_check_nans_names_the_line_whose_derivative_is_not_finite():
    f = tl.grad(df.sqrt_then_scale, check_nans=True)
    assert f(4.0) == 0.75
    with pytest.raises(tl.NonFiniteError) as info:
        tl.grad(df.np_sqrt_sum, check_nans=True)(np.array([1.0, 0.0]))
    assert "np.sqrt(x)" in str(info.value) and "debug_functions.py:" in str(info.value)
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "generated line" in notes and "check_finite" in notes
    # without the option the same call just returns an infinite gradient
    assert np.isinf(tl.grad(df.np_sqrt_sum)(np.array([1.0, 0.0]))[1])


def test_forward_mode_failure_names_the_original_line():
    with pytest.raises(ValueError) as info:
        tl.jvp(df.log_of_negative, (-1.0,), (1.0,))
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "raised in forward mode, by the derivative of" in notes
    assert "math.log(x)" in notes and "generated line" in notes
