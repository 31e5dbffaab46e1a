"""List prices the cost report multiplies by, as data: us-east-1 (AWS) and us-central1 (GCP), on-demand, USD.

Each price names the page it comes from and when it was read there; `make cost` never calls a pricing API (no
network at run time). Prices change: re-read the pages and update `as_of` together with the amount. Discounts
(Savings Plans, committed use) and free tiers are deliberately left out, except where a free allowance is part of
how a service is always billed (noted). `AWS_FREE` / `GCP_FREE` list the synthesized resource types that cost
nothing by themselves, with the reason; tests/test_cost.py fails when a synthesized type is in neither table, and
when a rule or a free entry names a type no environment synthesizes (no rules kept for resources never created).
"""

from __future__ import annotations

from dataclasses import dataclass

HOURS_PER_MONTH = 730
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600
AS_OF = "2026-06"  # when these list prices were read on the pages below


@dataclass(frozen=True)
class Price:
    usd: float
    unit: str  # what one `usd` buys: "hour", "GB-month", "million requests", ...
    source: str  # the published price page
    as_of: str = AS_OF


_FARGATE = "https://aws.amazon.com/fargate/pricing/"
_RDS = "https://aws.amazon.com/rds/postgresql/pricing/"
_RDS_PROXY = "https://aws.amazon.com/rds/proxy/pricing/"
_ELASTICACHE = "https://aws.amazon.com/elasticache/pricing/"
_ELB = "https://aws.amazon.com/elasticloadbalancing/pricing/"
_WAF = "https://aws.amazon.com/waf/pricing/"
_CLOUDFRONT = "https://aws.amazon.com/cloudfront/pricing/"
_S3 = "https://aws.amazon.com/s3/pricing/"
_ECR = "https://aws.amazon.com/ecr/pricing/"
_CLOUDWATCH = "https://aws.amazon.com/cloudwatch/pricing/"
_VPC = "https://aws.amazon.com/vpc/pricing/"
_PRIVATELINK = "https://aws.amazon.com/privatelink/pricing/"
_KMS = "https://aws.amazon.com/kms/pricing/"
_SECRETS = "https://aws.amazon.com/secrets-manager/pricing/"
_GUARDDUTY = "https://aws.amazon.com/guardduty/pricing/"
_SECURITYHUB = "https://aws.amazon.com/security-hub/pricing/"
_CLOUDTRAIL = "https://aws.amazon.com/cloudtrail/pricing/"
_CONFIG = "https://aws.amazon.com/config/pricing/"
_BACKUP = "https://aws.amazon.com/backup/pricing/"
_EC2_TRANSFER = "https://aws.amazon.com/ec2/pricing/on-demand/#Data_Transfer"

