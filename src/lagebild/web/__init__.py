"""The web app: an OpenAPI JSON API and server-rendered pages over the same library functions."""

from lagebild.web.app import WebConfig, create_app

__all__ = ["WebConfig", "create_app"]
