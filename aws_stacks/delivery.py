"""Delivery: the trust GitHub Actions deploys through (OIDC federation, no stored keys). Operator-deployed only.

Four roles per environment, each trusting one exact OIDC subject (shared/delivery.py: repository id, context,
calling workflow and branch), so none can act as another:
- diff (plan): reads the environment's stack templates (`cdk diff --method template`) and nothing else;
- deploy: may only assume the CDK bootstrap roles; CloudFormation then acts with the project's execution policy
  and every role it creates carries the boundary (deploy_policy.py), so a deploy cannot change this stack; and
  decide the blue/green deployments its own stack updates start (the candidate check: `candidate_check_statements`);
- release: records the released tags and updates the compute stack (and the standby stack, where one stands by)
  with its deployed template through a CloudFormation role that may only register task definitions and update the
  services (no bootstrap role), and decides the paused deployments the same way;
- drift: the nightly drift workflow's `cdk drift`, configuration reads only (drift.py).

The stack synthesizes without the bootstrap (no assets, template inline): the operator deploys it with their own
credentials before `cdk bootstrap`, which names its execution policy and boundary.
"""

from __future__ import annotations

from aws_cdk import Aws, BootstraplessSynthesizer, Duration, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from aws_stacks.deploy_policy import DeployGuardrails
from aws_stacks.drift import DriftPermissions
from aws_stacks.nag import acknowledge
from aws_stacks.names import (
    bootstrap_role_name,
    github_oidc_provider_arn,
    release_regions,
    stack_arn,
    tag_parameter_arns,
)
from shared import Settings
from shared.accounts import GITHUB_OIDC
from shared.delivery import GITHUB_OIDC_HOST, GITHUB_OIDC_URL, subject
from shared.names import (
    aws_release_execution_role_name,
    aws_repository_name,
    aws_role_name,
    ecs_load_balancers_role_name,
)
from shared.recovery_names import aws_standby_names
from shared.release import IMAGES
from shared.stacks import AWS_RECOVERY_COMPONENT, TRUST_COMPONENT, aws_regions, aws_stack_regions

# The audience aws-actions/configure-aws-credentials asks GitHub to put in the token.
AWS_AUDIENCE = "sts.amazonaws.com"
DEPLOY_BOOTSTRAP_ROLES = ("deploy", "file-publishing", "image-publishing", "lookup")
# What `cdk diff --method template` calls: the CLI falls back to these credentials when it may not assume the
# lookup role (and the credentials are for the stack's account).
TEMPLATE_READ_ACTIONS = ["cloudformation:DescribeStacks", "cloudformation:GetTemplate"]
# The bootstrap roles' trust policies allow session tags, and the CDK CLI may pass them when it assumes one.
BOOTSTRAP_ASSUME_ACTIONS = ["sts:AssumeRole", "sts:TagSession"]
SESSION_HOURS = 1


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


def acknowledge_stack_arn(policy: iam.ManagedPolicy, settings: Settings, name: str, region: str) -> None:
    acknowledge(
        policy,
        f"IAM5[Resource::arn:<AWS::Partition>:cloudformation:{region}:{settings.aws.account_id}:stack/{name}/*]",
        f"a stack ARN ends in the id CloudFormation generates; the name pins the one stack {name}",
    )


class GithubTrust(Construct):
    """The GitHub OIDC provider and one role per identity; each role's trust is one exact subject."""

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
        trust = settings.name(TRUST_COMPONENT)
        platform_stacks = {name: region for name, region in aws_stack_regions(settings).items() if name != trust}
        diff_policy = managed_policy(
            self,
            "DiffPolicy",
            settings=settings,
            kind="diff",
            role=self.diff_role,
            statements=[
                iam.PolicyStatement(
                    actions=TEMPLATE_READ_ACTIONS,
                    resources=[stack_arn(settings, name, region) for name, region in platform_stacks.items()],
                )
            ],
        )
        for name, region in platform_stacks.items():
            acknowledge_stack_arn(diff_policy, settings, name, region)
        self.deploy_role = self._role(settings, "DeployRole", "deploy")
        deploy_policy = managed_policy(
            self,
            "DeployPolicy",
            settings=settings,
            kind="deploy",
            role=self.deploy_role,
            statements=[
                iam.PolicyStatement(
                    actions=BOOTSTRAP_ASSUME_ACTIONS,
                    resources=bootstrap_role_arns(settings, DEPLOY_BOOTSTRAP_ROLES),
                ),
                *candidate_check_statements(settings),
            ],
        )
        acknowledge_candidate_check(deploy_policy, settings)
        self.release_role = self._role(settings, "ReleaseRole", "release")
        self.release = ReleasePermissions(self, "ReleasePermissions", settings=settings, role=self.release_role)
        ReleasedTagsReadable(self, "ReleasedTagsReadable", settings=settings)
        if settings.recovery.drills:
            self.drill_role = self._role(settings, "DrillRole", "drill")
            drill_permissions(self, settings=settings, role=self.drill_role)
        self.drift_role = self._role(settings, "DriftRole", "drift")
        self.drift = DriftPermissions(self, "DriftPermissions", settings=settings, role=self.drift_role)

    def _role(self, settings: Settings, construct_id: str, kind: str) -> iam.Role:
        sub = subject(settings, kind)
        # A subject with a `*` (the pull request number) needs StringLike; every other subject is matched exactly.
        match = "StringLike" if "*" in sub else "StringEquals"
        conditions: dict[str, dict[str, str]] = {"StringEquals": {f"{GITHUB_OIDC_HOST}:aud": AWS_AUDIENCE}}
        conditions.setdefault(match, {})[f"{GITHUB_OIDC_HOST}:sub"] = sub
        return iam.Role(
            self,
            construct_id,
            role_name=aws_role_name(settings, kind),
            description=f"GitHub Actions {kind} for {settings.github.full_name} ({settings.environment})",
            max_session_duration=Duration.hours(SESSION_HOURS),
            assumed_by=iam.WebIdentityPrincipal(self.provider.oidc_provider_arn, conditions=conditions),
        )


