"""Reading the cloud assembly's validation report (cdk-nag's findings) without importing aws_cdk."""

from __future__ import annotations

import json
from pathlib import Path


def plugin_reports(outdir: Path) -> list[dict]:
    path = outdir / "validation-report.json"
    return json.loads(path.read_text()).get("pluginReports", []) if path.exists() else []


def open_findings(outdir: Path) -> list[str]:
    """One line per open finding: pack, rule, construct, and the id an acknowledgement would need."""
    lines = []
    for report in plugin_reports(outdir):
        for violation in report.get("violations", []):
            for construct in violation["violatingConstructs"]:
                lines.append(
                    f"{report['pluginName']}: {violation['ruleName']} on {construct['constructPath']} "
                    f"(acknowledge with '{report['pluginName']}::{violation['ruleName']}' and a reason, or fix it)"
                )
    return lines
