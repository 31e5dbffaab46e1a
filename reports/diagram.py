"""`make diagram`: docs/architecture.md, the on-call pictures of each cloud, drawn from the synthesized outputs.

Three pictures per cloud, each narrow enough to read at GitHub's width (one picture of everything had to shrink its
labels to 5 px): requests (users, DNS, CDN and WAF, load balancer, services, data, left to right, and the failover
to the standby region), data copies (Multi-AZ standby, replicas, backups and their copies, replicated buckets) and
alert routes (alarms per region to PagerDuty, email, Slack, as the outputs wire them). Each region is a box. A node
is drawn only when the outputs hold its resource and an edge only when both ends are drawn, and every drawn node has
an edge. Same outputs, same bytes: tests/test_diagram.py fails when the committed file no longer matches them, and
parses every diagram with the pinned Mermaid (tests/mermaid_parse.mjs).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from reports.outputs import aws_resources, gcp_resources, load_aws, load_gcp, of_environment
from shared import load_settings
from shared.stacks import AWS_EDGE_REGION, AWS_TABLE, EDGE, RECOVERY

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs" / "architecture.md"
# Every environment has the same shape (sizes differ); production is drawn.
ENVIRONMENT = "production"
OUTSIDE = ""  # the box of nodes outside every region (users, DNS)
# Mermaid's default spacing (50 px between ranks and nodes) makes the request picture ~1370 px wide, shrunk to
# 0.74 at GitHub's 1012 px; 30 px keeps it near 1140 px (labels ~14 px at 1012 px, ~12 px at 830 px).
CONFIG = "---\nconfig:\n  flowchart:\n    nodeSpacing: 30\n    rankSpacing: 30\n    padding: 10\n---"


@dataclass
class Picture:
    """Nodes grouped in boxes, and edges drawn only between nodes that exist."""

    boxes: dict[str, str] = field(default_factory=dict)  # box id -> title, in drawing order
    nodes: dict[str, tuple[str, str]] = field(default_factory=dict)  # node id -> (box id, Mermaid shape)
    edges: list[tuple[str, str, str]] = field(default_factory=list)  # (source, arrow, target) ...

    def box(self, box_id: str, title: str) -> str:
        self.boxes.setdefault(box_id, title)
        return box_id

    def node(self, box_id: str, node_id: str, text: str, shape: str = "[]") -> None:
        half = len(shape) // 2
        self.nodes[node_id] = (box_id, f'{node_id}{shape[:half]}"{text}"{shape[half:]}')

    def edge(self, source: str, target: str, label: str = "", *, failover: bool = False) -> None:
        if source in self.nodes and target in self.nodes:
            arrow = "-.->" if failover else "-->"
            self.edges.append((source, f'{arrow}|"{label}"|' if label else arrow, target))

    def render(self, title: str) -> str:
        # A node no edge reaches has no reason to be in the picture (its partner is absent from the outputs).
        linked = {end for source, _, target in self.edges for end in (source, target)}
        ordered = sorted((item for item in self.nodes.items() if item[0] in linked), key=lambda item: _rank(item[0]))
        lines = [f"### {title}", "", "```mermaid", CONFIG, "flowchart LR"]
        lines += [f"  {text}" for _, (box, text) in ordered if box == OUTSIDE]
        for box_id, box_title in self.boxes.items():
            inside = [text for _, (box, text) in ordered if box == box_id]
            if inside:
                lines += [f'  subgraph {box_id}["{box_title}"]', *(f"    {text}" for text in inside), "  end"]
        lines += [f"  {source} {arrow} {target}" for source, arrow, target in self.edges]
        return "\n".join([*lines, "```", ""])


# Within a box, nodes are listed in the order traffic reaches them.
ORDER = ("users", "dns", "cdn", "static", "lb", "alb", "services", "proxy", "database", "standby", "replica", "cache")
ORDER += ("backups", "copies", "uploads", "images", "findings", "alarms", "pagerduty", "email", "slack")
SEVERITIES = ("critical", "warning", "info")


def _rank(node_id: str) -> tuple[int, str]:
    return next((i for i, prefix in enumerate(ORDER) if node_id.startswith(prefix)), len(ORDER)), node_id


def _box_id(region: str) -> str:
    return "region_" + re.sub(r"[^A-Za-z0-9]", "_", region.lower())


def _regional(base: str, box_id: str, main_box: str) -> str:
    """A node's id: its kind in the main region, kind and region elsewhere (a standby's services, cache...)."""
    return base if box_id == main_box else f"{base}_{box_id}"


def _times(count: int) -> str:
    return f" x{count}" if count > 1 else ""


def _standby_path(picture: Picture, front: str, main_box: str, replicas: list[tuple[str, str]], label: str) -> None:
    """A standby region's path: the front end fails over to its entry (load balancer or services), which use its
    cache and, once promoted, its replica."""
    for box_id in picture.boxes:
        if box_id == main_box:
            continue
        entry = next((n for n in (f"alb_{box_id}", f"services_{box_id}") if n in picture.nodes), None)
        if entry:
            picture.edge(front, entry, label, failover=True)
        picture.edge(f"alb_{box_id}", f"services_{box_id}")
        picture.edge(f"services_{box_id}", f"cache_{box_id}")
        for replica, where in replicas:
            if where == box_id:
                picture.edge(f"services_{box_id}", replica, "after promotion", failover=True)


def _replica_edges(picture: Picture, replicas: list[tuple[str, str]], primary_box: str) -> None:
    for replica, where in replicas:
        picture.edge("database", replica, "async" if where == primary_box else "cross-region async", failover=True)


def _people(picture: Picture, channels: dict[str, str]) -> None:
    """The people alerts reach: channel -> how it is reached ("" when the channel says it all)."""
    box = picture.box("on_call", "on call")
    for name, text in (("pagerduty", "PagerDuty"), ("email", "email"), ("slack", "Slack")):
        if name in channels:
            picture.node(box, name, f"{text}<br>{channels[name]}" if channels[name] else text, "([])")


# AWS ------------------------------------------------------------------------------------------------------------


def _aws_regions(settings) -> dict[str, str]:
    """Stack name -> the region it deploys to, from the component table (unknown stacks: the main region)."""
    where = {EDGE: AWS_EDGE_REGION, RECOVERY: settings.aws.recovery_region}
    return {settings.name(c.name): where.get(c.region, settings.aws.region) for c in AWS_TABLE}


def _aws_region_titles(settings, *, edge: bool = True) -> dict[str, str]:
    roles: dict[str, list[str]] = {}
    for region, role in (
        (settings.aws.region, "main"),
        (AWS_EDGE_REGION, "CloudFront edge" if edge else ""),
        (settings.aws.recovery_region, "recovery"),
    ):
        if region:
            roles.setdefault(region, [])
            if role:
                roles[region].append(role)
    return {region: f"{region}: {' + '.join(names)}" for region, names in roles.items() if names}


def _arn_region(value, regions) -> str | None:
    """The first known region an ARN inside `value` names (a replication destination, say)."""
    text = json.dumps(value)
    return next((region for region in regions if f":{region}:" in text or text.endswith(f"-{region}")), None)


class _Aws:
    """The production outputs, read once for the three AWS pictures."""

    def __init__(self, templates: dict[str, dict]):
        self.settings = load_settings(ENVIRONMENT)
        self.templates = of_environment(templates, self.settings)
        self.region_of = _aws_regions(self.settings)
        self.titles = _aws_region_titles(self.settings)
        self.main_box = _box_id(self.settings.aws.region)
        self.kinds = {s: Counter(r["Type"] for r in t.get("Resources", {}).values()) for s, t in self.templates.items()}
        self.resources = list(aws_resources(self.templates))

    def picture(self, *, edge: bool = True) -> Picture:
        """Boxes in a fixed order (main, edge, recovery); the edge's name only where CloudFront is drawn."""
        picture = Picture()
        for title in _aws_region_titles(self.settings, edge=edge).values():
            picture.box(_box_id(title.split(":")[0]), title)
        return picture

    def box(self, stack: str) -> str:
        return _box_id(self.region_of.get(stack, self.settings.aws.region))

    def of_type(self, resource_type: str):
        return [(stack, rid, r) for stack, rid, r in self.resources if r["Type"] == resource_type]

    def databases(self, picture: Picture, *, standby_text: str) -> tuple[str, list[tuple[str, str]]]:
        """Draw the primary, its Multi-AZ standby and the replicas; return the primary's box and (replica, box)."""
        replicas: list[tuple[str, str]] = []
        primary_box = self.main_box
        for stack, _, resource in self.of_type("AWS::RDS::DBInstance"):
            properties = resource.get("Properties", {})
            multi_az = ", Multi-AZ" if properties.get("MultiAZ") else ""
            if "SourceDBInstanceIdentifier" not in properties:
                primary_box = self.box(stack)
                picture.node(primary_box, "database", f"PostgreSQL<br>primary{multi_az}", "[()]")
                if multi_az:
                    picture.node(primary_box, "standby", standby_text, "[()]")
            else:
                replicas.append((f"replica{len(replicas) + 1}", self.box(stack)))
                text = "read replica" if self.box(stack) == primary_box else f"standby replica<br>{multi_az[2:]}"
                picture.node(self.box(stack), replicas[-1][0], text, "[()]")
        return primary_box, replicas


