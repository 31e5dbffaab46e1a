"""Data: Cloud SQL, Memorystore, buckets, keys and secrets, with values from each environment's settings."""

from __future__ import annotations

import json

import pytest

from shared import load_settings, replace_fields
from shared.valkey import valkey_node_type
from tests.gcp.tf import ALL, by_name, one, reference, resources, stack

KEY_PURPOSES = ("database", "cache", "storage", "registry", "secrets", "pubsub")


def key_ref(data: dict, purpose: str, location: str | None = None) -> str:
    """The `purpose` key of the ring in `location`; None: the primary region's ring (`Keys`)."""
    rings = {f"${{google_kms_key_ring.{lid}.id}}": (lid, ring["location"]) for lid, ring in
             data["resource"]["google_kms_key_ring"].items()}  # fmt: skip
    for logical_id, key in data["resource"]["google_kms_crypto_key"].items():
        ring_id, ring_location = rings[key["key_ring"]]
        primary = ring_id.startswith("Keys_")
        if key["name"] == purpose and (ring_location == location if location else primary):
            return f"${{google_kms_crypto_key.{logical_id}.id}}"
    raise AssertionError(f"no {purpose} key in {location or 'the primary region'}")


def storage_location(settings) -> str | None:
    """Where the uploads and static assets' key and the registry's key live: the multi-region, or the primary."""
    from shared.places import gcp_multi_region

    return gcp_multi_region(settings.gcp.region)[1] if settings.recovery.gcp_cross_region_storage else None


@pytest.mark.parametrize("environment", ALL)
def test_cloud_sql_primary(gcp_stacks, environment):
    settings = load_settings(environment)
    data = stack(gcp_stacks, environment, "data")
    primary = one(data, "google_sql_database_instance", name=settings.name("postgres"))
    config = primary["settings"]
    assert primary["database_version"] == f"POSTGRES_{settings.database.postgres_major_version}"
    assert config["availability_type"] == ("REGIONAL" if settings.database.multi_az else "ZONAL")
    assert config["tier"] == settings.database.gcp_tier
    assert config["disk_type"] == "PD_SSD"
    assert config["disk_size"] == settings.database.allocated_storage_gib
    assert config["disk_autoresize"] is True
    assert config["disk_autoresize_limit"] == settings.database.max_allocated_storage_gib
    ip = config["ip_configuration"]
    assert ip["ipv4_enabled"] is False
    assert ip["private_network"] == f"projects/{settings.gcp.project_id}/global/networks/{settings.name('vpc')}"
    assert ip["ssl_mode"] in {"ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"}
    assert "authorized_networks" not in ip
    backups = config["backup_configuration"]
    assert backups["enabled"] is True and backups["point_in_time_recovery_enabled"] is True
    assert backups["backup_retention_settings"] == {
        "retained_backups": settings.resilience.backup_retention_days,
        "retention_unit": "COUNT",
    }
    assert settings.resilience.backup_retention_days == 30
    # The point-in-time window is the settings' value, within what backups and Cloud SQL Enterprise allow.
    assert backups["transaction_log_retention_days"] == settings.resilience.point_in_time_recovery_days
    assert 1 <= backups["transaction_log_retention_days"] <= min(7, settings.resilience.backup_retention_days)
    assert "maintenance_window" in config
    assert config["insights_config"]["query_insights_enabled"] is True
    assert primary["deletion_protection"] is settings.resilience.deletion_protection
    assert config["deletion_protection_enabled"] is settings.resilience.deletion_protection
    assert primary["encryption_key_name"] == key_ref(data, "database")
    assert primary["lifecycle"]["prevent_destroy"] is settings.resilience.retain_stateful_resources


