"""train(on_eval=...): the seam a live view streams from. The callback sees exactly what the
results will hold, its predictions are the network's, raising stops the training, and its own
time is not counted as the training's."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from actlab.lab import Progress, RunConfig, load, train  # noqa: E402


def _cfg(**kw):
    base = dict(dataset="xor", activation="tanh", depth=2, width=8, steps=40, eval_every=10)
    base.update(kw)
    return RunConfig(**base)


def test_callback_sees_every_evaluation_and_the_final_curves():
    cfg = _cfg()
    data = load(cfg.dataset, seed=0)
    seen: list[tuple[int, int, list]] = []

    def on_eval(p: Progress) -> None:
        assert p.steps == 40 and p.seeds == (0, 1)
        seen.append((p.step, len(p.curves[0]["val_loss"]), list(p.curves[1]["val_metric"])))

    res = train(cfg, data, [0, 1], on_eval=on_eval)
    assert [s for s, _, _ in seen] == [0, 10, 20, 30, 40]
    assert [n for _, n, _ in seen] == [1, 2, 3, 4, 5]  # the record of that step is already in
    assert seen[-1][2] == res[1].curves["val_metric"]


def test_the_callback_does_not_change_the_training():
    cfg = _cfg(steps=30)
    data = load(cfg.dataset, seed=0)
    a = train(cfg, data, [3, 4], dtype=torch.float64)
    b = train(cfg, data, [3, 4], dtype=torch.float64, on_eval=lambda p: p.predict(data.X_val))
    for ra, rb in zip(a, b, strict=True):
        assert ra.curves["val_loss"] == rb.curves["val_loss"]
        assert ra.params == rb.params


def test_predict_is_the_sigmoid_of_the_logit_in_eval_mode():
    cfg = _cfg(steps=20, dataset="circle")
    data = load(cfg.dataset, seed=0)
    grid = np.array([[0.0, 0.0], [2.0, -1.0], [-3.0, 3.0]])
    got: list[np.ndarray] = []

    def on_eval(p: Progress) -> None:
        got.append(p.predict(grid))
        net = p._net
        with torch.no_grad():
            net.eval()
            logits = net(torch.as_tensor(grid, dtype=torch.float32).expand(2, 3, 2))
            net.train()
        expect = 1 / (1 + np.exp(-logits.double().numpy()))
        np.testing.assert_allclose(got[-1], expect, rtol=1e-6)
        assert p._net.training  # predict leaves the network as it found it

    train(cfg, data, [0, 1], on_eval=on_eval)
    assert got[0].shape == (2, 3, 1)
    assert ((got[-1] >= 0) & (got[-1] <= 1)).all()


def test_multiclass_predictions_are_probabilities():
    cfg = _cfg(steps=10, dataset="iris")
    data = load(cfg.dataset, seed=0)
    out: list[np.ndarray] = []
    train(cfg, data, [0], on_eval=lambda p: out.append(p.predict(data.X_test[:5])))
    np.testing.assert_allclose(out[-1].sum(-1), 1.0, rtol=1e-6)


class _Stop(Exception):
    pass


def test_raising_in_the_callback_stops_the_training():
    cfg = _cfg(steps=400)
    data = load(cfg.dataset, seed=0)
    steps: list[int] = []

    def on_eval(p: Progress) -> None:
        steps.append(p.step)
        if p.step >= 20:
            raise _Stop

    with pytest.raises(_Stop):
        train(cfg, data, [0], on_eval=on_eval)
    assert steps == [0, 10, 20]


def test_callback_time_is_not_training_time(monkeypatch):
    """On a fake clock that jumps 100 s inside each callback, the recorded times are the same
    as on the same fake clock without the jumps: the callbacks' time is not the training's."""
    from actlab.lab import _train

    def run(jump_by: float) -> tuple[list, float]:
        jump, ticks = [0.0], [0.0]

        def clock() -> float:  # a fake clock: 1 ms a reading, plus the jumps
            ticks[0] += 1e-3
            return ticks[0] + jump[0]

        def on_eval(p: Progress) -> None:
            jump[0] += jump_by

        monkeypatch.setattr(_train, "_clock", clock)
        cfg = _cfg(steps=20)
        res = train(cfg, load(cfg.dataset, seed=0), [0], on_eval=on_eval)
        assert jump[0] == 3 * jump_by  # 3 evaluations
        return res[0].curves["time"], res[0].wall

    (jumped, wall_j), (plain, wall_p) = run(100.0), run(0.0)
    # equal up to the fake readings' float rounding (the jumps would add 300 s)
    assert [s for s, _ in jumped] == [s for s, _ in plain]
    assert [t for _, t in jumped] == pytest.approx([t for _, t in plain], abs=1e-9)
    assert wall_j == pytest.approx(wall_p, abs=1e-9)
