"""Rule scoring: fit and engagement rules, decay, grades and the MQL rule (pure, no I/O)."""

from leadflow.domain.scoring.mql_rule import MqlRule, MqlRuleError, parse_mql_rule
from leadflow.domain.scoring.rules import (
    AccountFacts,
    ActivityFacts,
    PersonFacts,
    ScoringModel,
    compile_model,
)
from leadflow.domain.scoring.score import PersonScore, RuleContribution, score_person

__all__ = [
    "AccountFacts",
    "ActivityFacts",
    "MqlRule",
    "MqlRuleError",
    "PersonFacts",
    "PersonScore",
    "RuleContribution",
    "ScoringModel",
    "compile_model",
    "parse_mql_rule",
    "score_person",
]
