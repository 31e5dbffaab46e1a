"""The GitHub Actions trust, shared by both delivery stacks and `ops/ci_settings.py` (no jsii): the subjects
each identity must present; the identities' names are in shared/names.py."""

from __future__ import annotations

from shared.names import gcp_account_id, gcp_pool_id
from shared.settings import Settings

GITHUB_OIDC_URL = "https://token.actions.githubusercontent.com"
GITHUB_OIDC_HOST = GITHUB_OIDC_URL.removeprefix("https://")
# GitHub's repository setting `actions/oidc/customization/sub`: every token's `sub` is built from these claims, in
# this order (`repository_id:<id>:<context>:workflow_ref:<owner>/<name>/.github/workflows/<file>@<ref>`). The id
# survives renames and is never reused; `context` is `environment:<name>`, `pull_request` or `ref:<ref>`; the
# workflow ref names the calling workflow and the branch it ran from. ops/github_settings.py applies it.
SUBJECT_CLAIM_KEYS = ("repository_id", "context", "workflow_ref")
# The workflow each identity's jobs run in (the caller: deploy.yml calls deploy-environment.yml).
WORKFLOWS = {
    "pull_request": "pull-request.yml",
    "deploy": "deploy.yml",
    "release": "release.yml",
    "drill": "drill.yml",  # where recovery.drills: AWS's FIS drills and GCP's ops/drill_gcp.py, one job each
    "drift": "drift.yml",
}
# The one part of a subject that varies: the pull request's number (AWS StringLike, GCP startsWith/endsWith).
PULL_REQUEST_REF = "refs/pull/*/merge"
# The read-only identity is called diff on AWS (`cdk diff`) and plan on GCP (`terraform plan`).
PLAN_KINDS = ("diff", "plan")
KINDS = ("plan", "deploy", "release", "drift")
GCP_PROVIDER_ID = "github"


def gcp_kinds(settings: Settings) -> tuple[str, ...]:
    """The GCP CI identities of an environment: KINDS, and the quarterly drill's where settings drill."""
    return (*KINDS, "drill") if settings.recovery.drills else KINDS


def workflow_ref(settings: Settings, workflow: str, ref: str) -> str:
    return f"{settings.github.full_name}/.github/workflows/{WORKFLOWS[workflow]}@{ref}"


def subject(settings: Settings, kind: str) -> str:
    """The `sub` claim a job must present to act as `kind` in this environment (at most one `*`: a PR number).

    plan: pull requests of this repository (`pull_request` context, only ever given to jobs of pull_request
    events, never to forks), or where settings say so (production) only deploy.yml's jobs on the branch after
    review; deploy: deploy.yml on the branch in the deploy environment; release: release.yml on the branch in
    the release environment; drift: drift.yml's scheduled jobs on the branch (no environment, no reviewers: it only
    reads). No two kinds share a subject, so none can act as another.
    """
    github, delivery = settings.github, settings.delivery
    repository = f"repository_id:{github.repository_id}"
    branch = f"refs/heads/{delivery.branch}"
    kind = "plan" if kind in PLAN_KINDS else kind
    if kind == "plan" and delivery.pull_request_plans:
        return f"{repository}:pull_request:workflow_ref:{workflow_ref(settings, 'pull_request', PULL_REQUEST_REF)}"
    if kind == "plan":
        return f"{repository}:ref:{branch}:workflow_ref:{workflow_ref(settings, 'deploy', branch)}"
    if kind == "deploy":
        return f"{repository}:environment:{github.environment}:workflow_ref:{workflow_ref(settings, 'deploy', branch)}"
    if kind == "release":
        environment = delivery.release_environment
        return f"{repository}:environment:{environment}:workflow_ref:{workflow_ref(settings, 'release', branch)}"
    if kind == "drill":
        return f"{repository}:environment:{github.environment}:workflow_ref:{workflow_ref(settings, 'drill', branch)}"
    if kind == "drift":
        return f"{repository}:ref:{branch}:workflow_ref:{workflow_ref(settings, 'drift', branch)}"
    raise ValueError(f"unknown delivery identity {kind!r}")


def subject_template() -> dict:
    """The body of `PUT /repos/{owner}/{repo}/actions/oidc/customization/sub`."""
    return {"use_default": False, "include_claim_keys": list(SUBJECT_CLAIM_KEYS)}


def gcp_account_email(settings: Settings, kind: str) -> str:
    return f"{gcp_account_id(settings, kind)}@{settings.gcp.project_id}.iam.gserviceaccount.com"


def gcp_workload_identity_provider(settings: Settings) -> str | None:
    """The provider's full name, as google-github-actions/auth wants it; it needs the project number."""
    if settings.gcp.project_number is None:
        return None
    return (
        f"projects/{settings.gcp.project_number}/locations/global/workloadIdentityPools/"
        f"{gcp_pool_id(settings)}/providers/{GCP_PROVIDER_ID}"
    )
