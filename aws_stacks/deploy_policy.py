"""What CloudFormation may do when CI deploys: the bootstrap's execution policy and the platform's permissions boundary.

`cdk bootstrap` gives its CloudFormation execution role AdministratorAccess unless told otherwise: a deploy job could
then rewrite the GitHub trust, the bootstrap roles or anything else. Instead the bootstrap command (docs/aws.md)
names the two policies below, which the operator-deployed delivery stack creates:

- the execution policy allows the platform's services and role management under `bookedbarber-<env>-*` only, and
  every role it creates must carry the boundary;
- the boundary (on the execution role and, through `apply_boundary`, on every role the platform's stacks create)
  denies everything but reads on the delivery trust (GitHub roles and policies, this policy and the boundary, the
  OIDC provider), the bootstrap roles, and changes to the delivery and bootstrap stacks, so no role a deploy
  creates can reach them either.
"""

from __future__ import annotations

from aws_cdk import Aws, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from aws_stacks.nag import NIST, PCI, acknowledge, acknowledge_rules
from aws_stacks.names import boundary_arn, iam_arn
from shared import Settings
from shared.delivery import GITHUB_OIDC_HOST
from shared.names import aws_boundary_name, aws_execution_policy_name

# IAM prefixes of every service the platform's stacks create resources in, by CloudFormation namespace;
# tests/aws/test_trust_matrix.py fails when a stack uses a resource type of a namespace missing here.
PLATFORM_SERVICES = {
    "ApplicationAutoScaling": ("application-autoscaling",),
    "ApplicationSignals": ("application-signals",),
    "Backup": ("backup", "backup-storage"),
    "Budgets": ("budgets",),
    "CertificateManager": ("acm",),
    "Chatbot": ("chatbot",),
    "CloudFront": ("cloudfront",),
    "CloudTrail": ("cloudtrail",),
    "CloudWatch": ("cloudwatch",),
    "Config": ("config",),
    "EC2": ("ec2",),
    "ECR": ("ecr",),
    "ECS": ("ecs",),
    "ElastiCache": ("elasticache",),
    "ElasticLoadBalancingV2": ("elasticloadbalancing",),
    "Events": ("events",),
    "FIS": ("fis",),
    "GuardDuty": ("guardduty",),
    "KMS": ("kms",),
    "Lambda": ("lambda",),
    "Logs": ("logs",),
    "RDS": ("rds",),
    "Route53": ("route53",),
    "S3": ("s3",),
    "SNS": ("sns",),
    "SSM": ("ssm",),
    "SecretsManager": ("secretsmanager",),
    "SecurityHub": ("securityhub",),
    "Synthetics": ("synthetics",),
    "WAFv2": ("wafv2",),
}
# Role administration CloudFormation needs for the platform's own roles (task, flow-log, monitoring, function roles).
ROLE_ADMIN_ACTIONS = (
    "iam:AttachRolePolicy",
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PassRole",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
)
IAM_READ_ACTIONS = ("iam:Get*", "iam:List*")
CLOUDFORMATION_READ_ACTIONS = ("cloudformation:Describe*", "cloudformation:Get*", "cloudformation:List*")
BOOTSTRAP_STACK = "CDKToolkit"


def service_actions() -> list[str]:
    return sorted({f"{prefix}:*" for prefixes in PLATFORM_SERVICES.values() for prefix in prefixes})


def platform_role_arns(settings: Settings) -> list[str]:
    """Roles CloudFormation names after the environment's stacks (`bookedbarber-<env>-<stack>-...`) or settings."""
    return [iam_arn(settings, f"role/{settings.prefix}-*")]


def protected_iam_arns(settings: Settings) -> list[str]:
    """The delivery trust and the bootstrap roles: only an operator (never CloudFormation for CI) changes these."""
    prefix = settings.prefix
    return [
        iam_arn(settings, f"role/{prefix}-github-*"),
        iam_arn(settings, f"role/{prefix}-release-execution"),
        iam_arn(settings, f"policy/{prefix}-github-*"),
        iam_arn(settings, f"policy/{prefix}-cdk-*"),
        iam_arn(settings, f"policy/{prefix}-release-execution"),
        iam_arn(settings, "role/cdk-*"),
        iam_arn(settings, f"oidc-provider/{GITHUB_OIDC_HOST}"),
    ]


def protected_stack_arns(settings: Settings) -> list[str]:
    account = settings.aws.account_id
    return [
        f"arn:{Aws.PARTITION}:cloudformation:*:{account}:stack/{name}/*"
        for name in (settings.name("delivery"), BOOTSTRAP_STACK)
    ]


