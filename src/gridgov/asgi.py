"""ASGI entry point for uvicorn: ``uvicorn gridgov.asgi:app``."""

from gridgov.main import create_app

app = create_app()
