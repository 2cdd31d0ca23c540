"""Core exceptions mapped to HTTP answers, in one place."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from launchloop.errors import (
    Forbidden,
    InvalidInput,
    NotFound,
    OverCapacity,
    RateLimited,
    StorageFull,
    TooLarge,
    Unauthorized,
)


def install_error_handlers(app: FastAPI) -> None:
    """Answer each core exception with its status and a ``detail`` that says why."""

    @app.exception_handler(InvalidInput)
    async def invalid(_: Request, error: InvalidInput) -> JSONResponse:
        return JSONResponse(
            {"detail": [{"loc": [error.field], "msg": error.reason, "type": "invalid"}]},
            status_code=422 if error.field not in ("body",) else 400,
        )

    for exc, status in (
        (NotFound, 404),
        (Unauthorized, 401),
        (Forbidden, 403),
        (TooLarge, 413),
        (StorageFull, 507),
    ):
        app.add_exception_handler(exc, _simple(status))

    @app.exception_handler(OverflowError)
    async def overflow(_: Request, error: OverflowError) -> JSONResponse:
        # An id or number beyond 64 bits reaches SQLite as OverflowError (issue 12, schemathesis).
        detail = [{"loc": ["body"], "msg": "a number beyond the 64-bit range", "type": "invalid"}]
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(RateLimited)
    async def limited(_: Request, error: RateLimited) -> JSONResponse:
        return JSONResponse(
            {"detail": str(error)},
            status_code=429,
            headers={"Retry-After": str(error.retry_after)},
        )

    @app.exception_handler(OverCapacity)
    async def busy(_: Request, error: OverCapacity) -> JSONResponse:
        return JSONResponse(
            {"detail": str(error)},
            status_code=503,
            headers={"Retry-After": str(error.retry_after)},
        )


def _simple(status: int):  # type: ignore[no-untyped-def]
    async def handler(_: Request, error: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=status)

    return handler
