"""Alarms, alert topics, events and rollback on alarm, per environment, against `shared.alerts` and settings."""

from __future__ import annotations

import json
import re

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch

from aws_stacks.alarms import CatalogAlarms, Watch
from aws_stacks.nag import register_checks
from aws_stacks.observability import AlertTopics
from aws_stacks.platform import new_app
from reports.alarm_table import section
from shared import ENVIRONMENTS, load_settings, replace_fields
from shared.alerts import Scope, Severity, alerts
from shared.contract import ERROR_LOG_SEVERITIES
from shared.provider_facts import RDS_CLASS_MEMORY_GIB
from tests.aws.helpers import resources, walk
from tests.synth import REPORT_INSTEAD_OF_FAILING, ROOT, cdk_json_context

COMPONENTS = ("observability", "edge-observability")
GIB = 1024**3
ELB, ECS, INSIGHTS, RDS, CACHE = (
    "AWS/ApplicationELB",
    "AWS/ECS",
    "ECS/ContainerInsights",
    "AWS/RDS",
    "AWS/ElastiCache",
)

# What each scope's alerts watch, by alarm target name; the load balancer adds one error-rate alarm of its own.
TARGETS = {
    Scope.SERVICE: ("api", "web"),
    Scope.DATABASE: ("postgres",),
    Scope.CACHE: ("redis",),
    Scope.CERTIFICATE: ("origin", "cdn"),
}
# The uptime canaries (aws_stacks/canaries.py) feed service_down beside the healthy-target count.
EXTRA_TARGETS = {"error_rate": ("alb",), "service_down": ("apicanary", "webcanary")}

# How each alert's duration becomes periods, and how missing data counts: the deliberate choices, pinned.
# The catalog's window and meaning of a gap (shared.alerts), as CloudWatch must render them: the requirement.
PERIODS = {"sustained": lambda minutes: (60, minutes), "over_window": lambda minutes: (60 * minutes, 1)}
PERIODS["daily"] = lambda minutes: (86400, 1)
MISSING = {"breaching": "breaching", "not_breaching": "notBreaching", "keep_state": "ignore"}


def _expected_metrics(settings, key: str, target: str) -> set[tuple[str, str, str]]:
    """(namespace, metric, statistic) an alarm reads; the metric names are the services' own."""
    percentile = f"p{settings.thresholds.response_time_percentile:g}"
    if key == "service_down" and target.endswith("canary"):
        return {("CloudWatchSynthetics", "SuccessPercent", "Average")}
    by_key = {
        "service_down": {(ELB, "HealthyHostCount", "Minimum")}
        | {(INSIGHTS, "RunningTaskCount", "Minimum"), (INSIGHTS, "DesiredTaskCount", "Maximum")},
        "error_rate": {(ELB, "HTTPCode_Target_5XX_Count", "Sum"), (ELB, "RequestCount", "Sum")}
        | ({(ELB, "HTTPCode_ELB_5XX_Count", "Sum")} if target == "alb" else set()),
        "response_time": {(ELB, "TargetResponseTime", percentile)},
        "cpu": {(ECS, "CPUUtilization", "Average")},
        "memory": {(ECS, "MemoryUtilization", "Average")},
        "database_connections": {(RDS, "DatabaseConnectionsSetupFailed", "Sum")},
        "database_free_storage": {(RDS, "FreeStorageSpace", "Minimum")},
        "database_cpu": {(RDS, "CPUUtilization", "Average")},
        "database_memory": {(RDS, "FreeableMemory", "Minimum")},
        "cache_cpu": {(CACHE, "EngineCPUUtilization", "Average")},
        "cache_memory": {(CACHE, "DatabaseMemoryUsagePercentage", "Maximum")},
        "cache_evictions": {(CACHE, "Evictions", "Sum")},
        "certificate_expiry": {("AWS/CertificateManager", "DaysToExpiry", "Minimum")},
        "application_errors": {(f"BookedBarber/{settings.environment}", f"{target}-error-log-entries", "Sum")},
    }
    return by_key[key]


def _templates(aws, settings) -> dict[str, dict]:
    return {component: aws.templates[settings.name(component)] for component in COMPONENTS}


