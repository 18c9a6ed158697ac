"""The formula grammar: a tokenizer and a Pratt parser that build a small tree, never ``eval``.

Grammar (lowest precedence first)::

    formula    := comparison
    comparison := additive [("<" | "<=" | ">" | ">=") additive]
    additive   := term (("+" | "-") term)*
    term       := unary (("*" | "/") unary)*
    unary      := "-" unary | "+" unary | power
    power      := primary [("^" | "**") unary]          (right-associative; -x^2 = -(x^2))
    primary    := NUMBER | NAME | NAME "(" formula ("," formula)* ")" | "(" formula ")"

A NAME is ``x``, a declared parameter, ``pi`` or ``e``; a call names a whitelisted function
(``FUNCTIONS``) or an elementwise catalog activation. Comparisons are allowed only as the
condition of ``where(cond, a, b)`` or ``piecewise(c1, v1, c2, v2, ..., otherwise)``.
Every error is a ``FormulaError`` that shows the formula with a caret under the offending spot.
"""

from __future__ import annotations

import difflib
import keyword
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

#: Bounds on what a formula may be, so that parsing, sympy and compiling stay quick and a
#: hostile string cannot exhaust memory: 1000 characters hold any activation in the surveys
#: (the longest in the catalog, written out, is under 200); 40 levels of nesting and 400 nodes
#: likewise; |exponent| <= 64 keeps x^n finite-cost symbolically and its derivative printable.
MAX_LENGTH = 1000
MAX_DEPTH = 40
MAX_NODES = 400
MAX_EXPONENT = 64.0

#: function name -> (minimum, maximum) number of arguments (None: no maximum)
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "exp": (1, 1),
    "expm1": (1, 1),
    "log": (1, 1),
    "log1p": (1, 1),
    "sqrt": (1, 1),
    "abs": (1, 1),
    "sin": (1, 1),
    "cos": (1, 1),
    "tan": (1, 1),
    "tanh": (1, 1),
    "sinh": (1, 1),
    "cosh": (1, 1),
    "atan": (1, 1),
    "asinh": (1, 1),
    "erf": (1, 1),
    "erfc": (1, 1),
    "sigmoid": (1, 1),
    "softplus": (1, 1),
    "relu": (1, 1),
    "max": (2, None),
    "min": (2, None),
    "where": (3, 3),
    "piecewise": (3, None),
}
CONSTANTS = {"pi": math.pi, "e": math.e}
COMPARISONS = ("<", "<=", ">", ">=")


class FormulaError(ValueError):
    """A formula that is not accepted: the message names the spot and shows it with a caret."""

    def __init__(self, message: str, formula: str, pos: int) -> None:
        self.reason, self.formula, self.pos = message, formula, pos
        shown, caret = _window(formula, pos)
        super().__init__(f"{message} (at position {pos + 1})\n  {shown}\n  {caret}")


