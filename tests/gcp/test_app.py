"""App: Cloud Run services behind the HTTPS load balancer, with Cloud CDN and Cloud Armor."""

from __future__ import annotations

import pytest

from shared import load_settings
from shared.contract import (
    API_PATH_PATTERNS,
    CANDIDATE_HEADER,
    CANDIDATE_HEADER_VALUE,
    CANDIDATE_TAG,
    GCP_REDIS_AUTH,
    SERVICES,
    STATIC_PATH_PATTERNS,
)
from shared.release import gcp_registry_location
from tests.gcp.tf import ALL, by_name, one, reference, resources, stack

OWASP = (
    "sqli-v33-stable",
    "xss-v33-stable",
    "lfi-v33-stable",
    "rfi-v33-stable",
    "rce-v33-stable",
    "methodenforcement-v33-stable",
    "scannerdetection-v33-stable",
    "protocolattack-v33-stable",
    "php-v33-stable",
    "sessionfixation-v33-stable",
)


@pytest.mark.parametrize("environment", ALL)
@pytest.mark.parametrize("workload", ["api", "web"])
def test_cloud_run_service(gcp_stacks, environment, workload):
    settings = load_settings(environment)
    sizing = getattr(settings.compute, workload)
    service = one(
        stack(gcp_stacks, environment, "app"),
        "google_cloud_run_v2_service",
        name=settings.name(workload),
        location=settings.gcp.region,
    )
    template = service["template"]
    assert service["ingress"] == "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"
    assert service["deletion_protection"] is settings.resilience.deletion_protection
    assert template["scaling"] == {
        "min_instance_count": sizing.cloud_run_min_instances,
        "max_instance_count": sizing.cloud_run_max_instances,
    }
    assert template["service_account"] == f"{settings.name(workload)}@{settings.gcp.project_id}.iam.gserviceaccount.com"
    (container,) = template["containers"]
    assert container["resources"]["limits"] == {
        "cpu": str(sizing.cloud_run_cpus),
        "memory": f"{sizing.cloud_run_memory_mib}Mi",
    }
    assert container["ports"] == {"container_port": SERVICES[workload].port}
    # The primary region's repository, or the multi-region's when the standby must pull too.
    assert container["image"].startswith(
        f"{gcp_registry_location(settings)}-docker.pkg.dev/{settings.gcp.project_id}/{settings.name('containers')}/"
    )
    assert container["startup_probe"]["http_get"]["path"] == SERVICES[workload].health_path
    assert container["liveness_probe"]["http_get"]["path"] == container["startup_probe"]["http_get"]["path"]
    # AWS's per-task request target, as the requests one instance serves at once (shared.settings).
    assert template["max_instance_request_concurrency"] == settings.cloud_run_concurrency
    # Feature flags reach both services, as on ECS.
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert settings.feature_flags
    for flag, enabled in settings.feature_flags.items():
        assert env[f"FEATURE_{flag.upper()}"] == str(enabled).lower()
    vpc = template["vpc_access"]
    assert vpc["egress"] == "PRIVATE_RANGES_ONLY"
    (interface,) = vpc["network_interfaces"]
    assert interface["subnetwork"].endswith(f"/subnetworks/{settings.name('app')}")
    # Only the API may reach the data tier through the firewall.
    assert (settings.name("data-client") in interface.get("tags", [])) is (workload == "api")


def test_production_scaling_is_the_required_range(gcp_stacks):
    for service in resources(stack(gcp_stacks, "production", "app"), "google_cloud_run_v2_service"):
        assert service["template"]["scaling"]["min_instance_count"] >= 1
        assert service["template"]["scaling"]["max_instance_count"] <= 100


@pytest.mark.parametrize("environment", ALL)
def test_api_secrets_come_from_secret_manager(gcp_stacks, environment):
    settings = load_settings(environment)
    api = one(
        stack(gcp_stacks, environment, "app"),
        "google_cloud_run_v2_service",
        name=settings.name("api"),
        location=settings.gcp.region,
    )
    env = {e["name"]: e for e in api["template"]["containers"][0]["env"]}
    assert "value" not in env["SECRET_KEY"]
    assert env["SECRET_KEY"]["value_source"]["secret_key_ref"] == {
        "secret": settings.name("app-secret-key"),
        "version": "latest",
    }
    # Valkey signs the api in with an IAM token it mints itself: REDIS_AUTH says so, and no secret backs it.
    assert env["REDIS_AUTH"] == {"name": "REDIS_AUTH", "value": GCP_REDIS_AUTH}
    # The same contract variable as on AWS names the users' uploads bucket the API may write (test_data.py).
    assert env["UPLOADS_BUCKET"]["value"] == settings.name("uploads")


