"""The one error type that bad settings raise."""


class SettingsError(ValueError):
    """Invalid settings: the message names the environment and every bad field."""

    def __init__(self, environment: str, problems: list[tuple[str, str]]):
        self.environment = environment
        self.problems = tuple(problems)
        lines = [f"settings for environment '{environment}' are invalid:"]
        lines += [f"  - {field}: {problem}" for field, problem in problems]
        super().__init__("\n".join(lines))
