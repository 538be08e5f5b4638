"""patrolrules: the Wanzhou patrol regulation as rules that run, verify and explain themselves."""

from . import synth
from .assessment import Assessment, AssessmentInput, assess
from .case import Case
from .decision import Decision
from .errors import InputError, PatrolRulesError, Problem, RuleProblem, RulesetError
from .observation import Observation
from .records import (
    AnnualPlan,
    LedgerEntry,
    PatrolTeam,
    Validation,
    ledger_entry_from,
    stop_measures_owed,
    validate_ledger,
    validate_plan,
    validate_team,
)
from .ruleset import Ruleset, load_ruleset
from .whatif import Comparison, compare

__version__ = "0.1.0"

__all__ = [
    "AnnualPlan",
    "Assessment",
    "AssessmentInput",
    "Case",
    "Comparison",
    "Decision",
    "InputError",
    "LedgerEntry",
    "Observation",
    "PatrolRulesError",
    "PatrolTeam",
    "Problem",
    "RuleProblem",
    "Ruleset",
    "RulesetError",
    "Validation",
    "__version__",
    "assess",
    "compare",
    "ledger_entry_from",
    "load_ruleset",
    "stop_measures_owed",
    "synth",
    "validate_ledger",
    "validate_plan",
    "validate_team",
]
