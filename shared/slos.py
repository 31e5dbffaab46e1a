"""Service-level objectives, described once; each cloud renders the same list natively.

Per public service (shared.contract: api, web) two objectives over a rolling 30 days:

- availability: the share of requests not answered with a 5xx status (request-based on both clouds: ALB
  `HTTPCode_Target_5XX_Count` of `RequestCount` per target group; Cloud Run `request_count` by
  `response_code_class`);
- latency: the share of one-minute windows whose p95 stays under `thresholds.response_time_seconds`
  (period-based on AWS: `TargetResponseTime` p95 per period; windows-based on GCP: a window is good when at
  least 95 % of its requests are faster than the threshold, the same statement).

Each objective has two multi-window burn-rate alerts (Google SRE workbook, "Alerting on SLOs", option 6): an alert
fires while the burn rate over both its long and its short window is above its rate; the short window lets the
alert clear soon after the burning stops.

- fast burn, pages: 1 h / 5 min above 14.4x (2 % of a 30-day budget spent in one hour);
- slow burn, warns: 6 h / 30 min above 6x (5 % of the budget in six hours).

The workbook's third tier (3 d / 6 h at 1x, a ticket) is left out: both clouds accept it (AWS look-back windows go
to 10080 minutes), but a tier that fires days after the burning starts adds nothing a weekly review of the
remaining budget (on both dashboards) does not already show.

jsii-free, and without importing shared.alerts (which imports shared.settings, which imports this module): severities
are the values of `shared.alerts.Severity` (a StrEnum, so they compare and hash equal).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

Problems = Iterator[tuple[str, str]]

# Cloud Monitoring's rolling periods go up to 30 days; the seed's figure is "over 30 days".
COMPLIANCE_DAYS = 30
# AWS period-based SLIs evaluate per period (60-900 s); GCP windows must be at least 60 s and divide a day.
WINDOW_SECONDS = 60
# Cloud Monitoring accepts goals up to 0.999; AWS takes any attainment goal below 100 %.
MAX_OBJECTIVE_PERCENT = 99.9
# AWS burn-rate look-back windows are 1-10080 minutes; Application Signals keeps at most 10 per SLO.
MAX_LOOK_BACK_MINUTES = 10080
MAX_BURN_RATE_WINDOWS = 10


class Indicator(StrEnum):
    AVAILABILITY = "availability"
    LATENCY = "latency"


@dataclass(frozen=True)
class BurnRateAlert:
    """Fires while the burn rate over both windows is above `rate` (1 = the budget lasts exactly the period)."""

    key: str
    severity: str  # a `shared.alerts.Severity` value: critical pages, warning emails
    long_window_minutes: int
    short_window_minutes: int
    rate: float

    @property
    def budget_spent_percent(self) -> float:
        """The share of the whole budget spent when the alert fires after its long window."""
        return round(100 * self.rate * self.long_window_minutes / (COMPLIANCE_DAYS * 24 * 60), 3)


FAST_BURN = BurnRateAlert("fast_burn", "critical", long_window_minutes=60, short_window_minutes=5, rate=14.4)
SLOW_BURN = BurnRateAlert("slow_burn", "warning", long_window_minutes=360, short_window_minutes=30, rate=6.0)
BURN_RATE_ALERTS = (FAST_BURN, SLOW_BURN)


def look_back_windows() -> tuple[int, ...]:
    """Every burn-rate window (minutes) an SLO must publish, ascending."""
    return tuple(sorted({m for a in BURN_RATE_ALERTS for m in (a.long_window_minutes, a.short_window_minutes)}))


@dataclass(frozen=True)
class SloSettings:
    """What an environment promises; the windows and burn rates above are constants (one alerting policy)."""

    availability_percent: float = 99.9  # share of requests answered without a 5xx, over `COMPLIANCE_DAYS`
    latency_percent: float = 99.0  # share of one-minute windows whose p95 is under `thresholds.response_time_seconds`

    def problems(self) -> Problems:
        # The fastest alert must be able to fire: an error rate of 100 % has to burn faster than its rate.
        floor = round(100 - 100 / max(alert.rate for alert in BURN_RATE_ALERTS), 3)
        for name in ("availability_percent", "latency_percent"):
            value = getattr(self, name)
            if not floor < value <= MAX_OBJECTIVE_PERCENT:
                yield (
                    name,
                    f"{value} is outside ({floor}, {MAX_OBJECTIVE_PERCENT}]: Cloud Monitoring accepts goals up to "
                    f"{MAX_OBJECTIVE_PERCENT} %, and below {floor} % a {max(a.rate for a in BURN_RATE_ALERTS)}x "
                    "burn rate can never happen",
                )


@dataclass(frozen=True)
class Slo:
    service: str  # shared.contract service name: api / web
    indicator: Indicator
    objective_percent: float
    summary: str
    latency_seconds: float | None = None  # latency: a good window's percentile stays at or under this
    latency_percentile: float | None = None

    @property
    def key(self) -> str:
        """`api-availability`: part of SLO, alarm and policy names on both clouds."""
        return f"{self.service}-{self.indicator.value}"

    @property
    def error_budget_ratio(self) -> float:
        return round(1 - self.objective_percent / 100, 6)

    @property
    def goal_ratio(self) -> float:
        return round(self.objective_percent / 100, 6)


def burn_alert_key(slo: Slo, alert: BurnRateAlert) -> str:
    """`api-availability-fast-burn`: hyphens only, so no alarm reader mistakes it for a catalog alert key."""
    return f"{slo.key}-{alert.key.replace('_', '-')}"


class _Environment(Protocol):
    """What `slos` reads of an environment's settings (a Protocol: shared.shared.settings imports this module)."""

    slos: SloSettings
    thresholds: Any


def slos(settings: _Environment) -> tuple[Slo, ...]:
    """The objectives of one environment, for every public service."""
    from shared.contract import SERVICES

    objectives = settings.slos
    t = settings.thresholds
    percentile = f"p{t.response_time_percentile:g}"
    found = []
    for service in SERVICES:
        found.append(
            Slo(
                service,
                Indicator.AVAILABILITY,
                objectives.availability_percent,
                f"{objectives.availability_percent:g} % of {service} requests answered without a 5xx",
            )
        )
        found.append(
            Slo(
                service,
                Indicator.LATENCY,
                objectives.latency_percent,
                f"{objectives.latency_percent:g} % of minutes with {service} {percentile} at or under "
                f"{t.response_time_seconds:g} s",
                latency_seconds=t.response_time_seconds,
                latency_percentile=t.response_time_percentile,
            )
        )
    return tuple(found)


def runbook_keys() -> tuple[str, ...]:
    """The runbook sections every burn-rate alarm and policy links (one per alert tier, shared by all SLOs)."""
    return tuple(f"slo_{alert.key}" for alert in BURN_RATE_ALERTS)
