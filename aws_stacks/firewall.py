"""AWS WAF web ACLs, for CloudFront and for the ALB behind it.

Only CloudFront's web ACL sees the client's address: the ALB's sees CloudFront's edge addresses, shared by every
user of an edge location. So the rules that key on the source address (IP reputation, the per-client rate limit)
run on CloudFront's ACL alone. The regional ACL keeps the rules that inspect the request itself. A forwarded-address
configuration would not help it: for rate-based statements AWS WAF reads the first address of the header, and
the first address of X-Forwarded-For is whatever the client sent.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from aws_stacks.security import encrypted_log_group
from shared import Settings

CLOUDFRONT = "CLOUDFRONT"
REGIONAL = "REGIONAL"
IP_REPUTATION_GROUP = "AWSManagedRulesAmazonIpReputationList"
# Rule groups that inspect the request (headers, path, body), wherever the ACL sits.
CONTENT_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
)
# Evaluated in this order, before the rate limit.
MANAGED_RULE_GROUPS = {CLOUDFRONT: (IP_REPUTATION_GROUP, *CONTENT_RULE_GROUPS), REGIONAL: CONTENT_RULE_GROUPS}
RATE_LIMIT_RULE = "RateLimitPerIp"
# What a client over the limit gets, on both clouds: Cloud Armor's throttle denies the excess with 429.
RATE_LIMITED_STATUS = 429
RATE_LIMITED_BODY = "rate-limited"


def _visibility(metric_name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=metric_name, sampled_requests_enabled=True
    )


def _rate_limit(settings: Settings, *, name: str, priority: int) -> wafv2.CfnWebACL.RuleProperty:
    """Per client address: while an address is over the limit, its requests get 429 (not WAF's default 403)."""
    return wafv2.CfnWebACL.RuleProperty(
        name=RATE_LIMIT_RULE,
        priority=priority,
        action=wafv2.CfnWebACL.RuleActionProperty(
            block=wafv2.CfnWebACL.BlockActionProperty(
                custom_response=wafv2.CfnWebACL.CustomResponseProperty(
                    response_code=RATE_LIMITED_STATUS, custom_response_body_key=RATE_LIMITED_BODY
                )
            )
        ),
        statement=wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                limit=settings.edge.rate_limit_requests,
                evaluation_window_sec=settings.edge.rate_limit_window_seconds,
                aggregate_key_type="IP",
            )
        ),
        visibility_config=_visibility(f"{name}-{RATE_LIMIT_RULE}"),
    )


class WebAcl(Construct):
    """`scope_name` is CLOUDFRONT (deploy in us-east-1: every rule) or REGIONAL (content rules only); requests
    are logged to an encrypted group."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        scope_name: str,
        name: str,
        logs_key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        groups = MANAGED_RULE_GROUPS[scope_name]
        rules = [
            wafv2.CfnWebACL.RuleProperty(
                name=group,
                priority=priority,
                override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS", name=group
                    )
                ),
                visibility_config=_visibility(f"{name}-{group}"),
            )
            for priority, group in enumerate(groups)
        ]
        bodies = None
        if scope_name == CLOUDFRONT:
            rules.append(_rate_limit(settings, name=name, priority=len(groups)))
            bodies = {
                RATE_LIMITED_BODY: wafv2.CfnWebACL.CustomResponseBodyProperty(
                    content_type="TEXT_PLAIN", content="Too many requests: slow down and retry in a few minutes.\n"
                )
            }
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=name,
            scope=scope_name,
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility(name),
            rules=rules,
            custom_response_bodies=bodies,
        )
        # WAF only delivers to log groups whose name starts with `aws-waf-logs-`.
        log_group_name = f"aws-waf-logs-{name}"
        log_group = encrypted_log_group(
            self, "LogGroup", settings=settings, key=logs_key, log_group_name=log_group_name
        )
        logging = wafv2.CfnLoggingConfiguration(
            self,
            "Logging",
            resource_arn=self.web_acl.attr_arn,
            log_destination_configs=[
                Stack.of(self).format_arn(
                    service="logs",
                    resource="log-group",
                    resource_name=log_group_name,
                    arn_format=ArnFormat.COLON_RESOURCE_NAME,
                )
            ],
        )
        logging.node.add_dependency(log_group)
