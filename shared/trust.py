"""Who may change an environment from GitHub: the repository (`GithubSettings`) and its delivery trust
(`DeliverySettings`), the settings the delivery stacks and the GitHub settings read.

The cloud side (aws_stacks/delivery.py, gcp_stacks/delivery.py) trusts exact OIDC subjects built from these values
(shared/delivery.py); `ops/github_settings.py` applies the GitHub side (environments, reviewers, branch
policies, the subject template) and checks it before production deploys.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

Problems = Iterator[tuple[str, str]]

# `user:<login>` or `team:<slug>` (a team of the repository's organisation).
_REVIEWER = re.compile(r"^(user:[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?|team:[a-z0-9][a-z0-9_-]{0,99})$")
# A branch name that is one exact ref (no glob: the OIDC subject pins `refs/heads/<branch>`).
_BRANCH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$")
# Environment names go into the OIDC subject (`environment:<name>`): no ':' or spaces.
_ENVIRONMENT = re.compile(r"^[A-Za-z0-9._-]{1,255}$")
_GITHUB_OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?$")
_GITHUB_REPOSITORY = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
# GitHub allows at most six required reviewers per environment.
MAX_REVIEWERS = 6


@dataclass(frozen=True)
class DeliverySettings:
    """The GitHub side of one environment's delivery trust."""

    # Required reviewers of both GitHub environments (deploy and release): `user:<login>` or `team:<slug>`.
    reviewers: tuple[str, ...]
    # Pull requests may diff and plan this environment with its read-only identity; otherwise the plan runs on
    # `branch` after review (deploy.yml), so no pull-request token reaches this environment at all.
    pull_request_plans: bool
    # The GitHub environment release jobs run in, apart from the deploy environment (`github.environment`), so a
    # release job's token can never be a deploy job's and each has its own reviewers.
    release_environment: str
    # The one branch whose workflows may deploy, release and (without pull-request plans) plan.
    branch: str = "main"
    # A reviewer cannot approve a run they started.
    prevent_self_review: bool = True

    def problems(self) -> Problems:
        for reviewer in self.reviewers:
            if not isinstance(reviewer, str) or not _REVIEWER.match(reviewer):
                yield "reviewers", f"'{reviewer}' is not `user:<login>` or `team:<slug>`"
        if len(self.reviewers) > MAX_REVIEWERS:
            yield "reviewers", f"{len(self.reviewers)} reviewers; GitHub allows {MAX_REVIEWERS} per environment"
        if len(set(self.reviewers)) != len(self.reviewers):
            yield "reviewers", "lists a reviewer twice"
        if not _ENVIRONMENT.match(self.release_environment):
            yield "release_environment", f"'{self.release_environment}' must be letters, digits, '.', '_' or '-'"
        if not _BRANCH.match(self.branch) or ".." in self.branch or "*" in self.branch:
            yield "branch", f"'{self.branch}' is not one exact branch name"

    def production_problems(self) -> Problems:
        """Production changes only after a person approved them, and no pull request ever holds its credentials."""
        if not self.reviewers:
            yield "reviewers", "production needs required reviewers"
        if self.pull_request_plans:
            yield "pull_request_plans", "production is planned on the branch after review, never by pull requests"
        if not self.prevent_self_review:
            yield "prevent_self_review", "production must enable this"


@dataclass(frozen=True)
class GithubSettings:
    """The repository whose workflows may deploy this environment, through OIDC federation (no stored keys)."""

    owner: str  # organisation or user that owns the repository
    repository: str  # repository name, without the owner
    # GitHub's numeric repository id: unlike the name, it survives renames and is never reused, so the GCP
    # workload identity provider trusts it (`assertion.repository_id`), not a name someone could re-register.
    repository_id: int
    environment: str  # GitHub environment (with required reviewers) whose jobs may deploy and release
    # The local counterpart of required reviewers: `make deploy` asks for the environment's name to be typed
    # (or CONFIRM=<environment> in automation) before changing anything.
    deploy_confirmation: bool = False

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.repository}"

    def problems(self) -> Problems:
        if not _GITHUB_OWNER.match(self.owner):
            yield "owner", f"'{self.owner}' is not a GitHub user or organisation name"
        if not _GITHUB_REPOSITORY.match(self.repository) or self.repository in {".", ".."}:
            yield "repository", f"'{self.repository}' is not a GitHub repository name"
        if isinstance(self.repository_id, bool) or not isinstance(self.repository_id, int) or self.repository_id < 1:
            yield "repository_id", f"'{self.repository_id}' is not GitHub's numeric repository id (a positive integer)"
        if not _ENVIRONMENT.match(self.environment):
            yield "environment", f"'{self.environment}' must be letters, digits, '.', '_' or '-' (no ':' or spaces)"
