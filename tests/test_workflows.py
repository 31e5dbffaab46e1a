"""GitHub Actions workflows, checked offline: GitHub's schema, zizmor's audits, and the house rules for them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from shared import ENVIRONMENTS
from tests.synth import ROOT

GITHUB = ROOT / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))
ACTIONS = sorted((GITHUB / "actions").glob("*/action.yml"))
DEPENDABOT = GITHUB / "dependabot.yml"
BIN = Path(sys.executable).parent
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


def _tool(*argv: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / argv[0]), *argv[1:]], cwd=cwd, capture_output=True, text=True, timeout=120)


def _uses(path: Path) -> list[tuple[str, str]]:
    """(action reference, the rest of its line) for every `uses:` in a workflow or action file."""
    found = []
    for line in path.read_text().splitlines():
        match = re.match(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", line)
        if match:
            found.append((match.group(1), match.group(2)))
    return found


def _load(path: Path) -> dict:
    document = yaml.safe_load(path.read_text())
    # PyYAML reads the `on:` key as the boolean True.
    if True in document:
        document["on"] = document.pop(True)
    return document


def test_the_workflows_exist():
    assert {path.name for path in WORKFLOWS} >= {"pull-request.yml", "deploy.yml", "release.yml", "patch.yml"}


def test_workflows_match_githubs_schema():
    result = _tool("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS))
    assert result.returncode == 0, result.stdout + result.stderr
    result = _tool("check-jsonschema", "--builtin-schema", "vendor.github-actions", *map(str, ACTIONS))
    assert result.returncode == 0, result.stdout + result.stderr
    result = _tool("check-jsonschema", "--builtin-schema", "vendor.dependabot", str(DEPENDABOT))
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing():
    result = _tool("zizmor", "--offline", "--no-progress", ".github/")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr
    assert "completed .github/dependabot.yml" in result.stdout + result.stderr  # its audits ran too


BAD_WORKFLOW = """\
name: bad
on: pull_request_target
permissions: write-all
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }}"
"""


def test_the_checks_catch_a_bad_workflow(tmp_path):
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "bad.yml").write_text(BAD_WORKFLOW)
    result = _tool("zizmor", "--offline", "--no-progress", ".github/", cwd=tmp_path)
    assert result.returncode != 0
    for audit in ("dangerous-triggers", "template-injection", "unpinned-uses", "artipacked"):
        assert audit in result.stdout, audit
    (workflows / "bad.yml").write_text("name: bad\non: push\njobs:\n  build:\n    steps: []\n")
    result = _tool("check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(workflows / "bad.yml"))
    assert result.returncode != 0


def test_the_checks_catch_a_bad_dependabot_configuration(tmp_path):
    """Without a cooldown zizmor warns (a release hours old is where compromised packages live); a typo in the
    schedule fails GitHub's schema."""
    github = tmp_path / ".github"
    github.mkdir()
    uncooled = "\n".join(
        line for line in DEPENDABOT.read_text().splitlines() if "cooldown" not in line and "default-days" not in line
    )
    (github / "dependabot.yml").write_text(uncooled)
    result = _tool("zizmor", "--offline", "--no-progress", ".github/", cwd=tmp_path)
    assert result.returncode != 0
    assert "dependabot-cooldown" in result.stdout
    (github / "dependabot.yml").write_text(DEPENDABOT.read_text().replace("interval: weekly", "interval: sometimes"))
    result = _tool("check-jsonschema", "--builtin-schema", "vendor.dependabot", str(github / "dependabot.yml"))
    assert result.returncode != 0


@pytest.mark.parametrize("path", WORKFLOWS + ACTIONS, ids=lambda path: path.name)
def test_actions_are_pinned_to_commits_with_their_version_beside(path):
    for reference, rest in _uses(path):
        if reference.startswith("./"):
            continue
        assert PINNED.match(reference), f"{path.name}: {reference} is not pinned to a full commit SHA"
        assert re.match(r"^\s+#\s+v\d+\.\d+\.\d+$", rest), f"{path.name}: {reference} needs a `# vX.Y.Z` comment"