def drill_permissions(scope: Construct, *, settings: Settings, role: iam.Role) -> iam.ManagedPolicy:
    """Start this environment's drill templates (tagged `<prefix>-drill-*`) and read how they went; the templates
    carry their own FIS role, so the drill identity passes no role and changes nothing else (ops/drill.py)."""
    fis_arn = f"arn:{Aws.PARTITION}:fis:{settings.aws.region}:{settings.aws.account_id}"
    policy = managed_policy(
        scope,
        "DrillPolicy",
        settings=settings,
        kind="drill",
        role=role,
        statements=[
            iam.PolicyStatement(
                actions=["fis:StartExperiment"],
                resources=[f"{fis_arn}:experiment-template/*"],
                conditions={"StringLike": {"aws:ResourceTag/Name": f"{settings.prefix}-drill-*"}},
            ),
            iam.PolicyStatement(
                actions=["fis:StartExperiment", "fis:GetExperiment", "fis:TagResource"],
                resources=[f"{fis_arn}:experiment/*"],
            ),
            iam.PolicyStatement(
                actions=["fis:ListExperimentTemplates", "cloudwatch:GetMetricStatistics"], resources=["*"]
            ),
        ],
    )
    acknowledge(
        policy,
        "IAM5[Resource::*]",
        "fis:ListExperimentTemplates and cloudwatch:GetMetricStatistics support no resource-level scoping; the "
        "drill identity only reads with them",
    )
    for kind in ("experiment-template", "experiment"):
        acknowledge(
            policy,
            f"IAM5[Resource::arn:<AWS::Partition>:fis:{settings.aws.region}:{settings.aws.account_id}:{kind}/*]",
            "FIS ids are assigned at creation: templates are limited to this environment's drills by their Name "
            "tag, experiments are the ones those templates start",
        )
    return policy


def cluster_resource(settings: Settings, kind: str, *, nag: bool = False, region: str | None = None) -> str:
    """`arn:...:ecs:<region>:<account>:<kind>/<cluster>`, as the policy holds it or as cdk-nag prints it."""
    partition = "<AWS::Partition>" if nag else Aws.PARTITION
    region = region or settings.aws.region
    return f"arn:{partition}:ecs:{region}:{settings.aws.account_id}:{kind}/{settings.name('cluster')}"


def candidate_check_statements(settings: Settings) -> list[iam.PolicyStatement]:
    """Find the paused blue/green deployment of each primary service, then continue it or roll it back
    (ops/rollout.py), and nothing else on ECS. Given to the release identity and to the deploy identity: both start
    such deployments through CloudFormation, and a deploy can already do more to these services (UpdateService,
    through the execution policy) than continue or roll back a deployment it started. The standby's services do
    not pause (aws_stacks/standby.py), so only the primary's cluster."""
    return [
        iam.PolicyStatement(
            actions=["ecs:ListServiceDeployments"],
            resources=[f"{cluster_resource(settings, 'service')}/*"],
        ),
        iam.PolicyStatement(
            actions=["ecs:DescribeServiceDeployments", "ecs:ContinueServiceDeployment"],
            resources=[f"{cluster_resource(settings, 'service-deployment')}/*"],
        ),
    ]