def test_production_database_is_highly_available_and_protected(gcp_stacks):
    primary = one(
        stack(gcp_stacks, "production", "data"), "google_sql_database_instance", name="bookedbarber-production-postgres"
    )
    assert primary["settings"]["availability_type"] == "REGIONAL"
    assert primary["deletion_protection"] is True
    assert primary["settings"]["deletion_protection_enabled"] is True
    assert primary["lifecycle"]["prevent_destroy"] is True
    assert (
        one(stack(gcp_stacks, "staging", "data"), "google_sql_database_instance", name="bookedbarber-staging-postgres")[
            "settings"
        ]["availability_type"]
        == "REGIONAL"
    )


@pytest.mark.parametrize("environment", ALL)
def test_database_flags_scanners_expect(gcp_stacks, environment):
    from gcp_stacks.data import DATABASE_FLAGS

    data = stack(gcp_stacks, environment, "data")
    for instance in resources(data, "google_sql_database_instance"):
        flags = {flag["name"]: flag["value"] for flag in instance["settings"]["database_flags"]}
        assert flags == DATABASE_FLAGS
        for flag in ("log_connections", "log_disconnections", "log_checkpoints", "log_lock_waits"):
            assert flags[flag] == "on"
        assert flags["cloudsql.enable_pgaudit"] == "on" and flags["pgaudit.log"]
        assert flags["cloudsql.iam_authentication"] == "on"
        assert flags["log_statement"] == "ddl"
        assert {"log_min_duration_statement", "log_min_messages", "log_min_error_statement"} <= set(flags)


@pytest.mark.parametrize("environment", ALL)
def test_read_replicas_follow_settings(gcp_stacks, environment):
    settings = load_settings(environment)
    data = stack(gcp_stacks, environment, "data")
    replicas = [
        r
        for r in resources(data, "google_sql_database_instance")
        if "master_instance_name" in r and r["region"] == settings.gcp.region
    ]
    assert len(replicas) == settings.database.read_replicas
    for replica in replicas:
        assert replica["master_instance_name"] == reference(
            data, "google_sql_database_instance", "name", name=settings.name("postgres")
        )
        assert replica["settings"]["ip_configuration"]["ipv4_enabled"] is False
        assert replica["encryption_key_name"] == key_ref(data, "database")
    if environment == "production":
        assert len(replicas) >= 1  # the requirement itself


@pytest.mark.parametrize("environment", ALL)
def test_api_signs_in_to_the_database_with_iam(gcp_stacks, environment):
    settings = load_settings(environment)
    data = stack(gcp_stacks, environment, "data")
    user = one(data, "google_sql_user", name=f"{settings.name('api')}@{settings.gcp.project_id}.iam")
    assert user["type"] == "CLOUD_IAM_SERVICE_ACCOUNT"
    # Every database user of the stack (the API's, the migrations') signs in with IAM: no password in the state.
    for each in resources(data, "google_sql_user"):
        assert each["type"] == "CLOUD_IAM_SERVICE_ACCOUNT" and "password" not in each and "password_wo" not in each


@pytest.mark.parametrize("environment", ALL)
def test_redis(gcp_stacks, environment):
    settings = load_settings(environment)
    data = stack(gcp_stacks, environment, "data")
    cache = one(data, "google_memorystore_instance", instance_id=settings.name("redis"))
    assert cache["location"] == settings.gcp.region
    assert cache["mode"] == "CLUSTER_DISABLED" and cache["shard_count"] == 1
    # An in-zone-pair replica is Memorystore's automatic failover, as ElastiCache's Multi-AZ replica is on AWS.
    assert cache["replica_count"] == (1 if settings.cache.high_availability else 0)
    assert cache["node_type"] == valkey_node_type(settings.cache.gcp_memory_size_gib)
    # IAM sign-in, so no AUTH string exists anywhere (Terraform state included); TLS with the server's CA.
    assert cache["authorization_mode"] == "IAM_AUTH"
    assert cache["transit_encryption_mode"] == "SERVER_AUTHENTICATION"
    network = f"projects/{settings.gcp.project_id}/global/networks/{settings.name('vpc')}"
    assert cache["desired_auto_created_endpoints"] == [{"network": network, "project_id": settings.gcp.project_id}]
    assert cache["kms_key"] == key_ref(data, "cache")
    assert cache["engine_version"] == "VALKEY_8_0"
    assert cache["maintenance_policy"]["weekly_maintenance_window"]
    # Every tier persists, at the settings' interval (ElastiCache snapshots daily on every node count).
    hours = settings.cache.gcp_snapshot_period_hours
    assert cache["persistence_config"] == {
        "mode": "RDB",
        "rdb_config": {
            "rdb_snapshot_period": {1: "ONE_HOUR", 6: "SIX_HOURS", 12: "TWELVE_HOURS", 24: "TWENTY_FOUR_HOURS"}[hours]
        },
    }
    assert cache["lifecycle"]["prevent_destroy"] is settings.resilience.retain_stateful_resources
    assert cache["deletion_protection_enabled"] is settings.resilience.deletion_protection
    if environment in ("staging", "production"):
        assert cache["replica_count"] == 1 and cache["node_type"] != "SHARED_CORE_NANO"  # nano has no SLA


