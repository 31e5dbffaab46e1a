"""Delivery: the trust GitHub Actions deploys through (OIDC federation, no stored keys).

Three roles, each trusting one kind of GitHub job of one repository:
- diff (pull requests): may only assume the CDK lookup roles, which are read-only, for `cdk diff --method template`;
- deploy (jobs of the environment's GitHub environment, which has required reviewers): may only assume the CDK
  bootstrap roles, which CloudFormation acts through;
- release (same GitHub environment): pushes the two images, writes the released tags and redeploys compute.
"""

from __future__ import annotations

from aws_cdk import Aws, Duration, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from aws_stacks.bootstrap import bootstrap_role_name
from aws_stacks.nag import acknowledge
from shared import Settings
from shared.accounts import GITHUB_OIDC
from shared.delivery import GITHUB_OIDC_HOST, GITHUB_OIDC_URL, aws_role_name, subject
from shared.release import IMAGES, aws_repository_name, release_path
from shared.stacks import aws_regions

# The audience aws-actions/configure-aws-credentials asks GitHub to put in the token.
AWS_AUDIENCE = "sts.amazonaws.com"
DEPLOY_BOOTSTRAP_ROLES = ("deploy", "file-publishing", "image-publishing", "lookup")
DIFF_BOOTSTRAP_ROLES = ("lookup",)
# A release redeploys only the compute stack, in the main region.
RELEASE_BOOTSTRAP_ROLES = ("deploy", "file-publishing", "lookup")
# The bootstrap roles' trust policies allow session tags, and the CDK CLI may pass them when it assumes one.
BOOTSTRAP_ASSUME_ACTIONS = ["sts:AssumeRole", "sts:TagSession"]
SESSION_DURATION = Duration.hours(1)


def bootstrap_role_arns(
    settings: Settings, kinds: tuple[str, ...], *, regions: tuple[str, ...] | None = None
) -> list[str]:
    """The bootstrap roles of every region the environment deploys to (`aws_regions`: main, edge and, where
    backups are copied, recovery), or of `regions`."""
    account = settings.aws.account_id
    regions = regions or aws_regions(settings)
    return [
        f"arn:{Aws.PARTITION}:iam::{account}:role/{bootstrap_role_name(settings, kind, region)}"
        for region in regions
        for kind in kinds
    ]


def github_oidc_provider_arn(account: str) -> str:
    """IAM names an OIDC provider after its URL's host, so the ARN is known before it exists."""
    return f"arn:{Aws.PARTITION}:iam::{account}:oidc-provider/{GITHUB_OIDC_HOST}"


def managed_policy(
    scope: Construct,
    construct_id: str,
    *,
    settings: Settings,
    kind: str,
    role: iam.IRole,
    statements: list[iam.PolicyStatement],
) -> iam.ManagedPolicy:
    """A customer-managed policy rather than an inline one, so it can be reviewed and reused (NIST/PCI IAM rules)."""
    return iam.ManagedPolicy(
        scope, construct_id, managed_policy_name=aws_role_name(settings, kind), roles=[role], statements=statements
    )