@pytest.mark.parametrize("environment", ALL)
def test_invocation_is_public_only_because_ingress_is_the_load_balancer(gcp_stacks, environment):
    app = stack(gcp_stacks, environment, "app")
    for grant in resources(app, "google_cloud_run_v2_service_iam_member"):
        assert grant["role"] == "roles/run.invoker"
    for service in resources(app, "google_cloud_run_v2_service"):
        assert service["ingress"] == "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"


@pytest.mark.parametrize("environment", ALL)
def test_armor_policy(gcp_stacks, environment):
    from gcp_stacks.edge import WAF_RULE_SETS

    settings = load_settings(environment)
    policy = one(stack(gcp_stacks, environment, "app"), "google_compute_security_policy")
    rules = {rule["priority"]: rule for rule in policy["rule"]}
    expressions = [r["match"]["expr"]["expression"] for r in policy["rule"] if "expr" in r["match"]]
    assert set(WAF_RULE_SETS) == set(OWASP)
    for rule_set in OWASP:
        (expression,) = [e for e in expressions if f"'{rule_set}'" in e]
        assert expression.startswith("evaluatePreconfiguredWaf(")
        rule = next(r for r in policy["rule"] if r["match"].get("expr", {}).get("expression") == expression)
        assert rule["action"] == "deny(403)"
    (rate,) = [r for r in policy["rule"] if r["action"] in {"throttle", "rate_based_ban"}]
    threshold = rate["rate_limit_options"]["rate_limit_threshold"]
    assert threshold == {
        "count": settings.edge.rate_limit_requests,
        "interval_sec": settings.edge.rate_limit_window_seconds,
    }
    assert rate["rate_limit_options"]["enforce_on_key"] == "IP"
    # The throttle's conform action (allow) ends evaluation, so every OWASP deny must be evaluated before it.
    assert rate["priority"] > max(r["priority"] for r in policy["rule"] if "expr" in r["match"])
    assert rate["rate_limit_options"]["conform_action"] == "allow"
    default = rules[2147483647]
    assert default["action"] == "allow"
    assert default["match"]["config"]["src_ip_ranges"] == ["*"]
    assert policy["adaptive_protection_config"]["layer_7_ddos_defense_config"]["enable"] is True


@pytest.mark.parametrize("environment", ALL)
def test_backends_log_and_are_protected_by_armor(gcp_stacks, environment):
    app = stack(gcp_stacks, environment, "app")
    policy = reference(app, "google_compute_security_policy", "id")
    backends = resources(app, "google_compute_backend_service")
    # api and web, each with its candidate (release-check) backend beside it.
    assert len(backends) == 4
    for backend in backends:
        assert backend["load_balancing_scheme"] == "EXTERNAL_MANAGED"
        assert backend["security_policy"] == policy
        assert backend["log_config"]["enable"] is True
        assert backend["enable_cdn"] is False
    for neg in resources(app, "google_compute_region_network_endpoint_group"):
        assert neg["network_endpoint_type"] == "SERVERLESS"


@pytest.mark.parametrize("environment", ALL)
def test_cdn_serves_static_assets_only(gcp_stacks, environment):
    settings = load_settings(environment)
    app = stack(gcp_stacks, environment, "app")
    bucket = one(app, "google_compute_backend_bucket")
    assert bucket["bucket_name"] == settings.name("static-assets")
    assert bucket["enable_cdn"] is True
    cdn = bucket["cdn_policy"]
    # Private bucket access: the bucket's `Cache-Control: private` would keep CACHE_ALL_STATIC from caching; the
    # API refuses max_ttl outside CACHE_ALL_STATIC.
    assert cdn["cache_mode"] == "FORCE_CACHE_ALL"
    assert "max_ttl" not in cdn
    assert cdn["default_ttl"] == settings.edge.cdn_default_ttl_seconds
    assert cdn["negative_caching"] is True
    # The one reader: the load balancer's service agent (unsigned requests), once the backend bucket exists.
    (reader,) = resources(app, "google_storage_bucket_iam_member")
    assert reader["bucket"] == reference(app, "google_compute_backend_bucket", "bucket_name")
    assert reader["role"] == "roles/storage.objectViewer"
    assert reader["member"].startswith("serviceAccount:service-${data.google_project.")
    assert reader["member"].endswith("@https-lb.iam.gserviceaccount.com")
    (backend_bucket,) = app["resource"]["google_compute_backend_bucket"]
    assert reader["depends_on"] == [f"google_compute_backend_bucket.{backend_bucket}"]


