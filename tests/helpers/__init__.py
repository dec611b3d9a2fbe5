"""Helpers shared by the test files: raw-file builders, paths, tool lookups, schema and IAM
checks. Imported as `helpers.<module>` (pytest puts tests/ on sys.path: `pythonpath` in
pyproject.toml); nothing here runs at import time beyond constants."""
