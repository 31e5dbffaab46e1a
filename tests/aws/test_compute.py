"""ECR, ECS services, ALB and the regional WAF, per environment, against the settings."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Match

from aws_stacks.firewall import IP_REPUTATION_GROUP, MANAGED_RULE_GROUPS, RATE_LIMIT_RULE, RATE_LIMITED_BODY
from shared import load_settings
from shared.contract import API, API_PATH_PATTERNS, WEB
from tests.aws.helpers import only, resources, template


def _by_name(found: dict[str, dict], key: str) -> dict[str, dict]:
    return {resource["Properties"][key]: resource["Properties"] for resource in found.values()}


def test_cluster_has_enhanced_container_insights(aws, settings):
    template(aws, settings, "compute").has_resource_properties(
        "AWS::ECS::Cluster", {"ClusterSettings": [{"Name": "containerInsights", "Value": "enhanced"}]}
    )


def test_repositories_are_immutable_scanned_encrypted_and_pruned(aws, settings):
    repositories = _by_name(resources(aws, settings, "data", "AWS::ECR::Repository"), "RepositoryName")
    assert set(repositories) == {settings.name("api"), settings.name("web")}
    for repository in repositories.values():
        assert repository["ImageTagMutability"] == "IMMUTABLE"
        assert repository["ImageScanningConfiguration"] == {"ScanOnPush": True}
        assert repository["EncryptionConfiguration"]["EncryptionType"] == "KMS"
        assert "LifecyclePolicyText" in repository["LifecyclePolicy"]


@pytest.mark.parametrize("service", ["api", "web"])
def test_task_size_and_scaling_follow_settings(aws, settings, service):
    sizing = getattr(settings.compute, service)
    tasks = _by_name(resources(aws, settings, "compute", "AWS::ECS::TaskDefinition"), "Family")
    task = tasks[settings.name(service)]
    assert (int(task["Cpu"]), int(task["Memory"])) == (sizing.fargate_cpu_units, sizing.fargate_memory_mib)
    services = _by_name(resources(aws, settings, "compute", "AWS::ECS::Service"), "ServiceName")
    ecs_service = services[settings.name(service)]
    assert ecs_service["DeploymentConfiguration"]["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
    assert ecs_service["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"] == "DISABLED"
    assert "DesiredCount" not in ecs_service  # auto scaling owns it; a deploy must not reset it
    targets = [
        t["Properties"]
        for t in resources(aws, settings, "compute", "AWS::ApplicationAutoScaling::ScalableTarget").values()
        if t["Properties"]["ResourceId"]["Fn::Join"][1][3]["Fn::GetAtt"][0].startswith(
            "ApiService" if service == "api" else "WebService"
        )
    ]
    assert [(t["MinCapacity"], t["MaxCapacity"]) for t in targets] == [
        (sizing.fargate_min_tasks, sizing.fargate_max_tasks)
    ]


def test_production_runs_three_to_fifty_tasks(aws):
    production = load_settings("production")
    bounds = {
        (t["Properties"]["MinCapacity"], t["Properties"]["MaxCapacity"])
        for t in resources(aws, production, "compute", "AWS::ApplicationAutoScaling::ScalableTarget").values()
    }
    assert bounds == {(3, 50)}


def test_scaling_on_cpu_memory_and_requests(aws, settings):
    policies = [
        p["Properties"]["TargetTrackingScalingPolicyConfiguration"]
        for p in resources(aws, settings, "compute", "AWS::ApplicationAutoScaling::ScalingPolicy").values()
    ]
    by_metric: dict[str, list] = {}
    for policy in policies:
        if "CustomizedMetricSpecification" in policy:  # requests per target of both target groups (test_rollout.py)
            queries = policy["CustomizedMetricSpecification"]["Metrics"]
            (metric,) = {query["MetricStat"]["Metric"]["MetricName"] for query in queries if "MetricStat" in query}
        else:
            metric = policy["PredefinedMetricSpecification"]["PredefinedMetricType"]
        by_metric.setdefault(metric, []).append(policy["TargetValue"])
    assert by_metric == {
        "ECSServiceAverageCPUUtilization": [settings.compute.scale_out_cpu_percent] * 2,
        "ECSServiceAverageMemoryUtilization": [settings.compute.scale_out_memory_percent] * 2,
        "RequestCountPerTarget": [settings.compute.scale_out_requests_per_target] * 2,
    }


def test_secrets_come_only_from_secrets_manager_and_only_the_api_gets_its_own(aws, settings):
    tasks = _by_name(resources(aws, settings, "compute", "AWS::ECS::TaskDefinition"), "Family")
    api = {c["Name"]: c for c in tasks[settings.name("api")]["ContainerDefinitions"]}["api"]
    web = {c["Name"]: c for c in tasks[settings.name("web")]["ContainerDefinitions"]}["web"]
    assert {secret["Name"] for secret in api["Secrets"]} == {"REDIS_AUTH", "SECRET_KEY", "SENTRY_DSN"}
    assert {secret["Name"] for secret in web["Secrets"]} == {"SENTRY_DSN"}  # error tracking only
    for container in (
        *tasks[settings.name("api")]["ContainerDefinitions"],
        *tasks[settings.name("web")]["ContainerDefinitions"],
    ):
        if container["Name"] not in ("api", "web"):
            assert "Secrets" not in container  # the X-Ray sidecar
    for task in tasks.values():
        for container in task["ContainerDefinitions"]:
            assert container["LogConfiguration"]["LogDriver"] == "awslogs"
            names = {variable["Name"] for variable in container.get("Environment", [])}
            assert not names & {"DATABASE_PASSWORD", "REDIS_AUTH", "SECRET_KEY"}


def test_service_log_groups_are_encrypted_and_retained(aws, settings):
    for group in resources(aws, settings, "compute", "AWS::Logs::LogGroup").values():
        assert "KmsKeyId" in group["Properties"]
        assert group["Properties"]["RetentionInDays"] == settings.resilience.log_retention_days


def test_load_balancer(aws, settings):
    alb = only(resources(aws, settings, "compute", "AWS::ElasticLoadBalancingV2::LoadBalancer"))["Properties"]
    attributes = {a["Key"]: a["Value"] for a in alb["LoadBalancerAttributes"]}
    assert alb["Scheme"] == "internal"  # CloudFront reaches it through a VPC origin (tests/aws/test_hardening.py)
    assert alb["Name"] == settings.name("origin")  # renamed with the move: a scheme change replaces the ALB
    assert attributes["deletion_protection.enabled"] == str(settings.resilience.deletion_protection).lower()
    assert attributes["access_logs.s3.enabled"] == "true"
    assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"
    listeners = {
        listener["Properties"]["Port"]: listener["Properties"]
        for listener in resources(aws, settings, "compute", "AWS::ElasticLoadBalancingV2::Listener").values()
    }
    assert set(listeners) == {443}  # no plain-HTTP listener: CloudFront speaks HTTPS to the origin
    assert listeners[443]["Protocol"] == "HTTPS"
    assert listeners[443]["SslPolicy"].startswith("ELBSecurityPolicy-TLS13-")
    compute = template(aws, settings, "compute")
    compute.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::ListenerRule",
        {
            "Conditions": Match.array_with(
                [{"Field": "path-pattern", "PathPatternConfig": {"Values": list(API_PATH_PATTERNS)}}]
            )
        },
    )
    compute.has_resource_properties(
        "AWS::CertificateManager::Certificate",
        {"DomainName": settings.domain.origin_domain, "ValidationMethod": "DNS"},
    )
    compute.has_resource_properties(
        "AWS::Route53::RecordSet",
        {"Name": settings.domain.origin_domain + ".", "Type": "A", "AliasTarget": Match.any_value()},
    )
    health_paths = {
        group["Properties"]["Port"]: group["Properties"]["HealthCheckPath"]
        for group in resources(aws, settings, "compute", "AWS::ElasticLoadBalancingV2::TargetGroup").values()
        if group["Properties"]["TargetType"] == "ip"
    }
    assert health_paths == {
        API.port: API.health_path,
        WEB.port: WEB.health_path,
    }
    # Replaced with the ALB: ELB attaches a target group to one load balancer only, so the old names cannot carry over.
    names = {
        group["Properties"]["Name"]
        for group in resources(aws, settings, "compute", "AWS::ElasticLoadBalancingV2::TargetGroup").values()
    }
    # Blue/green: each service's serving group and its alternate (tests/aws/test_rollout.py).
    assert names == {settings.name(f"{service.name}-{suffix}") for service in (API, WEB) for suffix in ("int", "alt")}


def _rules(properties: dict) -> dict[str, dict]:
    return {rule["Name"]: rule for rule in properties["Rules"]}


def _managed_groups(properties: dict) -> set[str]:
    return {
        rule["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for rule in properties["Rules"]
        if "ManagedRuleGroupStatement" in rule["Statement"]
    }


def test_regional_waf_keeps_only_rules_that_read_the_request(aws, settings):
    """Behind CloudFront the ALB sees edge addresses: no per-IP rule can work there, so none is configured."""
    web_acl = only(resources(aws, settings, "compute", "AWS::WAFv2::WebACL"))["Properties"]
    assert web_acl["Scope"] == "REGIONAL"
    assert _managed_groups(web_acl) == {
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesSQLiRuleSet",
    }
    assert IP_REPUTATION_GROUP not in _rules(web_acl)
    assert not [rule for rule in web_acl["Rules"] if "RateBasedStatement" in rule["Statement"]]
    template(aws, settings, "compute").resource_count_is("AWS::WAFv2::WebACLAssociation", 1)
    template(aws, settings, "compute").resource_count_is("AWS::WAFv2::LoggingConfiguration", 1)


def test_cloudfront_waf_limits_each_client_and_answers_429(aws, settings):
    web_acl = only(resources(aws, settings, "edge", "AWS::WAFv2::WebACL"))["Properties"]
    assert web_acl["Scope"] == "CLOUDFRONT"
    assert (
        _managed_groups(web_acl)
        == set(MANAGED_RULE_GROUPS["CLOUDFRONT"])
        >= {
            "AWSManagedRulesCommonRuleSet",
            "AWSManagedRulesKnownBadInputsRuleSet",
            "AWSManagedRulesSQLiRuleSet",
            IP_REPUTATION_GROUP,
        }
    )
    rate = _rules(web_acl)[RATE_LIMIT_RULE]
    # The same status Cloud Armor's throttle gives the excess (gcp_stacks/edge.py: deny(429)).
    assert rate["Action"] == {
        "Block": {"CustomResponse": {"ResponseCode": 429, "CustomResponseBodyKey": RATE_LIMITED_BODY}}
    }
    assert web_acl["CustomResponseBodies"][RATE_LIMITED_BODY]["ContentType"] == "TEXT_PLAIN"
    assert rate["Statement"]["RateBasedStatement"] == {
        "AggregateKeyType": "IP",
        "Limit": settings.edge.rate_limit_requests,
        "EvaluationWindowSec": settings.edge.rate_limit_window_seconds,
    }
    assert max(rule["Priority"] for rule in web_acl["Rules"]) == rate["Priority"]


def test_services_pull_from_the_repositories_of_the_data_stack(aws, settings):
    """Compute finds the repositories by their settings name; the data stack must create exactly those."""
    created = _by_name(resources(aws, settings, "data", "AWS::ECR::Repository"), "RepositoryName")
    images = [
        json.dumps(container["Image"])
        for task in resources(aws, settings, "compute", "AWS::ECS::TaskDefinition").values()
        for container in task["Properties"]["ContainerDefinitions"]
        if "xray" not in json.dumps(container["Image"])
    ]
    assert len(images) == 2
    for name in created:
        assert sum(f"/{name}:" in image for image in images) == 1


def test_the_sentry_dsn_is_readable_only_by_the_two_execution_roles(aws, settings):
    """Every IAM policy in every stack that names the Sentry secret belongs to the api's or web's execution role;
    each service is told its environment's name as SENTRY_ENVIRONMENT."""
    import json

    from shared.contract import SENTRY_DSN_FIELD

    (logical_id,) = [
        logical_id
        for logical_id, resource in template(aws, settings, "data").to_json()["Resources"].items()
        if resource["Type"] == "AWS::SecretsManager::Secret" and "SentryDsn" in logical_id
    ]
    readers = set()
    for name, stack_template in aws.templates.items():
        if not name.startswith(f"{settings.prefix}-"):
            continue
        for policy_id, resource in stack_template["Resources"].items():
            if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy") and logical_id in json.dumps(
                resource["Properties"]["PolicyDocument"]
            ):
                readers.add((name, policy_id, json.dumps(resource["Properties"].get("Roles"))))
    assert len(readers) == 2, readers
    assert all(
        "ApiServiceTaskDefinitionExecutionRole" in roles or "WebServiceTaskDefinitionExecutionRole" in roles
        for _, _, roles in readers
    )
    assert {"Api" in roles for _, _, roles in readers} == {True, False}
    tasks = _by_name(resources(aws, settings, "compute", "AWS::ECS::TaskDefinition"), "Family")
    for service in ("api", "web"):
        (container,) = [c for c in tasks[settings.name(service)]["ContainerDefinitions"] if c["Name"] == service]
        (secret,) = [secret for secret in container["Secrets"] if secret["Name"] == "SENTRY_DSN"]
        assert f":{SENTRY_DSN_FIELD}::" in json.dumps(secret["ValueFrom"])
        environment = {variable["Name"]: variable["Value"] for variable in container["Environment"]}
        assert environment["SENTRY_ENVIRONMENT"] == settings.environment