def _aws_requests(aws: _Aws) -> str:
    picture = aws.picture()
    waf = "+ WAF"
    picture.node(OUTSIDE, "users", "Users", "([])")
    failover = ""
    for stack, k in aws.kinds.items():
        box = aws.box(stack)
        if k["AWS::Route53::RecordSet"]:
            picture.node(OUTSIDE, "dns", "Route 53")
        if k["AWS::CloudFront::Distribution"]:
            picture.node(box, "cdn", "CloudFront" + (f"<br>{waf}" if k["AWS::WAFv2::WebACL"] else ""))
            if k["AWS::CloudFront::OriginAccessControl"]:
                picture.node(box, "static", "S3 static<br>assets")
        if k["AWS::ElasticLoadBalancingV2::LoadBalancer"]:
            text = "Load balancer" + (f"<br>{waf}" if k["AWS::WAFv2::WebACL"] else "")
            picture.node(box, _regional("alb", box, aws.main_box), text)
        if k["AWS::ECS::Service"]:
            text = f"ECS Fargate<br>services{_times(k['AWS::ECS::Service'])}"
            picture.node(box, _regional("services", box, aws.main_box), text)
        if k["AWS::RDS::DBProxy"]:
            picture.node(box, _regional("proxy", box, aws.main_box), "RDS Proxy")
    for _, _, resource in aws.of_type("AWS::CloudFront::Distribution"):
        for group in resource["Properties"]["DistributionConfig"].get("OriginGroups", {}).get("Items", []):
            codes = group.get("FailoverCriteria", {}).get("StatusCodes", {}).get("Items", [])
            failover = "failover on 5xx" if codes and all(500 <= c < 600 for c in codes) else "failover"
    for stack, _, resource in aws.of_type("AWS::ElastiCache::ReplicationGroup"):
        nodes = _times(resource["Properties"].get("NumCacheClusters", 1))
        picture.node(aws.box(stack), _regional("cache", aws.box(stack), aws.main_box), f"ElastiCache<br>Redis{nodes}")
    primary_box, replicas = aws.databases(picture, standby_text="")
    picture.nodes.pop("standby", None)  # the data picture draws the Multi-AZ standby
    replicas = [(replica, where) for replica, where in replicas if where != primary_box]

    picture.edge("users", "dns", "lookup")
    picture.edge("users", "cdn", "HTTPS")
    picture.edge("cdn", "static")
    picture.edge("cdn", "alb", "origin")
    picture.edge("alb", "services")
    picture.edge("services", "proxy", "SQL, IAM")
    picture.edge("proxy", "database")
    picture.edge("services", "cache", "Redis, TLS")
    _standby_path(picture, "cdn", aws.main_box, replicas, failover or "failover")
    return picture.render("Requests and failover")


