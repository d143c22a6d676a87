"""Fixtures of the demand tests: the matcher's small market (a demand, its fitting offering, the firm)."""

from tests.matching.test_matcher import market  # noqa: F401  (the fixture)
