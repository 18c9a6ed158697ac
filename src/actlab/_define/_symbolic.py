"""From the parse tree to sympy, built with sympy's constructors (never ``sympify`` on text):
the functions sympy lacks, the stable rewrites, the derivative and the switching points.

Two trees come from one parse: the *display* tree keeps max/min/relu as ``Max``/``Min`` (for
the LaTeX and text of f); the *work* tree writes them as ``Piecewise`` with the conventions
below, and is what is differentiated, compiled and checked.

Kink convention (documented in the README, tested): a condition decides its own tie —
``where(x > 0, a, b)`` at x = 0 takes b and b's derivative. ``relu(u)`` is ``where(u > 0, u, 0)``
(relu'(0) = 0, as the catalog and PyTorch); ``max(a, b)`` is ``where(a > b, a, b)`` and
``min(a, b)`` is ``where(a < b, a, b)``: at a tie they take the *second* argument's derivative
(``max(x, 0.01*x)`` has f'(0) = 0.01, the catalog's leaky_relu'(0) = negative_slope; write
``min(max(x, -1), 1)`` for hardtanh's flat-side 0 at both ends); ``abs(u)`` has abs'(0) = 0
(sign(0), as PyTorch).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy as sp

from ._parse import Node

X = sp.Symbol("x", real=True)


def _arg_latex(printer: Any, e: Any) -> str:
    return str(printer._print(e))


def _power(tex: str, exp: Any) -> str:
    """f(u)^n as the LaTeX printer asks for it (it passes the exponent)."""
    return tex if exp is None else r"\left(" + tex + r"\right)^{" + str(exp) + "}"


class sigmoid(sp.Function):  # type: ignore[misc]
    """σ(u) = 1/(1 + e^−u)."""

    def fdiff(self, argindex: int = 1) -> Any:
        u = self.args[0]
        return sigmoid(u) * sigmoid(-u)

    def _latex(self, printer: Any, exp: Any = None) -> str:
        return _power(r"\sigma\left(" + _arg_latex(printer, self.args[0]) + r"\right)", exp)


class softplus(sp.Function):  # type: ignore[misc]
    """log(1 + e^u)."""

    def fdiff(self, argindex: int = 1) -> Any:
        return sigmoid(self.args[0])

    def _latex(self, printer: Any, exp: Any = None) -> str:
        return _power(
            r"\operatorname{softplus}\left(" + _arg_latex(printer, self.args[0]) + r"\right)", exp
        )


class expm1(sp.Function):  # type: ignore[misc]
    """e^u − 1."""

    def fdiff(self, argindex: int = 1) -> Any:
        return sp.exp(self.args[0])

    def _latex(self, printer: Any, exp: Any = None) -> str:
        return _power(r"\left(e^{" + _arg_latex(printer, self.args[0]) + r"} - 1\right)", exp)


class log1p(sp.Function):  # type: ignore[misc]
    """log(1 + u)."""

    def fdiff(self, argindex: int = 1) -> Any:
        return 1 / (1 + self.args[0])

    def _latex(self, printer: Any, exp: Any = None) -> str:
        return _power(r"\log\left(1 + " + _arg_latex(printer, self.args[0]) + r"\right)", exp)


class npdf(sp.Function):  # type: ignore[misc]
    """φ(u) = e^(−u²/2)/√(2π), the standard normal density."""

    def fdiff(self, argindex: int = 1) -> Any:
        u = self.args[0]
        return -u * npdf(u)

    def _latex(self, printer: Any, exp: Any = None) -> str:
        return _power(r"\phi\left(" + _arg_latex(printer, self.args[0]) + r"\right)", exp)


class ndtr(sp.Function):  # type: ignore[misc]
    """Φ(u), the standard normal CDF: (1 + erf(u/√2))/2."""

    def fdiff(self, argindex: int = 1) -> Any:
        return npdf(self.args[0])

    def _latex(self, printer: Any, exp: Any = None) -> str:
        return _power(r"\Phi\left(" + _arg_latex(printer, self.args[0]) + r"\right)", exp)


CUSTOM: dict[str, type[sp.Function]] = {
    "sigmoid": sigmoid,
    "softplus": softplus,
    "expm1": expm1,
    "log1p": log1p,
    "ndtr": ndtr,
    "npdf": npdf,
}

# ---------------------------------------------------------------------- catalog activations

_CATALOG_FNS: dict[str, type[sp.Function]] = {}


def catalog_function(name: str, derivative: bool = False) -> type[sp.Function]:
    """A sympy function standing for the catalog activation ``name`` (its default parameters):
    its derivative is another such function, evaluated by the catalog's analytic f'."""
    key = f"d_{name}" if derivative else name
    if key not in _CATALOG_FNS:
        tex = (r"\operatorname{" + name.replace("_", r"\_") + "}") + ("'" if derivative else "")

        def fdiff(self: Any, argindex: int = 1) -> Any:
            if derivative:
                raise ValueError(
                    f"define: the second derivative of the catalog activation {name} is not "
                    "available (the catalog gives f and f')"
                )
            return catalog_function(name, derivative=True)(self.args[0])

        def latex(self: Any, printer: Any, exp: Any = None) -> str:
            return _power(tex + r"\left(" + _arg_latex(printer, self.args[0]) + r"\right)", exp)

        _CATALOG_FNS[key] = type(key, (sp.Function,), {"fdiff": fdiff, "_latex": latex})
    return _CATALOG_FNS[key]


def catalog_name(f: Any) -> tuple[str, bool] | None:
    """(name, is_derivative) when f is a catalog function class made here."""
    for key, cls in _CATALOG_FNS.items():
        if f is cls:
            return (key[2:], True) if key.startswith("d_") else (key, False)
    return None


# ---------------------------------------------------------------------- tree -> sympy

_SIMPLE: dict[str, Callable[[Any], Any]] = {
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "abs": sp.Abs,
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "tanh": sp.tanh,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "atan": sp.atan,
    "asinh": sp.asinh,
    "erf": sp.erf,
    "erfc": sp.erfc,
    "sigmoid": sigmoid,
    "softplus": softplus,
    "expm1": expm1,
    "log1p": log1p,
}
_CMP: dict[str, Callable[[Any, Any], Any]] = {
    "<": sp.StrictLessThan,
    "<=": sp.LessThan,
    ">": sp.StrictGreaterThan,
    ">=": sp.GreaterThan,
}


def to_sympy(
    node: Node, symbols: dict[str, Any], resolve: Callable[[str], str], display: bool
) -> Any:
    """The sympy expression of a parse tree; ``resolve`` maps a catalog name or alias to its
    canonical name; ``display`` keeps max/min/relu as Max/Min (else the Piecewise forms)."""

    def go(n: Node) -> Any:
        if n.kind == "num":
            v = n.value
            return sp.Integer(int(v)) if v.is_integer() and abs(v) < 2**53 else sp.Rational(repr(v))
        if n.kind == "name":
            if n.name == "x":
                return X
            if n.name == "pi":
                return sp.pi
            if n.name == "e":
                return sp.E
            return symbols[n.name]
        if n.kind == "neg":
            return -go(n.args[0])
        if n.kind == "cmp":
            return _CMP[n.name](go(n.args[0]), go(n.args[1]))
        if n.kind == "bin":
            a, b = go(n.args[0]), go(n.args[1])
            if n.name == "+":
                return a + b
            if n.name == "-":
                return a - b
            if n.name == "*":
                return a * b
            if n.name == "/":
                return a / b
            return a**b
        args = [go(a) for a in n.args]
        f = n.name
        if f in _SIMPLE:
            return _SIMPLE[f](args[0])
        if f == "relu":
            return sp.Max(args[0], 0) if display else _pick(args[0], 0, ">")
        if f in ("max", "min"):
            if display:
                return (sp.Max if f == "max" else sp.Min)(*args)
            out = args[0]
            for b in args[1:]:
                out = _pick(out, b, ">" if f == "max" else "<")
            return out
        if f == "where":
            return sp.Piecewise((args[1], args[0]), (args[2], True))
        if f == "piecewise":
            pairs = [(args[i + 1], args[i]) for i in range(0, len(args) - 1, 2)]
            return sp.Piecewise(*pairs, (args[-1], True))
        return catalog_function(resolve(f))(args[0])

    return go(node)


def _pick(a: Any, b: Any, op: str) -> Any:
    cond = sp.StrictGreaterThan(a, b) if op == ">" else sp.StrictLessThan(a, b)
    return sp.Piecewise((a, cond), (b, True))


# ---------------------------------------------------------------------- stable rewrites

#: every rewrite: its name (what ``check`` reports) and what it buys
REWRITES: dict[str, str] = {
    "softplus": "log(1 + exp(u)) -> softplus(u): no overflow of exp for large u",
    "log1p": "log(1 + u) -> log1p(u): no loss of the small u in 1 + u",
    "log_sigmoid": "log(sigmoid(u)) -> -softplus(-u): no log(0) where sigmoid underflows",
    "sigmoid": "1/(1 + exp(-u)) -> sigmoid(u): no overflow, exp of a non-positive argument only",
    "expm1": "exp(u) - 1 -> expm1(u): no cancellation for small u",
    "ndtr": "1 + erf(u) and erfc(u) -> 2*Phi(sqrt(2)*u): exact in the far tail",
    "sigmoid_complement": "1 - sigmoid(u) -> sigmoid(-u): no cancellation for large u",
    "tanh_sigmoid": "1 + tanh(u) -> 2*sigmoid(2u): no cancellation for large negative u",
    "sech2": "1 - tanh(u)^2 -> 4*sigmoid(2u)*sigmoid(-2u): no cancellation for large |u|",
}


def _one_plus(u: Any) -> Any | None:
    """v when u = 1 + v (as sympy writes it), else None."""
    if isinstance(u, sp.Add) and sp.S.One in u.args:
        rest = list(u.args)
        rest.remove(sp.S.One)
        return sp.Add(*rest)
    return None


def stabilize(e: Any, used: set[str]) -> Any:
    """e with the stable primitives substituted, bottom-up; ``used`` collects the rewrites."""
    if not e.args or isinstance(e, sp.Symbol):
        return e
    if isinstance(e, sp.Piecewise):
        new = [(stabilize(v, used), c) for v, c in e.args]
        e = sp.Piecewise(*new)
    else:
        args = [stabilize(a, used) for a in e.args]
        if args != list(e.args):
            e = e.func(*args)
    return _rewrite_once(e, used)


def _rewrite_once(e: Any, used: set[str]) -> Any:
    if isinstance(e, sp.log):
        u = e.args[0]
        v = _one_plus(u)
        if v is not None and isinstance(v, sp.exp):
            used.add("softplus")
            return softplus(v.args[0])
        if v is not None:
            used.add("log1p")
            return log1p(v)
        if isinstance(u, sigmoid):
            used.add("log_sigmoid")
            return -softplus(-u.args[0])
        return e
    if isinstance(e, sp.Pow) and e.args[1] == -1:
        v = _one_plus(e.args[0])
        if v is not None and isinstance(v, sp.exp):
            used.add("sigmoid")
            return sigmoid(-v.args[0])
        return e
    if isinstance(e, sp.erfc):
        used.add("ndtr")
        return 2 * ndtr(-sp.sqrt(2) * e.args[0])
    if isinstance(e, sp.Mul):
        return _rewrite_mul(e, used)
    if isinstance(e, sp.Add):
        return _rewrite_add(e, used)
    return e


def _rewrite_mul(e: Any, used: set[str]) -> Any:
    """exp(u)·(1 + exp(u))^−1 -> sigmoid(u) (exp(x)/(1+exp(x)), and softplus' own f')."""
    factors = list(e.args)
    for i, a in enumerate(factors):
        if not isinstance(a, sp.exp):
            continue
        for j, b in enumerate(factors):
            if isinstance(b, sp.Pow) and b.args[1] == -1 and _one_plus(b.args[0]) == a:
                used.add("sigmoid")
                rest = [f for k, f in enumerate(factors) if k not in (i, j)]
                return sp.Mul(*rest, sigmoid(a.args[0]))
    return e


def _rewrite_add(e: Any, used: set[str]) -> Any:
    """c + s·g(u) with c = ±1 and g one of exp, erf, sigmoid, tanh, s = ±1 (a coefficient)."""
    terms = list(e.args)
    nums = [t for t in terms if t.is_Number]
    if len(nums) != 1 or nums[0] not in (sp.S.One, sp.S.NegativeOne):
        return e
    c = nums[0]
    for t in terms:
        if t is c:
            continue
        s, g = t.as_coeff_Mul()
        if abs(s) != 1 or not g.args:
            continue
        u = g.args[0]
        rest = [r for r in terms if r is not c and r is not t]
        new = None
        if isinstance(g, sp.Pow) and g.args[1] == 2 and isinstance(u, sp.tanh) and c == -s:
            used.add("sech2")  # s·(tanh²(v) − 1) = −s·sech²(v)
            v = u.args[0]
            return sp.Add(*rest, -4 * s * sigmoid(2 * v) * sigmoid(-2 * v))
        if isinstance(g, sp.exp) and c == -s:  # s·(exp(u) − 1)
            used.add("expm1")
            new = s * expm1(u)
        elif isinstance(g, sp.erf) and c == s:  # s·(1 + erf(u))
            used.add("ndtr")
            new = 2 * s * ndtr(sp.sqrt(2) * u)
        elif isinstance(g, sp.erf):  # s·(erf(u) − 1) = −s·erfc(u)
            used.add("ndtr")
            new = -2 * s * ndtr(-sp.sqrt(2) * u)
        elif isinstance(g, sigmoid) and c == -s:  # s·(sigmoid(u) − 1)
            used.add("sigmoid_complement")
            new = -s * sigmoid(-u)
        elif isinstance(g, sp.tanh) and c == s:  # s·(1 + tanh(u))
            used.add("tanh_sigmoid")
            new = 2 * s * sigmoid(2 * u)
        elif isinstance(g, sp.tanh):  # s·(tanh(u) − 1)
            used.add("tanh_sigmoid")
            new = -2 * s * sigmoid(-2 * u)
        if new is not None:
            return sp.Add(*rest, new)
    return e


# ---------------------------------------------------------------------- structure queries


def switching(e: Any) -> list[Any]:
    """The expressions whose zeros are where e may switch branch: every Piecewise condition's
    lhs − rhs, and the argument of every abs and sign."""
    out: list[Any] = []
    for sub in sp.preorder_traversal(e):
        if isinstance(sub, sp.Piecewise):
            for _, cond in sub.args:
                for rel in sp.preorder_traversal(cond):
                    if isinstance(rel, sp.core.relational.Relational):
                        out.append(rel.lhs - rel.rhs)
        elif isinstance(sub, sp.Abs | sp.sign | sp.Heaviside):
            out.append(sub.args[0])
    uniq: list[Any] = []
    for g in out:
        if g.has(X) and not any(sp.simplify(g - h) == 0 or sp.simplify(g + h) == 0 for h in uniq):
            uniq.append(g)
    return uniq


def is_smooth_everywhere(e: Any) -> bool:
    """No piecewise part and no catalog activation: a composition of analytic functions."""
    for sub in sp.preorder_traversal(e):
        if isinstance(sub, sp.Piecewise | sp.Abs | sp.sign | sp.Heaviside | sp.Max | sp.Min):
            return False
        if isinstance(sub, sp.Function) and catalog_name(type(sub)) is not None:
            return False
    return True


def simplified(e: Any, max_ops: int = 30) -> Any:
    """sympy's simplify where the expression is small enough for it to be quick (its cost grows
    steeply: ~2 s at 30 operations on a slow machine), else e as the chain rule gives it."""
    if sp.count_ops(e) > max_ops:
        return e
    try:
        s = sp.simplify(e)
    except (TypeError, ValueError, NotImplementedError):
        return e
    return s if sp.count_ops(s) <= sp.count_ops(e) else e