def _aws_copies(aws: _Aws) -> str:
    picture = aws.picture(edge=False)
    primary_box, replicas = aws.databases(picture, standby_text="standby,<br>second AZ")
    for stack, k in aws.kinds.items():
        if k["AWS::Backup::BackupPlan"]:
            picture.node(aws.box(stack), "backups", "AWS Backup<br>vault")
    copies = False
    for _, _, resource in aws.of_type("AWS::Backup::BackupPlan"):
        rules = resource["Properties"]["BackupPlan"].get("BackupPlanRule", [])
        copies = copies or any(rule.get("CopyActions") for rule in rules)
    for stack, _, _ in aws.of_type("AWS::Backup::BackupVault"):
        if copies and not aws.kinds[stack]["AWS::Backup::BackupPlan"]:
            picture.node(aws.box(stack), "copies", "backup copy<br>vault")
    regions = list(aws.titles)
    for stack, _, resource in aws.of_type("AWS::S3::Bucket"):
        replication = resource["Properties"].get("ReplicationConfiguration")
        where = _arn_region([rule.get("Destination") for rule in (replication or {}).get("Rules", [])], regions)
        if where and _box_id(where) != aws.box(stack):
            picture.node(aws.box(stack), "uploads", "S3 uploads")
            picture.node(_box_id(where), f"uploads_{_box_id(where)}", "uploads replica")

    for stack, _, resource in aws.of_type("AWS::ECR::ReplicationConfiguration"):
        for rule in resource["Properties"]["ReplicationConfiguration"].get("Rules", []):
            for where in {_box_id(destination["Region"]) for destination in rule.get("Destinations", [])}:
                if where in picture.boxes and where != aws.box(stack):
                    picture.node(aws.box(stack), "images", "ECR images")
                    picture.node(where, f"images_{where}", "image replicas")

    picture.edge("database", "standby", "sync, automatic failover", failover=True)
    _replica_edges(picture, replicas, primary_box)
    picture.edge("database", "backups", "PITR + daily", failover=True)
    picture.edge("backups", "copies", "daily copy", failover=True)
    for node in list(picture.nodes):
        if node.startswith("uploads_"):
            picture.edge("uploads", node, "S3 replication", failover=True)
        if node.startswith("images_"):  # what the standby's services pull
            picture.edge("images", node, "ECR replication", failover=True)
    return picture.render("Data copies")


