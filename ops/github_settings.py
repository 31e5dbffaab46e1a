"""The GitHub side of the delivery trust, applied from settings and checked before production deploys.

    GITHUB_TOKEN=... python -m ops.github_settings           # apply (a repository administrator's token)
    GITHUB_TOKEN=... python -m ops.github_settings --check   # exit 1 and list every difference

What the cloud trust expects (shared/delivery.py, shared/trust.py), for the repository of the settings:
- the OIDC subject template `repository_id`, `context`, `workflow_ref` (the clouds trust exact subjects of it);
- per environment, a deploy environment (`github.environment`) and a release environment
  (`delivery.release_environment`), each with the settings' required reviewers, self-review prevented, no
  administrator bypass, and deployments from `delivery.branch` only;
- the repository's numeric id equal to `github.repository_id`.

The GitHub API sits behind `Client` (one `request` method), so tests replay recorded responses offline.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

from shared import ENVIRONMENTS, Settings, SettingsError, load_settings
from shared.delivery import subject_template

API = "https://api.github.com"


class Client(Protocol):
    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, Any]:
        """The response status and its JSON body (None when empty)."""


class HttpClient:
    """GitHub's REST API with a token (`GITHUB_TOKEN`, or `GH_TOKEN`)."""

    def __init__(self, token: str, api: str = API) -> None:
        self.token, self.api = token, api

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, Any]:
        request = urllib.request.Request(
            f"{self.api}{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={
                "Accept": "application/vnd.github+json",
                "Authorization": f"Bearer {self.token}",
                "X-GitHub-Api-Version": "2022-11-28",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read().decode()
                return response.status, json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            text = error.read().decode()
            return error.code, json.loads(text) if text.startswith("{") else None


@dataclass(frozen=True)
class Environment:
    name: str
    reviewers: tuple[str, ...]
    prevent_self_review: bool
    branch: str


@dataclass(frozen=True)
class Repository:
    owner: str
    name: str
    repository_id: int
    environments: tuple[Environment, ...]

    @property
    def path(self) -> str:
        return f"/repos/{self.owner}/{self.name}"


def wanted(all_settings: Sequence[Settings]) -> Repository:
    """The repository and its GitHub environments, from every environment's settings (one repository)."""
    repositories = {(s.github.owner, s.github.repository, s.github.repository_id) for s in all_settings}
    if len(repositories) != 1:
        raise SettingsError("github", [("github", f"environments name different repositories: {sorted(repositories)}")])
    ((owner, name, repository_id),) = repositories
    environments = []
    for settings in all_settings:
        delivery = settings.delivery
        for environment in (settings.github.environment, delivery.release_environment):
            environments.append(
                Environment(environment, delivery.reviewers, delivery.prevent_self_review, delivery.branch)
            )
    return Repository(owner, name, repository_id, tuple(environments))


def environment_path(repository: Repository, environment: Environment) -> str:
    return f"{repository.path}/environments/{quote(environment.name, safe='')}"


def _reviewers(rules: list[dict]) -> tuple[set[str], bool | None]:
    for rule in rules:
        if rule.get("type") == "required_reviewers":
            names = set()
            for entry in rule.get("reviewers", []):
                reviewer = entry.get("reviewer") or {}
                if entry.get("type") == "Team":
                    names.add(f"team:{reviewer.get('slug')}")
                else:
                    names.add(f"user:{reviewer.get('login')}")
            return names, rule.get("prevent_self_review")
    return set(), None


def check(client: Client, repository: Repository) -> list[str]:
    """Every way the repository's settings differ from what the cloud trust expects."""
    problems = []
    status, body = client.request("GET", repository.path)
    if status != 200:
        return [f"{repository.owner}/{repository.name}: cannot read the repository (HTTP {status})"]
    if body.get("id") != repository.repository_id:
        problems.append(f"repository id is {body.get('id')}, settings say {repository.repository_id}")
    status, template = client.request("GET", f"{repository.path}/actions/oidc/customization/sub")
    expected = subject_template()
    if status != 200 or template.get("use_default") is not False:
        problems.append("OIDC subject template: the default is in use; the trust expects the custom template")
    elif template.get("include_claim_keys") != expected["include_claim_keys"]:
        problems.append(
            f"OIDC subject template: {template.get('include_claim_keys')}, expected {expected['include_claim_keys']}"
        )
    for environment in repository.environments:
        problems += [
            f"environment {environment.name}: {problem}"
            for problem in _environment_problems(client, repository, environment)
        ]
    return problems


def _environment_problems(client: Client, repository: Repository, environment: Environment) -> list[str]:
    status, body = client.request("GET", environment_path(repository, environment))
    if status == 404:
        return ["missing"]
    if status != 200:
        return [f"cannot be read (HTTP {status})"]
    problems = []
    reviewers, prevent_self_review = _reviewers(body.get("protection_rules") or [])
    if reviewers != set(environment.reviewers):
        problems.append(f"required reviewers {sorted(reviewers)}, expected {sorted(environment.reviewers)}")
    if environment.reviewers and prevent_self_review is not environment.prevent_self_review:
        problems.append(f"prevent self-review is {prevent_self_review}, expected {environment.prevent_self_review}")
    if body.get("can_admins_bypass") is not False:
        problems.append("administrators may bypass its protection rules")
    policy = body.get("deployment_branch_policy") or {}
    if policy.get("custom_branch_policies") is not True or policy.get("protected_branches") is not False:
        problems.append(f"deployments are not limited to selected branches ({policy or 'any branch'})")
        return problems
    status, policies = client.request("GET", f"{environment_path(repository, environment)}/deployment-branch-policies")
    found = {(item.get("name"), item.get("type", "branch")) for item in (policies or {}).get("branch_policies", [])}
    if found != {(environment.branch, "branch")}:
        problems.append(f"deployment branches {sorted(found)}, expected only {environment.branch!r}")
    return problems


def _reviewer_ids(client: Client, repository: Repository, reviewers: Sequence[str]) -> list[dict]:
    ids = []
    for reviewer in reviewers:
        kind, _, name = reviewer.partition(":")
        path = f"/orgs/{repository.owner}/teams/{name}" if kind == "team" else f"/users/{name}"
        status, body = client.request("GET", path)
        if status != 200:
            raise RuntimeError(f"reviewer {reviewer}: not found (HTTP {status} from {path})")
        ids.append({"type": "Team" if kind == "team" else "User", "id": body["id"]})
    return ids


def apply(client: Client, repository: Repository) -> list[str]:
    """Make the repository match; returns what was changed. Idempotent."""
    done = []

    def call(method: str, path: str, body: dict | None = None) -> Any:
        status, answer = client.request(method, path, body)
        if status >= 300:
            raise RuntimeError(f"{method} {path}: HTTP {status} {answer}")
        done.append(f"{method} {path}")
        return answer

    call("PUT", f"{repository.path}/actions/oidc/customization/sub", subject_template())
    for environment in repository.environments:
        path = environment_path(repository, environment)
        call(
            "PUT",
            path,
            {
                "reviewers": _reviewer_ids(client, repository, environment.reviewers) or None,
                "prevent_self_review": environment.prevent_self_review,
                "can_admins_bypass": False,
                "deployment_branch_policy": {"protected_branches": False, "custom_branch_policies": True},
            },
        )
        status, policies = client.request("GET", f"{path}/deployment-branch-policies")
        existing = (policies or {}).get("branch_policies", []) if status == 200 else []
        if not any(p.get("name") == environment.branch and p.get("type", "branch") == "branch" for p in existing):
            call("POST", f"{path}/deployment-branch-policies", {"name": environment.branch, "type": "branch"})
        for policy in existing:
            if (policy.get("name"), policy.get("type", "branch")) != (environment.branch, "branch"):
                call("DELETE", f"{path}/deployment-branch-policies/{policy['id']}")
    return done


def main(argv: Sequence[str] | None = None, *, client: Client | None = None, environ: dict | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.github_settings", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 on any difference")
    args = parser.parse_args(argv)
    environ = dict(os.environ if environ is None else environ)
    try:
        repository = wanted([load_settings(name, environ=environ) for name in ENVIRONMENTS])
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if client is None:
        token = environ.get("GITHUB_TOKEN") or environ.get("GH_TOKEN")
        if not token:
            print(
                "error: set GITHUB_TOKEN (a repository administrator's token to apply; Actions read to check)",
                file=sys.stderr,
            )
            return 2
        client = HttpClient(token)
    if args.check:
        problems = check(client, repository)
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        if not problems:
            print(f"{repository.owner}/{repository.name}: GitHub settings match the delivery trust")
        return 1 if problems else 0
    try:
        for change in apply(client, repository):
            print(change)
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
