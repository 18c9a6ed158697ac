"""The records a study needs (issue 11, requirement 4) and the user's own loss and metric:
the training metric's window, the probe's size and split, per-layer histograms (stored by
migration 5, drawn in the report), unit health of a user's model by actlab.health's one
definition — each checked against numbers computed here by hand."""

from __future__ import annotations

import dataclasses
import json
import math
import sqlite3
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

import actlab.torch as at  # noqa: E402
from actlab.lab import RunConfig, Store, _report_layers, _store, batch_order, compare, load, train  # noqa: E402  # noqa: E402
from actlab.lab._config import normalise  # noqa: E402
from actlab.lab._models import register, train_user  # noqa: E402
from actlab.lab._objectives import register as register_objective  # noqa: E402
from actlab.lab._train import HIST_BINS, HIST_HI, HIST_LO, BatchedNet, histogram  # noqa: E402

TOL = {"rtol": 1e-6, "atol": 1e-6}


def _batch_mean_y(logits: torch.Tensor, y: torch.Tensor) -> float:
    """A metric that reads only the batch (its share of label 1): what it averages to over a
    window follows from batch_order alone."""
    return float(y.double().mean())


def _hand_windows(cfg: RunConfig, y: np.ndarray, seed: int) -> list[float]:
    """The training metric by its definition: at each evaluation the mean over the minibatches
    since the previous one (this step's included) of the batch's metric."""
    order = batch_order(seed, len(y), cfg.batch_size)
    out, window = [], []
    for step in range(cfg.steps + 1):
        window.append(float(y[next(order)].mean()))
        if step % cfg.eval_every == 0 or step == cfg.steps:
            out.append(float(np.mean(window)))
            window = []
    return out


def test_train_metric_is_the_mean_over_the_window_of_each_minibatchs_metric() -> None:
    data = load("moons", seed=0)
    metric = register_objective("metric", _batch_mean_y)
    cfg = RunConfig(dataset="moons", activation="tanh", steps=13, eval_every=4, batch_size=16,
                    metric=metric, depth=1, width=4)  # fmt: skip
    key = register(_net, None, [("tanh", {})], data)
    user = dataclasses.replace(cfg, model=key)
    for seeds, runs in (
        ([2, 7], train(cfg, data, [2, 7])),
        ([2, 7], train_user(user, data, [2, 7])),
    ):
        for seed, r in zip(seeds, runs, strict=True):
            assert [s for s, _ in r.curves["train_metric"]] == [0, 4, 8, 12, 13]
            got = [v for _, v in r.curves["train_metric"]]
            np.testing.assert_allclose(got, _hand_windows(cfg, data.y_train, seed), rtol=1e-12)
            assert (
                "the mean metric of the minibatches (16 rows each)"
                in (r.sources["train_metric"]["detail"])
            )


def _net(act: nn.Module) -> nn.Module:
    return nn.Sequential(nn.Linear(2, 6), act, nn.Linear(6, 1))


# ---------------------------------------------------------------------- the user's loss


