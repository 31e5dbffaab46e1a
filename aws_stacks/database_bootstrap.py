"""The one-off database bootstrap: a Fargate task running psql with shared/database_bootstrap.py's SQL.

It lives in the data stack, beside the database and its master secret, so an operator runs it right after that
stack and before the services first start (docs/aws.md: `aws ecs run-task`); running it again changes nothing.
It signs in directly to the instance as the master user (the proxy admits only IAM logins), over TLS, from a
security group of its own that reaches PostgreSQL and HTTPS only.
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Fn, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_kms as kms
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from aws_stacks.nag import acknowledge
from aws_stacks.names import DATABASE_BOOTSTRAP, cluster_name
from aws_stacks.network import APP
from aws_stacks.security import encrypted_log_group
from shared import Settings
from shared.database_bootstrap import AWS_CLIENT_IMAGE, AWS_LOGINS, psql_command

NAME = DATABASE_BOOTSTRAP
# psql needs little: the smallest Fargate size.
CPU_UNITS = 256
MEMORY_MIB = 512
# The official image's own unprivileged user (uid 999); psql needs no root.
CONTAINER_USER = "postgres"
# Fields of the RDS-managed master secret -> the variables psql reads. That secret holds the login only; where to
# connect comes from the instance's endpoint attributes, as plain environment.
MASTER_SECRET_FIELDS = {"PGUSER": "username", "PGPASSWORD": "password"}


def task_family(settings: Settings) -> str:
    return settings.name(NAME)


class DatabaseBootstrap(Construct):
    """Its own cluster (the services' cluster comes later, with the compute stack), task definition and logs."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        vpc: ec2.IVpc,
        master_secret: secretsmanager.ISecret,
        instance: rds.DatabaseInstance,
        security_group: ec2.ISecurityGroup,
        logs_key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        # No instances and no service: a cluster costs nothing until the task runs.
        self.cluster = ecs.Cluster(
            self,
            "Cluster",
            cluster_name=cluster_name(settings),
            vpc=vpc,
            container_insights_v2=ecs.ContainerInsights.ENABLED,
        )
        log_group = encrypted_log_group(
            self, "LogGroup", settings=settings, key=logs_key, log_group_name=f"/{settings.prefix}/ecs/{NAME}"
        )
        self.task_definition = ecs.FargateTaskDefinition(
            self, "TaskDefinition", family=task_family(settings), cpu=CPU_UNITS, memory_limit_mib=MEMORY_MIB
        )
        psql, *arguments = psql_command(AWS_LOGINS)
        self.task_definition.add_container(
            "Psql",
            container_name=NAME,
            image=ecs.ContainerImage.from_registry(AWS_CLIENT_IMAGE),
            # Straight to psql, past the image's entrypoint (which would start a server for `postgres`).
            entry_point=[psql],
            command=arguments,
            user=CONTAINER_USER,
            readonly_root_filesystem=True,
            environment={"PGHOST": instance.db_instance_endpoint_address, "PGPORT": instance.db_instance_endpoint_port},
            secrets={
                variable: ecs.Secret.from_secrets_manager(master_secret, field)
                for variable, field in MASTER_SECRET_FIELDS.items()
            },
            logging=ecs.LogDrivers.aws_logs(stream_prefix=NAME, log_group=log_group),
            essential=True,
        )
        acknowledge(
            self.task_definition,
            "ECS2",
            "The only plain variables are PGHOST and PGPORT, the instance's endpoint address and port (not secret: "
            "they are in DNS and the RDS API); the login comes from the RDS-managed master secret.",
        )
        subnets = vpc.select_subnets(subnet_type=APP.subnet_type).subnet_ids
        # The `--network-configuration` of `aws ecs run-task`, ready to paste (docs/aws.md).
        CfnOutput(
            Stack.of(self),
            "DatabaseBootstrapNetwork",
            value=Fn.join(
                "",
                [
                    "awsvpcConfiguration={subnets=[",
                    Fn.join(",", subnets),
                    "],securityGroups=[",
                    security_group.security_group_id,
                    "],assignPublicIp=DISABLED}",
                ],
            ),
            description=f"--network-configuration for `aws ecs run-task --cluster {cluster_name(settings)}`",
        )
