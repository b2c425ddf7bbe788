"""Each door's docs pages (Swagger UI at /docs, ReDoc at /redoc), served with the pages'
scripts and styles from files installed with the package (fastapi-offline ships them), not from
a CDN: a self-hosted service on a closed network still shows its documentation."""

from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = StaticFiles(directory=str(files("fastapi_offline") / "static"))


def serve_docs(app: FastAPI) -> None:
    """Adds /docs, /redoc and the files they load to `app` (built with docs_url=None,
    redoc_url=None). URLs are taken from the request's root path, so the pages work wherever the
    door is mounted, behind a proxy prefix too."""
    app.mount("/docs-assets", ASSETS, name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}", title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}/docs-assets/swagger-ui-bundle.js",
            swagger_css_url=f"{root}/docs-assets/swagger-ui.css",
            swagger_favicon_url=f"{root}/docs-assets/favicon.png")

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}", title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}/docs-assets/redoc.standalone.js",
            redoc_favicon_url=f"{root}/docs-assets/favicon.png", with_google_fonts=False)