AWS_PRICES: dict[str, Price] = {
    "fargate_vcpu_hour": Price(0.04048, "vCPU-hour (Linux/x86)", _FARGATE),
    "fargate_gb_hour": Price(0.004445, "GB-hour (Linux/x86)", _FARGATE),
    # RDS for PostgreSQL, Single-AZ on-demand per instance class; Multi-AZ (one standby) is twice the rate.
    "rds_db.t4g.micro": Price(0.016, "instance-hour", _RDS),
    "rds_db.t4g.small": Price(0.032, "instance-hour", _RDS),
    "rds_db.t4g.medium": Price(0.065, "instance-hour", _RDS),
    "rds_db.t4g.large": Price(0.129, "instance-hour", _RDS),
    "rds_db.m6g.large": Price(0.168, "instance-hour", _RDS),
    "rds_db.m6g.xlarge": Price(0.337, "instance-hour", _RDS),
    "rds_db.r6g.large": Price(0.225, "instance-hour", _RDS),
    "rds_db.r6g.xlarge": Price(0.449, "instance-hour", _RDS),
    "rds_db.r6g.2xlarge": Price(0.899, "instance-hour", _RDS),
    "rds_gp3_gb_month": Price(0.115, "GB-month (Single-AZ; Multi-AZ twice)", _RDS),
    "rds_proxy_vcpu_hour": Price(0.015, "vCPU-hour of the database instance (2 vCPU minimum)", _RDS_PROXY),
    "elasticache_cache.t4g.micro": Price(0.016, "node-hour", _ELASTICACHE),
    "elasticache_cache.t4g.small": Price(0.032, "node-hour", _ELASTICACHE),
    "elasticache_cache.t4g.medium": Price(0.065, "node-hour", _ELASTICACHE),
    "elasticache_cache.m6g.large": Price(0.149, "node-hour", _ELASTICACHE),
    "elasticache_cache.r6g.large": Price(0.206, "node-hour", _ELASTICACHE),
    "elasticache_cache.r6g.xlarge": Price(0.411, "node-hour", _ELASTICACHE),
    "alb_hour": Price(0.0225, "load balancer-hour", _ELB),
    "alb_lcu_hour": Price(0.008, "LCU-hour", _ELB),
    "waf_web_acl_month": Price(5.0, "web ACL-month", _WAF),
    "waf_rule_month": Price(1.0, "rule-month", _WAF),
    "waf_million_requests": Price(0.60, "million requests", _WAF),
    "cloudfront_gb": Price(0.085, "GB to the internet (North America, first 10 TB)", _CLOUDFRONT),
    "cloudfront_million_https_requests": Price(1.00, "million HTTPS requests ($0.0100 per 10,000)", _CLOUDFRONT),
    "s3_standard_gb_month": Price(0.023, "GB-month (first 50 TB)", _S3),
    "ecr_gb_month": Price(0.10, "GB-month", _ECR),
    "cloudwatch_alarm_metric_month": Price(0.10, "standard-resolution metric per alarm, month", _CLOUDWATCH),
    "cloudwatch_dashboard_month": Price(3.0, "dashboard-month (beyond 3 free)", _CLOUDWATCH),
    "cloudwatch_custom_metric_month": Price(0.30, "metric-month (first 10,000)", _CLOUDWATCH),
    "cloudwatch_logs_ingest_gb": Price(0.50, "GB ingested", _CLOUDWATCH),
    "cloudwatch_logs_store_gb_month": Price(0.03, "GB-month archived", _CLOUDWATCH),
    "synthetics_canary_run": Price(0.0012, "canary run", _CLOUDWATCH),
    # Application Signals bills "signals"; an SLO emits two per SLI period (its good/bad and total datapoints).
    "application_signals_million_signals": Price(1.50, "million signals (first 100 million a month)", _CLOUDWATCH),
    "nat_gateway_hour": Price(0.045, "NAT gateway-hour", _VPC),
    "nat_gateway_gb": Price(0.045, "GB processed", _VPC),
    "public_ipv4_hour": Price(0.005, "public IPv4 address-hour", _VPC),
    "interface_endpoint_hour": Price(0.01, "endpoint-hour per availability zone", _PRIVATELINK),
    "kms_key_month": Price(1.0, "customer managed key-month", _KMS),
    "secret_month": Price(0.40, "secret-month", _SECRETS),
    # The compliance stack's account-level services (where the environment owns them).
    "guardduty_million_events": Price(1.00, "million CloudTrail management events analysed", _GUARDDUTY),
    "securityhub_check_10k": Price(10.0, "10,000 security checks (first 100,000 tier, $0.0010 each)", _SECURITYHUB),
    "cloudtrail_first_trail": Price(0.0, "management events of the first trail are free", _CLOUDTRAIL),
    "config_item": Price(0.003, "configuration item recorded", _CONFIG),
    "config_rule_evaluation": Price(0.001, "rule evaluation (first 100,000)", _CONFIG),
    "backup_gb_month": Price(0.05, "GB-month of RDS snapshot in a backup vault (warm)", _BACKUP),
    # The regional standby (shared/recovery.py, reports/cost.py `standby_costs`).
    "inter_region_gb": Price(0.02, "GB transferred between AWS regions (replication, copies)", _EC2_TRANSFER),
    "s3_replication_time_control_gb": Price(0.015, "GB replicated with S3 Replication Time Control", _S3),
}

_RUN = "https://cloud.google.com/run/pricing"
_SQL = "https://cloud.google.com/sql/pricing"
_VALKEY = "https://cloud.google.com/memorystore/docs/valkey/pricing"
_LB = "https://cloud.google.com/vpc/network-pricing#lb"
_EGRESS = "https://cloud.google.com/vpc/network-pricing#internet_egress"
_ARMOR = "https://cloud.google.com/armor/pricing"
_CDN = "https://cloud.google.com/cdn/pricing"
_GCS = "https://cloud.google.com/storage/pricing"
_AR = "https://cloud.google.com/artifact-registry/pricing"
_OBS = "https://cloud.google.com/stackdriver/pricing"
_NAT = "https://cloud.google.com/nat/pricing"
_GKMS = "https://cloud.google.com/kms/pricing"
_SM = "https://cloud.google.com/secret-manager/pricing"

