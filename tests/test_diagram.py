"""docs/architecture.md is what `make diagram` draws from the outputs: each cloud's half is checked on that cloud's
xdist worker against the session's synthesis, so the picture cannot go stale and nothing synthesizes twice. Every
diagram is parsed with the pinned Mermaid from npm (tests/mermaid_parse.mjs)."""

from __future__ import annotations

import copy
import re
import subprocess
from pathlib import Path

import pytest

from reports.diagram import DOCUMENT, OUTSIDE, ROOT, Picture, aws_section, gcp_section
from shared import load_settings

PARSER = ROOT / "tests" / "mermaid_parse.mjs"


def _parse(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["node", str(PARSER), *map(str, paths)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def parsed(tmp_path_factory) -> tuple[subprocess.CompletedProcess, dict[str, list[str]]]:
    """One parser run over the docs and a broken probe (loading jsdom and Mermaid is most of its time): the run,
    and each file's lines."""
    broken = tmp_path_factory.mktemp("mermaid") / "broken.md"
    broken.write_text("# broken\n\n```mermaid\nflowchart LR\n  a -->\n```\n")
    result = _parse(DOCUMENT, broken)
    lines: dict[str, list[str]] = {}
    for line in result.stdout.splitlines():
        file, _, said = line.partition(": ")
        lines.setdefault(Path(file).name, []).append(said)
    return result, lines


def test_committed_aws_diagram_matches_the_outputs(aws):
    assert aws_section(aws.templates) in DOCUMENT.read_text(), "run `make docs` and commit docs/architecture.md"


def test_committed_gcp_diagram_matches_the_outputs(gcp_stacks):
    assert gcp_section(gcp_stacks) in DOCUMENT.read_text(), "run `make docs` and commit docs/architecture.md"


PICTURES = ("Requests and failover", "Data copies", "Alert routes")
NODE = re.compile(r"^\s+(\w+)[\[\(]", re.M)
EDGE = re.compile(r'^\s+(\w+) -\.?->(?:\|"[^"]*"\|)? (\w+)$', re.M)
SUBGRAPH = re.compile(r'^  subgraph (\w+)\["([^"]+)"\]$', re.M)


def _pictures(section: str) -> dict[str, str]:
    """Picture title -> its Mermaid text, from one cloud's section."""
    found = re.findall(r"^### (.+?)\n\n```mermaid\n(.*?)^```$", section, re.M | re.S)
    return dict(found)


def _box(picture: str, title: str) -> str:
    return picture.split(f'["{title}"]', 1)[1].split("\n  end", 1)[0]


def test_every_diagram_parses_with_mermaid(parsed):
    result, lines = parsed
    said = lines[DOCUMENT.name]
    assert said == [f"diagram {n} parses (flowchart-v2)" for n in range(1, 2 * len(PICTURES) + 1)], result.stderr


def test_the_mermaid_check_rejects_a_broken_diagram(parsed):
    result, lines = parsed
    assert result.returncode == 1, result.stdout + result.stderr
    assert [said.split(":")[0] for said in lines["broken.md"]] == ["diagram 1 does not parse"], result.stdout


# One test per cloud below: a test asking for both fixtures would synthesize the other cloud again on its worker.
def _three_pictures_every_node_with_an_edge(section: str) -> None:
    """Three narrow pictures per cloud (one picture of everything shrank its labels to 5 px at GitHub's width), and
    no box without a reason: every declared node is an end of some edge, every edge's ends are declared."""
    pictures = _pictures(section)
    assert tuple(pictures) == PICTURES
    for title, text in pictures.items():
        nodes = set(NODE.findall(text)) - {"subgraph"}
        ends = {end for edge in EDGE.findall(text) for end in edge}
        assert nodes and nodes == ends, (title, nodes ^ ends)


def test_aws_has_its_three_pictures_and_every_node_has_an_edge(aws):
    _three_pictures_every_node_with_an_edge(aws_section(aws.templates))


def test_gcp_has_its_three_pictures_and_every_node_has_an_edge(gcp_stacks):
    _three_pictures_every_node_with_an_edge(gcp_section(gcp_stacks))


def test_a_node_without_an_edge_is_left_out():
    picture = Picture()
    picture.node(OUTSIDE, "users", "Users")
    picture.node(OUTSIDE, "dns", "DNS")
    picture.node(OUTSIDE, "orphan", "no partner")
    picture.edge("users", "dns")
    picture.edge("users", "absent")  # an edge to a node the outputs do not hold is not drawn either
    drawn = picture.render("test")
    assert 'users["Users"]' in drawn and "users --> dns" in drawn
    assert "orphan" not in drawn and "absent" not in drawn


def test_aws_regions_are_boxes(aws):
    settings = load_settings("production")
    requests = _pictures(aws_section(aws.templates))["Requests and failover"]
    titles = dict(SUBGRAPH.findall(requests))
    assert titles == {
        "region_us_east_1": f"{settings.aws.region}: main + CloudFront edge",
        "region_us_west_2": f"{settings.aws.recovery_region}: recovery",
    }
    assert 'cdn["CloudFront' in _box(requests, titles["region_us_east_1"])


def test_gcp_regions_are_boxes(gcp_stacks):
    settings = load_settings("production")
    requests = _pictures(gcp_section(gcp_stacks))["Requests and failover"]
    titles = dict(SUBGRAPH.findall(requests))
    assert titles == {
        "global_edge": "global: Google front end",
        "region_us_central1": f"{settings.gcp.region}: main",
        "region_us_east1": f"{settings.recovery.gcp_standby_region}: standby",
    }
    assert 'lb["HTTPS load' in _box(requests, "global: Google front end")


def test_aws_traffic_runs_from_the_users_to_the_data(aws):
    requests = _pictures(aws_section(aws.templates))["Requests and failover"]
    path = [("users", "cdn"), ("cdn", "alb"), ("alb", "services"), ("services", "proxy"), ("proxy", "database")]
    assert set(path) <= set(EDGE.findall(requests)) and ("users", "dns") in EDGE.findall(requests)


def test_gcp_traffic_runs_from_the_users_to_the_data(gcp_stacks):
    requests = _pictures(gcp_section(gcp_stacks))["Requests and failover"]
    path = [("users", "lb"), ("lb", "services"), ("services", "database"), ("services", "cache")]
    assert set(path) <= set(EDGE.findall(requests))


def test_aws_failover_paths_and_copies_are_drawn(aws):
    pictures = _pictures(aws_section(aws.templates))
    assert 'cdn -.->|"failover on 5xx"| alb_region_us_west_2' in pictures["Requests and failover"]
    assert 'services_region_us_west_2 -.->|"after promotion"| replica2' in pictures["Requests and failover"]
    copies = pictures["Data copies"]
    assert 'database -.->|"sync, automatic failover"| standby' in copies
    assert 'database -.->|"cross-region async"| replica2' in copies
    assert 'backups -.->|"daily copy"| copies' in copies
    assert 'uploads -.->|"S3 replication"| uploads_region_us_west_2' in copies
    assert 'copies["backup copy' in _box(copies, "us-west-2: recovery")
    assert 'images -.->|"ECR replication"| images_region_us_west_2' in copies  # what the standby pulls


def test_gcp_failover_paths_and_copies_are_drawn(gcp_stacks):
    copies = _pictures(gcp_section(gcp_stacks))["Data copies"]
    assert 'database -.->|"async"| replica1' in copies and 'database -.->|"cross-region async"| replica2' in copies


def test_aws_alert_routes_follow_the_wiring_of_each_stack(aws):
    """An alarm's route is drawn from its own stack's topics and rules: the standby's warning reaches email, and
    nothing of the standby pages PagerDuty, since its stack has no PagerDuty rule."""
    alerts = _pictures(aws_section(aws.templates))["Alert routes"]
    critical = sum(int(n) for n in re.findall(r'-->\|"critical x(\d+)"\| pagerduty', alerts))
    settings = load_settings("production")
    paged = [
        r
        for name in ("observability", "edge-observability")
        for r in aws.templates[settings.name(name)]["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm" and "Critical" in str(r["Properties"].get("AlarmActions"))
    ]
    assert critical == len(paged) > 0
    assert 'alarms_standby -->|"warning x1"| email' in alerts and 'alarms_standby -->|"critical' not in alerts
    assert 'findings -->|"high findings"| pagerduty' in alerts and " x0" not in alerts


def test_gcp_alert_routes_go_to_each_channel_from_the_project(gcp_stacks):
    alerts = _pictures(gcp_section(gcp_stacks))["Alert routes"]
    assert 'alarms["alert policies' in _box(alerts, "project: Cloud Monitoring (global)")  # not a region's
    for severity, channel in (("critical", "pagerduty"), ("warning", "email"), ("info", "slack")):
        assert re.search(rf'alarms -->\|"{severity} x\d+"\| {channel}$', alerts, re.M), (severity, alerts)


def test_a_standby_in_the_recovery_region_appears_when_the_outputs_hold_it(aws):
    settings = load_settings("production")
    templates = copy.deepcopy(aws.templates)
    recovery = templates[settings.name("recovery")]["Resources"]
    recovery["Replica"] = {
        "Type": "AWS::RDS::DBInstance",
        "Properties": {"SourceDBInstanceIdentifier": "arn:aws:rds:us-east-1:333333333333:db:primary"},
    }
    drawn = aws_section(templates)
    assert drawn not in DOCUMENT.read_text()
    copies = _pictures(drawn)["Data copies"]
    assert copies.count("standby replica") == 2
    assert 'database -.->|"cross-region async"| replica3' in copies


def test_a_box_needs_its_resource(aws):
    settings = load_settings("production")
    templates = copy.deepcopy(aws.templates)
    resources = templates[settings.name("data")]["Resources"]
    for resource in resources.values():
        if resource["Type"] == "AWS::RDS::DBInstance":
            resource["Properties"].pop("MultiAZ", None)
    copies = _pictures(aws_section(templates))["Data copies"]
    assert "standby," not in copies and "database" in copies


def test_drawing_is_deterministic(gcp_stacks):
    reordered = dict(reversed(list(gcp_stacks.items())))
    assert gcp_section(reordered) == gcp_section(gcp_stacks)


def test_slack_is_drawn_where_the_outputs_route_to_it(aws):
    settings = load_settings("production")
    templates = copy.deepcopy(aws.templates)
    resources = templates[settings.name("observability")]["Resources"]
    warning = next(
        rid for rid, r in resources.items() if str(r.get("Properties", {}).get("TopicName", "")).endswith("-warning")
    )
    resources["Slack"] = {
        "Type": "AWS::Chatbot::SlackChannelConfiguration",
        "Properties": {"SnsTopicArns": [{"Ref": warning}]},
    }
    alerts = _pictures(aws_section(templates))["Alert routes"]
    assert 'slack(["Slack<br>via Chatbot"])' in alerts and 'alarms_observability -->|"warning x' in alerts
    assert "slack" not in aws_section(aws.templates)  # production's settings name no Slack workspace yet


def test_a_standby_region_keeps_its_own_services_and_cache(gcp_stacks):
    """The GCP standby (issue 19) puts Cloud Run and Memorystore in a second region: the main ones stay where they
    are, and the standby's are drawn in their own box, reached by the load balancer's failover."""
    settings = load_settings("production")
    assert settings.recovery.has_standby and settings.recovery.gcp_standby_region == "us-east1"
    requests = _pictures(gcp_section(gcp_stacks))["Requests and failover"]
    main_box, standby_box = _box(requests, "us-central1: main"), _box(requests, "us-east1: standby")
    assert 'services["Cloud Run<br>services x2"]' in main_box and 'cache["Memorystore' in main_box
    assert 'services_region_us_east1["Cloud Run<br>services x2"]' in standby_box
    assert 'cache_region_us_east1["Memorystore' in standby_box
    assert 'lb -.->|"failover"| services_region_us_east1' in requests
