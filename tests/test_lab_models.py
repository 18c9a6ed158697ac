"""The user's own model in the lab: factories and swapped modules train batched (vmap) as
they train seed by seed and as a plain PyTorch loop does (float64, 1e-6); the output shape is
checked before anything runs; runs record which model they were."""

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

import actlab.torch as at  # noqa: E402
from actlab.lab import RunConfig, batch_order, compare, load  # noqa: E402
from actlab.lab._models import batchable, register, structure, train_user  # noqa: E402

TOL = {"rtol": 1e-6, "atol": 1e-6}


def build(act: nn.Module) -> nn.Module:
    return nn.Sequential(nn.Linear(2, 12), act, nn.Linear(12, 12), act, nn.Linear(12, 1))


def _reference(seed: int, cfg: RunConfig, data) -> list[float]:
    """Seed ``seed`` in plain PyTorch: torch.manual_seed, build, torch.optim.SGD, the lab's
    batches; the validation loss at every evaluation step."""
    torch.manual_seed(seed)
    net = build(at.module(cfg.activation, precision="fast")).double()
    opt = torch.optim.SGD(net.parameters(), lr=cfg.lr, momentum=cfg.momentum)
    Xtr = torch.as_tensor(data.X_train)
    ytr = torch.as_tensor(data.y_train, dtype=torch.float64)
    Xva = torch.as_tensor(data.X_val)
    yva = torch.as_tensor(data.y_val, dtype=torch.float64)
    F = torch.nn.functional
    out = []
    order = batch_order(seed, len(Xtr), cfg.batch_size)
    for step in range(cfg.steps + 1):
        if step % cfg.eval_every == 0 or step == cfg.steps:
            with torch.no_grad():
                out.append(float(F.binary_cross_entropy_with_logits(net(Xva)[:, 0], yva)))
        if step == cfg.steps:
            break
        ix = torch.as_tensor(next(order))
        loss = F.binary_cross_entropy_with_logits(net(Xtr[ix])[:, 0], ytr[ix])
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), cfg.clip)
        opt.step()
    return out


def test_factory_batched_equals_per_seed_equals_plain_torch() -> None:
    data = load("moons", seed=0)
    key = register(build, None, [("tanh", {})], data)
    assert key.startswith("user:build#")
    cfg = RunConfig(
        dataset="moons", activation="tanh", model=key, steps=40, eval_every=5,
        optimizer="sgd", lr=0.1, momentum=0.9, clip=1.0,
    )  # fmt: skip
    seeds = [0, 3]
    nets = [build(at.module("tanh", precision="fast")).double() for _ in seeds]
    assert batchable(nets, torch.zeros(2, 2, dtype=torch.float64)) is None
    together = train_user(cfg, data, seeds, torch.float64)
    alone = train_user(cfg, data, seeds, torch.float64, batched=False)
    for seed, a, b in zip(seeds, together, alone, strict=True):
        ref = _reference(seed, cfg, data)
        np.testing.assert_allclose([v for _, v in a.curves["val_loss"]], ref, **TOL)
        np.testing.assert_allclose([v for _, v in b.curves["val_loss"]], ref, **TOL)
        assert a.final["test_metric"] == pytest.approx(b.final["test_metric"])
    assert together[0].curves["val_loss"][-1][1] < together[0].curves["val_loss"][0][1]


class BNNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(2, 8), nn.BatchNorm1d(8), nn.ReLU())
        self.head = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


def test_swapped_module_with_batchnorm_runs_per_seed_and_records_the_model(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    user = BNNet()
    nets = [BNNet()]
    assert "buffers" in (batchable(nets, torch.zeros(2, 2)) or "")
    study = compare(
        model=user, swap=nn.ReLU, data=(X, y), activations=["relu", "gelu"], seeds=2,
        steps=30, store=tmp_path / "s.db", progress=False,
    )  # fmt: skip
    runs = study.runs
    assert len(runs) == 4
    models = {r.config.model for r in runs}
    assert len(models) == 1 and next(iter(models)).startswith("user:BNNet#")
    assert {r.config.dataset for r in runs} == {runs[0].config.dataset}
    assert runs[0].config.dataset.startswith("arrays-")
    assert sum(isinstance(m, nn.ReLU) for m in user.modules()) == 2  # the user's: untouched
    rows = study.rows()
    assert {r.label for r in rows} == {"relu", "gelu"}
    assert all(0.4 < r.mean <= 1 for r in rows)
    # another model: another identity
    other = nn.Sequential(nn.Linear(2, 9), nn.ReLU(), nn.Linear(9, 1))
    d = load(arrays=(X, y))
    assert register(other, nn.ReLU, [("relu", {})], d) != next(iter(models))
    assert structure(BNNet()) == structure(BNNet())


def test_output_shape_and_bad_models_fail_before_anything_runs(tmp_path: Path) -> None:
    store = tmp_path / "s.db"
    with pytest.raises(ValueError, match=r"outputs \(2, 3\) for a batch of 2; moons \(binary\)"):
        compare(
            "moons", ["relu"], 1, model=lambda act: nn.Sequential(nn.Linear(2, 3), act),
            store=store, progress=False,
        )  # fmt: skip
    with pytest.raises(ValueError, match="needs swap="):
        compare("moons", ["relu"], 1, model=nn.Linear(2, 1), store=store, progress=False)
    with pytest.raises(ValueError, match="no module matching swap"):
        compare(
            "moons", ["relu"], 1, model=nn.Linear(2, 1), swap=nn.ReLU, store=store,
            progress=False,
        )  # fmt: skip
    assert not store.exists()  # nothing half-written


def test_cli_model_file(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from actlab._cli import app

    f = tmp_path / "mymodels.py"
    f.write_text(
        "from torch import nn\n"
        "def build(act):\n"
        "    return nn.Sequential(nn.Flatten(), nn.Linear(64, 16), act, nn.Linear(16, 10))\n"
    )
    args = ["compare", "--model", f"{f}:build", "--dataset", "digits", "--activations",
            "relu,tanh", "--seeds", "2", "--steps", "60", "--store", str(tmp_path / "s.db"),
            "--out", str(tmp_path / "r.html")]  # fmt: skip
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "relu" in res.output and (tmp_path / "r.html").exists()
    bad = CliRunner().invoke(app, [*args[:2], f"{f}:nope", *args[3:]])
    assert bad.exit_code == 1 and "has no callable 'nope'" in bad.output


def test_data_as_dataset_or_dataloader_is_the_same_data() -> None:
    from torch.utils.data import DataLoader, TensorDataset

    from actlab.lab._study import _arrays

    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 3)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    ds = TensorDataset(torch.as_tensor(X), torch.as_tensor(y))
    for data in (ds, DataLoader(ds, batch_size=7)):
        Xa, ya = _arrays(data)
        np.testing.assert_array_equal(Xa, X)
        np.testing.assert_array_equal(ya, y)
    assert load(arrays=(X, y)).name == load(arrays=_arrays(ds)).name
    assert load(arrays=(X, y)).name != load(arrays=(X[:, :2], y)).name
    with pytest.raises(ValueError, match="data must be"):
        _arrays("data.csv")
