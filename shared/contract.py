"""What the platform promises the two applications, identical on both clouds.

The same two container images run on AWS and GCP. Each service is described here once: its one name (the ECS
service, the Cloud Run service, the image, the runtime identity and the alarms all use it), its port and health
path, and every environment variable it receives. Each cloud supplies only *values*: `render` refuses a cloud
that adds, drops or renames a key, so an image built against one cloud starts on the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

# Requests the load balancer sends to the FastAPI backend; everything else goes to Next.js.
API_PATH_PATTERNS = ("/api", "/api/*")
# Immutable build output served from object storage through the CDN.
STATIC_PATH_PATTERNS = ("/_next/static/*", "/static/*")
# The tag pushed once before the first deploy and run until the first release (see shared/release.py).
BOOTSTRAP_IMAGE_TAG = "bootstrap"
DATABASE_NAME = "bookedbarber"
# Fixed by the services, not chosen per environment: Cloud SQL listens only on 5432 (3307 for its connectors), and
# RDS is told the same; ElastiCache and Memorystore for Valkey (TLS or not) both listen on 6379.
DATABASE_PORT = 5432
ELASTICACHE_PORT = 6379
VALKEY_PORT = 6379
# `REDIS_AUTH` on GCP: no AUTH string exists; the app sends an OAuth access token of its runtime service account
# (scope cloud-platform, from the metadata server, valid 1 h: re-authenticate before it expires) as the password.
GCP_REDIS_AUTH = "gcp-memorystore-iam"
CLOUDS = ("aws", "gcp")
# Both apps log one JSON object per line with a Cloud Logging `severity` field; these levels count as errors
# (Cloud Logging's `severity>=ERROR`, and the CloudWatch metric filter on the same field).
ERROR_LOG_SEVERITIES = ("ERROR", "CRITICAL", "ALERT", "EMERGENCY")
# Error tracking (Sentry): the DSN is issued by Sentry, so the operator writes it (ops/setup_secrets.py); the
# stacks only create the secret. AWS: this Secrets Manager name under `Settings.path` and JSON field; GCP: the
# Secret Manager id `<prefix>-sentry-dsn` (gcp_stacks/secrets.py).
SENTRY_DSN_SECRET = "app/sentry-dsn"
SENTRY_DSN_FIELD = "dsn"

# Releases: the revision (GCP) or task set (AWS) under test carries this fixed tag, and the load balancer sends
# requests carrying the header below to it instead of the serving one, so a release is checked through the app
# domain while the services stay reachable only through the load balancer.
CANDIDATE_TAG = "candidate"
CANDIDATE_HEADER = "X-BookedBarber-Candidate"
CANDIDATE_HEADER_VALUE = "1"

# `DATABASE_SSLROOTCERT` / `REDIS_SSLROOTCERT` hold either this word (trust the operating system's CA store,
# libpq's own `sslrootcert=system` since PostgreSQL 16) or a PEM bundle the app writes to a file.
SYSTEM_TRUST_STORE = "system"


@dataclass(frozen=True)
class Variable:
    """One environment variable a service receives, with what it holds (for the README and the app's authors)."""

    name: str
    holds: str
    secret: bool = False  # injected from the cloud's secret store at start, never in the template
    # Secret on these clouds only, a plain value on the others (same key everywhere: only the value's source differs).
    secret_on: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = sorted(set(self.secret_on) - set(CLOUDS))
        if unknown or (self.secret and self.secret_on):
            raise ValueError(
                f"{self.name}: secret_on {list(self.secret_on)} names no cloud of {CLOUDS} or repeats `secret`"
            )

    def is_secret(self, cloud: str) -> bool:
        return self.secret or cloud in self.secret_on


@dataclass(frozen=True)
class Service:
    """One application service, the same on both clouds."""

    name: str  # ECS and Cloud Run service, image, runtime identity, log group and alarm names
    runs: str  # what the image is
    port: int  # the container listens here (Cloud Run also tells it through PORT)
    health_path: str  # the load balancer's and the probes' health check
    variables: tuple[Variable, ...]
    data_client: bool  # talks to PostgreSQL, Redis and the uploads bucket

    def variable_names(self, feature_flags: Mapping[str, bool]) -> tuple[str, ...]:
        """Every key the service receives, the settings' feature flags included, in one stable order."""
        return (*(variable.name for variable in self.variables), *feature_flag_variables(feature_flags))

    def secret_names(self, cloud: str) -> tuple[str, ...]:
        """The keys `cloud` injects from its secret store; every other key is a plain value there."""
        return tuple(variable.name for variable in self.variables if variable.is_secret(cloud))


def feature_flag_variables(feature_flags: Mapping[str, bool]) -> dict[str, str]:
    """`FEATURE_<FLAG>` = `true` | `false` for each settings flag: both services see every flag."""
    return {f"FEATURE_{flag.upper()}": str(on).lower() for flag, on in sorted(feature_flags.items())}


_COMMON = (
    Variable("APP_ENV", "the environment's name (a key of shared/environments.py's DEFINITIONS)"),
    Variable("CLOUD", "`aws` or `gcp`: for telemetry labels, and to pick the auth methods below"),
    Variable("APP_DOMAIN", "the public host users reach, e.g. app.bookedbarber.com"),
    Variable("PUBLIC_URL", "`https://` + APP_DOMAIN, for absolute links in e-mails and redirects"),
    Variable("PORT", "the port to listen on (AWS sets it in the task; Cloud Run sets it itself)"),
    Variable("TRACE_EXPORTER", "`xray` (AWS: the X-Ray daemon sidecar) or `cloud-trace` (GCP: Cloud Trace API)"),
    Variable("TRACE_ENDPOINT", "where the exporter sends spans: `localhost:2000` (X-Ray UDP) or the Cloud Trace host"),
    Variable("SENTRY_ENVIRONMENT", "Sentry's `environment` tag on every event: the environment's name, as APP_ENV"),
    Variable("SENTRY_DSN", "Sentry project DSN errors are reported to (empty: error reporting off)", secret=True),
)

API = Service(
    name="api",
    runs="FastAPI backend",
    port=8000,
    health_path="/api/health",
    data_client=True,
    variables=(
        *_COMMON,
        Variable("DATABASE_HOST", "PostgreSQL host: the RDS Proxy endpoint (AWS) or Cloud SQL's private IP (GCP)"),
        Variable("DATABASE_PORT", "PostgreSQL port, 5432"),
        Variable("DATABASE_NAME", f"the app's database, `{DATABASE_NAME}`"),
        Variable("DATABASE_USER", "the app's login role: never the master user; it reads and writes, no DDL"),
        Variable(
            "DATABASE_AUTH", "`aws-rds-iam` or `gcp-cloud-sql-iam`: how to make the password (no password exists)"
        ),
        Variable("DATABASE_SSLMODE", "libpq sslmode: `verify-full` (AWS) or `verify-ca` (GCP: the cert names no IP)"),
        Variable("DATABASE_SSLROOTCERT", f"CA the server's certificate chains to: `{SYSTEM_TRUST_STORE}` or a PEM"),
        Variable("REDIS_HOST", "Redis primary endpoint"),
        Variable("REDIS_PORT", "Redis port"),
        Variable("REDIS_TLS", "`true`: connect with TLS (rediss://)"),
        Variable("REDIS_SSLROOTCERT", f"CA of the Redis server certificate: `{SYSTEM_TRUST_STORE}` or a PEM"),
        Variable(
            "REDIS_AUTH",
            f"AWS: the ElastiCache AUTH token (a secret). GCP: `{GCP_REDIS_AUTH}`, no secret: send an IAM access token "
            "of the runtime service account as the password (Memorystore for Valkey IAM auth)",
            secret_on=("aws",),
        ),
        Variable("SECRET_KEY", "session and token signing key", secret=True),
        Variable("UPLOADS_BUCKET", "S3 / Cloud Storage bucket of the users' uploads (objects only)"),
    ),
)
WEB = Service(
    name="web",
    runs="Next.js frontend",
    port=3000,
    health_path="/",
    data_client=False,
    variables=(
        *_COMMON,
        Variable("HOSTNAME", "`0.0.0.0`: Next.js standalone must listen on every interface, not localhost"),
        Variable("NEXT_PUBLIC_API_URL", "the API's public base URL, `https://` + APP_DOMAIN + `/api`"),
    ),
)
SERVICES: dict[str, Service] = {service.name: service for service in (API, WEB)}


def aws_database_login(service: Service) -> str:
    """The PostgreSQL role a service logs in as on AWS: IAM-authenticated through RDS Proxy (`rds_iam`), never the
    master user. On GCP the same role is the service's runtime service account as a Cloud SQL IAM user."""
    return f"{DATABASE_NAME}_{service.name}"


def cloud_neutral_values(
    service: Service, *, environment: str, app_domain: str, feature_flags: Mapping[str, bool]
) -> dict[str, str]:
    """The variables whose values are the same on both clouds; each cloud adds only what it fills itself."""
    values = {
        "APP_ENV": environment,
        "APP_DOMAIN": app_domain,
        "PUBLIC_URL": f"https://{app_domain}",
        "PORT": str(service.port),
        "SENTRY_ENVIRONMENT": environment,
        **feature_flag_variables(feature_flags),
    }
    if service is WEB:
        values |= {"HOSTNAME": "0.0.0.0", "NEXT_PUBLIC_API_URL": f"https://{app_domain}/api"}
    return values


# On GCP, Cloud Run sets these itself and refuses them in a service's env; the container port is the same value.
CLOUD_RUN_RESERVED = frozenset({"PORT"})


class ContractError(ValueError):
    """A cloud rendered a service's environment with keys the contract does not have, or without some it has."""


V = TypeVar("V")


def render(cloud: str, service: Service, feature_flags: Mapping[str, bool], values: Mapping[str, V]) -> dict[str, V]:
    """`values` checked against the contract: exactly the service's keys, in the contract's order."""
    expected = service.variable_names(feature_flags)
    missing = [name for name in expected if name not in values]
    extra = sorted(set(values) - set(expected))
    if missing or extra:
        raise ContractError(
            f"{cloud} renders the {service.name} service's environment unlike the contract: "
            f"missing {missing or 'nothing'}, not in the contract {extra or 'nothing'} (shared/contract.py)"
        )
    return {name: values[name] for name in expected}
