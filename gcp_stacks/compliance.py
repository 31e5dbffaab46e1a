"""Compliance: log retention, the audit-log archive, Data Access audit logs, and the monthly budget.

Keys and the access-log bucket come from the data stack, referenced by names derived from settings.
"""

from __future__ import annotations

from cdktn_provider_google.billing_budget import (
    BillingBudget,
    BillingBudgetAmount,
    BillingBudgetAmountSpecifiedAmount,
    BillingBudgetBudgetFilter,
    BillingBudgetThresholdRules,
)
from cdktn_provider_google.data_google_project import DataGoogleProject
from cdktn_provider_google.logging_project_bucket_config import LoggingProjectBucketConfig
from cdktn_provider_google.logging_project_sink import LoggingProjectSink
from cdktn_provider_google.project_iam_audit_config import (
    ProjectIamAuditConfig,
    ProjectIamAuditConfigAuditLogConfig,
)
from cdktn_provider_google.storage_bucket import (
    StorageBucket,
    StorageBucketLogging,
)
from cdktn_provider_google.storage_bucket_iam_member import StorageBucketIamMember
from constructs import Construct

from gcp_stacks.base import retained
from gcp_stacks.data import delete_after, log_retention_policy, private_bucket
from gcp_stacks.names import bucket_name, key_id
from shared import Settings

# Every Cloud Audit Log but none of the application's: who changed what (activity), who read or wrote data
# (data_access), what Google did (system_event) and what was refused by policy (policy).
AUDIT_LOG_IDS = (
    "cloudaudit.googleapis.com/activity",
    "cloudaudit.googleapis.com/data_access",
    "cloudaudit.googleapis.com/system_event",
    "cloudaudit.googleapis.com/policy",
)

# Data Access audit logs per service that holds data. Writes everywhere. Reads only on Secret Manager, where
# each is a credential being fetched and they are few; Cloud Storage reads are every CDN fill and upload
# download, Cloud SQL's every connector handshake: paid ingestion at request volume for little evidence.
DATA_ACCESS_LOGS = {
    "cloudsql.googleapis.com": ("DATA_WRITE",),
    "secretmanager.googleapis.com": ("DATA_READ", "DATA_WRITE"),
    "storage.googleapis.com": ("DATA_WRITE",),
}


def audit_log_filter() -> str:
    return " OR ".join(f'log_id("{log_id}")' for log_id in AUDIT_LOG_IDS)


class LogRetention(Construct):
    """The `_Default` log bucket (every log but the Admin Activity ones in `_Required`) keeps logs per settings."""

    def __init__(self, scope: Construct, construct_id: str, *, project_id: str, retention_days: int) -> None:
        super().__init__(scope, construct_id)
        self.default_bucket = LoggingProjectBucketConfig(
            self,
            "DefaultLogBucket",
            project=f"projects/{project_id}",
            location="global",
            bucket_id="_Default",
            retention_days=retention_days,
        )


class AuditLogArchive(Construct):
    """Audit logs copied to a bucket no one can empty early: a retention policy, locked where settings say."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        retention_days = settings.resilience.log_retention_days
        # A retention policy rather than versioning (GCS refuses both on one bucket): an object cannot be
        # deleted or overwritten at all until it is `log_retention_days` old, then the lifecycle rule removes it.
        self.bucket = StorageBucket(
            self,
            "Bucket",
            name=bucket_name(settings, "audit-logs"),
            **private_bucket(settings, key_id=key_id(settings, "storage")),
            retention_policy=log_retention_policy(settings),
            lifecycle_rule=[delete_after(retention_days)],
            logging=StorageBucketLogging(
                log_bucket=bucket_name(settings, "access-logs"), log_object_prefix="audit-logs/"
            ),
        )
        self.sink = LoggingProjectSink(
            self,
            "Sink",
            name=settings.name("audit-logs"),
            destination=f"storage.googleapis.com/{self.bucket.name}",
            filter=audit_log_filter(),
            unique_writer_identity=True,
            lifecycle=retained(settings),
        )
        # The sink's identity may add objects to this bucket and nothing else: no read, delete or overwrite.
        StorageBucketIamMember(
            self,
            "SinkWriter",
            bucket=self.bucket.name,
            role="roles/storage.objectCreator",
            member=self.sink.writer_identity,
        )


class DataAccessAuditLogs(Construct):
    """Turns on the Data Access audit log types of `DATA_ACCESS_LOGS` (off by default, except BigQuery's)."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        self.configs = {
            service: ProjectIamAuditConfig(
                self,
                service.split(".")[0].capitalize() + "DataAccess",
                project=settings.gcp.project_id,
                service=service,
                audit_log_config=[ProjectIamAuditConfigAuditLogConfig(log_type=log_type) for log_type in log_types],
            )
            for service, log_types in DATA_ACCESS_LOGS.items()
        }


class MonthlyBudget(Construct):
    """The settings' monthly limit for this project; billing admins are told at each share, actual and forecast."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        budget = settings.budget
        number = DataGoogleProject(self, "Project", project_id=settings.gcp.project_id).number
        self.budget = BillingBudget(
            self,
            "Budget",
            billing_account=settings.gcp.billing_account_id,
            display_name=settings.name("monthly"),
            budget_filter=BillingBudgetBudgetFilter(
                projects=[f"projects/{number}"],
                calendar_period="MONTH",
                credit_types_treatment="INCLUDE_ALL_CREDITS",
            ),
            amount=BillingBudgetAmount(
                specified_amount=BillingBudgetAmountSpecifiedAmount(
                    currency_code="USD", units=str(budget.monthly_limit_usd)
                )
            ),
            threshold_rules=[
                BillingBudgetThresholdRules(threshold_percent=percent / 100, spend_basis=basis)
                for basis in ("CURRENT_SPEND", "FORECASTED_SPEND")
                for percent in budget.alert_at_percent
            ],
        )
