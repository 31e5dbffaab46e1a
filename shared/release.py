"""What a release is: an image tag per service, validated here once for the stacks and ops/release.py.

An infrastructure deploy never chooses the image. On AWS the released tag lives in one Parameter Store
parameter per image, created with the bootstrap tag and written afterwards only by a release; on GCP the
Cloud Run services ignore image changes, which `gcloud run services update --image` makes.
"""

from __future__ import annotations

import re

from shared.contract import BOOTSTRAP_IMAGE_TAG, SERVICES
from shared.errors import SettingsError
from shared.names import gcp_repository_id
from shared.places import gcp_multi_region
from shared.settings import Settings

# One image per service, named like it (shared.contract): the release's unit.
IMAGES = tuple(SERVICES)

# Docker's tag grammar: a word character first, then up to 127 word characters, '.' or '-'.
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def check_tag(tag: str, environment: str = "release") -> str:
    if not isinstance(tag, str) or not _TAG.match(tag):
        raise SettingsError(environment, [("image_tag", f"{tag!r} is not a Docker image tag ([A-Za-z0-9_.-], 1-128)")])
    return tag


def gcp_registry_location(settings: Settings) -> str:
    """The repository's location: the primary region, or the multi-region holding both regions when the standby
    region must pull images after the primary is lost (`recovery.gcp_cross_region_storage`)."""
    if settings.recovery.gcp_cross_region_storage:
        return gcp_multi_region(settings.gcp.region)[1]
    return settings.gcp.region


def gcp_registry(settings: Settings) -> str:
    """`<location>-docker.pkg.dev/<project>/<repository>`: where both images are pushed on GCP."""
    return f"{gcp_registry_location(settings)}-docker.pkg.dev/{settings.gcp.project_id}/{gcp_repository_id(settings)}"


def gcp_image(settings: Settings, image: str, tag: str = BOOTSTRAP_IMAGE_TAG) -> str:
    return f"{gcp_registry(settings)}/{image}:{check_tag(tag)}"
