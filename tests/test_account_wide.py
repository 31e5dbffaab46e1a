"""docs/account-wide-resources.md lists exactly the account- and project-wide resources the stacks synthesize."""

from __future__ import annotations

from reports import account_wide
from shared import load_settings

FIX = "run: make docs"


def test_the_aws_table_matches_the_templates(aws):
    body = account_wide.tables(aws.templates, None)["aws"]
    doc = account_wide.DOC.read_text()
    assert account_wide.updated(doc, "aws", body) == doc, FIX
    # The singletons the review named are found in the output, not typed per environment.
    for kind in ("AWS::GuardDuty::Detector", "AWS::SecurityHub::Hub", "AWS::Config::ConfigurationRecorder"):
        assert f"`{kind}`" in body


def test_the_gcp_table_matches_the_output(gcp_stacks):
    body = account_wide.tables(None, gcp_stacks)["gcp"]
    doc = account_wide.DOC.read_text()
    assert account_wide.updated(doc, "gcp", body) == doc, FIX
    for kind in ("google_project_service", "google_project_service_identity", "google_billing_budget"):
        assert f"`{kind}`" in body


def test_a_fixed_name_is_listed_and_an_environment_name_is_not():
    settings = load_settings("dev")
    template = {
        "Resources": {
            "Fixed": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "SharedGroup"}},
            "Own": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": f"/{settings.prefix}/app"}},
        }
    }
    rows = account_wide.aws_rows({settings.name("data"): template}, settings)
    assert {(kind, name) for kind, name, _, _ in rows} == {("AWS::Logs::LogGroup", "SharedGroup")}
    terraform = {
        "resource": {
            "google_storage_bucket": {"Fixed": {"name": "shared-bucket"}, "Own": {"name": settings.name("logs")}},
            "google_project_service": {"Api": {"service": "run.googleapis.com"}},
        }
    }
    rows = account_wide.gcp_rows({settings.name("gcp-data"): terraform}, settings)
    assert {(kind, name) for kind, name, _, _ in rows} == {
        ("google_storage_bucket", "shared-bucket"),
        ("google_project_service", "run.googleapis.com"),
    }
