"""The lab's commands: ``actlab compare``, ``actlab report``, ``actlab export`` and ``actlab
reproduce``. Every flag
is a key of the one study schema (actlab.lab._config); defaults shown in ``--help`` are
RunConfig's. The library decides; this file parses and prints."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from ._cli import _console, _fail, _faults, _writable, app


class _WithDatasets(TyperCommand):
    """``--help`` ends with the dataset names (read from the registry when asked, so that
    ``actlab list`` does not import the lab)."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        from .lab._datasets import dataset_names

        self.epilog = "Datasets: " + ", ".join(dataset_names()) + "."
        super().format_help(ctx, formatter)


_DEFAULTS = {  # RunConfig's defaults, written once here for --help (tests compare them)
    "depth": 4, "width": 32, "steps": 400, "lr": 0.01, "optimizer": "adam", "init": "auto",
    "model": "mlp", "precision": "fast", "batch_size": 64, "dropout": 0.0, "batch_norm": False,
    "eval_every": 20, "clip": 5.0, "momentum": 0.9, "probe": 256, "probe_split": "train",
}  # fmt: skip


def _d(name: str) -> str:
    return f"(default {_DEFAULTS[name]})"


# "," between a tapered network's layers, ";" between networks (a grid axis)
_WIDTH_HELP = (
    "units per hidden layer; a tapered network 512,256,128; several networks separated by "
    '";" (a grid): "32;64;512,256" ' + _d("width")
)


def _csv(text: str | None) -> list[str] | None:
    return None if text is None else [t.strip() for t in text.split(",") if t.strip()]


def _seeds(text: str | None) -> Any:
    from .lab._config import parse_number

    if text is None:
        return None
    parts = [t.strip() for t in text.split(",")]
    values = [parse_number(t) for t in parts]
    if any(v is None for v in values):
        _fail(f"--seeds: expected an int ≥ 1 or a list of distinct ints ≥ 0, got {text!r}")
    return values[0] if len(values) == 1 and "," not in text else values


def _values(key: str, text: str) -> list[Any]:
    """``--depth 2,4`` → [2, 4]: numbers parse as numbers (the schema checks their type).
    ``--width``: "," between a tapered network's layers, ";" between networks —
    ``--width "32;64"`` is two networks, ``--width 512,256`` one network of two widths."""
    from .lab._config import parse_number

    if key == "width":
        nets = [_values("layer", net) for net in text.split(";") if net.strip()]
        return [net[0] if len(net) == 1 else net for net in nets] or [text]
    parts = [t.strip() for t in text.split(",")]
    if key == "init":
        return parts
    out = [parse_number(t) for t in parts]
    return [t if v is None else v for t, v in zip(parts, out, strict=True)]


def _bias(text: str | None) -> Any:
    from .lab._config import parse_number

    if text is None or text.strip() in ("zeros", "torch"):
        return None if text is None else text.strip()
    v = parse_number(text)
    if v is None:
        _fail(f"--bias: expected zeros, torch or a number, got {text!r}")
    return v


def _clip(text: str | None) -> Any:
    from .lab._config import parse_number

    if text is None:
        return None
    if text.strip().lower() == "none":
        return "none"
    v = parse_number(text)
    if v is None:
        _fail(f"--clip: expected a number > 0, or none (or 0), got {text!r}")
    return "none" if v == 0 else v  # --clip 0: no clipping (the UvA set-up)


def _histograms(text: str | None) -> Any:
    """``--histograms 0,100,400`` (those steps), ``50`` (every 50 steps) or ``100,`` (step
    100 only)."""
    from .lab._config import parse_number

    if text is None:
        return None
    parts = [t.strip() for t in text.split(",")]
    values = [parse_number(t) for t in parts if t]
    if not values or any(v is None for v in values):
        _fail(f"--histograms: expected steps 0,100,400 or every k steps (one number), got {text!r}")
    return values[0] if len(parts) == 1 else values


