"""Releases own the image: infrastructure creates the released-tag parameters once and reads them on every deploy."""

from __future__ import annotations

import subprocess

import pytest

from ops import release
from shared import ENVIRONMENTS, environment_variable, load_settings
from shared.contract import BOOTSTRAP_IMAGE_TAG
from shared.names import tag_parameter_name
from shared.recovery_names import aws_standby_names
from shared.release import IMAGES
from tests.aws.helpers import resources

SSM_VALUE_PARAMETER = "AWS::SSM::Parameter::Value<String>"
# Staging's regions (it keeps a warm standby): the fake shell answers per region.
PRIMARY_REGION = load_settings("staging").aws.region
STANDBY_REGION = load_settings("staging").aws.recovery_region


def _released_tag_parameters(template: dict) -> dict[str, str]:
    """Template parameter id -> Parameter Store name, for parameters CloudFormation resolves on each deploy."""
    return {
        logical_id: parameter["Default"]
        for logical_id, parameter in template.get("Parameters", {}).items()
        if parameter["Type"] == SSM_VALUE_PARAMETER and "/release/" in parameter["Default"]
    }


def literal_image_tags(template: dict) -> list[str]:
    """Application images whose tag is written into the template: an infrastructure deploy would set it."""
    found = []
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::ECS::TaskDefinition":
            continue
        for container in resource["Properties"]["ContainerDefinitions"]:
            image = container["Image"]
            if isinstance(image, dict) and "Fn::Join" in image:
                tag = image["Fn::Join"][1][-1]
                if not (isinstance(tag, dict) and "Ref" in tag):
                    found.append(str(image))
            elif "dkr.ecr" in str(image) or ":bootstrap" in str(image):
                found.append(str(image))
    return found


def test_data_stack_creates_each_released_tag_with_the_bootstrap_tag_only(aws, settings):
    created = {
        resource["Properties"]["Name"]: resource
        for resource in resources(aws, settings, "data", "AWS::SSM::Parameter").values()
        if "/release/" in resource["Properties"]["Name"]
    }
    assert set(created) == {tag_parameter_name(settings, image) for image in IMAGES}
    for name, resource in created.items():
        # Exactly these, forever: any change would make CloudFormation write the bootstrap tag over a release.
        assert resource["Properties"] == {
            "Name": name,
            "Type": "String",
            "Value": BOOTSTRAP_IMAGE_TAG,
            "Description": "Released image tag; initial value only, written by ops/release.py",
        }
        retained = settings.resilience.retain_stateful_resources
        assert resource["DeletionPolicy"] == ("Retain" if retained else "Delete")


def test_task_definitions_read_the_released_tags_at_deploy_time(aws, settings):
    template = aws.templates[settings.name("compute")]
    parameters = _released_tag_parameters(template)
    assert sorted(parameters.values()) == sorted(tag_parameter_name(settings, image) for image in IMAGES)
    assert literal_image_tags(template) == []
    referenced = {
        container["Image"]["Fn::Join"][1][-1]["Ref"]
        for resource in resources(aws, settings, "compute", "AWS::ECS::TaskDefinition").values()
        for container in resource["Properties"]["ContainerDefinitions"]
        if isinstance(container["Image"], dict)
    }
    assert referenced == set(parameters)


def test_literal_image_tag_check_catches_a_hard_coded_tag():
    image = {"Fn::Join": ["", ["111.dkr.ecr.us-east-1.", {"Ref": "AWS::URLSuffix"}, "/bookedbarber-dev-api:bootstrap"]]}
    template = {
        "Resources": {
            "Task": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"ContainerDefinitions": [{"Image": image}]}}
        }
    }
    assert literal_image_tags(template) != []


