"""Drills as code: AWS Fault Injection Service experiment templates for the failures the platform must survive.

Built where `recovery.drills` is on (staging); the quarterly workflow (.github/workflows/drill.yml) starts them.
Each template stops on the critical alarms (a drill that pages has found a real problem), logs to an encrypted
log group, and runs as one role that may touch only this environment's tasks, database, cache and app subnets.
FIS allows at most 5 stop conditions per template (FIS User Guide, 'Quotas and limitations'): the four critical
alarms that measure users' experience, not the per-service error rates the load balancer's already covers.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_fis as fis
from aws_cdk import aws_iam as iam
from constructs import Construct

from aws_stacks.alarms import alarm_name
from aws_stacks.nag import acknowledge
from aws_stacks.security import encrypted_log_group, logs_key
from shared import Settings
from shared.contract import API
from shared.names import drill_name
from shared.recovery_names import DRILLS

# (target, alert key) of the alarms every drill stops on.
STOP_ALARMS = (
    ("api", "service_down"),
    ("web", "service_down"),
    ("alb", "error_rate"),
    ("postgres", "database_connections"),
)
# How long each impairment lasts: long enough to see the failover and recovery, short of the RTO.
IMPAIRMENT = "PT5M"


class RecoveryDrills(Construct):
    """The four experiment templates, their role and their log group."""

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: Settings, alarms: dict[str, cloudwatch.Alarm]
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        region, account, partition = stack.region, stack.account, stack.partition
        zone = settings.aws.availability_zones[0]
        cluster_arn = f"arn:{partition}:ecs:{region}:{account}:cluster/{settings.name('cluster')}"
        database_arn = f"arn:{partition}:rds:{region}:{account}:db:{settings.name('postgres')}"
        cache_arn = f"arn:{partition}:elasticache:{region}:{account}:replicationgroup:{settings.name('redis')}"
        tasks = f"arn:{partition}:ecs:{region}:{account}:task/{settings.name('cluster')}/*"
        cache_nodes = f"arn:{partition}:elasticache:{region}:{account}:cluster:{settings.name('redis')}-*"
        network = f"arn:{partition}:ec2:{region}:{account}:*"
        acls = f"arn:{partition}:ec2:{region}:{account}:network-acl/*"
        key = logs_key(self, "LogsKey", settings=settings, purpose="drill-logs")
        log_group = encrypted_log_group(
            self, "Log", settings=settings, key=key, log_group_name=f"/{settings.prefix}/fis-drills"
        )
        role = iam.Role(
            self,
            "Role",
            role_name=settings.name("drills"),
            description=f"BookedBarber {settings.environment}: AWS FIS drills (only this environment's resources)",
            assumed_by=iam.ServicePrincipal(
                "fis.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": account}}
            ),
        )
        policy = iam.ManagedPolicy(
            self,
            "Policy",
            managed_policy_name=settings.name("drills"),
            description="Stop this environment's tasks, fail over its database and cache, cut one zone's app subnets",
            roles=[role],
            statements=[
                iam.PolicyStatement(
                    sid="StopTasksOfTheCluster",
                    actions=["ecs:StopTask", "ecs:DescribeTasks"],
                    resources=[tasks],
                ),
                iam.PolicyStatement(
                    sid="ListTasksOfTheCluster",
                    actions=["ecs:ListTasks"],
                    resources=["*"],
                    conditions={"ArnEquals": {"ecs:cluster": cluster_arn}},
                ),
                iam.PolicyStatement(
                    sid="FailOverTheDatabase",
                    actions=["rds:RebootDBInstance", "rds:DescribeDBInstances"],
                    resources=[database_arn],
                ),
                iam.PolicyStatement(
                    sid="FailOverTheCache",
                    actions=["elasticache:InterruptClusterAzPower", "elasticache:DescribeReplicationGroups"],
                    resources=[cache_arn, cache_nodes],
                ),
                iam.PolicyStatement(
                    sid="DisruptOneZone",
                    actions=[
                        "ec2:CreateNetworkAcl",
                        "ec2:CreateNetworkAclEntry",
                        "ec2:CreateTags",
                        "ec2:ReplaceNetworkAclAssociation",
                    ],
                    resources=[network],
                ),
                iam.PolicyStatement(
                    sid="RemoveOnlyItsOwnAcls",
                    actions=["ec2:DeleteNetworkAcl"],
                    resources=[acls],
                    conditions={"StringEquals": {"ec2:ResourceTag/managedByFIS": "true"}},
                ),
                iam.PolicyStatement(
                    sid="FindTargetsAndWriteLogs",
                    actions=[
                        "ec2:DescribeManagedPrefixLists",
                        "ec2:DescribeNetworkAcls",
                        "ec2:DescribeSubnets",
                        "ec2:DescribeVpcs",
                        "ec2:GetManagedPrefixListEntries",
                        "tag:GetResources",
                        "logs:CreateLogDelivery",
                        "logs:DescribeLogGroups",
                        "logs:DescribeResourcePolicies",
                        "logs:PutResourcePolicy",
                    ],
                    resources=["*"],
                ),
            ],
        )
        acknowledge(
            policy,
            "IAM5[Resource::*]",
            "Describe/List calls, tag:GetResources and CloudWatch Logs delivery setup have no resource-level "
            "permissions (Service Authorization Reference); ecs:ListTasks is limited to the cluster by condition.",
        )
        acknowledge(
            policy,
            f"IAM5[Resource::{tasks}]",
            "Task ids are assigned at run time: the drill stops tasks of this environment's cluster only.",
        )
        acknowledge(
            policy,
            f"IAM5[Resource::{cache_nodes}]",
            "The replication group's node ids are its id plus a number: the drill reaches only this group's nodes.",
        )
        acknowledge(
            policy,
            f"IAM5[Resource::{network}]",
            "FIS creates a network ACL, tags it and swaps it onto the target subnets (new ACL ids are unknown "
            "beforehand); deletion is limited to ACLs FIS tagged managedByFIS.",
        )
        acknowledge(
            policy,
            f"IAM5[Resource::{acls}]",
            "FIS deletes only the ACL it created, which carries its managedByFIS tag (condition).",
        )
        stop = [
            fis.CfnExperimentTemplate.ExperimentTemplateStopConditionProperty(
                source="aws:cloudwatch:alarm", value=alarms[alarm_name(settings, target, key)].alarm_arn
            )
            for target, key in STOP_ALARMS
        ]
        common = dict(
            role_arn=role.role_arn,
            stop_conditions=stop,
            log_configuration=fis.CfnExperimentTemplate.ExperimentTemplateLogConfigurationProperty(
                log_schema_version=2,
                cloud_watch_logs_configuration={"LogGroupArn": log_group.log_group_arn},
            ),
            experiment_options=fis.CfnExperimentTemplate.ExperimentTemplateExperimentOptionsProperty(
                account_targeting="single-account", empty_target_resolution_mode="fail"
            ),
        )
        target = fis.CfnExperimentTemplate.ExperimentTemplateTargetProperty
        action = fis.CfnExperimentTemplate.ExperimentTemplateActionProperty
        self.templates: dict[str, fis.CfnExperimentTemplate] = {}
        specs = {
            "ecs-task-stop": (
                f"Stop half the {API.name} tasks: the service replaces them, the load balancer keeps serving",
                target(
                    resource_type="aws:ecs:task",
                    parameters={"cluster": settings.name("cluster"), "service": settings.name(API.name)},
                    selection_mode="PERCENT(50)",
                ),
                action(action_id="aws:ecs:stop-task", targets={"Tasks": "Targets"}),
            ),
            "az-impairment": (
                f"Cut the app subnets of {zone} off for {IMPAIRMENT}: tasks elsewhere carry the load",
                target(
                    resource_type="aws:ec2:subnet",
                    resource_tags={"aws-cdk:subnet-name": "App", "Environment": settings.environment},
                    filters=[
                        fis.CfnExperimentTemplate.ExperimentTemplateTargetFilterProperty(
                            path="AvailabilityZone", values=[zone]
                        )
                    ],
                    selection_mode="ALL",
                ),
                action(
                    action_id="aws:network:disrupt-connectivity",
                    parameters={"duration": IMPAIRMENT, "scope": "all"},
                    targets={"Subnets": "Targets"},
                ),
            ),
            "rds-failover": (
                "Reboot the primary database with failover: the Multi-AZ standby takes over",
                target(resource_type="aws:rds:db", resource_arns=[database_arn], selection_mode="ALL"),
                action(
                    action_id="aws:rds:reboot-db-instances",
                    parameters={"forceFailover": "true"},
                    targets={"DBInstances": "Targets"},
                ),
            ),
            "cache-failover": (
                f"Interrupt the cache's power in {zone} for {IMPAIRMENT}: a replica becomes primary",
                target(
                    resource_type="aws:elasticache:replicationgroup",
                    resource_arns=[cache_arn],
                    parameters={"availabilityZoneIdentifier": zone},
                    selection_mode="ALL",
                ),
                action(
                    action_id="aws:elasticache:replicationgroup-interrupt-az-power",
                    parameters={"duration": IMPAIRMENT},
                    targets={"ReplicationGroups": "Targets"},
                ),
            ),
        }
        assert tuple(specs) == DRILLS  # ops/drill.py and the workflow start them by these names
        for drill, (description, drill_target, drill_action) in specs.items():
            self.templates[drill] = fis.CfnExperimentTemplate(
                self,
                "".join(part.title() for part in drill.split("-")),
                description=description,
                targets={"Targets": drill_target},
                actions={"Inject": drill_action},
                tags={"Name": drill_name(settings, drill)},
                **common,
            )
