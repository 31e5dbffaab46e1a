"""The pull-request cost gate (reports/cost_diff.py): tooling only, no cloud resource reads it.

Each pull request prices the base and the head with `make cost`; the job fails when an environment's estimated
monthly cost grows by more than this environment's limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

Problems = Iterator[tuple[str, str]]


@dataclass(frozen=True)
class CostReviewSettings:
    # Largest increase of the environment's estimated monthly cost (both clouds, USD) one pull request may add
    # without the job failing; a reviewer who accepts more raises it in the same pull request.
    max_monthly_increase_usd: float = 100.0

    def problems(self) -> Problems:
        if not self.max_monthly_increase_usd >= 0:
            yield "max_monthly_increase_usd", f"{self.max_monthly_increase_usd} must be zero or more (USD a month)"