GCP_PRICES: dict[str, Price] = {
    # Request-based billing (the services set cpu_idle): instances are billed while they serve requests.
    "run_vcpu_second": Price(0.000024, "vCPU-second while serving (request-based, tier 1)", _RUN),
    "run_gib_second": Price(0.0000025, "GiB-second while serving (request-based, tier 1)", _RUN),
    "run_idle_vcpu_second": Price(0.0000025, "vCPU-second of an idle minimum instance", _RUN),
    "run_idle_gib_second": Price(0.0000025, "GiB-second of an idle minimum instance", _RUN),
    "run_million_requests": Price(0.40, "million requests", _RUN),
    # Cloud SQL Enterprise edition, dedicated core; REGIONAL (HA) is twice the rate.
    "sql_vcpu_hour": Price(0.0413, "vCPU-hour (zonal)", _SQL),
    "sql_gb_hour": Price(0.007, "GB-hour of memory (zonal)", _SQL),
    "sql_ssd_gb_month": Price(0.17, "GB-month SSD (zonal; HA twice)", _SQL),
    "sql_backup_gb_month": Price(0.08, "GB-month of backups", _SQL),
    # Memorystore for Valkey, per node-hour by node type (primary and each replica are nodes).
    "valkey_shared_core_nano_node_hour": Price(0.0368, "node-hour, shared-core-nano (1.4 GB, no SLA)", _VALKEY),
    "valkey_standard_small_node_hour": Price(0.0987, "node-hour, standard-small (6.5 GB)", _VALKEY),
    "valkey_highmem_medium_node_hour": Price(0.1999, "node-hour, highmem-medium (13 GB)", _VALKEY),
    "valkey_highmem_xlarge_node_hour": Price(0.7996, "node-hour, highmem-xlarge (58 GB)", _VALKEY),
    "lb_forwarding_rule_hour": Price(0.025, "forwarding rule-hour (first 5; global external)", _LB),
    "lb_gb_processed": Price(0.008, "GB processed by the load balancer", _LB),
    "armor_policy_month": Price(5.0, "security policy-month", _ARMOR),
    "armor_rule_month": Price(1.0, "rule-month", _ARMOR),
    "armor_million_requests": Price(0.75, "million requests evaluated", _ARMOR),
    "internet_egress_gb": Price(0.12, "GB to the internet, Premium tier, North America (first TB)", _EGRESS),
    "cdn_gb": Price(0.08, "GB of cache egress (North America, first 10 TB)", _CDN),
    "cdn_million_lookups": Price(0.75, "million cache lookups ($0.0075 per 10,000)", _CDN),
    "gcs_standard_gb_month": Price(0.020, "GB-month, Standard, us-central1", _GCS),
    # A configurable dual-region is billed in both of its regions ("Dual-regions are billed to both underlying
    # regions", $0.022 each in North America); turbo replication per GB replicated.
    "gcs_dual_region_gb_month": Price(0.022, "GB-month, Standard, per region of a North America dual-region", _GCS),
    "gcs_turbo_replication_gb": Price(0.04, "GB replicated between the regions of a dual-region, turbo", _GCS),
    # Cloud SQL's cross-region replication leaves the region as inter-region egress within North America.
    "inter_region_gb": Price(0.02, "GB between regions, North America", _EGRESS),
    "artifact_registry_gb_month": Price(0.10, "GB-month (beyond 0.5 GB)", _AR),
    "logging_ingest_gib": Price(0.50, "GiB ingested (first 50 GiB per project each month free)", _OBS),
    "logging_retention_gib_month": Price(0.01, "GiB-month kept beyond 30 days", _OBS),
    "monitoring_alert_condition_month": Price(0.10, "alert policy condition-month", _OBS),
    "nat_gateway_hour": Price(0.044, "gateway-hour (per-VM charge capped at 32 VMs)", _NAT),
    "nat_gb": Price(0.045, "GB processed", _NAT),
    "kms_key_version_month": Price(0.06, "active software key version-month", _GKMS),
    "secret_version_month": Price(0.06, "active secret version-month", _SM),
}

