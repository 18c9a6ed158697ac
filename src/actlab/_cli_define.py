"""The CLI's side of user-defined activations: ``actlab define`` and the ``--defs FILE`` option
(every command first defines what ``actlab.toml`` in the working directory, or FILE, holds)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console


def _fail(message: str) -> None:
    Console(stderr=True, highlight=False, markup=False).print(f"error: {message}", style="red")
    raise typer.Exit(1)


def load(defs: Path | None) -> None:
    """Define what ``defs`` (or ./actlab.toml, if there is one) holds; exit 1 on a bad file."""
    from ._define import load_definitions

    if defs is not None and not defs.is_file():
        _fail(f"--defs: no such file {str(defs)!r}")
    try:
        load_definitions(defs)
    except (ValueError, TypeError) as exc:
        _fail(str(exc))
    except ImportError as exc:
        _fail(str(exc))


def install(app: typer.Typer, console: Any, params: Any, smooth: Any) -> None:
    """Add the ``--defs`` callback and the ``define`` command to ``app``."""

    @app.callback()
    def _defs(
        defs: Annotated[
            Path | None,
            typer.Option(
                "--defs",
                help="TOML file of user-defined activations (default: ./actlab.toml if present)",
            ),
        ] = None,
    ) -> None:
        """actlab — every activation function, exact. Measure, don't guess."""
        load(defs)

    @app.command()
    def define(
        name: Annotated[str, typer.Argument(help="the new activation's name")],
        formula: Annotated[str, typer.Argument(help='in x, e.g. "x*log(1+sigmoid(x))"')],
        param: Annotated[
            list[str] | None, typer.Option("--param", "-p", help="a parameter and its default, k=v")
        ] = None,
        learnable: Annotated[
            list[str] | None, typer.Option("--learnable", help="a parameter torch learns")
        ] = None,
        defs: Annotated[
            Path, typer.Option("--defs", help="the TOML file the definition is stored in")
        ] = Path("actlab.toml"),
        save: Annotated[bool, typer.Option(help="store it in the file")] = True,
        check: Annotated[bool, typer.Option(help="measure it against mpmath (~10 s)")] = True,
    ) -> None:
        """Define an activation from a formula: prints f, f', kinks, facts and its numerics.

        Example: actlab define mylogish "x*log(1+sigmoid(x))"
        """
        from ._analysis import analyze
        from ._define import FormulaError
        from ._define import check as run_check
        from ._define import define as run_define

        values = params(param)
        for k, v in values.items():
            if isinstance(v, bool) or not isinstance(v, int | float):
                _fail(f"--param {k} must be a number, got {v!r}")
        try:
            act = run_define(name, formula, values, learnable or (), save=defs if save else None)
        except FormulaError as exc:
            _fail(str(exc))
            return
        except (ValueError, TypeError, ImportError) as exc:
            _fail(str(exc))
            return
        con = console()
        spec, facts = act.spec, act.facts
        con.print(f"{act!r} — {spec.summary}", style="bold")
        con.print(f"  {spec.text}")
        con.print(f"  {spec.derivative_text}")
        con.print(f"  LaTeX f:  {spec.latex}")
        con.print(f"  LaTeX f': {spec.derivative_latex}")
        for kink, k in zip(spec.kinks, act.kinks, strict=True):
            con.print(f"  kink at x = {k[0]:g}: f' = {k[1]:g} ({kink.why})")
        a = analyze(act)
        con.print(
            f"  range {facts.range}; monotonic {'yes' if facts.monotonic else 'no'}; "
            f"zero-centred {'yes' if facts.zero_centred else 'no'}; "
            f"{smooth(facts.smoothness)}; saturates: {', '.join(facts.saturates) or 'no'}; "
            f"init {facts.init}; exact gain {a.gain:.4g}"
        )
        if check:
            for line in run_check(act.name).lines():
                con.print("  " + line)
        if save:
            con.print(f"  stored in {defs}")
