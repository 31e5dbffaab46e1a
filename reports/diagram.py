"""`make diagram`: docs/architecture.md, the on-call picture of each cloud, drawn from the synthesized outputs.

Traffic runs left to right (users, DNS, CDN and WAF, load balancer, services, data); each region is a box (main,
CloudFront's us-east-1 edge, recovery); dotted arrows are failover and copies (Multi-AZ standby, replicas, backup
copies, any standby in another region); alerts end at the people they page (PagerDuty, email, Slack). A node is
drawn only when the outputs hold its resource, so a stack added later (a DR standby, say) appears once its
resources are synthesized. Same outputs, same bytes: tests/test_diagram.py fails when the committed file no longer
matches them, and parses every diagram with the pinned Mermaid (tests/mermaid_parse.mjs).
"""

from __future__ import annotations

import argparse
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
OUTSIDE = ""  # the box of nodes outside every region (users, DNS, the people paged)


@dataclass
class Picture:
    """Nodes grouped in boxes, and edges drawn only between nodes that exist."""

    boxes: dict[str, str] = field(default_factory=dict)  # box id -> title, in drawing order
    nodes: dict[str, tuple[str, str]] = field(default_factory=dict)  # node id -> (box id, Mermaid shape)
    edges: list[str] = field(default_factory=list)

    def box(self, box_id: str, title: str) -> str:
        self.boxes.setdefault(box_id, title)
        return box_id

    def node(self, box_id: str, node_id: str, text: str, shape: str = "[]") -> None:
        half = len(shape) // 2
        self.nodes[node_id] = (box_id, f'{node_id}{shape[:half]}"{text}"{shape[half:]}')

    def edge(self, source: str, target: str, label: str, *, failover: bool = False) -> None:
        if source in self.nodes and target in self.nodes:
            arrow = "-.->" if failover else "-->"
            self.edges.append(f'  {source} {arrow}|"{label}"| {target}')

    def render(self, title: str) -> str:
        lines = [f"## {title}", "", "```mermaid", "flowchart LR"]
        ordered = sorted(self.nodes.items(), key=lambda item: _rank(item[0]))
        lines += [f"  {text}" for _, (box, text) in ordered if box == OUTSIDE]
        for box_id, box_title in self.boxes.items():
            inside = [text for _, (box, text) in ordered if box == box_id]
            if inside:
                lines += [f'  subgraph {box_id}["{box_title}"]', *(f"    {text}" for text in inside), "  end"]
        lines += [*self.edges, "```", ""]
        return "\n".join(lines)


# Within a box, nodes are listed in the order traffic reaches them.
ORDER = ("users", "dns", "cdn", "static", "lb", "alb", "services", "proxy", "database", "standby", "replica", "cache")
ORDER += ("backups", "copies", "alarms", "pagerduty", "email", "slack")


def _rank(node_id: str) -> tuple[int, str]:
    return next((i for i, prefix in enumerate(ORDER) if node_id.startswith(prefix)), len(ORDER)), node_id


def _box_id(region: str) -> str:
    return "region_" + re.sub(r"[^A-Za-z0-9]", "_", region)


def _regional(base: str, box_id: str, main_box: str) -> str:
    """A node's id: its kind in the main region, kind and region elsewhere (a standby's services, cache...)."""
    return base if box_id == main_box else f"{base}_{box_id}"


def _standby_edges(picture: Picture, front: str, boxes: list[str], main_box: str, replicas: list[tuple[str, str]]):
    """A standby region's path: the front end fails over to its services, which use its cache and, once promoted,
    its replica."""
    for box_id in boxes:
        if box_id == main_box:
            continue
        entry = next((n for n in (f"alb_{box_id}", f"services_{box_id}") if n in picture.nodes), None)
        if entry:
            picture.edge(front, entry, "failover", failover=True)
        picture.edge(f"alb_{box_id}", f"services_{box_id}", "HTTP")
        picture.edge(f"services_{box_id}", f"cache_{box_id}", "Redis, TLS")
        for replica, where in replicas:
            if where == box_id:
                picture.edge(f"services_{box_id}", replica, "SQL after promotion", failover=True)


