"""The data contract in one place: raw fields, lake schemas, rules and defaults."""