def _alarms(aws, settings) -> dict[str, tuple[dict, dict]]:
    """Alarm name -> (properties, template it lives in)."""
    found = {}
    for template in _templates(aws, settings).values():
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::CloudWatch::Alarm":
                found[resource["Properties"]["AlarmName"]] = (resource["Properties"], template)
    return found


def _topic_ref(template: dict, settings, severity: Severity) -> dict:
    names = {f"alerts-{severity.value}", f"edge-alerts-{severity.value}"}
    ids = [
        logical_id
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::SNS::Topic"
        and resource["Properties"]["TopicName"] in {settings.name(name) for name in names}
    ]
    assert len(ids) == 1
    return {"Ref": ids[0]}


def _watched(properties: dict) -> tuple[set[tuple[str, str, str]], str | None, int]:
    """(metrics read, math expression or None, period in seconds)."""
    if "MetricName" in properties:
        statistic = properties.get("ExtendedStatistic") or properties["Statistic"]
        return {(properties["Namespace"], properties["MetricName"], statistic)}, None, properties["Period"]
    stats = [query["MetricStat"] for query in properties["Metrics"] if "MetricStat" in query]
    expression = next(query["Expression"] for query in properties["Metrics"] if query.get("ReturnData", True))
    assert len({stat["Period"] for stat in stats}) == 1
    metrics = {(stat["Metric"]["Namespace"], stat["Metric"]["MetricName"], stat["Stat"]) for stat in stats}
    return metrics, expression, stats[0]["Period"]


def test_every_catalog_alert_is_an_alarm_of_every_target(aws, settings):
    expected = {
        f"{settings.prefix}-{target}-{alert.key}"
        for alert in alerts(settings)
        for target in TARGETS[alert.scope] + EXTRA_TARGETS.get(alert.key, ())
    }
    assert set(_alarms(aws, settings)) == expected | _burn_alarm_names(settings) | _recovery_alarm_names(settings)


def _recovery_alarm_names(settings) -> set[str]:
    """The region-loss alarm of a standby (edge region; tests/aws/test_standby.py checks it), apart from the catalog."""
    from shared.recovery_names import aws_standby_names

    return {aws_standby_names(settings)["origin_errors_alarm"]} if settings.recovery.has_standby else set()


def _burn_alarm_names(settings) -> set[str]:
    """The SLOs' burn-rate alarms (tests/aws/test_slos.py checks them); hyphenated, apart from the catalog's."""
    from shared.slos import BURN_RATE_ALERTS, burn_alert_key, slos

    return {settings.name(burn_alert_key(slo, alert)) for slo in slos(settings) for alert in BURN_RATE_ALERTS}


def test_alarm_inventory_follows_the_catalog(aws, settings):
    """Threshold, comparison, period, evaluations, missing data, metrics and actions of every alarm."""
    catalog = {alert.key: alert for alert in alerts(settings)}
    burn_alarms = _burn_alarm_names(settings) | _recovery_alarm_names(settings)
    for name, (properties, template) in _alarms(aws, settings).items():
        if name in burn_alarms:
            continue
        target, key = re.fullmatch(rf"{settings.prefix}-([a-z]+)-([a-z_]+)", name).groups()
        alert = catalog[key]
        metrics, expression, period = _watched(properties)
        expected_period, evaluations = PERIODS[alert.window.value](alert.duration_minutes)
        topic = _topic_ref(template, settings, alert.severity)
        assert properties["Threshold"] == alert.threshold, name
        assert properties["ComparisonOperator"] == (
            "GreaterThanThreshold" if alert.fires_above else "LessThanThreshold"
        ), name
        assert (period, properties["EvaluationPeriods"], properties["DatapointsToAlarm"]) == (
            expected_period,
            evaluations,
            evaluations,
        ), name
        assert properties["TreatMissingData"] == MISSING[alert.missing.value], name
        assert alert.missing_reason in properties["AlarmDescription"], name
        assert metrics == _expected_metrics(settings, key, target), name
        assert properties["ActionsEnabled"] is True
        assert properties["AlarmActions"] == [topic], name
        assert properties.get("OKActions") == ([topic] if settings.routes.notify_on_recovery else None), name
        assert expression is None or "SEARCH" not in expression


