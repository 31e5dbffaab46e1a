"""aws-cdk-lib's built-in template validation, run beside the app (aws_stacks/template_validation.py): the same
engine, rules and options as the built-in, the same findings, acknowledgements and failing synth."""

from __future__ import annotations

import ast
import json
import re
import time
from importlib.metadata import version
from pathlib import Path

import aws_cdk as cdk
import pytest

from aws_stacks import template_validation
from aws_stacks.nag import register_checks
from aws_stacks.platform import new_app
from tests.synth import REPORT_INSTEAD_OF_FAILING, ROOT, cdk_json_context

ENV = cdk.Environment(account="123456789012", region="us-east-1")
# On one xdist worker: the tests share that process's validation worker (it compiles the engine once).
pytestmark = pytest.mark.xdist_group("template_validation")


def _probe(app: cdk.App) -> list[cdk.Stack]:
    """An error (a retention period under SQS's minimum of 60 s), a warning (a hard-coded zone), and the same error
    in two stacks, so findings are grouped across templates."""
    stacks = []
    for name in ("ProbeOne", "ProbeTwo"):
        stack = cdk.Stack(app, name, env=ENV)
        stacks.append(stack)
        cdk.CfnResource(stack, "Queue", type="AWS::SQS::Queue", properties={"MessageRetentionPeriod": 10})
    cdk.CfnResource(
        stack,
        "Subnet",
        type="AWS::EC2::Subnet",
        properties={"VpcId": "vpc-12345678", "CidrBlock": "10.0.0.0/24", "AvailabilityZone": "us-east-1a"},
    )
    return stacks


def _validation_report(directory: Path) -> dict:
    report = json.loads((directory / "validation-report.json").read_text())
    return next(plugin for plugin in report["pluginReports"] if plugin["pluginName"] == template_validation.PLUGIN_NAME)


# aws-cdk-lib's own plugin's report on the probe, recorded by `make snapshot-update` after comparing it live with the
# worker's; re-recorded whenever aws-cdk-lib changes (its engine compiling in the test process costs ~5 s of CPU).
BUILT_IN_REPORT = Path(__file__).parent / "built_in_validation_report.json"


def _built_in_report(directory: Path) -> dict:
    context = {**cdk_json_context(), **REPORT_INSTEAD_OF_FAILING}
    built_in = cdk.App(context=context, outdir=str(directory))  # the built-in, on purpose: the reference
    _probe(built_in)
    built_in.synth()
    return _validation_report(directory)


@pytest.fixture(scope="module")
def reports(request, tmp_path_factory) -> tuple[dict, dict]:
    """The probe's CloudFormation Validate report from aws-cdk-lib's built-in (as recorded for the installed
    aws-cdk-lib, live under `--snapshot-update`) and from the worker, told what the synthesis will write as
    `build_platform` tells it."""
    context = {**cdk_json_context(), **REPORT_INSTEAD_OF_FAILING}
    beside_dir = tmp_path_factory.mktemp("beside")
    beside = new_app(context=context, outdir=str(beside_dir))
    register_checks(beside)
    template_validation.expect(beside.outdir, _probe(beside))
    beside.synth()
    installed = version("aws-cdk-lib")
    if request.config.option.update_snapshots:
        live = _built_in_report(tmp_path_factory.mktemp("built-in"))
        BUILT_IN_REPORT.write_text(json.dumps({"aws-cdk-lib": installed, "report": live}, indent=2) + "\n")
    recorded = json.loads(BUILT_IN_REPORT.read_text())
    assert recorded["aws-cdk-lib"] == installed, "aws-cdk-lib changed: `make snapshot-update` compares it live again"
    return recorded["report"], _validation_report(beside_dir)


def test_the_findings_are_the_built_ins(reports):
    built_in, beside = reports
    assert beside["violations"], "the probe has findings: a report without any proves nothing"
    assert beside == built_in


