"""The uploads package."""
