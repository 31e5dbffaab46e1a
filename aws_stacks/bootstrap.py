"""The roles `cdk bootstrap` creates in each account and region, which deploys act through."""

from __future__ import annotations

from shared import Settings

# `cdk bootstrap`'s default qualifier: the bootstrap roles are cdk-<qualifier>-<kind>-role-<account>-<region>.
CDK_QUALIFIER = "hnb659fds"


def bootstrap_role_name(settings: Settings, kind: str, region: str) -> str:
    """`kind`: deploy, file-publishing, image-publishing, lookup or cfn-exec."""
    return f"cdk-{CDK_QUALIFIER}-{kind}-role-{settings.aws.account_id}-{region}"
