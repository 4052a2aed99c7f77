"""Shared test configuration."""

# Fixture projects hold files named like tests (``tests/test_model.py``) that are
# linted, never run.
collect_ignore = ["fixtures"]