@app.command(cls=_WithDatasets)
def compare(
    dataset: Annotated[
        str | None,
        typer.Option(help="built-in dataset(s), comma-separated (default xor,spiral,digits)"),
    ] = None,
    activations: Annotated[
        str | None,
        typer.Option(
            help="comma-separated, e.g. relu,tanh,leaky_relu:negative_slope=0.2, a formula "
            "mine=x*sigmoid(2*x), or one per layer relu/relu/tanh (default: 8 common ones)"
        ),
    ] = None,
    seeds: Annotated[str | None, typer.Option(help="n, or a list 0,1,2 (default 5)")] = None,
    depth: Annotated[
        str | None, typer.Option(help=f"hidden layers, or a list 2,4,8 {_d('depth')}")
    ] = None,
    width: Annotated[
        str | None,
        typer.Option(help=_WIDTH_HELP),
    ] = None,
    steps: Annotated[int | None, typer.Option(help=f"training steps {_d('steps')}")] = None,
    lr: Annotated[str | None, typer.Option(help=f"learning rate, or a list {_d('lr')}")] = None,
    optimizer: Annotated[str | None, typer.Option(help=f"adam or sgd {_d('optimizer')}")] = None,
    momentum: Annotated[float | None, typer.Option(help=f"SGD momentum {_d('momentum')}")] = None,
    batch_size: Annotated[
        int | None, typer.Option(help=f"rows per step {_d('batch_size')}")
    ] = None,
    dropout: Annotated[float | None, typer.Option(help=f"dropout rate {_d('dropout')}")] = None,
    batch_norm: Annotated[
        bool | None, typer.Option("--batch-norm/--no-batch-norm", help=_d("batch_norm"))
    ] = None,
    eval_every: Annotated[
        int | None, typer.Option(help=f"steps between evaluations {_d('eval_every')}")
    ] = None,
    clip: Annotated[
        str | None,
        typer.Option(help=f"per-seed gradient-norm clip, or none (0: none) {_d('clip')}"),
    ] = None,
    noise: Annotated[
        float | None, typer.Option(help="generator noise (default: the dataset's own)")
    ] = None,
    init: Annotated[
        str | None,
        typer.Option(help=f"auto, torch, he, xavier or lecun, or a list {_d('init')}"),
    ] = None,
    gain: Annotated[float | None, typer.Option(help="init gain (std = gain/√fan)")] = None,
    std: Annotated[float | None, typer.Option(help="fixed init std of the weights")] = None,
    distribution: Annotated[
        str | None, typer.Option(help="init: normal or uniform (default: the scheme's)")
    ] = None,
    bias: Annotated[
        str | None, typer.Option(help="bias init: zeros, torch or a number (default: zeros)")
    ] = None,
    channels: Annotated[
        str | None, typer.Option(help="the CNN's conv channels, e.g. 8,16 (default 8,16)")
    ] = None,
    model: Annotated[
        str | None, typer.Option(help=f"mlp, cnn, or your own: FILE.py:FACTORY {_d('model')}")
    ] = None,
    precision: Annotated[
        str | None,
        typer.Option(help=f"activation arithmetic: fast, native or exact {_d('precision')}"),
    ] = None,
    task: Annotated[
        str | None,
        typer.Option(help="binary, multiclass, multilabel or regression (default: inferred)"),
    ] = None,
    data: Annotated[
        Path | None, typer.Option(help="your own data: .csv, .npz (not with --dataset)")
    ] = None,
    target: Annotated[str | None, typer.Option(help="the CSV column to predict")] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="where fashion_mnist/mnist files are (default: $ACTLAB_DATA)"),
    ] = None,
    n: Annotated[
        int | None, typer.Option(help="samples (a generator), or training rows to subsample")
    ] = None,
    loss: Annotated[
        str | None,
        typer.Option(help="your own loss: FILE.py:FUNCTION, loss(logits, y) -> tensor"),
    ] = None,
    metric: Annotated[
        str | None,
        typer.Option(help="your own metric: FILE.py:FUNCTION, metric(logits, y) -> float"),
    ] = None,
    probe: Annotated[
        int | None, typer.Option(help=f"rows unit health is measured on {_d('probe')}")
    ] = None,
    probe_split: Annotated[
        str | None,
        typer.Option(help=f"the probe's rows: train or val {_d('probe_split')}"),
    ] = None,
    histograms: Annotated[
        str | None,
        typer.Option(
            help="per-layer activation histograms at steps 0,100,400, or every k steps: k "
            "(default: none)"
        ),
    ] = None,
    config: Annotated[Path | None, typer.Option(help="a study.toml (flags override it)")] = None,
    store: Annotated[Path, typer.Option(help="SQLite results store")] = Path("runs/actlab.db"),
    out: Annotated[Path, typer.Option(help="HTML report")] = Path("runs/report.html"),
    name: Annotated[str | None, typer.Option(help="study name (same name: resume)")] = None,
    workers: Annotated[
        int | None, typer.Option(help="local processes (capped at the cores)")
    ] = None,
    executor: Annotated[str, typer.Option(help="local or ray")] = "local",
    ray_address: Annotated[
        str | None, typer.Option(help="Ray cluster: auto or ray://head:10001 (default: local)")
    ] = None,
    margin: Annotated[
        float | None, typer.Option(help="equivalence margin: 'equivalent' only within ±margin")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the rows as JSON")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="print the rows as CSV")] = False,
) -> None:
    """Train one network per activation on the same data, all seeds at once; rank and report.

    Example: actlab compare --dataset spiral --activations relu,tanh,gelu,mish --seeds 10
    """
    from ._define import split_activations
    from .lab import compare as run
    from .lab._summary import as_csv as csv_text
    from .lab._summary import as_json as json_text

    if data is not None and dataset is not None:
        _fail(
            f"--data {data} and --dataset {dataset}: give one (a file's rows are labelled "
            "by the file's name)"
        )
    if as_json and as_csv:
        _fail("--json and --csv: give one")
    given: dict[str, Any] = {
        "steps": steps, "optimizer": optimizer,
        "momentum": momentum, "batch_size": batch_size, "dropout": dropout,
        "batch_norm": batch_norm, "eval_every": eval_every, "noise": noise,
        "model": model, "precision": precision, "task": task, "gain": gain, "std": std,
        "distribution": distribution, "bias": _bias(bias), "n": n,
        "data_dir": None if data_dir is None else str(data_dir),
        "channels": None if channels is None else _values("channels", channels),
        "probe": probe, "probe_split": probe_split, "histograms": _histograms(histograms),
    }  # fmt: skip
    settings = {k: v for k, v in given.items() if v is not None}
    for key, text in (("depth", depth), ("width", width), ("lr", lr), ("init", init)):
        if text is not None:  # one value, or a grid axis (depths, widths, lrs, inits)
            values = _values(key, text)
            settings[key if len(values) == 1 else key + "s"] = (
                values[0] if len(values) == 1 else values
            )
    clipped = _clip(clip)
    if clipped is not None:
        settings["clip"] = None if clipped == "none" else clipped
    if data is not None:
        settings["path"] = str(data)
        if target is not None:
            settings["target"] = target
    quiet = as_json or as_csv
    with _faults():
        _writable(out)
        study = run(
            _csv(dataset),
            None if activations is None else split_activations(activations),
            _seeds(seeds),
            config=config,
            store=store,
            name=name,
            workers=workers,
            executor=executor,
            address=ray_address,
            progress=not quiet,
            loss=loss,
            metric=metric,
            **settings,
        )
        try:
            study.margin = margin
            if not quiet:
                for info in study.datasets().values():
                    typer.echo(f"task: {info.note}")
            if as_json:
                typer.echo(json_text(study.rows(), study.overall()))
            elif as_csv:
                typer.echo(csv_text(study.rows()), nl=False)
            else:
                study.summary(typer.echo)
            study.report(out)
        finally:
            study.store.close()
    if not quiet:
        typer.echo(f"report: {out}  (store: {store}, study: {study.name})")


