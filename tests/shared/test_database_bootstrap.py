"""The database bootstrap against a real PostgreSQL server: the exact psql command each cloud's one-off task runs.

Two clusters, one per cloud, each set up the way its service hands the database over: the admin the bootstrap
signs in as is no superuser (RDS's master user owns the database; Cloud SQL's `postgres` is a member of
`cloudsqlsuperuser`, which owns it), RDS provides `rds_iam`, Cloud SQL creates the IAM users itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from shared import load_settings
from shared.contract import DATABASE_NAME
from shared.database_bootstrap import (
    APP_SCHEMA,
    AWS_LOGINS,
    EXTENSIONS,
    GCP_ADMIN_USER,
    GCP_MIGRATE_ACCOUNT,
    OWNER_ROLE,
    READWRITE_ROLE,
    DatabaseLogins,
    gcp_logins,
    identifier,
    psql_command,
)
from tests import postgres_server
from tests.postgres_server import PostgresServer, bin_dir_or_skip

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("postgres")]

AWS_ADMIN = "bookedbarber_admin"  # aws_stacks.data.MASTER_USERNAME (not imported: that module loads jsii)
GCP_ADMIN = GCP_ADMIN_USER


def _gcp_logins() -> DatabaseLogins:
    settings = load_settings("production")
    domain = f"{settings.gcp.project_id}.iam.gserviceaccount.com"
    return gcp_logins(
        api_email=f"{settings.name('api')}@{domain}", migrate_email=f"{settings.name(GCP_MIGRATE_ACCOUNT)}@{domain}"
    )


def _hand_over_like_rds(server: PostgresServer, logins: DatabaseLogins) -> str:
    server.superuser_sql(f"CREATE ROLE rds_iam NOLOGIN; CREATE ROLE {AWS_ADMIN} LOGIN CREATEROLE CREATEDB;")
    server.superuser_sql(f"CREATE DATABASE {DATABASE_NAME} OWNER {AWS_ADMIN};")
    return AWS_ADMIN


def _hand_over_like_cloud_sql(server: PostgresServer, logins: DatabaseLogins) -> str:
    server.superuser_sql(
        "CREATE ROLE cloudsqlsuperuser NOLOGIN CREATEROLE CREATEDB;"
        f"CREATE ROLE {GCP_ADMIN} LOGIN CREATEROLE CREATEDB IN ROLE cloudsqlsuperuser;"
        "CREATE ROLE cloudsqliamserviceaccount NOLOGIN;"
        # What google_sql_user (CLOUD_IAM_SERVICE_ACCOUNT) leaves behind: a login with no privileges.
        + "".join(f"CREATE ROLE {identifier(name)} LOGIN IN ROLE cloudsqliamserviceaccount;"
                  for name in (logins.api, logins.migrate))
    )  # fmt: skip
    server.superuser_sql(f"CREATE DATABASE {DATABASE_NAME} OWNER cloudsqlsuperuser;")
    return GCP_ADMIN


CLOUDS = {"aws": (AWS_LOGINS, _hand_over_like_rds), "gcp": (_gcp_logins(), _hand_over_like_cloud_sql)}

# What the bootstrap leaves in the catalog: roles, memberships, per-role settings, database, schema, table and
# default ACLs, extensions. Two runs must leave identical rows.
CATALOG = """
SELECT 'role ' || rolname || ' login=' || rolcanlogin || ' inherit=' || rolinherit || ' createrole='
       || rolcreaterole FROM pg_roles WHERE rolname !~ '^pg_'
UNION ALL SELECT 'member ' || r.rolname || ' <- ' || m.rolname || ' admin=' || a.admin_option || ' by '
       || g.rolname FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member
       JOIN pg_roles g ON g.oid = a.grantor
UNION ALL SELECT 'setting ' || coalesce(d.datname, '*') || ' ' || coalesce(r.rolname, '*') || ' '
       || array_to_string(s.setconfig, ',') FROM pg_db_role_setting s
       LEFT JOIN pg_database d ON d.oid = s.setdatabase LEFT JOIN pg_roles r ON r.oid = s.setrole
UNION ALL SELECT 'database ' || datname || ' owner=' || pg_get_userbyid(datdba) || ' acl=' || coalesce(datacl::text, '')
       FROM pg_database
