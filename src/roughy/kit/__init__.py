"""Shared building blocks: database base and session handling, ids, time, pagination."""
