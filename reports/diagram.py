"""`make diagram`: docs/architecture.md, one Mermaid diagram per cloud drawn from the synthesized outputs.

Every stack of the drawn environment is a subgraph; its main resources (the types in `AWS_NODES` / `GCP_NODES`)
are nodes, one per type and stack with a count; `*_FLOWS` says how traffic and data move between types, and an
edge is drawn only between nodes the outputs hold. Same outputs, same bytes: tests/test_diagram.py fails when the
committed file no longer matches them.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from reports.outputs import aws_resources, gcp_resources, load_aws, load_gcp, of_environment
from shared import load_settings

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs" / "architecture.md"
# Every environment has the same shape (sizes differ); production is drawn.
ENVIRONMENT = "production"

AWS_NODES = {
    "AWS::Route53::RecordSet": "Route 53 records",
    "AWS::CloudFront::Distribution": "CloudFront",
    "AWS::WAFv2::WebACL": "WAF web ACL",
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "Application Load Balancer",
    "AWS::ECS::Service": "ECS Fargate services",
    "AWS::ECR::Repository": "ECR repositories",
    "AWS::RDS::DBProxy": "RDS Proxy",
    "AWS::RDS::DBInstance": "RDS PostgreSQL",
    "AWS::ElastiCache::ReplicationGroup": "ElastiCache Redis",
    "AWS::S3::Bucket": "S3 buckets",
    "AWS::SecretsManager::Secret": "Secrets Manager",
    "AWS::KMS::Key": "KMS keys",
    "AWS::EC2::VPC": "VPC",
    "AWS::EC2::NatGateway": "NAT gateways",
    "AWS::Logs::LogGroup": "CloudWatch log groups",
    "AWS::CloudWatch::Alarm": "CloudWatch alarms",
    "AWS::SNS::Topic": "SNS alert topics",
    "AWS::Events::Rule": "EventBridge rules",
    "AWS::Backup::BackupPlan": "AWS Backup plan",
    "AWS::GuardDuty::Detector": "GuardDuty",
    "AWS::SecurityHub::Hub": "Security Hub",
    "AWS::CloudTrail::Trail": "CloudTrail",
    "AWS::IAM::OIDCProvider": "GitHub OIDC provider",
}
# (from, to, label, where): where is True for within one stack, a component name for the stack of the target,
# False for anywhere.
AWS_FLOWS = (
    ("users", "AWS::Route53::RecordSet", "DNS", False),
    ("users", "AWS::CloudFront::Distribution", "HTTPS", False),
    ("AWS::WAFv2::WebACL", "AWS::CloudFront::Distribution", "filters", True),
    ("AWS::WAFv2::WebACL", "AWS::ElasticLoadBalancingV2::LoadBalancer", "filters", True),
    ("AWS::CloudFront::Distribution", "AWS::ElasticLoadBalancingV2::LoadBalancer", "origin HTTPS", False),
    ("AWS::CloudFront::Distribution", "AWS::S3::Bucket", "static assets", True),
    ("AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ECS::Service", "HTTP", False),
    ("AWS::ECR::Repository", "AWS::ECS::Service", "images", False),
    ("AWS::ECS::Service", "AWS::RDS::DBProxy", "SQL (TLS, IAM)", False),
    ("AWS::RDS::DBProxy", "AWS::RDS::DBInstance", "SQL", True),
    ("AWS::ECS::Service", "AWS::ElastiCache::ReplicationGroup", "Redis (TLS)", False),
    ("AWS::ECS::Service", "AWS::SecretsManager::Secret", "secrets", False),
    ("AWS::ECS::Service", "AWS::EC2::NatGateway", "egress", False),
    ("AWS::ECS::Service", "AWS::Logs::LogGroup", "logs", True),
    ("AWS::CloudWatch::Alarm", "AWS::SNS::Topic", "notify", True),
    ("AWS::Events::Rule", "AWS::SNS::Topic", "events", True),
    ("AWS::Backup::BackupPlan", "AWS::RDS::DBInstance", "backs up", False),
)

GCP_NODES = {
    "google_dns_record_set": "Cloud DNS records",
    "google_compute_global_forwarding_rule": "global forwarding rules",
    "google_compute_url_map": "URL maps",
    "google_compute_security_policy": "Cloud Armor policy",
    "google_compute_backend_service": "backend services",
    "google_compute_backend_bucket": "backend bucket (Cloud CDN)",
    "google_cloud_run_v2_service": "Cloud Run services",
    "google_artifact_registry_repository": "Artifact Registry",
    "google_sql_database_instance": "Cloud SQL PostgreSQL",
    "google_memorystore_instance": "Memorystore for Valkey",
    "google_storage_bucket": "Cloud Storage buckets",
    "google_secret_manager_secret": "Secret Manager",
    "google_kms_crypto_key": "Cloud KMS keys",
    "google_compute_network": "VPC",
    "google_compute_router_nat": "Cloud NAT",
    "google_monitoring_alert_policy": "alert policies",
    "google_monitoring_notification_channel": "notification channels",
    "google_logging_project_sink": "audit log sink",
    "google_billing_budget": "budget",
    "google_iam_workload_identity_pool": "workload identity pool",
}
GCP_FLOWS = (
    ("users", "google_dns_record_set", "DNS", False),
    ("users", "google_compute_global_forwarding_rule", "HTTPS", False),
    ("google_compute_global_forwarding_rule", "google_compute_url_map", "routes", True),
    ("google_compute_url_map", "google_compute_backend_service", "dynamic", True),
    ("google_compute_url_map", "google_compute_backend_bucket", "static", True),
    ("google_compute_security_policy", "google_compute_backend_service", "filters", True),
    ("google_compute_backend_bucket", "google_storage_bucket", "static assets", "gcp-data"),
    ("google_compute_backend_service", "google_cloud_run_v2_service", "serverless NEG", False),
    ("google_artifact_registry_repository", "google_cloud_run_v2_service", "images", False),
    ("google_cloud_run_v2_service", "google_sql_database_instance", "SQL (private IP)", False),
    ("google_cloud_run_v2_service", "google_memorystore_instance", "Redis protocol (TLS, IAM)", False),
    ("google_cloud_run_v2_service", "google_secret_manager_secret", "secrets", False),
    ("google_cloud_run_v2_service", "google_compute_router_nat", "egress", False),
    ("google_monitoring_alert_policy", "google_monitoring_notification_channel", "notify", True),
)


def _node_id(stack: str, kind: str) -> str:
    """A short Mermaid id: the stack's component and the type without its provider prefix."""
    component = stack.split(f"-{ENVIRONMENT}-", 1)[-1]
    return re.sub(r"[^A-Za-z0-9]", "_", f"{component}__{kind.removeprefix('AWS::').removeprefix('google_')}")


