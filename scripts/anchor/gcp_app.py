"""Anchor: one hello-world stack (a bucket) on the archived cdktf and its google provider 16.12.1."""

from cdktf import App, TerraformStack
from cdktf_cdktf_provider_google.provider import GoogleProvider
from cdktf_cdktf_provider_google.storage_bucket import StorageBucket

app = App()
stack = TerraformStack(app, "anchor-hello")
GoogleProvider(stack, "google", project="anchor-project", region="us-central1")
StorageBucket(stack, "Bucket", name="anchor-hello-bucket", location="US")
app.synth()