def _open(store: Path, study: str | None) -> Any:
    """The store and the chosen study (default: the latest), or exit 1 saying why."""
    from .lab import Store, Study

    if not store.exists():
        _fail(f"no such store {str(store)!r}")
    st = Store(store, readonly=True)
    studies = st.studies()
    if not studies:
        _fail(f"{store} holds no studies")
    chosen = (
        studies[-1] if study is None else next((s for s in studies if s["name"] == study), None)
    )
    if chosen is None:
        _fail(f"{store} has no study {study!r} (studies: {', '.join(s['name'] for s in studies)})")
    if chosen["config"].get("definitions"):  # the user-defined activations it used
        from ._define import register_all

        register_all(chosen["config"]["definitions"], f"study {chosen['name']}")
    return Study(st, chosen["id"], chosen["name"])


@app.command()
def report(
    store: Annotated[Path, typer.Argument(help="SQLite results store")],
    out: Annotated[Path, typer.Option(help="HTML report")] = Path("report.html"),
    study: Annotated[str | None, typer.Option(help="study name (default: the latest)")] = None,
) -> None:
    """Re-render the report of a stored study (from the store alone: no data file needed).

    Example: actlab report runs/actlab.db --out report.html
    """
    with _faults():
        _writable(out)
        s = _open(store, study)
        try:
            s.summary(typer.echo)
            s.report(out)
        finally:
            s.store.close()
    typer.echo(f"report: {out}")


