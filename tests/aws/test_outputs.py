"""Outputs for people on every stack that has something to find: described, and never a secret."""

from __future__ import annotations

import json

import pytest

EXPECTED = {
    "data": {"DatabaseEndpoint", "CacheEndpoint", "ApiRepositoryUri", "WebRepositoryUri"},
    "compute": {"LoadBalancerDnsName", "OriginUrl"},
    "edge": {"AppUrl", "CloudFrontDomainName"},
}
SECRET_MARKERS = ("secretsmanager", "SecretString", "Password", "password", "AuthToken", "SecretArn")


def people_outputs(template: dict) -> dict[str, dict]:
    """Outputs that are not CDK's cross-stack references (exports, or `PublishOutput...` for weak references)."""
    return {
        key: output
        for key, output in template.get("Outputs", {}).items()
        if "Export" not in output and not key.startswith("PublishOutput")
    }


def secret_outputs(template: dict) -> list[str]:
    return [
        key
        for key, output in people_outputs(template).items()
        if any(marker in json.dumps(output["Value"]) for marker in SECRET_MARKERS)
    ]


@pytest.mark.parametrize("component", sorted(EXPECTED))
def test_outputs_exist_with_descriptions(aws, settings, component):
    outputs = people_outputs(aws.templates[settings.name(component)])
    assert EXPECTED[component] <= set(outputs)
    assert all(output.get("Description") for output in outputs.values())


def test_app_urls_come_from_settings(aws, settings):
    outputs = people_outputs(aws.templates[settings.name("edge")])
    assert outputs["AppUrl"]["Value"] == f"https://{settings.domain.app_domain}"
    assert people_outputs(aws.templates[settings.name("compute")])["OriginUrl"]["Value"] == (
        f"https://{settings.domain.origin_domain}"
    )


def test_read_endpoint_only_where_there_are_replicas(aws, settings):
    outputs = people_outputs(aws.templates[settings.name("data")])
    assert ("DatabaseReadEndpoint" in outputs) is (settings.database.read_replicas > 0)


def test_no_output_holds_a_secret(aws):
    assert {
        name: secret_outputs(template) for name, template in aws.templates.items() if secret_outputs(template)
    } == {}


def test_the_secret_check_catches_a_secret_output():
    template = {"Outputs": {"Leak": {"Value": {"Ref": "DatabaseSecretAttachment"}, "Description": "x"}}}
    assert secret_outputs(template) == []  # a plain reference to a name passes...
    template["Outputs"]["Leak"]["Value"] = "{{resolve:secretsmanager:db:SecretString:password}}"
    assert secret_outputs(template) == ["Leak"]  # ...a resolved secret does not