@pytest.mark.parametrize("environment", ALL)
def test_buckets(gcp_stacks, environment):
    settings = load_settings(environment)
    data = stack(gcp_stacks, environment, "data")
    buckets = by_name(data, "google_storage_bucket")
    assert set(buckets) == {settings.name(p) for p in ("static-assets", "uploads", "access-logs")}
    for bucket in buckets.values():
        assert bucket["uniform_bucket_level_access"] is True
        assert bucket["public_access_prevention"] == "enforced"
        assert bucket["force_destroy"] is False
        # Access logs stay in the region; what the standby must serve is in the dual-region, with its key.
        served = bucket["name"] != settings.name("access-logs")
        location = storage_location(settings) if served else None
        assert bucket["encryption"] == {"default_kms_key_name": key_ref(data, "storage", location)}
        assert bucket["lifecycle"]["prevent_destroy"] is settings.resilience.retain_stateful_resources
    logs = reference(data, "google_storage_bucket", "name", name=settings.name("access-logs"))
    for purpose in ("static-assets", "uploads"):
        bucket = buckets[settings.name(purpose)]
        assert bucket["versioning"] == {"enabled": settings.storage.versioning}
        assert bucket["logging"]["log_bucket"] == logs
    rules = buckets[settings.name("uploads")]["lifecycle_rule"]
    transitions = {r["action"]["storage_class"]: r["condition"]["age"] for r in rules if "storage_class" in r["action"]}
    assert transitions == {
        "NEARLINE": settings.storage.infrequent_access_after_days,
        "ARCHIVE": settings.storage.archive_after_days,
    }
    # Static assets tier down on AWS's schedule, but never to Archive: the CDN fills from every class it uses.
    rules = buckets[settings.name("static-assets")]["lifecycle_rule"]
    transitions = {
        r["action"]["storage_class"]: (r["condition"]["age"], r["condition"]["matches_storage_class"])
        for r in rules
        if "storage_class" in r["action"]
    }
    assert transitions == {
        "NEARLINE": (settings.storage.infrequent_access_after_days, ["STANDARD"]),
        "COLDLINE": (settings.storage.archive_after_days, ["NEARLINE"]),
    }
    # A deleted access log leaves a trace: nothing can delete it before it has aged out, then it goes.
    access_logs = buckets[settings.name("access-logs")]
    assert access_logs["retention_policy"] == {
        "retention_period": str(settings.resilience.log_retention_days * 86400),
        "is_locked": settings.resilience.lock_log_retention,
    }
    (expiry,) = access_logs["lifecycle_rule"]
    assert expiry == {"action": {"type": "Delete"}, "condition": {"age": settings.resilience.log_retention_days}}
    for purpose in ("static-assets", "uploads"):
        noncurrent = [
            r
            for r in buckets[settings.name(purpose)]["lifecycle_rule"]
            if "days_since_noncurrent_time" in r["condition"]
        ]
        assert (
            noncurrent[0]["condition"]["days_since_noncurrent_time"] == settings.storage.noncurrent_version_expiry_days
        )
        assert noncurrent[0]["action"]["type"] == "Delete"


