"""Errors a user can act on. The CLI prints the message (no traceback) and exits non-zero."""

from __future__ import annotations


class EventlakeError(Exception):
    exit_code = 1


class InputError(EventlakeError):
    """Bad input: a file, record, argument or missing data. The message names it."""


class GateFailed(EventlakeError):
    """A quality or promotion gate stopped the run on purpose."""

    exit_code = 3


class ConfigurationError(EventlakeError):
    """Settings or environment are wrong."""
