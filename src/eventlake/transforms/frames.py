"""Helpers over several DataFrames at once."""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def union_all(frames: Sequence[DataFrame]) -> DataFrame | None:
    """The rows of every frame, matched by column name (`unionByName`, which keeps
    duplicates), in order; None for no frames. Every frame must have the same columns."""
    if not frames:
        return None
    return reduce(lambda left, right: left.unionByName(right), frames)