@pytest.mark.parametrize("environment", ALL)
def test_no_bucket_is_public(gcp_stacks, environment):
    for component in ("data", "compliance", "app"):
        terraform = stack(gcp_stacks, environment, component)
        for grant in resources(terraform, "google_storage_bucket_iam_member"):
            assert grant["member"] not in {"allUsers", "allAuthenticatedUsers"}


@pytest.mark.parametrize("environment", ALL)
def test_keys_rotate_and_each_service_agent_may_use_only_its_key(gcp_stacks, environment):
    settings = load_settings(environment)
    data = stack(gcp_stacks, environment, "data")
    primary_keys = {key_ref(data, p) for p in KEY_PURPOSES}
    assert len(primary_keys) == len(KEY_PURPOSES)
    for key in resources(data, "google_kms_crypto_key"):  # the standby's and multi-region's too
        assert key["rotation_period"] == f"{settings.resilience.key_rotation_days * 86400}s"
        assert key["lifecycle"]["prevent_destroy"] is settings.resilience.retain_stateful_resources
    grants = [g for g in resources(data, "google_kms_crypto_key_iam_member") if g["crypto_key_id"] in primary_keys]
    assert {g["crypto_key_id"] for g in grants} == primary_keys
    assert all(g["role"] == "roles/cloudkms.cryptoKeyEncrypterDecrypter" for g in grants)
    agents = {g["crypto_key_id"]: g["member"] for g in grants}
    assert "gcp-sa-cloud-sql" in agents[key_ref(data, "database")]
    assert "gcp-sa-memorystore" in agents[key_ref(data, "cache")]
    assert "gcp-sa-secretmanager" in agents[key_ref(data, "secrets")]
    assert "gcp-sa-artifactregistry" in agents[key_ref(data, "registry")]
    assert "gcp-sa-pubsub" in agents[key_ref(data, "pubsub")]
    assert "google_storage_project_service_account" in agents[key_ref(data, "storage")]


# Google creates these agents only on demand; each grant to one must wait for its google_project_service_identity.
ON_DEMAND_AGENTS = {
    "gcp-sa-cloud-sql": "sqladmin.googleapis.com",
    "gcp-sa-secretmanager": "secretmanager.googleapis.com",
    "gcp-sa-artifactregistry": "artifactregistry.googleapis.com",
    "gcp-sa-pubsub": "pubsub.googleapis.com",
    "gcp-sa-cloudasset": "cloudasset.googleapis.com",
    "gcp-sa-memorystore": "memorystore.googleapis.com",
}
# Agents whose only grant is in a later stack (which cannot depend on a resource of this one): the data stack,
# applied first, creates them (the Cloud Asset agent publishes the compliance stack's asset feeds).
GRANTED_LATER = {"gcp-sa-cloudasset"}


