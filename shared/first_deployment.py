"""The first deployment of an environment, step by step, per cloud: each stack of the component table
(`shared.stacks`) in its order, with what an operator creates by hand between them. jsii-free.

`reports/deployment_order.py` renders it into docs/deployment-guide.md; `tests/test_first_deployment.py` checks every
cross-stack reference of the synthesized output against it: each points at something an earlier step creates.
What an operator step creates is named by keys of the same form the test reads off the templates (`Needs`).
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.names import gcp_stack_name, secret_manager_id
from shared.recovery_names import aws_standby_names
from shared.release import IMAGES, gcp_image
from shared.settings import Settings
from shared.stacks import AWS_EDGE_REGION, aws_regions, components

# CDK's bootstrap stack publishes its version here, in every region it bootstraps; every template reads it.
CDK_BOOTSTRAP_VERSION_PARAMETER = "/cdk-bootstrap/hnb659fds/version"
# Enabled by hand once: every other API is enabled through Service Usage, and project IAM goes through Resource Manager.
GCP_FIRST_APIS = ("serviceusage.googleapis.com", "cloudresourcemanager.googleapis.com")


class Needs:
    """Keys of what a stack reads that it does not create itself."""

    @staticmethod
    def aws_stack(name: str) -> str:
        return f"aws-stack:{name}"

    @staticmethod
    def aws_parameter(region: str, name: str) -> str:
        return f"aws-ssm:{region}:{name}"

    @staticmethod
    def aws_secret(region: str, name: str) -> str:
        return f"aws-secret:{region}:{name}"

    @staticmethod
    def aws_hosted_zone(zone_id: str) -> str:
        return f"aws-hosted-zone:{zone_id}"

    @staticmethod
    def gcp_name(name: str) -> str:
        return f"gcp-name:{name}"

    @staticmethod
    def gcp_secret(secret_id: str) -> str:
        return f"gcp-secret:{secret_id}"

    @staticmethod
    def gcp_dns_zone(project: str, zone: str) -> str:
        return f"gcp-dns-zone:{project}/{zone}"

    @staticmethod
    def gcp_image(uri: str) -> str:
        return f"gcp-image:{uri}"

    @staticmethod
    def gcp_project(project: str) -> str:
        return f"gcp-project:{project}"


@dataclass(frozen=True)
class Step:
    """Deploy one stack (`stack`), or an operator's step by hand (`creates`, commands in `runbook`)."""

    summary: str
    stack: str | None = None
    creates: frozenset[str] = frozenset()
    runbook: str = ""
    only_where: str = ""  # the settings field that decides whether the environment has this step


def aws_first_deployment(settings: Settings) -> list[Step]:
    regions = aws_regions(settings)
    pagerduty = settings.routes.pagerduty_secret_name
    before = Step(
        "Bootstrap CDK in every region the environment uses; the hosted zone of `domain.zone_name` exists; the "
        f"PagerDuty integration key secret `{pagerduty}` exists in the settings' region and in {AWS_EDGE_REGION}",
        creates=frozenset(
            {Needs.aws_parameter(region, CDK_BOOTSTRAP_VERSION_PARAMETER) for region in regions}
            | {Needs.aws_secret(region, pagerduty) for region in {settings.aws.region, AWS_EDGE_REGION}}
            | {Needs.aws_hosted_zone(settings.aws.hosted_zone_id)}
        ),
        runbook="aws.md#before-the-first-deployment",
    )
    after = {
        "data": [
            Step(
                "Run the database bootstrap task once (roles, grants, extensions; safe to re-run)",
                runbook="aws.md#first-deployment",
            ),
            Step(
                "Push the first images of both services with the tag `bootstrap` (the data stack's registries and "
                "released-tag parameters exist now)",
                runbook="aws.md#first-deployment",
            ),
        ],
    }
    if settings.recovery.has_standby:
        ca_bundle = aws_standby_names(settings)["database_ca_parameter"]
        after["recovery"] = [
            Step(
                "Write the recovery region's RDS CA bundle into the parameter the standby api verifies the replica "
                "with",
                creates=frozenset({Needs.aws_parameter(settings.aws.recovery_region, ca_bundle)}),
                runbook="disaster-recovery.md#region-loss-make-failover",
                only_where="recovery.has_standby",
            )
        ]
    steps = [before]
    for component in components("aws", settings):
        name = settings.name(component.name)
        steps.append(Step(f"`{name}`", stack=name, only_where=component.only_where))
        steps += after.get(component.name, [])
    return steps


def gcp_first_deployment(settings: Settings) -> list[Step]:
    gcp = settings.gcp
    dns_project = gcp.dns_project_id or gcp.project_id
    alert_secrets = [
        secret_manager_id(name)
        for name in (settings.routes.pagerduty_secret_name, settings.routes.slack_webhook_secret_name)
    ]
    # Operator steps, keyed by the component they come before; every component of the table is deployed in order.
    before = {
        "network": Step(
            "The project exists with billing; enable Service Usage and Cloud Resource Manager; the state bucket and "
            "the Cloud DNS zone `gcp.dns_managed_zone` exist",
            creates=frozenset(
                {Needs.gcp_project(gcp.project_id), Needs.gcp_dns_zone(dns_project, gcp.dns_managed_zone)}
            ),
            runbook="gcp.md#before-the-first-deployment",
        ),
        "compliance": Step(
            "Add the secret values and push the first images with the tag `bootstrap`; whoever applies the "
            "compliance stack holds `roles/billing.costsManager` on the billing account",
            creates=frozenset({Needs.gcp_image(gcp_image(settings, image)) for image in IMAGES}),
            runbook="gcp.md#first-deployment",
        ),
        "observability": Step(
            "Create the two alert channel token secrets and add their values",
            creates=frozenset(Needs.gcp_secret(secret) for secret in alert_secrets),
            runbook="gcp.md#first-deployment",
        ),
    }
    after = {
        "app": Step(
            "Run the database bootstrap job once (roles, grants, extensions; safe to re-run)",
            runbook="gcp.md#first-deployment",
        ),
        "delivery": Step(
            "Grant the CI identities what they need on the billing account (deploy: manage budgets; plan: read them)",
            runbook="gcp.md#identities-outside-the-project",
        ),
    }
    steps = []
    for component in (row.name for row in components("gcp", settings)):
        if component in before:
            steps.append(before[component])
        name = gcp_stack_name(settings, component)
        steps.append(Step(f"`{name}`", stack=name))
        if component in after:
            steps.append(after[component])
    return steps
