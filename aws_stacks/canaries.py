"""CloudWatch Synthetics canaries: the same HTTPS probes GCP's uptime checks make, feeding the same alert.

One canary per public service (shared.contract: its health path on the app domain, certificate validated, 2xx
expected), every minute, like `gcp_stacks/observability.UptimeChecks`. Each becomes a `service_down` watch
(`<service>canary`), so the catalog renders its alarm: "runs that passed" below 1 for `service_down_minutes`, a
missing datapoint breaching (a canary that stops running is as blind as one that fails).

The script is inline (CloudFormation `Code.Script`, no asset, so no hash that varies); `syn-nodejs-puppeteer-13.0`
is the newest Puppeteer runtime aws-cdk-lib 2.275 names and is not on the runtime deprecation list (7.0 and older
are). Its role may only write its own artifacts and logs and publish Synthetics metrics.
"""

from __future__ import annotations

import json

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_synthetics as synthetics
from constructs import Construct

from aws_stacks.alarms import Watch
from aws_stacks.nag import NIST, PCI, acknowledge
from aws_stacks.names import canary_name
from aws_stacks.security import customer_managed_key, encrypted_bucket, log_bucket
from shared import Settings
from shared.contract import SERVICES

# As GCP's uptime checks (gcp_stacks/alert_conditions.UPTIME_PERIOD_SECONDS, observability.UPTIME_TIMEOUT_SECONDS).
PERIOD_MINUTES = 1
TIMEOUT_SECONDS = 10
# Artifacts (request logs and HAR-like reports) are diagnostics of recent runs: kept a month, then deleted.
ARTIFACT_DAYS = 30
METRICS_NAMESPACE = "CloudWatchSynthetics"

SCRIPT = """const synthetics = require('Synthetics');
const HOST = %(host)s;
const PATH = %(path)s;
exports.handler = async () => {
  synthetics.getConfiguration().setConfig({
    includeRequestHeaders: false, includeResponseHeaders: false,
    includeRequestBody: false, includeResponseBody: false,
  });
  await synthetics.executeHttpStep('GET ' + PATH, {
    hostname: HOST, path: PATH, port: 443, protocol: 'https:', method: 'GET', timeout: %(timeout_ms)d,
  }, (response) => new Promise((resolve, reject) => {
    if (response.statusCode < 200 || response.statusCode > 299) {
      reject(new Error('HTTP ' + response.statusCode));
    }
    response.on('data', () => {});
    response.on('end', resolve);
  }));
};
"""


def script(settings: Settings, path: str) -> str:
    return SCRIPT % {
        "host": json.dumps(settings.domain.app_domain),
        "path": json.dumps(path),
        "timeout_ms": TIMEOUT_SECONDS * 1000,
    }