UNION ALL SELECT 'schema ' || nspname || ' owner=' || pg_get_userbyid(nspowner) || ' acl=' || coalesce(nspacl::text, '')
       FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'
UNION ALL SELECT 'relation ' || n.nspname || '.' || c.relname || ' owner=' || pg_get_userbyid(c.relowner) || ' acl='
       || coalesce(c.relacl::text, '') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
UNION ALL SELECT 'default ' || pg_get_userbyid(d.defaclrole) || ' ' || coalesce(n.nspname, '*') || ' '
       || d.defaclobjtype::text || ' ' || d.defaclacl::text FROM pg_default_acl d
       LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
UNION ALL SELECT 'extension ' || extname || ' ' || extversion || ' in ' || extnamespace::regnamespace::text
       FROM pg_extension
ORDER BY 1
"""

# The first migration, as the migration login runs it: unqualified names land in schema app (search_path).
FIRST_MIGRATION = "CREATE TABLE bookings (id bigserial PRIMARY KEY, email citext NOT NULL, note text)"


@dataclass
class Bootstrapped:
    cloud: str
    server: PostgresServer
    logins: DatabaseLogins
    admin: str
    catalog_before_second_run: str
    catalog_after_second_run: str
    second_run_output: str

    def as_login(self, login: str, statement: str):
        return self.server.sql(statement, user=login, database=DATABASE_NAME)

    def ok(self, login: str, statement: str) -> str:
        result = self.as_login(login, statement)
        assert result.returncode == 0, f"{login}: {statement}: {result.stderr}"
        return result.stdout.strip()

    def catalog(self) -> str:
        return self.server.superuser_sql(CATALOG, database=DATABASE_NAME)


@pytest.fixture(scope="module", params=sorted(CLOUDS))
def bootstrapped(request) -> Bootstrapped:
    """A server handed over like the cloud's, bootstrapped, migrated once, then bootstrapped again."""
    cloud = request.param
    logins, hand_over = CLOUDS[cloud]
    server = PostgresServer(bin_dir_or_skip())
    server.start()
    try:
        admin = hand_over(server, logins)
        first = server.run(psql_command(logins), user=admin)
        assert first.returncode == 0, f"first bootstrap run failed:\n{first.stderr}"
        migrated = server.sql(FIRST_MIGRATION, user=logins.migrate, database=DATABASE_NAME)
        assert migrated.returncode == 0, migrated.stderr
        probe = Bootstrapped(cloud, server, logins, admin, "", "", "")
        probe.catalog_before_second_run = probe.catalog()
        second = server.run(psql_command(logins), user=admin)
        assert second.returncode == 0, f"second bootstrap run failed:\n{second.stderr}"
        probe.second_run_output = second.stdout + second.stderr
        probe.catalog_after_second_run = probe.catalog()
        yield probe
    finally:
        server.stop()


def test_a_second_run_changes_nothing(bootstrapped):
    before, after = bootstrapped.catalog_before_second_run, bootstrapped.catalog_after_second_run
    assert f"relation {APP_SCHEMA}.bookings owner={OWNER_ROLE}" in before  # the dump sees what matters
    assert after == before


def test_migration_sessions_act_as_the_owner_role(bootstrapped):
    migrate = bootstrapped.logins.migrate
    assert bootstrapped.ok(migrate, "SELECT session_user || ' ' || current_user") == f"{migrate} {OWNER_ROLE}"
    owner = bootstrapped.ok(
        migrate, "SELECT schemaname || ' ' || tableowner FROM pg_tables WHERE tablename = 'bookings'"
    )
    assert owner == f"{APP_SCHEMA} {OWNER_ROLE}"


def test_migrations_create_alter_and_drop_tables(bootstrapped):
    migrate = bootstrapped.logins.migrate
    bootstrapped.ok(migrate, "CREATE TABLE scratch (id int); CREATE INDEX scratch_id ON scratch (id)")
    bootstrapped.ok(migrate, "ALTER TABLE scratch ADD COLUMN note text; ALTER TABLE bookings ADD COLUMN seats int")
    bootstrapped.ok(migrate, "DROP TABLE scratch")


