"""Resources whose name or existence is account-, region- or project-wide: what happens when two environments share
the AWS account or the GCP project. jsii-free data; `reports/account_wide.py` finds them in the synthesized output
and writes docs/account-wide-resources.md (tested), so the table follows whatever the stacks create."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Shared:
    scope: str  # where only one can exist, or where names must be unique
    when_two_environments_share: str


AWS_TYPES = {
    "AWS::GuardDuty::Detector": Shared(
        "account + region", "one detector per account and region: the second environment's create fails"
    ),
    "AWS::SecurityHub::Hub": Shared("account + region", "Security Hub is enabled once: the second create fails"),
    "AWS::SecurityHub::Standard": Shared(
        "account + region", "each standard is enabled once: the second subscription fails"
    ),
    "AWS::Config::ConfigurationRecorder": Shared(
        "account + region", "one recorder per account and region: the second create fails"
    ),
    "AWS::Config::DeliveryChannel": Shared(
        "account + region", "one delivery channel per account and region: the second create fails"
    ),
    "AWS::CloudTrail::Trail": Shared(
        "account (multi-region)", "each trail records the whole account: events billed and findings raised twice"
    ),
    "AWS::IAM::OIDCProvider": Shared("account", "one provider per issuer URL: the second create fails"),
    "AWS::ECR::ReplicationConfiguration": Shared(
        "account + region", "one replication configuration per registry: the last deploy's rules replace the other's"
    ),
    "AWS::Budgets::Budget": Shared(
        "account", "each budget covers the whole account's spend: both alert on the other environment's cost"
    ),
}
# CloudFormation properties that name the resource itself (a fixed value is taken for the whole scope).
AWS_NAME_PROPERTIES = (
    "LogGroupName",
    "BucketName",
    "RoleName",
    "TopicName",
    "FunctionName",
    "DashboardName",
    "AlarmName",
    "ConfigRuleName",
    "TrailName",
    "RepositoryName",
    "ClusterName",
    "DBInstanceIdentifier",
)
AWS_FIXED_NAME = Shared("account + region", "the name is taken: the second environment's create fails")
AWS_RECORD = Shared(
    "hosted zone", "both environments write the same record: the last deploy wins, a delete removes both"
)

GCP_TYPES = {
    "google_project_service": Shared(
        "project", "shared: both enable the same APIs; never disabled on destroy, so neither breaks the other"
    ),
    "google_project_service_identity": Shared(
        "project", "one agent per service, shared: creating it again is a no-op, destroying it deletes nothing"
    ),
    "google_project_iam_audit_config": Shared(
        "project", "one audit config per service: the last apply wins, a destroy turns the logs off for both"
    ),
    "google_logging_project_bucket_config": Shared(
        "project", "the project's `_Default` log bucket: the last apply sets the retention of both"
    ),
    "google_billing_budget": Shared(
        "billing account", "filtered on the project: each budget watches both environments' spend"
    ),
    "google_project_iam_member": Shared(
        "project", "project-level roles reach every resource of the project: each identity's roles apply to both"
    ),
    "google_iam_workload_identity_pool": Shared(
        "project", "ids are held 30 days after deletion: a rebuild within 30 days must undelete the pool"
    ),
    "google_kms_key_ring": Shared("project + region", "key rings are never deleted: a rebuild must import the ring"),
}
# Terraform arguments that name the resource itself.
GCP_NAME_ARGUMENTS = ("name", "bucket_id", "secret_id", "account_id", "repository_id", "workload_identity_pool_id")
GCP_FIXED_NAME = Shared("project", "the name is taken: the second environment's create fails")
# Named inside a parent whose own name carries the environment (a key in its ring, a database in its instance).
GCP_NAMED_IN_PARENT = ("google_kms_crypto_key", "google_sql_database", "google_sql_user")
GCP_RECORD = Shared(
    "managed zone", "both environments write the same record: the last apply wins, a destroy removes both"
)
