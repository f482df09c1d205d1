"""Roughy's media engine: a pure library (paths and dataclasses in, dataclasses out).

It never reads settings, the environment, the database or storage, and never exits the process.
"""
