"""The two google-beta pieces the platform uses, without the google-beta provider's bindings.

`google_project_service_identity` (service agents created on demand) exists only in the google-beta provider.
Its cdktn bindings load ~2,000 generated modules (about 3.5 s of CPU in every GCP synthesis, more than the rest of
the data stack) for one resource type; the provider block and that resource are written here on cdktn's own
`TerraformProvider` and `TerraformResource`, with the metadata the generated classes carry, so the Terraform JSON is
byte for byte what they wrote (tests/gcp/test_data.py checks the version against the google provider's).
"""

from __future__ import annotations

from typing import Any

from cdktn import TerraformProvider, TerraformProviderGeneratorMetadata, TerraformResource
from constructs import Construct

# google and google-beta are released together under one version: cdktn-provider-google 21.1 is provider 8.7.0.
METADATA = TerraformProviderGeneratorMetadata(
    provider_name="google-beta", provider_version="8.7.0", provider_version_constraint="~> 8.0"
)


class GoogleBetaProvider(TerraformProvider):
    """`provider "google-beta"`, with the project and region of the stack's google provider."""

    def __init__(self, scope: Construct, construct_id: str, *, project: str, region: str) -> None:
        super().__init__(
            scope,
            construct_id,
            terraform_resource_type="google-beta",
            terraform_generator_metadata=METADATA,
            terraform_provider_source="hashicorp/google-beta",
        )
        self._attributes = {"project": project, "region": region}

    def _synthesize_attributes(self) -> dict[str, Any]:
        return self._attributes


class GoogleProjectServiceIdentity(TerraformResource):
    """`google_project_service_identity`: a service's agent, created now instead of on the service's first use."""

    def __init__(
        self, scope: Construct, construct_id: str, *, provider: GoogleBetaProvider, project: str, service: str
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            terraform_resource_type="google_project_service_identity",
            terraform_generator_metadata=METADATA,
            provider=provider,
        )
        self._attributes = {"project": project, "service": service}

    def _synthesize_attributes(self) -> dict[str, Any]:
        return self._attributes