def test_expressions_compute_shares_from_settings(aws, settings):
    alarms = _alarms(aws, settings)

    def expression(target: str, key: str) -> str:
        return _watched(alarms[f"{settings.prefix}-{target}-{key}"][0])[1]

    database = settings.database
    assert expression("postgres", "database_free_storage") == f"100 * free / {database.allocated_storage_gib * GIB}"
    memory = RDS_CLASS_MEMORY_GIB[database.aws_instance_class] * GIB
    assert expression("postgres", "database_memory") == f"100 - 100 * freeable / {memory}"
    assert expression("api", "error_rate") == "100 * FILL(api_5xx, 0) / api_requests"
    assert expression("alb", "error_rate") == "100 * (FILL(alb_elb_5xx, 0) + FILL(alb_target_5xx, 0)) / alb_requests"
    assert expression("web", "service_down") == "IF(web_running < web_desired, 0, web_healthy)"
    for key, combine in (("cache_cpu", "MAX"), ("cache_memory", "MAX"), ("cache_evictions", "SUM")):
        nodes = expression("redis", key).removeprefix(f"{combine}([").removesuffix("])").split(", ")
        assert len(nodes) == settings.cache.aws_nodes


def test_only_production_notifies_on_recovery():
    assert [name for name in ENVIRONMENTS if load_settings(name).routes.notify_on_recovery] == ["production"]


def test_topics_are_encrypted_with_a_key_cloudwatch_and_eventbridge_may_use(aws, settings):
    for component, template in _templates(aws, settings).items():
        keys = {k: r for k, r in template["Resources"].items() if r["Type"] == "AWS::KMS::Key"}
        # Besides the topics' key: the canary artifacts' key (observability), the drills' log key where they drill.
        drill_keys = {k for k in keys if k.startswith("DrillsLogsKey")}
        assert len(drill_keys) == int(settings.recovery.drills and component == "observability"), component
        for key in keys.values():
            assert key["Properties"]["EnableKeyRotation"] is True
            assert key["Properties"]["RotationPeriodInDays"] == settings.resilience.key_rotation_days
        assert len(keys) - len(drill_keys) == (2 if component == "observability" else 1), component
        key_id = next(k for k, r in keys.items() if r["Properties"]["Description"].endswith(": alerts") or
                      r["Properties"]["Description"].endswith(": edge-alerts"))  # fmt: skip
        key = keys[key_id]
        usable_by = set()
        for statement in key["Properties"]["KeyPolicy"]["Statement"]:
            actions = set(statement["Action"]) if isinstance(statement["Action"], list) else {statement["Action"]}
            if {"kms:Decrypt", "kms:GenerateDataKey*"} <= actions:
                services = statement["Principal"].get("Service", [])
                usable_by |= {services} if isinstance(services, str) else set(services)
        assert {"cloudwatch.amazonaws.com", "events.amazonaws.com"} <= usable_by, component
        topics = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::SNS::Topic"]
        assert len(topics) == len(Severity)
        for topic in topics:
            assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
        policies = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::SNS::TopicPolicy"]
        assert len(policies) == len(Severity)
        for policy in policies:
            assert {
                "Action": "sns:Publish",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                "Effect": "Deny",
                "Principal": "*",
            }.items() <= policy["PolicyDocument"]["Statement"][0].items()


def _secret_holders(template: dict, reference: str) -> list[str]:
    """Resource types whose properties carry the PagerDuty key's dynamic reference."""
    return sorted(
        resource["Type"]
        for resource in template.get("Resources", {}).values()
        if reference in json.dumps(resource.get("Properties", {}))
    )


def _key_in_subscriptions(template: dict) -> list[str]:
    """SNS subscription endpoints that would show the key to anyone who may list subscriptions."""
    return [
        json.dumps(resource["Properties"].get("Endpoint"))
        for resource in template.get("Resources", {}).values()
        if resource["Type"] == "AWS::SNS::Subscription" and "pagerduty" in json.dumps(resource["Properties"])
    ]


