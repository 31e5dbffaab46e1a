"""docs/architecture.md is what `make diagram` draws from the outputs: each cloud's half is checked on that cloud's
xdist worker against the session's synthesis, so the picture cannot go stale and nothing synthesizes twice."""

from __future__ import annotations

import copy

from reports.diagram import DOCUMENT, aws_section, gcp_section
from shared import load_settings


def test_committed_aws_diagram_matches_the_outputs(aws):
    assert aws_section(aws.templates) in DOCUMENT.read_text(), "run `make docs` and commit docs/architecture.md"


def test_committed_gcp_diagram_matches_the_outputs(gcp_stacks):
    assert gcp_section(gcp_stacks) in DOCUMENT.read_text(), "run `make docs` and commit docs/architecture.md"


def test_a_new_resource_changes_the_diagram(aws):
    settings = load_settings("production")
    templates = copy.deepcopy(aws.templates)
    templates[settings.name("data")]["Resources"]["Extra"] = {"Type": "AWS::ElastiCache::ReplicationGroup"}
    drawn = aws_section(templates)
    assert drawn not in DOCUMENT.read_text()
    assert 'data__ElastiCache__ReplicationGroup["ElastiCache Redis x2"]' in drawn


def test_drawing_is_deterministic(gcp_stacks):
    reordered = dict(reversed(list(gcp_stacks.items())))
    assert gcp_section(reordered) == gcp_section(gcp_stacks)
