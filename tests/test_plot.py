"""Plots: the drawn data is the function's values; files are PNG or SVG by extension."""

from __future__ import annotations

import io

import numpy as np
import pytest

import actlab
from tests.conftest import ELEMENTWISE

pytest.importorskip("matplotlib")


def test_plot_draws_f_and_derivative() -> None:
    fig = actlab.plot("gelu", x_range=(-4, 4))
    f_ax, d_ax = fig.axes
    x, y = f_ax.lines[0].get_xdata(), f_ax.lines[0].get_ydata()
    assert x[0] == -4 and x[-1] == 4
    np.testing.assert_array_equal(y, actlab.gelu(x))
    np.testing.assert_array_equal(d_ax.lines[0].get_ydata(), actlab.get("gelu").derivative(x))


def test_kinks_and_asymptotes_are_drawn() -> None:
    fig = actlab.plot("hard_swish")
    d_ax = fig.axes[1]
    dots = {
        (float(line.get_xdata()[0]), float(line.get_ydata()[0]))
        for line in d_ax.lines
        if len(line.get_xdata()) == 1
    }
    assert {(-3.0, 0.0), (3.0, 1.0)} <= dots  # the kink conventions
    f_ax = actlab.plot("sigmoid").axes[0]
    hlines = {float(line.get_ydata()[0]) for line in f_ax.lines if line.get_linestyle() == ":"}
    assert {0.0, 1.0} <= hlines


def test_comparison_overlays_and_saves_png_and_svg(tmp_path: object) -> None:
    fig = actlab.plot(["relu", "gelu", "silu"], derivative=False)
    assert len(fig.axes) == 1
    labels = [
        line.get_label() for line in fig.axes[0].lines if not line.get_label().startswith("_")
    ]
    assert labels == ["relu", "gelu", "silu"]
    png, svg = io.BytesIO(), io.BytesIO()
    fig.savefig(png, format="png")
    fig.savefig(svg, format="svg")
    assert png.getvalue()[:8] == b"\x89PNG\r\n\x1a\n" and b"<svg" in svg.getvalue()[:400]


def test_plot_catalog_has_every_elementwise_activation() -> None:
    fig = actlab.plot_catalog()
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert sorted(titles) == sorted(s.name for s in ELEMENTWISE)
    ax = next(a for a in fig.axes if a.get_title() == "mish")
    x = ax.lines[0].get_xdata()
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), actlab.mish(x))


def test_plot_errors() -> None:
    with pytest.raises(ValueError, match="plot: softmax is a vector activation"):
        actlab.plot("softmax")
    with pytest.raises(ValueError, match="x_range must be two finite numbers lo < hi"):
        actlab.plot("relu", x_range=(3, -3))
    with pytest.raises(ValueError, match="unknown activation"):
        actlab.plot("rleu")
