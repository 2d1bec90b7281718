"""A minimal app for the server tests: it answers with the id of the worker process that served it."""

from __future__ import annotations

import os


def pid_app():
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/readyz")
    def readyz() -> dict:
        return {"status": "ready"}

    @app.get("/pid")
    def pid() -> dict:
        return {"pid": os.getpid()}

    return app
