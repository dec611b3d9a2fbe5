"""Data quality: metrics with history, anomaly checks, the run report."""