def _render(title: str, nodes: dict[tuple[str, str], int], labels: dict[str, str], flows) -> str:
    lines = [f"## {title}", "", "```mermaid", "flowchart LR", '  users(["Users"])']
    for stack in sorted({stack for stack, _ in nodes}):
        lines.append(f'  subgraph {_node_id(stack, "stack")}["{stack}"]')
        for (owner, kind), count in sorted(nodes.items()):
            if owner == stack:
                text = labels[kind] + (f" x{count}" if count > 1 else "")
                lines.append(f'    {_node_id(stack, kind)}["{text}"]')
        lines.append("  end")
    for source, target, label, local in flows:
        sources = ["users"] if source == "users" else [(s, k) for s, k in sorted(nodes) if k == source]
        targets = [(s, k) for s, k in sorted(nodes) if k == target]
        for a in sources:
            for b in targets:
                if local is True and a != "users" and a[0] != b[0]:
                    continue
                if isinstance(local, str) and not b[0].endswith(f"-{local}"):
                    continue
                start = "users" if a == "users" else _node_id(*a)
                lines.append(f'  {start} -->|"{label}"| {_node_id(*b)}')
    lines += ["```", ""]
    return "\n".join(lines)


def aws_section(templates: dict[str, dict]) -> str:
    settings = load_settings(ENVIRONMENT)
    nodes: dict[tuple[str, str], int] = {}
    for stack, _, resource in aws_resources(of_environment(templates, settings)):
        if resource["Type"] in AWS_NODES:
            nodes[(stack, resource["Type"])] = nodes.get((stack, resource["Type"]), 0) + 1
    return _render(f"AWS ({ENVIRONMENT})", nodes, AWS_NODES, AWS_FLOWS)


def gcp_section(stacks: dict[str, dict]) -> str:
    settings = load_settings(ENVIRONMENT)
    nodes: dict[tuple[str, str], int] = {}
    for stack, kind, _, _ in gcp_resources(of_environment(stacks, settings)):
        if kind in GCP_NODES:
            nodes[(stack, kind)] = nodes.get((stack, kind), 0) + 1
    return _render(f"GCP ({ENVIRONMENT})", nodes, GCP_NODES, GCP_FLOWS)


HEADER = """# Architecture

Generated by `make diagram` from the synthesized outputs (`cdk.out/`, `cdktf.out/`) of the {environment}
environment; the other environments have the same stacks and resources at other sizes and counts. Do not edit by
hand: `tests/test_diagram.py` fails when this file no longer matches the outputs. Each box is a stack; inside it,
its main resources (one node per type, with a count); arrows are how requests and data flow.

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
