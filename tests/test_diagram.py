"""docs/architecture.md is what `make diagram` draws from the outputs: each cloud's half is checked on that cloud's
xdist worker against the session's synthesis, so the picture cannot go stale and nothing synthesizes twice. Every
diagram is parsed with the pinned Mermaid from npm (tests/mermaid_parse.mjs)."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path

from reports.diagram import DOCUMENT, ROOT, aws_section, gcp_section
from shared import load_settings

PARSER = ROOT / "tests" / "mermaid_parse.mjs"


def _parse(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["node", str(PARSER), str(path)], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_committed_aws_diagram_matches_the_outputs(aws):
    assert aws_section(aws.templates) in DOCUMENT.read_text(), "run `make docs` and commit docs/architecture.md"


def test_committed_gcp_diagram_matches_the_outputs(gcp_stacks):
    assert gcp_section(gcp_stacks) in DOCUMENT.read_text(), "run `make docs` and commit docs/architecture.md"


def test_every_diagram_parses_with_mermaid():
    result = _parse(DOCUMENT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("parses (flowchart-v2)") == 2, result.stdout


def test_the_mermaid_check_rejects_a_broken_diagram(tmp_path):
    broken = tmp_path / "broken.md"
    broken.write_text("# broken\n\n```mermaid\nflowchart LR\n  a -->\n```\n")
    result = _parse(broken)
    assert result.returncode == 1 and "does not parse" in result.stdout, result.stdout + result.stderr


# One test per cloud: a test asking for both fixtures would synthesize the other cloud again on its worker.
def test_aws_regions_failover_and_alert_routes_are_drawn(aws):
    drawn = aws_section(aws.templates)
    assert 'subgraph region_us_west_2["us-west-2: recovery"]' in drawn
    assert 'database -.->|"sync; automatic failover"| standby' in drawn
    assert 'backups -.->|"cross-region copies"| copies' in drawn
    assert '-->|"critical"| pagerduty' in drawn and "PagerDuty, EventBridge to Events API v2" in drawn


def test_gcp_regions_failover_and_alert_routes_are_drawn(gcp_stacks):
    drawn = gcp_section(gcp_stacks)
    assert 'alarms -->|"info"| slack' in drawn and 'database -.->|"async replication"| replica1' in drawn


def test_a_standby_in_the_recovery_region_appears_when_the_outputs_hold_it(aws):
    settings = load_settings("production")
    templates = copy.deepcopy(aws.templates)
    templates[settings.name("recovery")]["Resources"]["Standby"] = {
        "Type": "AWS::RDS::DBInstance",
        "Properties": {"SourceDBInstanceIdentifier": "arn:aws:rds:us-east-1:333333333333:db:primary"},
    }
    drawn = aws_section(templates)
    assert drawn not in DOCUMENT.read_text()
    recovery_box = drawn.split('subgraph region_us_west_2["us-west-2: recovery"]', 1)[1].split("  end", 1)[0]
    assert 'replica2[("read replica")]' in recovery_box
    assert 'database -.->|"cross-region replica"| replica2' in drawn


def test_a_box_needs_its_resource(aws):
    settings = load_settings("production")
    templates = copy.deepcopy(aws.templates)
    resources = templates[settings.name("data")]["Resources"]
    for resource in resources.values():
        if resource["Type"] == "AWS::RDS::DBInstance":
            resource["Properties"].pop("MultiAZ", None)
    drawn = aws_section(templates)
    assert "standby" not in drawn and "database" in drawn


def test_drawing_is_deterministic(gcp_stacks):
    reordered = dict(reversed(list(gcp_stacks.items())))
    assert gcp_section(reordered) == gcp_section(gcp_stacks)


def test_slack_is_drawn_where_the_outputs_route_to_it(aws):
    settings = load_settings("production")
    templates = copy.deepcopy(aws.templates)
    templates[settings.name("observability")]["Resources"]["Slack"] = {
        "Type": "AWS::Chatbot::SlackChannelConfiguration"
    }
    drawn = aws_section(templates)
    assert 'slack(["Slack, Chatbot"])' in drawn and 'alarms_region_us_east_1 -->|"info"| slack' in drawn
    assert "slack" not in aws_section(aws.templates)  # production's settings name no Slack workspace yet


def test_a_standby_region_keeps_its_own_services_and_cache(gcp_stacks):
    """The GCP standby (issue 19) puts Cloud Run and Memorystore in a second region: the main ones stay where they
    are, and the standby's are drawn in their own box, reached by the load balancer's failover."""
    settings = load_settings("production")
    assert settings.recovery.has_standby and settings.recovery.gcp_standby_region == "us-east1"
    drawn = gcp_section(gcp_stacks)
    main_box = drawn.split('subgraph region_us_central1["us-central1: main"]', 1)[1].split("  end", 1)[0]
    standby_box = drawn.split('subgraph region_us_east1["us-east1: standby"]', 1)[1].split("  end", 1)[0]
    assert 'services["Cloud Run services x2"]' in main_box and 'cache["Memorystore' in main_box
    assert 'services_region_us_east1["Cloud Run services x2"]' in standby_box
    assert 'cache_region_us_east1["Memorystore' in standby_box
    assert 'lb -.->|"failover"| services_region_us_east1' in drawn
