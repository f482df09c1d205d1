"""The dashboard: a small page served by the API process, driven by the public API itself."""
