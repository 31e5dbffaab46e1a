"""Security findings and configuration changes, routed like AWS's GuardDuty / Security Hub / Config events.

Each source publishes to its own Pub/Sub topic (CMEK, the data stack's Pub/Sub key) with a pull subscription that
keeps a week of messages for triage; the observability stack's `SecurityEventPolicies` alerts on each topic's
published messages through the route of its `shared.security_monitoring.SECURITY_EVENTS` entry:
- Security Command Center findings at or above `security_monitoring.scc_minimum_severity` (ACTIVE, not muted),
  Artifact Analysis vulnerabilities of the registry's images among them: critical, as GuardDuty / Security Hub.
  Only with `security_monitoring.scc_notifications`: the API refuses a notification config until SCC is active
  (Standard or Premium) for the project's organization, or Premium at project level.
- Cloud Asset Inventory feeds (resources and IAM policies of security-relevant types): info, as Config history.
"""

from __future__ import annotations

from cdktn_provider_google.cloud_asset_project_feed import (
    CloudAssetProjectFeed,
    CloudAssetProjectFeedFeedOutputConfig,
    CloudAssetProjectFeedFeedOutputConfigPubsubDestination,
)
from cdktn_provider_google.data_google_project import DataGoogleProject
from cdktn_provider_google.pubsub_subscription import (
    PubsubSubscription,
    PubsubSubscriptionExpirationPolicy,
)
from cdktn_provider_google.pubsub_topic import PubsubTopic
from cdktn_provider_google.pubsub_topic_iam_member import PubsubTopicIamMember
from cdktn_provider_google.scc_project_notification_config import (
    SccProjectNotificationConfig,
    SccProjectNotificationConfigStreamingConfig,
)
from constructs import Construct

from gcp_stacks.names import key_id, topic_name
from gcp_stacks.project import SERVICE_AGENTS
from shared import Settings
from shared.security_monitoring import SecurityMonitoringSettings

# A week of undelivered messages for triage (Pub/Sub's maximum for a subscription is 7 days).
RETENTION = "604800s"
# What the asset feeds watch: who may do what, and the resources that guard data and traffic.
WATCHED_ASSET_TYPES = (
    "cloudkms.googleapis.com/CryptoKey",
    "cloudresourcemanager.googleapis.com/Project",
    "compute.googleapis.com/Firewall",
    "iam.googleapis.com/ServiceAccount",
    "iam.googleapis.com/ServiceAccountKey",
    "run.googleapis.com/Service",
    "secretmanager.googleapis.com/Secret",
    "sqladmin.googleapis.com/Instance",
    "storage.googleapis.com/Bucket",
)
# One feed per content type: a feed carries either resource configurations or IAM policies.
ASSET_CONTENT_TYPES = ("RESOURCE", "IAM_POLICY")


def scc_filter(monitoring: SecurityMonitoringSettings) -> str:
    severities = " OR ".join(f'severity = "{severity}"' for severity in monitoring.paged_severities())
    return f'state = "ACTIVE" AND mute != "MUTED" AND ({severities})'


class SecurityTopic(Construct):
    """A CMEK topic and its pull subscription (never expiring, a week of messages)."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings, key: str) -> None:
        super().__init__(scope, construct_id)
        name = topic_name(settings, key)
        self.topic = PubsubTopic(self, "Topic", name=name, kms_key_name=key_id(settings, "pubsub"))
        self.subscription = PubsubSubscription(
            self,
            "Subscription",
            name=name,
            topic=self.topic.id,
            ack_deadline_seconds=60,
            message_retention_duration=RETENTION,
            expiration_policy=PubsubSubscriptionExpirationPolicy(ttl=""),
        )


class SecurityFindings(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        project = settings.gcp.project_id
        number = DataGoogleProject(self, "Project", project_id=project).number
        self.changes = SecurityTopic(self, "AssetChanges", settings=settings, key="asset_change")
        # The Cloud Asset agent exists: the data stack creates it (gcp_stacks/project.py SERVICE_AGENTS).
        asset_publisher = PubsubTopicIamMember(
            self,
            "AssetChangesPublisher",
            topic=self.changes.topic.id,
            role="roles/pubsub.publisher",
            member=SERVICE_AGENTS["cloud_asset"].member(number),
        )
        self.feeds = [
            CloudAssetProjectFeed(
                self,
                f"{content.title().replace('_', '')}Feed",
                project=project,
                billing_project=project,
                feed_id=settings.name(f"{content.lower().replace('_', '-')}-changes"),
                content_type=content,
                asset_types=list(WATCHED_ASSET_TYPES),
                feed_output_config=CloudAssetProjectFeedFeedOutputConfig(
                    pubsub_destination=CloudAssetProjectFeedFeedOutputConfigPubsubDestination(
                        topic=self.changes.topic.id
                    )
                ),
                depends_on=[asset_publisher],
            )
            for content in ASSET_CONTENT_TYPES
        ]
        self.findings = SecurityTopic(self, "SecurityFindings", settings=settings, key="security_finding")
        self.scc: SccProjectNotificationConfig | None = None
        if settings.security_monitoring.scc_notifications:
            self.scc = SccProjectNotificationConfig(
                self,
                "SccNotifications",
                project=project,
                config_id=settings.name("security-findings"),
                description=f"{settings.prefix}: findings that page",
                pubsub_topic=self.findings.topic.id,
                streaming_config=SccProjectNotificationConfigStreamingConfig(
                    filter=scc_filter(settings.security_monitoring)
                ),
            )
            # SCC publishes as the config's own service account, known once the config exists.
            PubsubTopicIamMember(
                self,
                "SecurityFindingsPublisher",
                topic=self.findings.topic.id,
                role="roles/pubsub.publisher",
                member=f"serviceAccount:{self.scc.service_account}",
            )
