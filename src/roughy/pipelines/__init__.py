"""The pipelines package."""
