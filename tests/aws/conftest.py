"""Fixtures shared by the AWS property tests."""

from __future__ import annotations

import pytest

from shared import ENVIRONMENTS, load_settings


@pytest.fixture(scope="session", params=ENVIRONMENTS)
def settings(request):
    """Each environment's settings in turn: a test that takes it runs once per environment. Loaded once per
    session (Settings is frozen): loading validates every environment, a few milliseconds for each of 400 tests."""
    return load_settings(request.param)
