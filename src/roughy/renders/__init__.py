"""The renders package."""
