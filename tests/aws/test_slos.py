"""SLOs and canaries on AWS: Application Signals SLOs at the catalog's values on the load balancer's metrics,
burn-rate alarms routed like the catalog's, the error budget on the dashboard, and uptime canaries that feed
`service_down` with a private bucket and a least-privilege role whose acknowledgements each silence a real finding."""

from __future__ import annotations

import json

from aws_stacks.canaries import ARTIFACT_DAYS, canary_name
from aws_stacks.nag import NIST, PACK, PCI
from aws_stacks.names import slo_name
from shared.alerts import alerts
from shared.contract import SERVICES
from shared.slos import BURN_RATE_ALERTS, COMPLIANCE_DAYS, Indicator, burn_alert_key, look_back_windows, slos
from shared.stacks import aws_stack_regions
from tests.aws.helpers import resources

ELB = "AWS/ApplicationELB"


def _by(found: dict[str, dict], field: str) -> dict[str, tuple[str, dict]]:
    return {
        resource["Properties"][field]: (logical_id, resource["Properties"]) for logical_id, resource in found.items()
    }


def _queries(properties: dict) -> list[tuple[str, str, int]]:
    return [
        (q["MetricStat"]["Metric"]["MetricName"], q["MetricStat"]["Stat"], q["MetricStat"]["Period"])
        for q in properties
    ]


def test_every_objective_is_an_slo_at_the_settings_values(aws, settings):
    found = _by(resources(aws, settings, "observability", "AWS::ApplicationSignals::ServiceLevelObjective"), "Name")
    catalog = slos(settings)
    assert set(found) == {slo_name(settings, slo) for slo in catalog}
    for slo in catalog:
        _, p = found[slo_name(settings, slo)]
        assert p["Goal"] == {
            "AttainmentGoal": slo.objective_percent,
            "Interval": {"RollingInterval": {"Duration": COMPLIANCE_DAYS, "DurationUnit": "DAY"}},
        }
        assert [c["LookBackWindowMinutes"] for c in p["BurnRateConfigurations"]] == list(look_back_windows())
        if slo.indicator is Indicator.AVAILABILITY:
            metric = p["RequestBasedSli"]["RequestBasedSliMetric"]
            assert _queries(metric["TotalRequestCountMetric"]) == [("RequestCount", "Sum", 60)]
            bad = metric["MonitoredRequestCountMetric"]["BadCountMetric"]
            assert _queries(bad) == [("HTTPCode_Target_5XX_Count", "Sum", 60)]
            queries = metric["TotalRequestCountMetric"] + bad
            assert "Sli" not in p
        else:
            sli = p["Sli"]
            queries = sli["SliMetric"]["MetricDataQueries"]
            percentile = f"p{settings.thresholds.response_time_percentile:g}"
            assert _queries(queries) == [("TargetResponseTime", percentile, 60)]
            assert (sli["MetricThreshold"], sli["ComparisonOperator"]) == (
                settings.thresholds.response_time_seconds,
                "LessThanOrEqualTo",
            )
        for query in queries:  # per target group of this service's load balancer
            assert query["MetricStat"]["Metric"]["Namespace"] == ELB
            assert {d["Name"] for d in query["MetricStat"]["Metric"]["Dimensions"]} == {"TargetGroup", "LoadBalancer"}
            assert f"{slo.service.title()}Service" in json.dumps(query)