def test_pagerduty_key_lives_only_in_the_eventbridge_connection(aws, settings):
    """The routing key is a secret body parameter of one connection per region: no SNS subscription URL holds it
    (sns:ListSubscriptions shows endpoints to read-only identities), no rule target, no output."""
    reference = f"{{{{resolve:secretsmanager:{settings.routes.pagerduty_secret_name}:SecretString:::}}}}"
    for component, template in _templates(aws, settings).items():
        assert _secret_holders(template, reference) == ["AWS::Events::Connection"], component
        (connection,) = resources(aws, settings, component, "AWS::Events::Connection").values()
        body = connection["Properties"]["AuthParameters"]["InvocationHttpParameters"]["BodyParameters"]
        assert body == [{"IsValueSecret": True, "Key": "routing_key", "Value": reference}]
        (destination,) = resources(aws, settings, component, "AWS::Events::ApiDestination").values()
        assert destination["Properties"]["InvocationEndpoint"] == "https://events.pagerduty.com/v2/enqueue"
        assert destination["Properties"]["HttpMethod"] == "POST"
        assert _key_in_subscriptions(template) == []
        subscriptions = resources(aws, settings, component, "AWS::SNS::Subscription").values()
        assert {s["Properties"]["Protocol"] for s in subscriptions} == {"email"}
        assert sorted(s["Properties"]["Endpoint"] for s in subscriptions) == sorted(settings.routes.warning_emails)


def test_key_checks_catch_a_key_in_a_subscription_or_a_rule():
    reference = "{{resolve:secretsmanager:pd:SecretString:::}}"
    bad = {
        "Resources": {
            "Page": {
                "Type": "AWS::SNS::Subscription",
                "Properties": {
                    "Protocol": "https",
                    "Endpoint": f"https://events.pagerduty.com/integration/{reference}",
                },
            },
            "Rule": {"Type": "AWS::Events::Rule", "Properties": {"Targets": [{"Input": reference}]}},
        }
    }
    assert _key_in_subscriptions(bad) != []
    assert _secret_holders(bad, reference) == ["AWS::Events::Rule", "AWS::SNS::Subscription"]


def test_no_template_names_a_pagerduty_key(aws):
    """The only PagerDuty URL is the Events API v2 endpoint, which carries no key."""
    for name, template in aws.templates.items():
        for path, value in walk(template):
            if isinstance(value, str) and "events.pagerduty.com" in value:
                assert value == "https://events.pagerduty.com/v2/enqueue", (name, path)


def test_no_chatbot_without_slack_ids(aws, settings):
    assert settings.routes.slack_workspace_id is None
    for component in COMPONENTS:
        assert resources(aws, settings, component, "AWS::Chatbot::SlackChannelConfiguration") == {}


