"""Drift: what the nightly drift workflow (.github/workflows/drift.yml) may read to run `cdk drift` on every stack.

CloudFormation compares each resource with its template by reading the resource with the caller's credentials, so
the drift role reads the configuration of every service the platform's stacks use (the execution policy's service
list, deploy_policy.py, kept in step with the stacks' resource types by a test) and nothing else: no write, no
bootstrap role, and explicitly no data (objects, secret values, log events, image layers). It trusts only the
scheduled workflow on the branch (shared/delivery.py `subject`).
"""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from constructs import Construct

from aws_stacks.deploy_policy import PLATFORM_SERVICES
from aws_stacks.nag import acknowledge_rules
from shared import Settings
from shared.names import aws_role_name

# What `cdk drift` calls (DetectStackDrift, then polls and reads the per-resource results).
DRIFT_ACTIONS = (
    "cloudformation:DescribeStackDriftDetectionStatus",
    "cloudformation:DescribeStackResourceDrifts",
    "cloudformation:DescribeStacks",
    "cloudformation:DetectStackDrift",
    "cloudformation:DetectStackResourceDrift",
    "cloudformation:GetTemplate",
    "cloudformation:ListStackResources",
)
# Configuration reads, per service; reads a verb of their own are added by name (Budgets names its read ViewBudget).
READ_VERBS = ("Describe*", "Get*", "List*")
EXTRA_READ_ACTIONS = ("budgets:ViewBudget",)
# Verbs a service has no action for (cfn-lint W3037 refuses a wildcard that matches nothing).
NO_SUCH_VERB = {
    ("application-signals", "Describe*"),
    ("fis", "Describe*"),
    ("budgets", "Get*"),
    ("elasticache", "Get*"),
    ("elasticloadbalancing", "List*"),
    ("iam", "Describe*"),
    ("lambda", "Describe*"),
    ("rds", "Get*"),
    ("route53", "Describe*"),
    ("sns", "Describe*"),
}
# Reads of what the platform holds rather than how it is configured: never needed to compare a template.
DATA_READ_ACTIONS = (
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "logs:FilterLogEvents",
    "logs:GetLogEvents",
    "logs:GetLogRecord",
    "logs:GetQueryResults",
    "logs:StartQuery",
    "s3:GetObject",
    "s3:GetObjectVersion",
    "secretsmanager:BatchGetSecretValue",
    "secretsmanager:GetSecretValue",
    "kms:Decrypt",
)


def read_actions() -> list[str]:
    prefixes = sorted({prefix for prefixes in PLATFORM_SERVICES.values() for prefix in prefixes} | {"iam"})
    return [
        f"{prefix}:{verb}" for prefix in prefixes for verb in READ_VERBS if (prefix, verb) not in NO_SUCH_VERB
    ] + list(EXTRA_READ_ACTIONS)


class DriftPermissions(Construct):
    """The drift role's one managed policy: drift detection on any stack, configuration reads, no data."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings, role: iam.IRole) -> None:
        super().__init__(scope, construct_id)
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            managed_policy_name=aws_role_name(settings, "drift"),
            roles=[role],
            statements=[
                # Drift detection works per stack, but DescribeStackDriftDetectionStatus has no resource-level
                # scoping; all of these only read or compare.
                iam.PolicyStatement(sid="DetectDrift", actions=list(DRIFT_ACTIONS), resources=["*"]),
                iam.PolicyStatement(sid="ReadConfiguration", actions=read_actions(), resources=["*"]),
                iam.PolicyStatement(
                    sid="NeverData", effect=iam.Effect.DENY, actions=list(DATA_READ_ACTIONS), resources=["*"]
                ),
            ],
        )
        reason = (
            "drift detection reads each resource of the platform's stacks with the caller's credentials: "
            "configuration reads (Describe, Get, List) of the services those stacks use, no write; data reads "
            "(objects, secret values, log events, image layers, decryption) are denied"
        )
        wildcards = [f"IAM5[Action::{action}]" for action in read_actions() if "*" in action]
        acknowledge_rules(self.policy, [*wildcards, "IAM5[Resource::*]"], reason)
