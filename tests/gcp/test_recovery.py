"""The GCP standby follows `settings.recovery`, per strategy: replica, cold cache, services, NEGs, keys, storage."""

from __future__ import annotations

import json

import pytest

from gcp_stacks.names import neg_name
from ops import drill_gcp, gcp_failover
from shared import SettingsError, load_settings, replace_fields
from shared.contract import SERVICES
from shared.places import gcp_multi_region
from shared.recovery import FAILOVER_STEPS, failover_steps, recovery_minutes
from tests.gcp.tf import ALL, one, reference, resources, stack


def standby_region(settings) -> str:
    return settings.recovery.gcp_standby_region


def in_region(items: list[dict], region: str, field: str = "region") -> list[dict]:
    return [item for item in items if item.get(field) == region]


@pytest.mark.parametrize("environment", ALL)
def test_the_standby_exists_exactly_when_the_strategy_keeps_one(gcp_stacks, environment):
    settings = load_settings(environment)
    standby = standby_region(settings)
    network, data, app = (stack(gcp_stacks, environment, c) for c in ("network", "data", "app"))
    expected = 1 if settings.recovery.has_standby else 0
    assert len(in_region(resources(network, "google_compute_subnetwork"), standby)) == expected
    assert len(in_region(resources(data, "google_sql_database_instance"), standby)) == expected
    assert len(in_region(resources(data, "google_memorystore_instance"), standby, "location")) == expected
    policies = resources(network, "google_network_connectivity_service_connection_policy")
    assert len(in_region(policies, standby, "location")) == expected  # its PSC endpoints' policy
    assert len(in_region(resources(app, "google_cloud_run_v2_service"), standby, "location")) == expected * len(
        SERVICES
    )
    assert len(in_region(resources(app, "google_compute_region_network_endpoint_group"), standby)) == expected * len(
        SERVICES
    )
    # Nothing of the standby's costs a thing where there is none (dev: strategy none).
    if not settings.recovery.has_standby:
        assert standby not in json.dumps([network, data, app])


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_the_standby_database_is_a_promotable_cross_region_replica(gcp_stacks, environment):
    settings = load_settings(environment)
    data = stack(gcp_stacks, environment, "data")
    replica = one(data, "google_sql_database_instance", name=settings.name("postgres-standby"))
    primary = one(data, "google_sql_database_instance", name=settings.name("postgres"))
    assert replica["region"] == standby_region(settings) != primary["region"]
    assert replica["master_instance_name"] == reference(
        data, "google_sql_database_instance", "name", name=settings.name("postgres")
    )
    # It becomes the primary: same edition, tier, disk and version, so the promotion changes nothing else.
    for field in ("edition", "tier", "disk_type", "disk_size", "disk_autoresize_limit"):
        assert replica["settings"][field] == primary["settings"][field], field
    assert replica["database_version"] == primary["database_version"]
    # Private IP in the same VPC and range; IAM sign-in and the audit flags as on the primary.
    assert replica["settings"]["ip_configuration"] == primary["settings"]["ip_configuration"]
    assert replica["settings"]["database_flags"] == primary["settings"]["database_flags"]
    # Cloud SQL keeps no automated backups of a replica: the failover turns them on after the promotion.
    assert "backup_configuration" not in replica["settings"]
    after = [" ".join(command) for command in gcp_failover.after_failover(settings)]
    assert any("--enable-point-in-time-recovery" in line and replica["name"] in line for line in after)
    # The key is the standby region's, and protection is the primary's.
    key = replica["encryption_key_name"]
    ring = data["resource"]["google_kms_crypto_key"][key.split(".")[1]]["key_ring"]
    assert data["resource"]["google_kms_key_ring"][ring.split(".")[1]]["location"] == standby_region(settings)
    protected = settings.resilience.deletion_protection
    assert replica["deletion_protection"] is protected
    assert replica["settings"]["deletion_protection_enabled"] is protected
    assert replica["lifecycle"]["prevent_destroy"] is settings.resilience.retain_stateful_resources


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_the_standby_cache_is_cold_and_shaped_like_the_primary(gcp_stacks, environment):
    settings = load_settings(environment)
    data = stack(gcp_stacks, environment, "data")
    primary = one(data, "google_memorystore_instance", instance_id=settings.name("redis"))
    cold = one(data, "google_memorystore_instance", instance_id=settings.name("redis-standby"))
    assert cold["location"] == standby_region(settings)
    shape = ("mode", "node_type", "replica_count", "engine_version", "authorization_mode", "transit_encryption_mode")
    for field in shape:
        assert cold[field] == primary[field], field
    # Nothing replicates into it: no cross-instance replication of the primary, no import.
    assert not {"cross_instance_replication_config", "gcs_source", "managed_backup_source"} & set(cold)
    assert "starts empty" in gcp_failover.cache_cost(settings)


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_standby_services_get_the_contract_with_the_standby_data_hosts(gcp_stacks, environment):
    settings = load_settings(environment)
    app = stack(gcp_stacks, environment, "app")
    standby = standby_region(settings)
    for workload in SERVICES:
        primary = one(app, "google_cloud_run_v2_service", name=settings.name(workload), location=settings.gcp.region)
        replica = one(app, "google_cloud_run_v2_service", name=settings.name(workload), location=standby)
        env = {e["name"]: e for e in replica["template"]["containers"][0]["env"]}
        assert set(env) == {e["name"] for e in primary["template"]["containers"][0]["env"]}
        scaling = replica["template"]["scaling"]
        assert scaling["min_instance_count"] == settings.recovery.running_standby_tasks
        assert scaling["max_instance_count"] == getattr(settings.compute, workload).cloud_run_max_instances
        subnet = replica["template"]["vpc_access"]["network_interfaces"][0]["subnetwork"]
        assert f"/regions/{standby}/subnetworks/{settings.name('app-standby')}" in subnet
    # The api's database and cache are the standby region's, looked up by name (the replica keeps its IP when
    # promoted, so the contract needs no change on a failover).
    api = one(app, "google_cloud_run_v2_service", name=settings.name("api"), location=standby)
    env = {e["name"]: e.get("value") for e in api["template"]["containers"][0]["env"]}
    lookups = {"sql": settings.name("postgres-standby"), "redis": settings.name("redis-standby")}
    found = {}
    for kind, resource_type, key in (
        ("sql", "google_sql_database_instance", "name"),
        ("redis", "google_memorystore_instance", "instance_id"),
    ):
        for logical_id, body in app["data"][resource_type].items():
            if body[key] == lookups[kind]:
                found[kind] = f"data.{resource_type}.{logical_id}"
    assert env["DATABASE_HOST"] == "${" + found["sql"] + ".private_ip_address}"
    assert f"flatten({found['redis']}.endpoints[*]" in env["REDIS_HOST"]


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_each_backend_service_serves_the_primary_and_the_failover_owns_the_standby_neg(gcp_stacks, environment):
    settings = load_settings(environment)
    app = stack(gcp_stacks, environment, "app")
    for workload in SERVICES:
        backend = one(app, "google_compute_backend_service", name=settings.name(workload))
        primary_neg = reference(
            app, "google_compute_region_network_endpoint_group", "id", name=neg_name(settings, workload)
        )
        # Until a failover only the primary serves: the standby's replica refuses writes.
        assert backend["backend"] == [{"group": primary_neg}]
        assert backend["lifecycle"]["ignore_changes"] == ["backend"]
        standby_neg = one(
            app, "google_compute_region_network_endpoint_group", name=neg_name(settings, workload, standby=True)
        )
        assert standby_neg["region"] == standby_region(settings)
        assert standby_neg["network_endpoint_type"] == "SERVERLESS"
        assert "tag" not in standby_neg["cloud_run"]
        # The failover moves exactly these two NEGs, adding before removing (never an empty backend service).
        moves = [c for c in gcp_failover.step_commands(settings, "switch") if settings.name(workload) in c]
        assert [(c[3], c[c.index("--network-endpoint-group") + 1]) for c in moves] == [
            ("add-backend", standby_neg["name"]),
            ("remove-backend", neg_name(settings, workload)),
        ]