class Canaries(Construct):
    """One canary per public service, an encrypted artifacts bucket, and one least-privilege role for both."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        key = customer_managed_key(self, "ArtifactsKey", settings=settings, purpose="canary-artifacts")
        access_logs = log_bucket(self, "ArtifactsAccessLogs", settings=settings, name="canary-access-logs")
        bucket = encrypted_bucket(
            self,
            "Artifacts",
            settings=settings,
            name="canary-artifacts",
            key=key,
            access_logs=access_logs,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireArtifacts",
                    expiration=Duration.days(ARTIFACT_DAYS),
                    noncurrent_version_expiration=Duration.days(1),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
        )
        acknowledge(
            bucket,
            "S3BucketReplicationEnabled",
            "Canary artifacts are diagnostics of the last 30 days of probe runs, not data: the alarm reads the "
            "canary's metrics, and a lost artifact is replaced by the next run a minute later.",
            packs=(NIST, PCI),
        )
        names = [canary_name(settings, service) for service in SERVICES]
        self.role = self._role(settings, bucket, key.key_arn, names)
        self.watches: list[Watch] = []
        for service, spec in SERVICES.items():
            name = canary_name(settings, service)
            canary = synthetics.Canary(
                self,
                f"{service.title()}Canary",
                canary_name=name,
                runtime=synthetics.Runtime.SYNTHETICS_NODEJS_PUPPETEER_13_0,
                test=synthetics.Test.custom(
                    code=synthetics.Code.from_inline(script(settings, spec.health_path)), handler="index.handler"
                ),
                schedule=synthetics.Schedule.rate(Duration.minutes(PERIOD_MINUTES)),
                timeout=Duration.seconds(TIMEOUT_SECONDS * 3),
                role=self.role,
                artifacts_bucket_location=synthetics.ArtifactsBucketLocation(bucket=bucket, prefix=name),
                success_retention_period=Duration.days(ARTIFACT_DAYS),
                failure_retention_period=Duration.days(ARTIFACT_DAYS),
                start_after_creation=True,
                provisioned_resource_cleanup=True,
            )
            self.watches.append(Watch(f"{service}canary", _runs_passed(canary, service)))

    def _role(self, settings: Settings, bucket: s3.Bucket, key_arn: str, names: list[str]) -> iam.Role:
        """Runs write artifacts (the bucket's default KMS encryption: no canary-side key mode, so CDK grants
        nothing of its own), their Lambda logs and Synthetics metrics; nothing else."""
        stack = Stack.of(self)
        log_groups = [
            f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:/aws/lambda/cwsyn-{name}-*"
            for name in names
        ]
        role = iam.Role(
            self,
            "CanaryRole",
            role_name=settings.name("canaries"),
            description=f"BookedBarber {settings.environment}: the uptime canaries' runs",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        )
        for statement in (
            iam.PolicyStatement(
                actions=["s3:PutObject"], resources=[bucket.arn_for_objects(f"{name}/*") for name in names]
            ),
            iam.PolicyStatement(actions=["s3:GetBucketLocation"], resources=[bucket.bucket_arn]),
            # The runtime lists buckets before it writes (AWS's own canary role policy does the same).
            iam.PolicyStatement(actions=["s3:ListAllMyBuckets"], resources=["*"]),
            iam.PolicyStatement(
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": METRICS_NAMESPACE}},
            ),
            iam.PolicyStatement(
                actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                resources=log_groups + [f"{arn}:log-stream:*" for arn in log_groups],
            ),
            iam.PolicyStatement(
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=[key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"}},
            ),
        ):
            role.add_to_principal_policy(statement)
        # A role policy like every other role's (apply_guardrails acknowledges it as inline): the deploy identity
        # may create roles under the environment's prefix, not customer-managed policies.
        policy = role.node.find_child("DefaultPolicy")
        acknowledge(
            policy,
            "IAM5[Resource::*]",
            "s3:ListAllMyBuckets and cloudwatch:PutMetricData have no resource-level permissions; PutMetricData is "
            "limited to the CloudWatchSynthetics namespace by condition, and ListAllMyBuckets reveals names only.",
        )
        bucket_id = stack.get_logical_id(bucket.node.default_child)
        for name, group in zip(names, log_groups, strict=True):
            acknowledge(
                policy,
                f"IAM5[Resource::<{bucket_id}.Arn>/{name}/*]",
                "Each run writes new artifact objects under its canary's own prefix with run-specific keys; the "
                "wildcard covers that prefix only, and only s3:PutObject.",
            )
            for arn in (group, f"{group}:log-stream:*"):
                acknowledge(
                    policy,
                    f"IAM5[Resource::{arn}]",
                    "Synthetics names each canary's Lambda function cwsyn-<canary>-<generated id>: the wildcard is "
                    "that id and the streams of that one function's log group, nothing else.",
                )
        return role


def _runs_passed(canary: synthetics.Canary, service: str):
    """Runs that passed in the period (0 or 1 a minute): the count GCP's uptime alert compares, from one location."""

    def metric(period: Duration) -> cloudwatch.IMetric:
        return cloudwatch.MathExpression(
            expression=f"{service}_success / 100",
            using_metrics={f"{service}_success": canary.metric_success_percent(period=period, statistic="Average")},
            label=f"{service} canary runs that passed",
            period=period,
        )

    return metric
