"""What the providers accept, as data: the limits and value lists the settings are validated against.

Like `shared/places.py` (regions and zones), each fact names the document it comes from, so a provider change is
one edit here with its source beside it. Facts are not settings: no environment chooses them.
"""

from __future__ import annotations

# CloudWatch Logs accepts only these retention periods (days). CloudWatch Logs API Reference, PutRetentionPolicy,
# `retentionInDays` (docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html).
CLOUDWATCH_RETENTION_DAYS = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
)

# Valid Fargate task sizes: cpu units -> allowed memory (MiB). Amazon ECS Developer Guide, "Task CPU and memory"
# (docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size; the
# troubleshooting page task-cpu-memory-error.html repeats the table).
FARGATE_MEMORY_MIB = {
    256: frozenset({512, 1024, 2048}),
    512: frozenset(range(1024, 4097, 1024)),
    1024: frozenset(range(2048, 8193, 1024)),
    2048: frozenset(range(4096, 16385, 1024)),
    4096: frozenset(range(8192, 30721, 1024)),
    8192: frozenset(range(16384, 61441, 4096)),
    16384: frozenset(range(32768, 122881, 8192)),
}

# Memory (GiB) of the RDS instance classes the settings may name, for the database memory alert (FreeableMemory
# against the class's memory). Source: "Hardware specifications for DB instance classes", Amazon RDS User Guide
# (docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.Summary.html).
RDS_CLASS_MEMORY_GIB = {
    "db.t4g.micro": 1,
    "db.t4g.small": 2,
    "db.t4g.medium": 4,
    "db.t4g.large": 8,
    "db.t4g.xlarge": 16,
    "db.t4g.2xlarge": 32,
    "db.m6g.large": 8,
    "db.m6g.xlarge": 16,
    "db.m6g.2xlarge": 32,
    "db.m6g.4xlarge": 64,
    "db.r6g.large": 16,
    "db.r6g.xlarge": 32,
    "db.r6g.2xlarge": 64,
    "db.r6g.4xlarge": 128,
    "db.r7g.large": 16,
    "db.r7g.xlarge": 32,
    "db.r7g.2xlarge": 64,
}

# Secrets Manager rotates at most every 1000 days. AWS::SecretsManager::RotationSchedule RotationRules,
# `AutomaticallyAfterDays` / `ScheduleExpression` (CloudFormation User Guide).
SECRET_ROTATION_MAX_DAYS = 1000

# RDS uploads transaction logs every 5 minutes: point-in-time recovery cannot promise a smaller RPO. Amazon RDS User
# Guide, "Restoring a DB instance to a specified time" (USER_PIT.html).
MIN_RPO_MINUTES = 5

# Cloud SQL Enterprise edition keeps at most 7 days of write-ahead logs for point-in-time recovery. Cloud SQL for
# PostgreSQL, "Point-in-time recovery" (cloud.google.com/sql/docs/postgres/backup-recovery/pitr).
CLOUD_SQL_MAX_LOG_RETENTION_DAYS = 7

# Whole-CPU sizes of a Cloud Run instance (above 1 CPU only integers; 4, 6 and 8 need 2-4 GiB and more). Cloud Run,
# "Configure CPU limits for services" (cloud.google.com/run/docs/configuring/services/cpu).
CLOUD_RUN_CPUS = frozenset({1, 2, 4, 6, 8})
# Cloud Run's autoscaler keeps each instance's concurrency near this share of its maximum, and accepts a maximum
# concurrency of at most 1000. Cloud Run, "About instance autoscaling" and "Maximum concurrent requests per instance"
# (cloud.google.com/run/docs/about-instance-autoscaling, .../configuring/concurrency).
CLOUD_RUN_TARGET_CONCURRENCY_SHARE = 0.6
CLOUD_RUN_MAX_CONCURRENCY = 1000

# Rate-limit windows: Cloud Armor's `rate_limit_threshold.interval_sec` (Cloud Armor, "Rate limiting overview",
# cloud.google.com/armor/docs/rate-limiting-overview) and AWS WAF's rate-based `EvaluationWindowSec` (AWS WAF
# Developer Guide, "Rate-based rule high-level settings": 60, 120, 300 or 600). Both clouds take only the common ones.
CLOUD_ARMOR_INTERVALS_SECONDS = frozenset({10, 30, 60, 120, 180, 240, 300, 600, 900, 1200, 1800, 2700, 3600})
AWS_WAF_WINDOWS_SECONDS = frozenset({60, 120, 300, 600})
RATE_LIMIT_WINDOWS_SECONDS = CLOUD_ARMOR_INTERVALS_SECONDS & AWS_WAF_WINDOWS_SECONDS

# Latency percentiles Cloud Monitoring can align on (`ALIGN_PERCENTILE_50/95/99`, Cloud Monitoring API, Aligner
# enum); CloudWatch takes any pNN.
CLOUD_MONITORING_PERCENTILES = frozenset({50.0, 95.0, 99.0})

# Redis major versions both ElastiCache (Redis OSS) and Memorystore for Redis still create, with Memorystore's
# newest minor of each (gcp_stacks/data.py writes these values; aws_stacks/data.py maps the same majors).
# Memorystore for Redis, "Supported versions" (cloud.google.com/memorystore/docs/redis/supported-versions).
MEMORYSTORE_REDIS_VERSIONS = {6: "REDIS_6_X", 7: "REDIS_7_2"}
REDIS_MAJOR_VERSIONS = frozenset(MEMORYSTORE_REDIS_VERSIONS)
# Memorystore RDB snapshot periods the API accepts, by hours: `PersistenceConfig.SnapshotPeriod` (ONE_HOUR,
# SIX_HOURS, TWELVE_HOURS, TWENTY_FOUR_HOURS), Memorystore for Redis API reference.
MEMORYSTORE_SNAPSHOT_PERIODS = {1: "ONE_HOUR", 6: "SIX_HOURS", 12: "TWELVE_HOURS", 24: "TWENTY_FOUR_HOURS"}
MEMORYSTORE_SNAPSHOT_HOURS = frozenset(MEMORYSTORE_SNAPSHOT_PERIODS)

# AWS Budgets: notifications per budget, and email subscribers per notification. AWS Cost Management User Guide,
# "Quotas and restrictions" (Budgets).
MAX_BUDGET_NOTIFICATIONS = 10
MAX_BUDGET_EMAILS = 10
