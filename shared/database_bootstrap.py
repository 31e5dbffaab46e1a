"""The database's roles, grants and extensions as code: the SQL both clouds' one-off bootstrap runs (no jsii).

A migration login acts as the owner role, so every table it creates belongs to `bookedbarber_owner` and the
default privileges below hand it to the app's group role; the app's login can read and write rows, never change
the schema. The SQL is idempotent: every statement either creates what is missing or re-states a grant, so a
second run leaves the catalog as it was (tests/shared/test_database_bootstrap.py runs it twice on a real server).
Each cloud only supplies the login names and how they authenticate (`DatabaseLogins`).
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.contract import API, DATABASE_NAME, aws_database_login

OWNER_ROLE = "bookedbarber_owner"  # NOLOGIN: owns the schema and every table in it
READWRITE_ROLE = "bookedbarber_readwrite"  # NOLOGIN: rows of the app's tables, nothing else
APP_SCHEMA = "app"
# The app and migrations name tables without a schema; extensions' types and functions live in public.
SEARCH_PATH = (APP_SCHEMA, "public")
# Trusted extensions (PostgreSQL 13+) that RDS for PostgreSQL 17 and Cloud SQL for PostgreSQL 17 both offer:
# pgcrypto (hashing, random bytes), citext (case-insensitive e-mail), pg_trgm (fuzzy search of names).
EXTENSIONS = ("citext", "pg_trgm", "pgcrypto")
TABLE_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
SEQUENCE_PRIVILEGES = "USAGE, SELECT, UPDATE"

# The official PostgreSQL image, only for its psql: Docker Hub's `library/postgres`, mirrored by ECR Public
# (AWS pulls from there, outside Docker Hub's anonymous rate limit); Cloud Run pulls Docker Hub directly.
POSTGRES_CLIENT_TAG = "17.11-bookworm"
AWS_CLIENT_IMAGE = f"public.ecr.aws/docker/library/postgres:{POSTGRES_CLIENT_TAG}"
GCP_CLIENT_IMAGE = f"docker.io/library/postgres:{POSTGRES_CLIENT_TAG}"


@dataclass(frozen=True)
class DatabaseLogins:
    """The two logins and what their sign-in method needs from the bootstrap."""

    api: str  # the running app: member of READWRITE_ROLE only
    migrate: str  # schema migrations: member of OWNER_ROLE, its sessions act as it
    create: bool  # the bootstrap creates the logins (AWS); on GCP Cloud SQL creates its IAM users
    # Granted to both logins, e.g. RDS's `rds_iam` (IAM authentication instead of a password).
    sign_in_roles: tuple[str, ...] = ()


# GCP service account id suffixes (ids are 6-30 characters; `bookedbarber-production-` leaves 6): the migration
# login's account and the bootstrap job's own.
GCP_MIGRATE_ACCOUNT = "schema"
GCP_BOOTSTRAP_ACCOUNT = "dbinit"
# Cloud SQL's built-in admin; its password lives in the `database-password` secret (docs/gcp.md sets both).
GCP_ADMIN_USER = "postgres"

# RDS: IAM-authenticated logins (the RDS Proxy signs in end to end with IAM tokens), created by the bootstrap.
AWS_LOGINS = DatabaseLogins(
    api=aws_database_login(API), migrate=f"{DATABASE_NAME}_migrate", create=True, sign_in_roles=("rds_iam",)
)


def gcp_logins(*, api_email: str, migrate_email: str) -> DatabaseLogins:
    """Cloud SQL IAM service-account users: the PostgreSQL name is the e-mail without `.gserviceaccount.com`."""
    return DatabaseLogins(api=gcp_database_user(api_email), migrate=gcp_database_user(migrate_email), create=False)


def gcp_database_user(email: str) -> str:
    return email.removesuffix(".gserviceaccount.com")


def identifier(name: str) -> str:
    """A quoted SQL identifier: IAM user names hold `@`, `.` and `-`."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _create_role_once(name: str, attributes: str) -> str:
    return (
        f"  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {literal(name)}) THEN\n"
        f"    CREATE ROLE {identifier(name)} {attributes};\n"
        "  END IF;\n"
    )


