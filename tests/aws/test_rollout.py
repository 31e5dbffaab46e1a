"""ECS blue/green releases: the candidate header reaches the new revision before production traffic does, the
deployment waits for the release's check, and the rollback alarms and bake time come from settings."""

from __future__ import annotations

import pytest

from aws_stacks.alarms import rollback_alarm_names
from shared.contract import CANDIDATE_HEADER, CANDIDATE_HEADER_VALUE, SERVICES
from shared.names import ecs_load_balancers_role_name
from shared.rollout import PAUSE_STAGE, RolloutSettings
from shared.stacks import AWS_STANDBY_COMPONENT
from tests.aws.helpers import resources

CANDIDATE_CONDITION = {
    "Field": "http-header",
    "HttpHeaderConfig": {"HttpHeaderName": CANDIDATE_HEADER, "Values": [CANDIDATE_HEADER_VALUE]},
}


def _services(aws, settings) -> dict[str, dict]:
    return {
        resource["Properties"]["ServiceName"]: resource["Properties"]
        for resource in resources(aws, settings, "compute", "AWS::ECS::Service").values()
    }


def test_every_service_deploys_blue_green_with_settings_bake_time_and_a_pause_for_the_check(aws, settings):
    services = _services(aws, settings)
    assert set(services) == {settings.name(name) for name in SERVICES}
    for name in SERVICES:
        deployment = services[settings.name(name)]["DeploymentConfiguration"]
        assert deployment["Strategy"] == "BLUE_GREEN"
        assert deployment["BakeTimeInMinutes"] == settings.rollout.bake_time_minutes
        # Past the timeout, a deployment nobody checked goes back, never forward.
        assert deployment["LifecycleHooks"] == [
            {
                "TargetType": "PAUSE",
                "LifecycleStages": [PAUSE_STAGE],
                "TimeoutConfiguration": {
                    "Action": "ROLLBACK",
                    "TimeoutInMinutes": settings.rollout.candidate_check_timeout_minutes,
                },
            }
        ]
        # The critical alarms roll a deployment back during the bake time, beside the circuit breaker.
        assert deployment["Alarms"] == {
            "AlarmNames": rollback_alarm_names(settings, name),
            "Enable": True,
            "Rollback": True,
        }
        assert deployment["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}


def test_the_test_rule_is_the_production_rule_plus_the_candidate_header_and_comes_first(aws, settings):
    rules = resources(aws, settings, "compute", "AWS::ElasticLoadBalancingV2::ListenerRule")
    groups = resources(aws, settings, "compute", "AWS::ElasticLoadBalancingV2::TargetGroup")
    for name, service in _services(aws, settings).items():
        (balancer,) = service["LoadBalancers"]
        advanced = balancer["AdvancedConfiguration"]
        production = rules[advanced["ProductionListenerRule"]["Ref"]]["Properties"]
        test = rules[advanced["TestListenerRule"]["Ref"]]["Properties"]
        assert test["Conditions"] == [*production["Conditions"], CANDIDATE_CONDITION]
        assert test["Priority"] < production["Priority"]
        # Blue and green are interchangeable: ECS swaps them at every deployment.
        blue = groups[balancer["TargetGroupArn"]["Ref"]]["Properties"]
        green = groups[advanced["AlternateTargetGroupArn"]["Ref"]]["Properties"]
        assert blue["Name"] == f"{name}-int" and green["Name"] == f"{name}-alt"
        same = ("Port", "Protocol", "TargetType", "HealthCheckPath", "Matcher", "HealthCheckIntervalSeconds", "VpcId")
        assert {key: blue[key] for key in same} == {key: green[key] for key in same}
        assert len(green["Name"]) <= 32
        # Both rules only forward: ECS cannot shift a rule that mixes forward with other actions.
        for rule in (production, test):
            assert [action["Type"] for action in rule["Actions"]] == ["forward"]


def test_only_ecs_shifts_traffic_with_the_load_balancers_role(aws, settings):
    roles = resources(aws, settings, "compute", "AWS::IAM::Role")
    for service in _services(aws, settings).values():
        role = roles[service["LoadBalancers"][0]["AdvancedConfiguration"]["RoleArn"]["Fn::GetAtt"][0]]["Properties"]
        assert role["RoleName"] == ecs_load_balancers_role_name(settings)
        (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Principal"] == {"Service": "ecs.amazonaws.com"}
        assert [arn["Fn::Join"][1][-1] for arn in role["ManagedPolicyArns"]] == [
            ":iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"
        ]


def test_a_release_may_pass_only_the_load_balancers_role_to_ecs(aws, settings):
    """The release's CloudFormation update sends the service's load balancers again, naming that role."""
    policies = resources(aws, settings, "delivery", "AWS::IAM::ManagedPolicy")
    execution = next(
        policy["Properties"]
        for policy in policies.values()
        if policy["Properties"]["ManagedPolicyName"] == settings.name("release-execution")
    )
    to_ecs = [
        statement
        for statement in execution["PolicyDocument"]["Statement"]
        if statement.get("Condition", {}).get("StringEquals", {}).get("iam:PassedToService") == "ecs.amazonaws.com"
    ]
    (statement,) = to_ecs
    assert statement["Action"] == "iam:PassRole"
    passed = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
    # Exactly the roles the released stacks' services name: compute's, and the standby's where one stands by.
    named = {
        role["Properties"]["RoleName"]
        for component in ("compute", AWS_STANDBY_COMPONENT)
        if settings.name(component) in aws.templates
        for role in resources(aws, settings, component, "AWS::IAM::Role").values()
        if role["Properties"].get("RoleName", "").startswith(ecs_load_balancers_role_name(settings))
    }
    assert len(named) == (2 if settings.recovery.has_standby else 1)
    assert {arn["Fn::Join"][1][-1].rsplit(":role/", 1)[1] for arn in passed} == named


def test_the_standby_deploys_blue_green_without_a_pause_no_candidate_header_reaches(aws, settings):
    """CloudFront sends the candidate header to the primary's origin only, so a pause in the standby could never be
    checked: its deployments shift once the new tasks pass the target group's health checks (circuit breaker on)."""
    if not settings.recovery.has_standby:
        pytest.skip("no standby in this environment")
    services = resources(aws, settings, AWS_STANDBY_COMPONENT, "AWS::ECS::Service").values()
    assert len(services) == len(SERVICES)
    for service in services:
        deployment = service["Properties"]["DeploymentConfiguration"]
        assert deployment["Strategy"] == "BLUE_GREEN"
        assert deployment["BakeTimeInMinutes"] == settings.rollout.bake_time_minutes
        assert deployment["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
        assert "LifecycleHooks" not in deployment


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"bake_time_minutes": -1}, "bake_time_minutes"),
        ({"bake_time_minutes": 1441}, "bake_time_minutes"),
        ({"candidate_check_timeout_minutes": 0}, "candidate_check_timeout_minutes"),
        ({"candidate_check_timeout_minutes": 20161}, "candidate_check_timeout_minutes"),
    ],
)
def test_rollout_settings_outside_what_ecs_accepts_fail_fast(values, field):
    assert [name for name, _ in RolloutSettings(**values).problems()] == [field]
    assert list(RolloutSettings().problems()) == []


