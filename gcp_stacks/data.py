"""Data: Cloud SQL for PostgreSQL, Memorystore for Valkey, and the Cloud Storage buckets."""

from __future__ import annotations

from cdktn_provider_google.memorystore_instance import (
    MemorystoreInstance,
    MemorystoreInstanceDesiredAutoCreatedEndpoints,
    MemorystoreInstanceMaintenancePolicy,
    MemorystoreInstanceMaintenancePolicyWeeklyMaintenanceWindow,
    MemorystoreInstanceMaintenancePolicyWeeklyMaintenanceWindowStartTime,
    MemorystoreInstancePersistenceConfig,
    MemorystoreInstancePersistenceConfigRdbConfig,
)
from cdktn_provider_google.sql_database import SqlDatabase
from cdktn_provider_google.sql_database_instance import (
    SqlDatabaseInstance,
    SqlDatabaseInstanceSettings,
    SqlDatabaseInstanceSettingsBackupConfiguration,
    SqlDatabaseInstanceSettingsBackupConfigurationBackupRetentionSettings,
    SqlDatabaseInstanceSettingsDatabaseFlags,
    SqlDatabaseInstanceSettingsInsightsConfig,
    SqlDatabaseInstanceSettingsIpConfiguration,
    SqlDatabaseInstanceSettingsMaintenanceWindow,
)
from cdktn_provider_google.sql_user import SqlUser
from cdktn_provider_google.storage_bucket import (
    StorageBucket,
    StorageBucketCustomPlacementConfig,
    StorageBucketEncryption,
    StorageBucketLifecycleRule,
    StorageBucketLifecycleRuleAction,
    StorageBucketLifecycleRuleCondition,
    StorageBucketLogging,
    StorageBucketRetentionPolicy,
    StorageBucketVersioning,
)
from cdktn_provider_google.storage_bucket_iam_member import StorageBucketIamMember
from constructs import Construct

from gcp_stacks.base import retained
from gcp_stacks.names import (
    bucket_name,
    redis_instance_name,
    sql_instance_name,
    standby_redis_instance_name,
    standby_sql_instance_name,
)
from gcp_stacks.network import NetworkRefs
from gcp_stacks.security import SECONDS_PER_DAY, ServiceAccounts, ServiceKey
from shared import Settings
from shared.contract import DATABASE_NAME
from shared.places import gcp_multi_region
from shared.provider_facts import MEMORYSTORE_SNAPSHOT_PERIODS
from shared.valkey import VALKEY_ENGINE_VERSION, valkey_node_type

# Enterprise edition: the db-custom tiers in settings are not offered on Enterprise Plus.
SQL_EDITION = "ENTERPRISE"
# What CIS and Security Command Center expect of a PostgreSQL instance, plus IAM sign-in.
DATABASE_FLAGS = {
    "cloudsql.iam_authentication": "on",
    "cloudsql.enable_pgaudit": "on",
    "pgaudit.log": "ddl,role",
    "log_connections": "on",
    "log_disconnections": "on",
    "log_checkpoints": "on",
    "log_lock_waits": "on",
    "log_statement": "ddl",
    "log_min_messages": "warning",
    "log_min_error_statement": "error",
    "log_min_duration_statement": "-1",
}


# Terraform's path to the instance's disk size, which autoresize owns after the first apply.
SQL_DISK_SIZE = "settings[0].disk_size"

# Static assets' colder tier: still served in milliseconds, cheaper to fill the CDN from than Archive.
STATIC_ASSETS_COLD_CLASS = "COLDLINE"


