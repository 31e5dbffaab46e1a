"""Account-level AWS services: one per account (or per account and region), whoever deploys into it.

GuardDuty's detector, Security Hub, the Config recorder and delivery channel exist once per account and region,
the GitHub OIDC provider once per account and URL; the audit trail and the retention of Enhanced Monitoring's
`RDSOSMetrics` log group are one per account (region) by our choice, so that two environments never pay or page
twice for one thing. In every account, each service has exactly one owner environment: it creates the service,
unless the AWS Organization already manages it there, and routes its findings. The other environments in that
account reuse what exists (the OIDC provider by its ARN) or skip it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol

GUARDDUTY = "guardduty"  # the detector (per region); its findings page through the owner's route
SECURITY_HUB = "security_hub"  # the hub and its standards (per region); its findings page through the owner's route
CONFIG = "config"  # the configuration recorder, delivery channel (per region) and the Config rules
TRAIL = "trail"  # the multi-region CloudTrail trail and the audit bucket it writes to
GITHUB_OIDC = "github_oidc"  # IAM's OIDC provider for token.actions.githubusercontent.com (global)
RDS_OS_METRICS = "rds_os_metrics"  # the retention of RDS's own `RDSOSMetrics` log group (per region)
# Services that exist once per account and region; the others once per account.
REGIONAL_SERVICES = (GUARDDUTY, SECURITY_HUB, CONFIG, RDS_OS_METRICS)
ACCOUNT_SERVICES = (GUARDDUTY, SECURITY_HUB, CONFIG, TRAIL, GITHUB_OIDC, RDS_OS_METRICS)

Problems = Iterator[tuple[str, str]]


@dataclass(frozen=True)
class AccountServices:
    """Which account-level services this environment owns in its AWS account, and which the Organization runs."""

    # Services this environment is the account's owner of: it creates each (unless organization-managed) and
    # routes its findings. Another environment in the same account then lists none of these.
    owned: tuple[str, ...] = ACCOUNT_SERVICES
    # Services an AWS Organization already enables in this account (delegated administrator, Control Tower,
    # an organization trail): nobody here creates them; the owner still routes their findings.
    organization_managed: tuple[str, ...] = ()

    def owns(self, service: str) -> bool:
        return service in self.owned

    def creates(self, service: str) -> bool:
        return service in self.owned and service not in self.organization_managed

    def problems(self) -> Problems:
        for name in ("owned", "organization_managed"):
            for service in getattr(self, name):
                if service not in ACCOUNT_SERVICES:
                    yield name, f"'{service}' is not an account-level service {list(ACCOUNT_SERVICES)}"
            if len(set(getattr(self, name))) != len(getattr(self, name)):
                yield name, f"{list(getattr(self, name))} repeats a service"


class _Place(Protocol):
    @property
    def account_id(self) -> str: ...
    @property
    def region(self) -> str: ...


class InAccount(Protocol):
    """What the check reads of an environment's settings (`shared.settings.Settings` has it), typed structurally so
    this module stays below the model that imports it."""

    @property
    def aws(self) -> _Place: ...
    @property
    def account_services(self) -> AccountServices: ...


def _scope(settings: InAccount, service: str) -> tuple[str, ...]:
    """Where one copy of `service` exists: the account, and the region for regional services."""
    if service in REGIONAL_SERVICES:
        return (settings.aws.account_id, settings.aws.region)
    return (settings.aws.account_id,)


def account_service_problems(loaded: Mapping[str, InAccount]) -> Problems:
    """Every account (and region) has exactly one owner per service, and one view of what its Organization runs."""
    owners: dict[tuple[str, tuple[str, ...]], list[str]] = defaultdict(list)
    managed: dict[tuple[str, tuple[str, ...]], dict[str, bool]] = defaultdict(dict)
    for name, settings in loaded.items():
        services = settings.account_services
        for service in ACCOUNT_SERVICES:
            scope = (service, _scope(settings, service))
            if services.owns(service):
                owners[scope].append(name)
            managed[scope][name] = service in services.organization_managed
    for (service, scope), views in managed.items():
        where = "/".join(scope)
        claimed = owners.get((service, scope), [])
        environments = sorted(views)
        if len(claimed) > 1:
            for name in claimed[1:]:
                yield (
                    f"{name}.account_services.owned",
                    f"'{service}' in {where} is already owned by {claimed[0]}: one environment per account owns it",
                )
        elif not claimed:
            yield (
                f"{environments[0]}.account_services.owned",
                f"no environment in {where} ({', '.join(environments)}) owns '{service}': name one",
            )
        if len(set(views.values())) > 1:
            yield (
                f"{environments[0]}.account_services.organization_managed",
                f"environments in {where} disagree whether the Organization manages '{service}': "
                + ", ".join(f"{name}={views[name]}" for name in environments),
            )