class GithubTrust(Construct):
    """The GitHub OIDC provider and one role per kind of job; each role's trust names repository and job kind."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        # One provider per account and URL: its owner (shared/accounts.py) creates it, the others trust it by ARN.
        if settings.account_services.creates(GITHUB_OIDC):
            self.provider = iam.OidcProviderNative(
                self, "GithubProvider", url=GITHUB_OIDC_URL, client_ids=[AWS_AUDIENCE]
            )
        else:
            self.provider = iam.OidcProviderNative.from_oidc_provider_arn(
                self, "GithubProvider", github_oidc_provider_arn(settings.aws.account_id)
            )
        self.diff_role = self._role(settings, "DiffRole", "diff")
        managed_policy(
            self,
            "DiffPolicy",
            settings=settings,
            kind="diff",
            role=self.diff_role,
            statements=[
                iam.PolicyStatement(
                    actions=BOOTSTRAP_ASSUME_ACTIONS, resources=bootstrap_role_arns(settings, DIFF_BOOTSTRAP_ROLES)
                )
            ],
        )
        self.deploy_role = self._role(settings, "DeployRole", "deploy")
        managed_policy(
            self,
            "DeployPolicy",
            settings=settings,
            kind="deploy",
            role=self.deploy_role,
            statements=[
                iam.PolicyStatement(
                    actions=BOOTSTRAP_ASSUME_ACTIONS,
                    resources=bootstrap_role_arns(settings, DEPLOY_BOOTSTRAP_ROLES),
                )
            ],
        )
        self.release_role = self._role(settings, "ReleaseRole", "release")
        ReleasePermissions(self, "ReleasePermissions", settings=settings, role=self.release_role)

    def _role(self, settings: Settings, construct_id: str, kind: str) -> iam.Role:
        sub = subject(settings, kind)
        return iam.Role(
            self,
            construct_id,
            role_name=aws_role_name(settings, kind),
            description=f"GitHub Actions {kind} for {settings.github.full_name} ({sub})",
            max_session_duration=SESSION_DURATION,
            assumed_by=iam.WebIdentityPrincipal(
                self.provider.oidc_provider_arn,
                conditions={"StringEquals": {f"{GITHUB_OIDC_HOST}:aud": AWS_AUDIENCE, f"{GITHUB_OIDC_HOST}:sub": sub}},
            ),
        )


class ReleasePermissions(Construct):
    """Push the images, record the released tags, and redeploy the compute stack through the CDK bootstrap roles.

    scripts/release.py writes the tags and runs `cdk deploy <env>-compute --exclusively`: CloudFormation's
    execution role rolls the services, so this role needs no ECS, task-definition or PassRole permission.
    """

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings, role: iam.Role) -> None:
        super().__init__(scope, construct_id)
        account, region = settings.aws.account_id, settings.aws.region
        repositories = [
            f"arn:{Aws.PARTITION}:ecr:{region}:{account}:repository/{aws_repository_name(settings, name)}"
            for name in IMAGES
        ]
        self.policy = managed_policy(
            self,
            "Policy",
            settings=settings,
            kind="release",
            role=role,
            statements=[
                iam.PolicyStatement(
                    actions=[
                        "ecr:BatchCheckLayerAvailability",
                        "ecr:BatchGetImage",
                        "ecr:CompleteLayerUpload",
                        "ecr:DescribeImages",
                        "ecr:InitiateLayerUpload",
                        "ecr:PutImage",
                        "ecr:UploadLayerPart",
                    ],
                    resources=repositories,
                ),
                iam.PolicyStatement(actions=["ecr:GetAuthorizationToken"], resources=["*"]),
                iam.PolicyStatement(
                    actions=["ssm:GetParameter", "ssm:PutParameter"],
                    resources=[f"arn:{Aws.PARTITION}:ssm:{region}:{account}:parameter{release_path(settings)}/*"],
                ),
                iam.PolicyStatement(
                    actions=BOOTSTRAP_ASSUME_ACTIONS,
                    resources=bootstrap_role_arns(settings, RELEASE_BOOTSTRAP_ROLES, regions=(region,)),
                ),
            ],
        )
        acknowledge(
            self.policy,
            "IAM5[Resource::*]",
            "ecr:GetAuthorizationToken supports no resource-level scoping; pushes are limited to this "
            "environment's two repositories",
        )
        acknowledge(
            self.policy,
            f"IAM5[Resource::arn:<AWS::Partition>:ssm:{region}:{account}:parameter{release_path(settings)}/*]",
            "one released-image-tag parameter per image under this environment's release path, written by "
            "scripts/release.py; nothing outside that path",
        )


class DeliveryStack(Stack):
    """The GitHub Actions trust for one environment's account."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.trust = GithubTrust(self, "GithubTrust", settings=settings)