class Database(Construct):
    """A private-IP-only PostgreSQL primary with PITR, and the read replicas settings ask for."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        key: ServiceKey,
        accounts: ServiceAccounts,
        standby_key: ServiceKey | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        db = settings.database
        network = NetworkRefs.of(settings)
        common = dict(
            database_version=f"POSTGRES_{settings.database.postgres_major_version}",
            region=settings.gcp.region,
            deletion_protection=settings.resilience.deletion_protection,
            encryption_key_name=key.id,
            depends_on=[key.grant],
            # Autoresize grows the disk past `disk_size`; the provider documents that a later apply would then try
            # to shrink it back, which Cloud SQL refuses (or replaces the instance): the size is only the first one.
            lifecycle=retained(settings, ignore_changes=[SQL_DISK_SIZE]),
        )

        def instance_settings(*, primary: bool) -> SqlDatabaseInstanceSettings:
            return SqlDatabaseInstanceSettings(
                tier=db.gcp_tier,
                edition=SQL_EDITION,
                availability_type="REGIONAL" if db.multi_az and primary else "ZONAL",
                disk_type="PD_SSD",
                disk_size=db.allocated_storage_gib,
                disk_autoresize=True,
                disk_autoresize_limit=db.max_allocated_storage_gib,
                deletion_protection_enabled=settings.resilience.deletion_protection,
                ip_configuration=SqlDatabaseInstanceSettingsIpConfiguration(
                    ipv4_enabled=False,
                    private_network=network.network_id,
                    allocated_ip_range=network.private_services_range,
                    ssl_mode="ENCRYPTED_ONLY",
                ),
                backup_configuration=SqlDatabaseInstanceSettingsBackupConfiguration(
                    enabled=True,
                    point_in_time_recovery_enabled=True,
                    start_time="03:00",
                    transaction_log_retention_days=settings.resilience.point_in_time_recovery_days,
                    backup_retention_settings=SqlDatabaseInstanceSettingsBackupConfigurationBackupRetentionSettings(
                        retained_backups=settings.resilience.backup_retention_days, retention_unit="COUNT"
                    ),
                )
                if primary
                else None,
                maintenance_window=SqlDatabaseInstanceSettingsMaintenanceWindow(day=7, hour=4, update_track="stable"),
                insights_config=SqlDatabaseInstanceSettingsInsightsConfig(
                    query_insights_enabled=True,
                    query_string_length=1024,
                    record_application_tags=True,
                    record_client_address=False,
                ),
                database_flags=[
                    SqlDatabaseInstanceSettingsDatabaseFlags(name=name, value=value)
                    for name, value in DATABASE_FLAGS.items()
                ],
                user_labels=settings.gcp_labels,
            )

        self.primary = SqlDatabaseInstance(
            self, "Primary", name=sql_instance_name(settings), settings=instance_settings(primary=True), **common
        )
        self.replicas = [
            SqlDatabaseInstance(
                self,
                f"ReadReplica{number}",
                name=settings.name(f"postgres-replica-{number}"),
                master_instance_name=self.primary.name,
                settings=instance_settings(primary=False),
                **common,
            )
            for number in range(1, db.read_replicas + 1)
        ]
        # The standby: a cross-region replica (Enterprise edition) that `make failover CLOUD=gcp` promotes. Same tier
        # and disk as the primary, since it becomes the primary; the replica's key must be in its own region, and
        # Cloud SQL keeps no automated backups of a replica (the failover turns them on once it is promoted).
        self.standby = None
        if standby_key is not None:
            self.standby = SqlDatabaseInstance(
                self,
                "StandbyReplica",
                name=standby_sql_instance_name(settings),
                master_instance_name=self.primary.name,
                settings=instance_settings(primary=False),
                **{
                    **common,
                    "region": settings.recovery.gcp_standby_region,
                    "encryption_key_name": standby_key.id,
                    "depends_on": [standby_key.grant],
                },
            )
        SqlDatabase(self, "AppDatabase", name=DATABASE_NAME, instance=self.primary.name)
        api = accounts.identities["api"]
        SqlUser(
            self,
            "ApiDatabaseUser",
            name=api.database_user,
            instance=self.primary.name,
            type="CLOUD_IAM_SERVICE_ACCOUNT",
            depends_on=[accounts.accounts["api"]],
        )


PRIMARY_ENDPOINT = "CONNECTION_TYPE_PRIMARY"  # Memorystore for Valkey: the read-write endpoint


def cache_endpoint(instance: str, attribute: str) -> str:
    """`attribute` of the instance's primary PSC endpoint: the provider lists connections without a fixed order."""
    connections = f"flatten({instance}.endpoints[*].connections[*].psc_auto_connection)"
    return f'${{one([for c in {connections} : tostring(c.{attribute}) if c.connection_type == "{PRIMARY_ENDPOINT}"])}}'


