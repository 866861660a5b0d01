"""Pipelines: multi-step workflows with conditions, sweeps and batch screens."""
