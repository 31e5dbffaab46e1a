"""The account baseline per environment: GuardDuty, Security Hub, CloudTrail, Config, the budget."""

from __future__ import annotations

from aws_stacks.compliance import BUDGET_SPEND_TYPES, GUARDDUTY_FEATURES, SECURITY_HUB_STANDARDS, config_rules
from tests.aws.helpers import only, resources


def test_guardduty_is_on_with_its_protection_plans(aws, settings):
    detector = only(resources(aws, settings, "compliance", "AWS::GuardDuty::Detector"))["Properties"]
    assert detector["Enable"] is True
    assert {feature["Name"] for feature in detector["Features"] if feature["Status"] == "ENABLED"} == set(
        GUARDDUTY_FEATURES
    )


def test_security_hub_runs_foundational_cis_and_pci_standards(aws, settings):
    only(resources(aws, settings, "compliance", "AWS::SecurityHub::Hub"))
    arns = {
        standard["Properties"]["StandardsArn"]
        for standard in resources(aws, settings, "compliance", "AWS::SecurityHub::Standard").values()
    }
    prefix = f"arn:aws:securityhub:{settings.aws.region}::standards/"
    assert arns == {prefix + standard for standard in SECURITY_HUB_STANDARDS.values()}
    assert {arn.split("/")[1] for arn in arns} == {
        "aws-foundational-security-best-practices",
        "cis-aws-foundations-benchmark",
        "pci-dss",
    }


def test_cloudtrail_covers_every_region_with_validation_kms_and_cloudwatch(aws, settings):
    trail = only(resources(aws, settings, "compliance", "AWS::CloudTrail::Trail"))["Properties"]
    assert trail["IsMultiRegionTrail"] is True
    assert trail["IncludeGlobalServiceEvents"] is True
    assert trail["EnableLogFileValidation"] is True
    assert "KMSKeyId" in trail
    assert "CloudWatchLogsLogGroupArn" in trail
    groups = resources(aws, settings, "compliance", "AWS::Logs::LogGroup")
    group = groups[trail["CloudWatchLogsLogGroupArn"]["Fn::GetAtt"][0]]["Properties"]
    assert group["RetentionInDays"] == settings.resilience.log_retention_days
    assert "KmsKeyId" in group


def test_the_audit_bucket_is_locked_down_versioned_and_access_logged(aws, settings):
    buckets = resources(aws, settings, "compliance", "AWS::S3::Bucket")
    trail = only(resources(aws, settings, "compliance", "AWS::CloudTrail::Trail"))["Properties"]
    bucket = buckets[trail["S3BucketName"]["Ref"]]["Properties"]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    encryption = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert encryption["SSEAlgorithm"] == "aws:kms"
    assert bucket["LoggingConfiguration"]["DestinationBucketName"]["Ref"] in buckets


def test_config_records_everything_and_evaluates_the_chosen_rules(aws, settings):
    recorder = only(resources(aws, settings, "compliance", "AWS::Config::ConfigurationRecorder"))["Properties"]
    assert recorder["RecordingGroup"] == {"AllSupported": True, "IncludeGlobalResourceTypes": True}
    channel = only(resources(aws, settings, "compliance", "AWS::Config::DeliveryChannel"))["Properties"]
    assert "S3KmsKeyArn" in channel
    rules = resources(aws, settings, "compliance", "AWS::Config::ConfigRule").values()
    assert {rule["Properties"]["Source"]["SourceIdentifier"] for rule in rules} == set(config_rules())
    for rule in rules:
        assert rule["Properties"]["ConfigRuleName"].startswith(settings.prefix + "-")
        assert rule["DependsOn"], "a rule must wait for the recorder"


def test_budget_notifies_the_warning_route_on_actual_and_forecast_spend(aws, settings):
    budget = only(resources(aws, settings, "compliance", "AWS::Budgets::Budget"))["Properties"]
    assert budget["Budget"]["BudgetLimit"] == {"Amount": settings.budget.monthly_limit_usd, "Unit": "USD"}
    assert (budget["Budget"]["BudgetType"], budget["Budget"]["TimeUnit"]) == ("COST", "MONTHLY")
    notifications = {
        (item["Notification"]["NotificationType"], item["Notification"]["Threshold"]): item
        for item in budget["NotificationsWithSubscribers"]
    }
    assert set(notifications) == {
        (spend, percent) for spend in BUDGET_SPEND_TYPES for percent in settings.budget.alert_at_percent
    }
    for item in notifications.values():
        assert item["Notification"]["ThresholdType"] == "PERCENTAGE"
        assert item["Subscribers"] == [
            {"SubscriptionType": "EMAIL", "Address": address} for address in settings.routes.warning_emails
        ]


def test_only_cloudtrail_and_config_of_this_account_may_use_the_audit_key(aws, settings):
    trail = only(resources(aws, settings, "compliance", "AWS::CloudTrail::Trail"))["Properties"]
    key = resources(aws, settings, "compliance", "AWS::KMS::Key")[trail["KMSKeyId"]["Fn::GetAtt"][0]]
    services = {
        statement["Principal"]["Service"]: statement["Condition"]
        for statement in key["Properties"]["KeyPolicy"]["Statement"]
        if "Service" in statement["Principal"]
    }
    assert set(services) == {"cloudtrail.amazonaws.com", "config.amazonaws.com"}
    for condition in services.values():
        assert condition == {"StringEquals": {"aws:SourceAccount": settings.aws.account_id}}


def test_threat_detection_is_built_from_the_account_services_alone():
    """Narrow input: the construct takes the `account_services` section, so it builds in a bare stack."""
    from aws_cdk import Stack
    from aws_cdk.assertions import Template

    from aws_stacks.compliance import ThreatDetection
    from aws_stacks.platform import new_app
    from shared.accounts import GUARDDUTY, AccountServices
    from tests.synth import cdk_json_context

    def built(services: AccountServices) -> Template:
        stack = Stack(new_app(context=cdk_json_context()), "Bare")
        ThreatDetection(stack, "ThreatDetection", services=services)
        return Template.from_stack(stack)

    owner = built(AccountServices())
    owner.resource_count_is("AWS::GuardDuty::Detector", 1)
    owner.resource_count_is("AWS::SecurityHub::Hub", 1)
    managed = built(AccountServices(organization_managed=(GUARDDUTY,)))
    managed.resource_count_is("AWS::GuardDuty::Detector", 0)
    managed.resource_count_is("AWS::SecurityHub::Hub", 1)
