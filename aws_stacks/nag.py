"""The checks every synth runs: cdk-nag's packs (cdk-nag 3.x `Validations` API) and the template validation, with
their acknowledgements."""

from __future__ import annotations

import jsii
from aws_cdk import (
    Acknowledgment,
    App,
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
    Validations,
)
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks
from constructs import IConstruct

from aws_stacks import template_validation

PACK = "AwsSolutions"
NIST = "NIST.800.53.R5"
PCI = "PCI.DSS.321"
# Every pack that runs on each synth, in the order findings are reported.
PACKS = (PACK, NIST, PCI)
_MIN_REASON_LENGTH = 40


@jsii.implements(IPolicyValidationPlugin)
class TemplateValidation:
    """aws-cdk-lib's built-in template validation, run by `template_validation.Worker` beside the app."""

    def __init__(self, worker: template_validation.Worker) -> None:
        self._worker = worker

    @property
    def name(self) -> str:
        return template_validation.PLUGIN_NAME

    @property
    def version(self) -> str | None:
        return self._worker.version

    @property
    def rule_ids(self) -> list[str] | None:
        return None

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        stacks = [
            {
                "templatePath": stack.template_path,
                "stackConstructPath": stack.stack_construct_path,
                "accountId": stack.account_id,
                "region": stack.region,
            }
            for stack in context.stack_templates
        ]
        report = self._worker.report(stacks)
        return PolicyValidationPluginReport(
            success=report["success"],
            plugin_version=self._worker.version,
            violations=[
                PolicyViolation(
                    rule_name=violation["ruleName"],
                    description=violation["description"],
                    severity=violation["severity"],
                    fix=violation.get("fix"),
                    rule_metadata=violation.get("ruleMetadata"),
                    violating_resources=[
                        PolicyViolatingResource(
                            resource_logical_id=resource.get("resourceLogicalId"),
                            construct_path=resource.get("constructPath"),
                            template_path=resource["templatePath"],
                            locations=resource["locations"],
                        )
                        for resource in violation["violatingResources"]
                    ],
                )
                for violation in report["violations"]
            ],
        )


def register_checks(app: App) -> None:
    """Run the AwsSolutions, NIST 800-53 rev 5 and PCI DSS 3.2.1 packs and the template validation on every synth;
    open findings fail it. The app must come from `platform.new_app`, which turns aws-cdk-lib's built-in off."""
    worker = template_validation.start()
    validation = [TemplateValidation(worker)] if worker else []
    Validations.of(app).add_plugins(AwsSolutionsChecks(app), NIST80053R5Checks(app), PCIDSS321Checks(app), *validation)


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
    _acknowledge(construct, [(rule, PACK), *((name, pack) for pack, name in SAME_FINDING[rule].items())], reason)


def acknowledge(construct: IConstruct, rule: str, reason: str, *, packs: tuple[str, ...] = (PACK,)) -> None:
    """Acknowledge one rule (e.g. `RDS11`, or `IAM5[Resource::*]`) on the narrowest construct it concerns,
    in each of `packs` that reports it (NIST and PCI share many rule names)."""
    acknowledge_rules(construct, [rule], reason, packs=packs)


def acknowledge_rules(
    construct: IConstruct, rules: list[str], reason: str, *, packs: tuple[str, ...] = (PACK,)
) -> None:
    """`acknowledge` for several rules on one construct for one reason (e.g. one IAM5 finding per action)."""
    _acknowledge(construct, [(rule, pack) for rule in rules for pack in packs], reason)


def _acknowledge(construct: IConstruct, rules: list[tuple[str, str]], reason: str) -> None:
    """One call for all of them: each `Validations.of(...).acknowledge` is two jsii round trips, and a synth makes
    hundreds of acknowledgements."""
    if len(reason) < _MIN_REASON_LENGTH:
        raise ValueError(f"acknowledgement of {rules[0][0]} on {construct.node.path} needs a specific reason")
    Validations.of(construct).acknowledge(
        *(Acknowledgment(id=rule_id(rule, pack), reason=reason) for rule, pack in rules)
    )
