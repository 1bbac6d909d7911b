"""The web app: an OpenAPI JSON API and server-rendered pages over the same library functions."""

from lagebild.web.app import create_app
from lagebild.web.context import WebConfig

__all__ = ["WebConfig", "create_app"]
