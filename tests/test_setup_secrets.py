"""ops/setup_secrets.py: the dry run names every secret and never a value; writes are idempotent."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ops import setup_secrets
from shared import ENVIRONMENTS, load_settings
from tests.synth import ROOT

VALUES = {
    "BB_SECRET_APP_SECRET_KEY": "app-key-value-1234",
    "BB_SECRET_PAGERDUTY_INTEGRATION_KEY": "pd-key-value-5678",
    "BB_SECRET_SLACK_WEBHOOK_URL": "https://hooks.slack.example/services/T000/B000/xyz",
    "BB_SECRET_SENTRY_DSN": "https://publickey0123@o42.ingest.sentry.example/7",
}


@pytest.mark.parametrize("cloud", ["aws", "gcp"])
def test_dry_run_lists_every_secret_by_name_and_no_value(cloud):
    result = subprocess.run(
        [sys.executable, "-m", "ops.setup_secrets", "--cloud", cloud, "--env", "staging", "--dry-run"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **VALUES},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    settings = load_settings("staging")
    for spec in setup_secrets.catalog(settings):
        name = spec.aws_name if cloud == "aws" else spec.gcp_id
        if name is None:  # an AWS-only secret is not offered on GCP
            assert spec.description not in result.stdout
            continue
        assert f"would write {name} " in result.stdout
    assert settings.routes.pagerduty_secret_name in result.stdout or cloud == "gcp"
    assert "from BB_SECRET_PAGERDUTY_INTEGRATION_KEY" in result.stdout
    # Redis AUTH is written only when the operator supplies it, and only on AWS (Valkey on GCP has none).
    assert ("Redis AUTH token): skipped" in result.stdout) is (cloud == "aws")
    for value in VALUES.values():
        assert value not in result.stdout + result.stderr


def test_gcp_secret_ids_carry_no_slashes():
    gcp_specs = [spec for spec in setup_secrets.catalog(load_settings("production")) if spec.gcp_id is not None]
    assert gcp_specs
    for spec in gcp_specs:
        assert "/" not in spec.gcp_id and spec.gcp_id.startswith(load_settings("production").prefix)


def test_no_origin_verify_secret_is_offered_since_cloudfront_reaches_the_alb_through_a_vpc_origin():
    for environment in ENVIRONMENTS:
        specs = setup_secrets.catalog(load_settings(environment))
        assert not [spec for spec in specs if "origin" in spec.key.lower() or "origin" in spec.aws_name]


class FakeSecretsManager:
    """Records CLI calls; holds secret strings by name."""

    def __init__(self, secrets: dict[str, str | None]) -> None:
        self.secrets = dict(secrets)
        self.calls: list[tuple[list[str], str | None]] = []

    def __call__(self, argv: list[str], stdin: str | None) -> subprocess.CompletedProcess:
        self.calls.append((argv, stdin))
        action = argv[2]
        if action in ("get-secret-value", "describe-secret"):
            name = argv[argv.index("--secret-id") + 1]
            if name not in self.secrets or (action == "get-secret-value" and self.secrets[name] is None):
                return subprocess.CompletedProcess(argv, 254, "", "ResourceNotFoundException")
            return subprocess.CompletedProcess(argv, 0, json.dumps({"SecretString": self.secrets[name]}), "")
        request = json.loads(stdin)
        self.secrets[request.get("SecretId") or request["Name"]] = request["SecretString"]
        return subprocess.CompletedProcess(argv, 0, "{}", "")

    def writes(self) -> list[str]:
        return [argv[2] for argv, _ in self.calls if argv[2] in ("put-secret-value", "create-secret")]


def test_a_second_run_writes_nothing_and_values_never_reach_the_command_line(capsys):
    settings = load_settings("dev")
    names = {spec.key: spec.aws_name for spec in setup_secrets.catalog(settings)}
    store = FakeSecretsManager({names["APP_SECRET_KEY"]: json.dumps({"secret_key": "generated"})})
    environ = {"BB_SECRET_APP_SECRET_KEY": "chosen", "BB_SECRET_PAGERDUTY_INTEGRATION_KEY": "pd"}
    assert setup_secrets.main(["--cloud", "aws", "--env", "dev"], environ=environ, run=store) == 0
    assert store.writes() == ["put-secret-value", "create-secret"]
    assert json.loads(store.secrets[names["APP_SECRET_KEY"]]) == {"secret_key": "chosen"}
    assert store.secrets[names["PAGERDUTY_INTEGRATION_KEY"]] == "pd"
    for argv, _ in store.calls:
        assert "chosen" not in " ".join(argv) and "pd" not in argv
    store.calls.clear()
    assert setup_secrets.main(["--cloud", "aws", "--env", "dev"], environ=environ, run=store) == 0
    assert store.writes() == []
    assert capsys.readouterr().out.count("unchanged") == 2


def test_a_prompt_supplies_values_and_an_empty_answer_skips():
    settings = load_settings("dev")
    store = FakeSecretsManager({})
    answers = iter(["typed-secret", "", "", ""])
    code = setup_secrets.main(["--cloud", "aws", "--env", "dev"], environ={}, run=store, ask=lambda _: next(answers))
    assert code == 0
    assert list(store.secrets) == [settings.path("app/secret-key")]


def test_a_failed_write_is_reported_and_fails_the_run(capsys):
    def refuse(argv, stdin):
        return subprocess.CompletedProcess(argv, 1, "", "PERMISSION_DENIED")

    code = setup_secrets.main(["--cloud", "gcp", "--env", "dev"], environ={"BB_SECRET_APP_SECRET_KEY": "k"}, run=refuse)
    assert code == 1
    assert "PERMISSION_DENIED" in capsys.readouterr().err


def test_the_pagerduty_key_is_replicated_to_the_edge_region_only_when_the_environment_is_elsewhere():
    """The us-east-1 alert topics resolve it there; a dynamic reference reads its own stack's region only."""
    for region, replicated in (("us-east-1", False), ("eu-west-1", True)):
        settings = load_settings(
            "dev", overrides={"aws_region": region, "aws_availability_zones": f"{region}a,{region}b"}
        )
        store = FakeSecretsManager({})
        spec = next(s for s in setup_secrets.catalog(settings) if s.key == "PAGERDUTY_INTEGRATION_KEY")
        setup_secrets.AwsStore(settings, store).write(spec, "pd", exists=False)
        ((_, stdin),) = store.calls
        assert ("AddReplicaRegions" in json.loads(stdin)) is replicated
        if replicated:
            assert json.loads(stdin)["AddReplicaRegions"] == [{"Region": "us-east-1"}]


