"""What an environment may spend: its monthly budget on both clouds (`BudgetSettings`), and the pull-request cost
gate (`CostReviewSettings`, reports/cost_diff.py: tooling only, no cloud resource reads it).

Each pull request prices the base and the head with `make cost`; the job fails when an environment's estimated
monthly cost grows by more than this environment's limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.checks import Problems, check, percent_problem, positive_problem
from shared.provider_facts import MAX_BUDGET_NOTIFICATIONS


@dataclass(frozen=True)
class CostReviewSettings:
    # Largest increase of the environment's estimated monthly cost (both clouds, USD) one pull request may add
    # without the job failing; a reviewer who accepts more raises it in the same pull request.
    max_monthly_increase_usd: float = 100.0

    def problems(self) -> Problems:
        if not self.max_monthly_increase_usd >= 0:
            yield "max_monthly_increase_usd", f"{self.max_monthly_increase_usd} must be zero or more (USD a month)"


@dataclass(frozen=True)
class BudgetSettings:
    """The monthly budget: AWS Budgets and the Cloud Billing budget notify at these shares of one limit."""

    monthly_limit_usd: int
    alert_at_percent: tuple[float, ...]  # shares of the limit that notify, on actual and on forecast spend

    def problems(self) -> Problems:
        yield from check("monthly_limit_usd", positive_problem(self.monthly_limit_usd))
        for value in self.alert_at_percent:
            yield from check("alert_at_percent", percent_problem(value))
        if len(self.alert_at_percent) * 2 > MAX_BUDGET_NOTIFICATIONS:
            yield (
                "alert_at_percent",
                f"{len(self.alert_at_percent)} shares need {len(self.alert_at_percent) * 2} notifications (actual and "
                f"forecast); AWS Budgets allows {MAX_BUDGET_NOTIFICATIONS} per budget",
            )
