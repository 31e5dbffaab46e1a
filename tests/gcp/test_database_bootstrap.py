"""The one-off database bootstrap job: the shared SQL, the `postgres` password secret, PostgreSQL-only egress."""

from __future__ import annotations

import pytest

from shared import load_settings
from shared.contract import DATABASE_PORT
from shared.database_bootstrap import GCP_CLIENT_IMAGE, OWNER_ROLE, READWRITE_ROLE, psql_command
from tests.gcp.tf import ALL, by_name, one, reference, resources, stack


def _job(gcp_stacks, environment) -> dict:
    from gcp_stacks.names import job_name

    return one(
        stack(gcp_stacks, environment, "app"), "google_cloud_run_v2_job", name=job_name(load_settings(environment))
    )


@pytest.mark.parametrize("environment", ALL)
def test_the_job_runs_the_shared_sql_as_the_built_in_admin(gcp_stacks, environment):
    from gcp_stacks.database_bootstrap import logins

    settings = load_settings(environment)
    template = _job(gcp_stacks, environment)["template"]
    assert template["task_count"] == 1
    (container,) = template["template"]["containers"]
    # The same argv tests/shared/test_database_bootstrap.py runs against a real server.
    assert [*container["command"], *container["args"]] == psql_command(logins(settings))
    assert container["image"] == GCP_CLIENT_IMAGE and container["image"].startswith("docker.io/library/postgres:")
    env = {item["name"]: item for item in container["env"]}
    assert env["PGUSER"]["value"] == "postgres"
    assert env["PGPORT"]["value"] == str(DATABASE_PORT)
    assert env["PGHOST"]["value"].endswith(".private_ip_address}")
    assert env["PGPASSWORD"] == {
        "name": "PGPASSWORD",
        "value_source": {"secret_key_ref": {"secret": settings.name("database-password"), "version": "latest"}},
    }


@pytest.mark.parametrize("environment", ALL)
def test_the_sql_names_the_api_and_migration_iam_users(gcp_stacks, environment):
    from gcp_stacks.database_bootstrap import GCP_MIGRATE_ACCOUNT, identity
    from gcp_stacks.security import Identity

    settings = load_settings(environment)
    sql = _job(gcp_stacks, environment)["template"]["template"]["containers"][0]["args"][-1]
    api, migrate = Identity.of(settings, "api").database_user, identity(settings, GCP_MIGRATE_ACCOUNT).database_user
    assert f'GRANT "{READWRITE_ROLE}" TO "{api}";' in sql
    assert f'GRANT "{OWNER_ROLE}" TO "{migrate}";' in sql
    assert "CREATE ROLE" not in sql.replace(f'CREATE ROLE "{OWNER_ROLE}"', "").replace(
        f'CREATE ROLE "{READWRITE_ROLE}"', ""
    )  # Cloud SQL creates the IAM users; the SQL creates only the group roles
    data = stack(gcp_stacks, environment, "data")
    users = {user["name"]: user for user in resources(data, "google_sql_user")}
    assert users[api]["type"] == users[migrate]["type"] == "CLOUD_IAM_SERVICE_ACCOUNT"


@pytest.mark.parametrize("environment", ALL)
def test_only_the_job_account_reads_the_postgres_password(gcp_stacks, environment):
    from gcp_stacks.database_bootstrap import GCP_BOOTSTRAP_ACCOUNT, identity

    settings = load_settings(environment)
    data = stack(gcp_stacks, environment, "data")
    secret = reference(data, "google_secret_manager_secret", "id", secret_id=settings.name("database-password"))
    readers = [
        member for member in resources(data, "google_secret_manager_secret_iam_member") if member["secret_id"] == secret
    ]
    account = reference(
        data, "google_service_account", "member", account_id=identity(settings, GCP_BOOTSTRAP_ACCOUNT).account_id
    )
    assert [(reader["role"], reader["member"]) for reader in readers] == [
        ("roles/secretmanager.secretAccessor", account)
    ]
    job = _job(gcp_stacks, environment)["template"]["template"]
    assert job["service_account"] == identity(settings, GCP_BOOTSTRAP_ACCOUNT).email
    # The job's account holds no project role: Cloud Run writes its logs and pulls its image itself.
    members = {member["member"] for member in resources(data, "google_project_iam_member")}
    assert account not in members


@pytest.mark.parametrize("environment", ALL)
def test_the_job_reaches_postgresql_and_nothing_else_private(gcp_stacks, environment):
    settings = load_settings(environment)
    (interface,) = _job(gcp_stacks, environment)["template"]["template"]["vpc_access"]["network_interfaces"]
    assert interface["tags"] == [settings.name("database-bootstrap-client")]
    rules = by_name(stack(gcp_stacks, environment, "network"), "google_compute_firewall")
    tagged = [
        rule for rule in rules.values() if settings.name("database-bootstrap-client") in rule.get("target_tags", [])
    ]
    assert [(rule["direction"], rule["destination_ranges"], rule["allow"]) for rule in tagged] == [
        ("EGRESS", [settings.network.gcp_private_services_cidr], [{"protocol": "tcp", "ports": ["5432"]}])
    ]