class SessionCache(Construct):
    """Memorystore for Valkey, one node group (cluster mode off), reached through Private Service Connect; clients
    sign in with IAM access tokens (no AUTH string exists, so none reaches Terraform state) over TLS. In the primary
    region unless `standby` (then the standby region's own instance, which nothing replicates into: it starts empty)."""

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: Settings, key: ServiceKey, standby: bool = False
    ) -> None:
        super().__init__(scope, construct_id)
        cache = settings.cache
        network = NetworkRefs.of(settings)
        self.instance = MemorystoreInstance(
            self,
            "Instance",
            instance_id=standby_redis_instance_name(settings) if standby else redis_instance_name(settings),
            location=settings.recovery.gcp_standby_region if standby else settings.gcp.region,
            mode="CLUSTER_DISABLED",
            shard_count=1,
            node_type=valkey_node_type(cache.gcp_memory_size_gib),
            # One replica in another zone is Memorystore's automatic failover (STANDARD_HA's equivalent).
            replica_count=1 if cache.high_availability else 0,
            engine_version=VALKEY_ENGINE_VERSION,
            # The network stack's service connection policy (class gcp-memorystore) creates the PSC endpoints.
            desired_auto_created_endpoints=[
                MemorystoreInstanceDesiredAutoCreatedEndpoints(
                    network=network.network_id, project_id=settings.gcp.project_id
                )
            ],
            authorization_mode="IAM_AUTH",
            transit_encryption_mode="SERVER_AUTHENTICATION",
            kms_key=key.id,
            deletion_protection_enabled=settings.resilience.deletion_protection,
            # Restart from the latest RDB snapshot, as before; Memorystore keeps only that one.
            persistence_config=MemorystoreInstancePersistenceConfig(
                mode="RDB",
                rdb_config=MemorystoreInstancePersistenceConfigRdbConfig(
                    rdb_snapshot_period=MEMORYSTORE_SNAPSHOT_PERIODS[cache.gcp_snapshot_period_hours],
                ),
            ),
            maintenance_policy=MemorystoreInstanceMaintenancePolicy(
                weekly_maintenance_window=[
                    MemorystoreInstanceMaintenancePolicyWeeklyMaintenanceWindow(
                        day="SUNDAY",
                        start_time=MemorystoreInstanceMaintenancePolicyWeeklyMaintenanceWindowStartTime(
                            hours=5, minutes=0
                        ),
                    )
                ]
            ),
            depends_on=[key.grant],
            lifecycle=retained(settings),
        )


