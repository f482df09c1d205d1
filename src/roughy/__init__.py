"""Roughy: automatic rough cuts for spoken-word recordings."""
