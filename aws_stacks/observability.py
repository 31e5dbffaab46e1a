"""Observability: alert topics by severity, the catalog's alarms, info and security events, a dashboard.

Two stacks per environment. `bookedbarber-<env>-observability` (the settings' region) watches the services,
load balancer, database and cache; `bookedbarber-<env>-edge-observability` (us-east-1) watches the CloudFront
certificate, because a CloudWatch alarm can only notify an SNS topic in its own region.
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_chatbot as chatbot
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct

from aws_stacks.alarms import CatalogAlarms, Watch
from aws_stacks.canaries import Canaries
from aws_stacks.compute import ContainerService, LoadBalancer
from aws_stacks.dashboard import OperationsDashboard
from aws_stacks.data import Database, SessionCache
from aws_stacks.drills import RecoveryDrills
from aws_stacks.nag import acknowledge
from aws_stacks.paging import PagerDutyRoute
from aws_stacks.security import customer_managed_key
from aws_stacks.signals import CacheSignals, DatabaseSignals, LoadBalancerSignals, ServiceSignals, days_to_expiry
from aws_stacks.slos import ServiceLevelObjectives, budget_widget
from shared import Settings
from shared.accounts import GUARDDUTY, SECURITY_HUB
from shared.alerts import Severity
from shared.contract import ERROR_LOG_SEVERITIES
from shared.recovery_names import aws_standby_names
from shared.runbooks import runbook_url

# Chatbot only relays notifications and renders alarm charts: it may read CloudWatch, nothing else.
CHATBOT_ACTIONS = ["cloudwatch:DescribeAlarms", "cloudwatch:GetMetricData", "cloudwatch:GetMetricWidgetImage"]
ACM_EVENTS = [
    "ACM Certificate Available",
    "ACM Certificate Approaching Expiration",
    "ACM Certificate Renewal Action Required",
    "ACM Certificate Expired",
]


class AlertTopics(Construct):
    """warning -> email, info -> Slack through AWS Chatbot, critical -> subscribers added by hand (PagerDuty is
    paged through EventBridge, aws_stacks/paging.py); one KMS key for the three."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings, label: str) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        routes = settings.routes
        key = customer_managed_key(self, "Key", settings=settings, purpose=label)
        # Without this, SNS cannot encrypt what CloudWatch and EventBridge publish and drops it silently.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowAlarmsAndEventsToPublishToEncryptedTopics",
                principals=[
                    iam.ServicePrincipal("cloudwatch.amazonaws.com"),
                    iam.ServicePrincipal("events.amazonaws.com"),
                ],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
            )
        )
        self.topics: dict[Severity, sns.Topic] = {}
        for severity in (Severity.CRITICAL, Severity.WARNING, Severity.INFO):
            topic = sns.Topic(
                self,
                f"{severity.value.title()}Topic",
                topic_name=settings.name(f"{label}-{severity.value}"),
                display_name=f"BookedBarber {settings.environment} {severity.value}",
                master_key=key,
                enforce_ssl=True,
            )
            topic.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="AllowAlarmsOfThisEnvironment",
                    principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                    actions=["sns:Publish"],
                    resources=[topic.topic_arn],
                    conditions={
                        "StringEquals": {"aws:SourceAccount": stack.account},
                        "ArnLike": {
                            "aws:SourceArn": f"arn:{stack.partition}:cloudwatch:{stack.region}:{stack.account}"
                            f":alarm:{settings.prefix}-*"
                        },
                    },
                )
            )
            self.topics[severity] = topic
        for index, address in enumerate(routes.warning_emails, start=1):
            sns.Subscription(
                self,
                f"Email{index}",
                topic=self.topics[Severity.WARNING],
                protocol=sns.SubscriptionProtocol.EMAIL,
                endpoint=address,
            )
        if routes.slack_workspace_id and routes.slack_channel_id:
            self._slack(
                settings, label=label, workspace_id=routes.slack_workspace_id, channel_id=routes.slack_channel_id
            )

    def _slack(self, settings: Settings, *, label: str, workspace_id: str, channel_id: str) -> None:
        read_alarms = iam.ManagedPolicy(
            self,
            "ChatbotGuardrail",
            managed_policy_name=settings.name(f"{label}-chatbot"),
            description="AWS Chatbot may read CloudWatch alarms and metrics, nothing else",
            statements=[iam.PolicyStatement(actions=CHATBOT_ACTIONS, resources=["*"])],
        )
        acknowledge(
            read_alarms,
            "IAM5[Resource::*]",
            "cloudwatch:GetMetricData and GetMetricWidgetImage support no resource-level permissions; the policy "
            "holds only three read-only CloudWatch actions, used by Chatbot to show alarm charts in Slack.",
        )
        slack = chatbot.SlackChannelConfiguration(
            self,
            "Slack",
            slack_channel_configuration_name=settings.name(f"{label}-info"),
            slack_workspace_id=workspace_id,
            slack_channel_id=channel_id,
            notification_topics=[self.topics[Severity.INFO]],
            guardrail_policies=[read_alarms],
            user_role_required=False,
        )
        slack.role.add_managed_policy(read_alarms)


