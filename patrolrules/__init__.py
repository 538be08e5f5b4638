"""patrolrules: the Wanzhou patrol regulation as rules that run, verify and explain themselves."""

from .case import Case
from .decision import Decision
from .errors import InputError, PatrolRulesError, Problem, RuleProblem, RulesetError
from .observation import Observation
from .ruleset import Ruleset, load_ruleset

__version__ = "0.1.0"

__all__ = [
    "Case",
    "Decision",
    "InputError",
    "Observation",
    "PatrolRulesError",
    "Problem",
    "RuleProblem",
    "Ruleset",
    "RulesetError",
    "__version__",
    "load_ruleset",
]
