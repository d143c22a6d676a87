"""Fixtures of the coverage tests: the small market counted by hand."""

from tests.coverage.test_figures import market  # noqa: F401  (the fixture)
