"""Deterministic names and ARNs of the AWS platform's resources, derived from settings: how stacks, policies and
alarms find each other without a cross-stack reference. One module, so a name is built in one place.

Cross-cloud names (services, the GitHub trust's identities, released-tag parameters, repositories, stacks) live in
shared/names.py, which the operator commands read without jsii.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Aws, Stack
from constructs import Construct

from shared import Settings
from shared.contract import Service, aws_database_login
from shared.delivery import GITHUB_OIDC_HOST
from shared.names import aws_boundary_name, tag_parameter_name
from shared.release import IMAGES
from shared.slos import Slo

DATABASE_BOOTSTRAP = "database-bootstrap"  # the bootstrap task's cluster, family and log names
VAULT_COMPONENT = "backup"
# `cdk bootstrap`'s default qualifier: the bootstrap roles are cdk-<qualifier>-<kind>-role-<account>-<region>.
CDK_QUALIFIER = "hnb659fds"


def alarm_name(settings: Settings, target: str, key: str) -> str:
    return f"{settings.prefix}-{target}-{key}"


def vault_name(settings: Settings) -> str:
    return settings.name(VAULT_COMPONENT)


def recovery_vault_name(settings: Settings) -> str:
    """Deterministic, so the plan finds the copy target without a reference; distinct from `vault_name`, so an
    environment rebuilt in the recovery region (docs/disaster-recovery.md) creates its own vault beside it."""
    return settings.name(f"{VAULT_COMPONENT}-copies")


def recovery_vault_arn(scope: Construct, settings: Settings) -> str:
    stack = Stack.of(scope)
    return (
        f"arn:{stack.partition}:backup:{settings.aws.recovery_region}:{stack.account}:"
        f"backup-vault:{recovery_vault_name(settings)}"
    )


def bootstrap_role_name(settings: Settings, kind: str, region: str) -> str:
    """`kind`: deploy, file-publishing, image-publishing, lookup or cfn-exec."""
    return f"cdk-{CDK_QUALIFIER}-{kind}-role-{settings.aws.account_id}-{region}"


def database_user_arn(stack: Stack, resource_id: str, service: Service) -> str:
    """`rds-db:connect`'s resource: `dbuser:<prx-... or DbiResourceId>/<the service's role>`."""
    return stack.format_arn(
        service="rds-db",
        resource="dbuser",
        resource_name=f"{resource_id}/{aws_database_login(service)}",
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )


def connect_policy_name(settings: Settings, service: Service) -> str:
    """The managed policy that lets a service's task role log in through the proxy as the service's role."""
    return settings.name(f"{service.name}-database-connect")


def cluster_name(settings: Settings) -> str:
    return settings.name(DATABASE_BOOTSTRAP)


def github_oidc_provider_arn(account: str) -> str:
    """IAM names an OIDC provider after its URL's host, so the ARN is known before it exists."""
    return f"arn:{Aws.PARTITION}:iam::{account}:oidc-provider/{GITHUB_OIDC_HOST}"


def stack_arn(settings: Settings, name: str, region: str) -> str:
    return f"arn:{Aws.PARTITION}:cloudformation:{region}:{settings.aws.account_id}:stack/{name}/*"


def release_regions(settings: Settings) -> tuple[str, ...]:
    """Where a release rolls the services out: the primary's region, then the standby's where one stands by."""
    standby = (settings.aws.recovery_region,) if settings.recovery.has_standby else ()
    return (settings.aws.region, *standby)


def tag_parameter_arns(settings: Settings, regions: tuple[str, ...] | None = None) -> list[str]:
    """The released-tag parameters of `regions` (default: the primary's region). Each region's services read their
    own: the data stack creates the primary's, the recovery stack the standby's, under the same names."""
    account = settings.aws.account_id
    return [
        f"arn:{Aws.PARTITION}:ssm:{region}:{account}:parameter{tag_parameter_name(settings, image)}"
        for region in regions or (settings.aws.region,)
        for image in IMAGES
    ]


def iam_arn(settings: Settings, resource: str) -> str:
    return f"arn:{Aws.PARTITION}:iam::{settings.aws.account_id}:{resource}"


def boundary_arn(settings: Settings) -> str:
    return iam_arn(settings, f"policy/{aws_boundary_name(settings)}")


def bucket_name(settings: Settings, name: str, account: str) -> str:
    """`bookedbarber-<env>-<name>-<account>`: S3 names are global, so the account keeps two accounts apart."""
    return f"{settings.name(name)}-{account}"


def canary_name(settings: Settings, service: str) -> str:
    """`production-web-uptime`: at most 21 characters (the limit CDK keeps for generated names: the canary's
    Lambda function is `cwsyn-<name>-<uuid>`), lower case as Synthetics requires (GCP: `<prefix>-<service>-uptime`)."""
    return f"{settings.environment}-{service}-uptime"


def slo_name(settings: Settings, slo: Slo) -> str:
    """`bookedbarber-<env>-api-availability` (Application Signals: letters, digits, `-._ `, up to 128)."""
    return settings.name(slo.key)


def standby_key_arn(scope: Construct, settings: Settings, purpose: str) -> str:
    """The alias ARN of a standby key: accepted where services take a key id (Secrets Manager replicas, S3
    replication), and known without a cross-region reference."""
    stack = Stack.of(scope)
    return f"arn:{stack.partition}:kms:{settings.aws.recovery_region}:{stack.account}:alias/{settings.prefix}/{purpose}"
