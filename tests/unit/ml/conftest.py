"""Fixtures for the ML unit tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def events(spark):
    """events(rows) -> a DataFrame with the events contract schema."""
    from eventlake.contracts.schemas import EVENTS_SCHEMA

    def make(rows: list[tuple]):
        return spark.createDataFrame(rows, EVENTS_SCHEMA)

    return make
