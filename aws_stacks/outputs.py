"""Stack outputs for people: where the app, its entry points, images and data endpoints are.

`npx cdk deploy --all -c env=<env> --outputs-file outputs.json` writes them; the CloudFormation console shows
them per stack. Never a secret: endpoints and names only (tests/aws/test_outputs.py checks).
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_elasticloadbalancingv2 as elbv2

from shared import Settings
from shared.contract import ELASTICACHE_PORT
from shared.names import tag_parameter_name


def _output(stack: Stack, output_id: str, value: str, description: str) -> None:
    CfnOutput(stack, output_id, value=value, description=description)


def data_outputs(
    stack: Stack,
    *,
    settings: Settings,
    database_endpoint: str,
    read_replica_endpoint: str | None,
    cache_endpoint: str,
    repositories: dict[str, ecr.IRepository],
) -> None:
    """The endpoints as values (tokens), not the data stack's constructs: this module stays below aws_stacks.data."""
    _output(stack, "DatabaseEndpoint", database_endpoint, "PostgreSQL endpoint for the app (RDS Proxy, TLS)")
    if read_replica_endpoint is not None:
        _output(stack, "DatabaseReadEndpoint", read_replica_endpoint, "PostgreSQL read replica endpoint")
    _output(
        stack,
        "CacheEndpoint",
        cache_endpoint,
        f"Redis primary endpoint (TLS, port {ELASTICACHE_PORT}); the AUTH token stays in Secrets Manager",
    )
    for name, repository in repositories.items():
        _output(stack, f"{name.title()}RepositoryUri", repository.repository_uri, f"ECR repository of the {name} image")
        _output(
            stack,
            f"{name.title()}ReleasedTagParameter",
            tag_parameter_name(settings, name),
            f"Parameter Store name of the {name} tag the service runs (ops/release.py writes it)",
        )


def compute_outputs(stack: Stack, *, settings: Settings, load_balancer: elbv2.IApplicationLoadBalancer) -> None:
    _output(
        stack,
        "LoadBalancerDnsName",
        load_balancer.load_balancer_dns_name,
        "DNS name of the application load balancer (CloudFront's origin)",
    )
    _output(stack, "OriginUrl", f"https://{settings.domain.origin_domain}", "Origin URL: the load balancer's own name")


def edge_outputs(stack: Stack, *, settings: Settings, distribution: cloudfront.IDistribution) -> None:
    _output(stack, "AppUrl", f"https://{settings.domain.app_domain}", "The app, as users reach it")
    _output(stack, "CloudFrontDomainName", distribution.distribution_domain_name, "CloudFront distribution domain")
    _output(stack, "CloudFrontDistributionId", distribution.distribution_id, "For cache invalidations")
