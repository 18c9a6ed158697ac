"""Torch tensors in, torch tensors out — the same definition — and parity with
torch.nn.functional, generated from each spec's ``peers.torch`` (so the mapping is tested too)."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import pytest

import actlab
from actlab._catalog import Spec
from actlab_oracle.formulas import CASES
from tests.conftest import SPECS, make

torch = pytest.importorskip("torch")


def _x(spec: Spec) -> np.ndarray:
    x = np.concatenate([np.linspace(-8, 8, 161), np.random.default_rng(0).normal(0, 4, 79)])
    return x.reshape(-1, 6) if spec.kind != "elementwise" else x


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_torch_in_torch_out_same_values_as_numpy(spec: Spec) -> None:
    act = make(spec.name)
    for np_dt, t_dt in ((np.float32, torch.float32), (np.float64, torch.float64)):
        x = _x(spec).astype(np_dt)
        y_np = act(x)
        y_t = act(torch.from_numpy(x))
        assert isinstance(y_t, torch.Tensor) and y_t.dtype == t_dt
        ulp = np.spacing(np.abs(y_np)).astype(np.float64)
        diff = np.abs(y_t.numpy().astype(np.float64) - y_np.astype(np.float64))
        assert np.all((diff <= 4 * ulp) | (diff == 0)), spec.name
        if spec.kind == "elementwise":
            d_t = act.derivative(torch.from_numpy(x))
            d_np = act.derivative(x)
            ulp = np.spacing(np.abs(d_np)).astype(np.float64)
            diff = np.abs(d_t.numpy().astype(np.float64) - d_np.astype(np.float64))
            assert np.all((diff <= 4 * ulp) | (diff == 0)), spec.name


@pytest.mark.parametrize("dt", ["float16", "bfloat16", "float32", "float64"])
def test_torch_dtypes_kept_and_ints_become_the_default_float(dt: str) -> None:
    x = torch.linspace(-3, 3, 7, dtype=getattr(torch, dt))
    for name in ("gelu", "softmax", "glu", "mish"):
        act = actlab.get(name)
        xx = x[:6] if name == "glu" else x
        assert act(xx).dtype == getattr(torch, dt)
    assert actlab.relu(torch.arange(-2, 3)).dtype == torch.get_default_dtype()
    with pytest.raises(TypeError, match="gelu: x must be real"):
        actlab.gelu(torch.tensor([1 + 1j]))


def _peer_call(spec: Spec, params: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    peer = spec.peers.torch
    assert peer is not None
    mod, _, attr = peer.name.rpartition(".")
    fn = getattr(importlib.import_module(mod), attr)
    kwargs = dict(peer.fixed)
    bound = make(spec.name, **params).params
    for ours, theirs in peer.params.items():
        v = bound[ours]
        v = peer.values.get(ours, {}).get(v, v)
        if theirs in peer.tensors:
            v = torch.tensor([v], dtype=torch.float64)
        kwargs[theirs] = v
    return fn, kwargs


PARITY = [
    (s, p)
    for s in SPECS
    if s.peers.torch is not None and s.name != "gumbel_softmax"
    for p in CASES.get(s.name, [{}])
    if all(k in s.peers.torch.params for k in p)
]


@pytest.mark.parametrize(("spec", "params"), PARITY, ids=[f"{s.name}-{p}" for s, p in PARITY])
def test_parity_with_torch_functional(spec: Spec, params: dict[str, Any]) -> None:
    act = make(spec.name, **params)
    fn, kwargs = _peer_call(spec, params)
    x = _x(spec)
    kinks = [k for k, _ in act.kinks] if spec.kind == "elementwise" else []
    x = np.concatenate([x, np.array(kinks)]) if kinks else x
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    yt = fn(xt, **kwargs)
    ours = act(x)
    np.testing.assert_allclose(ours, yt.detach().numpy(), rtol=1e-12, atol=1e-14)
    g = np.random.default_rng(1).normal(size=ours.shape)
    yt.backward(torch.tensor(g))
    theirs = xt.grad.numpy()
    mine = act.vjp(x, g)
    differ = (
        np.isin(x, spec.peers.torch.grad_differs_at)
        if spec.kind == "elementwise"
        else (np.zeros(x.shape, bool))
    )
    np.testing.assert_allclose(
        mine[~differ], theirs[~differ], rtol=spec.peers.torch.grad_rtol, atol=1e-13
    )
    if differ.any():  # the documented convention differences are real differences
        assert np.all(mine[differ] != theirs[differ])


def test_hardswish_kinks_are_the_flat_and_linear_sides() -> None:
    # PyTorch once gave −0.5 and 1.5 here (its bug); the pinned 2.13 agrees with actlab.
    x = torch.tensor([-3.0, 3.0], dtype=torch.float64, requires_grad=True)
    torch.nn.functional.hardswish(x).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0]
    assert actlab.get("hard_swish").derivative(np.array([-3.0, 3.0])).tolist() == [0.0, 1.0]


def test_softplus_threshold_reproduces_torch_default() -> None:
    x = torch.linspace(-30, 30, 601, dtype=torch.float64)
    ours = actlab.get("softplus", threshold=20)(x)
    torch.testing.assert_close(ours, torch.nn.functional.softplus(x), rtol=1e-15, atol=0)


def test_prelu_per_channel_matches_torch() -> None:
    w = torch.tensor([0.1, -0.2, 0.3], dtype=torch.float64)
    x = torch.randn(4, 3, 5, dtype=torch.float64, requires_grad=True)
    y = torch.nn.functional.prelu(x, w)
    act = actlab.get("prelu", alpha=w.numpy())
    np.testing.assert_array_equal(act(x.detach().numpy()), y.detach().numpy())
    g = torch.randn_like(y)
    wg = w.clone().requires_grad_(True)
    torch.nn.functional.prelu(x, wg).backward(g)
    np.testing.assert_allclose(
        act.param_vjp(x.detach().numpy(), g.numpy())["alpha"], wg.grad.numpy(), rtol=1e-12
    )


def test_rrelu_eval_matches_torch_and_generators_work() -> None:
    x = torch.linspace(-3, 3, 13, dtype=torch.float64)
    torch.testing.assert_close(actlab.rrelu(x), torch.nn.functional.rrelu(x, training=False))
    g1, g2 = torch.Generator().manual_seed(0), torch.Generator().manual_seed(0)
    a = actlab.get("rrelu", training=True, generator=g1)(x)
    b = actlab.get("rrelu", training=True, generator=g2)(x)
    torch.testing.assert_close(a, b)


JAX_PEERS = [s for s in SPECS if s.peers.jax is not None and s.kind == "elementwise"]


@pytest.mark.parametrize("spec", JAX_PEERS, ids=lambda s: s.name)
def test_jax_parity_where_installed(spec: Spec) -> None:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    peer = spec.peers.jax
    assert peer is not None
    mod, _, attr = peer.name.rpartition(".")
    fn = getattr(importlib.import_module(mod), attr)
    act = make(spec.name)
    kwargs = {
        t: peer.values.get(o, {}).get(act.params[o], act.params[o]) for o, t in peer.params.items()
    }
    x = np.concatenate([np.linspace(-6, 6, 241), [k for k, _ in act.kinks]])
    np.testing.assert_allclose(np.asarray(fn(x, **kwargs)), act(x), rtol=1e-12, atol=1e-14)
    grad = np.asarray(jax.vmap(jax.grad(lambda t: fn(t, **kwargs)))(x))
    differ = np.isin(x, peer.grad_differs_at)
    np.testing.assert_allclose(grad[~differ], act.derivative(x)[~differ], rtol=1e-10, atol=1e-13)
    if differ.any():  # the documented convention differences are real differences
        assert np.all(grad[differ] != act.derivative(x)[differ])
