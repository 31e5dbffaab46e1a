"""The README's trust matrix: every CI identity, who can become it, and what it may do, read from the synthesized
delivery stacks (what deploys, not what was meant).

After `make synth`: `.venv/bin/python -m reports.trust_matrix` (or `make docs`) writes the tables between the
README's `generated:trust-matrix-<cloud>` markers (reports/readme_sections.py); tests/aws/test_trust_matrix.py
and tests/gcp/test_trust_matrix.py fail when they drift.
"""

from __future__ import annotations

import argparse
import sys

from reports.outputs import load_aws, load_gcp
from reports.readme_sections import README, rewrite
from shared import ENVIRONMENTS, Settings, load_settings

AWS_HEADER = "| AWS role | who can assume it | what it may do | environments |\n| --- | --- | --- | --- |"
GCP_HEADER = (
    "| GCP service account | who can impersonate it | roles and grants | environments |\n| --- | --- | --- | --- |"
)


def _generic(text: str, settings: Settings) -> str:
    """Environment-specific names written as placeholders, so one row stands for every environment."""
    github = settings.github
    for value, placeholder in (
        (settings.delivery.release_environment, "<env>-release"),
        (github.full_name, "<owner>/<repo>"),
        (str(github.repository_id), "<repository id>"),
        (settings.aws.account_id, "<account>"),
        (settings.prefix, "bookedbarber-<env>"),
        ("/" + settings.path(""), "/bookedbarber/<env>/"),
        (settings.gcp.project_id, "<project>"),
        (f"environment:{github.environment}", "environment:<env>"),
    ):
        text = text.replace(value, placeholder)
    return text


def _flat(value) -> str:
    """A resource or principal as text, CloudFormation's partition join flattened to `aws`."""
    if isinstance(value, list):
        return ", ".join(_flat(item) for item in value)
    if isinstance(value, dict) and "Fn::Join" in value:
        return "".join("aws" if isinstance(part, dict) else str(part) for part in value["Fn::Join"][1])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return value["Fn::GetAtt"][0]
    return str(value)


def _statement(statement: dict) -> str:
    actions = statement.get("Action") or [f"all but {statement['NotAction']}"]
    actions = actions if isinstance(actions, list) else [actions]
    effect = "" if statement.get("Effect") == "Allow" else "deny "
    return f"{effect}{', '.join(f'`{a}`' for a in actions)} on {_flat(statement['Resource'])}"


def aws_rows(templates: dict[str, dict], settings: Settings) -> list[tuple[str, str, str]]:
    resources = templates[settings.name("delivery")]["Resources"]
    policies = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::IAM::ManagedPolicy"]
    rows = []
    for logical_id, resource in sorted(resources.items()):
        if resource["Type"] != "AWS::IAM::Role":
            continue
        properties = resource["Properties"]
        trust = []
        for statement in properties["AssumeRolePolicyDocument"]["Statement"]:
            principal = statement["Principal"]
            if "Service" in principal:
                trust.append(f"{principal['Service']} (passed by the release role)")
            for operator, conditions in statement.get("Condition", {}).items():
                for key, value in conditions.items():
                    if key.endswith(":sub"):
                        trust.append(f"`{value}`" + (" (any PR number)" if operator == "StringLike" else ""))
        may = [
            _statement(statement)
            for policy in policies
            if {"Ref": logical_id} in policy.get("Roles", [])
            for statement in policy["PolicyDocument"]["Statement"]
        ]
        rows.append((f"`{properties['RoleName']}`", "; ".join(trust), "; ".join(may)))
    for policy in policies:
        if "Roles" not in policy:  # attached by `cdk bootstrap` to its CloudFormation execution role
            who = "CloudFormation, when the deploy role's bootstrap deploy role passes it the execution role"
            if policy["ManagedPolicyName"].endswith("-boundary"):
                who = "(boundary of the execution role and of every role the platform's stacks create)"
            summary = "; ".join(f"{st.get('Sid')}: {_statement(st)}" for st in policy["PolicyDocument"]["Statement"])
            rows.append((f"`{policy['ManagedPolicyName']}` (policy)", who, summary))
    return rows


