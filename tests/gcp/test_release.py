"""Releases own the Cloud Run image: Terraform starts from the bootstrap tag and ignores image changes after."""

from __future__ import annotations

import pytest

from ops import release
from shared import load_settings
from shared.contract import BOOTSTRAP_IMAGE_TAG
from shared.release import IMAGES, gcp_image
from tests.gcp.tf import ALL, resources, stack

IMAGE_PATH = "template[0].containers[0].image"


@pytest.mark.parametrize("environment", ALL)
def test_first_apply_uses_the_bootstrap_images_and_later_applies_ignore_the_image(gcp_stacks, environment):
    settings = load_settings(environment)
    services = resources(stack(gcp_stacks, environment, "app"), "google_cloud_run_v2_service")
    regions = 2 if settings.recovery.has_standby else 1
    assert len(services) == len(IMAGES) * regions
    for service in services:
        image = service["name"].removeprefix(f"{settings.prefix}-")
        (container,) = service["template"]["containers"]
        assert container["image"] == gcp_image(settings, image)
        assert container["image"].endswith(f":{BOOTSTRAP_IMAGE_TAG}")
        assert IMAGE_PATH in service["lifecycle"]["ignore_changes"]


@pytest.mark.parametrize("environment", ALL)
def test_release_script_deploys_an_image_of_the_stacks_repository_to_each_service(gcp_stacks, environment, capsys):
    settings = load_settings(environment)
    assert release.main(["--cloud", "gcp", "--env", environment, "--tag", "v1.4.2", "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    (repository,) = resources(stack(gcp_stacks, environment, "data"), "google_artifact_registry_repository")
    app_stack = stack(gcp_stacks, environment, "app")
    deploys = [line.split() for line in lines if " run deploy " in line]
    # Every service in every region the stacks run it (the standby's too), once.
    placed = [(run["name"], run["location"]) for run in resources(app_stack, "google_cloud_run_v2_service")]
    assert sorted((words[4], words[words.index("--region") + 1]) for words in deploys) == sorted(placed)
    for words in deploys:
        image = words[words.index("--image") + 1]
        assert f"/{settings.gcp.project_id}/{repository['repository_id']}/" in image and image.endswith(":v1.4.2")
    # Traffic moves by tag in the primary region only: the standby's services serve their latest revision.
    traffic = [line.split()[5] for line in lines if "update-traffic" in line]
    assert sorted(traffic) == sorted(name for name, region in placed if region == settings.gcp.region)


def test_release_script_refuses_a_bad_tag(capsys):
    assert release.main(["--cloud", "gcp", "--env", "dev", "--tag", "bad tag!", "--dry-run"]) == 2
    assert capsys.readouterr().out == ""


def test_a_failed_candidate_check_moves_no_traffic_and_drops_the_candidate_tag(monkeypatch, capsys):
    """The same contract as AWS's blue/green: check through the load balancer, then shift or roll back."""
    import subprocess

    for key, value in {"GCP_PROJECT_ID": "acme-bb-1", "GCP_BILLING_ACCOUNT_ID": "01A2B3-C4D5E6-F7A8B9",
                       "AWS_ACCOUNT_ID": "123456789012", "AWS_HOSTED_ZONE_ID": "Z0ABCDEF12345"}.items():  # fmt: skip
        monkeypatch.setenv(f"BB_STAGING_{key}", value)
    commands: list[list[str]] = []

    def shell(command: list[str], capture: bool = False) -> str:
        commands.append(command)
        if "ops.health_check" in command:
            raise subprocess.CalledProcessError(1, command)
        return ""

    assert release.main(["--cloud", "gcp", "--env", "staging", "--tag", "v1.4.2"], run=shell, environ={}) == 1
    assert not [c for c in commands if "--to-tags" in c]
    removed = [c[4] for c in commands if "--remove-tags" in c]
    settings = load_settings("staging")
    assert sorted(removed) == sorted(settings.name(image) for image in IMAGES)
    assert "ops.health_check --env staging --candidate" in capsys.readouterr().err