# Synthesized types that cost nothing by themselves; what they enable is priced on the resource that bills.
AWS_FREE: dict[str, str] = {
    "AWS::ApplicationAutoScaling::ScalableTarget": "Application Auto Scaling has no charge",
    "AWS::ApplicationAutoScaling::ScalingPolicy": "Application Auto Scaling has no charge",
    "AWS::CertificateManager::Certificate": "public ACM certificates are free",
    "AWS::CloudFront::CachePolicy": "configuration of the distribution",
    "AWS::CloudFront::OriginAccessControl": "configuration of the distribution",
    "AWS::CloudFront::VpcOrigin": "VPC origins carry no charge beyond the distribution's requests and transfer",
    "AWS::CloudFront::ResponseHeadersPolicy": "configuration of the distribution",
    "AWS::EC2::EIP": "priced as the public IPv4 address of its NAT gateway",
    "AWS::EC2::FlowLog": "priced as log ingestion (usage.log_gb_per_month)",
    "AWS::EC2::InternetGateway": "no charge",
    "AWS::EC2::NetworkAcl": "no charge",
    "AWS::EC2::NetworkAclEntry": "no charge",
    "AWS::EC2::Route": "no charge",
    "AWS::EC2::RouteTable": "no charge",
    "AWS::EC2::SecurityGroup": "no charge",
    "AWS::EC2::SecurityGroupEgress": "no charge",
    "AWS::EC2::SecurityGroupIngress": "no charge",
    "AWS::EC2::Subnet": "no charge",
    "AWS::EC2::SubnetNetworkAclAssociation": "no charge",
    "AWS::EC2::SubnetRouteTableAssociation": "no charge",
    "AWS::EC2::VPC": "no charge",
    "AWS::EC2::VPCGatewayAttachment": "no charge",
    "AWS::ECS::Cluster": "ECS has no control-plane charge on Fargate",
    "AWS::ECS::TaskDefinition": (
        "priced as the Fargate tasks of its service; the database bootstrap's runs for seconds, once per environment"
    ),
    "AWS::ElastiCache::ParameterGroup": "configuration",
    "AWS::ElastiCache::SubnetGroup": "configuration",
    "AWS::ElasticLoadBalancingV2::Listener": "part of the load balancer's hours and LCUs",
    "AWS::ElasticLoadBalancingV2::ListenerRule": "part of the load balancer's hours and LCUs",
    "AWS::ElasticLoadBalancingV2::TargetGroup": "part of the load balancer's hours and LCUs",
    "AWS::Events::Rule": "rules on AWS service events are free",
    "AWS::IAM::Policy": "IAM is free",
    "AWS::IAM::Role": "IAM is free",
    "AWS::IAM::OIDCProvider": "IAM is free",
    "AWS::IAM::ManagedPolicy": "IAM is free",
    "AWS::KMS::Alias": "aliases are free",
    "AWS::Lambda::Function": "custom-resource and rotation functions run a few times a month: within the free tier",
    "AWS::RDS::DBParameterGroup": "configuration",
    "AWS::RDS::DBProxyTargetGroup": "part of the proxy",
    "AWS::RDS::DBSubnetGroup": "configuration",
    "AWS::Route53::RecordSet": "alias records to AWS resources answer free; the zone predates the platform",
    "AWS::S3::BucketPolicy": "configuration",
    "AWS::SNS::Subscription": "alert volume is within SNS's free tier",
    "AWS::SNS::Topic": "alert volume is within SNS's free tier",
    "AWS::SNS::TopicPolicy": "configuration",
    "AWS::SSM::Parameter": "standard parameters are free",
    "AWS::SecretsManager::RotationSchedule": "RDS-managed rotation of the master secret is free",
    "AWS::WAFv2::LoggingConfiguration": "priced as log ingestion",
    "AWS::WAFv2::WebACLAssociation": "part of the web ACL",
    "Custom::VpcRestrictDefaultSG": "runs once at deploy",
    "Custom::LogRetention": "runs once at deploy",
    "Custom::AWS": "runs once at deploy (the standby's DescribeSecret lookups); Lambda's free tier covers it",
    "AWS::Events::Connection": "connections are free; EventBridge pays for the secret it keeps (CloudFormation guide)",
    "AWS::Events::ApiDestination": "$0.20 per million invocations; pages are a handful a month",
    "AWS::Budgets::Budget": "the first two action-less budgets of an account are free",
    "AWS::Backup::BackupVault": "priced as the backup storage it holds",
    "AWS::ECR::ReplicationConfiguration": "replicated images are priced as the standby's storage and transfer",
    "AWS::ECR::RepositoryCreationTemplate": "configuration",
    "AWS::FIS::ExperimentTemplate": "FIS bills action-minutes only while an experiment runs (a quarterly drill)",
    "AWS::Backup::BackupSelection": "priced as the backup storage it holds",
    "AWS::Backup::BackupPlan": "priced as the backup storage it holds",
    "AWS::SecurityHub::Standard": "priced per security check on the hub",
    "AWS::Config::DeliveryChannel": "configuration; its bucket is priced",
    "AWS::Chatbot::SlackChannelConfiguration": "AWS Chatbot is free",
}
# Types only some settings synthesize, with the settings that do: a rule or free entry for one of them is kept
# although no committed environment creates it (tests/test_cost.py).
AWS_OPTIONAL: dict[str, str] = {
    "AWS::Chatbot::SlackChannelConfiguration": "routes.slack_workspace_id and routes.slack_channel_id",
}
GCP_OPTIONAL: dict[str, str] = {
    "google_scc_project_notification_config": "security_monitoring.scc_notifications",
}

