"""Anchor: one hello-world stack (a bucket) with the AwsSolutions pack, as the original toolchain synthesizes it."""

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from cdk_nag import AwsSolutionsChecks

app = cdk.App()
stack = cdk.Stack(app, "anchor-hello")
bucket = s3.Bucket(stack, "Bucket")
# Acknowledged so the anchor's synth succeeds while still running every rule over the bucket.
for rule in ("S1", "S10"):
    cdk.Validations.of(bucket).acknowledge(cdk.Acknowledgment(id=f"AwsSolutions::AwsSolutions-{rule}", reason="anchor"))
cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
app.synth()
