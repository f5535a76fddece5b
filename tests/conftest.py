"""Hypothesis profiles: fast locally, thorough (and derandomized) in CI."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile(
    "ci",
    parent=settings.get_profile("ci"),
    max_examples=150,
    deadline=None,
    suppress_health_check=(HealthCheck.too_slow,),
)
settings.register_profile("nightly", max_examples=2000, deadline=None, stateful_step_count=100)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
