"""Properties every template must hold: no secret values, private encrypted buckets, protected production."""

from __future__ import annotations

import json
import re

import pytest

from reports.summary import environment_of
from shared import load_settings
from tests.aws.helpers import resources, walk

# What a generated password or token looks like: long, mixed-case letters and digits.
_GENERATED_LOOKING = re.compile(r"^(?=[^\s]*[a-z])(?=[^\s]*[A-Z])(?=[^\s]*\d)[A-Za-z0-9]{20,}$")
_SENSITIVE_PROPERTIES = {"MasterUserPassword", "AuthToken", "SecretString", "Password", "PasswordHash"}
_INTRINSIC_NAMES = {"Ref", "Fn::GetAtt", "DependsOn", "Fn::GetStackOutput", "OutputName", "TargetOriginId"}
STATEFUL_TYPES = (
    "AWS::RDS::DBInstance",
    "AWS::ElastiCache::ReplicationGroup",
    "AWS::KMS::Key",
    "AWS::S3::Bucket",
    "AWS::SecretsManager::Secret",
    "AWS::ECR::Repository",
)


def _logical_ids(templates: dict[str, dict]) -> set[str]:
    return {
        name
        for template in templates.values()
        for section in ("Resources", "Outputs", "Mappings")
        for name in template.get(section, {})
    }


def _empty_placeholder(value) -> bool:
    """A secret created as a JSON object of empty fields (its value is written later, out of band)."""
    try:
        document = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        return False
    return isinstance(document, dict) and bool(document) and all(field == "" for field in document.values())


def secret_leaks(templates: dict[str, dict]) -> list[str]:
    """Where a template holds something secret-looking: a given SecretString, a sensitive property that is not
    a Secrets Manager dynamic reference, or any string shaped like a generated password."""
    known = _logical_ids(templates)
    leaks = []
    for name, template in templates.items():
        for path, value in walk(template.get("Resources", {})):
            where = f"{name}: {'/'.join(map(str, path))}"
            if (
                path
                and path[-1] in _SENSITIVE_PROPERTIES
                and "{{resolve:secretsmanager:" not in json.dumps(value)
                and not _empty_placeholder(value)
            ):
                leaks.append(where)
            if not isinstance(value, str) or value in known or set(path) & _INTRINSIC_NAMES:
                continue
            if "." in value and value.split(".")[0] in known:  # GetAtt shorthand
                continue
            if environment_of(name) in value:  # CDK's generated unique names (stack + path + hash, maybe truncated)
                continue
            if _GENERATED_LOOKING.match(value):
                leaks.append(f"{where} = {value!r}")
    return leaks


# Secrets whose value comes from outside (Sentry issues the DSN): created holding only an empty placeholder field.
OPERATOR_SET = {"SentryDsn": '{"dsn":""}'}


def test_secrets_are_generated_never_given(aws):
    for name, template in aws.templates.items():
        for logical_id, resource in template["Resources"].items():
            if resource["Type"] == "AWS::SecretsManager::Secret":
                properties = resource["Properties"]
                operator_set = [key for key in OPERATOR_SET if logical_id.startswith(f"ApplicationSecrets{key}")]
                if operator_set:
                    assert properties["SecretString"] == OPERATOR_SET[operator_set[0]], f"{name}/{logical_id}"
                    assert "GenerateSecretString" not in properties, f"{name}/{logical_id}"
                    continue
                assert "GenerateSecretString" in properties, f"{name}/{logical_id}"
                assert "SecretString" not in properties, f"{name}/{logical_id}"


def test_no_template_holds_a_secret_value(aws):
    assert secret_leaks(aws.templates) == []