def test_one_version_per_action_across_files():
    versions: dict[str, set[str]] = {}
    for path in WORKFLOWS + ACTIONS:
        for reference, _ in _uses(path):
            name, _, sha = reference.partition("@")
            versions.setdefault(name, set()).add(sha)
    assert {name: shas for name, shas in versions.items() if len(shas) > 1} == {}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_workflows_grant_nothing_by_default_and_jobs_only_what_they_use(path):
    workflow = _load(path)
    assert "pull_request_target" not in workflow["on"]
    assert workflow["permissions"] == {}
    for name, job in workflow["jobs"].items():
        permissions = job.get("permissions", {})
        assert permissions.get("contents", "read") == "read", f"{path.name}:{name}"
        assert set(permissions.values()) <= {"read", "write"}
        assert {key for key, value in permissions.items() if value == "write"} <= {"id-token"}, f"{path.name}:{name}"


@pytest.mark.parametrize("name", ["pull-request.yml", "deploy.yml", "release.yml"])
def test_top_level_workflows_have_a_concurrency_group(name):
    assert _load(GITHUB / "workflows" / name)["concurrency"]["group"]


def test_jobs_that_touch_an_environment_wait_for_its_reviewers():
    """Every job with a deploy or release identity runs in the GitHub environment its trust names: deploys in
    `<env>` (github.environment), releases in `<env>-release` (delivery.release_environment)."""
    from shared import load_settings

    for name, job in _load(GITHUB / "workflows" / "deploy-environment.yml")["jobs"].items():
        assert job["environment"] == "${{ inputs.environment }}", name
    for name, job in _load(GITHUB / "workflows" / "release.yml")["jobs"].items():
        assert job["environment"] == "${{ inputs.environment }}-release", name
    for environment in ENVIRONMENTS:
        settings = load_settings(environment)
        assert settings.github.environment == environment
        assert settings.delivery.release_environment == f"{environment}-release"
    for plan_only in ("pull-request.yml", "plan-environment.yml"):
        assert all("environment" not in job for job in _load(GITHUB / "workflows" / plan_only)["jobs"].values())


def test_pull_requests_plan_only_the_environments_whose_settings_allow_it():
    """No pull-request token reaches production: its plan identity trusts deploy.yml on main, which plans it."""
    from shared import ENVIRONMENTS, load_settings

    allowed = [name for name in ENVIRONMENTS if load_settings(name).delivery.pull_request_plans]
    assert "production" not in allowed
    plan = _load(GITHUB / "workflows" / "pull-request.yml")["jobs"]["plan"]
    assert plan["uses"] == "./.github/workflows/plan-environment.yml"
    assert plan["strategy"]["matrix"]["environment"] == allowed
    jobs = _load(GITHUB / "workflows" / "deploy.yml")["jobs"]
    assert jobs["plan-production"]["uses"] == "./.github/workflows/plan-environment.yml"
    assert jobs["plan-production"]["with"]["environment"] == "production"
    assert _load(GITHUB / "workflows" / "deploy.yml")["on"]["push"]["branches"] == ["main"]


def test_production_waits_for_its_plan_and_the_github_settings_check():
    jobs = _load(GITHUB / "workflows" / "deploy.yml")["jobs"]
    assert {"plan-production", "github-settings", "staging"} <= set(jobs["production"]["needs"])
    runs = [step.get("run", "") for step in jobs["github-settings"]["steps"]]
    assert any("ops.github_settings --check" in run for run in runs)
    assert jobs["github-settings"]["permissions"] == {"contents": "read", "actions": "read"}