GCP_FREE: dict[str, str] = {
    "google_artifact_registry_repository_iam_member": "IAM is free",
    "google_billing_budget": "budgets are free",
    "google_cloud_run_v2_service_iam_member": "IAM is free",
    "google_cloud_run_v2_job": "the one-off database bootstrap: billed per second while it runs, seconds once",
    "google_compute_backend_service": "part of the load balancer",
    "google_compute_firewall": "no charge",
    # The cache's PSC endpoints it creates are part of Memorystore's price (consumer endpoints for Google services).
    "google_network_connectivity_service_connection_policy": "no charge; Memorystore's endpoints are in its price",
    "google_compute_global_address": "addresses in use by a forwarding rule are free",
    "google_compute_managed_ssl_certificate": "Google-managed certificates are free",
    "google_compute_network": "no charge",
    "google_compute_region_network_endpoint_group": "serverless NEGs are free",
    "google_compute_router": "Cloud Router for NAT has no charge",
    "google_compute_ssl_policy": "configuration",
    "google_compute_subnetwork": "no charge",
    "google_compute_target_http_proxy": "part of the load balancer",
    "google_compute_target_https_proxy": "part of the load balancer",
    "google_compute_url_map": "part of the load balancer",
    "google_dns_record_set": "records are free; the zone and its queries predate the platform (billed outside it)",
    "google_kms_crypto_key_iam_member": "IAM is free",
    "google_kms_key_ring": "key rings are free",
    "google_logging_metric": "user-defined log metrics are within the free allotment of chargeable metrics",
    "google_logging_project_sink": "priced as the storage of the bucket it writes to",
    "google_monitoring_custom_service": "Service Monitoring services have no charge",
    "google_monitoring_dashboard": "dashboards are free",
    "google_monitoring_slo": "SLOs have no charge; their burn-rate policies are priced as alert conditions",
    "google_monitoring_notification_channel": "channels are free",
    "google_monitoring_uptime_check_config": "two checks a minute stay within 1 million free executions",
    "google_project_iam_audit_config": "priced as log ingestion",
    "google_project_iam_member": "IAM is free",
    "google_project_iam_custom_role": "IAM is free",
    "google_project_service": "enabling an API is free",
    "google_project_service_identity": "a service agent is an identity, and IAM is free",
    "google_pubsub_topic": "rotation notifications are far below Pub/Sub's free 10 GiB",
    "google_pubsub_topic_iam_member": "IAM is free",
    "google_pubsub_subscription": "security findings and asset changes are far below Pub/Sub's free 10 GiB",
    "google_cloud_asset_project_feed": "Cloud Asset Inventory feeds are free; their Pub/Sub messages are above",
    "google_scc_project_notification_config": "notifications are included in the SCC tier the organization pays",
    "google_secret_manager_secret_iam_member": "IAM is free",
    "google_service_account": "service accounts are free",
    "google_service_networking_connection": "private services access has no charge",
    "google_sql_database": "part of the instance",
    "google_sql_user": "part of the instance",
    "google_storage_bucket_iam_member": "IAM is free",
    "google_iam_workload_identity_pool": "workload identity federation is free",
    "google_iam_workload_identity_pool_provider": "workload identity federation is free",
    "google_service_account_iam_member": "IAM is free",
    "google_iam_deny_policy": "IAM is free",
    "google_tags_tag_key": "tags are free",
    "google_tags_tag_value": "tags are free",
}