def _l1(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return (logits[:, 0] - y.double()).abs()  # per sample


def _l1_mean(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return _l1(logits, y).mean()


def _positive_share(logits: torch.Tensor, y: torch.Tensor) -> float:
    return float((logits[:, 0] > 0).double().mean())


def test_a_users_loss_and_metric_are_what_is_recorded() -> None:
    data = load("moons", seed=0)
    loss, loss_mean = register_objective("loss", _l1), register_objective("loss", _l1_mean)
    metric = register_objective("metric", _positive_share)
    assert loss.startswith("user:_l1#") and loss != loss_mean
    base = dict(dataset="moons", activation="tanh", depth=2, width=8, steps=20, eval_every=5,
                metric=metric)  # fmt: skip
    cfg = RunConfig(**base, loss=loss)
    fresh = BatchedNet(cfg, data, [3], torch.float64).seed_module(0).eval()
    Xva = torch.as_tensor(data.X_val)
    with torch.no_grad():
        out = fresh(Xva)[:, 0].numpy()
    hand_loss = float(np.abs(out - data.y_val).mean())  # L1 on the fresh weights
    hand_metric = float((out > 0).mean())
    (r,) = train(cfg, data, [3], torch.float64)
    assert r.curves["val_loss"][0][1] == pytest.approx(hand_loss, rel=1e-9)
    assert r.curves["val_metric"][0][1] == pytest.approx(hand_metric, rel=1e-12)
    assert r.curves["val_loss"][-1][1] < r.curves["val_loss"][0][1]  # it trains on L1
    (m,) = train(RunConfig(**base, loss=loss_mean), data, [3], torch.float64)
    np.testing.assert_allclose(
        [v for _, v in m.curves["val_loss"]], [v for _, v in r.curves["val_loss"]], **TOL
    )  # per-sample losses or their mean: one objective
    assert r.sources["val_loss"]["detail"].startswith(loss + ": the whole validation split")
    assert r.sources["test_metric"]["detail"].startswith(metric + ": the whole test split")
    # the user-model trainer calls the same function
    key = register(_net, None, [("tanh", {})], data)
    ucfg = RunConfig(**{**base, "loss": loss, "model": key})
    with torch.random.fork_rng():
        torch.manual_seed(4)
        net = _net(at.module("tanh", precision="fast")).double().eval()
    with torch.no_grad():
        out = net(Xva)[:, 0].numpy()
    (u,) = train_user(ucfg, data, [4], torch.float64)
    assert u.curves["val_loss"][0][1] == pytest.approx(float(np.abs(out - data.y_val).mean()))


def test_bad_user_objectives_fail_in_one_line(tmp_path: Path) -> None:
    data = load("moons", seed=0)
    with pytest.raises(TypeError, match="compare: loss must be a callable loss"):
        compare(dataset="moons", activations=["relu"], loss="mse", store=tmp_path / "s.db",
                progress=False)  # fmt: skip
    bad = register_objective("loss", lambda out, y: 1.0)
    with pytest.raises(TypeError, match="must return a float tensor"):
        train(RunConfig(dataset="moons", steps=2, loss=bad), data, [0])
    with pytest.raises(ValueError, match="not registered in this process"):
        train(RunConfig(dataset="moons", steps=2, loss="user:gone#0"), data, [0])
    with pytest.raises(ValueError, match="loss: expected a callable given to compare"):
        normalise({"loss": "mse"})


def test_compare_records_the_objectives_and_does_not_judge_a_users_metric(
    tmp_path: Path,
) -> None:
    study = compare(
        dataset="moons", activations=["relu", "tanh"], seeds=2, steps=20, depth=2, width=8,
        loss=_l1, metric=_positive_share, store=tmp_path / "s.db", progress=False,
    )  # fmt: skip
    runs = study.runs
    assert {r.config.loss for r in runs} == {register_objective("loss", _l1)}
    rows = study.rows()
    assert all(r.metric.startswith("user:_positive_share#") for r in rows)
    assert all(r.learned is None for r in rows)  # the task's baseline is not this metric's
    again = Store(tmp_path / "s.db", readonly=True)  # the names come back from the store
    assert json.loads(again.db.execute("SELECT config FROM runs").fetchone()[0])["loss"] == (
        runs[0].config.loss
    )
    again.close()


# ---------------------------------------------------------------------- the probe


def _dead_first_layer(net: nn.Sequential, X: np.ndarray) -> float:
    """Share of the first layer's relu units with z ≤ 0 (f' = 0) on every row of X."""
    with torch.no_grad():
        z = net[0](torch.as_tensor(X)).numpy()
    return float((z <= 0).all(0).mean())


def test_the_probe_size_and_split_decide_the_unit_health_rows() -> None:
    data = load("spiral", seed=0)
    for split, rows in (("val", 40), ("train", 24)):
        cfg = RunConfig(dataset="spiral", activation="relu", depth=2, width=32, steps=5,
                        init="he", bias=-1.5, probe=rows, probe_split=split)  # fmt: skip
        fresh = BatchedNet(cfg, data, [1], torch.float64).seed_module(0)
        X = (data.X_val if split == "val" else data.X_train)[:rows]
        (r,) = train(cfg, data, [1], torch.float64)
        first = next(x for x in r.layers if x["step"] == 0 and x["layer"] == 1)
        hand = _dead_first_layer(fresh, X)
        assert 0 < hand < 1  # the bias leaves some units dead on so few rows
        assert first["dead"] == pytest.approx(hand)
        src = r.sources["dead"]
        assert src["rows"] == rows
        word = "validation" if split == "val" else "training"
        assert src["detail"].startswith(f"the {word} split's first {rows} rows (the probe)")
    with pytest.raises(ValueError, match="probe_split must be one of train, val"):
        RunConfig(probe_split="test").validate()
    with pytest.raises(ValueError, match=r"probe must be an int >= 1 \(rows\); got 0"):
        RunConfig(probe=0).validate()


def test_probe_and_histograms_from_toml_and_the_cli(tmp_path: Path) -> None:
    conf = normalise({"probe": 64, "probe_split": "val", "histograms": [0, 10]})
    assert conf == {"probe": 64, "probe_split": "val", "histograms": (0, 10)}
    assert normalise({"histograms": 5})["histograms"] == 5
    with pytest.raises(ValueError, match="histograms: expected an int k ≥ 1"):
        normalise({"histograms": 0})
    from typer.testing import CliRunner

    from actlab._cli import app

    db = tmp_path / "c.db"
    res = CliRunner().invoke(app, [
        "compare", "--dataset", "moons", "--activations", "relu", "--seeds", "1",
        "--steps", "10", "--probe", "32", "--probe-split", "val", "--histograms", "0,10",
        "--store", str(db), "--out", str(tmp_path / "r.html"),
    ])  # fmt: skip
    assert res.exit_code == 0, res.output
    st = Store(db, readonly=True)
    (run,) = st.runs()
    assert (run.config.probe, run.config.probe_split, run.config.histograms) == (32, "val", (0, 10))
    assert st.sources(run.id)["dead"]["rows"] == 32
    assert {h["step"] for h in st.histograms([run.id])[run.id]} == {0, 10}
    st.close()
    assert "Activation histograms per layer" in (tmp_path / "r.html").read_text()
    bad = CliRunner().invoke(app, ["compare", "--histograms", "x", "--store", str(db)])
    assert bad.exit_code == 1 and "--histograms: expected steps" in bad.output


# ---------------------------------------------------------------------- histograms


def test_histogram_bins_are_fixed_with_an_outer_bin_each_side() -> None:
    w = (HIST_HI - HIST_LO) / HIST_BINS
    v = torch.tensor([[-9.0, HIST_LO, HIST_LO + 0.5 * w, 0.0, HIST_HI - 1e-9, HIST_HI,
                       math.inf, -math.inf, math.nan]], dtype=torch.float64)  # fmt: skip
    counts = histogram(v)[0].tolist()
    assert len(counts) == HIST_BINS + 2 and sum(counts) == 8  # NaN is not counted
    assert counts[0] == 2  # -9 and -inf: below
    assert counts[1] == 2  # lo and lo + w/2: the first bin [lo, lo + w)
    assert counts[1 + round((0.0 - HIST_LO) / w)] == 1  # 0 opens its bin
    assert counts[HIST_BINS] == 1  # just under hi: the last bin
    assert counts[HIST_BINS + 1] == 2  # hi and inf: above


def test_histograms_are_the_probes_values_at_the_chosen_steps(tmp_path: Path) -> None:
    data = load("moons", seed=0)
    cfg = RunConfig(dataset="moons", activation="tanh", depth=2, width=8, steps=12,
                    eval_every=5, histograms=[0, 3, 12], probe=50)  # fmt: skip
    fresh = BatchedNet(cfg, data, [0, 1], torch.float64).seed_module(1).eval()
    runs = train(cfg, data, [0, 1], torch.float64)
    h = runs[1].histograms
    assert {(x["step"], x["layer"], x["kind"]) for x in h} == {
        (s, layer, k) for s in (0, 3, 12) for layer in (1, 2) for k in ("pre", "post")
    }
    with torch.no_grad():  # step 0 by hand: numpy's histogram of the fresh net's values
        z = fresh[0](torch.as_tensor(data.X_train[:50])).numpy().ravel()
    edges = np.linspace(HIST_LO, HIST_HI, HIST_BINS + 1)
    for kind, v in (("pre", z), ("post", np.tanh(z))):
        inner, _ = np.histogram(v[(v >= HIST_LO) & (v < HIST_HI)], edges)
        want = [int((v < HIST_LO).sum()), *inner.tolist(), int((v >= HIST_HI).sum())]
        got = next(x for x in h if (x["step"], x["layer"], x["kind"]) == (0, 1, kind))
        assert got["counts"] == want
    # every k steps: from 0, and the last
    assert RunConfig(steps=10, histograms=4).histogram_steps() == {0, 4, 8, 10}
    with pytest.raises(ValueError, match=r"histograms must be .* steps in 0\.\.steps \(10\)"):
        RunConfig(steps=10, histograms=(0, 11)).validate()


def test_store_migration_5_keeps_old_stores_and_the_report_draws_and_caps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = tmp_path / "old.db"  # a store at schema 4, as the actlab before histograms wrote it
    with sqlite3.connect(old) as c:
        for step in _store.MIGRATIONS[:4]:
            if callable(step):
                step(c)
            else:
                c.executescript(step)
        c.execute(f"PRAGMA application_id = {_store.APPLICATION_ID}")
        c.execute("PRAGMA user_version = 4")
    ro = Store(old, readonly=True)
    assert ro.version == 4 and ro.histograms([1]) == {1: []}  # read as it is: none
    ro.close()
    study = compare(
        dataset="moons", activations=["relu", "tanh", "sigmoid"], seeds=2, steps=10, depth=2,
        width=8, histograms=5, store=old, progress=False,
    )  # fmt: skip
    assert study.store.version == len(_store.MIGRATIONS) == 5
    ids = [r.id for r in study.runs]
    stored = study.store.histograms(ids)
    assert all(len(stored[i]) == 3 * 2 * 2 for i in ids)  # steps 0, 5, 10 × 2 layers × 2
    run = study.runs[0]
    (trained,) = [r for r in train(run.config, load("moons", seed=0), [run.seed])]
    assert [x["counts"] for x in stored[run.id]] == [
        x["counts"]
        for x in sorted(trained.histograms, key=lambda x: (x["step"], x["layer"], x["kind"]))
    ]
    summed = _report_layers.summed(stored[ids[0]] + stored[ids[1]])
    assert sum(summed[(0, 1, "pre")]) == 2 * 256 * 8  # both seeds' probes, every unit
    page = study.report(tmp_path / "r.html").read_text()
    assert page.count("<h4>") == 3 and "Activation histograms per layer" in page
    assert "metric: validation; dashed: training" in page
    monkeypatch.setattr(_report_layers, "HIST_MAX_CONFIGS", 2)
    page = study.report(tmp_path / "r2.html").read_text()
    assert page.count("<h4>") == 2 and "Histograms drawn for 2 of 3 configurations" in page
    study.store.close()


# ---------------------------------------------------------------------- a user's model


class _Born(nn.Module):
    """relu after a layer whose bias is -1000 (dead on every input), then tanh."""

    def __init__(self, act: nn.Module) -> None:
        super().__init__()
        self.a, self.b, self.out = nn.Linear(2, 16), nn.Linear(16, 16), nn.Linear(16, 1)
        with torch.no_grad():
            self.a.bias.fill_(-1e3)
        self.act, self.tanh = act, nn.Tanh()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.tanh(self.b(self.act(self.a(x)))))


def _born(act: nn.Module) -> nn.Module:
    return _Born(act)


def test_a_user_models_unit_health_is_the_lab_trainers_and_the_monitors() -> None:
    data = load("moons", seed=0)
    key = register(_born, None, [("relu", {})], data)
    cfg = RunConfig(dataset="moons", activation="relu", model=key, steps=20, eval_every=10,
                    probe=32, histograms=10)  # fmt: skip
    together = train_user(cfg, data, [0, 5], torch.float64)
    alone = train_user(cfg, data, [0, 5], torch.float64, batched=False)
    for r in together:
        first = [x for x in r.layers if x["layer"] == 1]
        assert [x["step"] for x in first] == [0, 10, 20]
        assert all(x["dead"] == 1.0 for x in first)  # the huge negative bias: all dead
        assert all(math.isnan(x["saturated"]) for x in first)  # relu does not saturate
        second = [x for x in r.layers if x["layer"] == 2]
        assert all(math.isnan(x["dead"]) for x in second)  # tanh cannot die
        assert all(x["flat"] == 0.0 for x in second)  # its input is its bias alone: small
        assert set(r.layers[0]) == {"step", "layer", "grad_norm", "dead", "saturated", "flat",
                                    "grad_rms"}  # fmt: skip
        assert first[0]["grad_norm"] == 0.0  # no gradient through the dead layer to a.weight
    for a, b in zip(together, alone, strict=True):  # batched = seed by seed, records too
        for x, y in zip(a.layers, b.layers, strict=True):
            np.testing.assert_allclose(
                [x[k] for k in sorted(x)], [y[k] for k in sorted(y)], equal_nan=True, **TOL
            )
        assert [h["counts"] for h in a.histograms] == [h["counts"] for h in b.histograms]
        np.testing.assert_allclose(
            [v for _, v in a.curves["train_metric"]], [v for _, v in b.curves["train_metric"]]
        )
    # the monitor (actlab.torch.watch) on seed 0's fresh net and the same 32 rows agrees
    with torch.random.fork_rng():
        torch.manual_seed(0)
        net = _Born(at.module("relu", precision="fast")).double().eval()
    with at.watch(net) as mon:
        out = net(torch.as_tensor(data.X_train[:32]))
        torch.nn.functional.binary_cross_entropy_with_logits(
            out[:, 0], torch.as_tensor(data.y_train[:32], dtype=torch.float64)
        ).backward()
        mon.step()
        rows = {r["layer"]: r for r in mon.summary()}
    ours = {x["layer"]: x for x in together[0].layers if x["step"] == 0}
    assert rows["act"]["dead"] == ours[1]["dead"] == 1.0
    assert rows["tanh"]["flat"] == ours[2]["flat"]
    assert rows["tanh"]["grad_rms"] == pytest.approx(ours[2]["grad_rms"], rel=1e-9)


def test_the_reports_mean_field_prediction_under_torch_init_and_tapered_widths() -> None:
    """relu passes E[f'(z)²] = 1/2 at any variance; torch's init has σ_w² = 1/3 on fan_in,
    so each gap multiplies the gradient by √(σ_back² / 2), σ_back² = fan_out / (3·fan_in)."""
    from actlab.lab._report import _predicted

    square = RunConfig(activation="relu", init="torch", depth=4, width=32)
    assert _predicted(square, 3) == pytest.approx((1 / 6) ** 1.5, rel=1e-6)
    tapered = RunConfig(activation="relu", init="torch", width=[64, 32, 16])
    assert _predicted(tapered, 2) == pytest.approx(1 / 12, rel=1e-6)
    assert _predicted(RunConfig(activation="relu", init="he", std=0.1, width=50), 1) == (
        pytest.approx(math.sqrt(0.1**2 * 50 / 2), rel=1e-6)
    )


def test_cli_loss_and_metric_from_a_file(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from actlab._cli import app

    f = tmp_path / "objectives.py"
    f.write_text(
        "def l1(logits, y):\n"
        "    return (logits[:, 0] - y.double()).abs()\n"
        "def share(logits, y):\n"
        "    return float((logits[:, 0] > 0).double().mean())\n"
    )
    db = tmp_path / "s.db"
    args = ["compare", "--dataset", "moons", "--activations", "relu", "--seeds", "1",
            "--steps", "10", "--loss", f"{f}:l1", "--metric", f"{f}:share", "--store", str(db),
            "--out", str(tmp_path / "r.html")]  # fmt: skip
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    st = Store(db, readonly=True)
    (run,) = st.runs()
    assert run.config.loss.startswith("user:l1#") and run.config.metric.startswith("user:share#")
    assert st.sources(run.id)["train_loss"]["detail"].startswith(run.config.loss + ": ")
    st.close()
    bad = CliRunner().invoke(app, [*args[:10], f"{f}:nope", *args[11:]])
    assert bad.exit_code == 1 and "--loss: objectives.py has no callable 'nope'" in bad.output
    worse = CliRunner().invoke(app, [*args[:10], "mse", *args[11:]])
    assert worse.exit_code == 1 and "loss must be a callable loss(logits, y) or FILE.py" in (
        worse.output
    )


def _cnn(act: nn.Module) -> nn.Module:
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), act, nn.Flatten(), nn.Linear(256, 10))