RELEASE_OWNED = {
    "template[0].containers[0].image",
    "template[0].revision",
    "template[0].annotations",
    "traffic",
    "client",
    "client_version",
}


def schema_has(config_class: type, path: str) -> bool:
    """Whether `path` (Terraform's `a[0].b` form) names an attribute of the provider's schema, walked through the
    generated bindings' keyword arguments, which mirror the schema's attributes and blocks one for one."""
    import inspect
    import re
    import sys

    module = sys.modules[config_class.__module__]
    current: type | None = config_class
    for part in re.sub(r"\[\d+\]", "", path).split("."):
        if current is None:
            return False
        parameters = inspect.signature(current.__init__).parameters
        if part not in parameters:
            return False
        nested = [
            getattr(module, name, None) for name in re.findall(r"['\"](\w+)['\"]", str(parameters[part].annotation))
        ]
        current = next((kind for kind in nested if isinstance(kind, type)), None)
    return True


def test_schema_check_refuses_a_path_the_provider_lacks():
    from cdktn_provider_google.cloud_run_v2_service import CloudRunV2ServiceConfig

    assert schema_has(CloudRunV2ServiceConfig, "template[0].containers[0].image")
    assert not schema_has(CloudRunV2ServiceConfig, "template[0].container[0].image")
    assert not schema_has(CloudRunV2ServiceConfig, "traffic[0].image")
    assert not schema_has(CloudRunV2ServiceConfig, "template[0].revision.name")


@pytest.mark.parametrize("environment", ALL)
@pytest.mark.parametrize("workload", ["api", "web"])
def test_an_infrastructure_apply_never_changes_the_image_or_who_serves(gcp_stacks, environment, workload):
    from cdktn_provider_google.cloud_run_v2_service import CloudRunV2ServiceConfig

    settings = load_settings(environment)
    service = one(
        stack(gcp_stacks, environment, "app"),
        "google_cloud_run_v2_service",
        name=settings.name(workload),
        location=settings.gcp.region,
    )
    ignored = service["lifecycle"]["ignore_changes"]
    assert set(ignored) == RELEASE_OWNED
    assert all(schema_has(CloudRunV2ServiceConfig, path) for path in ignored), ignored
    # The first apply serves its own (bootstrap) revision; traffic is the release's from then on.
    assert service["traffic"] == [{"percent": 100, "type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST"}]


@pytest.mark.parametrize("environment", ALL)
@pytest.mark.parametrize("workload", ["api", "web"])
def test_candidate_negs_point_at_the_tagged_revision_of_the_same_service(gcp_stacks, environment, workload):
    settings = load_settings(environment)
    app = stack(gcp_stacks, environment, "app")
    service = reference(
        app, "google_cloud_run_v2_service", "name", name=settings.name(workload), location=settings.gcp.region
    )
    primary = one(app, "google_compute_region_network_endpoint_group", name=settings.name(f"{workload}-neg"))
    candidate = one(
        app, "google_compute_region_network_endpoint_group", name=settings.name(f"{workload}-{CANDIDATE_TAG}-neg")
    )
    assert primary["cloud_run"] == {"service": service}
    assert candidate["cloud_run"] == {"service": service, "tag": CANDIDATE_TAG}
    assert candidate["region"] == primary["region"] == settings.gcp.region
    backend = one(app, "google_compute_backend_service", name=settings.name(f"{workload}-{CANDIDATE_TAG}"))
    assert backend["backend"] == [
        {"group": reference(app, "google_compute_region_network_endpoint_group", "id", name=candidate["name"])}
    ]
    # Same settings as the serving backend but its NEG and name: the same Cloud Armor policy, logging, no CDN.
    serving = one(app, "google_compute_backend_service", name=settings.name(workload))
    differing = {key for key in serving.keys() | backend.keys() if serving.get(key) != backend.get(key)}
    # With a standby, the failover owns which region's NEG the serving backend holds (tests/gcp/test_recovery.py).
    owned = {"lifecycle"} if settings.recovery.has_standby else set()
    assert differing == {"name", "backend"} | owned
    assert backend["security_policy"] == reference(app, "google_compute_security_policy", "id")