@pytest.mark.parametrize("environment", ALL)
def test_every_on_demand_service_agent_is_created_before_its_grants(gcp_stacks, environment):
    recovery = load_settings(environment).recovery
    data = stack(gcp_stacks, environment, "data")
    identities = data["resource"]["google_project_service_identity"]
    by_api = {body["service"]: f"google_project_service_identity.{logical}" for logical, body in identities.items()}
    assert set(by_api) == set(ON_DEMAND_AGENTS.values())
    assert all(body["provider"] == "google-beta" for body in identities.values())
    assert "google-beta" in data["provider"]
    assert data["terraform"]["required_providers"]["google-beta"] == data["terraform"]["required_providers"][
        "google"
    ] | {"source": "hashicorp/google-beta"}
    grants = resources(data, "google_kms_crypto_key_iam_member") + resources(data, "google_pubsub_topic_iam_member")
    checked = 0
    for grant in grants:
        for domain, api in ON_DEMAND_AGENTS.items():
            if f"@{domain}.iam.gserviceaccount.com" in grant["member"]:
                assert by_api[api] in grant.get("depends_on", []), grant
                checked += 1
    # Every on-demand agent granted here holds a key, and Secret Manager's also publishes rotation notices; with a
    # standby, Cloud SQL's, Memorystore's and Secret Manager's hold the standby region's key too, and Artifact
    # Registry's the multi-region's.
    standby_keys = 3 * recovery.has_standby + recovery.gcp_cross_region_storage
    assert checked == len(ON_DEMAND_AGENTS) - len(GRANTED_LATER) + 1 + standby_keys
    compliance = stack(gcp_stacks, environment, "compliance")
    later = [g["member"] for g in resources(compliance, "google_pubsub_topic_iam_member")]
    for domain in GRANTED_LATER:
        assert any(f"@{domain}.iam.gserviceaccount.com" in member for member in later), domain


@pytest.mark.parametrize("environment", ALL)
def test_an_autoresized_disk_is_never_shrunk_back(gcp_stacks, environment):
    data = stack(gcp_stacks, environment, "data")
    for instance in resources(data, "google_sql_database_instance"):
        assert instance["settings"]["disk_autoresize"] is True
        assert "settings[0].disk_size" in instance["lifecycle"]["ignore_changes"]


def test_production_keeps_keys_and_dev_may_drop_them(gcp_stacks):
    for environment, retained in (("production", True), ("dev", False)):
        for key in resources(stack(gcp_stacks, environment, "data"), "google_kms_crypto_key"):
            assert key["lifecycle"]["prevent_destroy"] is retained


@pytest.mark.parametrize("environment", ALL)
def test_secrets_are_encrypted_rotated_and_readable_only_by_their_workloads(gcp_stacks, environment):
    from gcp_stacks.secrets import SECRETS

    settings = load_settings(environment)
    data = stack(gcp_stacks, environment, "data")
    secrets = {s["secret_id"]: s for s in resources(data, "google_secret_manager_secret")}
    assert set(secrets) == {settings.name(name) for name in SECRETS}
    topic = reference(data, "google_pubsub_topic", "id")
    for secret in secrets.values():
        # Each replica encrypted with its own region's key; the standby region's only with cross-region storage.
        replicas = {r["location"]: r["customer_managed_encryption"]["kms_key_name"] for r in
                    secret["replication"]["user_managed"]["replicas"]}  # fmt: skip
        expected = {settings.gcp.region: key_ref(data, "secrets")}
        if settings.recovery.gcp_cross_region_storage:
            standby = settings.recovery.gcp_standby_region
            expected[standby] = key_ref(data, "secrets", standby)
        assert replicas == expected
        assert secret["rotation"]["rotation_period"] == f"{settings.resilience.secret_rotation_days * 86400}s"
        assert "timestamp()" in secret["rotation"]["next_rotation_time"]
        assert secret["lifecycle"]["ignore_changes"] == ["rotation[0].next_rotation_time"]
        assert secret["topics"] == [{"name": topic}]
        assert secret["deletion_protection"] is settings.resilience.deletion_protection
    publisher = one(data, "google_pubsub_topic_iam_member")
    assert publisher["role"] == "roles/pubsub.publisher" and "gcp-sa-secretmanager" in publisher["member"]
    # Access is granted per secret, never project-wide.
    accessors = resources(data, "google_secret_manager_secret_iam_member")
    expected = {(settings.name(name), workload) for name, readers in SECRETS.items() for workload in readers}
    # The `postgres` password: the database bootstrap job's account alone (gcp_stacks/database_bootstrap.py).
    expected.add((settings.name("database-password"), "database-bootstrap"))
    accounts = {
        "api": "ServiceAccounts_Api",
        "web": "ServiceAccounts_Web",
        "database-bootstrap": "DatabaseBootstrap_Job",
    }
    granted = set()
    for grant in accessors:
        assert grant["role"] == "roles/secretmanager.secretAccessor"
        secret_name = next(
            s["secret_id"]
            for logical_id, s in data["resource"]["google_secret_manager_secret"].items()
            if grant["secret_id"] == f"${{google_secret_manager_secret.{logical_id}.id}}"
        )
        workload = next(w for w, account in accounts.items() if account in grant["member"])
        granted.add((secret_name, workload))
    assert granted == expected
    assert not resources(data, "google_secret_manager_secret_version")


