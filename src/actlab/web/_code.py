""" "Copy as code": the train panel's network in PyTorch, Keras and JAX (each activation by the
catalog's own peer names, ``spec.peers``), and the ``actlab compare`` command that runs the
same study (the lab's ``_command``, the line a study stores)."""

from __future__ import annotations

import itertools
import shlex
from typing import Any

from .._catalog import Activation, Peer, get
from .._define import split_activations
from ..lab._run import RunConfig

#: each framework's loss for the lab's tasks (the loss on logits the lab trains with)
LOSSES = {
    "torch": {
        "binary": "nn.BCEWithLogitsLoss()",
        "multilabel": "nn.BCEWithLogitsLoss()",
        "multiclass": "nn.CrossEntropyLoss()",
        "regression": "nn.MSELoss()",
    },
    "keras": {
        "binary": "keras.losses.BinaryCrossentropy(from_logits=True)",
        "multilabel": "keras.losses.BinaryCrossentropy(from_logits=True)",
        "multiclass": "keras.losses.SparseCategoricalCrossentropy(from_logits=True)",
        "regression": "keras.losses.MeanSquaredError()",
    },
}


def _kwargs(act: Activation, peer: Peer) -> dict[str, Any] | None:
    """The peer's keyword arguments for these parameter values; None where a value cannot be
    passed (a parameter the peer does not take, away from its default)."""
    out: dict[str, Any] = dict(peer.fixed)
    for k, v in act.params.items():
        if k not in peer.params:
            if v != act.spec.param(k).default:
                return None
            continue
        if v is None or v == act.spec.param(k).default:
            continue
        out[peer.params[k]] = peer.values.get(k, {}).get(v, v)
    return out


def _args(kw: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in kw.items())


def _torch_layer(act: Activation) -> str:
    peer = act.spec.peers.torch
    kw = None if peer is None or peer.module is None or peer.tensors else _kwargs(act, peer)
    if peer is not None and peer.module is not None and kw is not None:
        return f"{peer.module}({_args(kw)})"
    params = "".join(f", {k}={v!r}" for k, v in act.params.items() if _plain(v))
    return f"actlab.torch.module({act.name!r}{params})"


def _keras_act(act: Activation) -> str:
    peer = act.spec.peers.keras
    kw = None if peer is None or peer.module is not None else _kwargs(act, peer)
    if peer is None or kw is None:
        return f"None  # Keras has no {act.name}: {act.spec.text}"
    return peer.name if not kw else f"lambda x: {peer.name}(x, {_args(kw)})"


def _jax_act(act: Activation) -> str:
    peer = act.spec.peers.jax
    kw = None if peer is None else _kwargs(act, peer)
    if peer is None or kw is None:
        return f"None  # JAX has no {act.name}: {act.spec.text}"
    return peer.name if not kw else f"functools.partial({peer.name}, {_args(kw)})"


def _plain(v: Any) -> bool:
    return isinstance(v, int | float | str | bool | type(None))


def layer_acts(spec: str, depth: int) -> list[Activation]:
    """The hidden layers' activations of one network: "relu" for every layer, "relu/tanh" per
    layer (the lab's per-layer list; the last entry repeats)."""
    from ..lab._config import parse_activation

    names = [p.strip() for p in spec.split("/")]
    acts = []
    for n in names:
        name, params = parse_activation(n)
        acts.append(get(name, **params))
    return [acts[min(i, len(acts) - 1)] for i in range(depth)]


