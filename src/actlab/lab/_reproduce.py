"""``actlab reproduce``: a registry of published experiments and folklore claims (the same
pattern as activations and datasets), each with its claim, source, set-up, a run and an
explicit verdict rule; run, it prints claim → measured → verdict and writes an HTML report.

A verdict is what the measurement supports on this machine at this budget: "confirmed",
"refuted", "depends" (true under some of the measured conditions, not others) or "not
supported" (the measurement cannot decide it — say so rather than guess)."""

from __future__ import annotations

import difflib
import html
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

VERDICTS = ("confirmed", "refuted", "depends", "not supported")


@dataclass(frozen=True)
class Outcome:
    measured: str  # one line: the numbers, as measured
    verdict: str  # one of VERDICTS
    why: str  # the verdict rule, applied
    numbers: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"Outcome: verdict must be one of {VERDICTS}, got {self.verdict!r}")


@dataclass(frozen=True)
class Experiment:
    name: str
    claim: str
    source: str
    setup: str  # what is run, the budget, and how it differs from the source
    rule: str  # the verdict rule, stated before anything runs
    run: Callable[[bool, Path], Outcome]  # (quick, working directory) -> Outcome
    groups: tuple[str, ...] = ()


_EXPERIMENTS: dict[str, Experiment] = {}


def experiment(e: Experiment) -> Experiment:
    _EXPERIMENTS[e.name] = e
    return e


def experiments() -> list[Experiment]:
    from . import _published  # noqa: F401  (registers the built-in experiments)

    return list(_EXPERIMENTS.values())


def resolve(name: str) -> list[Experiment]:
    """An experiment by name, or a group ("claims": the folklore; "all")."""
    every = experiments()
    key = name.strip().lower()
    if key == "all":
        return every
    chosen = [e for e in every if e.name == key or key in e.groups]
    if chosen:
        return chosen
    names = [e.name for e in every] + sorted({g for e in every for g in e.groups}) + ["all"]
    close = difflib.get_close_matches(key, names, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ValueError(
        f"reproduce: unknown experiment {name!r}{hint} (available: {', '.join(names)})"
    )


@dataclass
class Result:
    experiment: Experiment
    outcome: Outcome
    seconds: float


def run(name: str, *, quick: bool = True, workdir: str | Path = "runs/reproduce") -> list[Result]:
    """Run the experiment(s) ``name``; one Result each (its outcome and run time)."""
    chosen = resolve(name)
    wd = Path(workdir)
    wd.mkdir(parents=True, exist_ok=True)
    out = []
    for e in chosen:
        t0 = time.perf_counter()
        outcome = e.run(quick, wd)
        out.append(Result(e, outcome, time.perf_counter() - t0))
    return out


def render(results: list[Result], quick: bool) -> str:
    """A self-contained HTML page: per experiment claim, source, set-up, rule, measured,
    verdict and run time."""
    colour = {"confirmed": "#1a7f37", "refuted": "#cf222e", "depends": "#9a6700"}
    rows = []
    for r in results:
        e, o = r.experiment, r.outcome
        c = colour.get(o.verdict, "#57606a")
        rows.append(
            f"<section><h2>{html.escape(e.name)} — "
            f"<span style='color:{c}'>{html.escape(o.verdict)}</span></h2>"
            f"<p><b>Claim.</b> {html.escape(e.claim)}<br><b>Source.</b> {html.escape(e.source)}"
            f"</p><p><b>Set-up.</b> {html.escape(e.setup)}</p>"
            f"<p><b>Verdict rule.</b> {html.escape(e.rule)}</p>"
            f"<p><b>Measured.</b> {html.escape(o.measured)}<br><b>Why.</b> "
            f"{html.escape(o.why)}</p><p style='color:#57606a'>run time {r.seconds:.1f} s"
            f"{' (--quick budget)' if quick else ''}</p></section>"
        )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>actlab reproduce</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;"
        "line-height:1.45}section{border-top:1px solid #d0d7de;padding-top:.5em}</style>"
        "</head><body><h1>actlab reproduce</h1><p>Published results and folklore, measured "
        "on this machine. A verdict the data do not support says so: this is a measurement, "
        "not a demonstration.</p>" + "".join(rows) + "</body></html>"
    )
