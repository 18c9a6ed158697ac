"""What a run is: its configuration (``RunConfig``: every field, its checks, its identity and
key) and what one seed's run produced (``RunResult``). The trainer (``_train``), the store, the
study and the report all speak these."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, fields
from typing import Any

from .._catalog import Activation, get
from ..torch._function import PRECISION
from ._datasets import TASKS
from ._init import INITS, check_init

OPTIMIZERS = ("adam", "sgd")
MODELS = ("mlp", "cnn")
PROBE_ROWS = 256  # unit health is measured on this many of the probe split's first rows
PROBE_SPLITS = ("train", "val")  # where the probe's rows come from
USER = "user:"  # a user's model, loss or metric: user:<name>#<hash> (compare(model=, loss=))
METRICS = {  # the test metric of each task, in words (higher is better for all)
    "binary": "accuracy",
    "multiclass": "accuracy",
    "multilabel": "accuracy (per label)",
    "regression": "R²",
}
LOSSES = {  # the training loss of each task, in words (task_losses)
    "binary": "binary cross-entropy",
    "multiclass": "cross-entropy",
    "multilabel": "binary cross-entropy (per label)",
    "regression": "mean squared error",
}


@dataclass(frozen=True)
class RunConfig:
    """One configuration; its seeds train together. ``init="auto"``: the advisor's match
    (recommended_init of the activation: the exact variance-preserving gain). ``precision``:
    how the activation is computed (actlab.torch.apply) — "fast" (PyTorch's kernel where torch
    has the same function, else actlab's native forms), "native" or "exact".

    ``init="torch"``: PyTorch's default nn.Linear/Conv2d init (U(±1/√fan_in) weights and
    biases); ``gain``/``std``/``distribution`` override the scheme's; ``bias``: "zeros", "torch"
    or a constant (unset: "torch" under init="torch", else 0). ``width``: an int (every hidden
    layer) or a per-layer list (512, 256, 256, 128) — depth is then its length (plus the
    convolutions for the CNN). ``channels``: the CNN's 3×3 convolutions' output channels.

    ``probe``/``probe_split``: unit health (and the histograms) are measured on the first
    ``probe`` rows of the training ("train") or validation ("val") split. ``histograms``:
    the steps at which each hidden layer's pre-activation and activation values on the probe
    are binned (``_train.HIST_EDGES``) — a list of steps, or an int k: every k steps from 0
    and the last. ``loss``/``metric``: a user's callable (compare(loss=, metric=)), named
    user:<name>#<hash of its source>; None: the task's own (task_losses/task_metric)."""

    dataset: str = "xor"
    activation: str = "relu"
    params: dict[str, Any] = field(default_factory=dict)
    model: str = "mlp"
    depth: int = 4
    width: int = 32
    init: str = "auto"
    batch_norm: bool = False
    dropout: float = 0.0
    optimizer: str = "adam"
    lr: float = 0.01
    momentum: float = 0.9
    batch_size: int = 64
    steps: int = 400
    eval_every: int = 20
    clip: float | None = 5.0
    noise: float | None = None
    n: int | None = None
    data_seed: int = 0
    path: str | None = None
    target: str | None = None
    precision: str = "fast"
    # None: the task inferred from the data (load() says how); else one of _datasets.TASKS
    task: str | None = None
    # the identity of a user file: the SHA-256 of its bytes (compare() fills it in), so a
    # changed file is a different configuration and a moved one is the same
    data_hash: str | None = None
    gain: float | None = None
    std: float | None = None
    distribution: str | None = None
    bias: float | str | None = None
    channels: tuple[int, ...] = (8, 16)
    data_dir: str | None = None  # where a file-backed dataset's files are (fashion_mnist, ...)
    probe: int = PROBE_ROWS
    probe_split: str = "train"
    histograms: int | tuple[int, ...] | None = None
    loss: str | None = None
    metric: str | None = None

    def __post_init__(self) -> None:
        # lists (JSON, TOML, the CLI) become tuples; a width list fixes the depth
        if isinstance(self.channels, list):
            object.__setattr__(self, "channels", tuple(self.channels))
        if isinstance(self.histograms, list):
            object.__setattr__(self, "histograms", tuple(self.histograms))
        if isinstance(self.width, list | tuple):
            object.__setattr__(self, "width", tuple(self.width))
            convs = len(self.channels) if self.model == "cnn" else 0
            object.__setattr__(self, "depth", len(self.width) + convs)

    def histogram_steps(self) -> frozenset[int]:
        """The steps at which histograms are recorded (empty: none)."""
        h = self.histograms
        if h is None:
            return frozenset()
        if isinstance(h, int):
            return frozenset([*range(0, self.steps + 1, h), self.steps])
        return frozenset(h)

    def layer_activations(self) -> list[str]:
        """The hidden layers' activations: one name for every layer, or a per-layer list
        "relu/relu/tanh" (first layer first; convolutions before dense layers)."""
        return [a.strip() for a in self.activation.split("/")]

    def widths(self) -> list[int]:
        """The hidden dense layers' widths, first to last."""
        convs = len(self.channels) if self.model == "cnn" else 0
        if isinstance(self.width, tuple):
            return list(self.width)
        return [self.width] * max(self.depth - convs, 0)

    def validate(self) -> None:
        names = self.layer_activations()
        for name in names:  # unknown names and bad parameters, with their errors
            get(name, **self.params)
        if len(names) > 1:
            hidden = len(self.widths()) + (len(self.channels) if self.model == "cnn" else 0)
            acts = [get(n) for n in names]
            mixed_ok = [
                (len(names) == hidden, f"a per-layer activation list needs {hidden} names "
                 f"(one per hidden layer), got {len(names)}"),
                (not self.params, "a per-layer activation list takes no params"),
                (all(a.kind == "elementwise" and not a.spec.stochastic for a in acts),
                 "a per-layer activation list takes deterministic elementwise activations"),
            ]  # fmt: skip
            for ok, msg in mixed_ok:
                if not ok:
                    raise ValueError(f"RunConfig: {msg}; got activation={self.activation!r}")
        checks = [
            (
                self.model in MODELS or self.model.startswith("user:"),
                f"model must be one of {', '.join(MODELS)} or your own (compare(model=...))",
            ),
            (self.init in INITS, f"init must be one of {', '.join(INITS)}"),
            (self.optimizer in OPTIMIZERS, f"optimizer must be one of {', '.join(OPTIMIZERS)}"),
            (isinstance(self.depth, int) and self.depth >= 1, "depth must be an int >= 1"),
            (
                (isinstance(self.width, int) and self.width >= 1)
                or (
                    isinstance(self.width, tuple)
                    and len(self.width) >= 1
                    and all(isinstance(w, int) and w >= 1 for w in self.width)
                ),
                "width must be an int >= 1 or a non-empty list of them",
            ),
            (
                isinstance(self.channels, tuple)
                and len(self.channels) >= 1
                and all(isinstance(c, int) and c >= 1 for c in self.channels),
                "channels must be a non-empty list of ints >= 1",
            ),
            (isinstance(self.steps, int) and self.steps >= 1, "steps must be an int >= 1"),
            (
                isinstance(self.batch_size, int) and self.batch_size >= 1,
                "batch_size must be an int >= 1",
            ),
            (
                isinstance(self.eval_every, int) and self.eval_every >= 1,
                "eval_every must be an int >= 1",
            ),
            (math.isfinite(self.lr) and self.lr > 0, "lr must be a finite number > 0"),
            (0 <= self.dropout < 1, "dropout must be in [0, 1)"),
            (self.clip is None or self.clip > 0, "clip must be None or > 0"),
            (
                not (self.batch_norm and self.model == "mlp" and self.batch_size < 2),
                "batch_norm needs batch_size >= 2 (a batch's variance, as torch.nn.BatchNorm1d)",
            ),
            (
                self.precision in PRECISION,
                f"precision must be one of {', '.join(PRECISION)} (actlab.torch.apply)",
            ),
            (
                self.task is None or self.task in TASKS,
                f"task must be one of {', '.join(TASKS)} (or None: inferred)",
            ),
            (
                isinstance(self.probe, int)
                and not isinstance(self.probe, bool)
                and self.probe >= 1,
                "probe must be an int >= 1 (rows)",
            ),
            (
                self.probe_split in PROBE_SPLITS,
                f"probe_split must be one of {', '.join(PROBE_SPLITS)}",
            ),
            (
                self.histograms is None
                or (
                    isinstance(self.histograms, int)
                    and not isinstance(self.histograms, bool)
                    and self.histograms >= 1
                )
                or (
                    isinstance(self.histograms, tuple)
                    and all(
                        isinstance(t, int) and not isinstance(t, bool) and 0 <= t <= self.steps
                        for t in self.histograms
                    )
                ),
                f"histograms must be an int k >= 1 (every k steps) or a list of steps in "
                f"0..steps ({self.steps})",
            ),
            (
                self.loss is None or self.loss.startswith(USER),
                "loss must be None (the task's) or a user's (compare(loss=callable))",
            ),
            (
                self.metric is None or self.metric.startswith(USER),
                "metric must be None (the task's) or a user's (compare(metric=callable))",
            ),
        ]
        for ok, msg in checks:
            if not ok:
                name = msg.split(" ", 1)[0]
                raise ValueError(f"RunConfig: {msg}; got {getattr(self, name, None)!r}")
        check_init(self.init, self.gain, self.std, self.distribution, self.bias, "RunConfig")
        kind = self.act.kind
        if kind == "vector":
            raise ValueError(
                f"RunConfig: {self.activation} is a vector activation; a hidden layer "
                "needs an elementwise or gated one (see actlab.recommend)"
            )

    @functools.cached_property
    def act(self) -> Activation:
        """The (first hidden layer's) activation with its parameters, resolved once per
        configuration; a per-layer list's layers are ``layer_activations()``."""
        return get(self.layer_activations()[0], **self.params)

    def __getstate__(self) -> dict[str, Any]:  # to a worker: fields only (act is rebuilt)
        return {k: v for k, v in self.__dict__.items() if k != "act"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def identity(self) -> dict[str, Any]:
        """Every field that decides the result: all of them, except a user file's location
        once its content hash is known (the same bytes elsewhere are the same data), and
        fields added after stores existed while at their defaults (a store's finished runs
        stay found)."""
        out = {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name not in _LATER or _LATER[f.name] != getattr(self, f.name)
        }
        if self.data_hash is not None:
            out.pop("path")
        return out

    def key(self) -> str:
        """The configuration's identity as a 16-hex-digit hash (rows, resume, the store);
        computed once (the configuration is frozen)."""
        if "_key" not in self.__dict__:
            self.__dict__["_key"] = _digest(self.identity())
        return str(self.__dict__["_key"])

    def data_identity(self) -> dict[str, Any]:
        """What the data is: a user file's content hash and target column, or a generator's
        name, seed, noise and size (and the task, which changes the targets)."""
        names = DATA_FIELDS if self.data_hash is None else FILE_FIELDS
        return {k: getattr(self, k) for k in names}

    def data_key(self) -> str:
        if "_data_key" not in self.__dict__:
            self.__dict__["_data_key"] = _digest(self.data_identity())
        return str(self.__dict__["_data_key"])

    def label(self) -> str:
        """The activation and its parameters (``leaky_relu,negative_slope=0.2``); a study adds
        the fields that differ between its configurations (``_identity.labels``)."""
        extra = "".join(f",{k}={v}" for k, v in sorted(self.params.items()))
        return f"{self.activation}{extra}"


# the fields that identify a data set: a generator's, and a user file's (with data_hash)
DATA_FIELDS = ("dataset", "data_seed", "noise", "n", "task")
FILE_FIELDS = ("dataset", "data_hash", "target", "data_seed", "task")


def _digest(obj: Any) -> str:
    import hashlib
    import json

    blob = json.dumps(obj, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


_LATER: dict[str, Any] = {  # RunConfig fields added after stores existed, at their defaults
    "gain": None,
    "std": None,
    "distribution": None,
    "bias": None,
    "channels": (8, 16),
    "data_dir": None,
    "task": None,
    "data_hash": None,
    "probe": PROBE_ROWS,
    "probe_split": "train",
    "histograms": None,
    "loss": None,
    "metric": None,
}


@dataclass
class RunResult:
    """Everything one seed's run produced."""

    seed: int
    curves: dict[str, list[tuple[int, float]]]
    # per eval step and layer: grad_norm, dead, saturated, flat, grad_rms (actlab.health)
    layers: list[dict[str, Any]]
    final: dict[str, float]
    diverged_step: int | None
    wall: float
    steps_done: int
    params: bytes = b""
    # per recorded number: the split, rows, mode and statistics it was measured with
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    # per recorded step and hidden layer: counts of the probe's pre-activation ("pre") and
    # activation ("post") values in _train.HIST_EDGES's bins (cfg.histograms)
    histograms: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "diverged" if self.diverged_step is not None else "done"