class Buckets(Construct):
    """Static assets (served by Cloud CDN), user uploads, and the bucket both log their access to."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        key: ServiceKey,
        accounts: ServiceAccounts,
        replicated_key: ServiceKey | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        storage = settings.storage
        common = dict(**private_bucket(settings, key_id=key.id), depends_on=[key.grant])
        # What the standby region must still serve after a region loss: in a dual-region (see dual_region()).
        served = common if replicated_key is None else {**common, **dual_region(settings, replicated_key)}
        # Usage logs cannot be written to a bucket about itself; its own writes are in Cloud Audit Logs.
        # A retention policy, not versioning (GCS allows only one of the two): no log can be deleted or
        # replaced before it has aged out, and the lifecycle rule removes it once it has.
        self.access_logs = StorageBucket(
            self,
            "AccessLogs",
            name=bucket_name(settings, "access-logs"),
            retention_policy=log_retention_policy(settings),
            lifecycle_rule=[delete_after(settings.resilience.log_retention_days)],
            **common,
        )
        StorageBucketIamMember(
            self,
            "AccessLogsWriter",
            bucket=self.access_logs.name,
            role="roles/storage.objectCreator",
            member="group:cloud-storage-analytics@google.com",
        )
        noncurrent = StorageBucketLifecycleRule(
            action=StorageBucketLifecycleRuleAction(type="Delete"),
            condition=StorageBucketLifecycleRuleCondition(
                days_since_noncurrent_time=storage.noncurrent_version_expiry_days, with_state="ARCHIVED"
            ),
        )
        versioning = StorageBucketVersioning(enabled=storage.versioning)
        # Like S3 (Standard-IA, then Glacier Instant Retrieval) every class stays servable by the CDN within
        # milliseconds. The colder tier is Coldline, not Archive: a cache fill of an old asset pays retrieval per
        # GiB (Coldline's is less than half of Archive's), at most once per cache max TTL, and Coldline's 90-day
        # minimum storage matches Glacier Instant Retrieval's.
        self.static_assets = StorageBucket(
            self,
            "StaticAssets",
            name=bucket_name(settings, "static-assets"),
            versioning=versioning,
            logging=StorageBucketLogging(log_bucket=self.access_logs.name, log_object_prefix="static-assets/"),
            lifecycle_rule=[
                _transition(storage.infrequent_access_after_days, "NEARLINE", "STANDARD"),
                _transition(storage.archive_after_days, STATIC_ASSETS_COLD_CLASS, "NEARLINE"),
                noncurrent,
            ],
            **served,
        )
        self.uploads = StorageBucket(
            self,
            "Uploads",
            name=bucket_name(settings, "uploads"),
            versioning=versioning,
            logging=StorageBucketLogging(log_bucket=self.access_logs.name, log_object_prefix="uploads/"),
            lifecycle_rule=[
                _transition(storage.infrequent_access_after_days, "NEARLINE", "STANDARD"),
                _transition(storage.archive_after_days, "ARCHIVE", "NEARLINE"),
                noncurrent,
            ],
            **served,
        )
        # The API stores and serves users' uploads; objectUser reads and writes objects, not bucket settings.
        StorageBucketIamMember(
            self,
            "UploadsApiUser",
            bucket=self.uploads.name,
            role="roles/storage.objectUser",
            member=accounts.accounts["api"].member,
        )


def private_bucket(settings: Settings, *, key_id: str) -> dict:
    """What every bucket of the platform shares: regional, uniform access, never public, CMEK, retained per
    settings, never force-destroyed."""
    return dict(
        location=settings.gcp.region.upper(),
        storage_class="STANDARD",
        uniform_bucket_level_access=True,
        public_access_prevention="enforced",
        force_destroy=False,
        encryption=StorageBucketEncryption(default_kms_key_name=key_id),
        lifecycle=retained(settings),
    )


def dual_region(settings: Settings, key: ServiceKey) -> dict:
    """A configurable dual-region of the primary and standby regions with turbo replication: every new object is in
    both regions within 15 minutes (the turbo replication target; default replication promises 99.9 % within an
    hour), and either region serves the bucket under the same name. A bucket's location is fixed at creation: a
    change replaces the bucket, which `retained` and `force_destroy=False` refuse (docs/disaster-recovery.md says
    how an existing environment migrates). The key is in the multi-region that holds both regions."""
    location, _ = gcp_multi_region(settings.gcp.region)
    return dict(
        location=location,
        custom_placement_config=StorageBucketCustomPlacementConfig(
            data_locations=[settings.gcp.region.upper(), settings.recovery.gcp_standby_region.upper()]
        ),
        rpo="ASYNC_TURBO",
        encryption=StorageBucketEncryption(default_kms_key_name=key.id),
        depends_on=[key.grant],
    )


def log_retention_policy(settings: Settings) -> StorageBucketRetentionPolicy:
    """Logs cannot be deleted or replaced before `log_retention_days`; locked where settings say so."""
    return StorageBucketRetentionPolicy(
        retention_period=str(settings.resilience.log_retention_days * SECONDS_PER_DAY),
        is_locked=settings.resilience.lock_log_retention,
    )


def _transition(age_days: int, to_class: str, from_class: str) -> StorageBucketLifecycleRule:
    return StorageBucketLifecycleRule(
        action=StorageBucketLifecycleRuleAction(type="SetStorageClass", storage_class=to_class),
        condition=StorageBucketLifecycleRuleCondition(age=age_days, matches_storage_class=[from_class]),
    )


def delete_after(age_days: int) -> StorageBucketLifecycleRule:
    return StorageBucketLifecycleRule(
        action=StorageBucketLifecycleRuleAction(type="Delete"),
        condition=StorageBucketLifecycleRuleCondition(age=age_days),
    )
