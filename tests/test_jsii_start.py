"""shared/jsii_start.py: assembly loads queued beside the imports, then out of the way; a failed load still fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from shared import jsii_start

ROOT = Path(__file__).resolve().parent.parent

# In a fresh interpreter (the loads happen once per runtime): import every AWS module, then build and synthesize one
# small stack with cdk-nag. The session's own syntheses (snapshots included) also run on queued loads (conftest).
_APP = textwrap.dedent(
    """
    import json, tempfile
    from shared import jsii_start
    jsii_start.start()
    jsii_start.start()  # a second call changes nothing
    import aws_cdk as cdk, jsii
    from aws_cdk import aws_s3 as s3
    from cdk_nag import AwsSolutionsChecks
    from jsii import _runtime
    import aws_stacks.platform
    # Importing the project's modules asked the runtime for nothing but loads: none had to wait for them.
    during_imports = type(_runtime.kernel.provider).__name__
    app = cdk.App(outdir=tempfile.mkdtemp(), context={"@aws-cdk/core:failSynthOnValidationErrors": False})
    stack = cdk.Stack(app, "probe")
    s3.Bucket(stack, "Bucket", enforce_ssl=True)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    template = app.synth().get_stack_by_name("probe").template
    reports = json.load(open(f"{app.outdir}/validation-report.json")).get("pluginReports", [])
    print(json.dumps({
        "during_imports": during_imports,
        "resources": sorted(resource["Type"] for resource in template["Resources"].values()),
        "findings": json.dumps(reports),
        "provider": type(_runtime.kernel.provider).__name__,
        "load": jsii.JSIIAssembly.load.__func__.__module__,
    }))
    """
)


def test_queued_loads_overlap_the_imports_then_hand_back_the_runtime():
    result = subprocess.run(
        [sys.executable, "-c", _APP],
        cwd=ROOT,
        # The built-in template validation is not what is tested here, and compiling its engine takes seconds.
        env={**os.environ, "CDK_VALIDATION": "false"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["during_imports"] == "_AfterLoads"
    assert probe["resources"] == ["AWS::S3::Bucket", "AWS::S3::BucketPolicy"]
    assert "AwsSolutions-S1" in probe["findings"]  # cdk-nag, loaded from the queue, ran its rules
    # After the first request that is not a load, the kernel talks to its own provider and loads as it did.
    assert probe["provider"] == "ProcessProvider"
    assert probe["load"] == "jsii._runtime"


class _Provider:
    def __init__(self) -> None:
        self.loaded: list[str] = []

    def load(self, request) -> None:
        if request.name == "broken":
            raise RuntimeError("cannot unpack broken")
        time.sleep(0.05)  # slow enough that a request which did not wait would see a load missing
        self.loaded.append(request.name)


class _Kernel:
    def __init__(self) -> None:
        self.provider = _Provider()


def test_a_failed_load_is_raised_in_the_thread_that_waits_and_stops_the_loads_after_it():
    kernel = _Kernel()
    loader = jsii_start._Loader(kernel)
    for name in ("constructs", "broken", "aws-cdk-lib"):
        loader.load(name, "1.0.0", f"/nowhere/{name}.tgz")
    with pytest.raises(RuntimeError, match="cannot unpack broken"):
        loader.wait()
    # aws-cdk-lib needs what failed before it: it is not loaded after the failure.
    assert kernel.provider.loaded == ["constructs"]


def test_the_first_request_that_is_not_a_load_waits_for_the_queued_loads():
    kernel = _Kernel()
    loader = jsii_start._Loader(kernel)
    restored: list[bool] = []
    stand_in = jsii_start._AfterLoads(loader, lambda: restored.append(True))
    loader.load("constructs", "1.0.0", "/nowhere/constructs.tgz")
    loader.load("aws-cdk-lib", "2.0.0", "/nowhere/aws-cdk-lib.tgz")
    assert stand_in.loaded is kernel.provider.loaded  # reached through the stand-in: after both loads
    assert kernel.provider.loaded == ["constructs", "aws-cdk-lib"] and restored == [True]
