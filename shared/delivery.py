"""Names of the GitHub Actions trust, shared by both delivery stacks and `ops/ci_settings.py` (no jsii)."""

from __future__ import annotations

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
    "drill": "drill.yml",
    "drift": "drift.yml",  # AWS only, where recovery.drills: the quarterly FIS drill
}
# The one part of a subject that varies: the pull request's number (AWS StringLike, GCP startsWith/endsWith).
PULL_REQUEST_REF = "refs/pull/*/merge"
# The read-only identity is called diff on AWS (`cdk diff`) and plan on GCP (`terraform plan`).
PLAN_KINDS = ("diff", "plan")
KINDS = ("plan", "deploy", "release", "drift")
# GCP service account ids are 6-30 characters and `bookedbarber-production-` leaves 6: "release" becomes "ship".
GCP_ACCOUNT_SUFFIXES = {"deploy": "deploy", "plan": "plan", "release": "ship", "drift": "drift"}
GCP_PROVIDER_ID = "github"


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


def aws_role_name(settings: Settings, kind: str) -> str:
    """diff, deploy, release or drift."""
    return settings.name(f"github-{kind}")


def aws_execution_policy_name(settings: Settings) -> str:
    """The policy `cdk bootstrap --cloudformation-execution-policies` gives CloudFormation (delivery stack)."""
    return settings.name("cdk-execution")


def aws_boundary_name(settings: Settings) -> str:
    """The permissions boundary of every role the platform creates, and of the bootstrap's execution role."""
    return settings.name("cdk-boundary")


def aws_release_execution_role_name(settings: Settings) -> str:
    """The role CloudFormation acts as when a release updates the compute stack: task definitions and services."""
    return settings.name("release-execution")


def ecs_load_balancers_role_name(settings: Settings) -> str:
    """The role ECS shifts listener rules with during blue/green (compute stack); a release may pass only it to ECS."""
    return settings.name("ecs-load-balancers")


def aws_role_arn(settings: Settings, kind: str) -> str:
    return f"arn:aws:iam::{settings.aws.account_id}:role/{aws_role_name(settings, kind)}"


def gcp_account_id(settings: Settings, kind: str) -> str:
    """plan, deploy, release or drift."""
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
