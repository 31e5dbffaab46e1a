"""Keys and identities: one CMEK key per data service, and one service account per workload."""

from __future__ import annotations

from dataclasses import dataclass

from cdktn_provider_google.data_google_storage_project_service_account import (
    DataGoogleStorageProjectServiceAccount,
)
from cdktn_provider_google.kms_crypto_key import KmsCryptoKey
from cdktn_provider_google.kms_crypto_key_iam_member import KmsCryptoKeyIamMember
from cdktn_provider_google.kms_key_ring import KmsKeyRing
from cdktn_provider_google.project_iam_member import ProjectIamMember
from cdktn_provider_google.service_account import ServiceAccount
from constructs import Construct

from gcp_stacks.base import retained
from gcp_stacks.names import key_ring_name
from gcp_stacks.project import ServiceAgents
from shared import Settings

ENCRYPTER_DECRYPTER = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
# Key purpose -> the service agent (project.SERVICE_AGENTS) that encrypts with it; "storage" uses Cloud Storage's.
KEY_USERS = {
    "database": "cloud_sql",
    "cache": "memorystore",
    "registry": "artifact_registry",
    "secrets": "secret_manager",
    "pubsub": "pubsub",
}
SECONDS_PER_DAY = 86400


@dataclass(frozen=True)
class ServiceKey:
    """A CMEK key and the grant that lets its one service use it: resources using the key wait for the grant."""

    key: KmsCryptoKey
    grant: KmsCryptoKeyIamMember

    @property
    def id(self) -> str:
        return self.key.id


class Keys(Construct):
    """A key ring in `location` (default the primary region) and a key per service, each usable only by that
    service's agent. CMEK keys must sit where the data does, so a standby region or a multi-region gets its own ring
    with only the `purposes` kept there."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        agents: ServiceAgents,
        location: str | None = None,
        purposes: tuple[str, ...] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        # Key rings cannot be deleted; retaining it keeps Terraform from planning a destroy it cannot do.
        ring = KmsKeyRing(
            self,
            "KeyRing",
            name=key_ring_name(settings),
            location=location or settings.gcp.region,
            lifecycle=retained(settings),
        )
        # This data source also creates the Cloud Storage agent if the project has none yet.
        storage = DataGoogleStorageProjectServiceAccount(self, "StorageAgent", project=settings.gcp.project_id)
        # Purpose -> the agent granted its key, and what the grant waits for (the agent's creation, if on demand).
        users = {purpose: (agents.members[agent], agents.ready[agent]) for purpose, agent in KEY_USERS.items()}
        users["storage"] = (f"serviceAccount:{storage.email_address}", [])
        self.keys: dict[str, ServiceKey] = {}
        for purpose, (member, agent_ready) in users.items():
            if purposes is not None and purpose not in purposes:
                continue
            title = purpose.capitalize()
            key = KmsCryptoKey(
                self,
                f"{title}Key",
                name=purpose,
                key_ring=ring.id,
                purpose="ENCRYPT_DECRYPT",
                rotation_period=f"{settings.resilience.key_rotation_days * SECONDS_PER_DAY}s",
                lifecycle=retained(settings),
            )
            grant = KmsCryptoKeyIamMember(
                self,
                f"{title}KeyUser",
                crypto_key_id=key.id,
                role=ENCRYPTER_DECRYPTER,
                member=member,
                depends_on=agent_ready or None,
            )
            self.keys[purpose] = ServiceKey(key, grant)


@dataclass(frozen=True)
class Identity:
    """A workload's service account, named from settings so other stacks can refer to it without lookups."""

    account_id: str
    email: str

    @property
    def member(self) -> str:
        return f"serviceAccount:{self.email}"

    @property
    def database_user(self) -> str:
        """Cloud SQL IAM database users are the e-mail without `.gserviceaccount.com`."""
        return self.email.removesuffix(".gserviceaccount.com")

    @classmethod
    def of(cls, settings: Settings, workload: str) -> Identity:
        account_id = settings.name(workload)
        return cls(account_id, f"{account_id}@{settings.gcp.project_id}.iam.gserviceaccount.com")


# What every runtime writes: logs, metrics, traces (Cloud Trace) and exceptions (Error Reporting); write-only roles.
TELEMETRY_ROLES = (
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/cloudtrace.agent",
    "roles/errorreporting.writer",
)
# Project-level roles per workload. Cloud SQL has no instance-level IAM, so its roles are project-wide.
WORKLOAD_ROLES = {
    # memorystore.dbConnectionUser: only memorystore.instances.connect, the Valkey IAM sign-in (no AUTH string).
    "api": (
        "roles/cloudsql.client",
        "roles/cloudsql.instanceUser",
        "roles/memorystore.dbConnectionUser",
        *TELEMETRY_ROLES,
    ),
    "web": TELEMETRY_ROLES,
}


class ServiceAccounts(Construct):
    """One service account per Cloud Run service; secret access is granted per secret in `secrets.py`."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        self.identities: dict[str, Identity] = {}
        self.accounts: dict[str, ServiceAccount] = {}
        for workload, roles in WORKLOAD_ROLES.items():
            identity = Identity.of(settings, workload)
            title = workload.capitalize()
            account = ServiceAccount(
                self,
                f"{title}ServiceAccount",
                account_id=identity.account_id,
                display_name=f"{settings.prefix} {workload} (Cloud Run)",
            )
            for role in roles:
                ProjectIamMember(
                    self,
                    f"{title}{''.join(p.capitalize() for p in role.removeprefix('roles/').split('.'))}",
                    project=settings.gcp.project_id,
                    role=role,
                    member=account.member,
                )
            self.identities[workload] = identity
            self.accounts[workload] = account