def test_a_user_cnns_channels_are_its_units_as_the_monitor_counts_them() -> None:
    data = load("digits", seed=0)
    key = register(_cnn, None, [("relu", {})], data)
    cfg = RunConfig(dataset="digits", activation="relu", model=key, steps=5, probe=32)
    with torch.random.fork_rng():
        torch.manual_seed(2)
        net = _cnn(at.module("relu", precision="fast")).double()
    with torch.no_grad():  # two of the four channels off on every pixel of every image
        net[0].bias[:2] = -100.0
    (r,) = train_user(cfg, data, [2], torch.float64)
    ours = next(x for x in r.layers if x["step"] == 0)
    assert ours["dead"] < 0.5  # the fresh net of seed 2 (no bias forced): some alive
    with at.watch(net.eval()) as mon:
        X = torch.as_tensor(data.X_train[:32]).reshape(32, *data.image_shape)
        nn.functional.cross_entropy(net(X), torch.as_tensor(data.y_train[:32])).backward()
        mon.step()
        assert mon.summary()[0]["dead"] >= 0.5
    # the same measurement through the lab: the probe on this net's weights
    from actlab.lab._models import _Probe

    params = {k: v.detach()[None].requires_grad_() for k, v in net.named_parameters()}
    seen = _Probe(net, net, params, {}, lambda out, y: nn.functional.cross_entropy(
        out[0], y[0])[None])(X, torch.as_tensor(data.y_train[:32]), grads=True)  # fmt: skip
    assert seen.health[0][0] == [mon.summary()[0]["dead"]]
    assert seen.health[0][3][0] == pytest.approx(mon.summary()[0]["grad_rms"], rel=1e-9)
