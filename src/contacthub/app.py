"""Builds the ASGI app: one sub-app per door, each with its own OpenAPI document, docs page and
error envelope, all over the same database."""

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from starlette.exceptions import HTTPException as StarletteHTTPException

from contacthub import __version__
from contacthub.core.rate_limits import RateLimiter
from contacthub.db.engine import Database
from contacthub.dialects.common import Gate, HeadAsGet
from contacthub.dialects.bird.app import build as build_bird
from contacthub.dialects.chartmogul.app import build as build_chartmogul
from contacthub.dialects.native.app import build as build_native
from contacthub.dialects.packagex.app import build as build_packagex
from contacthub.dialects.ngpvan.app import build as build_ngpvan
from contacthub.settings import Settings, get_settings


# name, mount point, the base URL a vendor client is given
DOORS = (
    ("native", "/v1", "/v1"),
    ("chartmogul", "/chartmogul", "/chartmogul/v1"),
    ("bird", "/bird", "/bird/"),
    ("packagex", "/packagex", "/packagex/v1"),
    ("ngpvan", "/ngpvan", "/ngpvan/v2"),
)


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    db = db or Database(settings.database_url, settings.write_wait_seconds)
    app = FastAPI(title="contacthub", version=__version__, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.db = db
    # one gate for every door: a key's requests count against its rate together
    gate = Gate(db, RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst))
    doors = {
        "/v1": build_native(db, settings, gate),
        "/bird": build_bird(db, settings, gate),
        "/packagex": build_packagex(db, settings, gate),
        "/chartmogul": build_chartmogul(db, settings, gate),
        "/ngpvan": build_ngpvan(db, settings, gate),
    }
    for mount, door in doors.items():
        app.mount(mount, door)
    app.add_middleware(HeadAsGet)

    @app.exception_handler(StarletteHTTPException)
    async def unrouted(request: Request, exc: StarletteHTTPException):
        """A path no mount takes, though it starts with a door's prefix (a mount's pattern does
        not match a path holding a newline, for one), is answered in that door's envelope."""
        for mount, door in doors.items():
            if request.url.path.startswith(mount + "/"):
                return door.exception_handlers[StarletteHTTPException](request, exc)
        return await http_exception_handler(request, exc)

    @app.get("/health", include_in_schema=False)
    def health():
        return {"status": "ok", "version": __version__}

    @app.get("/", include_in_schema=False)
    def index(request: Request):
        root = request.scope.get("root_path", "")  # a proxy's path prefix (serve --root-path)
        return {"name": "contacthub", "version": __version__, "apis": {
            name: {"base": f"{root}{base}", "docs": f"{root}{mount}/docs", "openapi": f"{root}{mount}/openapi.json"}
            for name, mount, base in DOORS
        }}

    return app
