"""The ``actlab`` command (extra ``cli``: typer + rich). It parses and prints; the library
decides. Exit codes: 0 success, 1 a bad value (unknown activation, invalid parameter), 2 a
usage error (typer's own)."""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import numpy as np

try:
    import typer
    from rich.console import Console
    from rich.table import Table
except ImportError:  # pragma: no cover - exercised by the missing-extra message
    print("the actlab command needs its CLI extra: pip install 'actlab[cli]'", file=sys.stderr)
    raise SystemExit(1) from None

from . import _analysis
from ._catalog import Activation, get, resolve, specs
from ._cli_define import install as _install_define

app = typer.Typer(
    help="actlab — every activation function, exact. Measure, don't guess.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _console() -> Console:
    # markup off: formulas contain brackets (E[f(z)²]) that rich would read as tags
    return Console(highlight=False, markup=False)


def _fail(message: str) -> NoReturn:
    """One line on stderr (never wrapped, so a pipe or a log keeps it whole), then exit 1."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def _parse_value(text: str) -> Any:
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("none", "null"):
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _params(pairs: list[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs or []:
        if "=" not in pair:
            _fail(f"--param takes k=v, got {pair!r}")
        k, v = pair.split("=", 1)
        out[k.strip()] = _parse_value(v.strip())
    return out


def _get(name: str, params: dict[str, Any], example: bool = False) -> Activation:
    """The activation, or exit 1 with actlab's message. ``example``: fill in the spec's example
    parameters (required ones, a seed) where the user gave none."""
    try:
        if example:
            act: Activation = resolve(name).example_activation(**params)
            return act
        return get(name, **params)
    except (ValueError, TypeError) as exc:
        _fail(str(exc))
    raise AssertionError("unreachable")  # _fail raises


def _fmt(v: float) -> str:
    if isinstance(v, float) and math.isinf(v):
        return "∞" if v > 0 else "−∞"
    return f"{v:.6g}"


def _smooth(v: float) -> str:
    return {-1: "jump", 0: "C⁰", 1: "C¹", 2: "C²"}.get(int(v), "C∞") if math.isfinite(v) else "C∞"


# ----------------------------------------------------------------------------- list


@app.command("list")
def list_(
    kind: Annotated[str | None, typer.Option(help="elementwise, vector or gated")] = None,
    sort: Annotated[str, typer.Option(help="name or cost")] = "name",
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """Every activation: range, monotonic, zero-centred, smoothness, saturation, cost, init.

    Example: actlab list --kind elementwise --sort cost
    """
    if kind is not None and kind not in ("elementwise", "vector", "gated"):
        _fail(f"--kind must be elementwise, vector or gated, got {kind!r}")
    if sort not in ("name", "cost"):
        _fail(f"--sort must be name or cost, got {sort!r}")
    rows: list[dict[str, Any]] = []
    for spec in specs():
        if kind is not None and spec.kind != kind:
            continue
        act = _get(spec.name, {}, example=True)
        f = act.facts
        # the cost protocol only where it is defined (elementwise) and only when asked for
        cost = (
            _analysis._measure.cost_protocol(act)
            if spec.kind == "elementwise" and (sort == "cost" or as_json)
            else None
        )
        rows.append(
            {
                "name": spec.name,
                "kind": spec.kind,
                "range": str(f.range),
                "monotonic": f.monotonic,
                "zero_centred": f.zero_centred,
                "smoothness": _smooth(f.smoothness),
                "saturates": list(f.saturates),
                "cost": None if cost is None else round(cost.ratio, 2),
                "cost_low": None if cost is None else round(cost.low, 2),
                "cost_high": None if cost is None else round(cost.high, 2),
                "init": f.init,
            }
        )
    if sort == "cost":
        rows.sort(key=lambda r: (r["cost"] is None, r["cost"] or 0.0, r["name"]))
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    typer.echo(list_table(rows, costs=sort == "cost"))


def list_table(rows: list[dict[str, Any]], costs: bool, width: int | None = None) -> str:
    """``actlab list`` as plain text: every name and value whole at any width."""
    from ._table import Column, render

    cols = [
        Column("name"),
        Column("kind", drop=3),
        Column("range"),
        Column("monotonic", "mono"),
        Column("zero-centred", "zero-c"),
        Column("smooth", "C"),
        Column("saturates", "sat", drop=2),
        Column("init", drop=1),
    ]
    if costs:
        cols += [Column("cost", right=True), Column("spread", drop=4)]
    cells = []
    for r in rows:
        line = [
            r["name"],
            r["kind"],
            r["range"],
            "yes" if r["monotonic"] else "no",
            "yes" if r["zero_centred"] else "no",
            r["smoothness"],
            ",".join(r["saturates"]) or "—",
            r["init"],
        ]
        if costs:
            none = r["cost"] is None
            line += [
                "—" if none else f"{r['cost']:.2f}",
                "—" if none else f"{r['cost_low']:.2f}–{r['cost_high']:.2f}",
            ]
        cells.append(line)
    title = f"{len(rows)} activations"
    notes = ["smooth: C⁰ continuous, C¹ once differentiable, C∞ smooth, jump: discontinuous"]
    if costs:
        notes.append(
            "cost: forward + derivative time / relu's (relu = 1.00), median of 5 back-to-back "
            "rounds; spread: their min–max"
        )
    return render(cols, cells, title=title, notes=notes, max_width=width, elsewhere="--json")


# ----------------------------------------------------------------------------- show


def ascii_plot(
    act: Activation, lo: float = -5.0, hi: float = 5.0, width: int = 56, height: int = 12
) -> list[str]:
    """A small terminal plot of f on [lo, hi]: one '*' per column, axes as '|' and '-'."""
    x = np.linspace(lo, hi, width)
    y = np.asarray(act(x), dtype=float)
    ok = np.isfinite(y)
    if not ok.any():
        return ["(no finite values to plot)"]
    ymin, ymax = float(np.min(y[ok])), float(np.max(y[ok]))
    if ymax - ymin < 1e-12:
        ymin, ymax = ymin - 1, ymax + 1
    grid = [[" "] * width for _ in range(height)]

    def row(v: float) -> int:
        return round((ymax - v) / (ymax - ymin) * (height - 1))

    if ymin <= 0 <= ymax:
        r0 = row(0.0)
        grid[r0] = ["-"] * width
    c0 = round((0 - lo) / (hi - lo) * (width - 1))
    if 0 <= c0 < width:
        for r in range(height):
            grid[r][c0] = "+" if grid[r][c0] == "-" else "|"
    for c in range(width):
        if ok[c]:
            grid[row(float(y[c]))][c] = "*"
    lines = ["".join(g) for g in grid]
    lines[0] += f"  {ymax:.3g}"
    lines[-1] += f"  {ymin:.3g}"
    lines.append(f"x ∈ [{lo:g}, {hi:g}]")
    return lines


@app.command()
def show(
    name: Annotated[str, typer.Argument(help="activation name or alias")],
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="k=v")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """Formula, derivative, facts, peers, kinks, a terminal plot and the measured analysis.

    Example: actlab show gelu --param approximate=tanh
    """
    act = _get(name, _params(param), example=True)
    spec, facts = act.spec, act.facts
    analysis = None
    if act.kind == "elementwise":
        analysis = _analysis.analyze(act)
    torch_module = spec.peers.torch.module if spec.peers.torch else None
    if as_json:
        out = {
            "name": act.name,
            "params": {k: repr(v) for k, v in act.params.items()},
            "kind": act.kind,
            "summary": spec.summary,
            "latex": spec.latex,
            "derivative_latex": spec.derivative_latex,
            "formula": spec.text,
            "derivative": spec.derivative_text,
            "range": str(facts.range),
            "monotonic": facts.monotonic,
            "zero_centred": facts.zero_centred,
            "smoothness": _smooth(facts.smoothness),
            "saturates": list(facts.saturates),
            "uses": list(facts.uses),
            "pros": list(facts.pros),
            "cons": list(facts.cons),
            "init": facts.init,
            "kinks": [list(k) for k in act.kinks],
            "peers": {k: p.name for k, p in spec.peers.items()},
            "torch_module": torch_module,
            "references": [str(r) for r in spec.references],
        }
        if analysis is not None:
            out["analysis"] = {
                "range": str(analysis.range),
                "E[f]": analysis.expectations.mean,
                "E[f^2]": analysis.expectations.second_moment,
                "E[f']": analysis.expectations.mean_derivative,
                "E[f'^2]": analysis.expectations.derivative_second_moment,
                "max|f'|": analysis.max_abs_derivative,
                "gain": analysis.gain,
                "chi": analysis.flow.chi,
                "depth_1e6": analysis.flow.depth_1e6,
                "dead_mass": analysis.dead_mass,
                "saturation_mass": analysis.saturation_mass,
            }
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False, default=str))
        return
    con = _console()
    con.print(f"{act!r} — {spec.summary}", style="bold")
    con.print(f"  {spec.text}")
    con.print(f"  {spec.derivative_text}")
    con.print(f"  LaTeX f:  {spec.latex}")
    con.print(f"  LaTeX f': {spec.derivative_latex}")
    con.print(
        f"  range {facts.range}; monotonic {'yes' if facts.monotonic else 'no'}; "
        f"zero-centred {'yes' if facts.zero_centred else 'no'}; "
        f"{_smooth(facts.smoothness)}; saturates: {', '.join(facts.saturates) or 'no'}; "
        f"init {facts.init}"
    )
    for k, v in act.kinks:
        con.print(f"  kink at x = {k:g}: f' = {v:g}")
    con.print("  uses: " + "; ".join(facts.uses))
    con.print("  pros: " + "; ".join(facts.pros))
    con.print("  cons: " + "; ".join(facts.cons))
    for fw, peer in spec.peers.items():
        con.print(f"  {fw}: {peer.name}" + (f"  ({peer.note})" if peer.note else ""))
    if torch_module:
        cls = torch_module.rpartition(".")[2]
        con.print(f"  torch module: {torch_module} (drop-in: actlab.torch.{cls})")
    else:
        con.print(f"  torch module: actlab.torch.module({act.name!r}) (none in torch.nn)")
    for r in spec.references:
        con.print(f"  ref: {r}")
    if analysis is not None:
        e = analysis.expectations
        con.print(
            f"  measured: range {analysis.range}, max|f'| = {analysis.max_abs_derivative:.4g}"
            f", E[f] = {e.mean:.4g}, E[f²] = {e.second_moment:.4g}, E[f'²] = "
            f"{e.derivative_second_moment:.4g}, exact gain = {analysis.gain:.4g}, "
            f"χ = {analysis.flow.chi:.4g}, P(dead) = {analysis.dead_mass:.3g}"
        )
        for line in ascii_plot(act):
            con.print("  " + line)


# ----------------------------------------------------------------------------- plot


@app.command()
def plot(
    names: Annotated[list[str], typer.Argument(help="one or more activations")],
    out: Annotated[Path, typer.Option("--out", "-o", help="PNG or SVG file")],
    derivative: Annotated[bool, typer.Option("--derivative/--no-derivative")] = True,
    x_range: Annotated[tuple[float, float], typer.Option("--range", help="x from, x to")] = (
        -5.0,
        5.0,
    ),
) -> None:
    """Write a figure of f and f' (several names: overlaid).

    Example: actlab plot relu gelu silu --out cmp.svg --range -4 4
    """
    from ._plot import plot as draw

    if out.suffix.lower() not in (".png", ".svg", ".pdf"):
        _fail(f"--out must end in .png, .svg or .pdf, got {out.name!r}")
    acts = [_get(n, {}, example=True) for n in names]
    try:
        fig = draw(acts, derivative=derivative, x_range=x_range)
    except (ValueError, TypeError) as exc:
        _fail(str(exc))
    from ._io import save_figure

    with _faults():
        save_figure(fig, out)
    typer.echo(f"wrote {out}")


# ----------------------------------------------------------------------------- gain


@app.command("gain")
def gain_(
    name: Annotated[str, typer.Argument(help="activation name or alias")],
    convention: Annotated[str, typer.Option(help="exact or pytorch")] = "exact",
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="k=v")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The init gain: exact (variance-preserving) or PyTorch's calculate_gain.

    Example: actlab gain tanh --convention pytorch
    """
    act = _get(name, _params(param))
    try:
        g = _analysis.gain(act, convention=convention)
    except (ValueError, TypeError) as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps({"name": act.name, "convention": convention, "gain": g}))
    else:
        typer.echo(f"{act.name}: {convention} gain {g:.10g}")


