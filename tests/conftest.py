"""Session fixtures: each app is synthesized once and shared by every test that needs it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from shared import jsii_start
from tests.snapshots import CloudFormationSnapshot, TerraformSnapshot
from tests.synth import AwsSynth, CfnLint, synth_aws, synth_gcp, with_cfn_lint

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


def pytest_configure(config):
    """Each process that collects the tests starts the jsii runtime as the apps do (shared/jsii_start.py): the loads
    run beside the collection, and every synthesis of the session, snapshots included, goes through the queued
    loads the apps use. The xdist controller collects nothing and starts nothing."""
    if os.environ.get("PYTEST_XDIST_WORKER") or not getattr(config.option, "numprocesses", None):
        jsii_start.start()


# The first collector after which this process's runtime served a request other than a load.
_collection: dict = {"request_after": None}


def pytest_collectreport(report):
    """Notes the first collector whose import made the runtime serve a request other than a load: that import had
    to wait for the loads, as it would in an app (tests/test_jsii_start.py fails naming it)."""
    if jsii_start.started() and _collection["request_after"] is None and jsii_start.handed_back():
        _collection["request_after"] = report.nodeid or "(the session)"


@pytest.fixture(scope="session")
def request_during_collection() -> str | None:
    """The collector after which this process's runtime first served a request other than a load, or None."""
    assert jsii_start.started(), "this process did not start the jsii runtime as the apps do"
    return _collection["request_after"]


@pytest.fixture(scope="session")
def aws(request, tmp_path_factory) -> AwsSynth:
    """Every AWS stack of every environment, with the cdk-nag report.

    When this run includes the cfn-lint test, the lint starts here, as soon as the templates exist, so it runs
    beside the other AWS tests instead of after them; a run without it (`-k`, one file) starts nothing.
    """
    result = synth_aws(tmp_path_factory.mktemp("cdk.out"))
    wanted = any("cfn_lint" in getattr(item, "fixturenames", ()) for item in request.session.items)
    return with_cfn_lint(result) if wanted else result


@pytest.fixture(scope="session")
def cfn_lint(aws: AwsSynth) -> CfnLint:
    return aws.cfn_lint or with_cfn_lint(aws).cfn_lint


@pytest.fixture(scope="session")
def gcp_outdir(tmp_path_factory):
    """Where `gcp_stacks` writes the app's files, as `cdktf synth` writes cdktf.out/."""
    return tmp_path_factory.mktemp("cdktf.out")


@pytest.fixture(scope="session")
def gcp_stacks(gcp_outdir) -> dict[str, dict]:
    """Every GCP stack of every environment, as Terraform JSON."""
    return synth_gcp(gcp_outdir)


@pytest.fixture
def cfn_snapshot(snapshot):
    return snapshot.use_extension(CloudFormationSnapshot)


@pytest.fixture
def tf_snapshot(snapshot):
    return snapshot.use_extension(TerraformSnapshot)


GCP_TESTS = Path(__file__).parent / "gcp"
# Present once the google provider's bindings are imported (seconds of CPU on a worker).
GOOGLE_PROVIDER = "cdktn_provider_google._jsii"


def pytest_itemcollected(item):
    """Under xdist (`--dist loadgroup`) keep each cloud's tests on one worker, so each synthesizes once, and the
    tests sharing any other expensive fixture of the project (a module's own synthesis, a database server) on one
    worker, so it is built once.

    Marked as each item is collected: xdist turns the marker into a worker group in its own
    `pytest_collection_modifyitems`, which may run before ours would.
    """
    if item.get_closest_marker("xdist_group"):
        return
    fixtures = getattr(item, "fixturenames", ())
    if "aws" in fixtures:
        item.add_marker(pytest.mark.xdist_group("aws"))
    elif "gcp_stacks" in fixtures or item.path.is_relative_to(GCP_TESTS):
        # A GCP test without the synthesis still loads the google provider (seconds): on the worker that has it.
        item.add_marker(pytest.mark.xdist_group("gcp"))
    elif shared := _shared_project_fixture(item):
        item.add_marker(pytest.mark.xdist_group(shared))


def _shared_project_fixture(item) -> str | None:
    """The first fixture this project defines (not a plugin) that outlives one test, if the item uses one."""
    info = getattr(item, "_fixtureinfo", None)
    for name in getattr(item, "fixturenames", ()):
        definitions = info.name2fixturedefs.get(name) if info else None
        if definitions and definitions[-1].baseid and definitions[-1].scope != "function":
            return name
    return None


def pytest_collection_finish(session):
    """Fail loudly if xdist stops grouping: pytest 9.1+ ignores the node-id suffix that xdist 3.8 uses for
    groups, and every worker would then synthesize every app again. A test that needs both clouds' synthesis
    would synthesize the second one again on its cloud's worker: split it per cloud."""
    both = [item.nodeid for item in session.items if {"aws", "gcp_stacks"} <= set(getattr(item, "fixturenames", ()))]
    if both:
        raise pytest.UsageError(f"these tests need both clouds' synthesis, split them per cloud: {both}")
    if GOOGLE_PROVIDER in sys.modules:
        # Every worker collects every test module: a module-level import of a gcp_stacks module that builds
        # resources loads the google provider (~6 s of CPU) on the AWS worker too. Import it inside the test.
        raise pytest.UsageError("a test module imports the google provider at collection: import it inside the test")
    if not getattr(session.config.option, "loadgroup", False):
        return
    grouped = [item for item in session.items if item.get_closest_marker("xdist_group")]
    if grouped and not any("@" in item.nodeid for item in grouped):
        raise pytest.UsageError("pytest-xdist did not apply --dist loadgroup groups; check the pytest pin")


def _loads_no_google_provider_outside_gcp(item, what: str):
    """A test outside the GCP group that loads the google provider (an import inside the test or one of its
    fixtures) costs its worker seconds of CPU, and on the AWS worker it runs beside that worker's synthesis: it
    fails, naming itself."""
    loaded = GOOGLE_PROVIDER in sys.modules
    result = yield
    if not loaded and GOOGLE_PROVIDER in sys.modules and not _in_group(item, "gcp"):
        pytest.fail(f"{item.nodeid}: {what} the google provider: mark it xdist_group('gcp')", pytrace=False)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    return (yield from _loads_no_google_provider_outside_gcp(item, "its fixtures load"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    return (yield from _loads_no_google_provider_outside_gcp(item, "it loads"))


def _in_group(item, group: str) -> bool:
    marker = item.get_closest_marker("xdist_group")
    return marker is not None and (marker.args[0] if marker.args else marker.kwargs.get("name")) == group
