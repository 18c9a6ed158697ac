"""Textbook NumPy versions of each elementwise activation and its derivative: the formulas as a
course or a blog writes them (no stable forms), computed in the input's dtype. They are the
baseline the benchmarks measure actlab against; they are not used by actlab."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import erf

F = Callable[[np.ndarray], np.ndarray]


def _s(x: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1 / (1 + np.exp(-x))
    return out


def _phi(x: np.ndarray) -> np.ndarray:
    out: np.ndarray = 0.5 * (1 + erf(x / np.sqrt(2)))
    return out


_SA, _SL = 1.6732632423543772, 1.0507009873554805
_C = np.sqrt(2 / np.pi)


def _gelu_t(x: np.ndarray) -> np.ndarray:
    out: np.ndarray = 0.5 * x * (1 + np.tanh(_C * (x + 0.044715 * x**3)))
    return out


TEXTBOOK: dict[str, tuple[F, F]] = {
    "binary_step": (lambda x: (x >= 0).astype(x.dtype), lambda x: np.zeros_like(x)),
    "linear": (lambda x: 1.0 * x, lambda x: np.ones_like(x)),
    "sigmoid": (_s, lambda x: _s(x) * (1 - _s(x))),
    "tanh": (np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    "relu": (lambda x: np.maximum(x, 0), lambda x: (x > 0).astype(x.dtype)),
    "leaky_relu": (lambda x: np.where(x >= 0, x, 0.01 * x), lambda x: np.where(x > 0, 1, 0.01)),
    "prelu": (lambda x: np.where(x >= 0, x, 0.25 * x), lambda x: np.where(x > 0, 1, 0.25)),
    "rrelu": (lambda x: np.where(x >= 0, x, 11 / 48 * x), lambda x: np.where(x > 0, 1, 11 / 48)),
    "elu": (lambda x: np.where(x > 0, x, np.exp(x) - 1), lambda x: np.where(x > 0, 1, np.exp(x))),
    "selu": (
        lambda x: _SL * np.where(x > 0, x, _SA * (np.exp(x) - 1)),
        lambda x: _SL * np.where(x > 0, 1, _SA * np.exp(x)),
    ),
    "gelu": (
        lambda x: x * _phi(x),
        lambda x: _phi(x) + x * np.exp(-x * x / 2) / np.sqrt(2 * np.pi),
    ),
    "silu": (lambda x: x * _s(x), lambda x: _s(x) * (1 + x * (1 - _s(x)))),
    "mish": (
        lambda x: x * np.tanh(np.log(1 + np.exp(x))),
        lambda x: (
            np.tanh(np.log(1 + np.exp(x))) + x * (1 - np.tanh(np.log(1 + np.exp(x))) ** 2) * _s(x)
        ),
    ),
    "relu6": (lambda x: np.clip(x, 0, 6), lambda x: ((x > 0) & (x < 6)).astype(x.dtype)),
    "hardtanh": (lambda x: np.clip(x, -1, 1), lambda x: ((x > -1) & (x < 1)).astype(x.dtype)),
    "hard_sigmoid": (
        lambda x: np.clip(x / 6 + 0.5, 0, 1),
        lambda x: np.where((x > -3) & (x < 3), 1 / 6, 0),
    ),
    "hard_swish": (
        lambda x: x * np.clip(x / 6 + 0.5, 0, 1),
        lambda x: np.where(x < -3, 0, np.where(x > 3, 1, x / 3 + 0.5)),
    ),
    "celu": (
        lambda x: np.maximum(0, x) + np.minimum(0, np.exp(x) - 1),
        lambda x: np.where(x > 0, 1, np.exp(x)),
    ),
    "softplus": (lambda x: np.log(1 + np.exp(x)), _s),
    "softsign": (lambda x: x / (1 + np.abs(x)), lambda x: 1 / (1 + np.abs(x)) ** 2),
    "tanhshrink": (lambda x: x - np.tanh(x), lambda x: np.tanh(x) ** 2),
    "softshrink": (
        lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0)),
        lambda x: (np.abs(x) > 0.5).astype(x.dtype),
    ),
    "hardshrink": (
        lambda x: np.where(np.abs(x) > 0.5, x, 0),
        lambda x: (np.abs(x) > 0.5).astype(x.dtype),
    ),
    "threshold": (lambda x: np.where(x > 0.5, x, -1.0), lambda x: (x > 0.5).astype(x.dtype)),
    "log_sigmoid": (lambda x: np.log(_s(x)), lambda x: 1 - _s(x)),
    "exponential": (np.exp, np.exp),
    "squareplus": (
        lambda x: (x + np.sqrt(x * x + 4)) / 2,
        lambda x: (1 + x / np.sqrt(x * x + 4)) / 2,
    ),
    "sparse_plus": (
        lambda x: np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4)),
        lambda x: np.clip((x + 1) / 2, 0, 1),
    ),
    "sparse_sigmoid": (
        lambda x: np.clip((x + 1) / 2, 0, 1),
        lambda x: np.where((x > -1) & (x < 1), 0.5, 0),
    ),
    "bent_identity": (
        lambda x: (np.sqrt(x * x + 1) - 1) / 2 + x,
        lambda x: x / (2 * np.sqrt(x * x + 1)) + 1,
    ),
    "arctan": (np.arctan, lambda x: 1 / (1 + x * x)),
    "isru": (lambda x: x / np.sqrt(1 + x * x), lambda x: (1 + x * x) ** -1.5),
    "isrlu": (
        lambda x: np.where(x >= 0, x, x / np.sqrt(1 + x * x)),
        lambda x: np.where(x >= 0, 1, (1 + x * x) ** -1.5),
    ),
    "sine": (np.sin, np.cos),
    "sinc": (lambda x: np.sin(x) / x, lambda x: (x * np.cos(x) - np.sin(x)) / x**2),
    "gaussian": (lambda x: np.exp(-x * x), lambda x: -2 * x * np.exp(-x * x)),
    "squared_relu": (lambda x: np.maximum(x, 0) ** 2, lambda x: 2 * np.maximum(x, 0)),
    "star_relu": (
        lambda x: 0.8944 * np.maximum(x, 0) ** 2 - 0.4472,
        lambda x: 2 * 0.8944 * np.maximum(x, 0),
    ),
    "snake": (lambda x: x + np.sin(x) ** 2, lambda x: 1 + np.sin(2 * x)),
}
