"""Runbooks one click away: every alert has a section in docs/runbooks.md, and every CloudWatch alarm and Cloud
Monitoring alert policy links its section."""

from __future__ import annotations

import re

import pytest

from reports import runbooks
from shared import ENVIRONMENTS, load_settings
from shared.alerts import INFO_EVENTS, alerts
from shared.runbooks import anchor, runbook_base_url, runbook_url
from tests.synth import ROOT

FIX = "run: .venv/bin/python -m reports.runbooks"
# Cloud Monitoring limits documentation content to 10 240 bytes; CloudWatch alarm descriptions to 1 024 characters.
ALARM_DESCRIPTION_MAX = 1024


def _anchors(markdown: str) -> set[str]:
    return {anchor(match) for match in re.findall(r"^#{1,6} (.+)$", markdown, flags=re.MULTILINE)}


def test_the_document_is_current():
    assert runbooks.DOC.read_text() == runbooks.document(), FIX
    assert runbooks.main(["--check"]) == 0


def test_every_alert_and_info_event_has_a_section_with_its_first_check():
    text = (ROOT / "docs" / "runbooks.md").read_text()
    anchors = _anchors(text)
    for environment in ENVIRONMENTS:
        for alert in alerts(load_settings(environment)):
            assert anchor(alert.key) in anchors, alert.key
            section = text.split(f"\n## {alert.key}\n", 1)[1].split("\n## ", 1)[0]
            assert alert.first_check in section, alert.key
    for event in INFO_EVENTS:
        assert anchor(event.key) in anchors, event.key


def test_the_anchor_check_catches_a_missing_section():
    assert anchor("service_down") in _anchors("# Runbooks\n\n## service_down\n")
    assert anchor("service_down") not in _anchors("# Runbooks\n\n## service down\n")  # GitHub: #service-down


def test_github_anchors_keep_underscores_and_drop_punctuation():
    assert anchor("database_free_storage") == "database_free_storage"
    assert anchor("Rotating secrets (AWS)") == "rotating-secrets-aws"


def test_the_base_url_comes_from_settings_or_the_repository():
    settings = load_settings("staging")
    assert runbook_base_url(settings) == (
        f"https://github.com/{settings.github.owner}/{settings.github.repository}/blob/main/docs/runbooks.md"
    )
    moved = load_settings("staging", overrides={"alert_runbook_base_url": "https://wiki.example/runbooks"})
    assert runbook_url(moved, "cpu") == "https://wiki.example/runbooks#cpu"
    from shared import SettingsError

    with pytest.raises(SettingsError, match=r"routes\.runbook_base_url"):
        load_settings("staging", overrides={"alert_runbook_base_url": "https://wiki.example/runbooks#top"})


def _burn_runbooks(settings) -> dict[str, str]:
    """SLO burn-rate alarm / policy key -> its tier's runbook section (`slo_fast_burn`, shared/slos.py)."""
    from shared.slos import BURN_RATE_ALERTS, burn_alert_key, slos

    return {burn_alert_key(slo, alert): f"slo_{alert.key}" for slo in slos(settings) for alert in BURN_RATE_ALERTS}


def _link(description: str) -> str | None:
    match = re.search(r"Runbook:\*{0,2} (\S+)", description)
    return match.group(1) if match else None


def test_every_cloudwatch_alarm_links_its_runbook_section(aws):
    text = (ROOT / "docs" / "runbooks.md").read_text()
    anchors = _anchors(text)
    seen = 0
    for name, template in aws.templates.items():
        for logical_id, resource in template["Resources"].items():
            if resource["Type"] not in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"):
                continue
            properties = resource["Properties"]
            environment = next(env for env in ENVIRONMENTS if name.startswith(f"bookedbarber-{env}-"))
            settings = load_settings(environment)
            burns = _burn_runbooks(settings)
            own = properties["AlarmName"].removeprefix(settings.prefix + "-")
            key = burns[own] if own in burns else properties["AlarmName"].rsplit("-", 1)[1]
            description = properties["AlarmDescription"]
            assert len(description) <= ALARM_DESCRIPTION_MAX, f"{name}/{logical_id}"
            assert _link(description) == runbook_url(settings, key), f"{name}/{logical_id}"
            assert key in anchors
            seen += 1
    assert seen


def test_every_cloud_monitoring_policy_links_its_runbook_section(gcp_stacks):
    anchors = _anchors((ROOT / "docs" / "runbooks.md").read_text())
    seen = 0
    for name, document in gcp_stacks.items():
        environment = next(env for env in ENVIRONMENTS if name.startswith(f"bookedbarber-{env}-"))
        settings = load_settings(environment)
        for policy_id, policy in document.get("resource", {}).get("google_monitoring_alert_policy", {}).items():
            key = policy["user_labels"]["alert"]
            key = _burn_runbooks(settings).get(key, key)
            content = policy["documentation"]["content"]
            assert _link(content) == runbook_url(settings, key), f"{name}/{policy_id}"
            assert key in anchors
            seen += 1
    assert seen
