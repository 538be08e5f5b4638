"""Shared fixtures and the Hypothesis profiles (CI: fixed counts, derandomized)."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

import patrolrules

settings.register_profile("ci", max_examples=100, derandomize=True, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("dev", max_examples=100, deadline=None)
# deep: randomized and 20× longer, to hunt for counterexamples (not for CI: it varies run to run)
settings.register_profile("deep", max_examples=2000, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def ruleset() -> patrolrules.Ruleset:
    return patrolrules.load_ruleset()