def _replica_edges(picture: Picture, replicas: list[tuple[str, str]], primary_box: str) -> None:
    for replica, where in replicas:
        label = "async replication" if where == primary_box else "cross-region replica"
        picture.edge("database", replica, label, failover=True)


def _times(count: int) -> str:
    return f" x{count}" if count > 1 else ""


def _aws_regions(settings) -> dict[str, str]:
    """Stack name -> the region it deploys to, from the component table (unknown stacks: the main region)."""
    where = {EDGE: AWS_EDGE_REGION, RECOVERY: settings.aws.recovery_region}
    return {settings.name(c.name): where.get(c.region, settings.aws.region) for c in AWS_TABLE}


def _aws_region_titles(settings) -> dict[str, str]:
    roles: dict[str, list[str]] = {}
    for region, role in (
        (settings.aws.region, "main"),
        (AWS_EDGE_REGION, "CloudFront edge"),
        (settings.aws.recovery_region, "recovery"),
    ):
        if region:
            roles.setdefault(region, []).append(role)
    return {region: f"{region}: {' + '.join(names)}" for region, names in roles.items()}


def aws_section(templates: dict[str, dict]) -> str:
    settings = load_settings(ENVIRONMENT)
    templates = of_environment(templates, settings)
    region_of = _aws_regions(settings)
    titles = _aws_region_titles(settings)
    picture = Picture()

    def box(stack: str) -> str:
        region = region_of.get(stack, settings.aws.region)
        return picture.box(_box_id(region), titles.get(region, region))

    for region in titles:  # boxes in a fixed order: main, edge, recovery
        picture.box(_box_id(region), titles[region])
    main_box = _box_id(settings.aws.region)
    kinds = {stack: Counter(r["Type"] for r in body.get("Resources", {}).values()) for stack, body in templates.items()}
    resources = list(aws_resources(templates))

    picture.node(OUTSIDE, "users", "Users", "([])")
    if any(k["AWS::Route53::RecordSet"] for k in kinds.values()):
        picture.node(OUTSIDE, "dns", "Route 53 (global)")
    for stack, k in kinds.items():
        if k["AWS::CloudFront::Distribution"]:
            picture.node(box(stack), "cdn", "CloudFront" + (" + WAF" if k["AWS::WAFv2::WebACL"] else ""))
            if k["AWS::CloudFront::OriginAccessControl"]:
                picture.node(box(stack), "static", "S3 static assets")
        if k["AWS::ElasticLoadBalancingV2::LoadBalancer"]:
            picture.node(
                box(stack),
                _regional("alb", box(stack), main_box),
                "Load balancer" + (" + WAF" if k["AWS::WAFv2::WebACL"] else ""),
            )
        if k["AWS::ECS::Service"]:
            services = f"ECS Fargate services{_times(k['AWS::ECS::Service'])}"
            picture.node(box(stack), _regional("services", box(stack), main_box), services)
        if k["AWS::RDS::DBProxy"]:
            picture.node(box(stack), _regional("proxy", box(stack), main_box), "RDS Proxy")
        if k["AWS::Backup::BackupPlan"]:
            picture.node(box(stack), "backups", "AWS Backup vault")
    replicas: list[tuple[str, str]] = []
    primary_box = main_box
    for stack, _, resource in resources:
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::RDS::DBInstance":
            if "SourceDBInstanceIdentifier" not in properties:
                primary_box = box(stack)
                picture.node(primary_box, "database", "RDS PostgreSQL primary", "[()]")
                if properties.get("MultiAZ"):
                    picture.node(box(stack), "standby", "standby, second AZ", "[()]")
            else:
                replicas.append((f"replica{len(replicas) + 1}", box(stack)))
                picture.node(box(stack), replicas[-1][0], "read replica", "[()]")
        elif resource["Type"] == "AWS::ElastiCache::ReplicationGroup":
            multi_az = properties.get("MultiAZEnabled") and properties.get("AutomaticFailoverEnabled")
            nodes = _times(properties.get("NumCacheClusters", 1))
            text = f"ElastiCache Redis{nodes}" + (", Multi-AZ" if multi_az else "")
            picture.node(box(stack), _regional("cache", box(stack), main_box), text)
        elif resource["Type"] == "AWS::Backup::BackupVault" and not kinds[stack]["AWS::Backup::BackupPlan"]:
            picture.node(box(stack), "copies", "backup copy vault")
    alarms: Counter[str] = Counter()
    for stack, k in kinds.items():
        if k["AWS::CloudWatch::Alarm"] or k["AWS::ApplicationSignals::ServiceLevelObjective"]:
            alarms[box(stack)] += k["AWS::CloudWatch::Alarm"]
    for region_box, count in sorted(alarms.items()):
        picture.node(region_box, f"alarms_{region_box}", f"CloudWatch alarms x{count}")
    email = any(
        r["Type"] == "AWS::SNS::Subscription" and r["Properties"].get("Protocol") == "email" for *_, r in resources
    )
    present = {
        "pagerduty": ("EventBridge to Events API v2", any(k["AWS::Events::ApiDestination"] for k in kinds.values())),
        "email": ("SNS", email),
        "slack": ("Chatbot", any(k["AWS::Chatbot::SlackChannelConfiguration"] for k in kinds.values())),
    }
    pages = {name: way for name, (way, drawn) in present.items() if drawn}
    _people(picture, pages)

    picture.edge("users", "dns", "DNS")
    picture.edge("users", "cdn", "HTTPS")
    picture.edge("cdn", "static", "static files")
    picture.edge("cdn", "alb", "origin HTTPS")
    picture.edge("alb", "services", "HTTP")
    picture.edge("services", "proxy", "SQL, TLS + IAM")
    picture.edge("proxy", "database", "SQL")
    picture.edge("services", "cache", "Redis, TLS")
    picture.edge("database", "standby", "sync; automatic failover", failover=True)
    _replica_edges(picture, replicas, primary_box)
    _standby_edges(picture, "cdn", list(picture.boxes), main_box, replicas)
    picture.edge("database", "backups", "snapshots + PITR", failover=True)
    picture.edge("backups", "copies", "cross-region copies", failover=True)
    for region_box in sorted(alarms):
        source = f"alarms_{region_box}"
        picture.edge(source, "pagerduty", "critical")
        picture.edge(source, "email", "warning")
        picture.edge(source, "slack", "info")
    return picture.render(f"AWS ({ENVIRONMENT})")


