"""Where each alert's runbook section lives: `docs/runbooks.md`, one section per alert (and info event), headed by
its key, so that every CloudWatch alarm and Cloud Monitoring policy links `<base>#<key>`.

jsii-free: both clouds' observability modules, reports/runbooks.py (which writes the document) and the tests read it.
"""

from __future__ import annotations

import re

from shared.settings import Settings

RUNBOOKS_PATH = "docs/runbooks.md"


def runbook_base_url(settings: Settings) -> str:
    """`routes.runbook_base_url`, else the document on the repository's main branch on GitHub."""
    if settings.routes.runbook_base_url:
        return settings.routes.runbook_base_url
    return f"https://github.com/{settings.github.owner}/{settings.github.repository}/blob/main/{RUNBOOKS_PATH}"


def anchor(heading: str) -> str:
    """The fragment GitHub gives a Markdown heading (github-slugger): lower case, punctuation other than `-` and
    `_` dropped, each space a `-`."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def runbook_url(settings: Settings, key: str) -> str:
    """The link an alarm or policy carries: its alert's section (headed by the key itself)."""
    return f"{runbook_base_url(settings)}#{anchor(key)}"