def test_services_roll_back_on_their_error_and_health_alarms(aws, settings):
    alarm_names = set(_alarms(aws, settings))
    services = {
        s["Properties"]["ServiceName"]: s["Properties"]
        for s in resources(aws, settings, "compute", "AWS::ECS::Service").values()
    }
    for service in ("api", "web"):
        configuration = services[settings.name(service)]["DeploymentConfiguration"]
        expected = [f"{settings.prefix}-{service}-error_rate", f"{settings.prefix}-{service}-service_down"]
        assert configuration["Alarms"] == {"AlarmNames": expected, "Enable": True, "Rollback": True}
        assert configuration["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
        assert set(expected) <= alarm_names  # the names point at alarms that exist


def _rules(aws, settings, component: str) -> dict[str, dict]:
    found = resources(aws, settings, component, "AWS::Events::Rule")
    return {
        rule["Properties"]["Name"].removeprefix(settings.prefix + "-"): rule["Properties"] for rule in found.values()
    }


def test_event_rules_route_info_events_to_the_info_topic(aws, settings):
    template = aws.templates[settings.name("observability")]
    info = _topic_ref(template, settings, Severity.INFO)
    rules = {name: rule for name, rule in _rules(aws, settings, "observability").items() if "Input" not in str(rule)}
    expected = {
        "deployments": ("aws.ecs", ["ECS Deployment State Change"]),
        "scaling": ("aws.application-autoscaling", ["Application Auto Scaling Scaling Activity State Change"]),
        "backups": ("aws.backup", ["Backup Job State Change", "Copy Job State Change"]),
        "certificates": ("aws.acm", None),
    }
    assert set(rules) == set(expected)
    for name, (source, detail_types) in expected.items():
        pattern = rules[name]["EventPattern"]
        assert pattern["source"] == [source], name
        if detail_types:
            assert pattern["detail-type"] == detail_types, name
        assert [target["Arn"] for target in rules[name]["Targets"]] == [info], name
    assert "ACM Certificate Approaching Expiration" in rules["certificates"]["EventPattern"]["detail-type"]
    assert rules["scaling"]["EventPattern"]["detail"]["serviceNamespace"] == ["ecs"]
    assert len(rules["deployments"]["EventPattern"]["resources"]) == 2  # both services
    edge = _rules(aws, settings, "edge-observability")
    assert edge["edge-certificates"]["EventPattern"]["source"] == ["aws.acm"]


def _page(rule: dict) -> dict:
    """The Events API v2 event a PagerDuty rule posts, placeholders left as `<name>`."""
    (target,) = rule["Targets"]
    assert target["Arn"]["Fn::GetAtt"][0].startswith("PagerDutyDestination")
    return json.loads(re.sub(r":<([\w-]+)>", r':"<\1>"', target["InputTransformer"]["InputTemplate"]))


def test_pages_are_events_api_v2_events(aws, settings):
    """Findings and critical alarms reach PagerDuty in the form its Events API v2 accepts, each with a dedup key."""
    rules = _rules(aws, settings, "observability")
    pages = {name: _page(rule) for name, rule in rules.items() if "PagerDuty" in json.dumps(rule["Targets"])}
    expected = {"alerts-alarm-pages", "alerts-guardduty-findings", "alerts-securityhub-findings"}
    if settings.routes.notify_on_recovery:
        expected.add("alerts-alarm-recoveries")
    assert set(pages) == expected
    for name, page in pages.items():
        assert page["event_action"] == ("resolve" if name.endswith("recoveries") else "trigger"), name
        assert page["dedup_key"].startswith("<"), name
        assert {"summary", "source", "severity"} <= set(page["payload"]), name
        assert page["payload"]["severity"] == "critical"
    assert rules["alerts-guardduty-findings"]["EventPattern"]["detail"] == {"severity": [{"numeric": [">=", 7]}]}
    findings = rules["alerts-securityhub-findings"]["EventPattern"]["detail"]["findings"]
    assert findings["Severity"] == {"Label": ["HIGH", "CRITICAL"]}
    # Every critical alarm pages, and nothing else does.
    critical = {
        logical_id
        for logical_id, (properties, _) in _alarm_ids(aws, settings, "observability").items()
        if properties["AlarmDescription"].startswith("critical:")
    }
    paged = {ref["Fn::GetAtt"][0] for ref in rules["alerts-alarm-pages"]["EventPattern"]["resources"]}
    assert paged == critical and critical
    edge = _rules(aws, settings, "edge-observability")
    assert _page(edge["edge-alerts-alarm-pages"])["event_action"] == "trigger"


def _alarm_ids(aws, settings, component: str) -> dict[str, tuple[dict, None]]:
    found = resources(aws, settings, component, "AWS::CloudWatch::Alarm")
    return {logical_id: (alarm["Properties"], None) for logical_id, alarm in found.items()}


def test_dashboard_per_environment(aws, settings):
    dashboards = resources(aws, settings, "observability", "AWS::CloudWatch::Dashboard")
    assert [d["Properties"]["DashboardName"] for d in dashboards.values()] == [settings.name("operations")]
    body = json.dumps(next(iter(dashboards.values()))["Properties"]["DashboardBody"])
    for metric in ("RequestCount", "TargetResponseTime", "HTTPCode_Target_5XX_Count", "RunningTaskCount"):
        assert metric in body
    for metric in ("FreeableMemory", "DatabaseConnections", "EngineCPUUtilization", "Evictions"):
        assert metric in body


def test_readme_lists_the_alarms_of_every_environment(aws):
    readme = (ROOT / "README.md").read_text()
    for environment in ENVIRONMENTS:
        assert section(aws.templates, load_settings(environment)) in readme, f"{environment}: run `make docs`"


def _probe(tmp_path, settings) -> tuple[dict, dict]:
    """AlertTopics with Slack ids and one catalog alarm, under all three nag packs: (template, report)."""
    app = new_app(context={**cdk_json_context(), **REPORT_INSTEAD_OF_FAILING}, outdir=str(tmp_path))
    register_checks(app)  # every pack the platform runs
    stack = cdk.Stack(app, "AlertProbe", env=cdk.Environment(account=settings.aws.account_id, region="us-east-1"))
    topics = AlertTopics(stack, "AlertTopics", settings=settings, label="alerts").topics
    metric = cloudwatch.Metric(namespace="AWS/ECS", metric_name="CPUUtilization", dimensions_map={"ServiceName": "x"})
    CatalogAlarms(
        stack,
        "Alarms",
        settings=settings,
        watches={"cpu": [Watch("probe", lambda period: metric.with_(period=period))]},
        topics=topics,
    )
    assembly = app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    return assembly.get_stack_by_name("AlertProbe").template, report


@pytest.mark.parametrize("environment", ["staging"])
def test_chatbot_is_read_only_and_passes_all_three_packs(tmp_path, environment):
    settings = replace_fields(
        load_settings(environment),
        {"routes.slack_workspace_id": "T0ABCDEF12", "routes.slack_channel_id": "C0ABCDEF12"},
    )
    template, report = _probe(tmp_path, settings)
    found = template["Resources"]
    configurations = [r["Properties"] for r in found.values() if r["Type"] == "AWS::Chatbot::SlackChannelConfiguration"]
    assert len(configurations) == 1
    configuration = configurations[0]
    assert (configuration["SlackWorkspaceId"], configuration["SlackChannelId"]) == ("T0ABCDEF12", "C0ABCDEF12")
    policies = {k: r["Properties"] for k, r in found.items() if r["Type"] == "AWS::IAM::ManagedPolicy"}
    assert len(policies) == 1
    policy_id, policy = next(iter(policies.items()))
    assert configuration["GuardrailPolicies"] == [{"Ref": policy_id}]
    actions = {a for s in policy["PolicyDocument"]["Statement"] for a in s["Action"]}
    assert actions and all(
        a.startswith("cloudwatch:") and a.split(":")[1].startswith(("Describe", "Get")) for a in actions
    )
    roles = [r["Properties"] for r in found.values() if r["Type"] == "AWS::IAM::Role"]
    assert [role["ManagedPolicyArns"] for role in roles] == [[{"Ref": policy_id}]]
    assert not [r for r in found.values() if r["Type"] == "AWS::IAM::Policy"]  # no inline policies (NIST, PCI)
    violations = [v for plugin in report["pluginReports"] for v in plugin["violations"]]
    assert violations == []
    suppressed = {
        (v["ruleName"], c["constructPath"])
        for plugin in report["pluginReports"]
        for v in plugin["suppressedViolations"]
        for c in v["violatingConstructs"]
    }
    assert suppressed == {("AwsSolutions-IAM5[Resource::*]", "AlertProbe/AlertTopics/ChatbotGuardrail/Resource")}


def test_error_log_entries_count_the_same_severities_as_cloud_logging(aws, settings):
    """One metric filter per service log group, on the JSON `severity` field GCP's `severity>=ERROR` reads."""
    filters = {
        key: value["Properties"]
        for key, value in resources(aws, settings, "observability", "AWS::Logs::MetricFilter").items()
    }
    assert len(filters) == 2
    for properties in filters.values():
        pattern = properties["FilterPattern"]
        for level in ERROR_LOG_SEVERITIES:
            assert f'$.severity = "{level}"' in pattern
        (transformation,) = properties["MetricTransformations"]
        assert transformation["MetricValue"] == "1"
        assert transformation["MetricNamespace"] == f"BookedBarber/{settings.environment}"
