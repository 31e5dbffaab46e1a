"""Critical alerts to PagerDuty's Events API v2, through EventBridge (the same integration type GCP pages).

PagerDuty's Amazon CloudWatch integration reads CloudWatch alarm notifications delivered by SNS; GuardDuty and
Security Hub findings are not alarms. So every page here is built as an Events API v2 event (`routing_key`,
`event_action`, `dedup_key`, `payload.summary/source/severity`) by an input transformer, and posted by an
EventBridge API destination. The routing key is a body parameter of the API destination's connection, which
EventBridge keeps in a secret of its own, resolved from `routes.pagerduty_secret_name` at deploy time: it is in no
template, no rule target, and no SNS subscription that a read-only identity can list.
"""

from __future__ import annotations

from aws_cdk import SecretValue
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from constructs import Construct

from shared import Settings

PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
# The Events API v2 reads the key from the body; a connection needs an authorization, so the same key goes in a
# header PagerDuty ignores.
ROUTING_KEY_HEADER = "X-Routing-Key"
# PagerDuty accepts about 120 events a minute per integration key.
MAX_EVENTS_PER_SECOND = 2
# GuardDuty severities 7.0-8.9 are HIGH and 9.0-10.0 CRITICAL.
GUARDDUTY_HIGH = 7
SECURITY_HUB_LABELS = ["HIGH", "CRITICAL"]
ALARM_STATE_CHANGE = "CloudWatch Alarm State Change"

_field = events.EventField.from_path


class PagerDutyRoute(Construct):
    """One connection and API destination per region; `page_*` add the rules that post to it."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings, label: str) -> None:
        super().__init__(scope, construct_id)
        self._settings = settings
        self._label = label
        # A `{{resolve:secretsmanager:...}}` dynamic reference, resolved by CloudFormation into the connection.
        routing_key = SecretValue.secrets_manager(settings.routes.pagerduty_secret_name)
        connection = events.Connection(
            self,
            "Connection",
            connection_name=settings.name(f"{label}-pagerduty"),
            description=f"BookedBarber {settings.environment}: PagerDuty Events API v2 (routing key as a secret)",
            authorization=events.Authorization.api_key(ROUTING_KEY_HEADER, routing_key),
            body_parameters={"routing_key": events.HttpParameter.from_secret(routing_key)},
        )
        self.destination = events.ApiDestination(
            self,
            "Destination",
            api_destination_name=settings.name(f"{label}-pagerduty"),
            description=f"BookedBarber {settings.environment}: critical alerts and security findings",
            connection=connection,
            endpoint=PAGERDUTY_EVENTS_URL,
            http_method=events.HttpMethod.POST,
            rate_limit_per_second=MAX_EVENTS_PER_SECOND,
        )

    def _rule(self, construct_id: str, name: str, pattern: events.EventPattern, event: dict) -> events.Rule:
        rule = events.Rule(
            self,
            construct_id,
            rule_name=self._settings.name(f"{self._label}-{name}"),
            description=f"BookedBarber {self._settings.environment}: {name} to PagerDuty",
            event_pattern=pattern,
        )
        rule.add_target(
            targets.ApiDestination(
                self.destination, event=events.RuleTargetInput.from_object(event), retry_attempts=185
            )
        )
        return rule

    def page_alarms(self, alarms: list[cloudwatch.IAlarm]) -> None:
        """Trigger on ALARM; where settings notify on recovery, resolve on OK (the same alarm is the dedup key)."""
        if not alarms:
            return
        source = f"{self._settings.environment} ({_field('$.region')})"
        actions = [("AlarmTriggers", "alarm-pages", "ALARM", "trigger")]
        if self._settings.routes.notify_on_recovery:
            actions.append(("AlarmResolves", "alarm-recoveries", "OK", "resolve"))
        for construct_id, name, state, action in actions:
            self._rule(
                construct_id,
                name,
                events.EventPattern(
                    source=["aws.cloudwatch"],
                    detail_type=[ALARM_STATE_CHANGE],
                    resources=[alarm.alarm_arn for alarm in alarms],
                    detail={"state": {"value": [state]}},
                ),
                {
                    "event_action": action,
                    "dedup_key": _field("$.resources[0]"),
                    "payload": {
                        "summary": f"{_field('$.detail.alarmName')}: {_field('$.detail.state.reason')}",
                        "source": source,
                        "severity": "critical",
                        "component": _field("$.detail.alarmName"),
                        "custom_details": {"alarm": _field("$.resources[0]"), "account": _field("$.account")},
                    },
                },
            )

    def page_guardduty_findings(self) -> None:
        self._rule(
            "GuardDutyFindings",
            "guardduty-findings",
            events.EventPattern(
                source=["aws.guardduty"],
                detail_type=["GuardDuty Finding"],
                detail={"severity": [{"numeric": [">=", GUARDDUTY_HIGH]}]},
            ),
            {
                "event_action": "trigger",
                "dedup_key": _field("$.detail.id"),
                "payload": {
                    "summary": f"GuardDuty {_field('$.detail.type')}: {_field('$.detail.title')}",
                    "source": f"{self._settings.environment} ({_field('$.account')}/{_field('$.region')})",
                    "severity": "critical",
                    "component": _field("$.detail.resource.resourceType"),
                    "custom_details": {
                        "description": _field("$.detail.description"),
                        "severity": _field("$.detail.severity"),
                        "finding": _field("$.detail.arn"),
                    },
                },
            },
        )

    def page_security_hub_findings(self) -> None:
        self._rule(
            "SecurityHubFindings",
            "securityhub-findings",
            events.EventPattern(
                source=["aws.securityhub"],
                detail_type=["Security Hub Findings - Imported"],
                detail={
                    "findings": {
                        "Severity": {"Label": SECURITY_HUB_LABELS},
                        "RecordState": ["ACTIVE"],
                        "Workflow": {"Status": ["NEW"]},
                    }
                },
            ),
            {
                "event_action": "trigger",
                "dedup_key": _field("$.detail.findings[0].Id"),
                "payload": {
                    "summary": f"Security Hub {_field('$.detail.findings[0].Severity.Label')}: "
                    f"{_field('$.detail.findings[0].Title')}",
                    "source": f"{self._settings.environment} ({_field('$.account')}/{_field('$.region')})",
                    "severity": "critical",
                    "component": _field("$.detail.findings[0].Resources[0].Id"),
                    "custom_details": {
                        "description": _field("$.detail.findings[0].Description"),
                        "product": _field("$.detail.findings[0].ProductName"),
                    },
                },
            },
        )
