"""Builds the ASGI app: one sub-app per door, each with its own OpenAPI document, docs page and
error envelope, all over the same database."""

from fastapi import FastAPI

from contacthub import __version__
from contacthub.db.engine import Database
from contacthub.dialects.chartmogul.app import build as build_chartmogul
from contacthub.dialects.native.app import build as build_native
from contacthub.settings import Settings, get_settings


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    db = db or Database(settings.database_url)
    app = FastAPI(title="contacthub", version=__version__, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.db = db
    app.mount("/v1", build_native(db, settings))
    app.mount("/chartmogul", build_chartmogul(db, settings))

    @app.get("/health", include_in_schema=False)
    def health():
        return {"status": "ok", "version": __version__}

    @app.get("/", include_in_schema=False)
    def index():
        return {"name": "contacthub", "version": __version__,
                "apis": {"native": {"base": "/v1", "docs": "/v1/docs", "openapi": "/v1/openapi.json"},
                         "chartmogul": {"base": "/chartmogul/v1", "docs": "/chartmogul/docs",
                                        "openapi": "/chartmogul/openapi.json"}}}

    return app
