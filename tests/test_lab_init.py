"""The lab's layer initialisation against PyTorch: init="torch" is nn.Linear/nn.Conv2d's own
draw, the schemes' statistics are torch.nn.init's, tapered widths give those layers."""

import itertools
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
stats = pytest.importorskip("scipy.stats")

from torch import nn  # noqa: E402

from actlab.lab import RunConfig, load  # noqa: E402
from actlab.lab._init import init_layer  # noqa: E402
from actlab.lab._train import BatchedNet  # noqa: E402


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_torch_init_is_a_fresh_nn_linear_and_conv(dtype):
    for seed in (0, 7):
        torch.manual_seed(seed)
        lin = nn.Linear(13, 5, dtype=dtype)
        conv = nn.Conv2d(3, 4, 3, dtype=dtype)
        gen = torch.Generator().manual_seed(seed)
        w, b = torch.empty(5, 13, dtype=dtype), torch.empty(5, dtype=dtype)
        init_layer(w, b, "torch", generator=gen)
        wc, bc = torch.empty(4, 3, 3, 3, dtype=dtype), torch.empty(4, dtype=dtype)
        init_layer(wc, bc, "torch", generator=gen)
        assert torch.equal(w, lin.weight) and torch.equal(b, lin.bias)
        assert torch.equal(wc, conv.weight) and torch.equal(bc, conv.bias)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_lab_torch_init_starts_where_torch_mlp_does(dtype):
    """A tapered MLP under init="torch": seed s's layers are torch.manual_seed(s) followed by
    building the same nn.Linear stack."""
    data = load("moons", seed=0)
    cfg = RunConfig(dataset="moons", width=[9, 5, 7], init="torch", activation="relu")
    assert cfg.depth == 3
    seeds = [2, 5]
    net = BatchedNet(cfg, data, seeds, dtype)
    for slot, seed in enumerate(seeds):
        ours = [m for m in net.seed_module(slot) if isinstance(m, nn.Linear)]
        torch.manual_seed(seed)
        sizes = [2, 9, 5, 7, 1]
        pairs = list(itertools.pairwise(sizes))
        ref = [nn.Linear(a, b, dtype=dtype) for a, b in pairs]
        assert [(m.in_features, m.out_features) for m in ours] == pairs
        for a, b in zip(ours, ref, strict=True):
            assert torch.equal(a.weight, b.weight) and torch.equal(a.bias, b.bias)


def test_torch_init_distribution_ks_against_nn_linear():
    """Many draws: init="torch" weights follow U(±1/√fan_in) and match nn.Linear's
    (two-sample KS over independent seeds), biases too."""
    fan_in = 40
    ours_w, ours_b, ref_w = [], [], []
    for seed in range(30):
        w, b = torch.empty(50, fan_in), torch.empty(50)
        init_layer(w, b, "torch", generator=torch.Generator().manual_seed(1000 + seed))
        ours_w.append(w.flatten().numpy())
        ours_b.append(b.numpy())
        torch.manual_seed(seed)
        ref_w.append(nn.Linear(fan_in, 50).weight.detach().flatten().numpy())
    bound = 1 / math.sqrt(fan_in)
    ow, ob = np.concatenate(ours_w), np.concatenate(ours_b)
    assert stats.kstest(ow, stats.uniform(-bound, 2 * bound).cdf).pvalue > 1e-3
    assert stats.kstest(ob, stats.uniform(-bound, 2 * bound).cdf).pvalue > 1e-3
    assert stats.ks_2samp(ow, np.concatenate(ref_w)).pvalue > 1e-3
    assert np.abs(ow).max() <= bound


@pytest.mark.parametrize(
    ("kw", "torch_fn"),
    [
        ({"init": "he"}, lambda t, g: nn.init.kaiming_normal_(t, nonlinearity="relu", generator=g)),
        (
            {"init": "he", "distribution": "uniform"},
            lambda t, g: nn.init.kaiming_uniform_(t, nonlinearity="relu", generator=g),
        ),
        (
            {"init": "xavier", "distribution": "uniform"},
            lambda t, g: nn.init.xavier_uniform_(t, generator=g),
        ),
        ({"init": "xavier", "gain": 5 / 3}, lambda t, g: nn.init.xavier_normal_(t, 5 / 3, g)),
        ({"init": "lecun", "std": 0.05}, lambda t, g: nn.init.normal_(t, 0.0, 0.05, g)),
    ],
)
def test_schemes_draw_as_torch_nn_init(kw, torch_fn):
    for shape in ((30, 20), (6, 3, 5, 5)):
        w = torch.empty(shape, dtype=torch.float64)
        init_layer(w, None, generator=torch.Generator().manual_seed(3), **kw)
        ref = torch.empty(shape, dtype=torch.float64)
        torch_fn(ref, torch.Generator().manual_seed(3))
        torch.testing.assert_close(w, ref, rtol=1e-12, atol=1e-15)