def _queue_template(path: Path, retention: int) -> dict:
    path.write_text(
        json.dumps(
            {"Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"MessageRetentionPeriod": retention}}}}
        )
    )
    return {
        "templatePath": str(path),
        "stackConstructPath": "Probe",
        "accountId": "123456789012",
        "region": "us-east-1",
    }


def test_an_expected_template_is_validated_as_it_appears_and_rechecked_when_it_changes(tmp_path):
    worker = template_validation.start()  # this process's worker: its engine is compiled once (seconds)
    worker.ready()
    stack = _queue_template(tmp_path / "probe.template.json", retention=10)
    worker.expect([stack])
    time.sleep(0.5)  # the worker polls every 10 ms; a template this small validates in milliseconds
    first = worker.report([stack])
    assert worker.answered_early == 1
    assert [v["ruleName"] for v in first["violations"]] == ["F3034"]
    _queue_template(tmp_path / "probe.template.json", retention=60)  # rewritten after the early validation
    assert worker.report([stack]) == {"success": True, "violations": []}
    assert worker.answered_early == 0


def test_an_error_fails_the_report_and_equal_findings_are_grouped(reports):
    _, beside = reports
    assert beside["conclusion"] == "failure"
    errors = [violation for violation in beside["violations"] if violation["severity"] == "error"]
    assert errors and {len(violation["violatingConstructs"]) for violation in errors} == {2}


def test_the_options_are_aws_cdk_libs_own():
    """The worker repeats CloudFormationValidatePlugin's options: an aws-cdk-lib upgrade changing them fails here."""
    plugin = (template_validation.engine_home() / "plugin.js").read_text()
    worker = template_validation.WORKER.read_text()
    ignored = re.search(r"IGNORE_RULES=new Set\((\[[^\]]*\])\)", plugin).group(1)
    assert json.loads(ignored) == json.loads(re.search(r"const IGNORE_RULES = (\[[^\]]*\]);", worker).group(1))
    assert 'services:[{ruleId:"W3697",service:"AWS::AutoScaling"}]' in plugin
    assert '{ ruleId: "W3697", service: "AWS::AutoScaling" }' in worker
    for option in ('detailLevel:"STANDARD"', 'severityLevel:"WARN"', "pseudoParameterOverrides:{accountId,region}"):
        assert option in plugin
    assert 'static PLUGIN_NAME="CloudFormation Validate"' in plugin
    assert sorted(path.name for path in (template_validation.engine_home() / "rules").iterdir())


def test_an_open_error_fails_the_synth(tmp_path):
    app = new_app(context=cdk_json_context(), outdir=str(tmp_path))
    register_checks(app)
    _probe(app)
    with pytest.raises(RuntimeError, match=r"(?s)ValidationFailed.*CloudFormation-Validate::F3034"):
        app.synth()


def test_cdk_validation_false_turns_it_off(monkeypatch):
    monkeypatch.setenv("CDK_VALIDATION", "false")
    assert template_validation.start() is None


def _direct_apps(path: Path) -> list[int]:
    """Lines of `path` that construct aws_cdk's App directly (`cdk.App(...)`, or `App(...)` imported from aws_cdk)."""
    source = path.read_text()
    if "App" not in source:  # both spellings name it; parsing every file costs seconds
        return []
    tree = ast.parse(source)
    modules = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
               for alias in node.names if alias.name == "aws_cdk"}  # fmt: skip
    names = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
             and node.module == "aws_cdk" for alias in node.names if alias.name == "App"}  # fmt: skip
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (
                isinstance(node.func, ast.Attribute)
                and node.func.attr == "App"
                and getattr(node.func.value, "id", None) in modules
            )
            or (isinstance(node.func, ast.Name) and node.func.id in names)
        )
    ]


def test_every_aws_app_turns_the_built_in_off():
    """Both would run otherwise, and report every finding twice (and a bare App pays the built-in's engine in the
    jsii runtime: seconds per test process)."""
    sources = [
        path
        for folder in ("aws_stacks", "tests", "ops", "reports", "scripts")
        for path in (ROOT / folder).rglob("*.py")
        if "anchor" not in path.parts and path.name not in (Path(__file__).name, "platform.py")
    ] + [ROOT / "app.py"]
    direct = {str(path.relative_to(ROOT)): lines for path in sources if (lines := _direct_apps(path))}
    assert direct == {}
    assert "builtin_cloud_formation_validation=False" in (ROOT / "aws_stacks" / "platform.py").read_text()
    assert _direct_apps(Path(__file__))  # the reference above: the check sees both spellings
    probe = ROOT / ".deps" / "probe_direct_app.py"
    probe.write_text("from aws_cdk import App as A\nA()\n")
    try:
        assert _direct_apps(probe) == [2]
    finally:
        probe.unlink()


def test_a_worker_that_stops_fails_the_validation(tmp_path):
    """A worker without its engine ends at once: the synth fails saying so, instead of passing templates unchecked."""
    template = tmp_path / "probe.template.json"
    template.write_text('{"Resources": {}}')
    worker = template_validation.Worker(home=tmp_path)
    stack = {"templatePath": str(template), "stackConstructPath": "Probe", "accountId": None, "region": None}
    with pytest.raises(RuntimeError, match="worker exited with code 1"):
        worker.report([stack])


def test_a_worker_whose_app_ends_before_its_templates_appear_exits(tmp_path):
    """A synthesis that fails after `expect` (a jsii error, an interrupted run) never writes its templates: the
    worker must not go on polling for them once the app has gone (its stdin closes), or every failed synth leaves a
    300 MB process behind."""
    engine = tmp_path / "engine"
    engine.mkdir()
    (tmp_path / "rules").mkdir()
    # A stand-in for the bundled engine, so the worker starts in milliseconds; the polling is the worker's own.
    (engine / "index.js").write_text(
        "exports.version = () => 'stand-in';\n"
        "exports.CompositeEngine = class { validateTemplate() { return { diagnostics: [] }; } };\n"
        "exports.TemplateContent = class {};\n"
    )
    worker = template_validation.Worker(home=tmp_path)
    worker.ready()
    never = {"templatePath": str(tmp_path / "never.template.json"), "stackConstructPath": "Never"}
    worker.expect([{**never, "accountId": None, "region": None}])
    worker._process.stdin.close()  # what the app's exit does
    assert worker._process.wait(timeout=10) == 0
