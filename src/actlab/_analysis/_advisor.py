"""The selection guide as data: rules for hidden and output layers, architectures, depth and
symptoms. ``recommend`` matches them; it does not branch on names itself. The torch monitor
and the lab report use the same symptom rules for their advice."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, cast

from .._catalog import Activation, get
from ._init import Init, recommended_init

LAYERS = ("hidden", "output")
TASKS = (
    "binary",
    "multiclass",
    "multilabel",
    "regression",
    "regression_0_1",
    "regression_-1_1",
    "count",
)
ARCHITECTURES = (
    "mlp",
    "cnn",
    "rnn",
    "transformer",
    "gan_discriminator",
    "gan_generator",
    "vae",
    "diffusion",
    "self_normalizing",
    "mobile",
)
SYMPTOMS = (
    "dead_units",
    "vanishing_gradients",
    "exploding_gradients",
    "nan_loss",
    "slow_convergence",
    "overfitting",
    "saturation",
)
VERY_DEEP = 20  # layers; from here smooth non-saturating activations train markedly better

_SPELLINGS = {
    "multi-class": "multiclass",
    "multi_class": "multiclass",
    "classification": "multiclass",
    "multi-label": "multilabel",
    "multi_label": "multilabel",
    "binary_classification": "binary",
    "counts": "count",
    "poisson": "count",
    "lstm": "rnn",
    "gru": "rnn",
    "nlp": "transformer",
    "llm": "transformer",
    "convnet": "cnn",
    "selu": "self_normalizing",
    "snn": "self_normalizing",
    "speed": "mobile",
    "speed_critical": "mobile",
    "gan": "gan_discriminator",
    "nan": "nan_loss",
    "dying_relu": "dead_units",
    "exploding": "exploding_gradients",
    "vanishing": "vanishing_gradients",
}


class Fix(str):
    """A fix (a str) with the conditions under which it is worth saying: ``saturating_only`` —
    it proposes a non-saturating activation, pointless for a net that has one; ``tasks`` —
    it applies only to these tasks (None: all); ``first_for`` — for these tasks it is the real
    cause and leads the list."""

    saturating_only: bool
    tasks: tuple[str, ...] | None
    first_for: tuple[str, ...]

    def __new__(
        cls,
        text: str,
        *,
        saturating_only: bool = False,
        tasks: tuple[str, ...] | None = None,
        first_for: tuple[str, ...] = (),
    ) -> Fix:
        obj = super().__new__(cls, text)
        obj.saturating_only, obj.tasks, obj.first_for = saturating_only, tasks, first_for
        return obj


CLASSIFICATION = ("binary", "multiclass", "multilabel")
REGRESSION = ("regression", "regression_0_1", "regression_-1_1", "count")


@dataclass(frozen=True)
class Rule:
    """When ``when`` matches the query, this rule speaks: it may name an activation (with
    parameters), the loss that goes with it, alternatives, and — for symptoms — checks and fixes.
    ``when`` keys: layer, task, architecture, min_depth, symptom."""

    id: str
    when: dict[str, Any]
    reason: str
    activation: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    loss: str | None = None
    alternatives: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    fixes: tuple[str, ...] = ()
    init: str | None = None  # an init note beyond recommended_init (e.g. "no batch-norm")


BCE = "binary cross-entropy on logits (torch.nn.BCEWithLogitsLoss)"
CE = "categorical cross-entropy on logits (torch.nn.CrossEntropyLoss)"

# Ordered: the first matching rule with an activation decides; the others add their reasons.
RULES: tuple[Rule, ...] = (
    # ------------------------------------------------------------------ symptoms (hidden layers)
    Rule(
        "dead_units",
        {"symptom": "dead_units"},
        "Units whose pre-activation stays below 0 get no gradient from relu and never recover; "
        "a small negative slope keeps them trainable.",
        activation="leaky_relu",
        alternatives=("elu", "gelu", "silu"),
        checks=(
            "fraction of units with f'(z) = 0 for every sample of a batch, per layer",
            "bias initialisation (large negative biases kill units)",
            "the learning rate",
        ),
        fixes=(
            "leaky_relu or elu in hidden layers",
            "He init (the exact gain)",
            "a lower learning rate",
            "biases initialised at 0 or slightly positive",
        ),
    ),
    Rule(
        "vanishing_gradients",
        {"symptom": "vanishing_gradients"},
        "Saturating activations multiply the gradient by f' < 1 per layer (σ' ≤ 1/4); over many "
        "layers it vanishes. Non-saturating activations with the exact-gain init keep χ ≈ 1.",
        activation="relu",
        alternatives=("silu", "gelu", "leaky_relu"),
        checks=(
            "ratio of the first layer's gradient norm to the last layer's",
            "sigmoid or tanh in hidden layers",
            "the init scale (Xavier with relu halves the variance per layer)",
        ),
        fixes=(
            Fix("relu-family activations in hidden layers", saturating_only=True),
            "He / exact-gain init",
            "residual connections",
            "batch or layer normalisation",
        ),
    ),
    Rule(
        "exploding_gradients",
        {"symptom": "exploding_gradients"},
        "Gradient norms that grow layer to layer mean χ > 1: the init is too large or the "
        "learning rate too high.",
        checks=(
            "gradient norm per layer",
            "the init gain against actlab.gain(activation)",
            "the learning rate",
        ),
        fixes=(
            "gradient clipping",
            Fix("a lower learning rate", first_for=REGRESSION),
            "exact-gain init",
            "normalisation layers",
        ),
    ),
    Rule(
        "nan_loss",
        {"symptom": "nan_loss"},
        "NaN loss usually starts with an overflow: exp of a large logit, log of 0, or exploding "
        "gradients.",
        checks=(
            "the first layer and step where NaN or inf appears",
            "whether the loss is taken on logits",
            "the learning rate",
        ),
        fixes=(
            Fix(
                "compute the loss on logits (BCEWithLogitsLoss, CrossEntropyLoss) instead of "
                "log(sigmoid) or log(softmax)",
                tasks=CLASSIFICATION,
            ),
            "gradient clipping",
            Fix("a lower learning rate", first_for=REGRESSION),
        ),
    ),
    Rule(
        "slow_convergence",
        {"symptom": "slow_convergence"},
        "Slow training with saturating or poorly scaled activations: smooth non-saturating "
        "activations with the exact gain usually converge faster.",
        activation="silu",
        alternatives=("gelu", "relu", "mish"),
        checks=(
            "saturated-unit fraction per layer",
            "the init scale",
            "the optimiser and learning rate",
        ),
        fixes=("silu or gelu in hidden layers", "exact-gain init", "Adam", "normalisation"),
    ),
    Rule(
        "overfitting",
        {"symptom": "overfitting"},
        "Overfitting is rarely the activation's fault; regularise the model instead.",
        checks=("the gap between training and validation metrics",),
        fixes=("dropout", "weight decay", "more data or data augmentation", "early stopping"),
    ),
    Rule(
        "saturation",
        {"symptom": "saturation"},
        "Units whose |f'(z)| is a thousandth of its maximum for most inputs pass no gradient: "
        "the pre-activations are too large for a saturating activation.",
        activation="relu",
        alternatives=("silu", "leaky_relu"),
        checks=(
            "share of a layer's samples in the flat region (|f'| < 1e-3·max|f'|)",
            "pre-activation variance",
        ),
        fixes=(
            Fix("relu-family activations", saturating_only=True),
            "exact-gain init so pre-activations stay near variance 1",
            "batch normalisation",
        ),
    ),
    # ------------------------------------------------------------------ output layers
    Rule(
        "output_binary",
        {"layer": "output", "task": "binary"},
        "One logit per example; sigmoid turns it into a probability.",
        activation="sigmoid",
        loss=BCE,
        alternatives=("softmax over two classes",),
    ),
    Rule(
        "output_multiclass",
        {"layer": "output", "task": "multiclass"},
        "One logit per class; softmax makes them a distribution over exclusive classes.",
        activation="softmax",
        loss=CE,
        alternatives=("log_softmax with NLL loss",),
    ),
    Rule(
        "output_multilabel",
        {"layer": "output", "task": "multilabel"},
        "Labels are not exclusive: one independent sigmoid per label (softmax would force them "
        "to compete).",
        activation="sigmoid",
        loss=BCE,
        alternatives=("sparsemax for sparse label sets",),
    ),
    Rule(
        "output_regression",
        {"layer": "output", "task": "regression"},
        "An unbounded target needs an unbounded, linear output.",
        activation="linear",
        loss="mean squared error (or Huber for outliers)",
    ),
    Rule(
        "output_regression_0_1",
        {"layer": "output", "task": "regression_0_1"},
        "A target in [0, 1] matches sigmoid's range.",
        activation="sigmoid",
        loss="mean squared error, or binary cross-entropy on logits for probabilities",
        alternatives=("hard_sigmoid",),
    ),
    Rule(
        "output_regression_-1_1",
        {"layer": "output", "task": "regression_-1_1"},
        "A target in [−1, 1] matches tanh's range.",
        activation="tanh",
        loss="mean squared error",
        alternatives=("hardtanh",),
    ),
    Rule(
        "output_count",
        {"layer": "output", "task": "count"},
        "Counts and rates are positive: softplus keeps the output positive with a gentle "
        "slope; exponential is the log link of Poisson regression.",
        activation="softplus",
        loss="Poisson negative log-likelihood",
        alternatives=("exponential (torch.nn.PoissonNLLLoss(log_input=True) on the logit)",),
    ),
    Rule(
        "output_gan_generator",
        {"layer": "output", "architecture": "gan_generator"},
        "Images scaled to [−1, 1]: tanh output (DCGAN).",
        activation="tanh",
        loss="the adversarial loss",
    ),
    Rule(
        "output_vae",
        {"layer": "output", "architecture": "vae"},
        "The encoder's mean and log-variance heads are linear; the decoder's output follows "
        "the data (sigmoid for [0, 1] pixels, linear for real values).",
        activation="linear",
        loss="reconstruction loss + KL divergence",
        alternatives=("sigmoid for Bernoulli pixels",),
    ),
    # ------------------------------------------------------------------ hidden layers
    Rule(
        "hidden_self_normalizing",
        {"layer": "hidden", "architecture": "self_normalizing"},
        "selu with LeCun-normal init keeps activations at mean 0, variance 1 through a plain "
        "MLP without normalisation layers.",
        activation="selu",
        alternatives=("elu",),
        init="LeCun normal; no batch-norm; alpha-dropout instead of dropout",
    ),
    Rule(
        "hidden_rnn",
        {"layer": "hidden", "architecture": "rnn"},
        "The recurrent state needs a bounded, zero-centred activation (tanh); the gates use "
        "sigmoid (LSTM, GRU).",
        activation="tanh",
        alternatives=("sigmoid (gates)",),
    ),
    Rule(
        "hidden_transformer",
        {"layer": "hidden", "architecture": "transformer"},
        "Transformers (BERT, GPT) use gelu in the feed-forward block; gated variants (swiglu) "
        "do better at the same parameter count.",
        activation="gelu",
        alternatives=("swiglu", "silu", "geglu"),
    ),
    Rule(
        "hidden_gan_discriminator",
        {"layer": "hidden", "architecture": "gan_discriminator"},
        "A discriminator needs gradients for every input: leaky_relu with slope 0.2 (DCGAN).",
        activation="leaky_relu",
        params={"negative_slope": 0.2},
        alternatives=("elu",),
    ),
    Rule(
        "hidden_gan_generator",
        {"layer": "hidden", "architecture": "gan_generator"},
        "DCGAN generators use relu in hidden layers and tanh at the output.",
        activation="relu",
        alternatives=("leaky_relu",),
    ),
    Rule(
        "hidden_vae",
        {"layer": "hidden", "architecture": "vae"},
        "VAE encoders and decoders train well with smooth rectifiers.",
        activation="silu",
        alternatives=("relu", "leaky_relu", "elu"),
    ),
    Rule(
        "hidden_diffusion",
        {"layer": "hidden", "architecture": "diffusion"},
        "Diffusion U-Nets use silu (swish) throughout.",
        activation="silu",
        alternatives=("gelu",),
    ),
    Rule(
        "hidden_mobile",
        {"layer": "hidden", "architecture": "mobile"},
        "Speed-critical and quantised models: relu6 / hard_swish avoid exp and stay bounded.",
        activation="relu6",
        alternatives=("hard_swish", "relu"),
    ),
    Rule(
        "hidden_very_deep",
        {"layer": "hidden", "min_depth": VERY_DEEP},
        f"At {VERY_DEEP}+ layers smooth, non-saturating activations (silu, gelu) train more "
        "reliably than relu.",
        activation="silu",
        alternatives=("gelu", "relu"),
    ),
    Rule(
        "hidden_default",
        {"layer": "hidden"},
        "relu is the cheap, well-understood default for hidden layers of MLPs and CNNs.",
        activation="relu",
        alternatives=("leaky_relu", "silu", "gelu"),
    ),
)


@dataclass(frozen=True)
class Recommendation:
    """The advisor's answer: an activation with its init and loss, alternatives, reasons, and
    for symptoms the checks to run and the fixes to try."""

    layer: str
    activation: Activation
    init: Init | None
    loss: str | None
    alternatives: tuple[str, ...]
    reasons: tuple[str, ...]
    checks: tuple[str, ...]
    fixes: tuple[str, ...]
    rules: tuple[str, ...]
    init_note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "activation": self.activation.name,
            "params": {k: v for k, v in self.activation.params.items()},
            "init": None
            if self.init is None
            else {
                "scheme": self.init.scheme,
                "mode": self.init.mode,
                "gain": self.init.gain,
                "note": self.init_note,
            },
            "loss": self.loss,
            "alternatives": list(self.alternatives),
            "reasons": list(self.reasons),
            "checks": list(self.checks),
            "fixes": list(self.fixes),
            "rules": list(self.rules),
        }


def _canon(value: str | None, allowed: tuple[str, ...], what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"recommend: {what} must be a str, got {type(value).__name__}")
    v = value.strip().lower().replace(" ", "_")
    v = _SPELLINGS.get(v, v)
    if v in allowed:
        return v
    close = difflib.get_close_matches(v, list(allowed), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"recommend: unknown {what} {value!r}{hint} (allowed: {', '.join(allowed)})")


def _matches(rule: Rule, q: dict[str, Any]) -> bool:
    for k, v in rule.when.items():
        if k == "min_depth":
            if q["depth"] is None or q["depth"] < v:
                return False
        elif k == "symptom":
            if v not in q["symptoms"]:
                return False
        elif q.get(k) != v:
            return False
    return True


def recommend(
    layer: str = "hidden",
    task: str | None = None,
    architecture: str | None = None,
    depth: int | None = None,
    symptoms: tuple[str, ...] | list[str] | str = (),
    current: str | None = None,
) -> Recommendation:
    """Which activation to use, with its init, loss, alternatives and the reasons.

    Args:
        layer: "hidden" or "output".
        task: for an output layer: one of ``TASKS`` ("binary", "multiclass", "multilabel",
            "regression", ...); None for a hidden layer.
        architecture: one of ``ARCHITECTURES`` ("mlp", "cnn", "rnn", "transformer", ...).
        depth: the number of layers, a positive int (deep stacks change the advice).
        symptoms: what training shows, from ``SYMPTOMS`` ("dead_units",
            "vanishing_gradients", ...): one name or several.
        current: the activation in use (a name or an Activation); a vector activation such
            as softmax in a hidden layer is an error that says why.

    Returns:
        A Recommendation: ``activation`` (an Activation), ``init``, ``loss``,
        ``alternatives``, ``reasons``, and for symptoms the ``checks`` and ``fixes``.
        Unknown names are errors that list the allowed ones.

    >>> import actlab
    >>> r = actlab.recommend(layer="output", task="multiclass")
    >>> r.activation.name, r.loss.split(" (")[0]
    ('softmax', 'categorical cross-entropy on logits')
    """
    lay = _canon(layer, LAYERS, "layer")
    tsk = _canon(task, TASKS, "task")
    arch = _canon(architecture, ARCHITECTURES, "architecture")
    if isinstance(symptoms, str):
        symptoms = (symptoms,)
    syms = tuple(_canon(s, SYMPTOMS, "symptom") for s in symptoms)
    if depth is not None and (isinstance(depth, bool) or not isinstance(depth, int) or depth < 1):
        raise ValueError(
            f"recommend: depth must be a positive int (number of layers), got {depth!r}"
        )
    if lay == "output" and tsk is None and arch not in ("gan_generator", "vae"):
        raise ValueError(
            "recommend: an output activation depends on the task; pass task= one "
            f"of {', '.join(TASKS)}"
        )
    if lay == "hidden" and tsk is not None:
        raise ValueError(
            f"recommend: task={tsk!r} describes the output layer; for layer="
            "'hidden' pass architecture= and depth= (or ask layer='output')"
        )
    if current is not None:
        cur = get(current)
        if lay == "hidden" and cur.kind == "vector":
            raise ValueError(
                f"recommend: {cur.name} is a vector activation that turns a layer into a "
                "probability distribution; in a hidden layer it couples units and shrinks "
                "gradients. Use it only at the output (task='multiclass')"
            )
    q = {"layer": lay, "task": tsk, "architecture": arch, "depth": depth, "symptoms": syms}
    matched = [r for r in RULES if _matches(r, q)]
    # symptom rules choose hidden activations; at the output they add their checks only
    chooser = [r for r in matched if "symptom" not in r.when] if lay == "output" else matched
    decider = next(r for r in chooser if r.activation is not None)
    act = get(cast(str, decider.activation), **decider.params)
    alternatives = list(decider.alternatives)
    for r in matched:
        if (
            r is not decider
            and r.activation
            and r.activation not in alternatives
            and (r.activation != act.name)
        ):
            alternatives.append(r.activation)
    reasons = [decider.reason] + [
        r.reason
        for r in matched
        if r is not decider and ("symptom" in r.when or r.activation is None)
    ]
    if current is not None and get(current).name != act.name:
        reasons.append(f"You use {get(current).name}; {act.name} is recommended here.")
    return Recommendation(
        layer=lay,  # type: ignore[arg-type]
        activation=act,
        init=recommended_init(act) if lay == "hidden" else None,
        loss=decider.loss,
        alternatives=tuple(alternatives),
        reasons=tuple(reasons),
        checks=tuple(c for r in matched for c in r.checks),
        fixes=tuple(f for r in matched for f in r.fixes),
        rules=tuple(r.id for r in matched),
        init_note=decider.init,
    )