def test_bias_settings_and_errors():
    w, b = torch.empty(4, 3), torch.empty(4)
    init_layer(w, b, "he", generator=torch.Generator().manual_seed(0), bias_init=0.25)
    assert torch.equal(b, torch.full((4,), 0.25))
    init_layer(w, b, "torch", generator=torch.Generator().manual_seed(0), bias_init="zeros")
    assert not b.any()
    gen = torch.Generator().manual_seed(0)
    for bad, match in (
        ({"init": "kaiming_magic"}, "init must be one of auto, torch, he"),
        ({"gain": -1.0}, "gain must be a finite number > 0"),
        ({"gain": 1.0, "std": 0.1}, "gain or std, not both"),
        ({"distribution": "cauchy"}, "distribution must be one of normal, uniform"),
        ({"bias_init": "ones"}, "bias must be 'zeros', 'torch' or a finite number"),
    ):
        with pytest.raises(ValueError, match=match):
            init_layer(w, b, generator=gen, **{"init": "he", **bad})
    with pytest.raises(ValueError, match="RunConfig: bias must be"):
        RunConfig(bias="ones").validate()


def test_dead_relus_at_init_depend_on_bias():
    """A constant negative bias kills relus at init that a zero bias does not: the first
    layer's dead share is the units no probe row activates, computed here from the weights."""
    from actlab.lab import train

    data = load("moons", seed=0)
    deads = {}
    for bias in (0.0, -3.0):
        cfg = RunConfig(dataset="moons", width=16, depth=3, init="he", bias=bias, steps=1)
        first = BatchedNet(cfg, data, [0], torch.float64).seed_module(0)[0]
        z = torch.as_tensor(data.X_train[:256]) @ first.weight.T.double() + first.bias.double()
        expected = float((z <= 0).all(0).double().mean())
        res = train(cfg, data, [0])[0]
        deads[bias] = [r["dead"] for r in res.layers if r["step"] == 0]
        assert deads[bias][0] == pytest.approx(expected)
    assert all(b > a for a, b in zip(deads[0.0], deads[-3.0], strict=True))


def test_new_fields_at_default_keep_the_old_key():
    """A configuration that uses none of the later fields keeps the key stores already hold
    (the key as it was computed before: sha256 of every field's JSON)."""
    import dataclasses
    import hashlib
    import json

    cfg = RunConfig(dataset="moons", activation="tanh")
    old = {k: v for k, v in dataclasses.asdict(cfg).items()}
    later = ("gain", "std", "distribution", "bias", "channels", "data_dir", "task", "data_hash")
    for k in (*later, "probe", "probe_split", "histograms", "loss", "metric"):
        old.pop(k)
    blob = json.dumps(old, sort_keys=True, default=str)
    assert cfg.key() == hashlib.sha256(blob.encode()).hexdigest()[:16]
    assert RunConfig(activation="relu").key() != RunConfig(activation="tanh").key()
    assert RunConfig(bias=0.1).key() != RunConfig().key()
    assert RunConfig(probe=64).key() != RunConfig().key() != RunConfig(histograms=10).key()
    assert RunConfig(width=[4, 4]).key() != RunConfig(width=4, depth=2).key()


def test_per_layer_activations_and_their_auto_gains():
    """ "relu/tanh/sigmoid": each hidden layer its own activation, and under init="auto" its
    own variance-preserving gain (actlab.gain of that layer's activation)."""
    import actlab

    data = load("moons", seed=0)
    cfg = RunConfig(dataset="moons", width=[300, 300, 300], activation="relu/tanh/sigmoid")
    net = BatchedNet(cfg, data, [0], torch.float64)
    model = net.seed_module(0)
    acts = [m.spec.name for m in model if hasattr(m, "spec")]
    assert acts == ["relu", "tanh", "sigmoid"]
    linears = [m for m in model if isinstance(m, nn.Linear)]
    for lin, name in zip(linears[1:3], ["tanh", "sigmoid"], strict=True):
        want = actlab.gain(name) / math.sqrt(300)
        assert float(lin.weight.detach().std()) == pytest.approx(want, rel=0.02)
    with pytest.raises(ValueError, match="needs 3 names"):
        RunConfig(width=[4, 4, 4], activation="relu/tanh").validate()
    with pytest.raises(ValueError, match="deterministic elementwise"):
        RunConfig(width=[4, 4], activation="relu/rrelu").validate()


@pytest.mark.parametrize("activation", ["gelu", "silu/gelu"])
def test_lab_activation_precision_is_actlab_torchs_decision(activation):
    """The trainer passes the run's precision to actlab.torch and decides nothing itself:
    "fast" gives PyTorch's own gelu (its float32 erf, not correctly rounded), "exact" the
    catalog's value rounded once, each layer of a per-layer list the same way."""
    import actlab
    import actlab.torch as at

    data = load("moons", seed=0)
    z = torch.linspace(-6, 6, 4001, dtype=torch.float32)
    fns = {}
    for precision in ("fast", "exact"):
        cfg = RunConfig(dataset="moons", width=[8, 8], activation=activation, precision=precision)
        net = BatchedNet(cfg, data, [0], torch.float32)
        fns[precision] = net._act(z, 0, i=1)
        assert isinstance(net.layer_fns[1] if net.layer_fns else net.act_fn, at.ActlabModule)
    torch.testing.assert_close(fns["fast"], torch.nn.functional.gelu(z), rtol=0, atol=0)
    exact = torch.from_numpy(actlab.get("gelu")(z.double().numpy()).astype("float32"))
    torch.testing.assert_close(fns["exact"], exact, rtol=0, atol=0)
    assert not torch.equal(fns["fast"], fns["exact"])  # torch's erf differs: the test can fail
