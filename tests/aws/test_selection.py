"""Reading the AWS app's context without aws_cdk: environments, overrides, refused keys."""

from __future__ import annotations

import json

import pytest

from aws_stacks.selection import cli_context, select
from shared import ENVIRONMENTS, SettingsError
from tests.synth import cdk_json_context


def test_cdk_json_context_alone_selects_every_environment():
    assert [settings.environment for settings in select(cdk_json_context(), environ={})] == list(ENVIRONMENTS)


def test_one_environment_with_an_override():
    (settings,) = select({"env": "staging", "aws_account_id": "123456789012"}, environ={})
    assert (settings.environment, settings.aws.account_id) == ("staging", "123456789012")


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("aws_acount_id", "did you mean 'aws_account_id'?"),
        ("gcp_regoin", "did you mean 'gcp_region'?"),
        ("image_tag", "ops/release.py"),
    ],
)
def test_project_looking_context_keys_that_are_no_override_are_refused(key, words):
    with pytest.raises(SettingsError) as caught:
        select({**cdk_json_context(), "env": "dev", key: "x"}, environ={})
    assert key in {name for name, _ in caught.value.problems}
    assert words in str(caught.value)


def test_cdk_own_context_keys_are_not_taken_for_overrides():
    context = {"@aws-cdk/core:newStyleStackSynthesis": True, "aws:cdk:version-reporting": False, "cli-telemetry": 0}
    assert len(select({**context, "env": "dev"}, environ={})) == 1


def test_cli_context_reads_the_environment_and_the_overflow_file(tmp_path):
    overflow = tmp_path / "context.json"
    overflow.write_text(json.dumps({"aws_region": "eu-west-1"}))
    environ = {"CDK_CONTEXT_JSON": json.dumps({"env": "dev"}), "CONTEXT_OVERFLOW_LOCATION_ENV": str(overflow)}
    assert cli_context(environ) == {"env": "dev", "aws_region": "eu-west-1"}
    assert cli_context({}) == {}


def test_synthesis_asks_no_lookup_the_cli_would_need_credentials_for(aws):
    """In-process synthesis fills a missing context value with a dummy and goes on; `cdk synth` through the CLI
    stops on it without credentials (the standby's availability zones did). The assembly must list none."""
    manifest = json.loads((aws.directory / "manifest.json").read_text())
    assert manifest.get("missing", []) == []
