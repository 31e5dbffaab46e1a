"""The nightly drift run's result: the job summary, and one message to the info route (the settings' Slack channel).

Reads the output of `make drift` (ops/deploy.py prints one `clean|drifted|failed <command>` line per check at
the end) and its exit code. The message goes to `routes.slack_channel` through Slack's chat.postMessage with the
token in $BB_INFO_SLACK_TOKEN: the info route's own Slack app token (`routes.slack_webhook_secret_name`, which
Cloud Monitoring's Slack channel posts with), read by the workflow with the GCP drift identity, which may read
exactly the alert tokens as plans do. No GitHub secret and no cloud write; without a token only the summary.

    python -m ops.drift_report --env staging --cloud aws --log drift.txt --status 1 --summary "$GITHUB_STEP_SUMMARY"
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path

from shared import ENVIRONMENTS, SettingsError, load_settings

OUTCOME = re.compile(r"^(clean|drifted|failed)\s+(\S.*)$")
TOKEN_VARIABLE = "BB_INFO_SLACK_TOKEN"
SLACK_POST_MESSAGE = "https://slack.com/api/chat.postMessage"
# The summary keeps the end of the log, where the per-stack verdicts are.
LOG_TAIL_CHARACTERS = 30000
TIMEOUT_SECONDS = 10

# (token, body): raises OSError when Slack did not take the message.
Poster = Callable[[str, dict], None]


def outcomes(log: str) -> list[tuple[str, str]]:
    """(outcome, command) per check, in order."""
    return [(match[1], match[2]) for line in log.splitlines() if (match := OUTCOME.match(line.strip()))]


def verdict(status: int, found: list[tuple[str, str]]) -> str:
    if status == 0 and found and all(outcome == "clean" for outcome, _ in found):
        return "no drift"
    if any(outcome == "drifted" for outcome, _ in found):
        return "DRIFT"
    return "check failed"


def message(environment: str, cloud: str, status: int, found: list[tuple[str, str]], run_url: str) -> str:
    lines = [f"Drift {environment} {cloud.upper()}: {verdict(status, found)} (exit {status})"]
    lines += [f"- {outcome}: {command}" for outcome, command in found if outcome != "clean"]
    if run_url:
        lines.append(run_url)
    return "\n".join(lines)


def summary(environment: str, cloud: str, status: int, log: str) -> str:
    found = outcomes(log)
    rows = "\n".join(f"| {outcome} | `{command}` |" for outcome, command in found) or "| (none) | no check ran |"
    return (
        f"### Drift {environment} {cloud.upper()}: {verdict(status, found)}\n\n"
        f"| outcome | check |\n| --- | --- |\n{rows}\n\n"
        f"<details><summary>log</summary>\n\n```\n{log[-LOG_TAIL_CHARACTERS:]}\n```\n</details>\n"
    )


def post(token: str, body: dict) -> None:
    request = urllib.request.Request(
        SLACK_POST_MESSAGE,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json; charset=utf-8", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        answer = json.loads(response.read() or b"{}")
    # Slack answers 200 with `ok: false` and an error name (channel_not_found, not_in_channel, invalid_auth...).
    if not answer.get("ok"):
        raise OSError(f"Slack refused the message: {answer.get('error', 'no answer')}")


def run_url(environ: Mapping[str, str]) -> str:
    parts = [environ.get(key, "") for key in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")]
    return f"{parts[0]}/{parts[1]}/actions/runs/{parts[2]}" if all(parts) else ""


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None, send: Poster = post) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.drift_report", description=__doc__.splitlines()[0])
    parser.add_argument("--env", choices=ENVIRONMENTS, required=True)
    parser.add_argument("--cloud", choices=("aws", "gcp"), required=True)
    parser.add_argument("--log", type=Path, required=True, help="the output of `make drift`")
    parser.add_argument("--status", type=int, required=True, help="its exit code")
    parser.add_argument("--summary", type=Path, help="append the Markdown summary here (e.g. $GITHUB_STEP_SUMMARY)")
    args = parser.parse_args(argv)
    environ = os.environ if environ is None else environ
    try:
        settings = load_settings(args.env)
        log = args.log.read_text(errors="replace") if args.log.exists() else ""
    except (SettingsError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    text = summary(args.env, args.cloud, args.status, log)
    print(text)
    if args.summary:
        with args.summary.open("a", encoding="utf-8") as sink:
            sink.write(text)
    token = environ.get(TOKEN_VARIABLE, "").strip()
    if not token:
        print(f"note: {TOKEN_VARIABLE} is not set: the result is in the job summary only")
        return 0
    body = {
        "channel": settings.routes.slack_channel,
        "text": message(args.env, args.cloud, args.status, outcomes(log), run_url(environ)),
    }
    try:
        send(token, body)
    except OSError as error:
        print(f"error: posting to the info route failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
