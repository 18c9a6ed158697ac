"""Figures of f and f' (extra ``plot``: matplotlib). Figures are made without pyplot: no
display is needed and nothing has to be closed."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._catalog import Activation, get, resolve, specs


def _figure(**kw: Any) -> Any:
    """A matplotlib Figure outside pyplot's global state (no GUI, nothing to close)."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("actlab.plot needs matplotlib: pip install 'actlab[plot]'") from None
    return Figure(**kw)


def _acts(names_or_acts: str | Activation | Sequence[str | Activation]) -> list[Activation]:
    items = [names_or_acts] if isinstance(names_or_acts, str | Activation) else list(names_or_acts)
    if not items:
        raise ValueError("plot: give at least one activation name")
    acts = [get(a) for a in items]
    for a in acts:
        if a.kind != "elementwise":
            raise ValueError(
                f"plot: {a.name} is a {a.kind} activation; plot draws elementwise "
                "f and f' (a vector activation has no curve)"
            )
    return acts


def _draw(ax: Any, act: Activation, x: np.ndarray, derivative: bool, label: str | None) -> None:
    y = act.derivative(x) if derivative else act(x)
    (line,) = ax.plot(x, y, label=label, lw=1.6)
    for k, dk in act.kinks:  # kinks: the convention's value, as a dot
        if x[0] <= k <= x[-1]:
            ax.plot([k], [dk if derivative else float(act(k))], "o", ms=4, color=line.get_color())
    if not derivative:  # horizontal asymptotes: finite limits at ±inf
        for lim in act(np.array([-np.inf, np.inf])):
            if math.isfinite(lim):
                ax.axhline(lim, ls=":", lw=0.8, color=line.get_color())
    ax.axhline(0, color="0.8", lw=0.6, zorder=0)
    ax.axvline(0, color="0.8", lw=0.6, zorder=0)


def plot(
    names_or_acts: str | Activation | Sequence[str | Activation],
    derivative: bool = True,
    x_range: tuple[float, float] = (-5.0, 5.0),
    ax: Any = None,
    points: int = 1001,
) -> Any:
    """A figure of f (left) and f' (right) for one or more activations, overlaid when several;
    kinks are marked with their convention's value, finite asymptotes dotted. ``ax``: draw f into
    this Axes (and no f'). Save with ``fig.savefig("act.png")`` or ``.svg``.
    """
    acts = _acts(names_or_acts)
    lo, hi = x_range
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"plot: x_range must be two finite numbers lo < hi, got {x_range!r}")
    if points < 2:
        raise ValueError(f"plot: points must be >= 2, got {points}")
    x = np.linspace(lo, hi, points)
    if ax is not None:
        for a in acts:
            _draw(ax, a, x, False, a.name)
        return ax.figure
    ncols = 2 if derivative else 1
    fig = _figure(figsize=(5 * ncols, 3.6))
    axes = fig.subplots(1, ncols, squeeze=False)
    for a in acts:
        _draw(axes[0, 0], a, x, False, a.name)
        if derivative:
            _draw(axes[0, 1], a, x, True, a.name)
    title = acts[0].name if len(acts) == 1 else "comparison"
    axes[0, 0].set_title(f"{title}: f(x)" if len(acts) == 1 else "f(x)")
    if derivative:
        axes[0, 1].set_title("f'(x)")
    if len(acts) > 1:
        axes[0, 0].legend(fontsize=8)
    for a_ in axes[0]:
        a_.set_xlabel("x")
    fig.tight_layout()
    return fig


def plot_catalog(x_range: tuple[float, float] = (-4.0, 4.0), cols: int = 6) -> Any:
    """One cheat-sheet figure: every elementwise activation, f solid and f' dashed."""
    names = [s.name for s in specs() if s.kind == "elementwise" and not s.stochastic]
    names += [s.name for s in specs() if s.kind == "elementwise" and s.stochastic]
    rows = math.ceil(len(names) / cols)
    fig = _figure(figsize=(2.6 * cols, 2.0 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    x = np.linspace(*x_range, 401)
    for ax, name in zip(axes.flat, names, strict=False):
        act = resolve(name).example_activation()
        ax.plot(x, act(x), lw=1.4, label="f")
        ax.plot(x, act.derivative(x), lw=1.0, ls="--", label="f'")
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=6)
        ax.axhline(0, color="0.85", lw=0.5, zorder=0)
    for ax in list(axes.flat)[len(names) :]:
        ax.axis("off")
    fig.tight_layout()
    return fig
