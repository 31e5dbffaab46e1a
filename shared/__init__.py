"""Shared settings for BookedBarber V2: one validated `Settings` per environment, read by both clouds."""

from shared.environments import ENVIRONMENTS
from shared.errors import SettingsError
from shared.loader import load_all, load_settings
from shared.overrides import OVERRIDES, environment_variable, replace_field, replace_fields
from shared.settings import Settings

__all__ = [
    "ENVIRONMENTS",
    "OVERRIDES",
    "Settings",
    "SettingsError",
    "environment_variable",
    "load_all",
    "load_settings",
    "replace_field",
    "replace_fields",
]
