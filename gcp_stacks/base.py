"""What every GCP stack shares: the google provider, labels and the state backend."""

from __future__ import annotations

from cdktn import GcsBackend, LocalBackend, TerraformResourceLifecycle, TerraformStack
from cdktn_provider_google.provider import GoogleProvider
from constructs import Construct

from shared import Settings

# The Terraform releases the platform supports: ephemeral resources (1.10) and write-only arguments (1.11) keep
# alert channel tokens out of the state. cdktn checks each feature used against this at synth, and every stack
# says it, so an older Terraform stops at once instead of failing on the first feature it lacks.
MINIMUM_TERRAFORM = "1.11"
TARGET_VERSIONS = {"terraform": f">={MINIMUM_TERRAFORM}.0"}


class GcpStack(TerraformStack):
    """A stack for one environment; state goes to GCS when settings name a bucket, else stays local."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        component: str,
        bill_calls_to_project: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        self.settings = settings
        self.add_override("terraform.required_version", f">= {MINIMUM_TERRAFORM}")
        # Some APIs (Billing Budgets) need a quota project: the project pays for the calls, not the caller's own.
        quota = {}
        if bill_calls_to_project:
            quota = dict(user_project_override=True, billing_project=settings.gcp.project_id)
        GoogleProvider(
            self,
            "Google",
            project=settings.gcp.project_id,
            region=settings.gcp.region,
            default_labels=settings.gcp_labels,
            **quota,
        )
        if settings.gcp.state_bucket:
            GcsBackend(self, bucket=settings.gcp.state_bucket, prefix=f"{settings.prefix}/{component}")
        else:
            # cdktf's implicit local backend writes an absolute path, so every checkout would synthesize
            # different bytes. Terraform runs in cdktf.out/stacks/<stack>/: this puts state in the project root.
            LocalBackend(self, path=f"../../../terraform.{construct_id}.tfstate")


def retained(settings: Settings, *, ignore_changes: list[str] | None = None) -> TerraformResourceLifecycle:
    """Stateful resources refuse `terraform destroy` where settings ask to retain them."""
    return TerraformResourceLifecycle(
        prevent_destroy=settings.resilience.retain_stateful_resources, ignore_changes=ignore_changes
    )