def acknowledge_candidate_check(policy: iam.ManagedPolicy, settings: Settings) -> None:
    acknowledge(
        policy,
        f"IAM5[Resource::{cluster_resource(settings, 'service', nag=True)}/*]",
        "the services of the environment's one cluster (their names carry CloudFormation's suffix); only "
        "listing their deployments",
    )
    acknowledge(
        policy,
        f"IAM5[Resource::{cluster_resource(settings, 'service-deployment', nag=True)}/*]",
        "service deployments get ids ECS generates at each rollout; only those of the environment's cluster, "
        "only to read them and continue or roll back a paused one",
    )


def released_stacks(settings: Settings) -> dict[str, str]:
    """The stacks a release updates, and their regions: compute, then the standby where one stands by."""
    stacks = {settings.name("compute"): settings.aws.region}
    if settings.recovery.has_standby:
        stacks[aws_standby_names(settings)["stack"]] = settings.aws.recovery_region
    return stacks


def released_stack_sources(settings: Settings) -> dict[str, str]:
    """The stacks whose outputs the released stacks read (`Fn::GetStackOutput`), and their regions: compute reads
    the network and data stacks', the standby the recovery stack's (its keys). CloudFormation resolves such a weak
    reference at every update, with the stack's execution role unless the reference names another
    (`Fn::GetStackOutput`'s RoleArn: "Defaults to the current stack's execution role"), so a release, which
    updates with the release execution role, needs cloudformation:DescribeStacks on each of them."""
    sources = {settings.name("network"): settings.aws.region, settings.name("data"): settings.aws.region}
    if settings.recovery.has_standby:
        sources[settings.name(AWS_RECOVERY_COMPONENT)] = settings.aws.recovery_region
    return sources


class ReleasePermissions(Construct):
    """Push the images, record the released tags, and update the released stacks with their deployed templates.

    ops/release.py writes the tags and runs `aws cloudformation update-stack --use-previous-template` with
    the release execution role: CloudFormation re-reads the tag parameters and replaces only the task definitions
    and services, and may do nothing else. No bootstrap role, no IAM, no other stack. Where a standby stands by, the
    same in its region once the primary serves the release (the images arrive there by ECR replication).
    """

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings, role: iam.Role) -> None:
        super().__init__(scope, construct_id)
        account, region = settings.aws.account_id, settings.aws.region

        def repositories(where: str) -> list[str]:
            return [
                f"arn:{Aws.PARTITION}:ecr:{where}:{account}:repository/{aws_repository_name(settings, name)}"
                for name in IMAGES
            ]

        self.execution_role = ReleaseExecutionRole(self, "ExecutionRole", settings=settings).role
        stacks = [stack_arn(settings, name, where) for name, where in released_stacks(settings).items()]
        replicas = [
            iam.PolicyStatement(actions=["ecr:DescribeImages"], resources=repositories(where))
            for where in release_regions(settings)[1:]
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
                    resources=repositories(region),
                ),
                # The standby's copies are ECR's replicas: the release only looks whether they arrived.
                *replicas,
                iam.PolicyStatement(actions=["ecr:GetAuthorizationToken"], resources=["*"]),
                # GetParameters: CloudFormation resolves the stacks' tag parameters with the caller's rights.
                iam.PolicyStatement(
                    actions=["ssm:GetParameter", "ssm:GetParameters", "ssm:PutParameter"],
                    resources=tag_parameter_arns(settings, release_regions(settings)),
                ),
                iam.PolicyStatement(
                    actions=["cloudformation:DescribeStacks", "cloudformation:DescribeStackEvents"],
                    resources=stacks,
                ),
                # Only through the release execution role: without RoleARN CloudFormation would reuse the role of
                # the last deploy, the bootstrap's execution role.
                iam.PolicyStatement(
                    actions=["cloudformation:UpdateStack"],
                    resources=stacks,
                    conditions={"StringEquals": {"cloudformation:RoleArn": self.execution_role.role_arn}},
                ),
                iam.PolicyStatement(
                    actions=["iam:PassRole"],
                    resources=[self.execution_role.role_arn],
                    conditions={"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}},
                ),
                *candidate_check_statements(settings),
            ],
        )
        acknowledge(
            self.policy,
            "IAM5[Resource::*]",
            "ecr:GetAuthorizationToken supports no resource-level scoping; pushes are limited to this "
            "environment's two repositories",
        )
        for name, where in released_stacks(settings).items():
            acknowledge_stack_arn(self.policy, settings, name, where)
        acknowledge_candidate_check(self.policy, settings)