def test_everything_that_changes_the_compute_stack_shares_one_group_per_environment():
    """Deploys (per environment, both clouds) and releases queue behind each other instead of overlapping."""
    jobs = _load(GITHUB / "workflows" / "deploy.yml")["jobs"]
    for environment in ENVIRONMENTS:
        assert jobs[environment]["concurrency"] == {"group": f"compute-{environment}", "cancel-in-progress": False}
    (release,) = _load(GITHUB / "workflows" / "release.yml")["jobs"].values()
    assert release["concurrency"] == {"group": "compute-${{ inputs.environment }}", "cancel-in-progress": False}
    inner = _load(GITHUB / "workflows" / "deploy-environment.yml")["jobs"].values()
    assert all("concurrency" not in job for job in inner)  # the caller holds the group for both clouds


def test_credentials_come_only_from_oidc():
    text = "\n".join(path.read_text() for path in WORKFLOWS + ACTIONS)
    for forbidden in ("aws-access-key-id", "aws-secret-access-key", "credentials_json", "secrets."):
        assert forbidden not in text
    for path in WORKFLOWS:
        for reference, _ in _uses(path):
            if reference.startswith(("aws-actions/configure-aws-credentials", "google-github-actions/auth")):
                assert "id-token: write" in path.read_text()


def test_every_workflow_names_exactly_the_environments_of_the_settings():
    """Adding an environment (README) includes the workflows: each lists exactly the settings' environments."""
    deploy = _load(GITHUB / "workflows" / "deploy.yml")["jobs"]
    deployed = {
        name: job["with"]["environment"]
        for name, job in deploy.items()
        if job.get("uses", "").endswith("/deploy-environment.yml")
    }
    assert deployed == {environment: environment for environment in ENVIRONMENTS}, (
        "deploy.yml needs one job per environment of shared/environments.py"
    )
    triggers = _load(GITHUB / "workflows" / "release.yml")["on"]
    release = triggers["workflow_dispatch"]["inputs"]["environment"]
    assert release["options"] == list(ENVIRONMENTS), "release.yml's environment options must list every environment"


def test_each_environment_is_deployed_only_after_the_one_before_it():
    """deploy.yml promotes in the settings' order (shared/environments.py DEFINITIONS): the first after the tests,
    each later one after the one before it; production comes last."""
    jobs = _load(GITHUB / "workflows" / "deploy.yml")["jobs"]
    assert ENVIRONMENTS[-1] == "production"
    for before, environment in zip(("test", *ENVIRONMENTS), ENVIRONMENTS, strict=False):
        needs = jobs[environment]["needs"]
        assert before in ([needs] if isinstance(needs, str) else needs), f"{environment} must wait for {before}"
        assert jobs[environment]["with"]["environment"] == environment


def test_gcp_release_checks_the_candidate_through_the_load_balancer_before_traffic():
    """Cloud Run ingress is load-balancer-only: the release is checked via the contract's candidate tag and header,
    by ops/release.py, which operators run too; the workflow only calls it."""
    from ops.release import gcp_commands
    from shared import load_settings
    from shared.contract import CANDIDATE_TAG
    from shared.release import IMAGES

    settings = load_settings("staging")
    commands = [" ".join(argv) for argv in gcp_commands(settings, "v1", tuple(IMAGES))]
    primary = f"--region {settings.gcp.region} "
    deploy = max(i for i, run in enumerate(commands) if "gcloud run deploy" in run and primary in run)
    check = next(i for i, run in enumerate(commands) if "ops.health_check" in run and "--candidate" in run)
    traffic = min(i for i, run in enumerate(commands) if f"--to-tags {CANDIDATE_TAG}=100" in run)
    assert deploy < check < traffic
    deploys = [run for run in commands if "gcloud run deploy" in run and primary in run]
    assert deploys and all(f"--no-traffic --tag {CANDIDATE_TAG}" in run for run in deploys)
    # The standby region (no traffic before a failover) gets the release only once the primary serves it.
    standby = [i for i, run in enumerate(commands) if "gcloud run deploy" in run and primary not in run]
    assert len(standby) == len(IMAGES) * settings.recovery.has_standby
    assert all(i > traffic for i in standby)
    steps = yaml.safe_load((GITHUB / "workflows" / "release.yml").read_text())["jobs"]["release"]["steps"]
    runs = [step.get("run", "") for step in steps]
    assert any("ops.release --cloud gcp" in run for run in runs)
    assert not any("gcloud run deploy" in run for run in runs)  # one release path, the script's
    assert not any("run.app" in run or ".url" in run for run in runs)  # no tag URL: unreachable from a runner


