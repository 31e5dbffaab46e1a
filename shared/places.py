"""The real AWS regions (with their availability zone letters) and GCP regions, as data.

A typo in a region or zone then fails at synth with a suggestion, not at apply time. Update these lists when a
provider opens a region; a region missing here is refused until it is added.

Sources (compiled 2025-11; cross-checked 2026-11-25 against Google Cloud location pages and published AWS region lists):
AWS "Regions and Availability Zones" (https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html);
zone letters as `aws ec2 describe-availability-zones --all-availability-zones` names them (an account may see a
subset, and letters map to different physical zones per account). Google Cloud "Geography and regions"
(https://cloud.google.com/compute/docs/regions-zones; `gcloud compute regions list`).
"""

from __future__ import annotations

# Region -> availability zone letters (zone = region + letter).
AWS_AVAILABILITY_ZONE_LETTERS: dict[str, str] = {
    "af-south-1": "abc",
    "ap-east-1": "abc",
    "ap-east-2": "abc",
    "ap-northeast-1": "abcd",
    "ap-northeast-2": "abcd",
    "ap-northeast-3": "abc",
    "ap-south-1": "abc",
    "ap-south-2": "abc",
    "ap-southeast-1": "abc",
    "ap-southeast-2": "abc",
    "ap-southeast-3": "abc",
    "ap-southeast-4": "abc",
    "ap-southeast-5": "abc",
    "ap-southeast-6": "abc",
    "ap-southeast-7": "abc",
    "ca-central-1": "abd",
    "ca-west-1": "abc",
    "cn-north-1": "abd",
    "cn-northwest-1": "abc",
    "eu-central-1": "abc",
    "eu-central-2": "abc",
    "eu-north-1": "abc",
    "eu-south-1": "abc",
    "eu-south-2": "abc",
    "eu-west-1": "abc",
    "eu-west-2": "abc",
    "eu-west-3": "abc",
    "il-central-1": "abc",
    "me-central-1": "abc",
    "me-south-1": "abc",
    "mx-central-1": "abc",
    "sa-east-1": "abc",
    "us-east-1": "abcdef",
    "us-east-2": "abc",
    "us-gov-east-1": "abc",
    "us-gov-west-1": "abc",
    "us-west-1": "abc",
    "us-west-2": "abcd",
}
AWS_REGIONS = frozenset(AWS_AVAILABILITY_ZONE_LETTERS)

GCP_REGIONS = frozenset(
    {
        "africa-south1",
        "asia-east1",
        "asia-east2",
        "asia-northeast1",
        "asia-northeast2",
        "asia-northeast3",
        "asia-south1",
        "asia-south2",
        "asia-southeast1",
        "asia-southeast2",
        "australia-southeast1",
        "australia-southeast2",
        "europe-central2",
        "europe-north1",
        "europe-north2",
        "europe-southwest1",
        "europe-west1",
        "europe-west2",
        "europe-west3",
        "europe-west4",
        "europe-west6",
        "europe-west8",
        "europe-west9",
        "europe-west10",
        "europe-west12",
        "me-central1",
        "me-central2",
        "me-west1",
        "northamerica-northeast1",
        "northamerica-northeast2",
        "northamerica-south1",
        "southamerica-east1",
        "southamerica-west1",
        "us-central1",
        "us-east1",
        "us-east4",
        "us-east5",
        "us-south1",
        "us-west1",
        "us-west2",
        "us-west3",
        "us-west4",
    }
)


def aws_availability_zones(region: str) -> tuple[str, ...]:
    return tuple(region + letter for letter in AWS_AVAILABILITY_ZONE_LETTERS.get(region, ""))


# Multi-region of each GCP continent whose regions pair into a configurable dual-region bucket: Cloud Storage names it
# in upper case (`US`), Artifact Registry and Cloud KMS in lower case (`us`, `europe`, `asia`). Google Cloud "Bucket
# locations" (https://cloud.google.com/storage/docs/locations#configurable) and "Repository locations"
# (https://cloud.google.com/artifact-registry/docs/repositories/repo-locations).
GCP_MULTI_REGIONS = {"us-": ("US", "us"), "europe-": ("EU", "europe"), "asia-": ("ASIA", "asia")}


def gcp_multi_region(region: str) -> tuple[str, str] | None:
    """(Cloud Storage location, Artifact Registry / Cloud KMS location) of the multi-region holding `region`."""
    return next((names for prefix, names in GCP_MULTI_REGIONS.items() if region.startswith(prefix)), None)