def _route(matcher: dict, path: str, headers: dict[str, str]) -> str:
    """Where the path matcher's route rules send a request: lowest priority first, any match rule of a rule."""

    def matches(match: dict) -> bool:
        if "full_path_match" in match and path != match["full_path_match"]:
            return False
        if "prefix_match" in match and not path.startswith(match["prefix_match"]):
            return False
        return all(headers.get(h["header_name"]) == h["exact_match"] for h in match.get("header_matches", []))

    for rule in sorted(matcher["route_rules"], key=lambda rule: rule["priority"]):
        if any(matches(match) for match in rule["match_rules"]):
            return rule["service"]
    return matcher["default_service"]


def _path_match(pattern: str) -> dict:
    return {"prefix_match": pattern[:-1]} if pattern.endswith("/*") else {"full_path_match": pattern}


@pytest.mark.parametrize("environment", ALL)
def test_url_map_routes(gcp_stacks, environment):
    settings = load_settings(environment)
    app = stack(gcp_stacks, environment, "app")
    url_map = one(app, "google_compute_url_map", name=settings.name("https"))
    backend = {
        key: reference(app, "google_compute_backend_service", "id", name=settings.name(key))
        for key in ("api", "web", f"api-{CANDIDATE_TAG}", f"web-{CANDIDATE_TAG}")
    }
    static = reference(app, "google_compute_backend_bucket", "id")
    header = {"header_name": CANDIDATE_HEADER, "exact_match": CANDIDATE_HEADER_VALUE}
    assert url_map["default_service"] == backend["web"]
    assert url_map["host_rule"] == [{"hosts": [settings.domain.app_domain], "path_matcher": "app"}]
    (matcher,) = url_map["path_matcher"]
    assert matcher["default_service"] == backend["web"]
    assert "path_rule" not in matcher  # a path matcher holds path rules or route rules, not both
    # The full table: the candidate header first (api paths to the candidate api, all else to the candidate web),
    # then the routes without it as before the candidate existed (path rules rewritten as route rules).
    rules = [(rule["priority"], rule["service"], rule["match_rules"]) for rule in matcher["route_rules"]]
    assert rules == [
        (
            10,
            backend[f"api-{CANDIDATE_TAG}"],
            [{**_path_match(p), "header_matches": [header]} for p in API_PATH_PATTERNS],
        ),
        (20, backend[f"web-{CANDIDATE_TAG}"], [{"prefix_match": "/", "header_matches": [header]}]),
        (100, backend["api"], [_path_match(p) for p in API_PATH_PATTERNS]),
        (200, static, [_path_match(p) for p in STATIC_PATH_PATTERNS]),
    ]
    candidate = {CANDIDATE_HEADER: CANDIDATE_HEADER_VALUE}
    expected = {
        ("/api", False): backend["api"],
        ("/api/health", False): backend["api"],
        ("/apis", False): backend["web"],
        ("/_next/static/app.js", False): static,
        ("/static/logo.svg", False): static,
        ("/", False): backend["web"],
        ("/book/123", False): backend["web"],
        ("/api", True): backend[f"api-{CANDIDATE_TAG}"],
        ("/api/health", True): backend[f"api-{CANDIDATE_TAG}"],
        ("/apis", True): backend[f"web-{CANDIDATE_TAG}"],
        ("/_next/static/app.js", True): backend[f"web-{CANDIDATE_TAG}"],
        ("/", True): backend[f"web-{CANDIDATE_TAG}"],
    }
    actual = {(path, flag): _route(matcher, path, candidate if flag else {}) for path, flag in expected}
    assert actual == expected
    # Another value of the header is no candidate request.
    assert _route(matcher, "/api/health", {CANDIDATE_HEADER: "0"}) == backend["api"]


