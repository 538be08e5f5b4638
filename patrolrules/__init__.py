"""patrolrules: the Wanzhou patrol regulation as rules that run, verify and explain themselves."""

from . import synth
from .decision import Decision
from .errors import InputError, PatrolRulesError, Problem, RuleProblem, RulesetError
from .observation import Observation
from .ruleset import Ruleset, load_ruleset
from .whatif import Comparison, compare

__version__ = "0.1.0"

__all__ = [
    "Comparison",
    "Decision",
    "InputError",
    "Observation",
    "PatrolRulesError",
    "Problem",
    "RuleProblem",
    "Ruleset",
    "RulesetError",
    "__version__",
    "compare",
    "load_ruleset",
    "synth",
]
