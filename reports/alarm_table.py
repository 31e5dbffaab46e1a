"""The README's "AWS alarms" table, read from the synthesized templates (what deploys, not what was meant).

After `make synth-aws`: `.venv/bin/python -m reports.alarm_table` prints the section; `make docs` writes it.
tests/aws/test_observability.py fails when the README no longer matches the templates of any environment.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reports.outputs import AWS_OUT, alarm_period_seconds, aws_resources, load_aws, of_environment
from shared import ENVIRONMENTS, Settings, load_settings
from shared.recovery_names import aws_standby_names
from shared.stacks import AWS_STANDBY_COMPONENT

ROUTES = {"critical": "PagerDuty", "warning": "email", "info": "Slack (AWS Chatbot)"}
OPERATORS = {"GreaterThanThreshold": ">", "LessThanThreshold": "<"}
HEADER = "| alarm | severity -> route | fires when | for | missing data |\n| --- | --- | --- | --- | --- |"


def _watched(properties: dict) -> str:
    if "MetricName" in properties:
        return f"{properties['MetricName']} ({properties.get('ExtendedStatistic') or properties['Statistic']})"
    expression = next(query for query in properties["Metrics"] if "Expression" in query)
    return expression.get("Label") or expression["Expression"]


def _duration(properties: dict) -> str:
    period = alarm_period_seconds(properties)
    evaluations = properties["EvaluationPeriods"]
    if period % 86400 == 0:
        return f"{evaluations * period // 86400} d (daily datapoint)"
    minutes = evaluations * period // 60
    return f"{minutes} min" + (f" ({evaluations} x 1 min)" if evaluations > 1 else " (one window)")


def alarm_rows(templates: dict[str, dict], settings: Settings) -> list[str]:
    """One markdown row per alarm of one environment, its prefix written as `bookedbarber-<env>`."""
    rows = []
    own = of_environment(templates, settings)
    for stack_name, _, resource in aws_resources(own, "AWS::CloudWatch::Alarm"):
        if stack_name == settings.name(AWS_STANDBY_COMPONENT):
            continue  # the standby's replica-lag alarm exists only with a standby: docs/disaster-recovery.md
        properties = resource["Properties"]
        if properties["AlarmName"] == aws_standby_names(settings)["origin_errors_alarm"]:
            continue  # so does the region-loss alarm (edge region): docs/disaster-recovery.md, "Detection"
        topic_id = properties["AlarmActions"][0]["Ref"]
        topic = own[stack_name]["Resources"][topic_id]["Properties"]["TopicName"]
        severity = topic.rsplit("-", 1)[1]
        name = properties["AlarmName"].replace(settings.prefix, f"{settings.tags.project}-<env>", 1)
        condition = f"{_watched(properties)} {OPERATORS[properties['ComparisonOperator']]} {properties['Threshold']:g}"
        rows.append(
            f"| `{name}` | {severity} -> {ROUTES[severity]} | {condition} | {_duration(properties)} "
            f"| {properties['TreatMissingData']} |"
        )
    return sorted(rows)


def section(templates: dict[str, dict], settings: Settings) -> str:
    return "\n".join([HEADER, *alarm_rows(templates, settings)])


def readme_table(outdir: Path = AWS_OUT) -> str:
    """The one table every environment shares (the README assumes they do not differ)."""
    templates = load_aws(outdir)
    present = [settings for settings in map(load_settings, ENVIRONMENTS) if f"{settings.prefix}-network" in templates]
    sections = {section(templates, settings) for settings in present}
    if len(sections) != 1:
        raise SystemExit("environments differ in their alarms; the README table assumes they do not")
    return sections.pop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reports.alarm_table", description=__doc__.splitlines()[0])
    parser.add_argument("outdir", nargs="?", type=Path, default=AWS_OUT, help="cloud assembly (default: cdk.out)")
    print(readme_table(parser.parse_args(argv).outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
