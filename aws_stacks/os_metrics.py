"""The retention of Enhanced Monitoring's `RDSOSMetrics` log group, without owning the group.

RDS creates `RDSOSMetrics` itself, once per account and region, for every instance there. A stack that created
it would fail wherever Enhanced Monitoring ever ran, in a second environment of the account, and on every rebuild
(a retained group blocks the next create). CDK's `LogRetention` custom resource instead creates the group only if
it is missing, sets its retention, and leaves it in place when the stack goes (RemovalPolicy.RETAIN, its default).
Only the account's owner of `rds_os_metrics` (shared/accounts.py) sets it, so two environments never disagree.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from aws_stacks.nag import acknowledge
from shared import Settings

ENHANCED_MONITORING_LOG_GROUP = "RDSOSMetrics"  # fixed by RDS, one per account and region
# CDK's fixed id for the stack's one LogRetention function (aws-logs/lib/log-retention.ts).
LOG_RETENTION_FUNCTION_ID = "LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a"


def _log_group_arns(stack: Stack, name: str) -> list[str]:
    """The group's ARN as IAM matches it, with and without the `:*` that some Logs actions are checked against."""
    arn = stack.format_arn(
        service="logs", resource="log-group", resource_name=name, arn_format=ArnFormat.COLON_RESOURCE_NAME
    )
    return [arn, f"{arn}:*"]


class EnhancedMonitoringRetention(Construct):
    """`RDSOSMetrics` kept `resilience.log_retention_days`, by a function that may touch only that group."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        function_name = settings.name("log-retention")
        # The handler also creates and trims its default group on first run; it logs to the guardrail's group
        # (aws_stacks/guardrails.py names it after the function's construct id).
        own_groups = [f"/aws/lambda/{function_name}", f"/{settings.prefix}/lambda/{LOG_RETENTION_FUNCTION_ID}"]
        role = iam.Role(
            self,
            "Role",
            role_name=function_name,
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Sets the retention of RDSOSMetrics and nothing else",
        )
        policy = iam.ManagedPolicy(
            self,
            "Policy",
            managed_policy_name=function_name,
            roles=[role],
            statements=[
                iam.PolicyStatement(
                    sid="RetentionOfTheseGroupsOnly",
                    actions=["logs:CreateLogGroup", "logs:PutRetentionPolicy"],
                    resources=_log_group_arns(stack, ENHANCED_MONITORING_LOG_GROUP)
                    + _log_group_arns(stack, own_groups[0]),
                ),
                iam.PolicyStatement(
                    sid="WriteOwnLogs",
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[arn for group in own_groups for arn in _log_group_arns(stack, group)],
                ),
            ],
        )
        # Without this, CDK would add logs:PutRetentionPolicy on every log group of the account (the audit trail's
        # included) to the role: a function that could shorten the retention of any evidence.
        retention = logs.LogRetention(
            self,
            "Retention",
            log_group_name=ENHANCED_MONITORING_LOG_GROUP,
            retention=logs.RetentionDays.ONE_DAY,
            role=role.without_policy_updates(),
            removal_policy=RemovalPolicy.RETAIN,
        )
        # RetentionDays is an enum of names in Python; the settings already hold a valid CloudWatch period.
        retention.node.default_child.add_property_override("RetentionInDays", settings.resilience.log_retention_days)
        handler = stack.node.find_child(LOG_RETENTION_FUNCTION_ID)
        handler.node.default_child.add_property_override("FunctionName", function_name)
        handler.node.default_child.node.add_dependency(policy)
        self.retention = retention
        for group in (ENHANCED_MONITORING_LOG_GROUP, *own_groups):
            acknowledge(
                policy,
                f"IAM5[Resource::{_log_group_arns(stack, group)[1]}]",
                "An exact log group name; the ':*' form is how CloudWatch Logs authorizes some actions on a "
                "group, so this names RDSOSMetrics or this function's own group, never any other group.",
            )