# ----------------------------------------------------------------------------- recommend


def print_recommendation(con: Console, r: _analysis.Recommendation) -> None:
    con.print(f"{r.layer} layer → {r.activation!r}", style="bold")
    if r.init is not None:
        con.print(
            f"  init: {r.init.scheme} family, std = {r.init.gain:.4g}/sqrt({r.init.mode})"
            + (f"; {r.init_note}" if r.init_note else "")
        )
    if r.loss:
        con.print(f"  loss: {r.loss}")
    for reason in r.reasons:
        con.print(f"  why: {reason}")
    if r.alternatives:
        con.print("  alternatives: " + ", ".join(r.alternatives))
    for c in r.checks:
        con.print(f"  check: {c}")
    for f in r.fixes:
        con.print(f"  try: {f}")


@app.command()
def recommend(
    layer: Annotated[str, typer.Option(help="hidden or output")] = "hidden",
    task: Annotated[str | None, typer.Option(help=", ".join(_analysis.TASKS))] = None,
    architecture: Annotated[
        str | None, typer.Option(help=", ".join(_analysis.ARCHITECTURES))
    ] = None,
    depth: Annotated[int | None, typer.Option(help="number of layers")] = None,
    symptom: Annotated[list[str] | None, typer.Option(help=", ".join(_analysis.SYMPTOMS))] = None,
    current: Annotated[str | None, typer.Option(help="the activation you use now")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Which activation to use, with init, loss, alternatives and reasons.

    Example: actlab recommend --layer output --task multiclass
    """
    try:
        r = _analysis.recommend(
            layer=layer,
            task=task,
            architecture=architecture,
            depth=depth,
            symptoms=tuple(symptom or ()),
            current=current,
        )
    except (ValueError, TypeError) as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(r.to_dict(), indent=2, ensure_ascii=False))
    else:
        print_recommendation(_console(), r)


# ----------------------------------------------------------------------------- demo


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="where to write the cheat-sheet figure")] = Path(
        "runs/catalog.png"
    ),
) -> None:
    """The catalog at a glance, the advisor on typical cases, and a cheat-sheet figure."""
    con = _console()
    title = f"actlab: {len(specs())} activations — f(−2), f(0), f(2), f'(0), declared range"
    table = Table(title=title)
    for col in ("name", "kind", "f(-2)", "f(0)", "f(2)", "f'(0)", "range"):
        table.add_column(col)
    xs = np.array([-2.0, 0.0, 2.0])
    for spec in specs():
        act = _get(spec.name, {}, example=True)
        if spec.kind == "elementwise":
            y, d0 = act(xs), _fmt(float(act.derivative(0.0)))
        else:  # vector: f of [-2, 0, 2]; gated: f of [-2, 0, 2, 4] (3 of its outputs shown)
            shorter = spec.kind == "gated" or spec.out_size is not None  # glu, maxout: 6 entries
            row = np.array([-2.0, 0.0, 2.0, 4.0, 1.0, -1.0]) if shorter else xs
            y, d0 = np.asarray(act(row))[:3], "Jacobian"
        table.add_row(spec.name, spec.kind, *(_fmt(float(v)) for v in y), d0, str(act.facts.range))
    con.print(table)
    cases: list[dict[str, Any]] = [
        {"layer": "hidden"},
        {"layer": "hidden", "architecture": "transformer"},
        {"layer": "hidden", "depth": 50},
        {"layer": "output", "task": "multiclass"},
        {"layer": "output", "task": "multilabel"},
        {"layer": "hidden", "symptoms": ("dead_units",)},
    ]
    for case in cases:
        args = ", ".join(f"{k}={v!r}" for k, v in case.items())
        con.print(f"\nactlab.recommend({args})", style="dim")
        print_recommendation(con, _analysis.recommend(**case))
    from ._io import save_figure
    from ._plot import plot_catalog

    with _faults():
        save_figure(plot_catalog(), out, dpi=90)
    con.print(f"\nwrote {out} (f and f' of every elementwise activation)")


# ----------------------------------------------------------------------------- the lab
# compare, report and export live in _cli_lab (registered on this app when it is imported)


@contextmanager
def _faults() -> Iterator[None]:
    """Bad values, filesystem and database faults: one line, exit 1. Ctrl-C: what landed is
    stored; exit 130 (SIGTERM: 143)."""
    import sqlite3

    try:
        yield
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", 2)
        Console(stderr=True, highlight=False, markup=False).print(
            "interrupted: finished runs are in the store; run the same command to resume"
        )
        raise typer.Exit(128 + signum) from None
    except (ValueError, TypeError, OSError, sqlite3.Error) as exc:
        _fail(str(exc) if not isinstance(exc, sqlite3.Error) else f"database: {exc}")


def _writable(out: Path) -> None:
    """Fail before training when the report cannot be written where asked (nothing is
    created here: the folder is made when the report is written)."""
    if out.is_dir():
        raise OSError(f"cannot write {str(out)!r}: it is a folder")
    if out.exists():
        if not os.access(out, os.W_OK) or not os.access(out.parent, os.W_OK):
            raise OSError(f"cannot write {str(out)!r}: it is read-only")
        return
    for up in out.parents:
        if up.exists() or str(up) in ("", "."):
            if up.exists() and not up.is_dir():
                raise OSError(f"cannot write {str(out)!r}: {str(up)!r} is a file, not a folder")
            if not os.access(up, os.W_OK):
                raise OSError(f"cannot write {str(out)!r}: {str(up)!r} is read-only")
            return


# user-defined activations: ``actlab define`` and the ``--defs FILE`` option (_cli_define)
_install_define(app, _console, _params, _smooth)


def main() -> None:
    app()


# registered on app when imported: the lab's commands, and actlab serve
from . import _cli_lab, _cli_serve  # noqa: E402,F401