def forward_events(
    scope: Construct,
    construct_id: str,
    *,
    settings: Settings,
    name: str,
    pattern: events.EventPattern,
    topic: sns.ITopic,
) -> events.Rule:
    """An EventBridge rule `bookedbarber-<env>-<name>` that publishes matching events to `topic`."""
    rule = events.Rule(
        scope,
        construct_id,
        rule_name=settings.name(name),
        description=f"BookedBarber {settings.environment}: {name} events to an alert topic",
        event_pattern=pattern,
    )
    rule.add_target(targets.SnsTopic(topic))
    return rule


class AlertEvents(Construct):
    """Info events: deployments, scaling, backups, certificates."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        topics: dict[Severity, sns.ITopic],
        services: list[ContainerService],
        certificate_arns: list[str],
    ) -> None:
        super().__init__(scope, construct_id)
        info = topics[Severity.INFO]
        forward = dict(scope=self, settings=settings)
        forward_events(
            **forward,
            construct_id="Deployments",
            name="deployments",
            pattern=events.EventPattern(
                source=["aws.ecs"],
                detail_type=["ECS Deployment State Change"],
                resources=[service.service.service_arn for service in services],
            ),
            topic=info,
        )
        forward_events(
            **forward,
            construct_id="Scaling",
            name="scaling",
            pattern=events.EventPattern(
                source=["aws.application-autoscaling"],
                detail_type=["Application Auto Scaling Scaling Activity State Change"],
                detail={
                    "serviceNamespace": ["ecs"],
                    "resourceId": [
                        f"service/{service.service.cluster.cluster_name}/{service.service.service_name}"
                        for service in services
                    ],
                },
            ),
            topic=info,
        )
        forward_events(
            **forward,
            construct_id="Backups",
            name="backups",
            pattern=events.EventPattern(
                source=["aws.backup"],
                detail_type=["Backup Job State Change", "Copy Job State Change"],
                detail={"state": ["COMPLETED", "FAILED", "ABORTED", "EXPIRED", "PARTIAL"]},
            ),
            topic=info,
        )
        certificate_events(self, settings=settings, name="certificates", topic=info, certificate_arns=certificate_arns)


def certificate_events(
    scope: Construct, *, settings: Settings, name: str, topic: sns.ITopic, certificate_arns: list[str]
) -> None:
    """Renewals and approaching expiry of the given certificates; ACM emits them in each certificate's region."""
    forward_events(
        scope,
        "CertificateEvents",
        settings=settings,
        name=name,
        pattern=events.EventPattern(source=["aws.acm"], detail_type=ACM_EVENTS, resources=certificate_arns),
        topic=topic,
    )


def error_log_entries(scope: Construct, *, settings: Settings, service: ContainerService) -> Watch:
    """The service's error log entries as a metric: the same `severity` field Cloud Logging counts on GCP."""
    errors = logs.MetricFilter(
        scope,
        f"{service.name.title()}ErrorLogEntries",
        log_group=service.log_group,
        filter_pattern=logs.FilterPattern.any(
            *(logs.FilterPattern.string_value("$.severity", "=", level) for level in ERROR_LOG_SEVERITIES)
        ),
        # The environment in the namespace keeps two environments apart even in one account.
        metric_namespace=f"BookedBarber/{settings.environment}",
        metric_name=f"{service.name}-error-log-entries",
        metric_value="1",
    )

    def metric(period: Duration) -> logs.Metric:
        return errors.metric(statistic="Sum", period=period)

    return Watch(service.name, metric)