class ReleaseExecutionRole(Construct):
    """What CloudFormation may do for a release: new task definition revisions and service updates, nothing else."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        account = settings.aws.account_id
        regions, stacks = release_regions(settings), released_stacks(settings)
        sources = released_stack_sources(settings)
        self.role = iam.Role(
            self,
            "Role",
            role_name=aws_release_execution_role_name(settings),
            description=f"CloudFormation for releases of {', '.join(released_stacks(settings))}: task definitions "
            "and services",
            assumed_by=iam.ServicePrincipal(
                "cloudformation.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": account}}
            ),
        )
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            managed_policy_name=aws_release_execution_role_name(settings),
            roles=[self.role],
            statements=[
                # Task definitions have no resource-level scoping for registration; a revision is useless to
                # anyone who cannot update a service, which only the services below allow.
                iam.PolicyStatement(
                    actions=[
                        "ecs:DeregisterTaskDefinition",
                        "ecs:DescribeTaskDefinition",
                        "ecs:RegisterTaskDefinition",
                        "ecs:TagResource",
                    ],
                    resources=["*"],
                ),
                iam.PolicyStatement(
                    actions=["ecs:DescribeServices", "ecs:UpdateService"],
                    resources=[f"{cluster_resource(settings, 'service', region=where)}/*" for where in regions],
                ),
                iam.PolicyStatement(actions=["ssm:GetParameters"], resources=tag_parameter_arns(settings, regions)),
                # The weak references of the released stacks' templates, resolved again at each update with this
                # role (released_stack_sources): reading those stacks' outputs, nothing else.
                iam.PolicyStatement(
                    actions=["cloudformation:DescribeStacks"],
                    resources=[stack_arn(settings, name, where) for name, where in sources.items()],
                ),
                # The task and execution roles the released stacks already created (named after each stack).
                iam.PolicyStatement(
                    actions=["iam:PassRole"],
                    resources=[f"arn:{Aws.PARTITION}:iam::{account}:role/{name}-*" for name in stacks],
                    conditions={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
                ),
                # The service's blue/green load-balancer configuration names the role ECS shifts traffic with (a
                # standby's carries its region: IAM names are global).
                iam.PolicyStatement(
                    actions=["iam:PassRole"],
                    resources=[
                        f"arn:{Aws.PARTITION}:iam::{account}:role/{ecs_load_balancers_role_name(settings)}{suffix}"
                        for suffix in ("", *(f"-{where}" for where in regions[1:]))
                    ],
                    conditions={"StringEquals": {"iam:PassedToService": "ecs.amazonaws.com"}},
                ),
            ],
        )
        acknowledge(
            self.policy,
            "IAM5[Resource::*]",
            "ECS task definition registration supports no resource-level scoping; only the environment's "
            "services may be updated to a revision",
        )
        for where in regions:
            acknowledge(
                self.policy,
                f"IAM5[Resource::{cluster_resource(settings, 'service', nag=True, region=where)}/*]",
                "the services of the environment's one cluster in this region, whose names CloudFormation generates",
            )
        for name, where in sources.items():
            acknowledge_stack_arn(self.policy, settings, name, where)
        for name in stacks:
            acknowledge(
                self.policy,
                f"IAM5[Resource::arn:<AWS::Partition>:iam::{account}:role/{name}-*]",
                f"the task and execution roles of {name}, named by CloudFormation after the stack; passed to "
                "ECS tasks only",
            )


class ReleasedTagsReadable(Construct):
    """CloudFormation reads `AWS::SSM::Parameter::Value` template parameters with the caller's permissions, and
    the CDK bootstrap deploy role may read only its own version parameter: without this, every deploy of the
    compute stack fails with "User doesn't have permission to call ssm:GetParameters". It lives here, not in a
    platform stack, because the execution policy keeps CI deploys from changing the bootstrap roles."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        # The standby stack reads its region's tag parameters the same way, deployed by that region's deploy role.
        regions = release_regions(settings)
        deploy_roles = [
            iam.Role.from_role_name(
                self,
                "CdkDeployRole" if index == 0 else f"CdkDeployRole{index}",  # the first keeps its id
                bootstrap_role_name(settings, "deploy", region),
                mutable=True,
            )
            for index, region in enumerate(regions)
        ]
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            managed_policy_name=settings.name("cdk-released-tags-read"),
            # Unchanged since the first deploy: a new description would replace this named policy.
            description="Lets CDK deployments resolve the released image tags the compute stack reads",
            roles=deploy_roles,
            statements=[
                iam.PolicyStatement(actions=["ssm:GetParameters"], resources=tag_parameter_arns(settings, regions))
            ],
        )


class DeliveryStack(Stack):
    """The GitHub Actions trust and the deploy guardrails for one environment's account (operator-deployed)."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings, **kwargs) -> None:
        # No bootstrap roles: deployed with the operator's credentials, before `cdk bootstrap` names its policies.
        super().__init__(scope, construct_id, synthesizer=BootstraplessSynthesizer(), **kwargs)
        self.guardrails = DeployGuardrails(self, "DeployGuardrails", settings=settings)
        self.trust = GithubTrust(self, "GithubTrust", settings=settings)