def test_burn_rate_alarms_take_both_windows_and_route_by_severity(aws, settings):
    template = aws.templates[settings.name("observability")]
    alarms = _by(resources(aws, settings, "observability", "AWS::CloudWatch::Alarm"), "AlarmName")
    topics = {
        r["Properties"]["TopicName"]: k for k, r in template["Resources"].items() if r["Type"] == "AWS::SNS::Topic"
    }
    rules = _by(resources(aws, settings, "observability", "AWS::Events::Rule"), "Name")
    paged = {ref["Fn::GetAtt"][0] for ref in rules[settings.name("alerts-alarm-pages")][1]["EventPattern"]["resources"]}
    for slo in slos(settings):
        for alert in BURN_RATE_ALERTS:
            logical_id, p = alarms[settings.name(burn_alert_key(slo, alert))]
            assert (p["Threshold"], p["ComparisonOperator"]) == (alert.rate, "GreaterThanThreshold")
            assert (p["EvaluationPeriods"], p["DatapointsToAlarm"], p["TreatMissingData"]) == (1, 1, "notBreaching")
            (expression,) = [q for q in p["Metrics"] if "Expression" in q]
            assert expression["Expression"] == "MIN([long_window, short_window])"
            stats = {q["Id"]: q["MetricStat"] for q in p["Metrics"] if "MetricStat" in q}
            for query_id, minutes in (
                ("long_window", alert.long_window_minutes),
                ("short_window", alert.short_window_minutes),
            ):
                metric = stats[query_id]["Metric"]
                assert (metric["Namespace"], metric["MetricName"], stats[query_id]["Stat"]) == (
                    "AWS/ApplicationSignals",
                    "BurnRate",
                    "Maximum",
                )
                assert {d["Name"]: d["Value"] for d in metric["Dimensions"]} == {
                    "SloName": slo_name(settings, slo),
                    "BurnRateWindowMinutes": str(minutes),
                }
            topic = {"Ref": topics[settings.name(f"alerts-{alert.severity}")]}
            assert p["AlarmActions"] == [topic]
            assert p.get("OKActions") == ([topic] if settings.routes.notify_on_recovery else None)
            assert f"#slo_{alert.key}" in p["AlarmDescription"]
            assert (logical_id in paged) == (alert.severity == "critical")


