"""Whole-stack passes over what CDK generates for us: one mechanism per concern, applied after composition.

- Functions CDK adds (custom-resource handlers) log to a group we own, kept for
  `settings.resilience.log_retention_days`, instead of a group Lambda creates that never expires.
- Default policies CDK writes for grants are inline by design; they are acknowledged where they are.
"""

from __future__ import annotations

import re

from aws_cdk import CfnResource, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from aws_stacks.nag import NIST, PCI, acknowledge
from aws_stacks.security import encrypted_log_group
from shared import Settings

_NOT_IN_LOG_GROUP_NAME = re.compile(r"[^A-Za-z0-9_./#-]+")

INLINE_POLICY_REASON = (
    "A CDK grant policy: statements generated from the exact resources this one role uses, attached to that "
    "role alone; a customer-managed policy would add a reusable document that no other principal should hold."
)


def acknowledge_inline_policies(scope: Construct) -> None:
    """IAMNoInlinePolicy on each role's CDK-generated `DefaultPolicy`, and only there."""
    for policy in _generated(scope).default_policies:
        acknowledge(policy, "IAMNoInlinePolicy", INLINE_POLICY_REASON, packs=(NIST, PCI))


class _Generated:
    """What one walk of the construct tree finds: each node crosses the jsii boundary once."""

    def __init__(self) -> None:
        self.default_policies: list[iam.Policy] = []
        self.functions: list[CfnResource] = []


def _generated(scope: Construct) -> _Generated:
    found = _Generated()
    for node in scope.node.find_all():
        if isinstance(node, iam.Policy):
            if node.node.id == "DefaultPolicy" and isinstance(node.node.scope, iam.Role):
                found.default_policies.append(node)
        # Custom-resource providers write their handler as a raw CfnResource; only those need their type read.
        elif isinstance(node, lambda_.CfnFunction) or (
            type(node) is CfnResource and node.cfn_resource_type == "AWS::Lambda::Function"
        ):
            found.functions.append(node)
    return found


def apply_guardrails(stack: Stack, *, settings: Settings, key: kms.IKey | None) -> None:
    """Both guardrails in one walk; function logs where `key` (the logs key of the stack's region) is given."""
    found = _generated(stack)
    for policy in found.default_policies:
        acknowledge(policy, "IAMNoInlinePolicy", INLINE_POLICY_REASON, packs=(NIST, PCI))
    if key is not None:
        _keep_function_logs(found, settings=settings, key=key)


def _keep_function_logs(found: _Generated, *, settings: Settings, key: kms.IKey) -> None:
    """Give every function an encrypted log group with the settings' retention."""
    for function in found.functions:
        owner = function.node.scope
        if owner.node.try_find_child("LogGroup"):
            continue
        name = _NOT_IN_LOG_GROUP_NAME.sub("", owner.node.id)
        group = encrypted_log_group(
            owner, "LogGroup", settings=settings, key=key, log_group_name=f"/{settings.prefix}/lambda/{name}"
        )
        function.add_property_override("LoggingConfig.LogGroup", group.log_group_name)
        function.node.add_dependency(group)
