"""One environment's `Settings`: the sections composed, the checks that span sections, and production's rules.

Each section validates its own fields beside them (shared/placement.py, network.py, compute.py, data.py,
alerting.py, resilience.py, trust.py, cost_review.py, dns.py, recovery.py, ...); `Settings.__post_init__` checks
every field's type (shared/typecheck.py), collects each section's problems, adds the checks across sections and
raises one `SettingsError` naming the environment. Units are part of every numeric field's name (`_gib`,
`_percent`, `_seconds`) so a value means the same thing to CloudWatch and to Cloud Monitoring.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from types import MappingProxyType

from shared.accounts import AccountServices
from shared.alerting import AlertRoutes, AlertThresholds
from shared.checks import Problems, prefixed
from shared.compute import ComputeSettings
from shared.cost_review import BudgetSettings, CostReviewSettings
from shared.data import CacheSettings, DatabaseSettings, StorageSettings
from shared.dns import DnsSettings
from shared.errors import SettingsError
from shared.network import EdgeSettings, NetworkSettings
from shared.placement import AwsSettings, DomainSettings, GcpSettings, TagSettings
from shared.provider_facts import CLOUD_RUN_MAX_CONCURRENCY, CLOUD_RUN_TARGET_CONCURRENCY_SHARE
from shared.recovery import RecoverySettings
from shared.resilience import ResilienceSettings
from shared.rollout import RolloutSettings
from shared.security_monitoring import SecurityMonitoringSettings
from shared.slos import SloSettings
from shared.trust import DeliverySettings, GithubSettings
from shared.typecheck import type_problems

_FLAG_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# An environment's name goes into every resource name; GCP service account ids (6-30 characters) must hold
# `bookedbarber-<env>-<suffix of up to 6>`, so at most 10 lower-case letters and digits, a letter first.
_ENVIRONMENT_NAME = re.compile(r"^[a-z][a-z0-9]{0,9}$")


@dataclass(frozen=True)
class Settings:
    """Everything both clouds need for one environment."""

    environment: str
    tags: TagSettings
    domain: DomainSettings
    aws: AwsSettings
    gcp: GcpSettings
    network: NetworkSettings
    compute: ComputeSettings
    database: DatabaseSettings
    cache: CacheSettings
    thresholds: AlertThresholds
    routes: AlertRoutes
    resilience: ResilienceSettings
    edge: EdgeSettings
    storage: StorageSettings
    budget: BudgetSettings
    github: GithubSettings
    delivery: DeliverySettings
    dns: DnsSettings
    # Non-secret runtime switches published to Parameter Store / the services' environment.
    feature_flags: Mapping[str, bool] = field(default_factory=dict)
    account_services: AccountServices = field(default_factory=AccountServices)  # account-level services it owns
    slos: SloSettings = field(default_factory=SloSettings)  # service-level objectives (shared/slos.py)
    recovery: RecoverySettings = field(default_factory=RecoverySettings)  # regional disaster recovery (both clouds)
    rollout: RolloutSettings = field(default_factory=RolloutSettings)  # AWS blue/green releases (shared/rollout.py)
    cost_review: CostReviewSettings = field(default_factory=CostReviewSettings)  # tooling only: the PR cost gate
    # GCP: SCC notifications, Cloud Asset feed, registry scanning routes (shared/security_monitoring.py)
    security_monitoring: SecurityMonitoringSettings = field(default_factory=SecurityMonitoringSettings)

    def __post_init__(self) -> None:
        object.__setattr__(self, "feature_flags", MappingProxyType(dict(self.feature_flags)))
        if not isinstance(self.environment, str) or not _ENVIRONMENT_NAME.match(self.environment):
            problem = "must be 1-10 lower-case letters and digits, a letter first (it is part of every name)"
            raise SettingsError(str(self.environment), [("environment", problem)])
        # Wrong types first: the range checks below would otherwise fail with a raw TypeError.
        problems = list(type_problems(self)) or list(self._problems())
        if problems:
            raise SettingsError(self.environment, problems)

    @property
    def prefix(self) -> str:
        """`bookedbarber-<env>`: the start of every resource and stack name."""
        return f"{self.tags.project}-{self.environment}"

    def name(self, component: str) -> str:
        return f"{self.prefix}-{component}"

    def path(self, *parts: str) -> str:
        """`bookedbarber/<env>/<parts...>`: hierarchical names (secrets, parameters)."""
        return "/".join((self.tags.project, self.environment, *parts))

    @property
    def cloud_run_concurrency(self) -> int:
        """Cloud Run's per-instance request limit equivalent to AWS's per-task request target.

        Little's law: a task serving `scale_out_requests_per_target` a minute at the promised latency (the
        response-time alert) holds rate x latency requests at once. Cloud Run adds instances when in-flight
        requests pass 60 % of the limit, so the limit is that count / 0.6: both clouds scale at the same load.
        """
        in_flight = self.compute.scale_out_requests_per_target / 60 * self.thresholds.response_time_seconds
        return math.ceil(in_flight / CLOUD_RUN_TARGET_CONCURRENCY_SHARE)

    @property
    def aws_tags(self) -> dict[str, str]:
        return {
            "Project": self.tags.project,
            "Environment": self.environment,
            "Owner": self.tags.owner,
            "CostCentre": self.tags.cost_centre,
        }

    @property
    def gcp_labels(self) -> dict[str, str]:
        return {
            "project": self.tags.project,
            "environment": self.environment,
            "owner": self.tags.owner,
            "cost_centre": self.tags.cost_centre,
        }

    def _problems(self) -> Problems:
        for section in fields(self):
            value = getattr(self, section.name)
            if is_dataclass(value):
                yield from prefixed(section.name, value.problems())
        for flag, enabled in self.feature_flags.items():
            if not _FLAG_NAME.match(flag) or not isinstance(enabled, bool):
                yield "feature_flags", f"'{flag}' needs a snake_case name and a true/false value"
        yield from self._cross_section_problems()

    def _cross_section_problems(self) -> Problems:
        yield from self.dns.problems_with(self.domain.zone_name, self.domain.app_domain, self.domain.origin_domain)
        yield from self.recovery.problems_with(
            resilience=self.resilience, gcp_region=self.gcp.region, versioned_uploads=self.storage.versioning
        )
        if self.recovery.has_standby and self.network.gcp_standby_subnet_cidr is None:
            yield "network.gcp_standby_subnet_cidr", f"a '{self.recovery.strategy}' standby's Cloud Run needs a subnet"
        zones = len(self.aws.availability_zones)
        if zones < 2:
            yield "aws.availability_zones", f"{zones} zone(s) given; the load balancer and RDS need at least 2"
        for name in ("aws_public_subnet_cidrs", "aws_app_subnet_cidrs", "aws_database_subnet_cidrs"):
            count = len(getattr(self.network, name))
            if count != zones:
                yield f"network.{name}", f"{count} subnet(s) for {zones} availability zone(s); give one per zone"
        if self.network.aws_nat_gateways > zones:
            yield "network.aws_nat_gateways", f"{self.network.aws_nat_gateways} is more than one per zone ({zones})"
        for scaling, alert in (("cpu", self.thresholds.cpu_percent), ("memory", self.thresholds.memory_percent)):
            target = getattr(self.compute, f"scale_out_{scaling}_percent")
            if target >= alert:
                yield (
                    f"compute.scale_out_{scaling}_percent",
                    f"{target} must be below the {scaling} alert ({alert}) so scaling acts before anyone is paged",
                )
        if not 1 <= self.cloud_run_concurrency <= CLOUD_RUN_MAX_CONCURRENCY:
            yield (
                "compute.scale_out_requests_per_target",
                f"gives a Cloud Run concurrency of {self.cloud_run_concurrency} at "
                f"{self.thresholds.response_time_seconds} s; Cloud Run accepts 1-{CLOUD_RUN_MAX_CONCURRENCY}",
            )
        if self.database.multi_az and self.database.read_replicas > 5:
            yield "database.read_replicas", f"{self.database.read_replicas} is above RDS's 5 replicas per source"
        if self.environment == "production":
            yield from self._production_problems(zones)

    def _production_problems(self, zones: int) -> Problems:
        """Production is highly available and protected; these are not per-environment choices."""
        required = {
            "database.multi_az": self.database.multi_az,
            "cache.high_availability": self.cache.high_availability,
            "resilience.deletion_protection": self.resilience.deletion_protection,
            "resilience.retain_stateful_resources": self.resilience.retain_stateful_resources,
            "storage.versioning": self.storage.versioning,
            "resilience.lock_log_retention": self.resilience.lock_log_retention,
            "routes.notify_on_recovery": self.routes.notify_on_recovery,
            "resilience.copy_backups_to_recovery_region": self.resilience.copy_backups_to_recovery_region,
            "resilience.backup_vault_lock": self.resilience.backup_vault_lock,
            "github.deploy_confirmation": self.github.deploy_confirmation,
        }
        for name, enabled in required.items():
            if not enabled:
                yield name, "production must enable this"
        if zones < 3:
            yield "aws.availability_zones", f"production needs 3 availability zones, got {zones}"
        if self.network.aws_nat_gateways != zones:
            yield "network.aws_nat_gateways", "production needs one NAT gateway per availability zone"
        if self.database.read_replicas < 1:
            yield "database.read_replicas", "production needs at least one read replica"
        yield from prefixed("delivery", self.delivery.production_problems())
        yield from prefixed("recovery", self.recovery.production_problems())
