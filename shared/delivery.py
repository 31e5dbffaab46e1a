"""Names of the GitHub Actions trust, shared by both delivery stacks and `scripts/ci_settings.py` (no jsii)."""

from __future__ import annotations

from shared.model import Settings

GITHUB_OIDC_URL = "https://token.actions.githubusercontent.com"
GITHUB_OIDC_HOST = GITHUB_OIDC_URL.removeprefix("https://")
# Which kinds of GitHub job may deploy, and which OIDC subject each presents.
PULL_REQUEST_KINDS = ("diff", "plan")
# GCP service account ids are 6-30 characters and `bookedbarber-production-` leaves 6: "release" becomes "ship".
GCP_ACCOUNT_SUFFIXES = {"deploy": "deploy", "plan": "plan", "release": "ship"}
GCP_PROVIDER_ID = "github"


def subject(settings: Settings, kind: str) -> str:
    """The `sub` claim a job must present: pull requests for diffs and plans, the GitHub environment otherwise."""
    repository = f"repo:{settings.github.full_name}"
    if kind in PULL_REQUEST_KINDS:
        return f"{repository}:pull_request"
    return f"{repository}:environment:{settings.github.environment}"


def aws_role_name(settings: Settings, kind: str) -> str:
    """diff, deploy or release."""
    return settings.name(f"github-{kind}")


def aws_role_arn(settings: Settings, kind: str) -> str:
    return f"arn:aws:iam::{settings.aws.account_id}:role/{aws_role_name(settings, kind)}"


def gcp_account_id(settings: Settings, kind: str) -> str:
    """plan, deploy or release."""
    return settings.name(GCP_ACCOUNT_SUFFIXES[kind])


def gcp_account_email(settings: Settings, kind: str) -> str:
    return f"{gcp_account_id(settings, kind)}@{settings.gcp.project_id}.iam.gserviceaccount.com"


def gcp_pool_id(settings: Settings) -> str:
    return settings.name("github")


def gcp_workload_identity_provider(settings: Settings) -> str | None:
    """The provider's full name, as google-github-actions/auth wants it; it needs the project number."""
    if settings.gcp.project_number is None:
        return None
    return (
        f"projects/{settings.gcp.project_number}/locations/global/workloadIdentityPools/"
        f"{gcp_pool_id(settings)}/providers/{GCP_PROVIDER_ID}"
    )
