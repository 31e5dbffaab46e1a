"""The stack counts docs/aws.md and docs/gcp.md state follow the component table (shared/stacks.py)."""

from __future__ import annotations

import re

from shared.stacks import AWS_TABLE, GCP_TABLE
from tests.synth import ROOT

WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")


def _stated(document: str) -> list[int]:
    """Every '<Number> stacks per environment' and ', <number> where' count of the document's opening sentence."""
    text = (ROOT / "docs" / document).read_text()
    sentence = re.search(r"^(\w+) stacks per environment(?:, (\w+) where)?", text, re.MULTILINE)
    assert sentence, f"docs/{document} no longer states its stack count"
    return [WORDS.index(word.lower()) for word in sentence.groups() if word]


def test_aws_doc_counts_every_stack():
    always = sum(1 for component in AWS_TABLE if not component.only_where)
    assert _stated("aws.md") == [always, len(AWS_TABLE)]


def test_aws_doc_table_lists_every_stack():
    text = (ROOT / "docs" / "aws.md").read_text()
    assert all(f"| `bookedbarber-<env>-{component.name}` |" in text for component in AWS_TABLE)


def test_gcp_doc_counts_every_stack():
    assert all(not component.only_where for component in GCP_TABLE)
    assert _stated("gcp.md") == [len(GCP_TABLE)]
