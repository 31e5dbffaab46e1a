"""Before a diff or deploy: a known environment, valid settings, and no placeholder left to override.

`cdk diff` against the placeholder account fails only after jsii and the CLI have started and asked
AWS for credentials; this says what to set, at once.
"""

from __future__ import annotations

import argparse
import sys

from shared import ENVIRONMENTS, Settings, SettingsError, environment_variable, load_settings
from shared.checks import did_you_mean
from shared.environments import placeholder_values
from shared.overrides import OVERRIDES

# The placeholders each selection of stacks uses: the platform's stacks (trust=False) or only the delivery stack
# (trust=True, `make diff TRUST=1`), whose GitHub OIDC trust alone pins the repository id.
CLOUD_FIELDS = {
    ("aws", False): ("aws.account_id", "aws.hosted_zone_id"),
    ("aws", True): ("aws.account_id", "github.repository_id"),
    ("gcp", False): ("gcp.project_id", "gcp.billing_account_id"),
    ("gcp", True): ("gcp.project_id", "github.repository_id"),
}
CLOUDS = ("aws", "gcp")


def _override_key(dotted: str) -> str:
    return next(key for key, (field, _) in OVERRIDES.items() if field == dotted)


def problems(environment: str, cloud: str, *, trust: bool = False) -> list[str]:
    if environment not in ENVIRONMENTS:
        shown = environment or "(empty)"
        hint = did_you_mean(environment, ENVIRONMENTS)
        return [f"ENV={shown} is not an environment{hint}; set ENV={'|'.join(ENVIRONMENTS)}"]
    try:
        settings = load_settings(environment)
    except SettingsError as error:
        return [str(error)]
    return placeholders(settings, cloud, trust=trust)


def placeholders(settings: Settings, cloud: str, *, trust: bool = False) -> list[str]:
    """The placeholders the selected stacks of these (already loaded, maybe overridden) settings still use."""
    environment = settings.environment
    found = []
    for dotted in CLOUD_FIELDS.get((cloud, trust), ()):
        section, _, name = dotted.partition(".")
        value = getattr(getattr(settings, section), name)
        if value in placeholder_values()[dotted]:
            key = _override_key(dotted)
            found.append(
                f"{environment}: {dotted} is the placeholder '{value}'; set "
                f"{environment_variable(environment, key)}=<yours> before a diff or deploy"
            )
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.preflight", description=__doc__.splitlines()[0])
    parser.add_argument("environment", help="one of " + ", ".join(ENVIRONMENTS))
    parser.add_argument("cloud", choices=CLOUDS, help="whose placeholders to check")
    parser.add_argument("--trust", action="store_true", help="the delivery stack's placeholders instead")
    args = parser.parse_args(argv)
    found = problems(args.environment, args.cloud, trust=args.trust)
    for problem in found:
        print(f"error: {problem}", file=sys.stderr)
    return 2 if found else 0


if __name__ == "__main__":
    sys.exit(main())
