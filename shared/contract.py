"""What the platform promises the two applications, identical on both clouds.

The same container images run on AWS and GCP, so routes, health checks and
names they rely on are fixed here once rather than per cloud or per environment.
"""

import re

# Requests the load balancer sends to the FastAPI backend; everything else goes to Next.js.
API_PATH_PATTERNS = ("/api", "/api/*")
# Immutable build output served from object storage through the CDN.
STATIC_PATH_PATTERNS = ("/_next/static/*", "/static/*")
BACKEND_HEALTH_PATH = "/api/health"
FRONTEND_HEALTH_PATH = "/"
# The tag pushed once before the first deploy and run until the first release (see shared/release.py).
BOOTSTRAP_IMAGE_TAG = "bootstrap"
DATABASE_NAME = "bookedbarber"
# The API finds the users' uploads bucket (S3 / Cloud Storage) in this environment variable.
UPLOADS_BUCKET_ENV = "UPLOADS_BUCKET"
# Both apps log one JSON object per line with a Cloud Logging `severity` field; these levels count as errors
# (Cloud Logging's `severity>=ERROR`, and the CloudWatch metric filter on the same field).
ERROR_LOG_SEVERITIES = ("ERROR", "CRITICAL", "ALERT", "EMERGENCY")
# AWS only: the Secrets Manager secret (under `Settings.path`) and JSON field CloudFront's origin-verify header
# value lives in; the data stack generates it, scripts/setup_secrets.py can replace it.
ORIGIN_VERIFY_SECRET = "edge/origin-verify"
ORIGIN_VERIFY_FIELD = "value"

# GCP releases: gcloud tags the revision under test with this fixed tag (moving it from the previous release), and
# the load balancer sends requests carrying the header below to that revision instead of the serving one, so a
# release is checked through the app domain while Cloud Run ingress stays load-balancer-only.
CANDIDATE_TAG = "candidate"
CANDIDATE_HEADER = "X-BookedBarber-Candidate"
CANDIDATE_HEADER_VALUE = "1"


def secret_manager_id(name: str) -> str:
    """GCP Secret Manager ids allow letters, digits, - and _: `bookedbarber/dev/x` -> `bookedbarber-dev-x`.

    The settings name secrets the AWS way (hierarchical); both the GCP stacks and scripts/setup_secrets.py derive
    the GCP id through this one function.
    """
    return re.sub(r"[^A-Za-z0-9_-]", "-", name)
