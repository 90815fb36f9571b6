"""Attribution of conversions to channels: rule models, exact Markov removal effects and Shapley values."""

from leadflow.domain.attribution.catalog import MODEL_NAMES, run_model
from leadflow.domain.attribution.journey import (
    NONE,
    Attribution,
    Journey,
    PathTotals,
    Touch,
    aggregate_paths,
    journey_rows,
)
from leadflow.domain.attribution.markov import MarkovResult, markov_attribution, path_states
from leadflow.domain.attribution.rules import (
    FIRST_TOUCH,
    FULL_PATH,
    LAST_TOUCH,
    LINEAR,
    POSITION_BASED,
    RULE_MODELS,
    W_SHAPED,
    LinearModel,
    MilestoneModel,
    RuleModel,
    TimeDecayModel,
    attribute,
    position_based,
    rule_model,
    split_journey,
    touch_shares,
)
from leadflow.domain.attribution.shapley import shapley_attribution

__all__ = [
    "FIRST_TOUCH",
    "FULL_PATH",
    "LAST_TOUCH",
    "LINEAR",
    "MODEL_NAMES",
    "NONE",
    "POSITION_BASED",
    "RULE_MODELS",
    "W_SHAPED",
    "Attribution",
    "Journey",
    "LinearModel",
    "MarkovResult",
    "MilestoneModel",
    "PathTotals",
    "RuleModel",
    "TimeDecayModel",
    "Touch",
    "aggregate_paths",
    "attribute",
    "journey_rows",
    "markov_attribution",
    "path_states",
    "position_based",
    "rule_model",
    "run_model",
    "shapley_attribution",
    "split_journey",
    "touch_shares",
]
