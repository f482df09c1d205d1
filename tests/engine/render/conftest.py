"""Fixtures for the render tests; the sources themselves are built in render_sources.py."""

from render_sources import ffmpeg_bin, out, sources

__all__ = ["ffmpeg_bin", "out", "sources"]