@pytest.mark.parametrize("environment", ALL)
def test_what_the_standby_must_read_is_cross_region_only_where_settings_say(gcp_stacks, environment):
    settings = load_settings(environment)
    data = stack(gcp_stacks, environment, "data")
    buckets = {b["name"]: b for b in resources(data, "google_storage_bucket")}
    (repository,) = resources(data, "google_artifact_registry_repository")
    secret_locations = {
        tuple(r["location"] for r in s["replication"]["user_managed"]["replicas"])
        for s in resources(data, "google_secret_manager_secret")
    }
    if settings.recovery.gcp_cross_region_storage:
        storage_location, registry_location = gcp_multi_region(settings.gcp.region)
        for purpose in ("uploads", "static-assets"):
            bucket = buckets[settings.name(purpose)]
            assert bucket["location"] == storage_location
            assert bucket["custom_placement_config"]["data_locations"] == [
                settings.gcp.region.upper(),
                standby_region(settings).upper(),
            ]
            assert bucket["rpo"] == "ASYNC_TURBO"
        assert repository["location"] == registry_location
        assert secret_locations == {(settings.gcp.region, standby_region(settings))}
    else:
        for bucket in buckets.values():
            assert bucket["location"] == settings.gcp.region.upper() and "custom_placement_config" not in bucket
        assert repository["location"] == settings.gcp.region
        assert secret_locations == {(settings.gcp.region,)}
    # Location is fixed at creation: where settings retain state, a change can only fail the plan, never replace.
    for fixed in (buckets[settings.name("uploads")], repository, *resources(data, "google_secret_manager_secret")):
        assert fixed["lifecycle"]["prevent_destroy"] is settings.resilience.retain_stateful_resources
    assert buckets[settings.name("uploads")]["force_destroy"] is False


