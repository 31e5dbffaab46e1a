"""Usage the cost report assumes, per environment: the parts of a bill that traffic drives, not the resources.

Stated here so the estimate can be argued with: `make cost` prints them beside the result. Validated like the
settings (`SettingsError` naming environment and field). Kept beside `Settings`, not inside it: the stacks never
read these numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from shared.errors import SettingsError


@dataclass(frozen=True)
class UsageAssumptions:
    requests_millions_per_month: float  # requests reaching the edge (CDN / load balancer)
    backend_request_share: float  # share of requests the API serves; the rest the web frontend (0-1)
    average_request_seconds: float  # time a service spends on one request (Cloud Run bills it)
    egress_gb_per_month: float  # data sent to users
    static_egress_share: float  # share of egress that is cacheable static assets (GCP's CDN serves only those)
    object_storage_gb: float  # assets and uploads held in the data buckets
    access_log_gb_per_month: float  # load balancer and CDN access logs written to the log buckets
    log_gb_per_month: float  # application, flow, audit and WAF logs ingested
    nat_gb_per_month: float  # traffic from the services to the internet through NAT
    image_gb_per_repository: float  # container images kept per repository
    database_backup_gb: float  # backup storage the database's snapshots take
    alb_average_lcu: float  # ALB load balancer capacity units in use, on average
    peak_hours_per_day: float  # hours a day at which traffic peaks
    peak_task_multiplier: float  # Fargate tasks at peak, as a multiple of the minimum (capped at the maximum)

    def problems(self) -> list[tuple[str, str]]:
        found = []
        for item in fields(self):
            if getattr(self, item.name) < 0:
                found.append((item.name, f"{getattr(self, item.name)} must not be negative"))
        for name in ("backend_request_share", "static_egress_share"):
            if not 0 <= getattr(self, name) <= 1:
                found.append((name, f"{getattr(self, name)} is a share: 0-1"))
        if not 0 <= self.peak_hours_per_day <= 24:
            found.append(("peak_hours_per_day", f"{self.peak_hours_per_day} is outside 0-24"))
        if self.peak_task_multiplier < 1:
            found.append(("peak_task_multiplier", f"{self.peak_task_multiplier} is below 1 (the minimum)"))
        return found


USAGE = {
    "dev": UsageAssumptions(
        requests_millions_per_month=1,
        backend_request_share=0.6,
        average_request_seconds=0.2,
        egress_gb_per_month=10,
        static_egress_share=0.7,
        object_storage_gb=5,
        access_log_gb_per_month=1,
        log_gb_per_month=5,
        nat_gb_per_month=5,
        image_gb_per_repository=2,
        database_backup_gb=5,
        alb_average_lcu=0.5,
        peak_hours_per_day=0,
        peak_task_multiplier=1,
    ),
    "staging": UsageAssumptions(
        requests_millions_per_month=3,
        backend_request_share=0.6,
        average_request_seconds=0.2,
        egress_gb_per_month=50,
        static_egress_share=0.7,
        object_storage_gb=20,
        access_log_gb_per_month=3,
        log_gb_per_month=20,
        nat_gb_per_month=20,
        image_gb_per_repository=5,
        database_backup_gb=20,
        alb_average_lcu=1,
        peak_hours_per_day=8,
        peak_task_multiplier=1.5,
    ),
    # A barbershop platform in its first year: ~1 M bookings-related page and API requests a day.
    "production": UsageAssumptions(
        requests_millions_per_month=30,
        backend_request_share=0.6,
        average_request_seconds=0.2,
        egress_gb_per_month=1500,
        static_egress_share=0.7,
        object_storage_gb=500,
        access_log_gb_per_month=30,
        log_gb_per_month=200,
        nat_gb_per_month=200,
        image_gb_per_repository=10,
        database_backup_gb=200,
        alb_average_lcu=5,
        peak_hours_per_day=10,
        peak_task_multiplier=2,
    ),
}


def usage(environment: str) -> UsageAssumptions:
    """The validated assumptions of one environment."""
    if environment not in USAGE:
        raise SettingsError(str(environment), [("usage", f"no usage assumptions; have {sorted(USAGE)}")])
    problems = [(f"usage.{name}", problem) for name, problem in USAGE[environment].problems()]
    if problems:
        raise SettingsError(environment, problems)
    return USAGE[environment]