def code(
    activation: str,
    widths: list[int],
    features: int,
    outputs: int,
    task: str,
    lr: float,
    optimizer: str,
) -> dict[str, str]:
    """PyTorch, Keras and JAX code that builds this network (``features`` inputs, the hidden
    ``widths`` with their activations, ``outputs`` logits) with its loss and optimizer."""
    momentum = RunConfig.momentum  # the momentum the page's "momentum" trains with
    acts = layer_acts(activation, len(widths))
    sizes = [features, *widths]
    t_layers = []
    for (a, b), act in zip(itertools.pairwise(sizes), acts, strict=True):
        t_layers.append(f"    nn.Linear({a}, {b}), {_torch_layer(act)},")
    t_layers.append(f"    nn.Linear({sizes[-1]}, {outputs}),")
    t_opt = {
        "adam": f"torch.optim.Adam(model.parameters(), lr={lr!r})",
        "sgd": f"torch.optim.SGD(model.parameters(), lr={lr!r})",
        "momentum": f"torch.optim.SGD(model.parameters(), lr={lr!r}, momentum={momentum!r})",
    }[optimizer]
    uses_actlab = any(_torch_layer(a).startswith("actlab.") for a in acts)
    pytorch = "\n".join(
        [
            "import torch",
            "from torch import nn",
            *(["import actlab.torch"] if uses_actlab else []),
            "",
            "model = nn.Sequential(",
            *t_layers,
            ")",
            f"loss_fn = {LOSSES['torch'][task]}",
            f"optimizer = {t_opt}",
        ]
    )
    k_layers = [f"    keras.Input(shape=({features},)),"]
    for w, act in zip(widths, acts, strict=True):
        k_layers.append(f"    keras.layers.Dense({w}, activation={_keras_act(act)}),")
    k_layers.append(f"    keras.layers.Dense({outputs}),")
    k_opt = {
        "adam": f"keras.optimizers.Adam(learning_rate={lr!r})",
        "sgd": f"keras.optimizers.SGD(learning_rate={lr!r})",
        "momentum": f"keras.optimizers.SGD(learning_rate={lr!r}, momentum={momentum!r})",
    }[optimizer]
    keras = "\n".join(
        [
            "import keras",
            "",
            "model = keras.Sequential([",
            *k_layers,
            "])",
            f"model.compile(optimizer={k_opt}, loss={LOSSES['keras'][task]})",
        ]
    )
    j_acts = ", ".join(_jax_act(a).split("  #")[0] for a in acts)
    missing = [a.name for a in acts if _jax_act(a).startswith("None")]
    j_opt = {
        "adam": f"optax.adam({lr!r})",
        "sgd": f"optax.sgd({lr!r})",
        "momentum": f"optax.sgd({lr!r}, momentum={momentum!r})",
    }[optimizer]
    jax = "\n".join(
        [
            "import functools",
            "import jax",
            "import jax.numpy as jnp",
            "import optax",
            "",
            *([f"# JAX has no {', '.join(missing)}: write f(x) with jax.numpy"] if missing else []),
            f"SIZES = {[*sizes, outputs]}",
            f"ACTIVATIONS = [{j_acts}]",
            "",
            "def init(key):",
            "    keys = jax.random.split(key, len(SIZES) - 1)",
            "    return [(jax.random.normal(k, (a, b)) / jnp.sqrt(a), jnp.zeros(b))",
            "            for k, a, b in zip(keys, SIZES[:-1], SIZES[1:])]",
            "",
            "def forward(params, x):",
            "    for (w, b), f in zip(params[:-1], ACTIVATIONS):",
            "        x = f(x @ w + b)",
            "    w, b = params[-1]",
            "    return x @ w + b",
            "",
            f"optimizer = {j_opt}",
        ]
    )
    return {"pytorch": pytorch, "keras": keras, "jax": jax}


def cli_command(name: str, conf: dict[str, Any], upload_name: str | None = None) -> str:
    """The ``actlab compare`` line for this study (the lab's own ``_command``); an upload is
    named by the user's file name (the server's copy is temporary)."""
    from ..lab._study import _command

    line = _command(name, conf)
    if upload_name is not None and "path" in conf:
        line = line.replace(shlex.quote(str(conf["path"])), shlex.quote(upload_name))
    return line


__all__ = ["LOSSES", "cli_command", "code", "layer_acts", "split_activations"]