def _window(formula: str, pos: int, width: int = 70) -> tuple[str, str]:
    """The formula (a window of it, when long) and a caret line under position ``pos``."""
    start = max(0, min(pos - width // 2, len(formula) - width))
    text = formula[start : start + width]
    pre = "…" if start > 0 else ""
    post = "…" if start + width < len(formula) else ""
    return pre + text + post, " " * (len(pre) + pos - start) + "^"


@dataclass(frozen=True)
class Node:
    """One node of the tree: ``kind`` is "num", "name", "call", "neg", "bin" or "cmp"."""

    kind: str
    pos: int
    value: float = 0.0  # num
    name: str = ""  # name, call (function), bin/cmp (operator)
    args: tuple[Node, ...] = field(default=())

    def walk(self) -> Iterable[Node]:
        yield self
        for a in self.args:
            yield from a.walk()


@dataclass(frozen=True)
class Token:
    kind: str  # "num", "name", "op", "end", "bad" (a character the grammar does not have)
    text: str
    pos: int


_OPS = ("**", "<=", ">=", "+", "-", "*", "/", "^", "(", ")", ",", "<", ">")


def tokenize(formula: str) -> list[Token]:
    out: list[Token] = []
    i, n = 0, len(formula)
    while i < n:
        c = formula[i]
        if c.isspace():
            i += 1
            continue
        if c.isdigit() or (c == "." and i + 1 < n and formula[i + 1].isdigit()):
            j = i
            while j < n and formula[j].isdigit():
                j += 1
            if j < n and formula[j] == ".":
                j += 1
                while j < n and formula[j].isdigit():
                    j += 1
            if j < n and formula[j] in "eE":
                k = j + 1
                if k < n and formula[k] in "+-":
                    k += 1
                if k < n and formula[k].isdigit():
                    while k < n and formula[k].isdigit():
                        k += 1
                    j = k
            if j < n and (formula[j].isalpha() or formula[j] == "_" or formula[j] == "."):
                raise FormulaError(
                    f"malformed number {formula[i : j + 1]!r}",
                    formula,
                    j if formula[j] == "." else i,
                )
            out.append(Token("num", formula[i:j], i))
            i = j
            continue
        if c.isalpha() or c == "_":
            j = i
            while j < n and (formula[j].isalnum() or formula[j] == "_"):
                j += 1
            out.append(Token("name", formula[i:j], i))
            i = j
            continue
        for op in _OPS:
            if formula.startswith(op, i):
                out.append(Token("op", op, i))
                i += len(op)
                break
        else:  # reported when the parser reaches it, so the first problem is the one named
            out.append(Token("bad", c, i))
            i += 1
    out.append(Token("end", "", n))
    return out


class Parser:
    """Pratt parser over the tokens; ``names`` are the parameter names, ``catalog`` tells
    whether a function name is an elementwise catalog activation (and lists them for hints)."""

    def __init__(
        self,
        formula: str,
        params: Iterable[str],
        catalog: Callable[[str], bool],
        catalog_names: Iterable[str],
    ) -> None:
        self.formula = formula
        self.params = tuple(params)
        self.catalog = catalog
        self.catalog_names = tuple(catalog_names)
        self.tokens = tokenize(formula)
        self.i = 0
        self.depth = 0
        self.nodes = 0

    # ------------------------------------------------------------------ helpers

    def error(self, message: str, pos: int) -> FormulaError:
        return FormulaError(message, self.formula, pos)

    @property
    def tok(self) -> Token:
        t = self.tokens[self.i]
        if t.kind == "bad":
            what = {"=": "'=' (use a comparison < <= > >= inside where())", ".": "'.'"}
            raise self.error(
                f"unexpected character {what.get(t.text, repr(t.text))}; a formula has numbers, "
                "x, parameters, + - * / ^ **, parentheses and functions",
                t.pos,
            )
        return t

    def take(self) -> Token:
        t = self.tok
        self.i += 1
        return t

    def expect(self, text: str, opened: Token | None = None) -> Token:
        t = self.tok
        if t.kind == "op" and t.text == text:
            return self.take()
        if text == ")" and opened is not None:
            got = "the end of the formula" if t.kind == "end" else repr(t.text)
            raise self.error(
                f"unbalanced parentheses: '(' is never closed (found {got})", opened.pos
            )
        raise self.error(f"expected {text!r}, found {self._shown(t)}", t.pos)

    @staticmethod
    def _shown(t: Token) -> str:
        return "the end of the formula" if t.kind == "end" else repr(t.text)

    def node(self, kind: str, pos: int, **kw: object) -> Node:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.error(f"formula too large: more than {MAX_NODES} terms", pos)
        return Node(kind, pos, **kw)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ grammar

    def parse(self) -> Node:
        if len(self.formula) > MAX_LENGTH:
            raise FormulaError(
                f"formula too long: {len(self.formula)} characters (at most {MAX_LENGTH})",
                self.formula,
                MAX_LENGTH,
            )
        if self.tok.kind == "end":
            raise self.error("empty formula", 0)
        tree = self.comparison()
        t = self.tok
        if t.kind != "end":
            if t.kind == "op" and t.text == ")":
                raise self.error("unbalanced parentheses: ')' without a matching '('", t.pos)
            raise self.error(f"unexpected {self._shown(t)} after a complete expression", t.pos)
        self._check_conditions(tree, allowed=False)
        return tree

    def comparison(self) -> Node:
        left = self.additive()
        t = self.tok
        if t.kind == "op" and t.text in COMPARISONS:
            self.take()
            right = self.additive()
            if self.tok.kind == "op" and self.tok.text in COMPARISONS:
                raise self.error("chained comparisons are not allowed (a < x < b)", self.tok.pos)
            return self.node("cmp", t.pos, name=t.text, args=(left, right))
        return left

    def additive(self) -> Node:
        left = self.term()
        while self.tok.kind == "op" and self.tok.text in "+-":
            t = self.take()
            left = self.node("bin", t.pos, name=t.text, args=(left, self.term()))
        return left

    def term(self) -> Node:
        left = self.unary()
        while self.tok.kind == "op" and self.tok.text in ("*", "/"):
            t = self.take()
            left = self.node("bin", t.pos, name=t.text, args=(left, self.unary()))
        return left

    def unary(self) -> Node:
        t = self.tok
        if t.kind == "op" and t.text in "+-":
            self.take()
            self._deeper(t.pos)
            inner = self.unary()
            self.depth -= 1
            return inner if t.text == "+" else self.node("neg", t.pos, args=(inner,))
        return self.power()

    def power(self) -> Node:
        base = self.primary()
        t = self.tok
        if t.kind == "op" and t.text in ("^", "**"):
            self.take()
            self._deeper(t.pos)
            exponent = self.unary()
            self.depth -= 1
            value = constant_value(exponent)
            if value is not None and not abs(value) <= MAX_EXPONENT:
                raise self.error(
                    f"exponent {value:g} is too large (|exponent| <= {MAX_EXPONENT:g} allowed)",
                    t.pos,
                )
            return self.node("bin", t.pos, name="^", args=(base, exponent))
        return base

    def _deeper(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"formula nested too deeply (more than {MAX_DEPTH} levels)", pos)

    def primary(self) -> Node:
        t = self.tok
        if t.kind == "num":
            self.take()
            v = float(t.text)
            if not math.isfinite(v):
                raise self.error(f"number {t.text} is beyond the float range", t.pos)
            return self.node("num", t.pos, value=v)
        if t.kind == "op" and t.text == "(":
            self.take()
            self._deeper(t.pos)
            inner = self.comparison()
            self.expect(")", opened=t)
            self.depth -= 1
            return inner
        if t.kind == "name":
            self.take()
            nxt = self.tok
            if nxt.kind == "op" and nxt.text == "(":
                return self.call(t)
            return self.name(t)
        if t.kind == "end":
            raise self.error("the formula ends where a value is expected", t.pos)
        if t.text == ")":
            raise self.error("unbalanced parentheses or a missing value before ')'", t.pos)
        raise self.error(f"expected a value, found {t.text!r}", t.pos)

    def name(self, t: Token) -> Node:
        if t.text == "x" or t.text in self.params or t.text in CONSTANTS:
            return self.node("name", t.pos, name=t.text)
        if t.text in FUNCTIONS or self.catalog(t.text):
            raise self.error(f"{t.text} is a function: write {t.text}(...)", t.pos)
        known = ["x", *self.params, *CONSTANTS]
        close = difflib.get_close_matches(t.text, known, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        declared = (
            f"declared parameters: {', '.join(self.params)}"
            if self.params
            else "no parameters are declared (pass params={...} or --param NAME=VALUE)"
        )
        raise self.error(f"unknown name {t.text!r}{hint} (the variable is x; {declared})", t.pos)

    def call(self, t: Token) -> Node:
        fname = t.text
        if fname not in FUNCTIONS and not self.catalog(fname):
            pool = [*FUNCTIONS, *self.catalog_names]
            close = difflib.get_close_matches(fname.lower(), pool, n=2, cutoff=0.6)
            hint = ("; did you mean " + " or ".join(repr(c) for c in close) + "?") if close else ""
            raise self.error(
                f"unknown function {fname!r}{hint} (allowed: "
                f"{', '.join(FUNCTIONS)} and every elementwise catalog activation by name)",
                t.pos,
            )
        opened = self.take()  # "("
        self._deeper(opened.pos)
        args = [self.comparison()]
        while self.tok.kind == "op" and self.tok.text == ",":
            self.take()
            args.append(self.comparison())
        self.expect(")", opened=opened)
        self.depth -= 1
        lo, hi = FUNCTIONS.get(fname, (1, 1))
        if len(args) < lo or (hi is not None and len(args) > hi):
            want = f"{lo}" if lo == hi else (f"at least {lo}" if hi is None else f"{lo} to {hi}")
            raise self.error(f"{fname}() takes {want} argument(s), got {len(args)}", t.pos)
        if fname == "piecewise" and len(args) % 2 == 0:
            raise self.error(
                "piecewise(c1, v1, c2, v2, ..., otherwise) takes pairs and a final otherwise "
                f"value: an odd number of arguments, got {len(args)}",
                t.pos,
            )
        return self.node("call", t.pos, name=fname, args=tuple(args))

    def _check_conditions(self, n: Node, allowed: bool) -> None:
        """Comparisons only as conditions of where/piecewise; conditions must be comparisons."""
        if n.kind == "cmp" and not allowed:
            raise self.error(
                "a comparison is only allowed as the condition of where(cond, a, b) or "
                "piecewise(...)",
                n.pos,
            )
        if n.kind == "call" and n.name in ("where", "piecewise"):
            for i, a in enumerate(n.args):
                cond = i % 2 == 0 and i < len(n.args) - 1
                if cond and a.kind != "cmp":
                    raise self.error(
                        f"{n.name}(): argument {i + 1} must be a condition such as x > 0", a.pos
                    )
                self._check_conditions(a, allowed=cond)
            return
        for a in n.args:
            self._check_conditions(a, allowed=False)


def constant_value(n: Node) -> float | None:
    """The value of a subtree made of numbers, constants, + - * / ^ only (else None); a value
    too large to represent is inf, so a huge exponent like 9^9^9 is caught, not computed."""
    if n.kind == "num":
        return n.value
    if n.kind == "name":
        return CONSTANTS.get(n.name)
    if n.kind == "neg":
        v = constant_value(n.args[0])
        return None if v is None else -v
    if n.kind == "bin":
        a, b = constant_value(n.args[0]), constant_value(n.args[1])
        if a is None or b is None:
            return None
        try:
            if n.name == "+":
                return a + b
            if n.name == "-":
                return a - b
            if n.name == "*":
                return a * b
            if n.name == "/":
                return a / b if b != 0 else math.inf
            if abs(b) > 1e3 or (abs(a) > 1 and abs(b) * math.log(abs(a)) > 700):
                return math.inf
            return float(a**b) if a >= 0 or float(b).is_integer() else math.nan
        except (OverflowError, ZeroDivisionError):
            return math.inf
    return None


def check_param_name(name: str) -> None:
    """A parameter name must be an identifier that is not x, a constant, a function or a
    Python keyword, and not start with an underscore."""
    if not (name.isidentifier() and name.isascii()) or name.startswith("_"):
        raise ValueError(
            f"define: parameter name {name!r} must be a plain identifier (letters, digits, _; "
            "not starting with _)"
        )
    if name == "x" or name in CONSTANTS or name in FUNCTIONS or keyword.iskeyword(name):
        raise ValueError(
            f"define: parameter name {name!r} is taken (x is the variable; pi and e are "
            "constants; function names and Python keywords are reserved)"
        )