# It reads gcp_stacks/secrets.py, which loads the google provider: on the worker that has it loaded.
@pytest.mark.xdist_group("gcp")
def test_the_sentry_dsn_goes_to_the_secrets_both_clouds_render():
    """The names the stacks create and the compute modules read (aws_stacks/secrets.py, gcp_stacks/secrets.py)."""
    from gcp_stacks.names import secret_id
    from gcp_stacks.secrets import SECRETS
    from shared.contract import SENTRY_DSN_FIELD, SENTRY_DSN_SECRET

    settings = load_settings("staging")
    (spec,) = [spec for spec in setup_secrets.catalog(settings) if spec.key == "SENTRY_DSN"]
    assert (spec.aws_name, spec.aws_field) == (settings.path(SENTRY_DSN_SECRET), SENTRY_DSN_FIELD)
    assert spec.gcp_id == secret_id(settings, "sentry-dsn") and SECRETS["sentry-dsn"] == ("api", "web")
    assert spec.prompt  # Sentry issues it: nothing generates it


def test_the_sentry_dsn_fills_the_placeholder_field_on_aws():
    settings = load_settings("dev")
    (spec,) = [spec for spec in setup_secrets.catalog(settings) if spec.key == "SENTRY_DSN"]
    store = setup_secrets.AwsStore(settings, run=lambda argv, stdin: None)
    dsn = VALUES["BB_SECRET_SENTRY_DSN"]
    assert json.loads(store.desired(spec, dsn, json.dumps({"dsn": ""}))) == {"dsn": dsn}