@pytest.mark.parametrize("environment", ALL)
def test_registry_is_encrypted_and_cleans_up(gcp_stacks, environment):
    data = stack(gcp_stacks, environment, "data")
    settings = load_settings(environment)
    repository = one(data, "google_artifact_registry_repository")
    assert repository["format"] == "DOCKER"
    assert repository["kms_key_name"] == key_ref(data, "registry", storage_location(settings))
    assert repository["location"] == (storage_location(settings) or settings.gcp.region)
    assert repository["lifecycle"]["prevent_destroy"] is settings.resilience.retain_stateful_resources
    assert {p["action"] for p in repository["cleanup_policies"]} == {"KEEP", "DELETE"}
    assert repository["cleanup_policy_dry_run"] is False
    # The same numbers as ECR's lifecycle rules, from settings.
    compute = load_settings(environment).compute
    policies = {p["id"]: p for p in repository["cleanup_policies"]}
    assert policies["keep-recent"]["most_recent_versions"] == {"keep_count": compute.kept_images}
    assert policies["delete-old"]["condition"] == {
        "tag_state": "ANY",
        "older_than": f"{compute.untagged_image_expiry_days * 86400}s",
    }


def test_availability_follows_the_settings_not_the_environment_name(gcp_stacks):
    """dev with production's switches gets production's shape: the stacks ask settings, never the name."""
    from cdktn import Testing as CdktnTesting

    from gcp_stacks.platform import DataStack

    settings = replace_fields(
        load_settings("dev"),
        {"database.multi_az": True, "database.read_replicas": 2, "cache.high_availability": True, "cache.aws_nodes": 2},
    )
    data = json.loads(CdktnTesting.synth(DataStack(CdktnTesting.app(), "Flipped", settings=settings)))
    primary = one(data, "google_sql_database_instance", name="bookedbarber-dev-postgres")
    assert primary["settings"]["availability_type"] == "REGIONAL"
    assert len(resources(data, "google_sql_database_instance")) == 3
    assert one(data, "google_memorystore_instance")["replica_count"] == 1
    assert one(stack(gcp_stacks, "dev", "data"), "google_memorystore_instance")["replica_count"] == 0


@pytest.mark.parametrize("environment", ALL)
def test_rotation_topic_uses_its_own_customer_managed_key(gcp_stacks, environment):
    data = stack(gcp_stacks, environment, "data")
    topic = one(data, "google_pubsub_topic")
    assert topic["kms_key_name"] == key_ref(data, "pubsub")
    grant = reference(data, "google_kms_crypto_key_iam_member", "id", crypto_key_id=key_ref(data, "pubsub"))
    assert grant.removesuffix(".id}") + "}" in {f"${{{d}}}" for d in topic["depends_on"]}


def test_google_beta_carries_the_google_providers_version():
    """gcp_stacks/google_beta.py writes google-beta without its bindings: its metadata must move with the google
    provider's (one release train), or the two providers would be pinned apart after an upgrade."""
    from cdktn import TerraformStack, Testing
    from cdktn_provider_google.provider import GoogleProvider

    from gcp_stacks.google_beta import METADATA

    google = GoogleProvider(TerraformStack(Testing.app(), "VersionProbe"), "Google", project="version-probe")
    assert google.terraform_generator_metadata.provider_version == METADATA.provider_version
    assert google.terraform_generator_metadata.provider_version_constraint == METADATA.provider_version_constraint
