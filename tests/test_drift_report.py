"""The nightly drift run's report: the verdict per check in the job summary, one message to the info route."""

from __future__ import annotations

from ops import drift_report
from shared import load_settings

CLEAN = "drift aws staging\nclean    npx --no-install cdk drift bookedbarber-staging-network -c env=staging --fail\n"
DRIFTED = (
    "drift gcp production ...\n"
    "clean    terraform -chdir=cdktf.out/stacks/bookedbarber-production-gcp-network plan -detailed-exitcode\n"
    "drifted  terraform -chdir=cdktf.out/stacks/bookedbarber-production-gcp-app plan -detailed-exitcode\n"
)
WEBHOOK = {"BB_INFO_SLACK_TOKEN": "xoxb-test-token", "GITHUB_SERVER_URL": "https://github.com",
           "GITHUB_REPOSITORY": "acme/infra", "GITHUB_RUN_ID": "42"}  # fmt: skip


def _main(tmp_path, log: str, status: int, environ: dict, environment: str = "production", cloud: str = "gcp"):
    (tmp_path / "drift.txt").write_text(log)
    sent: list[tuple[str, dict]] = []
    argv = ["--env", environment, "--cloud", cloud, "--log", str(tmp_path / "drift.txt"), "--status", str(status),
            "--summary", str(tmp_path / "summary.md")]  # fmt: skip
    code = drift_report.main(argv, environ=environ, send=lambda url, body: sent.append((url, body)))
    return code, sent, (tmp_path / "summary.md").read_text()


def test_drift_is_reported_to_the_settings_channel_naming_the_drifted_stack(tmp_path):
    code, sent, summary = _main(tmp_path, DRIFTED, 1, WEBHOOK)
    assert code == 0
    ((token, body),) = sent
    assert token == WEBHOOK["BB_INFO_SLACK_TOKEN"]
    assert body["channel"] == load_settings("production").routes.slack_channel
    assert body["text"].startswith("Drift production GCP: DRIFT (exit 1)")
    assert "drifted: terraform -chdir=cdktf.out/stacks/bookedbarber-production-gcp-app" in body["text"]
    assert "gcp-network" not in body["text"]  # clean stacks stay out of the message
    assert body["text"].endswith("https://github.com/acme/infra/actions/runs/42")
    assert "### Drift production GCP: DRIFT" in summary and "| drifted |" in summary


def test_a_clean_run_says_so_and_a_run_without_verdicts_is_a_failed_check(tmp_path):
    assert drift_report.verdict(0, drift_report.outcomes(CLEAN)) == "no drift"
    assert drift_report.verdict(2, []) == "check failed"  # e.g. no credentials: nothing was checked
    assert drift_report.verdict(1, [("failed", "terraform init")]) == "check failed"


def test_without_a_webhook_only_the_summary_is_written(tmp_path, capsys):
    code, sent, summary = _main(tmp_path, CLEAN, 0, {}, environment="staging", cloud="aws")
    assert (code, sent) == (0, [])
    assert "### Drift staging AWS: no drift" in summary
    assert "BB_INFO_SLACK_TOKEN is not set" in capsys.readouterr().out


def test_a_message_slack_refuses_fails_the_report(tmp_path, capsys):
    (tmp_path / "drift.txt").write_text(CLEAN)

    def refuse(token: str, body: dict) -> None:
        raise OSError("Slack refused the message: not_in_channel")

    argv = ["--env", "dev", "--cloud", "aws", "--log", str(tmp_path / "drift.txt"), "--status", "0"]
    assert drift_report.main(argv, environ={"BB_INFO_SLACK_TOKEN": "xoxb-x"}, send=refuse) == 1
    assert "not_in_channel" in capsys.readouterr().err
