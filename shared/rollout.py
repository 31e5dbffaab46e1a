"""How a release reaches users on AWS: ECS blue/green with the same candidate check as GCP (ops/release.py).

The new revision (green) starts beside the serving one (blue) in the alternate target group; the load balancer's
test rule sends requests carrying the candidate header (shared/contract.py) to it; the deployment pauses after that
test traffic shift until the release's check through the load balancer continues or rolls it back; production
traffic then moves at once and both revisions run for the bake time, during which the rollback alarms return
traffic to blue. jsii-free: aws_stacks/compute.py and ops/release.py read it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

Problems = Iterator[tuple[str, str]]

# ECS's range for BakeTimeInMinutes, and for a lifecycle hook's TimeoutInMinutes (14 days).
MAX_BAKE_TIME_MINUTES = 1440
MAX_PAUSE_MINUTES = 20160
# The lifecycle stage the deployment waits at: green takes all test traffic, blue still all production traffic.
PAUSE_STAGE = "POST_TEST_TRAFFIC_SHIFT"


@dataclass(frozen=True)
class RolloutSettings:
    # Minutes both revisions keep running after production traffic moved: the rollback alarms' window.
    bake_time_minutes: int = 10
    # Minutes the deployment waits at the candidate check before ECS rolls it back by itself (a release that died
    # between starting and deciding never ships an unchecked revision).
    candidate_check_timeout_minutes: int = 30

    def problems(self) -> Problems:
        if not 0 <= self.bake_time_minutes <= MAX_BAKE_TIME_MINUTES:
            yield "bake_time_minutes", f"{self.bake_time_minutes} is outside ECS's 0-{MAX_BAKE_TIME_MINUTES}"
        if not 1 <= self.candidate_check_timeout_minutes <= MAX_PAUSE_MINUTES:
            yield (
                "candidate_check_timeout_minutes",
                f"{self.candidate_check_timeout_minutes} is outside ECS's 1-{MAX_PAUSE_MINUTES}",
            )
