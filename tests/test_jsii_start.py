"""shared/jsii_start.py: assembly loads queued beside the imports, then out of the way; a failed load still fails."""

from __future__ import annotations

import json
import time

import pytest

import aws_stacks.platform
from shared import jsii_start
from shared.stacks import AWS_TABLE

# Imported at collection, with this module even when it runs alone, while the loads are queued: every AWS stack
# module (the platform imports them only as it builds).
for _component in AWS_TABLE:
    _component.resolve()


def test_importing_the_tests_and_the_project_asks_the_runtime_for_nothing_but_loads(request_during_collection):
    # A jsii request at import (a module-level `Duration.days(3)`, a library constant) makes the import wait for
    # every queued load: in an app, that cuts the overlap with the imports short.
    found = request_during_collection
    assert found is None, f"a jsii request at import, by the time {found} was collected"
    assert {"aws-cdk-lib", "cdk-nag"} <= set(jsii_start.queued())  # the loads did go through the queue


def test_after_the_loads_the_runtime_is_handed_back_and_runs_cdk_nag(tmp_path):
    import aws_cdk as cdk
    import jsii
    from aws_cdk import aws_s3 as s3
    from cdk_nag import AwsSolutionsChecks
    from jsii import _runtime

    app = aws_stacks.platform.new_app(
        outdir=str(tmp_path), context={"@aws-cdk/core:failSynthOnValidationErrors": False}
    )
    stack = cdk.Stack(app, "probe")
    s3.Bucket(stack, "Bucket", enforce_ssl=True)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    template = app.synth().get_stack_by_name("probe").template
    reports = json.loads((tmp_path / "validation-report.json").read_text()).get("pluginReports", [])
    assert sorted(resource["Type"] for resource in template["Resources"].values()) == [
        "AWS::S3::Bucket",
        "AWS::S3::BucketPolicy",
    ]
    assert "AwsSolutions-S1" in json.dumps(reports)  # cdk-nag, loaded from the queue, ran its rules
    # After the first request that is not a load, the kernel talks to its own provider and loads as it did.
    assert jsii_start.handed_back()
    assert type(_runtime.kernel.provider).__name__ == "ProcessProvider"
    assert jsii.JSIIAssembly.load.__func__.__module__ == "jsii._runtime"
    jsii_start.start()  # a second call changes nothing
    assert type(_runtime.kernel.provider).__name__ == "ProcessProvider"


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


def test_the_runtime_starts_with_the_code_cache_preloaded():
    from pathlib import Path

    from jsii import _runtime

    from shared import code_cache

    pid = _runtime.kernel.provider._process._process.pid
    environ = dict(item.split("=", 1) for item in Path(f"/proc/{pid}/environ").read_text().split("\0") if "=" in item)
    assert f'--require "{code_cache.PRELOAD}"' in environ["NODE_OPTIONS"]
    assert environ["BOOKEDBARBER_CODE_CACHE_DIR"] == str(code_cache.current())