def test_the_app_reads_and_writes_what_migrations_created(bootstrapped):
    api = bootstrapped.logins.api
    migrate = bootstrapped.logins.migrate
    booking = bootstrapped.ok(api, "INSERT INTO bookings (email) VALUES ('Ada@Example.com') RETURNING id")
    bootstrapped.ok(api, f"UPDATE bookings SET note = 'window seat' WHERE id = {booking}")
    # citext from the bootstrap's extensions: the app finds it through the search path.
    assert bootstrapped.ok(api, "SELECT note FROM bookings WHERE email = 'ada@example.com'") == "window seat"
    bootstrapped.ok(api, f"DELETE FROM bookings WHERE id = {booking}")
    # A table from a later migration gets the same grants (default privileges of the owner role).
    bootstrapped.ok(migrate, "CREATE TABLE later (id serial PRIMARY KEY, name text)")
    assert bootstrapped.ok(api, "INSERT INTO later (name) VALUES ('x') RETURNING id") == "1"
    assert bootstrapped.ok(api, "SELECT count(*) FROM app.later") == "1"


def test_the_app_can_use_every_extension(bootstrapped):
    installed = bootstrapped.ok(
        bootstrapped.admin, "SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension"
    )
    assert set(EXTENSIONS) <= set(installed.split(","))
    checks = "SELECT similarity('barber', 'barbers') > 0, length(gen_random_bytes(16)), 'A'::citext = 'a'"
    assert bootstrapped.ok(bootstrapped.logins.api, checks) == "t|16|t"


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE intruder (id int)",
        f"CREATE TABLE {APP_SCHEMA}.intruder (id int)",
        "CREATE TABLE public.intruder (id int)",
        "CREATE TEMPORARY TABLE intruder (id int)",
        "CREATE SCHEMA intruder",
        "DROP TABLE bookings",
        "ALTER TABLE bookings ADD COLUMN intruder int",
        "TRUNCATE bookings",
        "CREATE INDEX intruder ON bookings (note)",
    ],
)
def test_the_app_cannot_change_the_schema(bootstrapped, statement):
    result = bootstrapped.as_login(bootstrapped.logins.api, statement)
    assert result.returncode != 0
    assert "permission denied" in result.stderr or "must be owner" in result.stderr, result.stderr


def test_the_app_login_is_a_member_of_the_readwrite_role_only(bootstrapped):
    api = bootstrapped.logins.api
    expected = {READWRITE_ROLE, *bootstrapped.logins.sign_in_roles}
    if bootstrapped.cloud == "gcp":
        expected.add("cloudsqliamserviceaccount")  # Cloud SQL's own
    memberships = bootstrapped.ok(
        bootstrapped.admin,
        f"SELECT r.rolname FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid "
        f"WHERE a.member = (SELECT oid FROM pg_roles WHERE rolname = '{api}')",
    )
    assert set(memberships.split("\n")) == expected


def test_only_the_platform_roles_may_connect(bootstrapped):
    bootstrapped.server.superuser_sql("DROP ROLE IF EXISTS stranger; CREATE ROLE stranger LOGIN")
    result = bootstrapped.as_login("stranger", "SELECT 1")
    assert result.returncode != 0
    assert "permission denied for database" in result.stderr


def test_the_catalog_dump_sees_a_changed_grant(bootstrapped):
    """The comparison above fails when a run changes a grant: the dump is not blind to ACLs."""
    server, database = bootstrapped.server, f"DATABASE {DATABASE_NAME}"
    before = bootstrapped.catalog()
    server.superuser_sql(f"GRANT TEMPORARY ON {database} TO {READWRITE_ROLE}", database=DATABASE_NAME)
    try:
        assert bootstrapped.catalog() != before
    finally:
        server.superuser_sql(f"REVOKE TEMPORARY ON {database} FROM {READWRITE_ROLE}", database=DATABASE_NAME)
    assert bootstrapped.catalog() == before


def test_a_missing_server_fails_under_ci_and_is_skipped_elsewhere(monkeypatch):
    monkeypatch.setattr(postgres_server, "find_bin_dir", lambda: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        bin_dir_or_skip()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="apt-get install postgresql"):
        bin_dir_or_skip()
