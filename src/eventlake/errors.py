"""Errors a user can act on, in one hierarchy. The CLI prints the message as one line (no
traceback) and exits with the class's `exit_code`.

Every message names the input (file, URI, argument, setting) and says what to do. The classes
that stand for a bad value are also `ValueError`s, so callers that catch ValueError still do.
"""

from __future__ import annotations


class EventlakeError(Exception):
    """Base class: an error the CLI reports as one line, exit code 1."""

    exit_code = 1


class InputError(EventlakeError, ValueError):
    """Bad input: a file, record, argument or missing data. The message names it."""


class InvalidDate(InputError):
    """A date that is not a calendar date written YYYY-MM-DD (CLI flag, DAG param, ds)."""


class ConfigurationError(EventlakeError, ValueError):
    """Settings or environment are wrong: the message names the key and where it was read."""


class BucketError(EventlakeError):
    """A bucket or object problem (unsupported URI, missing bucket), with the URI in it."""


class SparkJarsError(EventlakeError):
    """Spark's Ivy resolution of the extra jars (`eventlake jars`) failed; the message names
    Ivy's log file."""


class GateFailed(EventlakeError):
    """A quality or promotion gate stopped the run on purpose (exit code 3 at a terminal)."""

    exit_code = 3


class MonitorFailed(EventlakeError):
    """A model-monitoring threshold configured as `fail` was crossed (the rows are written)."""