def render(logins: DatabaseLogins, *, database: str = DATABASE_NAME) -> str:
    """The whole bootstrap as one SQL text, for `psql --single-transaction`."""
    owner, readwrite, schema = identifier(OWNER_ROLE), identifier(READWRITE_ROLE), identifier(APP_SCHEMA)
    api, migrate, db = identifier(logins.api), identifier(logins.migrate), identifier(database)
    roles = _create_role_once(OWNER_ROLE, "NOLOGIN") + _create_role_once(READWRITE_ROLE, "NOLOGIN")
    if logins.create:
        roles += _create_role_once(logins.api, "LOGIN") + _create_role_once(logins.migrate, "LOGIN")
    statements = [
        f"DO $roles$\nBEGIN\n{roles}END\n$roles$;",
        # The admin (RDS master user, Cloud SQL `postgres`) is no superuser: it acts for the owner through
        # membership, to create the owner's schema and set the owner's default privileges.
        f"GRANT {owner} TO CURRENT_USER;",
        f"GRANT {owner} TO {migrate};",
        f"GRANT {readwrite} TO {api};",
        *(f"GRANT {identifier(role)} TO {api}, {migrate};" for role in logins.sign_in_roles),
        # Only the two group roles (and so their logins) may connect; PUBLIC loses CONNECT and TEMPORARY.
        f"REVOKE ALL ON DATABASE {db} FROM PUBLIC;",
        f"GRANT CONNECT ON DATABASE {db} TO {owner}, {readwrite};",
        f"ALTER DATABASE {db} SET search_path = {', '.join(identifier(part) for part in SEARCH_PATH)};",
        *(f"CREATE EXTENSION IF NOT EXISTS {identifier(name)} WITH SCHEMA public;" for name in EXTENSIONS),
        # PostgreSQL 15+ already denies PUBLIC creating in public; a database restored from an older dump may not.
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC;",
        f"CREATE SCHEMA IF NOT EXISTS {schema} AUTHORIZATION {owner};",
        f"ALTER SCHEMA {schema} OWNER TO {owner};",
        f"GRANT USAGE ON SCHEMA {schema} TO {readwrite};",
        f"GRANT {TABLE_PRIVILEGES} ON ALL TABLES IN SCHEMA {schema} TO {readwrite};",
        f"GRANT {SEQUENCE_PRIVILEGES} ON ALL SEQUENCES IN SCHEMA {schema} TO {readwrite};",
        # What migrations create later gets the same grants, as long as the owner role creates it.
        *(
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} GRANT {privileges} ON {kind} TO {readwrite};"
            for kind, privileges in (("TABLES", TABLE_PRIVILEGES), ("SEQUENCES", SEQUENCE_PRIVILEGES))
        ),
        # Migration sessions become the owner at sign-in: what they create is the owner's, not the login's.
        f"ALTER ROLE {migrate} IN DATABASE {db} SET role = {literal(OWNER_ROLE)};",
    ]
    return "\n".join(statements) + "\n"


def psql_command(logins: DatabaseLogins, *, database: str = DATABASE_NAME) -> list[str]:
    """The container's command: psql with the rendered SQL, in one transaction, stopping at the first error.

    Host, port, user and password come from the environment (PGHOST, PGPORT, PGUSER, PGPASSWORD), which each
    cloud fills from its secret store; TLS is required (both servers refuse plain connections anyway).
    """
    return [
        "psql",
        "--no-psqlrc",
        "--set=ON_ERROR_STOP=1",
        "--single-transaction",
        f"--dbname=dbname={database} sslmode=require connect_timeout=10 application_name=database-bootstrap",
        f"--command={render(logins, database=database)}",
    ]
