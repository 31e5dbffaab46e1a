"""cdk-nag registration and acknowledgements (cdk-nag 3.x `Validations` API)."""

from __future__ import annotations

from aws_cdk import Acknowledgment, App, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

PACK = "AwsSolutions"
_MIN_REASON_LENGTH = 40


def register_checks(app: App) -> None:
    """Run the AwsSolutions pack on every synth; unacknowledged findings fail it."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def rule_id(rule: str) -> str:
    """The id exactly as synth prints it: a bare `AwsSolutions-VPC7` suppresses nothing."""
    return f"{PACK}::{PACK}-{rule}"


def acknowledge(construct: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge one rule (e.g. `RDS11`, or `IAM5[Resource::*]`) on the narrowest construct it concerns."""
    if len(reason) < _MIN_REASON_LENGTH:
        raise ValueError(f"acknowledgement of {rule} on {construct.node.path} needs a specific reason")
    Validations.of(construct).acknowledge(Acknowledgment(id=rule_id(rule), reason=reason))
