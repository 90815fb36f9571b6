"""Short written definitions of every dashboard number; docs/metrics.md holds the long form and examples."""

from __future__ import annotations

DEFINITIONS: dict[str, tuple[str, str]] = {
    "entered": (
        "People entering a stage",
        "Distinct people who reached the stage (or a later funnel stage, when they jumped over it) for the "
        "first time inside the period. A person who goes Lead -> SQL counts as having passed MQL and SAL "
        "and is flagged as skipped.",
    ),
    "skipped": (
        "Skipped",
        "Of the people entering a stage, those who never had a real entry into it: they jumped "
        "over it to a later stage (typical of imported CRM history).",
    ),
    "to_next_rate": (
        "Conversion to the next stage",
        "Cohort conversion: of the people who entered the stage in the period, the share that reached "
        "the next funnel stage by the as-of time (whenever that happened).",
    ),
    "to_won_rate": (
        "Conversion to won",
        "Of the people who entered the stage in the period, the share that became "
        "customers by the as-of time.",
    ),
    "to_next_p50_days": (
        "Median days to the next stage",
        "Median time from entering the stage to reaching the next one, among those who did.",
    ),
    "days_in_stage": (
        "Days in stage",
        "Median time people spend in the stage before leaving it; the Kaplan-Meier "
        "median also counts people still in the stage (censored at the as-of time).",
    ),
    "still_in_stage": (
        "Still in stage",
        "People who entered the stage in the period and are still there now.",
    ),
    "plan": (
        "Plan to goal",
        "The reverse waterfall: from the revenue goal of the period, the won revenue to date, "
        "the trailing 12-month conversion rates, deal size and cycle times, how many people each stage still "
        "needs and by when they must enter; the gap is what the current pipeline does not cover.",
    ),
    "sla_compliance": (
        "SLA compliance",
        "Per team: deadlines met on time divided by deadlines met or breached, "
        "for deadlines due in the period (up to now). Open deadlines are not counted until they "
        "are met or breached; a deadline met late counts as breached.",
    ),
    "leakage": (
        "Leakage",
        "People stuck in no-man's-land right now, by cause (MQL never routed, routed but "
        "unanswered past the SLA, recycled but never enrolled in nurture, SAL without a touch, SQL without "
        "an opportunity, opportunity past its close date). Not bound to the period.",
    ),
    "marketing_sourced_revenue": (
        "Marketing-sourced revenue",
        "Won revenue in the period from opportunities whose lead was created by "
        "marketing (sourced_by = marketing).",
    ),
    "marketing_influenced_revenue": (
        "Marketing-influenced revenue",
        "Won revenue in the period from opportunities whose people (lead or buying "
        "committee) had at least one marketing touch (an activity not made by a rep) "
        "before the opportunity was created, whoever sourced them.",
    ),
    "trend": (
        "Trend",
        "The same figure over the previous period of equal kind (previous quarter, month or year), "
        "with the relative change.",
    ),
}
