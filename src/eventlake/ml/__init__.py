"""Spark ML on the lake: features, the Pipeline, training, metrics and the MLflow registry."""
