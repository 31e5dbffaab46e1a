"""`make diff` / `make deploy` (ops/deploy.py): refusals come at once, with a message, and nothing runs."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ops import deploy
from shared import ENVIRONMENTS, environment_variable, load_settings
from shared.stacks import aws_stack_names
from tests.synth import ROOT

REAL_VALUES = {
    "aws_account_id": "123456789012",
    "aws_hosted_zone_id": "Z0ABCDEF12345",
    "github_repository_id": "42",
    "gcp_billing_account_id": "01A2B3-C4D5E6-F7A8B9",
    "gcp_project_id": "acme-bookedbarber-1",
}


@pytest.fixture
def overridden(monkeypatch):
    """Every environment's placeholders replaced, as an operator's shell would."""
    for index, environment in enumerate(ENVIRONMENTS):
        # one account per environment: two in one account would both own its account-level services
        for key, value in {**REAL_VALUES, "aws_account_id": f"12345678901{index}"}.items():
            monkeypatch.setenv(environment_variable(environment, key), value)


class Recorder:
    def __init__(self, code: int = 0) -> None:
        self.calls: list[list[str]] = []
        self.code = code

    def __call__(self, argv: list[str]) -> int:
        self.calls.append(argv)
        return self.code


def _main(args: str, environ: dict, *, answer: str = "", interactive: bool = False) -> tuple[int, Recorder]:
    run = Recorder()
    code = deploy.main(args.split(), environ=environ, run=run, ask=lambda _: answer, interactive=interactive)
    return code, run


AWS_KEYS = {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "example"}


def test_without_credentials_the_script_fails_at_once_without_a_traceback(tmp_path):
    environ = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "GOOGLE_", "CLOUDSDK_"))}
    environ |= {"HOME": str(tmp_path), **{environment_variable("dev", k): v for k, v in REAL_VALUES.items()}}
    for cloud, words in (("aws", "no AWS credentials"), ("gcp", "no GCP credentials")):
        result = subprocess.run(
            [sys.executable, "-m", "ops.deploy", "diff", "--cloud", cloud, "--env", "dev"],
            cwd=ROOT,
            env=environ,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert result.returncode == 2
        assert f"error: {words}" in result.stderr
        assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("environ", "found"),
    [
        ({}, False),
        (AWS_KEYS, True),
        ({"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE"}, False),
        ({"AWS_WEB_IDENTITY_TOKEN_FILE": "/t", "AWS_ROLE_ARN": "arn:aws:iam::1:role/r"}, True),
        ({"AWS_PROFILE": "bookedbarber-dev"}, True),
    ],
)
def test_aws_credentials_are_found_where_the_sdk_looks(tmp_path, environ, found):
    assert (deploy.aws_credentials(environ, tmp_path) is not None) is found


def test_aws_shared_credentials_file_counts_once_it_has_a_profile(tmp_path):
    (tmp_path / ".aws").mkdir()
    assert deploy.aws_credentials({}, tmp_path) is None
    (tmp_path / ".aws" / "config").write_text("[profile bookedbarber-dev]\nsso_session = x\n")
    assert deploy.aws_credentials({}, tmp_path) is not None


def test_gcp_credentials_are_application_default_credentials(tmp_path):
    assert deploy.gcp_credentials({}, tmp_path) is None
    assert deploy.gcp_credentials({"GOOGLE_APPLICATION_CREDENTIALS": str(tmp_path / "missing.json")}, tmp_path) is None
    adc = tmp_path / ".config" / "gcloud" / "application_default_credentials.json"
    adc.parent.mkdir(parents=True)
    adc.write_text("{}")
    assert deploy.gcp_credentials({}, tmp_path) == str(adc)


def test_a_bad_cloud_or_environment_is_refused(overridden, capsys):
    assert _main("diff --cloud azure --env dev", AWS_KEYS)[0] == 2
    assert "CLOUD=azure is not a cloud" in capsys.readouterr().err
    code, run = _main("deploy --cloud aws --env prod", AWS_KEYS)
    assert (code, run.calls) == (2, [])
    assert "ENV=prod is not an environment (did you mean 'production'?)" in capsys.readouterr().err


def test_a_confirmation_that_does_not_match_says_so(overridden, capsys):
    code, run = _main("deploy --cloud aws --env production", {**AWS_KEYS, "CONFIRM": "prod"})
    assert (code, run.calls) == (2, [])
    assert "CONFIRM=prod does not match the environment production" in capsys.readouterr().err
    _main("deploy --cloud aws --env production", AWS_KEYS, interactive=False)
    assert "production needs confirmation" in capsys.readouterr().err


def test_placeholders_are_refused_before_credentials_are_looked_at(capsys):
    code, run = _main("diff --cloud aws --env staging", AWS_KEYS)
    assert (code, run.calls) == (2, [])
    assert "BB_STAGING_AWS_ACCOUNT_ID" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("confirm", "answer", "interactive", "runs"),
    [
        ("", "", False, False),
        ("staging", "", False, False),
        ("production", "", False, True),
        ("", "prod", True, False),
        ("", "production", True, True),
    ],
    ids=["none", "wrong-name", "confirm-flag", "typed-wrong", "typed-right"],
)
def test_production_deploys_only_after_its_name_is_confirmed(overridden, confirm, answer, interactive, runs):
    assert load_settings("production").github.deploy_confirmation
    args = "deploy --cloud aws --env production" + (f" --confirm {confirm}" if confirm else "")
    code, run = _main(args, AWS_KEYS, answer=answer, interactive=interactive)
    assert (code == 0, bool(run.calls)) == (runs, runs)


def test_confirm_can_come_from_the_environment_and_diffs_need_none(overridden):
    assert _main("deploy --cloud aws --env production", {**AWS_KEYS, "CONFIRM": "production"})[1].calls
    assert _main("diff --cloud aws --env production", AWS_KEYS)[1].calls


def test_environments_without_confirmation_deploy_directly(overridden):
    assert not load_settings("dev").github.deploy_confirmation
    code, run = _main("deploy --cloud aws --env dev", AWS_KEYS)
    assert code == 0
    (argv,) = run.calls
    settings = load_settings("dev")
    assert argv[:3] == ["npx", "--no-install", "cdk"]
    platform = [name for name in aws_stack_names(settings) if not name.endswith("-delivery")]
    assert argv[3 : 4 + len(platform)] == ["deploy", *platform]
    assert settings.name("delivery") not in argv
    assert argv[4 + len(platform) : 6 + len(platform)] == ["-c", "env=dev"]


def test_the_trust_is_deployed_only_on_request(overridden):
    settings = load_settings("staging")
    google = {"GOOGLE_OAUTH_ACCESS_TOKEN": "token"}
    assert _main("deploy --cloud gcp --env staging", google)[1].calls == [
        [
            "env",
            "BB_ENV=staging",
            "npx",
            "--no-install",
            "cdktf",
            "deploy",
            *deploy.stacks("gcp", "staging", trust=False),
            "--auto-approve",
        ]
    ]
    assert settings.name("gcp-delivery") not in deploy.stacks("gcp", "staging", trust=False)
    assert deploy.stacks("gcp", "staging", trust=True) == [settings.name("gcp-delivery")]
    assert deploy.stacks("aws", "staging", trust=True) == [settings.name("delivery")]


def test_gcp_diffs_one_stack_at_a_time_and_aws_pull_requests_diff_read_only(overridden):
    runs = _main("diff --cloud gcp --env dev", {"GOOGLE_OAUTH_ACCESS_TOKEN": "token"})[1].calls
    assert [argv[-1] for argv in runs] == deploy.stacks("gcp", "dev", trust=False)
    # One synthesis for the whole sequence: every diff after the first reuses cdktf.out/.
    assert ["--skip-synth" in argv for argv in runs] == [False] + [True] * (len(runs) - 1)
    (argv,) = _main("diff --cloud aws --env dev --template-only", AWS_KEYS)[1].calls
    assert argv[-2:] == ["--method", "template"]


def test_a_failing_cli_stops_the_sequence(overridden):
    run = Recorder(code=1)
    code = deploy.main(["diff", "--cloud", "gcp", "--env", "dev"], environ={"GOOGLE_OAUTH_ACCESS_TOKEN": "t"}, run=run)
    assert (code, len(run.calls)) == (1, 1)


def _listed(cloud: str) -> list[str]:
    return [
        name
        for environment in ENVIRONMENTS
        for name in deploy.stacks(cloud, environment, trust=False) + deploy.stacks(cloud, environment, trust=True)
    ]


def test_aws_stack_list_matches_the_synthesized_platform(aws):
    """deploy.py lists stacks without importing jsii; the synthesized apps are the reference."""
    assert sorted(_listed("aws")) == sorted(aws.templates)


def test_gcp_stack_list_matches_the_synthesized_platform(gcp_stacks):
    assert sorted(_listed("gcp")) == sorted(gcp_stacks)


def test_drift_checks_every_platform_stack_of_the_environment(overridden):
    aws_runs = _main("drift --cloud aws --env staging", AWS_KEYS)[1].calls
    assert [argv[3:5] for argv in aws_runs] == [
        ["drift", name] for name in deploy.stacks("aws", "staging", trust=False)
    ]
    assert all(argv[-3:] == ["-c", "env=staging", "--fail"] for argv in aws_runs)
    gcp_runs = _main("drift --cloud gcp --env staging", {"GOOGLE_OAUTH_ACCESS_TOKEN": "token"})[1].calls
    assert gcp_runs[0] == ["env", "BB_ENV=staging", "npx", "--no-install", "cdktf", "synth"]  # once, then init and plan
    plans = [argv for argv in gcp_runs if "plan" in argv]
    assert [argv[1] for argv in plans] == [
        f"-chdir=cdktf.out/stacks/{name}" for name in deploy.stacks("gcp", "staging", trust=False)
    ]
    assert all({"-detailed-exitcode", "-lock=false", "-input=false"} <= set(argv) for argv in plans)


def test_drift_goes_on_after_a_drifted_stack_and_fails_the_run(overridden, capsys):
    """terraform plan -detailed-exitcode exits 2 on changes; every stack is still checked, then the run fails."""
    names = deploy.stacks("gcp", "dev", trust=False)

    def plan_drifts_once(argv: list[str]) -> int:
        return 2 if "-detailed-exitcode" in argv and argv[1].endswith(names[0]) else 0

    calls = []
    code = deploy.main(
        ["drift", "--cloud", "gcp", "--env", "dev"],
        environ={"GOOGLE_OAUTH_ACCESS_TOKEN": "t"},
        run=lambda argv: calls.append(argv) or plan_drifts_once(argv),
    )
    assert code == 1
    assert len([argv for argv in calls if "-detailed-exitcode" in argv]) == len(names)
    out = capsys.readouterr().out
    assert out.count("drifted") == 1 and out.count("clean") == len(names) - 1
    clean = deploy.main(["drift", "--cloud", "aws", "--env", "dev"], environ=AWS_KEYS, run=Recorder(code=0))
    assert clean == 0


# An infrastructure deploy that changes a task definition starts blue/green deployments that wait at the candidate
# check, as a release's do (issue 20): the deploy decides them with the release's function (ops/rollout.py).


class RunningCli:
    """The CDK CLI, running for `polls` looks, then exiting with `code`."""

    def __init__(self, polls: int, code: int = 0) -> None:
        self.polls, self.code, self.argv = polls, code, None

    def __call__(self, argv: list[str]) -> RunningCli:
        self.argv = argv
        return self

    def poll(self) -> int | None:
        self.polls -= 1
        return None if self.polls >= 0 else self.code


class Cluster:
    """Answers the candidate check's reads: a service's deployment waits at the pause from look `pauses_at[service]`
    on, until it is decided; the candidate check passes unless `check_fails`."""

    def __init__(self, pauses_at: dict[str, int], *, check_fails: bool = False) -> None:
        self.pauses_at, self.check_fails = pauses_at, check_fails
        self.looks: dict[str, int] = {}
        self.decided: dict[str, str] = {}
        self.commands: list[list[str]] = []

    def __call__(self, command: list[str], capture: bool = False) -> str:
        self.commands.append(command)
        if "ops.health_check" in command:
            if self.check_fails:
                raise subprocess.CalledProcessError(1, command)
            return ""
        if "list-service-deployments" in command:
            service = command[command.index("--service") + 1].rsplit("-", 1)[1]
            self.looks[service] = self.looks.get(service, 0) + 1
            due = service in self.pauses_at and self.looks[service] >= self.pauses_at[service]
            return f"arn:deployment/{service}\n" if due and service not in self.decided else "None\n"
        if "describe-service-deployments" in command:
            return "hook-" + command[command.index("--service-deployment-arns") + 1].rsplit("/", 1)[1] + "\n"
        if "continue-service-deployment" in command:
            hook = command[command.index("--hook-id") + 1].removeprefix("hook-")
            self.decided[hook] = command[command.index("--action") + 1]
        return ""

    def order(self) -> list[str]:
        return [
            "check" if "ops.health_check" in c else f"{c[c.index('--hook-id') + 1]}:{c[c.index('--action') + 1]}"
            for c in self.commands
            if "ops.health_check" in c or "continue-service-deployment" in c
        ]


def _deploy_dev(cli: RunningCli, cluster: Cluster, *extra: str) -> int:
    argv = ["deploy", "--cloud", "aws", "--env", "dev", *extra]
    return deploy.main(argv, environ=AWS_KEYS, start=cli, shell=cluster, sleep=lambda _: None)


def test_an_infrastructure_deploy_checks_each_candidate_it_starts_then_continues_it(overridden):
    cli, cluster = RunningCli(polls=6), Cluster({"api": 2, "web": 4})
    assert _deploy_dev(cli, cluster) == 0
    assert cli.argv[:4] == ["npx", "--no-install", "cdk", "deploy"]
    # Each paused deployment once, after its own check: api first, web when it reaches the pause.
    assert cluster.order() == ["check", "hook-api:CONTINUE", "check", "hook-web:CONTINUE"]
    (check,) = {tuple(c) for c in cluster.commands if "ops.health_check" in c}
    assert "--candidate" in check


def test_a_candidate_that_fails_the_check_is_rolled_back_and_fails_the_deploy(overridden, capsys):
    # The CLI would exit non-zero too (CloudFormation fails the service's update); the deploy fails even if not.
    cli, cluster = RunningCli(polls=3), Cluster({"api": 1}, check_fails=True)
    assert _deploy_dev(cli, cluster) == 1
    assert cluster.decided == {"api": "ROLLBACK"}
    assert "rejected api" in capsys.readouterr().err


def test_a_deploy_that_changes_no_task_definition_checks_nothing(overridden):
    cli, cluster = RunningCli(polls=3, code=0), Cluster({})
    assert _deploy_dev(cli, cluster) == 0
    assert cluster.order() == []
    assert _deploy_dev(RunningCli(polls=1, code=3), Cluster({})) == 3


def test_the_watch_reads_only_the_primary_cluster_and_the_trust_deploy_is_not_watched(overridden):
    settings = load_settings("dev")
    cluster = Cluster({"api": 1})
    assert _deploy_dev(RunningCli(polls=2), cluster) == 0
    regions = {c[c.index("--region") + 1] for c in cluster.commands if "--region" in c}
    clusters = {c[c.index("--cluster") + 1] for c in cluster.commands if "--cluster" in c}
    assert (regions, clusters) == ({settings.aws.region}, {settings.name("cluster")})
    trust_cluster, run = Cluster({"api": 1}), Recorder()
    argv = ["deploy", "--cloud", "aws", "--env", "dev", "--trust"]
    assert deploy.main(argv, environ=AWS_KEYS, run=run, start=RunningCli(polls=2), shell=trust_cluster) == 0
    assert trust_cluster.commands == [] and run.calls[0][3:5] == ["deploy", settings.name("delivery")]
