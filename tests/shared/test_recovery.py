"""The regional recovery strategy: its arithmetic against the targets, and the validation that enforces it."""

from __future__ import annotations

import pytest

from shared import ENVIRONMENTS, SettingsError, load_settings, replace_field, replace_fields
from shared.recovery import (
    CLOUDS,
    FAILOVER_STEPS,
    REPLICATION_LAG_MINUTES,
    STRATEGIES,
    breaking_step,
    data_loss_minutes,
    failover_steps,
    recovery_minutes,
    standby_region,
)


def test_every_cloud_and_strategy_has_steps_and_a_lag_with_sources():
    assert set(FAILOVER_STEPS) == {(cloud, strategy) for cloud in CLOUDS for strategy in STRATEGIES}
    assert set(REPLICATION_LAG_MINUTES) == set(FAILOVER_STEPS)
    for (cloud, strategy), steps in FAILOVER_STEPS.items():
        assert bool(steps) == (strategy != "none"), (cloud, strategy)
        keys = [step.key for step in steps]
        assert len(keys) == len(set(keys)), f"{cloud}/{strategy} repeats a step"
        for step in steps:
            assert step.minutes > 0 and step.source and step.check and step.action
        assert REPLICATION_LAG_MINUTES[(cloud, strategy)].source


def test_the_two_clouds_fail_over_through_the_same_named_steps():
    for strategy in STRATEGIES:
        assert [s.key for s in failover_steps("aws", strategy)] == [s.key for s in failover_steps("gcp", strategy)]


@pytest.mark.parametrize("cloud", CLOUDS)
def test_production_meets_rto_15_and_rpo_5_by_the_arithmetic(cloud):
    production = load_settings("production")
    assert (production.resilience.rto_minutes, production.resilience.rpo_minutes) == (15, 5)  # the requirement
    strategy = production.recovery.strategy
    assert production.recovery.has_standby
    assert recovery_minutes(cloud, strategy) <= 15
    assert data_loss_minutes(cloud, strategy) <= 5
    assert breaking_step(cloud, strategy, 15) is None


def test_backup_and_restore_cannot_meet_production_targets():
    assert recovery_minutes("aws", "backup_restore") > 15
    assert data_loss_minutes("aws", "backup_restore") > 5


def test_a_strategy_that_misses_the_rto_is_refused_naming_the_step():
    production = load_settings("production")
    with pytest.raises(SettingsError) as error:
        replace_field(production, "recovery.strategy", "pilot_light")
    message = str(error.value)
    assert "production" in message and "recovery.strategy" in message
    step = breaking_step("aws", "pilot_light", production.resilience.rto_minutes)
    assert step is not None and f"step '{step.key}'" in message


def test_a_strategy_that_misses_the_rpo_is_refused_naming_the_lag():
    staging = load_settings("staging")
    with pytest.raises(SettingsError) as error:
        replace_fields(
            staging,
            {
                "recovery.strategy": "backup_restore",
                "recovery.drills": False,
                "resilience.copy_backups_to_recovery_region": True,
                "resilience.rto_minutes": 600,
            },
        )
    assert "rpo_minutes 5" in str(error.value) and "1440" in str(error.value)


def test_a_relaxed_target_accepts_the_slower_strategy():
    staging = replace_fields(
        load_settings("staging"), {"recovery.strategy": "pilot_light", "resilience.rto_minutes": 20}
    )
    assert staging.recovery.running_standby_tasks == 0
    assert breaking_step("aws", "pilot_light", 20) is None


def test_production_refuses_no_standby():
    with pytest.raises(SettingsError, match=r"recovery.strategy"):
        replace_field(load_settings("production"), "recovery.strategy", "none")


def test_unknown_strategy_and_region_name_their_fields():
    with pytest.raises(SettingsError) as error:
        replace_fields(load_settings("dev"), {"recovery.strategy": "hot", "recovery.gcp_standby_region": "us-nowhere1"})
    assert "recovery.strategy" in str(error.value) and "recovery.gcp_standby_region" in str(error.value)


def test_the_standby_region_differs_from_the_primary():
    dev = load_settings("dev")
    with pytest.raises(SettingsError, match=r"recovery.gcp_standby_region"):
        replace_field(dev, "recovery.gcp_standby_region", dev.gcp.region)


def test_a_warm_standby_runs_at_least_one_task():
    with pytest.raises(SettingsError, match=r"recovery.standby_tasks"):
        replace_field(load_settings("staging"), "recovery.standby_tasks", 0)


def test_drills_need_a_standby_and_staging_drills():
    assert [name for name in ENVIRONMENTS if load_settings(name).recovery.drills] == ["staging"]
    with pytest.raises(SettingsError, match=r"recovery.drills"):
        replace_field(load_settings("dev"), "recovery.drills", True)


def test_backup_restore_needs_the_backup_copies():
    with pytest.raises(SettingsError, match=r"resilience.copy_backups_to_recovery_region"):
        replace_fields(
            load_settings("dev"),
            {"recovery.strategy": "backup_restore", "resilience.rto_minutes": 600, "resilience.rpo_minutes": 1440},
        )


def test_standby_regions_come_from_one_section():
    production = load_settings("production")
    assert standby_region("aws", aws_recovery_region=production.aws.recovery_region, recovery=production.recovery) == (
        production.aws.recovery_region
    )
    assert standby_region("gcp", aws_recovery_region="", recovery=production.recovery) == "us-east1"


def test_overrides_reach_the_recovery_section():
    settings = load_settings("staging", overrides={"recovery_gcp_standby_region": "us-west1"}, environ={})
    assert settings.recovery.gcp_standby_region == "us-west1"
    with pytest.raises(SettingsError, match=r"recovery.strategy"):
        load_settings("staging", overrides={"recovery_strategy": "pilot_light"}, environ={})


def test_a_standby_needs_versioned_uploads():
    with pytest.raises(SettingsError, match=r"storage.versioning"):
        replace_fields(
            load_settings("dev"),
            {
                "recovery.strategy": "pilot_light",
                "resilience.rto_minutes": 20,
                "recovery.gcp_cross_region_storage": True,
            },
        )
    relaxed = {"recovery.strategy": "pilot_light", "resilience.rto_minutes": 20, "storage.versioning": True}
    relaxed["recovery.gcp_cross_region_storage"] = True  # the GCP standby's own prerequisite
    assert replace_fields(load_settings("dev"), relaxed).recovery.has_standby


def test_the_standby_cache_node_type_must_be_an_elasticache_type():
    with pytest.raises(SettingsError, match=r"recovery.aws_standby_cache_node_type"):
        replace_field(load_settings("staging"), "recovery.aws_standby_cache_node_type", "t4g.medium")
    settings = replace_field(load_settings("staging"), "recovery.aws_standby_cache_node_type", "cache.t4g.small")
    assert settings.recovery.aws_standby_cache_node_type == "cache.t4g.small"