def _people(picture: Picture, pages: dict[str, str]) -> None:
    """The people alerts reach: channel -> how it is reached ("" when the channel says it all; absent: not drawn)."""
    box = picture.box("on_call", "on call")
    for name, text in (("pagerduty", "PagerDuty"), ("email", "email"), ("slack", "Slack")):
        if name in pages:
            picture.node(box, name, f"{text}, {pages[name]}" if pages[name] else text, "([])")


def gcp_section(stacks: dict[str, dict]) -> str:
    settings = load_settings(ENVIRONMENT)
    stacks = of_environment(stacks, settings)
    picture = Picture()
    main = settings.gcp.region
    edge = picture.box("global_edge", "global: Google front end")
    main_box = picture.box(_box_id(main), f"{main}: main")

    def box(region: str | None) -> str:
        region = region or main
        return picture.box(_box_id(region), f"{region}: main" if region == main else f"{region}: standby")

    resources = list(gcp_resources(stacks))
    kinds = Counter(kind for _, kind, _, _ in resources)
    picture.node(OUTSIDE, "users", "Users", "([])")
    if kinds["google_dns_record_set"]:
        picture.node(OUTSIDE, "dns", "Cloud DNS (global)")
    if kinds["google_compute_global_forwarding_rule"]:
        armor = " + Cloud Armor" if kinds["google_compute_security_policy"] else ""
        picture.node(edge, "lb", f"HTTPS load balancer{armor}")
    replicas: list[tuple[str, str]] = []
    primary_box = main_box
    for _, kind, _, body in resources:
        if kind == "google_compute_backend_bucket" and body.get("enable_cdn"):
            picture.node(edge, "cdn", "Cloud CDN")
            picture.node(edge, "static", "static assets bucket")
        elif kind == "google_sql_database_instance":
            region = box(body.get("region"))
            if not body.get("master_instance_name"):
                primary_box = region
                picture.node(region, "database", "Cloud SQL PostgreSQL primary", "[()]")
                if body.get("settings", {}).get("availability_type") == "REGIONAL":
                    picture.node(region, "standby", "standby, second zone", "[()]")
                if body.get("settings", {}).get("backup_configuration", {}).get("enabled"):
                    location = body["settings"]["backup_configuration"].get("location") or "multi-region"
                    picture.node(region, "backups", f"automated backups, {location}")
            else:
                replicas.append((f"replica{len(replicas) + 1}", region))
                picture.node(region, replicas[-1][0], "read replica", "[()]")
        elif kind == "google_memorystore_instance":
            ha = ", HA" if body.get("replica_count", 0) >= 1 else ""
            region = box(body.get("location"))
            picture.node(region, _regional("cache", region, main_box), f"Memorystore for Valkey{ha}")
    services = Counter(body.get("location") for _, kind, _, body in resources if kind == "google_cloud_run_v2_service")
    for region, count in sorted(services.items(), key=lambda item: str(item[0])):
        picture.node(box(region), _regional("services", box(region), main_box), f"Cloud Run services{_times(count)}")
    if kinds["google_monitoring_alert_policy"]:
        picture.node(box(main), "alarms", f"alert policies x{kinds['google_monitoring_alert_policy']}")
    channels = {body.get("type") for _, kind, _, body in resources if kind == "google_monitoring_notification_channel"}
    # Cloud Monitoring's own channel types: the channel is the route.
    _people(picture, {name: "" for name in ("pagerduty", "email", "slack") if name in channels})

    picture.edge("users", "dns", "DNS")
    picture.edge("users", "lb", "HTTPS")
    picture.edge("lb", "cdn", "static paths")
    picture.edge("cdn", "static", "cache miss")
    picture.edge("lb", "services", "serverless NEG")
    picture.edge("services", "database", "SQL, private IP")
    picture.edge("services", "cache", "Redis, TLS")
    picture.edge("database", "standby", "sync; automatic failover", failover=True)
    _replica_edges(picture, replicas, primary_box)
    _standby_edges(picture, "lb", list(picture.boxes), main_box, replicas)
    picture.edge("database", "backups", "daily + PITR", failover=True)
    picture.edge("alarms", "pagerduty", "critical")
    picture.edge("alarms", "email", "warning")
    picture.edge("alarms", "slack", "info")
    return picture.render(f"GCP ({ENVIRONMENT})")


HEADER = """# Architecture

Generated by `make diagram` from the synthesized outputs (`cdk.out/`, `cdktf.out/`) of the {environment}
environment; the other environments have the same shape at other sizes and counts. Do not edit by hand:
`tests/test_diagram.py` fails when this file no longer matches the outputs.

How to read them: requests flow left to right; each box is a region; dotted arrows are failover paths and copies;
the "on call" box is where alerts end. Supporting resources (KMS keys, log groups, IAM, compliance and delivery
stacks) are left out: [aws.md](aws.md) and [gcp.md](gcp.md) list every stack.

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
