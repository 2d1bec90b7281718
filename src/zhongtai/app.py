"""create_app(): the API, the console and the background outbox relay in one ASGI app."""

from __future__ import annotations

import gc
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine, text
from starlette.middleware.sessions import SessionMiddleware

from zhongtai import __version__
from zhongtai.config import Settings, get_settings
from zhongtai.db.session import get_engine, session_factory
from zhongtai.deps import SessionDep
from zhongtai.kernel import http, jobs
from zhongtai.kernel.idempotency import IdempotencyMiddleware
from zhongtai.kernel.logging import configure as configure_logging
from zhongtai.kernel.relay import start_background_relay
from zhongtai.registry import JOBS, ROUTERS, load_handlers


def create_app(settings: Settings | None = None, *, run_relay: bool = False) -> FastAPI:
    """Build the application for `settings`; `run_relay` starts the outbox relay and periodic jobs (serve does)."""
    settings = settings or get_settings()
    configure_logging(level=settings.log_level, json=settings.log_json)
    engine = get_engine(settings)
    load_handlers()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        _tune_gc(settings)
        relay = start_background_relay(engine, settings) if run_relay else None
        job_threads, jobs_stop = jobs.start(engine, JOBS()) if run_relay else ([], None)
        yield
        if jobs_stop:
            jobs_stop.set()
        if relay:
            thread, stop, worker = relay
            stop.set()
            thread.join(timeout=10)
            worker.close()

    app = FastAPI(title="zhongtai 中台", version=__version__, lifespan=lifespan,
                  description="Omnichannel retail middle platform API. Errors are "
                              '`{"error": "<code>", "detail": ...}` with the HTTP status.')
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = session_factory(engine)
    app.state.read_sessionmaker = session_factory(_read_only(engine))
    http.install_error_handlers(app)
    for router in ROUTERS():
        app.include_router(router)
    _install_system_routes(app)
    static_dir = resources.files("zhongtai") / "web" / "static"
    app.mount("/static", StaticFiles(directory=str(static_dir)), name="static")
    # Order: the last added runs first. Request ids wrap everything, then sessions, then idempotency.
    app.add_middleware(IdempotencyMiddleware, sessions=app.state.sessionmaker, secret=settings.secret_key,
                       render_error=http.render_asgi)
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key, session_cookie="zhongtai_session",
                       same_site="lax", https_only=settings.environment == "production", max_age=12 * 3600)
    app.add_middleware(http.RequestContextMiddleware)
    return app


def _tune_gc(settings: Settings) -> None:
    """Serving, the app's own objects (routes, models, compiled statements) live as long as the process:
    freeze them out of the cyclic collector's generations, and collect the young generation less often. With
    the defaults a request's few thousand short-lived objects trigger several collections, each of which
    walks every object that survived earlier ones: a quarter of the CPU of placing an order went there."""
    if settings.gc_gen0_threshold and gc.get_threshold()[0] != settings.gc_gen0_threshold:
        gc.collect()
        gc.freeze()  # once per process (a second app, as tests build, must not pin the first one's garbage)
        gc.set_threshold(settings.gc_gen0_threshold, 50, 100)


def _read_only(engine: Engine) -> Engine:
    """The engine for units of work that only read (authentication, quotes). SQLite: a deferred BEGIN, so a
    read never takes the write lock. PostgreSQL: autocommit, since at READ COMMITTED every statement reads its
    own snapshot anyway: BEGIN … ROLLBACK around reads would add two round trips and no consistency."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(sqlite_begin="DEFERRED")
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def _install_system_routes(app: FastAPI) -> None:
    @app.get("/healthz", tags=["system"])
    def healthz() -> dict:
        """Liveness: the process answers."""
        return {"status": "ok", "version": __version__}

    @app.get("/readyz", tags=["system"])
    def readyz(session: SessionDep) -> dict:
        """Readiness: the database answers."""
        session.execute(text("SELECT 1"))
        return {"status": "ready", "database": session.get_bind().dialect.name}