def _guard_statements(settings: Settings) -> list[iam.PolicyStatement]:
    """The denials both policies share: the trust is read-only, and every new role carries the boundary."""
    return [
        iam.PolicyStatement(
            sid="DeliveryTrustIsReadOnly",
            effect=iam.Effect.DENY,
            not_actions=list(IAM_READ_ACTIONS),
            resources=protected_iam_arns(settings),
        ),
        iam.PolicyStatement(
            sid="NewRolesCarryTheBoundary",
            effect=iam.Effect.DENY,
            actions=["iam:CreateRole", "iam:PutRolePermissionsBoundary"],
            resources=["*"],
            conditions={"StringNotEquals": {"iam:PermissionsBoundary": boundary_arn(settings)}},
        ),
        iam.PolicyStatement(
            sid="BoundaryStays",
            effect=iam.Effect.DENY,
            actions=["iam:DeleteRolePermissionsBoundary", "iam:CreateUser", "iam:CreateAccessKey"],
            resources=["*"],
        ),
    ]


class DeployGuardrails(Construct):
    """The execution policy for `cdk bootstrap` and the boundary of every platform role (both named from settings)."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        self.execution_policy = iam.ManagedPolicy(
            self,
            "ExecutionPolicy",
            managed_policy_name=aws_execution_policy_name(settings),
            description="CloudFormation execution policy for CI deploys: the platform's services, never its trust",
            statements=[
                iam.PolicyStatement(sid="PlatformServices", actions=service_actions(), resources=["*"]),
                iam.PolicyStatement(sid="ReadIam", actions=list(IAM_READ_ACTIONS), resources=["*"]),
                iam.PolicyStatement(
                    sid="PlatformRoles", actions=list(ROLE_ADMIN_ACTIONS), resources=platform_role_arns(settings)
                ),
                iam.PolicyStatement(
                    sid="ServiceLinkedRoles",
                    actions=["iam:CreateServiceLinkedRole"],
                    resources=[iam_arn(settings, "role/aws-service-role/*")],
                ),
                *_guard_statements(settings),
            ],
        )
        self.boundary = iam.ManagedPolicy(
            self,
            "Boundary",
            managed_policy_name=aws_boundary_name(settings),
            description="Permissions boundary of every platform role: no change to the delivery trust or bootstrap",
            statements=[
                # A boundary grants nothing by itself; it caps what a role's own policies allow.
                iam.PolicyStatement(sid="UpToTheRolesOwnPolicies", actions=["*"], resources=["*"]),
                *_guard_statements(settings),
                iam.PolicyStatement(
                    sid="DeliveryAndBootstrapStacksStay",
                    effect=iam.Effect.DENY,
                    not_actions=list(CLOUDFORMATION_READ_ACTIONS),
                    resources=protected_stack_arns(settings),
                ),
            ],
        )
        self._acknowledge(settings)

    def _acknowledge(self, settings: Settings) -> None:
        execution_reason = (
            "CloudFormation's execution role for CI deploys creates, updates and deletes every resource type of the "
            "platform's stacks; services come from their resource types (a test keeps them in step), IAM is limited "
            "to the environment's own roles under the boundary, and the delivery trust is denied"
        )
        actions = [f"IAM5[Action::{action}]" for action in (*service_actions(), *IAM_READ_ACTIONS)]
        acknowledge_rules(self.execution_policy, [*actions, "IAM5[Resource::*]"], execution_reason)
        acknowledge(
            self.execution_policy,
            f"IAM5[Resource::arn:<AWS::Partition>:iam::{settings.aws.account_id}:role/{settings.prefix}-*]",
            "CloudFormation names the platform's roles after their stacks (bookedbarber-<env>-<stack>-<id>), "
            "so only a prefix names them; the delivery roles under it are denied explicitly",
        )
        acknowledge(
            self.execution_policy,
            f"IAM5[Resource::arn:<AWS::Partition>:iam::{settings.aws.account_id}:role/aws-service-role/*]",
            "service-linked roles are created by the services the platform uses (ECS, RDS, ElastiCache, load "
            "balancing); AWS fixes their policies",
        )
        acknowledge(
            self.execution_policy,
            "IAMPolicyNoStatementsWithFullAccess",
            execution_reason,
            packs=(NIST, PCI),
        )
        boundary_reason = (
            "a permissions boundary caps what a role's own policies grant; allowing everything but the explicit "
            "denials (delivery trust, bootstrap roles and stacks, unbounded roles) leaves each role its own policies"
        )
        acknowledge_rules(self.boundary, ["IAM5[Action::*]", "IAM5[Resource::*]"], boundary_reason)
        acknowledge_rules(
            self.boundary,
            ["IAMPolicyNoStatementsWithAdminAccess", "IAMPolicyNoStatementsWithFullAccess"],
            boundary_reason,
            packs=(NIST, PCI),
        )


def apply_boundary(stack: Stack, *, settings: Settings) -> None:
    """Every role and user the stack creates (custom resource providers included) gets the platform's boundary."""
    iam.PermissionsBoundary.of(stack).apply(
        iam.ManagedPolicy.from_managed_policy_name(stack, "PlatformBoundary", aws_boundary_name(settings))
    )
