"""GCP security monitoring in step with AWS (GuardDuty, Security Hub, Config): gcp_stacks/security_findings.py.

jsii-free: the settings of what the GCP compliance stack watches and which route each source takes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

Problems = Iterator[tuple[str, str]]

# The Security Command Center severities a finding may have, lowest first.
SCC_SEVERITIES = ("LOW", "MEDIUM", "HIGH", "CRITICAL")


@dataclass(frozen=True)
class SecurityMonitoringSettings:
    # Security Command Center finding notifications for this project. SCC must already be active (Standard or
    # Premium, activated for the project's organization, or Premium at project level): without it the API refuses
    # the notification config, so the operator turns this on once SCC is active (docs/gcp.md).
    scc_notifications: bool = False
    # The lowest SCC severity that pages (critical route), as GuardDuty's and Security Hub's HIGH and CRITICAL do.
    scc_minimum_severity: str = "HIGH"

    def problems(self) -> Problems:
        if self.scc_minimum_severity not in SCC_SEVERITIES:
            yield "scc_minimum_severity", f"'{self.scc_minimum_severity}' is not one of {list(SCC_SEVERITIES)}"

    def paged_severities(self) -> tuple[str, ...]:
        return SCC_SEVERITIES[SCC_SEVERITIES.index(self.scc_minimum_severity) :]


@dataclass(frozen=True)
class SecurityEvent:
    """A security source both clouds route: its key (runbook anchor), route and where to look first."""

    key: str
    severity: str  # shared.alerts.Severity value: the route it takes
    summary: str
    first_check: str


# AWS: GuardDuty and Security Hub HIGH/CRITICAL findings page (aws_stacks/paging.py), Config changes are recorded.
# GCP: the same sources, one Pub/Sub topic each (CMEK), and a policy per topic on its published messages.
SECURITY_EVENTS = (
    SecurityEvent(
        "security_finding",
        "critical",
        "A security finding at or above the paging severity (GuardDuty / Security Hub; Security Command Center, "
        "including Artifact Analysis vulnerabilities of the registry's images)",
        "Pull the finding from the subscription `bookedbarber-$ENV-security-findings` (GCP) or open it in "
        "Security Hub (AWS); then follow its category's remediation.",
    ),
    SecurityEvent(
        "asset_change",
        "info",
        "A security-relevant configuration changed: IAM policies, service accounts and keys, firewall rules, "
        "buckets, keys, secrets (AWS Config history; GCP Cloud Asset Inventory feed)",
        "Pull the change from the subscription `bookedbarber-$ENV-asset-changes` (GCP) or read the resource's AWS "
        "Config timeline; an unexpected change outside a deploy is an incident.",
    ),
)
