"""ops/github_settings.py against recorded GitHub API responses (shapes as GitHub's REST reference shows them)."""

from __future__ import annotations

import copy

import pytest

from ops import github_settings
from shared import ENVIRONMENTS, load_settings
from shared.delivery import SUBJECT_CLAIM_KEYS

REPO = "/repos/bookedbarber/bookedbarber-infra"
TEAM_IDS = {"platform-leads": 4101, "platform": 4102}


def _environment(name: str, reviewers: tuple[str, ...]) -> dict:
    rules = [{"id": 1, "type": "branch_policy"}]
    if reviewers:
        rules.insert(
            0,
            {
                "id": 2,
                "type": "required_reviewers",
                "prevent_self_review": True,
                "reviewers": [
                    {"type": "Team", "reviewer": {"id": TEAM_IDS[r.split(":")[1]], "slug": r.split(":")[1]}}
                    for r in reviewers
                ],
            },
        )
    return {
        "id": 161088068,
        "name": name,
        "can_admins_bypass": False,
        "protection_rules": rules,
        "deployment_branch_policy": {"protected_branches": False, "custom_branch_policies": True},
    }


def recorded() -> dict[tuple[str, str], tuple[int, object]]:
    """The repository as the trust expects it."""
    responses: dict[tuple[str, str], tuple[int, object]] = {
        ("GET", REPO): (200, {"id": 100000001, "full_name": "bookedbarber/bookedbarber-infra"}),
        ("GET", f"{REPO}/actions/oidc/customization/sub"): (
            200,
            {"use_default": False, "include_claim_keys": list(SUBJECT_CLAIM_KEYS)},
        ),
    }
    for name in ENVIRONMENTS:
        delivery = load_settings(name).delivery
        for environment in (name, delivery.release_environment):
            responses[("GET", f"{REPO}/environments/{environment}")] = (
                200,
                _environment(environment, delivery.reviewers),
            )
            responses[("GET", f"{REPO}/environments/{environment}/deployment-branch-policies")] = (
                200,
                {
                    "total_count": 1,
                    "branch_policies": [{"id": 361471, "node_id": "MDE2", "name": "main", "type": "branch"}],
                },
            )
    for slug, team_id in TEAM_IDS.items():
        responses[("GET", f"/orgs/bookedbarber/teams/{slug}")] = (200, {"id": team_id, "slug": slug})
    return responses


class Recorded:
    """Answers from recorded responses; records every call; writes succeed with 200/201/204."""

    def __init__(self, responses: dict) -> None:
        self.responses, self.calls = responses, []

    def request(self, method: str, path: str, body: dict | None = None):
        self.calls.append((method, path, body))
        if method != "GET":
            return {"PUT": 200, "POST": 201, "DELETE": 204}[method], {}
        return copy.deepcopy(self.responses.get((method, path), (404, {"message": "Not Found"})))


def test_check_passes_when_the_repository_matches_the_trust(capsys):
    assert github_settings.main(["--check"], client=Recorded(recorded()), environ={}) == 0
    assert "match the delivery trust" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("drift", "message"),
    [
        (
            lambda r: r.update({("GET", f"{REPO}/actions/oidc/customization/sub"): (200, {"use_default": True})}),
            "the default is in use",
        ),
        (
            lambda r: r.pop(("GET", f"{REPO}/environments/production-release")),
            "environment production-release: missing",
        ),
        (
            lambda r: r[("GET", f"{REPO}/environments/production")][1]["protection_rules"].pop(0),
            "required reviewers []",
        ),
        (
            lambda r: r[("GET", f"{REPO}/environments/staging")][1].update(
                {"deployment_branch_policy": {"protected_branches": True, "custom_branch_policies": False}}
            ),
            "environment staging: deployments are not limited to selected branches",
        ),
        (
            lambda r: r[("GET", f"{REPO}/environments/dev/deployment-branch-policies")][1]["branch_policies"].append(
                {"id": 9, "name": "feature/*", "type": "branch"}
            ),
            "environment dev: deployment branches",
        ),
        (lambda r: r[("GET", f"{REPO}/environments/production")][1].update({"can_admins_bypass": True}), "may bypass"),
        (lambda r: r.update({("GET", REPO): (200, {"id": 7})}), "repository id is 7"),
    ],
    ids=[
        "default-subject",
        "no-release-environment",
        "no-reviewers",
        "any-branch",
        "extra-branch",
        "admin-bypass",
        "other-repository",
    ],
)
def test_check_fails_naming_each_drift(drift, message, capsys):
    responses = recorded()
    drift(responses)
    assert github_settings.main(["--check"], client=Recorded(responses), environ={}) == 1
    assert message in capsys.readouterr().err


def test_apply_sets_the_template_then_each_environment_with_reviewers_and_the_branch():
    client = Recorded(
        {**recorded(), **{k: (404, {}) for k in recorded() if k[1].endswith("deployment-branch-policies")}}
    )
    assert github_settings.main([], client=client, environ={}) == 0
    writes = [(method, path, body) for method, path, body in client.calls if method != "GET"]
    assert writes[0] == (
        "PUT",
        f"{REPO}/actions/oidc/customization/sub",
        {"use_default": False, "include_claim_keys": list(SUBJECT_CLAIM_KEYS)},
    )
    production = next(body for method, path, body in writes if path == f"{REPO}/environments/production")
    assert production == {
        "reviewers": [{"type": "Team", "id": TEAM_IDS["platform-leads"]}],
        "prevent_self_review": True,
        "can_admins_bypass": False,
        "deployment_branch_policy": {"protected_branches": False, "custom_branch_policies": True},
    }
    environments = {
        path.rsplit("/", 1)[1] for method, path, _ in writes if method == "PUT" and "/environments/" in path
    }
    assert environments == {name for e in ENVIRONMENTS for name in (e, f"{e}-release")}
    posts = [body for method, path, body in writes if method == "POST"]
    assert posts == [{"name": "main", "type": "branch"}] * len(environments)


def test_apply_removes_branch_policies_the_trust_does_not_name():
    responses = recorded()
    responses[("GET", f"{REPO}/environments/dev/deployment-branch-policies")][1]["branch_policies"].append(
        {"id": 9, "name": "feature/*", "type": "branch"}
    )
    client = Recorded(responses)
    assert github_settings.main([], client=client, environ={}) == 0
    assert ("DELETE", f"{REPO}/environments/dev/deployment-branch-policies/9", None) in client.calls
    assert not any(method == "POST" for method, _, _ in client.calls)  # main is there already


def test_without_a_token_nothing_is_called(capsys):
    assert github_settings.main(["--check"], environ={}) == 2
    assert "GITHUB_TOKEN" in capsys.readouterr().err