def test_the_dashboard_shows_every_slos_remaining_budget(aws, settings):
    (dashboard,) = resources(aws, settings, "observability", "AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    assert "Error budget remaining" in body and "AttainmentRate" in body
    for slo in slos(settings):
        assert slo_name(settings, slo) in body
        assert f"{slo.key} error budget left (%)" in body


def test_canaries_probe_the_uptime_checks_endpoints_and_feed_service_down(aws, settings):
    found = _by(resources(aws, settings, "observability", "AWS::Synthetics::Canary"), "Name")
    assert set(found) == {canary_name(settings, service) for service in SERVICES}
    service_down = next(alert for alert in alerts(settings) if alert.key == "service_down")
    alarms = _by(resources(aws, settings, "observability", "AWS::CloudWatch::Alarm"), "AlarmName")
    for service, spec in SERVICES.items():
        _, p = found[canary_name(settings, service)]
        assert len(canary_name(settings, service)) <= 21
        assert p["RuntimeVersion"] == "syn-nodejs-puppeteer-13.0"
        assert p["Schedule"]["Expression"] == "rate(1 minute)"
        assert p["Code"]["Handler"] == "index.handler" and "S3Key" not in p["Code"]  # inline: no asset hash
        script = p["Code"]["Script"]
        assert f"const HOST = {json.dumps(settings.domain.app_domain)};" in script
        assert f"const PATH = {json.dumps(spec.health_path)};" in script
        assert "protocol: 'https:'" in script and "statusCode < 200 || response.statusCode > 299" in script
        assert (p["SuccessRetentionPeriod"], p["FailureRetentionPeriod"]) == (ARTIFACT_DAYS, ARTIFACT_DAYS)
        _, alarm = alarms[settings.name(f"{service}canary-service_down")]
        assert (alarm["Threshold"], alarm["ComparisonOperator"], alarm["TreatMissingData"]) == (
            service_down.threshold,
            "LessThanThreshold",
            "breaching",
        )
        assert alarm["EvaluationPeriods"] == service_down.duration_minutes
        stats = [q["MetricStat"] for q in alarm["Metrics"] if "MetricStat" in q]
        assert [(s["Metric"]["Namespace"], s["Metric"]["MetricName"], s["Stat"]) for s in stats] == [
            ("CloudWatchSynthetics", "SuccessPercent", "Average")
        ]
        assert {"Name": "CanaryName", "Value": {"Ref": found[canary_name(settings, service)][0]}} in stats[0]["Metric"][
            "Dimensions"
        ]


def test_the_artifacts_bucket_is_private_encrypted_and_expires(aws, settings):
    buckets = resources(aws, settings, "observability", "AWS::S3::Bucket")
    (artifacts,) = [
        b["Properties"] for b in buckets.values() if "canary-artifacts" in json.dumps(b["Properties"]["BucketName"])
    ]
    assert artifacts["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    (rule,) = artifacts["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms" and rule["BucketKeyEnabled"] is True
    (lifecycle,) = artifacts["LifecycleConfiguration"]["Rules"]
    assert lifecycle["ExpirationInDays"] == ARTIFACT_DAYS
    assert "LoggingConfiguration" in artifacts


def test_the_canary_role_may_only_write_its_own_artifacts_logs_and_metrics(aws, settings):
    roles = resources(aws, settings, "observability", "AWS::IAM::Role")
    (role_id,) = [k for k, r in roles.items() if r["Properties"].get("RoleName") == settings.name("canaries")]
    (policy,) = [
        p
        for p in resources(aws, settings, "observability", "AWS::IAM::Policy").values()
        if p["Properties"]["Roles"] == [{"Ref": role_id}]
    ]
    managed = resources(aws, settings, "observability", "AWS::IAM::ManagedPolicy").values()
    assert not [m for m in managed if {"Ref": role_id} in m["Properties"].get("Roles", [])]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert actions == {
        "s3:PutObject",
        "s3:GetBucketLocation",
        "s3:ListAllMyBuckets",
        "cloudwatch:PutMetricData",
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "kms:GenerateDataKey",
        "kms:Decrypt",
    }
    (metrics,) = [s for s in statements if s["Action"] == "cloudwatch:PutMetricData"]
    assert metrics["Condition"] == {"StringEquals": {"cloudwatch:namespace": "CloudWatchSynthetics"}}
    (logs,) = [s for s in statements if "logs:PutLogEvents" in s["Action"]]
    assert all(f"cwsyn-{settings.environment}-" in arn for arn in logs["Resource"])
    assert "Policies" not in roles[role_id]["Properties"]
    assert "ManagedPolicyArns" not in roles[role_id]["Properties"]  # nothing AWS-managed and broad


def test_each_canary_acknowledgement_silences_a_real_finding_and_nothing_is_left_open(aws, settings):
    """Read from the session's synthesis, where the platform's own guardrails acknowledge the inline policy."""
    stack = settings.name("observability")
    prefix = f"{stack}/Canaries/"
    reports = aws.validation_report["pluginReports"]

    def on_canaries(kind: str) -> list[tuple[str, str]]:
        return [
            (v["ruleName"], c["constructPath"].removeprefix(prefix))
            for plugin in reports
            for v in plugin[kind]
            for c in v["violatingConstructs"]
            if c["constructPath"].startswith(prefix)
        ]

    assert on_canaries("violations") == []
    suppressed = set(on_canaries("suppressedViolations"))
    region, account = aws_stack_regions(settings)[stack], settings.aws.account_id
    policy = "CanaryRole/DefaultPolicy/Resource"
    expected = {(f"{PACK}-IAM5[Resource::*]", policy)}
    for service in SERVICES:
        name = canary_name(settings, service)
        group = f"arn:aws:logs:{region}:{account}:log-group:/aws/lambda/cwsyn-{name}-*"
        expected |= {
            (f"{PACK}-IAM5[Resource::<CanariesArtifacts9111410F.Arn>/{name}/*]", policy),
            (f"{PACK}-IAM5[Resource::{group}]", policy),
            (f"{PACK}-IAM5[Resource::{group}:log-stream:*]", policy),
        }
    for pack in (NIST, PCI):
        expected |= {
            (f"{pack}-IAMNoInlinePolicy", policy),
            (f"{pack}-S3BucketReplicationEnabled", "Artifacts/Resource"),
            (f"{pack}-S3BucketReplicationEnabled", "ArtifactsAccessLogs/Resource"),
            (f"{pack}-S3DefaultEncryptionKMS", "ArtifactsAccessLogs/Resource"),
        }
    assert suppressed == expected