def gcp_rows(stacks: dict[str, dict], settings: Settings) -> list[tuple[str, str, str]]:
    from shared.delivery import gcp_kinds, subject
    from shared.names import gcp_account_id

    resources = stacks[settings.name("gcp-delivery")]["resource"]
    roles = {
        f"${{google_project_iam_custom_role.{logical}.name}}": body
        for logical, body in resources.get("google_project_iam_custom_role", {}).items()
    }
    accounts = {body["account_id"]: logical for logical, body in resources["google_service_account"].items()}
    rows = []
    for kind in gcp_kinds(settings):
        member = f"${{google_service_account.{accounts[gcp_account_id(settings, kind)]}.member}}"
        grants = []
        for grant in resources.get("google_project_iam_member", {}).values():
            if grant["member"] != member:
                continue
            condition = f" (condition `{grant['condition']['title']}`)" if "condition" in grant else ""
            if grant["role"] in roles:
                permissions = ", ".join(f"`{p}`" for p in roles[grant["role"]]["permissions"])
                grants.append(f"custom: {permissions}{condition}")
            else:
                grants.append(f"`{grant['role']}`{condition}")
        for type_name in ("google_service_account_iam_member", "google_artifact_registry_repository_iam_member"):
            for grant in resources.get(type_name, {}).values():
                if grant["member"] == member:
                    target = grant.get("service_account_id", grant.get("repository", "")).rpartition("/")[2]
                    grants.append(f"`{grant['role']}` on {target}")
        for grant in resources.get("google_storage_bucket_iam_member", {}).values():
            if grant["member"] == member:
                grants.append(f"`{grant['role']}` on the state bucket")
        email = member.removesuffix(".member}") + ".email}"
        for policy in resources.get("google_iam_deny_policy", {}).values():
            for rule in policy["rules"]:
                deny = rule["deny_rule"]
                if any(principal.endswith(email) for principal in deny["denied_principals"]):
                    unless = deny.get("denial_condition", {}).get("title")
                    grants.append(
                        "deny "
                        + ", ".join(f"`{p}`" for p in deny["denied_permissions"])
                        + (f" ({unless})" if unless else "")
                    )
        sub = subject(settings, kind)
        who = f"`{sub}`" + (" (any PR number)" if "*" in sub else "")
        rows.append((f"`{gcp_account_id(settings, kind)}`", who, "; ".join(sorted(grants))))
    return rows


def table(header: str, rows_of: dict[str, list[tuple[str, str, str]]]) -> str:
    """Rows identical across environments (once generic) are one row listing them."""
    merged: dict[tuple[str, str, str], list[str]] = {}
    for environment, rows in rows_of.items():
        for row in rows:
            merged.setdefault(row, []).append(environment)
    lines = [header] + [f"| {' | '.join(row)} | {', '.join(envs)} |" for row, envs in merged.items()]
    return "\n".join(lines)


def aws_table(templates: dict[str, dict]) -> str:
    rows_of = {}
    for environment in ENVIRONMENTS:
        settings = load_settings(environment)
        rows_of[environment] = [tuple(_generic(c, settings) for c in row) for row in aws_rows(templates, settings)]
    return table(AWS_HEADER, rows_of)


def gcp_table(stacks: dict[str, dict]) -> str:
    rows_of = {}
    for environment in ENVIRONMENTS:
        settings = load_settings(environment)
        rows_of[environment] = [tuple(_generic(c, settings) for c in row) for row in gcp_rows(stacks, settings)]
    return table(GCP_HEADER, rows_of)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rewrite the README's trust matrix from the synthesized outputs.")
    parser.add_argument("--print", action="store_true", help="print the tables instead of rewriting README.md")
    args = parser.parse_args(argv)
    tables = {"aws": aws_table(load_aws()), "gcp": gcp_table(load_gcp())}
    if args.print:
        print("\n\n".join(tables.values()))
        return 0
    text = README.read_text()
    for cloud, body in tables.items():
        text = rewrite(text, f"trust-matrix-{cloud}", body)
    README.write_text(text)
    print(f"rewrote the trust matrix in {README.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
