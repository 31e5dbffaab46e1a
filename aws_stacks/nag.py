"""cdk-nag registration and acknowledgements (cdk-nag 3.x `Validations` API)."""

from __future__ import annotations

from aws_cdk import Acknowledgment, App, Validations
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks
from constructs import IConstruct

PACK = "AwsSolutions"
NIST = "NIST.800.53.R5"
PCI = "PCI.DSS.321"
# Every pack that runs on each synth, in the order findings are reported.
PACKS = (PACK, NIST, PCI)
_MIN_REASON_LENGTH = 40


def register_checks(app: App) -> None:
    """Run the AwsSolutions, NIST 800-53 rev 5 and PCI DSS 3.2.1 packs on every synth; open findings fail it."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app), NIST80053R5Checks(app), PCIDSS321Checks(app))


def rule_id(rule: str, pack: str = PACK) -> str:
    """The id exactly as synth prints it: a bare `AwsSolutions-VPC7` suppresses nothing."""
    return f"{pack}::{pack}-{rule}"


# One finding, reported by each pack under its own name: acknowledging the AwsSolutions rule acknowledges these too.
SAME_FINDING = {
    "RDS3": {NIST: "RDSMultiAZSupport"},
    "RDS10": {NIST: "RDSInstanceDeletionProtectionEnabled"},
    "S1": {NIST: "S3BucketLoggingEnabled", PCI: "S3BucketLoggingEnabled"},
    "SMG4": {NIST: "SecretsManagerRotationEnabled"},
}


def acknowledge_in_every_pack(construct: IConstruct, rule: str, reason: str) -> None:
    """An AwsSolutions rule and, under their names (`SAME_FINDING`), the same finding in the other packs."""
    acknowledge(construct, rule, reason)
    for pack, name in SAME_FINDING[rule].items():
        acknowledge(construct, name, reason, packs=(pack,))


def acknowledge(construct: IConstruct, rule: str, reason: str, *, packs: tuple[str, ...] = (PACK,)) -> None:
    """Acknowledge one rule (e.g. `RDS11`, or `IAM5[Resource::*]`) on the narrowest construct it concerns,
    in each of `packs` that reports it (NIST and PCI share many rule names)."""
    if len(reason) < _MIN_REASON_LENGTH:
        raise ValueError(f"acknowledgement of {rule} on {construct.node.path} needs a specific reason")
    for pack in packs:
        Validations.of(construct).acknowledge(Acknowledgment(id=rule_id(rule, pack), reason=reason))