def test_gcp_rollbacks_return_to_the_revision_that_served_and_drop_the_candidate_tag():
    """After a rolled-back release the latest ready revision is the rejected one: both workflows record traffic."""
    for name in ("release.yml", "deploy-environment.yml"):
        text = (GITHUB / "workflows" / name).read_text()
        assert "latestReadyRevisionName" not in text, name
        assert "select((.percent // 0) > 0)" in text, name
    release = (GITHUB / "workflows" / "release.yml").read_text()
    rollback = release[release.index("Roll traffic back") :]
    assert "--remove-tags candidate" in rollback


# The libraries and CLIs that must move together: the CDK (library, nag, CLI) and CDK Terrain (library, providers,
# the cdktf CLI that drives it), sharing `constructs`.
CDK_TOOLCHAIN = {
    "uv": {"aws-cdk-lib", "constructs", "cdk-nag", "cdktn", "cdktn-provider-google"},
    "npm": {"aws-cdk", "cdktf-cli"},
}
# The other npm pins: tools of the tests (tests/mermaid_parse.mjs), updated together outside the toolchain group.
NODE_TEST_TOOLS = {"mermaid", "jsdom"}


def test_dependabot_keeps_every_lock_file_and_pinned_action_current():
    import json
    import tomllib

    config = yaml.safe_load(DEPENDABOT.read_text())
    updates = {update["package-ecosystem"]: update for update in config["updates"]}
    assert set(updates) == {"uv", "npm", "github-actions"}  # `uv` reads uv.lock; `pip` would not
    assert (ROOT / "uv.lock").exists() and (ROOT / "package-lock.json").exists()
    assert set(updates["github-actions"]["directories"]) == {"/", "/.github/actions/*"}  # workflows and the action
    assert all(update["cooldown"]["default-days"] >= 7 for update in updates.values())
    # Every CDK and CDK Terrain package the project pins is in the one group, and nothing else is.
    pinned_python = {
        re.split(r"[=<>~]", spec)[0]
        for spec in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    }
    pinned_node = set(json.loads((ROOT / "package.json").read_text())["devDependencies"])
    assert CDK_TOOLCHAIN["uv"] == pinned_python
    assert CDK_TOOLCHAIN["npm"] == pinned_node - NODE_TEST_TOOLS and pinned_node >= NODE_TEST_TOOLS
    assert updates["npm"]["groups"] == {"node-test-tools": {"patterns": ["*"]}}
    assert updates["uv"]["groups"] == {"python-tools": {"patterns": ["*"]}}
    assert set(config["multi-ecosystem-groups"]) == {"cdk-toolchain"}
    for ecosystem, packages in CDK_TOOLCHAIN.items():
        assert updates[ecosystem]["multi-ecosystem-group"] == "cdk-toolchain"
        assert set(updates[ecosystem]["patterns"]) == packages
    # The accidental aws-cdk 3.0.0 (cannot read aws-cdk-lib 2.x's cloud assembly) is never proposed.
    assert {"dependency-name": "aws-cdk", "versions": [">=3.0.0"]} in updates["npm"]["ignore"]