@pytest.mark.parametrize("environment", ALL)
def test_https_with_a_modern_tls_policy_and_http_redirects(gcp_stacks, environment):
    settings = load_settings(environment)
    app = stack(gcp_stacks, environment, "app")
    ssl_policy = one(app, "google_compute_ssl_policy")
    assert ssl_policy["profile"] in {"MODERN", "RESTRICTED"} and ssl_policy["min_tls_version"] == "TLS_1_2"
    certificate = one(app, "google_compute_managed_ssl_certificate")
    assert certificate["managed"]["domains"] == [settings.domain.app_domain]
    https = one(app, "google_compute_target_https_proxy")
    assert https["ssl_policy"] == reference(app, "google_compute_ssl_policy", "id")
    assert https["ssl_certificates"] == [reference(app, "google_compute_managed_ssl_certificate", "id")]
    redirect = one(app, "google_compute_url_map", name=settings.name("http-redirect"))
    assert redirect["default_url_redirect"]["https_redirect"] is True
    assert one(app, "google_compute_target_http_proxy")["url_map"] == reference(
        app, "google_compute_url_map", "id", name=settings.name("http-redirect")
    )
    # HTTPS and the redirect on an IPv4 and an IPv6 address, as CloudFront answers on both.
    addresses = {a["ip_version"]: a for a in resources(app, "google_compute_global_address")}
    assert set(addresses) == {"IPV4", "IPV6"}
    rules = {
        (rule["ip_address"], rule["port_range"]): rule
        for rule in resources(app, "google_compute_global_forwarding_rule")
    }
    assert len(rules) == 4
    for version in ("IPV4", "IPV6"):
        address = reference(app, "google_compute_global_address", "id", ip_version=version)
        assert rules[(address, "443")]["target"] == reference(app, "google_compute_target_https_proxy", "id")
        assert rules[(address, "80")]["target"] == reference(app, "google_compute_target_http_proxy", "id")
    for rule in rules.values():
        assert rule["load_balancing_scheme"] == "EXTERNAL_MANAGED"


@pytest.mark.parametrize("environment", ALL)
def test_the_gcp_name_resolves_to_the_load_balancer_in_the_gcp_zone(gcp_stacks, environment):
    """The app domain is the parent zone's serving record (shared/dns.py); GCP writes only into its own zone."""
    settings = load_settings(environment)
    app = stack(gcp_stacks, environment, "app")
    records = {record["type"]: record for record in resources(app, "google_dns_record_set")}
    assert set(records) == {"A", "AAAA"}
    for record_type, version in (("A", "IPV4"), ("AAAA", "IPV6")):
        record = records[record_type]
        assert record["name"] == f"{settings.dns.host('gcp')}."
        assert record["managed_zone"] == settings.gcp.dns_managed_zone
        assert record["project"] == settings.gcp.dns_project == settings.gcp.project_id
        assert record["ttl"] == settings.gcp.dns_record_ttl_seconds
        assert record["rrdatas"] == [reference(app, "google_compute_global_address", "address", ip_version=version)]
    # By name from settings: no data source looks the zone up.
    assert "google_dns_managed_zone" not in app.get("data", {})


@pytest.mark.parametrize("environment", ALL)
def test_the_redis_address_is_looked_up_not_read_from_remote_state(gcp_stacks, environment):
    settings = load_settings(environment)
    app = stack(gcp_stacks, environment, "app")
    (cache,) = [c for c in app["data"]["google_memorystore_instance"].values() if c["location"] == settings.gcp.region]
    assert cache["instance_id"] == settings.name("redis")
    (logical,) = [
        k for k, c in app["data"]["google_memorystore_instance"].items() if c["location"] == settings.gcp.region
    ]
    api = one(app, "google_cloud_run_v2_service", name=settings.name("api"), location=settings.gcp.region)
    env = {e["name"]: e.get("value") for e in api["template"]["containers"][0]["env"]}
    # Every CA certificate of the instance (old and new during a rotation), as one PEM bundle.
    certificates = f"data.google_memorystore_instance.{logical}.managed_server_ca[*].ca_certs[*].certificates"
    assert env["REDIS_SSLROOTCERT"] == '${join("\\n", flatten(' + certificates + "))}"
    assert env["REDIS_TLS"] == "true"
    assert "terraform_remote_state" not in app.get("data", {})
    assert by_name(app, "google_cloud_run_v2_service")


@pytest.mark.parametrize("environment", ALL)
def test_both_services_report_errors_to_sentry_from_secret_manager(gcp_stacks, environment):
    from gcp_stacks.secrets import SECRETS

    settings = load_settings(environment)
    assert SECRETS["sentry-dsn"] == ("api", "web")  # the secret's only readers (granted per secret, test_data.py)
    for service in ("api", "web"):
        run = one(
            stack(gcp_stacks, environment, "app"),
            "google_cloud_run_v2_service",
            name=settings.name(service),
            location=settings.gcp.region,
        )
        env = {e["name"]: e for e in run["template"]["containers"][0]["env"]}
        assert "value" not in env["SENTRY_DSN"]
        assert env["SENTRY_DSN"]["value_source"]["secret_key_ref"] == {
            "secret": settings.name("sentry-dsn"),
            "version": "latest",
        }
        assert env["SENTRY_ENVIRONMENT"]["value"] == environment