def _group_names(aws, settings) -> dict[str, tuple[str, str]]:
    """service -> (primary, alternate) target group logical ids."""
    return {
        name: (balancer["TargetGroupArn"]["Ref"], balancer["AdvancedConfiguration"]["AlternateTargetGroupArn"]["Ref"])
        for name, service in _services(aws, settings).items()
        for balancer in service["LoadBalancers"]
    }


def test_request_scaling_reads_both_target_groups(aws, settings):
    """After a swap production is in the alternate group: the predefined per-target metric would read nothing."""
    policies = resources(aws, settings, "compute", "AWS::ApplicationAutoScaling::ScalingPolicy")
    request = [p for key, p in policies.items() if "RequestScaling" in key]
    assert len(request) == len(SERVICES)
    groups = {logical for pair in _group_names(aws, settings).values() for logical in pair}
    read = set()
    for policy in request:
        configuration = policy["Properties"]["TargetTrackingScalingPolicyConfiguration"]
        assert "PredefinedMetricSpecification" not in configuration
        assert configuration["TargetValue"] == settings.compute.scale_out_requests_per_target
        metrics = configuration["CustomizedMetricSpecification"]["Metrics"]
        assert [m["ReturnData"] for m in metrics] == [False, False, True]
        assert metrics[-1]["Expression"] == "FILL(primary, 0) + FILL(alternate, 0)"
        for metric in metrics[:2]:
            (dimension,) = metric["MetricStat"]["Metric"]["Dimensions"]
            read.add(dimension["Value"]["Fn::GetAtt"][0])
    assert read == groups


def test_service_alarms_read_both_target_groups(aws, settings):
    """The rollback alarms (and response time) must see whichever group serves, or a swap would page and roll back."""
    compute = aws.templates[settings.name("compute")]
    outputs = {
        name: output["Value"]["Fn::GetAtt"][0]
        for name, output in compute.get("Outputs", {}).items()
        if "Fn::GetAtt" in output.get("Value", {})
    }
    for name, (primary, alternate) in _group_names(aws, settings).items():
        service = name.rsplit("-", 1)[1]
        for key in ("service_down", "error_rate", "response_time"):
            alarm = next(
                a["Properties"]
                for a in resources(aws, settings, "observability", "AWS::CloudWatch::Alarm").values()
                if a["Properties"]["AlarmName"] == f"{settings.prefix}-{service}-{key}"
            )
            read = {
                outputs[dimension["Value"]["Fn::GetStackOutput"]["OutputName"]]
                for metric in alarm["Metrics"]
                if "MetricStat" in metric
                for dimension in metric["MetricStat"]["Metric"]["Dimensions"]
                if dimension["Name"] == "TargetGroup"
            }
            assert read == {primary, alternate}, (name, key)


@pytest.mark.parametrize("component", ["compute", AWS_STANDBY_COMPONENT])
def test_listener_rules_hold_nothing_a_deploy_could_change_behind_ecs(aws, settings, component):
    """aws/aws-cdk#36649: ECS points the rules at whichever target group serves after each deployment, and a
    CloudFormation update of a rule writes its template action back, which after an odd number of deployments sends
    production to the idle group. So the rules hold only their listener, priority, conditions and one forward, and no
    tags (a settings tag would update them): changing any of these is a change that needs docs/aws.md's procedure
    ("Listener rules and blue/green")."""
    if settings.name(component) not in aws.templates:
        pytest.skip("no standby in this environment")
    rules = resources(aws, settings, component, "AWS::ElasticLoadBalancingV2::ListenerRule")
    groups = resources(aws, settings, component, "AWS::ElasticLoadBalancingV2::TargetGroup")
    assert len(rules) == 2 * len(SERVICES)
    for logical_id, rule in rules.items():
        properties = rule["Properties"]
        assert set(properties) == {"Actions", "Conditions", "ListenerArn", "Priority"}, logical_id
        (action,) = properties["Actions"]
        assert set(action) == {"Type", "TargetGroupArn"}
        # The production group of the template (`-int`), never the alternate one ECS may have moved traffic to.
        assert groups[action["TargetGroupArn"]["Ref"]]["Properties"]["Name"].endswith("-int")