def _topic_severity(topic: dict) -> str | None:
    name = str(topic.get("Properties", {}).get("TopicName", ""))
    return next((severity for severity in SEVERITIES if name.endswith(f"-{severity}")), None)


# What each stack's alarms watch, by component (others: the platform's CloudWatch alarms).
ALARM_NODES = {"edge-observability": "CloudFront alarms", "standby": "standby alarms"}


def _aws_alerts(aws: _Aws) -> str:
    """Per stack that holds alarms: how many alarms each severity has, and which of its topics and rules reach people.
    A route is drawn only where the stack itself wires it (a standby's critical topic with no PagerDuty rule is not)."""
    picture = aws.picture()
    channels: dict[str, str] = {}
    edges: list[tuple[str, str, str]] = []
    for stack, body in aws.templates.items():
        resources = body.get("Resources", {})
        alarms = {rid: r for rid, r in resources.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
        topics = {rid: _topic_severity(r) for rid, r in resources.items() if r["Type"] == "AWS::SNS::Topic"}
        destinations = {rid for rid, r in resources.items() if r["Type"] == "AWS::Events::ApiDestination"}
        on_topic = Counter(
            action.get("Ref") for alarm in alarms.values() for action in alarm["Properties"].get("AlarmActions", [])
        )
        component = stack.removeprefix(aws.settings.name(""))
        node = f"alarms_{component.replace('-', '_')}" if alarms else None
        if node:
            slo = aws.kinds[stack]["AWS::ApplicationSignals::ServiceLevelObjective"]
            what = ALARM_NODES.get(component, "CloudWatch alarms")
            picture.node(aws.box(stack), node, f"{what} x{len(alarms)}" + (f"<br>SLOs x{slo}" if slo else ""))
        for resource in resources.values():
            properties = resource.get("Properties", {})
            if resource["Type"] == "AWS::Events::Rule" and any(
                target.get("Arn", {}).get("Fn::GetAtt", [None])[0] in destinations
                for target in properties.get("Targets", [])
            ):
                channels["pagerduty"] = "via EventBridge"
                pattern = properties.get("EventPattern", {})
                if pattern.get("source") == ["aws.cloudwatch"] and node:
                    if pattern.get("detail", {}).get("state", {}).get("value") == ["ALARM"]:
                        edges.append((node, "pagerduty", f"critical x{len(pattern.get('resources', []))}"))
                elif any(source in pattern.get("source", []) for source in ("aws.guardduty", "aws.securityhub")):
                    picture.node(aws.box(stack), "findings", "GuardDuty +<br>Security Hub")
                    edges.append(("findings", "pagerduty", "high findings"))
            elif resource["Type"] == "AWS::SNS::Subscription" and properties.get("Protocol") == "email" and node:
                topic = properties.get("TopicArn", {}).get("Ref")
                channels["email"] = "via SNS"
                if on_topic[topic]:  # a subscribed topic no alarm of this stack notifies
                    edges.append((node, "email", f"{topics.get(topic)} x{on_topic[topic]}"))
            elif resource["Type"] == "AWS::Chatbot::SlackChannelConfiguration" and node:
                channels["slack"] = "via Chatbot"
                for arn in properties.get("SnsTopicArns", []):
                    topic = arn.get("Ref") if isinstance(arn, dict) else None
                    if on_topic[topic]:
                        edges.append((node, "slack", f"{topics.get(topic, 'info')} x{on_topic[topic]}"))
    _people(picture, channels)
    for source, target, label in dict.fromkeys(edges):
        picture.edge(source, target, label)
    return picture.render("Alert routes")


def aws_section(templates: dict[str, dict]) -> str:
    aws = _Aws(templates)
    parts = (_aws_requests(aws), _aws_copies(aws), _aws_alerts(aws))
    return f"## AWS ({ENVIRONMENT})\n\n" + "\n".join(parts)


# GCP ------------------------------------------------------------------------------------------------------------


class _Gcp:
    def __init__(self, stacks: dict[str, dict]):
        self.settings = load_settings(ENVIRONMENT)
        self.resources = list(gcp_resources(of_environment(stacks, self.settings)))
        self.kinds = Counter(kind for _, kind, _, _ in self.resources)
        self.main = self.settings.gcp.region
        self.main_box = _box_id(self.main)

    def picture(self, *, edge: bool = False) -> Picture:
        picture = Picture()
        if edge:
            picture.box("global_edge", "global: Google front end")
        picture.box(self.main_box, f"{self.main}: main")
        return picture

    def box(self, picture: Picture, region: str | None) -> str:
        region = (region or self.main).lower()
        return picture.box(_box_id(region), f"{region}: main" if region == self.main else f"{region}: standby")

    def of_kind(self, kind: str) -> list[dict]:
        return [body for _, k, _, body in self.resources if k == kind]

    def databases(self, picture: Picture, *, details: bool) -> tuple[str, list[tuple[str, str]]]:
        replicas: list[tuple[str, str]] = []
        primary_box = self.main_box
        for body in self.of_kind("google_sql_database_instance"):
            region = self.box(picture, body.get("region"))
            settings = body.get("settings", {})
            if not body.get("master_instance_name"):
                primary_box = region
                ha = settings.get("availability_type") == "REGIONAL"
                picture.node(region, "database", "Cloud SQL<br>primary" + (", HA" if ha else ""), "[()]")
                if details and ha:
                    picture.node(region, "standby", "standby,<br>second zone", "[()]")
                backups = settings.get("backup_configuration", {})
                if details and backups.get("enabled"):
                    location = backups.get("location") or "multi-region"
                    picture.node(region, "backups", f"automated backups,<br>{location}")
            else:
                replicas.append((f"replica{len(replicas) + 1}", region))
                text = "read replica" if region == primary_box else "standby replica"
                picture.node(region, replicas[-1][0], text, "[()]")
        return primary_box, replicas


def _gcp_requests(gcp: _Gcp) -> str:
    picture = gcp.picture(edge=True)
    picture.node(OUTSIDE, "users", "Users", "([])")
    if gcp.kinds["google_dns_record_set"]:
        picture.node(OUTSIDE, "dns", "Cloud DNS")
    if gcp.kinds["google_compute_global_forwarding_rule"]:
        armor = "<br>+ Cloud Armor" if gcp.kinds["google_compute_security_policy"] else ""
        picture.node("global_edge", "lb", f"HTTPS load<br>balancer{armor}")
    if any(body.get("enable_cdn") for body in gcp.of_kind("google_compute_backend_bucket")):
        picture.node("global_edge", "cdn", "Cloud CDN")
        picture.node("global_edge", "static", "static assets<br>bucket")
    for body in gcp.of_kind("google_memorystore_instance"):
        region = gcp.box(picture, body.get("location"))
        picture.node(region, _regional("cache", region, gcp.main_box), "Memorystore<br>for Valkey")
    services = Counter(body.get("location") for body in gcp.of_kind("google_cloud_run_v2_service"))
    for region, count in sorted(services.items(), key=lambda item: str(item[0])):
        box = gcp.box(picture, region)
        picture.node(box, _regional("services", box, gcp.main_box), f"Cloud Run<br>services{_times(count)}")
    primary_box, replicas = gcp.databases(picture, details=False)
    replicas = [(replica, where) for replica, where in replicas if where != primary_box]

    picture.edge("users", "dns", "lookup")
    picture.edge("users", "lb", "HTTPS")
    picture.edge("lb", "cdn", "static paths")
    picture.edge("cdn", "static", "cache miss")
    picture.edge("lb", "services", "serverless NEG")
    picture.edge("services", "database", "SQL, private IP")
    picture.edge("services", "cache", "Valkey, TLS")
    _standby_path(picture, "lb", gcp.main_box, replicas, "failover")
    for replica, _ in replicas:  # also keeps the standby's box below the main one (no edge crosses a box)
        picture.edge("database", replica, "replica", failover=True)
    return picture.render("Requests and failover")


def _gcp_copies(gcp: _Gcp) -> str:
    picture = gcp.picture()
    primary_box, replicas = gcp.databases(picture, details=True)
    picture.edge("database", "standby", "sync, automatic failover", failover=True)
    _replica_edges(picture, replicas, primary_box)
    picture.edge("database", "backups", "daily + PITR", failover=True)
    return picture.render("Data copies")


def _gcp_alerts(gcp: _Gcp) -> str:
    """Alert policies grouped by the channel they notify, with their severity and count."""
    picture = Picture()  # alert policies belong to the project, not to a region
    project = picture.box("project", "project: Cloud Monitoring (global)")
    channels = {
        f"${{google_monitoring_notification_channel.{name}.name}}": body.get("type")
        for _, kind, name, body in gcp.resources
        if kind == "google_monitoring_notification_channel"
    }
    policies = gcp.of_kind("google_monitoring_alert_policy")
    if policies:
        picture.node(project, "alarms", f"alert policies x{len(policies)}")
    routes = Counter(
        (channels.get(channel), (policy.get("severity") or "info").lower())
        for policy in policies
        for channel in policy.get("notification_channels", [])
    )
    _people(picture, {name: "" for name, _ in routes if name in ("pagerduty", "email", "slack")})
    for (name, severity), count in sorted(routes.items(), key=lambda item: SEVERITIES.index(item[0][1])):
        picture.edge("alarms", name, f"{severity} x{count}")
    return picture.render("Alert routes")


def gcp_section(stacks: dict[str, dict]) -> str:
    gcp = _Gcp(stacks)
    parts = (_gcp_requests(gcp), _gcp_copies(gcp), _gcp_alerts(gcp))
    return f"## GCP ({ENVIRONMENT})\n\n" + "\n".join(parts)


HEADER = """# Architecture

Generated by `make diagram` from the synthesized outputs (`cdk.out/`, `cdktf.out/`) of the {environment}
environment; the other environments have the same shape at other sizes and counts. Do not edit by hand:
`tests/test_diagram.py` fails when this file no longer matches the outputs.

How to read them: three pictures per cloud. **Requests and failover**: requests flow left to right, from the users
to the data, and the dotted arrow is where the front end sends them when the main region fails. **Data copies**:
every copy of the data (a standby in another zone, replicas, backups and their copies) as dotted arrows. **Alert
routes**: how many alarms of each severity reach each person or channel. Each box is a region. Supporting resources
(KMS keys, log groups, IAM, networks, compliance and delivery stacks) are left out: [aws.md](aws.md) and
[gcp.md](gcp.md) list every stack.

"""


def document(templates: dict[str, dict], stacks: dict[str, dict]) -> str:
    return HEADER.format(environment=ENVIRONMENT) + aws_section(templates) + "\n" + gcp_section(stacks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reports.diagram", description="Redraw docs/architecture.md from cdk.out/ and cdktf.out/."
    )
    parser.parse_args(argv)
    DOCUMENT.write_text(document(load_aws(), load_gcp()))
    print(f"wrote {DOCUMENT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