def test_the_leak_detector_catches_literal_secrets():
    dynamic = {"Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": "Secret"}, ":SecretString:token::}}"]]}
    clean = {"bookedbarber-dev-data": {"Resources": {"Cache": {"Properties": {"AuthToken": dynamic}}}}}
    assert secret_leaks(clean) == []
    literal = {"bookedbarber-dev-data": {"Resources": {"Db": {"Properties": {"MasterUserPassword": "hunter2"}}}}}
    assert secret_leaks(literal) == ["bookedbarber-dev-data: Db/Properties/MasterUserPassword"]
    generated = {
        "bookedbarber-dev-compute": {"Resources": {"Task": {"Properties": {"Token": "Xk29dLq8ZpWm3Rt7Vb5Nc1Hy"}}}}
    }
    assert len(secret_leaks(generated)) == 1
    placeholder = {"bookedbarber-dev-data": {"Resources": {"Dsn": {"Properties": {"SecretString": '{"dsn":""}'}}}}}
    assert secret_leaks(placeholder) == []
    filled = {
        "bookedbarber-dev-data": {"Resources": {"Dsn": {"Properties": {"SecretString": '{"dsn":"https://k@s/1"}'}}}}
    }
    assert secret_leaks(filled) == ["bookedbarber-dev-data: Dsn/Properties/SecretString"]


def test_every_bucket_is_private_and_requires_tls(aws):
    for name, template in aws.templates.items():
        buckets = {k for k, r in template["Resources"].items() if r["Type"] == "AWS::S3::Bucket"}
        for logical_id in buckets:
            block = template["Resources"][logical_id]["Properties"]["PublicAccessBlockConfiguration"]
            assert block == {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            }, f"{name}/{logical_id}"
            assert "BucketEncryption" in template["Resources"][logical_id]["Properties"]
        tls_denied = {
            policy["Properties"]["Bucket"]["Ref"]
            for policy in template["Resources"].values()
            if policy["Type"] == "AWS::S3::BucketPolicy"
            and any(
                s["Effect"] == "Deny" and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
                for s in policy["Properties"]["PolicyDocument"]["Statement"]
            )
        }
        assert buckets <= tls_denied, f"{name}: buckets without an SSL-only policy {buckets - tls_denied}"


def test_production_retains_stateful_resources(aws):
    production = load_settings("production")
    for component in ("network", "data", "compute", "edge"):
        for resource_type in STATEFUL_TYPES:
            for logical_id, resource in resources(aws, production, component, resource_type).items():
                assert resource.get("DeletionPolicy") == "Retain", f"{component}/{logical_id}"


@pytest.mark.parametrize("environment", ["dev", "staging"])
def test_other_environments_can_be_torn_down(aws, environment):
    settings = load_settings(environment)
    assert not settings.resilience.retain_stateful_resources
    for logical_id, resource in resources(aws, settings, "data", "AWS::RDS::DBInstance").items():
        assert resource.get("DeletionPolicy") == "Snapshot", logical_id


# CloudFormation's execution policy for CI deploys and the platform's permissions boundary are service-wide by
# nature; tests/aws/test_trust_matrix.py pins their wildcards to the platform's services and their denials.
BOOTSTRAP_POLICY_SUFFIXES = ("-cdk-execution", "-cdk-boundary")


def test_no_wildcard_actions_in_iam_policies(aws):
    """Roles and policies never grant `*` or `service:*` (key policies keep KMS's standard account-admin statement)."""
    iam_types = {"AWS::IAM::Policy", "AWS::IAM::Role", "AWS::IAM::ManagedPolicy"}
    for name, template in aws.templates.items():
        policies = [
            r["Properties"]
            for r in template["Resources"].values()
            if r["Type"] in iam_types
            and not str(r["Properties"].get("ManagedPolicyName", "")).endswith(BOOTSTRAP_POLICY_SUFFIXES)
        ]
        for path, value in walk(policies):
            if path and path[-1] == "Action":
                actions = value if isinstance(value, list) else [value]
                for action in actions:
                    assert action != "*" and not str(action).endswith(":*"), f"{name}: {action}"
