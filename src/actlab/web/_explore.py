"""The catalog, function, card, mean-field and histogram answers: each a thin reading of the
library (``actlab.get``, the spec, ``analyze``, ``gradient_flow``, ``gain``, health), shaped
as JSON. Non-finite numbers become None (JSON null)."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .. import _analysis
from .._analysis import _measure
from .._catalog import Activation, Param, Spec, resolve, specs
from .._functions import _family
from ._limits import Limits


def finite(v: Any) -> float | None:
    """A float for JSON: None where it is NaN or ±inf."""
    f = float(v)
    return f if math.isfinite(f) else None


def significant(a: np.ndarray, digits: int) -> np.ndarray:
    """``a`` rounded to ``digits`` significant digits (their JSON text is short: the function
    panel's 60 000 numbers encode in half the time); zeros and non-finite values unchanged."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        scale = 10.0 ** (digits - 1 - np.floor(np.log10(np.abs(a))))
        r = np.round(a * scale) / scale
    out: np.ndarray = np.where(np.isfinite(r) & (a != 0), r, a)
    return out


def floats(a: Any, digits: int | None = None) -> list[float | None]:
    """An array as a JSON list, NaN and ±inf as None; ``digits``: significant digits kept
    (None: every bit of the float64)."""
    arr = np.asarray(a, dtype=np.float64).ravel()
    if digits is not None:
        arr = significant(arr, digits)
    out: list[float | None] = arr.tolist()
    bad = np.flatnonzero(~np.isfinite(arr))
    for i in bad.tolist():
        out[i] = None
    return out


def family(spec: Spec) -> str:
    """The family a spec is declared in (its catalog file: "rectifiers", "sigmoidal", ...;
    "defined" for the user's own, actlab.define)."""
    from .._define import definitions

    if spec.name in definitions():
        return "defined"
    return _family(spec).rpartition(".")[2].lstrip("_").replace("_", " ")


def bind(name: str, params: dict[str, Any]) -> Activation:
    """The activation with the spec's example parameters (required ones, a seed) under the
    given ones; the catalog's errors (unknown name, bad value) propagate as ValueError."""
    act: Activation = resolve(name).example_activation(**params)
    return act


# ---------------------------------------------------------------------- catalog


def _slider(p: Param) -> tuple[float | None, float | None]:
    """The ends of a real parameter's slider: its constraint's bound where it has one ("> 0",
    ">= 0": 0), else a span around the default that keeps its sign visible."""
    if p.type not in ("real", "real?", "int") or not isinstance(p.default, int | float):
        return None, None
    d = float(p.default)
    if not math.isfinite(d):
        return None, None
    span = max(1.0, 2 * abs(d))
    lo: float | None = d - span
    hi: float | None = d + span
    if p.allowed in ("> 0", ">= 0", "an int >= 1"):
        lo = 1.0 if p.type == "int" else 0.0
        hi = max(2 * d, 1.0) if p.type != "int" else max(2 * d, 8.0)
    return lo, hi


def _param(p: Param) -> dict[str, Any]:
    lo, hi = _slider(p)
    default = p.default
    if isinstance(default, np.ndarray):
        default = floats(default)
    elif isinstance(default, float):
        default = finite(default)
    elif not isinstance(default, int | str | bool | type(None)):
        default = None  # a generator, REQUIRED: no value to show
    return {
        "name": p.name,
        "type": p.type,
        "default": default,
        "doc": p.doc,
        "allowed": p.allowed,
        "min": lo,
        "max": hi,
        "choices": list(p.choices),
        "learnable": p.learnable,
    }


def _activations() -> tuple[dict[str, Any], ...]:
    """The catalog's entries, rebuilt when the registry changes (actlab.define/undefine)."""
    return _entries(tuple((s.name, id(s)) for s in specs()))


@functools.lru_cache(maxsize=4)
def _entries(registry: tuple[tuple[str, int], ...]) -> tuple[dict[str, Any], ...]:
    return tuple(
        {
            "name": s.name,
            "family": family(s),
            "summary": s.summary,
            "kind": s.kind,
            "aliases": list(s.aliases),
            "plottable": s.kind == "elementwise",
            "params": [_param(p) for p in s.params],
        }
        for s in specs()
    )


def catalog(limits: Limits) -> dict[str, Any]:
    """Everything the page's pickers list: activations (by family), inits, optimizers,
    datasets, and the server's limits."""
    from ..lab._datasets import resolve_dataset
    from ..lab._init import INITS
    from ..lab._run import RunConfig

    acts = list(_activations())
    from ._train_api import OPTIMIZERS, dataset_names

    datasets = []
    for name in dataset_names():
        d = resolve_dataset(name)
        datasets.append(
            {
                "name": d.name,
                "task": d.task,
                "summary": d.summary,
                "dims": None if d.files or d.make is None else _dims(d.name),
                "playground": d.summary.startswith("Playground"),
                "noise": d.noise,
                "n": d.n,
            }
        )
    return {
        "activations": acts,
        "families": sorted({a["family"] for a in acts}),
        "inits": list(INITS),
        "optimizers": list(OPTIMIZERS),
        "datasets": datasets,
        "defaults": {
            "lr": RunConfig.lr,
            "batch_size": RunConfig.batch_size,
            "steps": RunConfig.steps,
            "eval_every": RunConfig.eval_every,
        },
        "limits": limits.public(),
        # what actlab.recommend accepts (its own constants), for the advisor form
        "advisor": {
            "layers": list(_analysis.LAYERS),
            "tasks": list(_analysis.TASKS),
            "architectures": list(_analysis.ARCHITECTURES),
            "symptoms": list(_analysis.SYMPTOMS),
        },
    }


@functools.lru_cache(maxsize=64)
def _dims(name: str) -> int:
    from ..lab import load

    return load(name, seed=0).n_features


# ---------------------------------------------------------------------- functions


def _kink(act: Activation, at: float, d: float, why: str) -> dict[str, Any]:
    peers: dict[str, Any] = {}
    for lib, peer in act.spec.peers.items():
        peers[lib] = {
            "name": peer.name,
            "derivative": _torch_derivative(act, at) if lib == "torch" else None,
            # the parity tests hold the peers to this: where a kink is not listed, they agree
            "agrees": at not in peer.grad_differs_at,
            "note": peer.note,
        }
    return {
        "at": finite(at),
        "value": finite(act(np.array([at]))[0]),
        "derivative": finite(d),
        "why": why,
        "peers": peers,
    }


def _torch_derivative(act: Activation, at: float) -> float | None:
    """PyTorch's autograd derivative of its own kernel for ``act`` at ``at`` (None where torch
    has no kernel for exactly this function: ``actlab.torch``'s peer_kernel)."""
    try:
        import torch

        from ..torch._function import peer_kernel
    except ImportError:  # pragma: no cover - the web extra installs torch
        return None
    fn = peer_kernel(act)
    if fn is None:
        return None
    t = torch.tensor([at], dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(fn(t).sum(), t)
    return finite(g[0].item())


@functools.lru_cache(maxsize=512)
def _kinks(act: Activation) -> tuple[dict[str, Any], ...]:
    return tuple(
        _kink(act, at, d, k.why) for (at, d), k in zip(act.kinks, act.spec.kinks, strict=True)
    )


@functools.lru_cache(maxsize=512)
def _saturation(act: Activation) -> tuple[tuple[float, float], ...]:
    return _measure.saturation_region(act)


def _label(act: Activation) -> str:
    shown = {k: v for k, v in act.params.items() if isinstance(v, int | float | str | bool)}
    changed = {k: v for k, v in shown.items() if act.spec.param(k).default != v}
    return act.name + "".join(
        f" {k}={v:g}" if isinstance(v, float) else f" {k}={v}" for k, v in changed.items()
    )


def functions(
    refs: Iterable[tuple[str, dict[str, Any]]],
    x_min: float,
    x_max: float,
    points: int,
    second: bool,
    digits: int | None = None,
) -> dict[str, Any]:
    """f, f' (and f'') of each activation on ``points`` samples of [x_min, x_max], the flat
    (saturated) intervals inside that range and the kinks with the peers' derivatives there."""
    x = np.linspace(x_min, x_max, points)
    curves = []
    for name, params in refs:
        act = bind(name, params)
        if act.kind != "elementwise":
            raise ValueError(
                f"functions: {act.name} is a {act.kind} activation; only elementwise ones have "
                "a curve f(x) (its card and the training panel take it)"
            )
        sat = [
            [max(a, x_min), min(b, x_max)] for a, b in _saturation(act) if b >= x_min and a <= x_max
        ]
        curves.append(
            {
                "name": act.name,
                "label": _label(act),
                "params": {k: v for k, v in act.params.items() if _plain(v)},
                "f": floats(act(x), digits),
                "df": floats(act.derivative(x), digits),
                "d2f": floats(_measure.second_derivative(act, x), digits) if second else None,
                "saturation": sat,
                "kinks": [k for k in _kinks(act) if k["at"] is not None],
            }
        )
    return {"x": floats(x), "curves": curves}


def _plain(v: Any) -> bool:
    return isinstance(v, int | float | str | bool | type(None)) and not (
        isinstance(v, float) and not math.isfinite(v)
    )


# ---------------------------------------------------------------------- the card


def _smooth(v: float) -> str:
    if not math.isfinite(v):
        return "C∞"
    return {-1: "discontinuous", 0: "C⁰ (kink)", 1: "C¹", 2: "C²"}.get(int(v), f"C{int(v)}")


@functools.lru_cache(maxsize=256)
def _measured(act: Activation) -> dict[str, Any]:
    """analyze's numbers for the card (elementwise; seconds for some: cached per values)."""
    a = _analysis.analyze(act)
    cost = _measure.cost_protocol(act)
    return {
        "mean_at_init": finite(a.expectations.mean),
        "zero_centred": finite(a.centring),
        "zero_centred_below": _measure.ZERO_CENTRED,
        "cost": finite(cost.ratio),
        "cost_range": [finite(cost.low), finite(cost.high)],
        "gain": finite(a.gain),
        "saturation_mass": finite(a.saturation_mass),
        "dead_mass": finite(a.dead_mass),
        "max_abs_derivative": finite(a.max_abs_derivative),
    }


@functools.lru_cache(maxsize=128)
def _accuracy(name: str) -> tuple[dict[str, Any], ...]:
    from actlab_oracle.peers import max_ulps

    rows = []
    for r in max_ulps(name):
        rows.append({k: (finite(v) if isinstance(v, float) else v) for k, v in r.items()})
    return tuple(rows)


def _has_oracle(act: Activation) -> bool:
    """The oracle tables cover the catalog's elementwise activations; a user-defined one has
    none (``actlab.check`` measures it against mpmath instead): its card shows no strip."""
    from actlab_oracle.formulas import CASES

    return act.kind == "elementwise" and act.name in CASES


def card(name: str, params: dict[str, Any]) -> dict[str, Any]:
    """The activation's card: formula, declared facts with the measured numbers next to them,
    init and gain, references, peers, accuracy on the oracle grid, pros, cons, uses."""
    act = bind(name, params)
    spec, f = act.spec, act.facts
    measured = _measured(act) if act.kind == "elementwise" else {}
    init = _analysis.recommended_init(act)
    facts = {
        "range": str(f.range),
        "monotonic": f.monotonic,
        "bounded": f.bounded,
        "zero_centred": measured.get("zero_centred"),
        "zero_centred_declared": f.zero_centred,
        "mean_at_init": measured.get("mean_at_init"),
        "smoothness": _smooth(f.smoothness),
        "saturates": list(f.saturates),
        "cost": measured.get("cost"),
        "init": {"scheme": init.scheme, "mode": init.mode, "gain": finite(init.gain)},
        "gain": measured.get("gain"),
        "torch_gain": finite(spec.torch_gain(act.params)) if spec.torch_gain else None,
        "learnable": f.learnable,
        "stochastic": f.stochastic,
        "measured": measured,
    }
    return {
        "name": act.name,
        "summary": spec.summary,
        "family": family(spec),
        "kind": spec.kind,
        "params": {k: v for k, v in act.params.items() if _plain(v)},
        "latex": spec.latex,
        "derivative_latex": spec.derivative_latex,
        "text": spec.text,
        "derivative_text": spec.derivative_text,
        "facts": facts,
        "kinks": list(_kinks(act)) if act.kind == "elementwise" else [],
        "references": [str(r) for r in spec.references],
        "peers": {
            lib: (None if p is None else {"name": p.name, "module": p.module, "note": p.note})
            for lib, p in (
                ("torch", spec.peers.torch),
                ("keras", spec.peers.keras),
                ("jax", spec.peers.jax),
            )
        },
        "accuracy": list(_accuracy(act.name)) if _has_oracle(act) else [],
        "pros": list(f.pros),
        "cons": list(f.cons),
        "uses": list(f.uses),
    }


# ---------------------------------------------------------------------- mean field

#: the phase diagram's grid: σ_w² across the order-to-chaos transition of the usual activations
#: (0.125 … 4), σ_b² from none to a large bias (0 … 0.3; Poole et al. 2016, fig. 2's axes).
#: Binary fractions and k/50, so 2.0, 3.0 and 0.1 are grid points exactly.
PHASE_W = tuple(k / 8 for k in range(1, 33))
PHASE_B = tuple(k / 50 for k in range(16))


_FLOWS: dict[tuple[Activation, float, float], _measure.GradientFlow] = {}
_FLOWS_KEPT = 4096


def _flow(act: Activation, sw2: float, sb2: float) -> _measure.GradientFlow:
    """gradient_flow, cached per (activation, σ_w², σ_b²) (bounded)."""
    key = (act, sw2, sb2)
    if key not in _FLOWS:
        if len(_FLOWS) >= _FLOWS_KEPT:
            _FLOWS.clear()
        _FLOWS[key] = _measure.gradient_flow(act, sw2, sb2)
    return _FLOWS[key]


@functools.lru_cache(maxsize=64)
def _phase_cells(act: Activation) -> tuple[tuple[float | None, ...], ...]:
    chi = _measure.phase_grid(act, PHASE_W, PHASE_B)
    return tuple(tuple(finite(float(v)) for v in row) for row in chi)


def _phase(act: Activation) -> tuple[list[list[float | None]], bool]:
    """χ₁ on the grid (rows: σ_b², columns: σ_w²), all cells in one vectorised pass
    (``phase_grid``; cached per activation and parameters)."""
    try:
        cells = _phase_cells(act)
    except TypeError:  # an activation with tensor parameters is not hashable: no cache
        chi = _measure.phase_grid(act, PHASE_W, PHASE_B)
        cells = tuple(tuple(finite(float(v)) for v in row) for row in chi)
    return [list(row) for row in cells], True


def meanfield(
    name: str,
    params: dict[str, Any],
    init: str | None,
    sigma_w2: float | None,
    sigma_b2: float,
    depth: int,
    phase: bool = True,
) -> dict[str, Any]:
    """The mean-field card: the fixed point, χ and its depth scale (``gradient_flow``), the
    variance and squared-gradient profile through ``depth`` layers (``depth_profile``), χ over
    the (σ_w², σ_b²) grid, and the user's point."""
    from .. import health

    act = bind(name, params)
    if act.kind != "elementwise":
        raise ValueError(
            f"meanfield: {act.name} is a {act.kind} activation; the mean-field "
            "theory here is for elementwise activations"
        )
    sw2 = float(sigma_w2) if sigma_w2 is not None else health.sigma_w2(init or "auto", act)
    fl = _flow(act, sw2, float(sigma_b2))
    prof = _measure.depth_profile(act, sw2, float(sigma_b2), depth)
    chi, complete = _phase(act) if phase else ([], True)
    return {
        "activation": act.name,
        "sigma_w2": sw2,
        "sigma_b2": float(sigma_b2),
        "q_star": None if fl.q_star is None else finite(fl.q_star),
        "chi": finite(fl.chi),
        "stable": fl.stable,
        "slope": finite(fl.slope),
        "depth_1e6": finite(fl.depth_1e6),
        "gain": finite(_analysis.gain(act)),
        "layers": {"variance": floats(prof.variance), "grad": floats(prof.grad)},
        "phase": None
        if not phase
        else {
            "sigma_w2": list(PHASE_W),
            "sigma_b2": list(PHASE_B),
            "chi": chi,
            "complete": complete,
        },
        "point": {"sigma_w2": sw2, "sigma_b2": float(sigma_b2)},
    }


# ---------------------------------------------------------------------- histograms at init


def histograms(
    name: str,
    params: dict[str, Any],
    widths: list[int],
    init: str,
    seed: int,
    dataset: str,
) -> dict[str, Any]:
    """Per hidden layer of a random network at init (the lab's own network and init, on the
    dataset's training inputs): histograms of the pre-activations and the activations, and
    the dead and saturated unit fractions (actlab.health's definitions, as the trainer
    measures them)."""
    import torch

    from ..lab import load
    from ..lab._run import RunConfig
    from ..lab._train import BatchedNet, _unit_health

    act = bind(name, params)
    fields: dict[str, Any] = {"width": tuple(widths)}  # a per-layer width list
    cfg = RunConfig(dataset=dataset, activation=act.name, params=dict(params), init=init, **fields)
    cfg.validate()
    data = load(dataset, seed=0)
    net = BatchedNet(cfg, data, [seed])
    net.eval()
    keep: list[torch.Tensor] = []
    X = torch.as_tensor(data.X_train, dtype=torch.float32)
    with torch.no_grad():
        net(X.expand(1, *X.shape), keep=keep)
    health = _unit_health(net, keep, len(X), 0)
    layers = []
    for i, (z, (dead, sat, _flat)) in enumerate(zip(keep, health, strict=True)):
        pre = z[0].double().numpy()
        post = np.asarray(act(pre), dtype=np.float64)
        layers.append(
            {
                "layer": i + 1,
                "pre": _hist(pre),
                "post": _hist(post),
                "pre_std": finite(pre.std()),
                "post_std": finite(post.std()),
                "dead": finite(dead[0]),
                "saturated": finite(sat[0]),
            }
        )
    return {"activation": act.name, "init": init, "dataset": data.name, "layers": layers}


def _hist(v: np.ndarray) -> dict[str, Any]:
    """The lab's histogram of a layer's values (its fixed bins, as a study records them):
    the bins' edges and counts, and the counts below and at or above the range."""
    import torch

    from ..lab._measures import HIST_BINS, HIST_HI, HIST_LO, histogram

    counts = histogram(torch.as_tensor(v)[None]).tolist()[0]
    return {
        "edges": floats(np.linspace(HIST_LO, HIST_HI, HIST_BINS + 1)),
        "counts": counts[1:-1],
        "below": counts[0],
        "above": counts[-1],
    }


# ---------------------------------------------------------------------- advisor, define


def advise(
    layer: str, task: str | None, architecture: str | None, depth: int | None, symptoms: list[str]
) -> dict[str, Any]:
    """The advisor's recommendation (``actlab.recommend``), as its own dict."""
    r = _analysis.recommend(
        layer=layer, task=task, architecture=architecture, depth=depth, symptoms=tuple(symptoms)
    )
    out: dict[str, Any] = r.to_dict()
    out["params"] = {k: v for k, v in out.get("params", {}).items() if _plain(v)}
    return out


def define(name: str, formula: str, params: dict[str, float]) -> dict[str, Any]:
    """A user activation from a formula, through actlab.define's whitelist parser (never
    eval); its catalog entry as /api/catalog lists it."""
    import actlab

    act = actlab.define(name, formula, dict(params) or None)
    spec = act.spec
    return {
        "name": spec.name,
        "latex": spec.latex,
        "derivative_latex": spec.derivative_latex,
        "activation": next(a for a in _activations() if a["name"] == spec.name),
    }