@app.command()
def export(
    store: Annotated[Path, typer.Argument(help="SQLite results store")],
    out: Annotated[
        Path | None, typer.Option(help=".csv or .json file (default: CSV on stdout)")
    ] = None,
    study: Annotated[str | None, typer.Option(help="study name (default: the latest)")] = None,
    what: Annotated[str, typer.Option(help="rows (the ranked comparison) or runs")] = "rows",
) -> None:
    """Write a study's results machine-readably: the ranked rows or every run.

    Example: actlab export runs/actlab.db --out rows.json
    """
    from .lab._summary import as_csv, as_json

    if what not in ("rows", "runs"):
        _fail(f"--what must be rows or runs, got {what!r}")
    if out is not None and out.suffix not in (".csv", ".json"):
        _fail(f"--out must end in .csv or .json, got {out.name!r}")
    with _faults():
        s = _open(store, study)
        if what == "runs":
            if out is None:
                import csv
                import sys

                rows = [r.flat() for r in s.runs]
                w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else [])
                w.writeheader()
                w.writerows(rows)
                return
            s.store.export(out, s.id)
        else:
            rows = s.rows()
            text = (
                as_json(rows, s.overall())
                if out is not None and out.suffix == ".json"
                else as_csv(rows)
            )
            if out is None:
                typer.echo(text, nl=False)
                return
            from ._io import write_text

            write_text(out, text)
    typer.echo(f"wrote {out}")


@app.command()
def reproduce(
    name: Annotated[
        str | None, typer.Argument(help="an experiment, 'claims' (the folklore) or 'all'")
    ] = None,
    list_: Annotated[bool, typer.Option("--list", help="the experiments and claims")] = False,
    quick: Annotated[bool, typer.Option("--quick/--full", help="small budgets")] = True,
    out: Annotated[Path, typer.Option(help="HTML report")] = Path("runs/reproduce.html"),
    workdir: Annotated[Path, typer.Option(help="stores and study reports")] = Path(
        "runs/reproduce"
    ),
) -> None:
    """Published activation results and folklore, measured here: claim → measured → verdict.

    Example: actlab reproduce --list; actlab reproduce uva-deep-sigmoid
    """
    from .lab import _reproduce

    con = _console()
    if list_ or name is None:
        for e in _reproduce.experiments():
            groups = f"  [{', '.join(e.groups)}]" if e.groups else ""
            con.print(f"{e.name}{groups}", style="bold")
            con.print(f"  claim:  {e.claim}")
            con.print(f"  source: {e.source}", style="dim")
        if name is None and not list_:
            con.print("\nrun one: actlab reproduce NAME (or claims, or all)")
        return
    try:
        chosen = _reproduce.resolve(name)
    except ValueError as exc:
        _fail(str(exc))
    results = []
    for e in chosen:
        con.print(f"{e.name}", style="bold")
        con.print(f"  claim:    {e.claim}")
        try:
            (r,) = _reproduce.run(e.name, quick=quick, workdir=workdir)
        except (ValueError, TypeError) as exc:
            _fail(f"{e.name}: {exc}")
        results.append(r)
        con.print(f"  measured: {r.outcome.measured}")
        con.print(f"  verdict:  {r.outcome.verdict} — {r.outcome.why}  ({r.seconds:.1f} s)")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(_reproduce.render(results, quick), encoding="utf-8")
    typer.echo(f"report: {out}")
