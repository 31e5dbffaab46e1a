"""Fixtures shared by the AWS property tests."""

from __future__ import annotations

import pytest

from shared import ENVIRONMENTS, load_settings


@pytest.fixture(params=ENVIRONMENTS)
def settings(request):
    """Each environment's settings in turn: a test that takes it runs once per environment."""
    return load_settings(request.param)
