"""The analysis layer: properties measured from the catalog, init gains, the advisor."""

from ._advisor import ARCHITECTURES, LAYERS, RULES, SYMPTOMS, TASKS, Recommendation, Rule, recommend
from ._init import Init, gain, initialize, recommended_init
from ._measure import Analysis, Expectations, GradientFlow, analyze, expectations, gradient_flow

__all__ = [
    "ARCHITECTURES",
    "LAYERS",
    "RULES",
    "SYMPTOMS",
    "TASKS",
    "Analysis",
    "Expectations",
    "GradientFlow",
    "Init",
    "Recommendation",
    "Rule",
    "analyze",
    "expectations",
    "gain",
    "gradient_flow",
    "initialize",
    "recommend",
    "recommended_init",
]