def test_release_script_writes_the_parameters_the_stacks_use_then_updates_compute(aws, settings, capsys):
    assert release.main(["--cloud", "aws", "--env", settings.environment, "--tag", "v1.4.2", "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    compute = aws.templates[settings.name("compute")]
    for name in _released_tag_parameters(compute).values():
        put = f"+ aws ssm put-parameter --region {settings.aws.region} --name {name} --type String --value v1.4.2"
        assert f"{put} --overwrite" in lines
    update = next(line for line in lines if "update-stack" in line)
    # The deployed template (no infrastructure change rides along), through the release execution role only.
    assert f"--stack-name {settings.name('compute')} --use-previous-template" in update
    assert f"--role-arn arn:aws:iam::{settings.aws.account_id}:role/{settings.name('release-execution')}" in update
    assert not any(" cdk " in line for line in lines)  # no CDK bootstrap role
    # The tag must exist before anything is written.
    assert all("describe-images" in line for line in lines[: len(IMAGES)])


@pytest.mark.parametrize("tag", ["bad tag!", "", "-dash-first", "x" * 129, "v1;rm -rf /"])
def test_release_script_refuses_a_bad_tag_before_running_anything(tag, capsys):
    assert release.main(["--cloud", "aws", "--env", "dev", f"--tag={tag}", "--dry-run"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "image_tag" in captured.err and "not a Docker image tag" in captured.err


@pytest.mark.parametrize("tag", ["v1.4.2", "3f9c2ab", "release_2026-11-25"])
def test_release_script_accepts_docker_tags(tag, capsys):
    assert release.main(["--cloud", "aws", "--env", "dev", "--tag", tag, "--dry-run"]) == 0
    assert f"--value {tag} " in capsys.readouterr().out


REAL_VALUES = {"aws_account_id": "123456789012", "aws_hosted_zone_id": "Z0ABCDEF12345", "gcp_project_id": "acme-bb-1",
               "gcp_billing_account_id": "01A2B3-C4D5E6-F7A8B9"}  # fmt: skip


@pytest.fixture
def overridden(monkeypatch):
    """A real release needs the deployment's own values, as `make deploy` does."""
    monkeypatch.delenv("CONFIRM", raising=False)
    for index, environment in enumerate(ENVIRONMENTS):
        # one account per environment: two in one account would both own its account-level services
        for key, value in {**REAL_VALUES, "aws_account_id": f"12345678901{index}"}.items():
            monkeypatch.setenv(environment_variable(environment, key), value)


class FakeShell:
    """Records commands; answers reads with the current tag; fails the deploy or the candidate check when asked to.

    Each service's blue/green deployment waits at the candidate check (`pauses`: the services that reach it)."""

    def __init__(
        self,
        *,
        deploy_fails: bool,
        check_fails: bool = False,
        pauses: tuple[str, ...] = IMAGES,
        tags: dict[str, str] | None = None,
        fails_in: str = "",
        replicated_after: int = 0,
    ):
        """`tags`: the released tag per region (default v1.4.1 everywhere); `fails_in`: a region whose stack update
        fails; `replicated_after`: how many looks at the standby's repositories find no image yet."""
        self.deploy_fails = deploy_fails
        self.check_fails = check_fails
        self.pauses = pauses
        self.tags = tags or {}
        self.fails_in = fails_in
        self.unreplicated = replicated_after
        self.stack_status = "UPDATE_IN_PROGRESS"
        self.commands: list[list[str]] = []

    @staticmethod
    def region(command: list[str]) -> str:
        return command[command.index("--region") + 1] if "--region" in command else ""

    def __call__(self, command: list[str], capture: bool = False) -> str:
        self.commands.append(command)
        if "update-stack" in command and (self.deploy_fails or self.region(command) == self.fails_in):
            raise subprocess.CalledProcessError(1, command)
        if "describe-images" in command and self.region(command) == STANDBY_REGION and self.unreplicated:
            self.unreplicated -= 1
            raise subprocess.CalledProcessError(254, command)
        if "ops.health_check" in command and self.check_fails:
            raise subprocess.CalledProcessError(1, command)
        if "list-service-deployments" in command:
            service = command[command.index("--service") + 1]
            return f"arn:deployment/{service}\n" if service.rsplit("-", 1)[1] in self.pauses else "None\n"
        if "describe-service-deployments" in command:
            return "hook-" + command[command.index("--service-deployment-arns") + 1].rsplit("/", 1)[1] + "\n"
        if "describe-stacks" in command:
            if "Stacks[0].StackStatus" in command:
                return self.stack_status + "\n"
            return "BootstrapVersion\tApiImageTag\n"
        return self.tags.get(self.region(command), "v1.4.1") + "\n" if "get-parameter" in command else ""

    def written_tags(self, region: str = "") -> list[str]:
        return [
            command[command.index("--value") + 1]
            for command in self.commands
            if "put-parameter" in command and region in ("", self.region(command))
        ]

    def stack_updates(self) -> list[tuple[str, str]]:
        return [
            (self.region(command), command[command.index("--stack-name") + 1])
            for command in self.commands
            if "update-stack" in command
        ]

    def decisions(self) -> list[tuple[str, str]]:
        return [
            (command[command.index("--hook-id") + 1], command[command.index("--action") + 1])
            for command in self.commands
            if "continue-service-deployment" in command
        ]


def test_a_successful_release_writes_the_new_tags_then_updates_the_stack_with_every_parameter_kept(overridden):
    shell = FakeShell(deploy_fails=False)
    assert release.main(["--cloud", "aws", "--env", "staging", "--tag", "v1.4.2"], run=shell) == 0
    assert shell.written_tags(PRIMARY_REGION) == ["v1.4.2", "v1.4.2"]
    update = next(command for command in shell.commands if "update-stack" in command)
    assert update[-2:] == [
        "ParameterKey=BootstrapVersion,UsePreviousValue=true",
        "ParameterKey=ApiImageTag,UsePreviousValue=true",
    ]
    primary_done = shell.commands.index(release.aws_wait_command(load_settings("staging")))
    assert primary_done > shell.commands.index(update)
    # Production traffic moved only after the check through the load balancer passed, for both services.
    check = next(i for i, command in enumerate(shell.commands) if "ops.health_check" in command)
    assert "--candidate" in shell.commands[check]
    continues = [i for i, command in enumerate(shell.commands) if "continue-service-deployment" in command]
    assert continues and min(continues) > check
    assert shell.decisions() == [
        ("hook-bookedbarber-staging-api", "CONTINUE"),
        ("hook-bookedbarber-staging-web", "CONTINUE"),
    ]


def test_a_failed_candidate_check_rolls_every_paused_deployment_back_and_restores_the_tags(overridden, capsys):
    shell = FakeShell(deploy_fails=False, check_fails=True)
    assert release.main(["--cloud", "aws", "--env", "staging", "--tag", "v1.4.2"], run=shell, sleep=lambda _: None) == 1
    assert shell.decisions() == [
        ("hook-bookedbarber-staging-api", "ROLLBACK"),
        ("hook-bookedbarber-staging-web", "ROLLBACK"),
    ]
    assert shell.written_tags() == ["v1.4.2", "v1.4.2", "v1.4.1", "v1.4.1"]
    assert "ops.health_check --env staging --candidate" in capsys.readouterr().err


def test_a_stack_that_fails_before_the_check_restores_the_tags_and_decides_nothing(overridden, capsys):
    shell = FakeShell(deploy_fails=False, pauses=("api",))
    shell.stack_status = "UPDATE_ROLLBACK_IN_PROGRESS"
    assert release.main(["--cloud", "aws", "--env", "staging", "--tag", "v1.4.2"], run=shell, sleep=lambda _: None) == 1
    assert shell.decisions() == []
    assert not any("ops.health_check" in command for command in shell.commands)
    assert shell.written_tags()[-2:] == ["v1.4.1", "v1.4.1"]
    assert "UPDATE_ROLLBACK_IN_PROGRESS before the candidate check" in capsys.readouterr().err


def test_waiting_for_the_pause_gives_up_at_the_settings_timeout(overridden):
    settings = load_settings("staging")
    shell = FakeShell(deploy_fails=False, pauses=("api",))
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with pytest.raises(release.CandidateNotReadyError, match="no paused deployment of web"):
        release.aws_paused_deployments(settings, IMAGES, shell, sleep=sleep, clock=lambda: now[0])
    assert now[0] >= settings.rollout.candidate_check_timeout_minutes * 60


def test_only_the_released_image_is_waited_for(overridden):
    shell = FakeShell(deploy_fails=False, pauses=("web",))
    argv = ["--cloud", "aws", "--env", "staging", "--tag", "v1.4.2", "--image", "web"]
    assert release.main(argv, run=shell, sleep=lambda _: None) == 0
    assert shell.decisions() == [("hook-bookedbarber-staging-web", "CONTINUE")]


def test_releasing_the_released_tag_again_changes_nothing(overridden):
    shell = FakeShell(deploy_fails=False)
    assert release.main(["--cloud", "aws", "--env", "staging", "--tag", "v1.4.1"], run=shell) == 0
    assert shell.written_tags() == []


def test_a_failed_deploy_writes_the_previous_tags_back(overridden, capsys):
    """Otherwise the next infrastructure deploy would roll the failed tag out again."""
    shell = FakeShell(deploy_fails=True)
    assert release.main(["--cloud", "aws", "--env", "staging", "--tag", "v1.4.2"], run=shell) == 1
    assert shell.written_tags() == ["v1.4.2", "v1.4.2", "v1.4.1", "v1.4.1"]
    assert (
        "failed at: aws cloudformation update-stack --region us-east-1 --stack-name bookedbarber-staging-compute"
        in (capsys.readouterr().err)
    )


def test_a_release_with_placeholders_runs_nothing(capsys):
    shell = FakeShell(deploy_fails=False)
    assert release.main(["--cloud", "aws", "--env", "staging", "--tag", "v1.4.2"], run=shell, environ={}) == 2
    assert shell.commands == []
    assert "BB_STAGING_AWS_ACCOUNT_ID" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("confirm", "answer", "interactive", "words"),
    [
        ("", "", False, "production needs confirmation"),
        ("prod", "", False, "CONFIRM=prod does not match the environment production"),
        ("", "prod", True, "production needs confirmation"),
        ("production", "", False, None),
        ("", "production", True, None),
    ],
    ids=["none", "mismatch", "typed-wrong", "confirm", "typed-right"],
)
def test_production_releases_only_after_its_name_is_confirmed(overridden, capsys, confirm, answer, interactive, words):
    shell = FakeShell(deploy_fails=False)
    argv = ["--cloud", "aws", "--env", "production", "--tag", "v1.4.2"]
    code = release.main(argv, run=shell, environ={"CONFIRM": confirm}, ask=lambda _: answer, interactive=interactive)
    if words:
        assert (code, shell.commands) == (2, [])
        assert words in capsys.readouterr().err
    else:
        assert code == 0 and any("update-stack" in command for command in shell.commands)


def test_a_misspelt_release_environment_gets_the_closest_name(capsys):
    with pytest.raises(SystemExit) as exited:
        release.main(["--cloud", "aws", "--env", "prod", "--tag", "v1.4.2", "--dry-run"])
    assert exited.value.code == 2
    assert "'prod' is not an environment (did you mean 'production'?)" in capsys.readouterr().err


# The standby region (issue 19): a failover must serve the released version.


def test_the_standby_gets_the_release_once_the_primary_serves_it(overridden):
    settings = load_settings("staging")
    shell = FakeShell(deploy_fails=False)
    assert release.main(["--cloud", "aws", "--env", "staging", "--tag", "v1.4.2"], run=shell) == 0
    assert shell.stack_updates() == [
        (PRIMARY_REGION, settings.name("compute")),
        (STANDBY_REGION, aws_standby_names(settings)["stack"]),
    ]
    assert shell.written_tags(STANDBY_REGION) == ["v1.4.2", "v1.4.2"]
    primary_done = shell.commands.index(release.aws_wait_command(settings))
    standby_start = next(i for i, c in enumerate(shell.commands) if FakeShell.region(c) == STANDBY_REGION)
    assert standby_start > primary_done
    # The same tag parameters by name, in the standby's region, and the same execution role: its deployed template.
    standby_update = [c for c in shell.commands if "update-stack" in c][1]
    assert "--use-previous-template" in standby_update
    assert standby_update[standby_update.index("--role-arn") + 1].endswith(f"role/{settings.name('release-execution')}")
    assert shell.commands[-1] == release.aws_wait_command(settings, standby=True)
    # Nothing pauses there (no candidate header reaches it): no decision in that region.
    decided_in = {FakeShell.region(c) for c in shell.commands if "continue-service-deployment" in c}
    assert decided_in == {PRIMARY_REGION}


def test_a_rejected_candidate_never_reaches_the_standby(overridden):
    shell = FakeShell(deploy_fails=False, check_fails=True)
    assert release.main(["--cloud", "aws", "--env", "staging", "--tag", "v1.4.2"], run=shell, sleep=lambda _: None) == 1
    assert not [c for c in shell.commands if FakeShell.region(c) == STANDBY_REGION]


def test_the_standby_waits_for_ecr_to_replicate_the_images(overridden):
    shell = FakeShell(deploy_fails=False, replicated_after=3)
    naps: list[float] = []
    assert release.main(["--cloud", "aws", "--env", "staging", "--tag", "v1.4.2"], run=shell, sleep=naps.append) == 0
    looks = [c for c in shell.commands if "describe-images" in c and FakeShell.region(c) == STANDBY_REGION]
    assert len(looks) == len(IMAGES) + 3 and len(naps) >= 3
    assert shell.written_tags(STANDBY_REGION) == ["v1.4.2", "v1.4.2"]


def test_a_failed_standby_update_keeps_the_primary_and_says_what_to_do(overridden, capsys):
    shell = FakeShell(deploy_fails=False, fails_in=STANDBY_REGION)
    assert release.main(["--cloud", "aws", "--env", "staging", "--tag", "v1.4.2"], run=shell) == 1
    # The primary serves the checked release: it is neither rolled back nor are its tags rewritten.
    assert shell.written_tags(PRIMARY_REGION) == ["v1.4.2", "v1.4.2"]
    assert all(action == "CONTINUE" for _, action in shell.decisions())
    # The standby's parameters name what it still runs, so its next deploy does not try the release by surprise.
    assert shell.written_tags(STANDBY_REGION) == ["v1.4.2", "v1.4.2", "v1.4.1", "v1.4.1"]
    err = capsys.readouterr().err
    assert f"{PRIMARY_REGION} serves v1.4.2" in err and "Run the same release again" in err


def test_releasing_again_brings_a_lagging_standby_up_to_the_primary(overridden):
    shell = FakeShell(deploy_fails=False, tags={PRIMARY_REGION: "v1.4.2"})
    assert release.main(["--cloud", "aws", "--env", "staging", "--tag", "v1.4.2"], run=shell) == 0
    assert shell.written_tags(PRIMARY_REGION) == []
    assert shell.stack_updates() == [(STANDBY_REGION, aws_standby_names(load_settings("staging"))["stack"])]


def test_without_a_standby_a_release_touches_one_region(overridden):
    settings = load_settings("dev")
    assert not settings.recovery.has_standby
    shell = FakeShell(deploy_fails=False)
    assert release.main(["--cloud", "aws", "--env", "dev", "--tag", "v1.4.2"], run=shell) == 0
    assert {FakeShell.region(c) for c in shell.commands if "--region" in c} == {settings.aws.region}
    assert release.aws_standby_commands(settings, "v1.4.2", IMAGES) == []


def test_the_dry_run_shows_the_standby_after_the_primary(capsys):
    assert release.main(["--cloud", "aws", "--env", "production", "--tag", "v1.4.2", "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    settings = load_settings("production")
    primary_wait = lines.index("+ " + " ".join(release.aws_wait_command(settings)))
    assert lines[-1] == "+ " + " ".join(release.aws_wait_command(settings, standby=True))
    assert all(settings.aws.recovery_region in line for line in lines[primary_wait + 1 :])


def test_images_that_never_reach_the_standby_fail_the_standby_step_only(overridden):
    settings = load_settings("staging")
    shell = FakeShell(deploy_fails=False, replicated_after=10**6)
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with pytest.raises(release.StandbyReleaseError, match="describe-images --region " + STANDBY_REGION):
        release.release_aws(settings, "v1.4.2", IMAGES, shell, sleep=sleep, clock=lambda: now[0])
    assert now[0] >= release.IMAGE_REPLICATION_MINUTES * 60
    assert shell.written_tags(PRIMARY_REGION) == ["v1.4.2", "v1.4.2"] and shell.written_tags(STANDBY_REGION) == []
