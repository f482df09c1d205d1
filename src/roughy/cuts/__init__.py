"""The cuts package."""