class ObservabilityStack(Stack):
    """Alert topics, the catalog's alarms, info and security events routed to PagerDuty and Slack, the dashboard."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        services: list[ContainerService],
        load_balancer: LoadBalancer,
        database: Database,
        cache: SessionCache,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        topics = AlertTopics(self, "AlertTopics", settings=settings, label="alerts").topics
        alb = load_balancer.alb.load_balancer_full_name
        percentile = f"p{settings.thresholds.response_time_percentile:g}"
        service_signals = [
            ServiceSignals(
                name=service.name,
                cluster_name=service.service.cluster.cluster_name,
                service_name=service.service.service_name,
                target_group=service.target_group.target_group_full_name,
                alternate_target_group=service.alternate_target_group.target_group_full_name,
                load_balancer=alb,
                percentile=percentile,
            )
            for service in services
        ]
        balancer = LoadBalancerSignals(alb)
        db = DatabaseSignals.of(
            settings, instance_id=database.instance.instance_identifier, proxy_name=database.proxy.db_proxy_name
        )
        redis = CacheSignals.of(settings, replication_group_id=cache.replication_group.ref)
        certificate_arn = load_balancer.certificate.certificate_arn

        def each(signal: str) -> list[Watch]:
            return [Watch(service.name, getattr(service, signal)) for service in service_signals]

        watches = {
            "service_down": each("service_down") + Canaries(self, "Canaries", settings=settings).watches,
            "error_rate": [*each("error_rate"), Watch("alb", balancer.error_rate)],
            "response_time": each("response_time"),
            "cpu": each("cpu"),
            "memory": each("memory"),
            "database_connections": [Watch("postgres", db.connection_failures)],
            "database_free_storage": [Watch("postgres", db.free_storage)],
            "database_cpu": [Watch("postgres", db.cpu)],
            "database_memory": [Watch("postgres", db.memory)],
            "cache_cpu": [Watch("redis", redis.cpu)],
            "cache_memory": [Watch("redis", redis.memory)],
            "cache_evictions": [Watch("redis", redis.evictions)],
            "certificate_expiry": [Watch("origin", lambda period: days_to_expiry(certificate_arn, period))],
            "application_errors": [error_log_entries(self, settings=settings, service=service) for service in services],
        }
        alarms = CatalogAlarms(self, "Alarms", settings=settings, watches=watches, topics=topics)
        objectives = ServiceLevelObjectives(self, "Slos", settings=settings, services=service_signals, topics=topics)
        if settings.recovery.drills:  # the drills stop on these alarms
            RecoveryDrills(self, "Drills", settings=settings, alarms=alarms.alarms)
        AlertEvents(
            self, "Events", settings=settings, topics=topics, services=services, certificate_arns=[certificate_arn]
        )
        pagerduty = PagerDutyRoute(self, "PagerDuty", settings=settings, label="alerts")
        pagerduty.page_alarms(alarms.paged + objectives.paged)
        # One page per finding: only the account's owner of each service routes its findings (shared/accounts.py).
        if settings.account_services.owns(GUARDDUTY):
            pagerduty.page_guardduty_findings()
        if settings.account_services.owns(SECURITY_HUB):
            pagerduty.page_security_hub_findings()
        OperationsDashboard(
            self,
            "Dashboard",
            settings=settings,
            services=service_signals,
            load_balancer=balancer,
            database=db,
            cache=redis,
            alarms=list(alarms.alarms.values()) + objectives.alarms,
        ).dashboard.add_widgets(budget_widget(objectives.budgets))


# CloudFront's 5xx share of requests that pages as a region loss: writes fail while reads fail over (origin group).
REGION_LOSS_ERROR_PERCENT = 5
REGION_LOSS_MINUTES = 2


def region_loss_alarm(
    scope: Construct, *, settings: Settings, distribution: cloudfront.IDistribution
) -> cloudwatch.Alarm:
    """The region-loss signal, in us-east-1 where CloudFront's metrics live and which survives the primary region:
    the primary's own alarms are lost with it, and an internal ALB has no public endpoint for a Route 53 health
    check. CloudFront publishes 5xxErrorRate per distribution each minute (Region=Global)."""
    return cloudwatch.Alarm(
        scope,
        "RegionLossAlarm",
        alarm_name=aws_standby_names(settings)["origin_errors_alarm"],
        alarm_description=(
            f"critical: more than {REGION_LOSS_ERROR_PERCENT} % of CloudFront responses are 5xx for "
            f"{REGION_LOSS_MINUTES} min: the primary origin may be lost. "
            f"Runbook: {runbook_url(settings, 'region_loss')}"
        ),
        metric=cloudwatch.Metric(
            namespace="AWS/CloudFront",
            metric_name="5xxErrorRate",
            dimensions_map={"DistributionId": distribution.distribution_id, "Region": "Global"},
            period=Duration.minutes(1),
            statistic="Average",
        ),
        threshold=REGION_LOSS_ERROR_PERCENT,
        evaluation_periods=REGION_LOSS_MINUTES,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,  # no requests, no data
    )


class EdgeObservabilityStack(Stack):
    """The CloudFront certificate's expiry alarm and ACM events, with alert topics of its own region (us-east-1);
    with a standby, the region-loss alarm on CloudFront's 5xx rate."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        certificate: acm.ICertificate,
        distribution: cloudfront.IDistribution | None = None,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        topics = AlertTopics(self, "AlertTopics", settings=settings, label="edge-alerts").topics
        arn = certificate.certificate_arn
        alarms = CatalogAlarms(
            self,
            "Alarms",
            settings=settings,
            watches={"certificate_expiry": [Watch("cdn", lambda period: days_to_expiry(arn, period))]},
            topics=topics,
        )
        paged = list(alarms.paged)
        if distribution is not None:
            region_loss = region_loss_alarm(self, settings=settings, distribution=distribution)
            region_loss.add_alarm_action(cloudwatch_actions.SnsAction(topics[Severity.CRITICAL]))
            paged.append(region_loss)
        PagerDutyRoute(self, "PagerDuty", settings=settings, label="edge-alerts").page_alarms(paged)
        certificate_events(
            self, settings=settings, name="edge-certificates", topic=topics[Severity.INFO], certificate_arns=[arn]
        )
