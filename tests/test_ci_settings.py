"""ops/ci_settings.py: what a workflow job reads about its environment, from settings and repository variables."""

from __future__ import annotations

import json

from ops import ci_settings
from shared import load_settings
from shared.delivery import gcp_account_email
from shared.names import aws_role_name

VARIABLES = {
    "BB_STAGING_AWS_ACCOUNT_ID": "123456789012",
    "BB_STAGING_GCP_PROJECT_NUMBER": "987654321098",
    "BB_STAGING_GCP_STATE_BUCKET": "",
    "UNRELATED": "x",
}


def _run(tmp_path, variables: dict) -> tuple[int, dict[str, str], str]:
    github_env, github_output = tmp_path / "env", tmp_path / "output"
    environ = {"VARS_JSON": json.dumps(variables), "GITHUB_ENV": str(github_env), "GITHUB_OUTPUT": str(github_output)}
    code = ci_settings.main(["--env", "staging"], environ=environ)
    lines = github_output.read_text().splitlines() if github_output.exists() else []
    written_env = github_env.read_text() if github_env.exists() else ""
    return code, dict(line.split("=", 1) for line in lines), written_env


def test_outputs_come_from_settings_with_the_repository_variables_applied(tmp_path):
    code, outputs, written_env = _run(tmp_path, VARIABLES)
    assert code == 0
    settings = load_settings("staging", environ={"BB_STAGING_AWS_ACCOUNT_ID": "123456789012"})
    assert outputs["aws_deploy_role"] == f"arn:aws:iam::123456789012:role/{aws_role_name(settings, 'deploy')}"
    assert outputs["gcp_release_account"] == gcp_account_email(settings, "release")
    assert outputs["gcp_workload_identity_provider"] == (
        f"projects/987654321098/locations/global/workloadIdentityPools/{settings.name('github')}/providers/github"
    )
    assert outputs["app_url"] == f"https://{settings.domain.app_domain}"
    # Only non-empty overrides reach later steps: an empty one would fail validation there.
    assert written_env.splitlines() == [
        "BB_STAGING_AWS_ACCOUNT_ID=123456789012",
        "BB_STAGING_GCP_PROJECT_NUMBER=987654321098",
    ]


def test_a_variable_with_a_line_break_is_refused(tmp_path, capsys):
    code, outputs, written_env = _run(tmp_path, {"BB_STAGING_AWS_REGION": "us-east-1\nLD_PRELOAD=/tmp/x"})
    assert (code, outputs, written_env) == (2, {}, "")
    assert "line break" in capsys.readouterr().err


def test_a_bad_override_fails_naming_the_field(tmp_path, capsys):
    code, _, _ = _run(tmp_path, {"BB_STAGING_AWS_ACCOUNT_ID": "12345"})
    assert code == 2
    assert "aws.account_id" in capsys.readouterr().err
