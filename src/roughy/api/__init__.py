"""HTTP delivery: the FastAPI application for `/v1`, `/api/v1`, files, health and the dashboard."""

from roughy.api.app import create_app

__all__ = ["create_app"]