def test_pilot_light_keeps_the_standby_at_zero_instances():
    """Pilot light: the same standby, but no instance runs until the failover raises the minimum."""
    from cdktn import Testing

    from gcp_stacks.platform import AppStack

    settings = replace_fields(
        load_settings("staging"), {"recovery.strategy": "pilot_light", "resilience.rto_minutes": 20}
    )
    app = json.loads(Testing.synth(AppStack(Testing.app(), "PilotLight", settings=settings)))
    standby = in_region(resources(app, "google_cloud_run_v2_service"), standby_region(settings), "location")
    assert len(standby) == len(SERVICES)
    assert all(s["template"]["scaling"]["min_instance_count"] == 0 for s in standby)
    scale = gcp_failover.step_commands(settings, "scale")
    for workload in SERVICES:
        minimum = getattr(settings.compute, workload).cloud_run_min_instances
        assert any(settings.name(workload) in c and str(minimum) in c for c in scale)


def test_the_region_loss_arithmetic_meets_production_targets_and_detection_follows_the_alert():
    settings = load_settings("production")
    strategy = settings.recovery.strategy
    assert recovery_minutes("gcp", strategy) <= settings.resilience.rto_minutes
    detect = next(s for s in failover_steps("gcp", strategy) if s.key == "detect")
    # The page arrives after the uptime alert's duration plus one uptime period (60 s).
    assert detect.minutes >= settings.thresholds.service_down_minutes + 1
    # Pilot light misses production's 15 minutes by its cold starts: validation refuses it there.
    with pytest.raises(SettingsError, match=r"'pilot_light' on gcp takes 15\.5 min"):
        replace_fields(settings, {"recovery.strategy": "pilot_light"})


def test_every_gcp_failover_step_has_commands():
    settings = load_settings("production")
    keys = {step.key for (cloud, _), steps in FAILOVER_STEPS.items() if cloud == "gcp" for step in steps}
    for key in keys:
        assert gcp_failover.step_commands(settings, key), key
    with pytest.raises(KeyError):
        gcp_failover.step_commands(settings, "nonsense")
    # The promote step ends when the promotion does: it starts it, then polls until the instance is standalone.
    start, poll = gcp_failover.step_commands(settings, "promote")
    assert start[:4] == ["gcloud", "sql", "instances", "promote-replica"] and settings.name("postgres-standby") in start
    assert "CLOUD_SQL_INSTANCE" in poll[-1]


@pytest.mark.parametrize("strategy", ["pilot_light", "warm_standby"])
def test_each_gcp_step_finishes_in_the_order_of_the_arithmetic(strategy):
    """Run the failover's steps in shared/recovery.py's order against a fake gcloud: no step may wait for what a later
    step starts (a switch that waits for a promotion not yet begun times out in a real region loss)."""
    targets = {"recovery.strategy": strategy, "resilience.rto_minutes": 20}  # pilot light needs a looser RTO
    settings = replace_fields(load_settings("staging"), targets)
    replica = settings.name("postgres-standby")
    state = {"promoted": False, "standby_negs": set()}
    done: list[str] = []

    def run(command: list[str]) -> int:
        text = " ".join(command)
        if command[:4] == ["gcloud", "sql", "instances", "promote-replica"]:
            state["promoted"] = command[4] == replica
        elif command[0] == "sh":  # a poll: succeeds only if what it waits for has happened
            return 0 if "CLOUD_SQL_INSTANCE" not in text or state["promoted"] else 1
        elif "backend-services" in command and command[3] == "add-backend":
            state["standby_negs"].add(command[4])
        elif command[:4] == ["gcloud", "run", "services", "update"]:
            assert state["promoted"], "the standby is scaled before its database can take writes"
            assert "--async" in command  # the arithmetic budgets the added instances, not the revision rollout
        return 0

    for step in failover_steps("gcp", strategy):
        assert all(run(c) == 0 for c in gcp_failover.step_commands(settings, step.key)), f"{step.key} cannot finish"
        done.append(step.key)
        if step.key == "switch":  # the backends move first: the load balancer applies it during the promotion
            assert not state["promoted"] and state["standby_negs"] == {settings.name(w) for w in SERVICES}
    assert done == ["detect", "decide", "switch", "promote", "scale"] and state["promoted"]