def test_the_weekly_patch_run_tests_main_with_read_only_permissions():
    workflow = _load(GITHUB / "workflows" / "patch.yml")
    (cron,) = (entry["cron"] for entry in workflow["on"]["schedule"])
    *_, day_of_month, month, day_of_week = cron.split()
    assert (day_of_month, month) == ("*", "*") and day_of_week.isdigit()  # once a week
    assert "workflow_dispatch" in workflow["on"]
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read"}
    assert any(step.get("run") == "make test" for step in job["steps"])
    assert "id-token" not in (GITHUB / "workflows" / "patch.yml").read_text()


def test_dependabot_pull_requests_are_tested_but_not_planned():
    """GitHub gives Dependabot's pull requests no OIDC token; their tests still run."""
    jobs = _load(GITHUB / "workflows" / "pull-request.yml")["jobs"]
    assert "if" not in jobs["test"]
    assert jobs["plan"]["if"] == "github.event.pull_request.user.login != 'dependabot[bot]'"


def test_the_quarterly_drill_runs_the_settings_drills_behind_the_environments_reviewers():
    from shared import load_settings
    from shared.recovery import DRILL_SCHEDULE_CRON
    from shared.recovery_names import DRILLS

    workflow = _load(GITHUB / "workflows" / "drill.yml")
    assert workflow["on"]["schedule"] == [{"cron": DRILL_SCHEDULE_CRON}]
    from ops.drill_gcp import DRILLS as GCP_DRILLS

    drilling = [name for name in ENVIRONMENTS if load_settings(name).recovery.drills]
    assert set(workflow["jobs"]) == {"aws", "gcp"}
    artifacts = set()
    for cloud, drills, module in (("aws", DRILLS, "ops.drill "), ("gcp", GCP_DRILLS, "ops.drill_gcp ")):
        job = workflow["jobs"][cloud]
        assert [job["environment"]] == drilling  # each job behind the environment's reviewers
        assert job["concurrency"] == {"group": f"compute-{drilling[0]}", "cancel-in-progress": False}
        assert job["permissions"] == {"contents": "read", "id-token": "write"}
        run = next(step["run"] for step in job["steps"] if module in step.get("run", ""))
        assert f"for drill in {' '.join(drills)}; do" in run
        upload = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/upload-artifact"))
        assert upload["if"] == "always()" and upload["with"]["retention-days"] >= 365
        artifacts.add(upload["with"]["name"])
    assert len(artifacts) == 2  # one artifact per cloud: neither overwrites the other's records
    gcp = workflow["jobs"]["gcp"]
    # The drill's own service account, through workload identity federation (never a key), after the AWS drills.
    auth = next(step for step in gcp["steps"] if step.get("uses", "").startswith("google-github-actions/auth@"))
    assert auth["with"] == {
        "workload_identity_provider": "${{ steps.settings.outputs.gcp_workload_identity_provider }}",
        "service_account": "${{ steps.settings.outputs.gcp_drill_account }}",
    }
    assert gcp["needs"] == "aws" and gcp["if"] == "${{ !cancelled() }}"
    assert f"--confirm {drilling[0]}" in next(s["run"] for s in gcp["steps"] if "ops.drill_gcp" in s.get("run", ""))


def test_drift_runs_only_on_its_schedule_for_every_environment_with_the_drift_identities_only():
    """The drift identities trust this workflow's ref on main; only the schedule may start it (shared/delivery.py)."""
    workflow = _load(GITHUB / "workflows" / "drift.yml")
    assert set(workflow["on"]) == {"schedule"}
    (job,) = workflow["jobs"].values()
    assert job["strategy"]["matrix"]["environment"] == list(ENVIRONMENTS)
    assert "environment" not in job  # the subject's context is the branch (`ref:refs/heads/main`)
    text = (GITHUB / "workflows" / "drift.yml").read_text()
    identities = set(re.findall(r"steps\.settings\.outputs\.(aws_\w+_role|gcp_\w+_account)", text))
    assert identities == {"aws_drift_role", "gcp_drift_account"}
    assert "make drift CLOUD=aws" in text and "make drift CLOUD=gcp" in text
