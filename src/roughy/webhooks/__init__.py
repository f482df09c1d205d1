"""The webhooks package."""
