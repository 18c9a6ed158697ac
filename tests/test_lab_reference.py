"""The batched trainer against plain PyTorch, option by option.

For every trainer option, one seed of ``train`` (trained together with another seed) must equal
a plain torch.nn model with the same initial weights (``BatchedNet.seed_module`` of a fresh
net), fed the same batches (``batch_order``), stepped by torch.optim and
torch.nn.utils.clip_grad_norm_, scored by torch.nn.functional's losses and scikit-learn's
metrics — in float64, to 1e-6, over 50 steps: training loss, validation loss and metric, the
gradient norms, test loss and metric, and the final weights and running statistics.
The cases are generated from one table of options (``OPTIONS``); a test holds that table to
RunConfig's fields, so a new option cannot go unchecked.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
sklearn_metrics = pytest.importorskip("sklearn.metrics")

import actlab  # noqa: E402
from actlab.lab import RunConfig, Store, batch_order, compare, load, train  # noqa: E402
from actlab.lab._init import INITS  # noqa: E402
from actlab.lab._objectives import register as register_objective  # noqa: E402
from actlab.lab._train import (  # noqa: E402
    BatchedNet,
    SeedDropout,
    load_params,
)

F = torch.nn.functional
TOL = {"rtol": 1e-6, "atol": 1e-6}
SEEDS = [3, 11]  # trained together; each is compared with its own reference

BASE: dict[str, Any] = {
    "dataset": "moons",
    "activation": "tanh",
    "depth": 2,
    "width": 8,
    "batch_size": 16,
    "steps": 50,
    "eval_every": 5,
}
CNN = {"model": "cnn", "dataset": "digits", "depth": 3}
# one entry per trainer option: the values it is tested at (each case: BASE with these changes)
OPTIONS: dict[str, list[dict[str, Any]]] = {
    "model": [{"model": "mlp"}, CNN],
    "optimizer": [
        {"optimizer": "adam", "lr": 0.02},
        {"optimizer": "sgd", "momentum": 0.9, "lr": 0.05},
        {"optimizer": "sgd", "momentum": 0.0, "lr": 0.2},
    ],
    "clip": [{"clip": None}, {"clip": 0.05}],  # 0.05: every step is clipped
    "dropout": [{"dropout": 0.3}, {**CNN, "dropout": 0.3}],
    "batch_norm": [{"batch_norm": True}, {**CNN, "batch_norm": True}],
    "init": [{"init": i} for i in INITS] + [{"init": "xavier", "activation": "glu"}],
    "activation": [
        {"activation": "rrelu"},  # stochastic: each seed's own noise
        {"activation": "glu"},  # gated: the layer is twice as wide, the activation halves it
        {"activation": "gelu", "precision": "exact"},
        {"activation": "relu/tanh", "init": "auto"},  # per layer: its own f and gain
        {**CNN, "activation": "relu/tanh/sigmoid"},
    ],
    "params": [{"activation": "leaky_relu", "params": {"negative_slope": 0.2}}],
    "precision": [{"precision": "native", "activation": "silu"}],
    "batch_size": [{"batch_size": 7}],  # 300 rows: an incomplete last batch is skipped
    "depth": [{"depth": 1}],
    "width": [{"width": 5}, {"width": [9, 5, 7]}, {**CNN, "width": [6, 4]}],
    "channels": [{**CNN, "channels": [4, 6, 5], "depth": 4}],
    "gain": [{"init": "he", "gain": 1.0}],
    "std": [{"std": 0.3}],
    "distribution": [{"init": "xavier", "distribution": "uniform"}, {"distribution": "uniform"}],
    "bias": [{"bias": 0.1}, {"init": "he", "bias": "torch"}, {**CNN, "init": "torch"}],
    "lr": [{"lr": 0.003}],
    "momentum": [{"optimizer": "sgd", "momentum": 0.5, "lr": 0.05}],
    "task": [{"dataset": "iris"}, {"dataset": "reg-plane"}, {"dataset": "multilabel"}],
    # measuring only: none may change a seed's trajectory (eval-mode passes, no RNG drawn)
    "probe": [{"probe": 16, "batch_norm": True}],
    "probe_split": [{"probe_split": "val", "dropout": 0.3}],
    "histograms": [
        {"histograms": 7, "dropout": 0.3, "activation": "rrelu"},
        {**CNN, "histograms": [0, 3, 50], "batch_norm": True},
    ],
    # a user's loss and metric (the task's, written by the user): the same numbers
    "loss": [
        {
            "loss": register_objective(
                "loss",
                lambda out, y: F.binary_cross_entropy_with_logits(
                    out[:, 0], y.double(), reduction="none"
                ),
            ),
            "metric": register_objective(
                "metric", lambda out, y: sklearn_metrics.accuracy_score(y, out[:, 0] > 0)
            ),
        }
    ],
    "combined": [
        {
            "batch_norm": True,
            "dropout": 0.2,
            "activation": "rrelu",
            "optimizer": "sgd",
            "lr": 0.05,
            "clip": 0.5,
            "dataset": "iris",
        },
        {**CNN, "batch_norm": True, "dropout": 0.2, "activation": "rrelu", "clip": 0.5},
        {"batch_norm": True, "dropout": 0.2, "activation": "swiglu", "init": "he"},
    ],
}
# RunConfig fields that are not trainer options: the data's identity, and how often to record
# the data's identity (which data, not how to train on it) and the run's length
NOT_OPTIONS = {
    *("dataset", "noise", "n", "data_seed", "path", "target", "data_dir", "task", "data_hash"),
    *("steps", "eval_every"),
}


def _cases() -> Iterator[Any]:
    for option, values in OPTIONS.items():
        for i, change in enumerate(values):
            yield pytest.param({**BASE, **change}, id=f"{option}-{i}")


def test_the_options_table_covers_every_runconfig_field() -> None:
    varied = {k for values in OPTIONS.values() for change in values for k in change}
    fields = {f.name for f in dataclasses.fields(RunConfig)}
    assert fields - NOT_OPTIONS <= varied, f"untested options: {fields - NOT_OPTIONS - varied}"
    assert set(INITS) <= {c.get("init") for c in OPTIONS["init"]}


# ---------------------------------------------------------------------- the reference


_DATA: dict[str, Any] = {}


def _data(name: str) -> Any:
    """The dataset; digits cut to 240 / 80 / 80 rows (the CNN's cases stay quick)."""
    if name not in _DATA:
        d = load(name, seed=0)
        if name == "digits":
            d = dataclasses.replace(
                d,
                **{f"{a}_{s}": getattr(d, f"{a}_{s}")[:k] for a in "Xy"
                   for s, k in (("train", 240), ("val", 80), ("test", 80))},
            )  # fmt: skip
        _DATA[name] = d
    return _DATA[name]


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    """Small float64 networks: one thread is faster than several on a shared machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _y(y: np.ndarray, task: str) -> torch.Tensor:
    return torch.as_tensor(y, dtype=torch.long if task in ("binary", "multiclass") else None)


def _loss(out: torch.Tensor, y: torch.Tensor, task: str) -> torch.Tensor:
    if task == "binary":
        return F.binary_cross_entropy_with_logits(out[:, 0], y.double())
    if task == "multilabel":
        return F.binary_cross_entropy_with_logits(out, y.double())
    if task == "multiclass":
        return F.cross_entropy(out, y)
    return F.mse_loss(out[:, 0], y.double())


def _metric(out: torch.Tensor, y: torch.Tensor, task: str) -> float:
    o, t = out.detach().numpy(), y.numpy()
    if task == "binary":
        return float(sklearn_metrics.accuracy_score(t, o[:, 0] > 0))
    if task == "multilabel":
        return 1.0 - float(sklearn_metrics.hamming_loss(t, o > 0))
    if task == "multiclass":
        return float(sklearn_metrics.accuracy_score(t, o.argmax(1)))
    return float(sklearn_metrics.r2_score(t, o[:, 0]))


def _running_stats(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in model.state_dict().items() if "running" in k}


def _restore(model: torch.nn.Module, saved: dict[str, torch.Tensor]) -> None:
    with torch.no_grad():
        for k, v in model.state_dict().items():
            if k in saved:
                v.copy_(saved[k])


def _expected_layers(cfg: RunConfig, data: Any) -> list[tuple[str, tuple[Any, ...]]]:
    """The architecture the lab documents, written out as torch.nn layers."""
    gated = actlab.get(cfg.activation.split("/")[0], **cfg.params).kind == "gated"
    mult = 2 if gated else 1
    out: list[tuple[str, tuple[Any, ...]]] = []

    def block(norm: str, units: int) -> None:
        if cfg.batch_norm:
            out.append((norm, (units, 1e-5, 0.1, True, True)))
        out.append(("act", ()))

    chans = list(cfg.channels)
    if cfg.model == "cnn":
        c, h, w = data.image_shape
        out.append(("Unflatten", (1, tuple(data.image_shape))))
        for cin, cout in itertools.pairwise([c, *chans]):
            out.append(("Conv2d", (cin, cout, (3, 3), (1, 1), (1, 1))))
            block("BatchNorm2d", cout)
        out.append(("Flatten", ()))
        din, convs = chans[-1] * h * w, len(chans)
    else:
        din, convs = data.n_features, 0
    # a width list: one layer each (depth = its length + the convolutions); an int: every layer
    if isinstance(cfg.width, int):
        widths = [cfg.width] * (cfg.depth - convs)
    else:
        widths = list(cfg.width)
        assert cfg.depth == len(widths) + convs
    for width in widths:
        out.append(("Linear", (din, width * mult)))
        block("BatchNorm1d", width * mult)
        if cfg.dropout > 0:
            out.append(("SeedDropout", (cfg.dropout,)))
        din = width
    out.append(("Linear", (din, data.n_outputs)))
    return out


def _layers_of(model: torch.nn.Module) -> list[tuple[str, tuple[Any, ...]]]:
    nn = torch.nn
    out: list[tuple[str, tuple[Any, ...]]] = []
    for m in model:
        if isinstance(m, nn.Linear):
            out.append(("Linear", (m.in_features, m.out_features)))
        elif isinstance(m, nn.Conv2d):
            out.append(
                ("Conv2d", (m.in_channels, m.out_channels, m.kernel_size, m.stride, m.padding))
            )
        elif isinstance(m, nn.BatchNorm1d | nn.BatchNorm2d):
            attrs = (m.num_features, m.eps, m.momentum, m.affine, m.track_running_stats)
            out.append((type(m).__name__, attrs))
        elif isinstance(m, nn.Unflatten):
            out.append(("Unflatten", (m.dim, tuple(m.unflattened_size))))
        elif isinstance(m, nn.Flatten):
            out.append(("Flatten", ()))
        elif isinstance(m, SeedDropout):
            out.append(("SeedDropout", (m.p,)))
        else:
            out.append(("act", ()))
    return out


def _reference(cfg: RunConfig, data: Any, model: torch.nn.Module, seed: int) -> dict[str, Any]:
    """Train ``model`` as a plain PyTorch loop would, recording what the trainer records."""
    task = data.task
    Xtr = torch.as_tensor(data.X_train, dtype=torch.float64)
    ytr = _y(data.y_train, task)
    Xva, yva = torch.as_tensor(data.X_val, dtype=torch.float64), _y(data.y_val, task)
    Xte, yte = torch.as_tensor(data.X_test, dtype=torch.float64), _y(data.y_test, task)
    params = [p for p in model.parameters() if p.requires_grad]
    opt: torch.optim.Optimizer = (
        torch.optim.Adam(params, lr=cfg.lr)
        if cfg.optimizer == "adam"
        else torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum)
    )
    weights = [m.weight for m in model if isinstance(m, torch.nn.Linear | torch.nn.Conv2d)][:-1]
    order = batch_order(seed, len(Xtr), cfg.batch_size)
    rec: dict[str, Any] = {
        "train_loss": [], "train_metric": [], "val_loss": [], "val_metric": [], "grad_norm": []
    }  # fmt: skip
    window: list[float] = []
    mwindow: list[float] = []  # each minibatch's metric, as it trains (training mode)
    model.train()
    for step in range(cfg.steps + 1):
        last = step == cfg.steps
        record = step % cfg.eval_every == 0 or last
        if record:
            model.eval()
            with torch.no_grad():
                out = model(Xva)
            rec["val_loss"].append(_loss(out, yva, task).item())
            rec["val_metric"].append(_metric(out, yva, task))
            model.train()
        idx = torch.as_tensor(next(order))
        # the trainer's last pass measures the final weights on a batch; not being a training
        # step, it leaves batch-norm's running statistics as they are
        kept = _running_stats(model) if last else {}
        out = model(Xtr[idx])
        loss = _loss(out, ytr[idx], task)
        window.append(loss.item())
        mwindow.append(_metric(out, ytr[idx], task))
        opt.zero_grad()
        loss.backward()
        _restore(model, kept)
        if record:
            rec["train_loss"].append(float(np.mean(window)))
            rec["train_metric"].append(float(np.mean(mwindow)))
            window.clear()
            mwindow.clear()
            rec["grad_norm"].append([float(w.grad.norm()) for w in weights])  # type: ignore[union-attr]
        if last:
            break
        if cfg.clip is not None:
            torch.nn.utils.clip_grad_norm_(params, cfg.clip)
        opt.step()
    model.eval()
    with torch.no_grad():
        out = model(Xte)
    rec["test_loss"], rec["test_metric"] = _loss(out, yte, task).item(), _metric(out, yte, task)
    return rec


@pytest.mark.parametrize("settings", list(_cases()))
def test_each_seed_trains_as_plain_pytorch(settings: dict[str, Any]) -> None:
    cfg = RunConfig(**settings)
    data = _data(cfg.dataset)
    fresh = BatchedNet(cfg, data, SEEDS, torch.float64)  # the initial weights train() starts from
    results = train(cfg, data, SEEDS, dtype=torch.float64)
    for slot, (seed, res) in enumerate(zip(SEEDS, results, strict=True)):
        model = fresh.seed_module(slot)
        assert _layers_of(model) == _expected_layers(cfg, data)
        ref = _reference(cfg, data, model, seed)
        assert res.diverged_step is None
        for name in ("train_loss", "train_metric", "val_loss", "val_metric"):
            steps = [st for st, _ in res.curves[name]]
            assert steps == [*range(0, cfg.steps, cfg.eval_every), cfg.steps]
            np.testing.assert_allclose([v for _, v in res.curves[name]], ref[name], **TOL)
        n_hidden = len(ref["grad_norm"][0])
        ours = [[r["grad_norm"] for r in res.layers if r["step"] == st] for st in steps]
        assert all(len(g) == n_hidden for g in ours)
        np.testing.assert_allclose(ours, ref["grad_norm"], **TOL)
        for name in ("test_loss", "test_metric"):
            np.testing.assert_allclose(res.final[name], ref[name], **TOL)
        alone = BatchedNet(cfg, data, [seed], torch.float64)
        load_params(alone, res.params)
        trained, want = alone.seed_module(0).state_dict(), model.state_dict()
        assert trained.keys() == want.keys()
        for k, v in want.items():
            if v.is_floating_point():  # weights, biases, gamma, beta, running mean and var
                torch.testing.assert_close(trained[k], v, **TOL, msg=f"{settings}: {k}")


# ---------------------------------------------------------------------- initialisation


def _torch_std(init: Any, shape: tuple[int, ...]) -> float:
    """The standard deviation torch.nn.init gives a weight of this (torch-layout) shape."""
    t = torch.empty(shape, dtype=torch.float64)
    init(t, generator=torch.Generator().manual_seed(0))
    z = torch.empty(shape, dtype=torch.float64).normal_(generator=torch.Generator().manual_seed(0))
    ratio = t / z
    torch.testing.assert_close(ratio, torch.full_like(ratio, float(ratio.flatten()[0])))
    return float(ratio.flatten()[0])


UNIT = {  # std = gain · UNIT[mode](shape), as torch.nn.init computes the fan
    "fan_in": lambda t, generator: torch.nn.init.kaiming_normal_(
        t, nonlinearity="linear", generator=generator
    ),
    "fan_avg": lambda t, generator: torch.nn.init.xavier_normal_(t, generator=generator),
}
TORCH_INIT = {  # the lab's init names as torch.nn.init calls them (the hidden layers)
    "he": lambda t, generator: torch.nn.init.kaiming_normal_(
        t, nonlinearity="relu", generator=generator
    ),
    "xavier": UNIT["fan_avg"],
    "lecun": UNIT["fan_in"],
}
MODE = {"he": "fan_in", "xavier": "fan_avg", "lecun": "fan_in"}


@pytest.mark.parametrize("init", [i for i in INITS if i != "torch"])  # torch: test_lab_init
@pytest.mark.parametrize(
    "settings",
    [{"activation": "tanh"}, {"activation": "glu"}, {**CNN, "activation": "relu"}],
    ids=["mlp", "gated", "cnn"],
)
def test_init_is_torch_nn_init(init: str, settings: dict[str, Any]) -> None:
    """Every layer's weights are standard normal draws of the seed's generator (in the lab's
    layout) times the std torch.nn.init gives that layer; "auto" is the advisor's gain."""
    cfg = RunConfig(**{**BASE, **settings, "init": init, "width": 24})
    data = _data(cfg.dataset)
    seed = 5
    net = BatchedNet(cfg, data, [seed], torch.float64)
    model = net.seed_module(0)
    layers = [m for m in model if isinstance(m, torch.nn.Linear | torch.nn.Conv2d)]
    gen = torch.Generator().manual_seed(seed)
    if init == "auto":
        rec = actlab.recommended_init(cfg.activation)
        mode, gain = rec.mode, rec.gain
    else:
        mode, gain = MODE[init], 1.0
    for i, layer in enumerate(layers):
        w = layer.weight.detach()
        out_layer = i == len(layers) - 1
        if init != "auto" and not out_layer:
            std = _torch_std(TORCH_INIT[init], tuple(w.shape))
        else:  # the output layer: gain 1 on the same fan
            std = (1.0 if out_layer else gain) * _torch_std(UNIT[mode], tuple(w.shape))
        layout = tuple(w.shape) if w.ndim == 4 else (w.shape[1], w.shape[0])
        z = torch.randn(layout, generator=gen, dtype=torch.float64)
        torch.testing.assert_close(w, (z if w.ndim == 4 else z.T) * std, rtol=1e-12, atol=0)
        assert not layer.bias.detach().any()


# ---------------------------------------------------------------------- pieces


def test_seed_dropout_is_torch_dropout_with_the_seeds_masks() -> None:
    x = torch.randn(400, 250, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    p = 0.3
    drop = SeedDropout(p, torch.Generator().manual_seed(1))
    y = drop(x)
    kept = y != 0
    torch.testing.assert_close(y[kept], x[kept] / (1 - p))  # torch.nn.Dropout's scaling
    n = x.numel()
    assert abs(kept.double().mean().item() - (1 - p)) < 5 * math.sqrt(p * (1 - p) / n)
    again = SeedDropout(p, torch.Generator().manual_seed(1))
    torch.testing.assert_close(again(x), y)  # the generator decides the mask
    assert torch.equal(drop.eval()(x), x)  # identity in evaluation, as torch.nn.Dropout


def test_batch_order_is_epochs_of_permutations_without_the_partial_batch() -> None:
    order = batch_order(4, 10, 3)
    batches = [next(order) for _ in range(6)]  # 3 per epoch: rows 9 of each epoch skipped
    rng = np.random.default_rng(4)
    for epoch in range(2):
        perm = rng.permutation(10)
        for j in range(3):
            np.testing.assert_array_equal(batches[3 * epoch + j], perm[3 * j : 3 * j + 3])


def test_seed_module_rejects_a_slot_out_of_range() -> None:
    net = BatchedNet(RunConfig(**BASE), _data("moons"), [0, 1])
    with pytest.raises(ValueError, match=r"seed_module: s must be a slot in 0\.\.1, got 2"):
        net.seed_module(2)


def test_batch_norm_needs_a_batch_of_two() -> None:
    with pytest.raises(ValueError, match="batch_norm needs batch_size >= 2"):
        RunConfig(batch_norm=True, batch_size=1).validate()


# ---------------------------------------------------------------------- evaluation


def test_batch_norm_validation_does_not_depend_on_the_probe() -> None:
    """Validation, probe and test rows are evaluated on their own (with batch-norm's running
    statistics): the probe's size changes the unit-health rows only."""
    cfg = RunConfig(**{**BASE, "batch_norm": True, "steps": 30})
    data = _data(cfg.dataset)
    small = train(cfg, data, SEEDS, probe=16)
    large = train(cfg, data, SEEDS, probe=256)
    for a, b in zip(small, large, strict=True):
        for name in ("val_loss", "val_metric", "train_loss"):
            assert a.curves[name] == b.curves[name]
        assert a.final == b.final
        assert a.sources["dead"]["rows"] == 16 and b.sources["dead"]["rows"] == 256


def test_sources_are_stored_and_reported(tmp_path: Any) -> None:
    study = compare(
        dataset="moons",
        activations=["tanh"],
        seeds=2,
        steps=10,
        depth=2,
        width=8,
        batch_norm=True,
        store=tmp_path / "s.db",
        progress=False,
        workers=1,
    )
    run = study.runs[0]
    src = study.store.sources(run.id)
    assert src["val_metric"]["split"] == "validation" and src["val_metric"]["rows"] == 100
    assert src["val_metric"]["statistics"] == "running"
    assert src["train_loss"]["statistics"] == "batch" and src["train_loss"]["rows"] == 64
    assert src["test_metric"]["split"] == "test" and src["dead"]["split"] == "probe"
    assert src["dead"]["rows"] == 256
    page = (study.report(tmp_path / "r.html")).read_text()
    assert "batch-norm with the running mean and variance" in page
    assert "batch-norm with each batch&#x27;s own mean and variance" in page
    again = Store(tmp_path / "s.db")  # a store reopened reads them back
    assert again.sources(run.id) == src
    again.close()