def test_failback_moves_the_backends_back_and_never_reuses_the_lost_primary():
    settings = load_settings("production")
    steps = gcp_failover.failback(settings)
    commands = [" ".join(c) for _, cs in steps for c in cs]
    assert any("--activation-policy NEVER" in c and settings.name("postgres") in c for c in commands)
    moves = [c for c in commands if "backend-services" in c]
    for workload in SERVICES:
        assert (
            f"add-backend {settings.name(workload)} --global --network-endpoint-group {neg_name(settings, workload)}"
            in " ".join(moves)
        )


@pytest.mark.parametrize("drill", drill_gcp.DRILLS)
def test_drill_dry_run_prints_every_gcloud_command_and_runs_nothing(drill, capsys):
    calls = []
    assert drill_gcp.main(["--env", "staging", "--drill", drill, "--dry-run"], runner=calls.append) == 0
    out = capsys.readouterr().out
    assert calls == []
    for _, commands in drill_gcp.steps(load_settings("staging"), drill):
        for command in commands:
            assert command[0] in {"gcloud", "sh"} or command[1:3] == ["-m", "ops.health_check"]
    assert out.count("$ ") == sum(len(c) for _, c in drill_gcp.steps(load_settings("staging"), drill))


def test_a_real_drill_needs_the_environment_confirmed(capsys):
    with pytest.raises(SystemExit) as exit_:
        drill_gcp.main(["--env", "staging", "--drill", "sql-failover"], runner=lambda c: None)
    assert exit_.value.code == 2 and "--confirm staging" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        drill_gcp.main(["--env", "dev", "--drill", "replica-promotion", "--dry-run"])  # dev keeps no standby


def test_the_rehearsal_records_promotion_minutes_and_data_loss_and_always_cleans_up():
    import subprocess

    settings = load_settings("staging")
    ticks = iter(range(0, 10_000, 60))  # each clock reading one minute later
    lag = json.dumps({"timeSeries": [{"points": [{"value": {"doubleValue": 2.5}}, {"value": {"doubleValue": 0.4}}]}]})

    def runner(command):
        return subprocess.CompletedProcess(command, 0, stdout=lag if "timeSeries" in command[-1] else "")

    record = drill_gcp.run(settings, "replica-promotion", runner=runner, clock=lambda: next(ticks))
    assert [s["step"] for s in record["steps"]] == ["create", "lag", "promote", "cleanup"]
    assert record["data_loss_seconds"] == 2.5 and record["recovery_minutes"] == 1
    promote = next(s for s in record["steps"] if s["step"] == "promote")
    assert promote["expected_minutes"] == next(
        s.minutes for s in failover_steps("gcp", settings.recovery.strategy) if s.key == "promote"
    )

    def failing(command):
        return subprocess.CompletedProcess(command, 1 if "promote-replica" in command else 0, stdout=lag)

    record = drill_gcp.run(settings, "replica-promotion", runner=failing, clock=lambda: 0.0)
    assert [s["step"] for s in record["steps"]] == ["create", "lag", "promote", "cleanup"]
    assert record["steps"][2]["ok"] is False and record["steps"][3]["step"] == "cleanup"


def test_the_runbook_shows_the_current_gcp_failover_arithmetic():
    from reports import recovery_table

    text = recovery_table.RUNBOOK.read_text()
    assert recovery_table.render(text) == text, "docs/disaster-recovery.md's failover table is stale: run `make docs`"
    assert "RTO 15 min against `resilience.rto_minutes` 15: **meets**" in text
    assert "RPO 1 min against `resilience.rpo_minutes` 5: **meets**" in text


@pytest.mark.parametrize("environment", ALL)
def test_the_standby_replica_lag_warns_at_half_the_rpo(gcp_stacks, environment):
    settings = load_settings(environment)
    observability = stack(gcp_stacks, environment, "observability")
    lagging = [
        p
        for p in resources(observability, "google_monitoring_alert_policy")
        if p["user_labels"]["alert"] == "standby_replica_lag"
    ]
    assert len(lagging) == settings.recovery.has_standby
    for policy in lagging:
        (condition,) = policy["conditions"]
        threshold = condition["condition_threshold"]
        assert threshold["threshold_value"] == settings.resilience.rpo_minutes * 60 / 2
        assert f'"{settings.gcp.project_id}:{settings.name("postgres-standby")}"' in threshold["filter"]
        assert "replication/replica_lag" in threshold["filter"]
        assert policy["severity"] == "WARNING" and policy["notification_channels"]
