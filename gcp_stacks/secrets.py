"""Secret Manager: the application's secrets, encrypted with our key, with rotation reminders.

Terraform creates the secrets, never their values: each version is added out of band
(`gcloud secrets versions add`), so no secret ever reaches the synthesized JSON or the state.
"""

from __future__ import annotations

from cdktn import Fn
from cdktn_provider_google.pubsub_topic import PubsubTopic
from cdktn_provider_google.pubsub_topic_iam_member import PubsubTopicIamMember
from cdktn_provider_google.secret_manager_secret import (
    SecretManagerSecret,
    SecretManagerSecretReplication,
    SecretManagerSecretReplicationUserManaged,
    SecretManagerSecretReplicationUserManagedReplicas,
    SecretManagerSecretReplicationUserManagedReplicasCustomerManagedEncryption,
    SecretManagerSecretRotation,
    SecretManagerSecretTopics,
)
from cdktn_provider_google.secret_manager_secret_iam_member import SecretManagerSecretIamMember
from constructs import Construct

from gcp_stacks.base import retained
from gcp_stacks.names import secret_id
from gcp_stacks.project import ServiceAgents
from gcp_stacks.security import SECONDS_PER_DAY, ServiceAccounts, ServiceKey
from shared import Settings

# Secret id suffix -> the workloads that may read it. The database password belongs to the built-in
# `postgres` user, for break-glass and the database bootstrap job (granted in database_bootstrap.py); the API
# and migrations sign in to Cloud SQL with IAM instead.
SECRETS = {
    "database-password": (),
    "app-secret-key": ("api",),
    # Written by the operator (ops/setup_secrets.py): Sentry issues it; both services report errors.
    "sentry-dsn": ("api", "web"),
}


class Secrets(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        key: ServiceKey,
        topic_key: ServiceKey,
        agents: ServiceAgents,
        accounts: ServiceAccounts,
        standby_key: ServiceKey | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        # Each secret's payload is stored in these regions only, each with that region's key. A replica in the
        # standby region is fixed at creation (Secret Manager cannot change a secret's locations: the provider
        # replaces it, versions and all, which `retained` refuses), like the bucket's and repository's location.
        locations = [(settings.gcp.region, key)]
        if standby_key is not None:
            locations.append((settings.recovery.gcp_standby_region, standby_key))
        topic = PubsubTopic(
            self,
            "RotationTopic",
            name=settings.name("secret-rotation"),
            kms_key_name=topic_key.id,
            depends_on=[topic_key.grant],
        )
        publisher = PubsubTopicIamMember(
            self,
            "RotationPublisher",
            topic=topic.id,
            role="roles/pubsub.publisher",
            member=agents.members["secret_manager"],
            depends_on=agents.ready["secret_manager"] or None,
        )
        rotation_seconds = settings.resilience.secret_rotation_days * SECONDS_PER_DAY
        self.secrets: dict[str, SecretManagerSecret] = {}
        for name, readers in SECRETS.items():
            title = "".join(part.capitalize() for part in name.split("-"))
            secret = SecretManagerSecret(
                self,
                f"{title}Secret",
                secret_id=secret_id(settings, name),
                replication=SecretManagerSecretReplication(
                    user_managed=SecretManagerSecretReplicationUserManaged(
                        replicas=[
                            SecretManagerSecretReplicationUserManagedReplicas(
                                location=location,
                                customer_managed_encryption=(
                                    SecretManagerSecretReplicationUserManagedReplicasCustomerManagedEncryption(
                                        kms_key_name=location_key.id
                                    )
                                ),
                            )
                            for location, location_key in locations
                        ]
                    )
                ),
                topics=[SecretManagerSecretTopics(name=topic.id)],
                # Provider 7+ offers it (default off): a protected secret refuses `terraform destroy`.
                deletion_protection=settings.resilience.deletion_protection,
                # The first reminder is one period after creation; `timestamp()` is evaluated by Terraform at
                # apply, so synth stays byte-identical, and ignore_changes keeps later plans from moving it.
                rotation=SecretManagerSecretRotation(
                    rotation_period=f"{rotation_seconds}s",
                    next_rotation_time=Fn.timeadd(Fn.timestamp(), f"{rotation_seconds}s"),
                ),
                depends_on=[*(location_key.grant for _, location_key in locations), publisher],
                lifecycle=retained(settings, ignore_changes=["rotation[0].next_rotation_time"]),
            )
            self.secrets[name] = secret
            for workload in readers:
                SecretManagerSecretIamMember(
                    self,
                    f"{title}{workload.capitalize()}Accessor",
                    secret_id=secret.id,
                    role="roles/secretmanager.secretAccessor",
                    member=accounts.accounts[workload].member,
                )
